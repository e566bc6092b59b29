package carrierroute

import (
	"context"
	"path/filepath"
	"testing"

	"gosips/api"
	"gosips/db"
	_ "gosips/db/all"
	"gosips/modules/core/coretest"
)

type fakeVar struct{ v string }

func (f *fakeVar) Get(*api.Ctx) (api.Value, error)   { return api.StrValue(f.v), nil }
func (f *fakeVar) Set(_ *api.Ctx, v api.Value) error { f.v = v.S; return nil }
func (f *fakeVar) Name() string                      { return "$avp(host)" }

func TestRoute(t *testing.T) {
	ctx := context.Background()
	url := "sqlite://" + filepath.Join(t.TempDir(), "cr.db")
	c, err := db.Open(ctx, url, db.WithCreate())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	db.CreateTables(ctx, c, "carrierroute", "carrierfailureroute", "route_tree")
	c.Insert(ctx, "route_tree", []string{"id", "carrier"}, []db.Value{db.IntValue(1), db.StringValue("default")})
	ins := func(prefix, host string, prob float64, strip int, pre string) {
		c.Insert(ctx, "carrierroute", []string{"carrier", "domain", "scan_prefix", "prob", "strip", "rewrite_host", "rewrite_prefix"},
			[]db.Value{db.IntValue(1), db.StringValue("proxy"), db.StringValue(prefix), db.DoubleValue(prob),
				db.IntValue(int64(strip)), db.StringValue(host), db.StringValue(pre)})
	}
	ins("", "default.example.com", 1, 0, "")
	ins("49", "de.example.com", 1, 2, "0")
	c.Insert(ctx, "carrierfailureroute", []string{"carrier", "domain", "scan_prefix", "reply_code", "next_domain"},
		[]db.Value{db.IntValue(1), db.StringValue("proxy"), db.StringValue("49"), db.StringValue("5.."), db.StringValue("backup")})
	m := New()
	m.ConfigSource, m.dbh.URL = "db", url
	if err := m.Init(&api.InitCtx{}); err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	msg := coretest.Msg(t, "INVITE sip:4930123@x SIP/2.0\r\nVia: SIP/2.0/UDP 10.0.0.2;branch=z9hG4bK1\r\n"+
		"From: <sip:a@x>;tag=1\r\nTo: <sip:4930123@x>\r\nCall-ID: cr1\r\nCSeq: 1 INVITE\r\nContent-Length: 0\r\n\r\n")
	x := coretest.NewCtx(coretest.New(), msg)
	host := &fakeVar{}
	if r := m.route(x, "default", "proxy", "4930123", "4930123", "call_id", host); r != 1 || x.RURI() != "sip:030123@de.example.com" || host.v != "de.example.com" {
		t.Errorf("route = %d %s %s", r, x.RURI(), host.v)
	}
	if r := m.route(x, "default", "proxy", "1234", "1234", "call_id", nil); r != 1 || x.RURI() != "sip:1234@default.example.com" {
		t.Errorf("default prefix: %d %s", r, x.RURI())
	}
	if r := m.route(x, "default", "nodomain", "1234", "1234", "call_id", nil); r != -1 {
		t.Errorf("unknown domain: %d", r)
	}
	var next api.Func
	for _, f := range m.Funcs() {
		if f.Name == "cr_next_domain" {
			next = f
		}
	}
	out := &fakeVar{}
	if r := next.Call(x, []any{"default", "proxy", "4930", "de.example.com", "503", out}); r != 1 || out.v != "backup" {
		t.Errorf("cr_next_domain = %d %q", r, out.v)
	}
	if r := next.Call(x, []any{"default", "proxy", "4930", "de.example.com", "404", out}); r != -1 {
		t.Errorf("cr_next_domain 404 = %d", r)
	}
}
