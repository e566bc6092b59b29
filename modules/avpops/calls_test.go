package avpops

import (
	"testing"

	"gosips/api"
	"gosips/modules/core/coretest"
	"gosips/pv"
)

type holder struct{ st *pv.AVPStore }

func (h holder) AVPs() *pv.AVPStore { return h.st }

func TestAVPOps(t *testing.T) {
	fs := map[string]api.Func{}
	for _, f := range New().Funcs() {
		fs[f.Name] = f
	}
	call := func(name string, c *api.Ctx, args ...any) api.Ret {
		full := make([]any, len(fs[name].Args))
		copy(full, args)
		return fs[name].Call(c, full)
	}
	st := pv.NewAVPStore()
	c := coretest.NewCtx(coretest.New(), coretest.Msg(t, coretest.Invite))
	c.Priv = holder{st}
	gw := AVPSpec{Name: "gw"}
	if call("is_avp_set", c, gw) != -1 {
		t.Error("unset AVP reported set")
	}
	call("avp_write", c, "sip:10.0.0.7", gw)
	call("avp_printf", c, gw, "sip:10.0.0.8")
	if call("is_avp_set", c, gw) != 1 || st.Count("gw") != 2 || pv.Str(st.Get("gw", 0)) != "sip:10.0.0.8" {
		t.Fatalf("after writes: %v", st.All("gw"))
	}
	if call("avp_copy", c, gw, AVPSpec{Name: "dst", Flags: "g"}) != 1 || st.Count("dst") != 2 {
		t.Errorf("avp_copy /g: %v", st.All("dst"))
	}
	host := AVPSpec{Name: "host"}
	call("avp_write", c, "10.0.0.9", host)
	if call("avp_pushto", c, "$ru/domain", host) != 1 || c.Msg.RURI() != "sip:bob@10.0.0.9" {
		t.Errorf("avp_pushto $ru/domain: %s", c.Msg.RURI())
	}
	if call("avp_pushto", c, "$du", gw) != 1 || c.DstURI != "sip:10.0.0.8" {
		t.Errorf("avp_pushto $du: %s", c.DstURI)
	}
	call("avp_delete", c, gw)
	if st.Count("gw") != 1 {
		t.Errorf("avp_delete removed %d", 2-st.Count("gw"))
	}
	call("avp_delete", c, AVPSpec{Name: "dst", Flags: "g"})
	if st.Count("dst") != 0 {
		t.Error("avp_delete /g left values")
	}
}
