package registrar

import (
	"context"
	"strings"
	"testing"
	"time"

	"gosips/api"
	"gosips/modules/core/coretest"
	"gosips/modules/usrloc"
	"gosips/pv"
	"gosips/sip"
)

// env is a registrar bound to an in-memory usrloc with a fixed clock.
type env struct {
	t    testing.TB
	ul   *usrloc.Module
	reg  *Module
	d    *usrloc.Domain
	core *coretest.Core
	sig  *coretest.Signaling
	now  time.Time
	avps *pv.AVPStore
}

func newEnv(t testing.TB, setup func(ul *usrloc.Module, reg *Module)) *env {
	t.Helper()
	e := &env{t: t, ul: usrloc.New(), reg: New(), now: time.Unix(1700000000, 0),
		avps: pv.NewAVPStore()}
	e.core, e.sig = coretest.WithSignaling()
	e.core.BFlags = []string{3: "NAT"}
	e.ul.Clock = func() time.Time { return e.now }
	if setup != nil {
		setup(e.ul, e.reg)
	}
	if err := e.ul.Init(&api.InitCtx{}); err != nil {
		t.Fatal(err)
	}
	e.d = e.ul.RegisterDomain("location")
	e.reg.SetUsrloc(e.ul)
	return e
}

func (e *env) ctx(raw string) *api.Ctx {
	e.t.Helper()
	raw = strings.ReplaceAll(strings.TrimLeft(raw, "\n"), "\n", "\r\n")
	m, err := sip.ParseString(raw)
	if err != nil {
		e.t.Fatalf("parse: %v", err)
	}
	return &api.Ctx{Context: context.Background(), RouteType: api.RequestRoute, Core: e.core, Msg: m,
		Req: m, RURIQ: -1, Priv: coretest.AVPPriv{St: e.avps}}
}

// lastReply returns the last reply sent, failing when none was.
func (e *env) lastReply() coretest.Reply {
	e.t.Helper()
	rs := e.sig.Replies()
	if len(rs) == 0 {
		e.t.Fatal("no reply sent")
	}
	return rs[len(rs)-1]
}

func register(user, contact, extra string, cseq int) string {
	return "REGISTER sip:example.com SIP/2.0\n" +
		"Via: SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bK" + user + itoa(cseq) + "\n" +
		"From: <sip:" + user + "@example.com>;tag=1\n" +
		"To: <sip:" + user + "@example.com>\n" +
		"Call-ID: cid-" + user + "\n" +
		"CSeq: " + itoa(cseq) + " REGISTER\n" +
		contactLine(contact) + extra +
		"Content-Length: 0\n\n"
}

func contactLine(c string) string {
	if c == "" {
		return ""
	}
	return "Contact: " + c + "\n"
}

func invite(ruri string) string {
	return "INVITE " + ruri + " SIP/2.0\n" +
		"Via: SIP/2.0/UDP 10.0.0.9:5060;branch=z9hG4bKinv\n" +
		"From: <sip:carol@example.com>;tag=9\n" +
		"To: <" + ruri + ">\n" +
		"Call-ID: inv-1\n" +
		"CSeq: 1 INVITE\n" +
		"Content-Length: 0\n\n"
}
