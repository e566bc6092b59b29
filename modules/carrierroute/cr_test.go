package carrierroute

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"
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

// The config file of OpenSIPS' README, plus a rewrite and an inactive
// target.
const crFile = `
# routes of the default carrier
domain proxy {
   prefix 49 {
     max_targets = 2
      target proxy1.localdomain {
         prob = 0.500000
         hash_index = 1
         status = 1
         comment = "test target 1"
      }
      target proxy2.localdomain {
         prob = 0.500000
         hash_index = 2
         status = 1
         comment = "test target 2"
      }
   }
   prefix 4930 {
      target berlin.localdomain { strip = 2; rewrite_prefix = "0"; rewrite_suffix = "x"; prob = 1 }
      target down.localdomain { prob = 1; status = 0 } // never chosen
   }
}

/* the registrars */
domain register {
   prefix NULL {
      target register1.localdomain {
         prob = 1
         backed_up = {2, 3}
      }
   }
}
`

func TestRouteFromFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "carrierroute.conf")
	if err := os.WriteFile(path, []byte(crFile), 0o644); err != nil {
		t.Fatal(err)
	}
	m := New()
	m.ConfigFile = path
	if err := m.Init(&api.InitCtx{}); err != nil {
		t.Fatal(err)
	}
	seen := map[string]int{}
	for i := range 40 {
		msg := coretest.Msg(t, "INVITE sip:4912345@x SIP/2.0\r\nVia: SIP/2.0/UDP 10.0.0.2;branch=z9hG4bK1\r\n"+
			"From: <sip:a@x>;tag=1\r\nTo: <sip:4912345@x>\r\nCall-ID: cr"+strconv.Itoa(i)+"\r\nCSeq: 1 INVITE\r\nContent-Length: 0\r\n\r\n")
		x := coretest.NewCtx(coretest.New(), msg)
		host := &fakeVar{}
		if r := m.route(x, "default", "proxy", "4912345", "4912345", "call_id", host); r != 1 {
			t.Fatalf("route %d = %d", i, r)
		}
		seen[host.v]++
	}
	if len(seen) != 2 || seen["proxy1.localdomain"] < 5 || seen["proxy2.localdomain"] < 5 {
		t.Errorf("49 spread over %v, want both proxies", seen)
	}
	msg := coretest.Msg(t, "INVITE sip:4930123@x SIP/2.0\r\nVia: SIP/2.0/UDP 10.0.0.2;branch=z9hG4bK1\r\n"+
		"From: <sip:a@x>;tag=1\r\nTo: <sip:4930123@x>\r\nCall-ID: cr\r\nCSeq: 1 INVITE\r\nContent-Length: 0\r\n\r\n")
	x := coretest.NewCtx(coretest.New(), msg)
	if r := m.route(x, "default", "proxy", "4930123", "4930123", "call_id", nil); r != 1 || x.RURI() != "sip:030123x@berlin.localdomain" {
		t.Errorf("4930: %d %s", r, x.RURI())
	}
	if r := m.route(x, "default", "register", "", "alice", "call_id", nil); r != 1 || x.RURI() != "sip:alice@register1.localdomain" {
		t.Errorf("NULL prefix: %d %s", r, x.RURI())
	}
	if r := m.route(x, "default", "proxy", "1234", "1234", "call_id", nil); r != -1 {
		t.Errorf("no prefix matches 1234: %d", r)
	}
	// Reloading reads the file again.
	os.WriteFile(path, []byte(strings.Replace(crFile, "berlin.localdomain", "hamburg.localdomain", 1)), 0o644)
	for _, c := range m.MICommands() {
		if c.Name == "cr_reload_routes" {
			if _, err := c.Handler(context.Background(), nil); err != nil {
				t.Fatal(err)
			}
		}
	}
	if r := m.route(x, "default", "proxy", "4930123", "4930123", "call_id", nil); r != 1 || x.RURI() != "sip:030123x@hamburg.localdomain" {
		t.Errorf("after reload: %d %s", r, x.RURI())
	}
}

func TestFileErrors(t *testing.T) {
	for _, tc := range []struct{ src, err string }{
		{"domain a {\n prefix 1 {\n target h { prob = 2 }\n }\n}\n", "prob 2"},
		{"domain a {\n prefix 1 {\n target h { weight = 1 }\n }\n}\n", `:3: unknown option "weight"`},
		{"domain a {\n prefix 1 {\n", "missing }"},
		{"carrier a { }\n", `:1: unknown section "carrier"`},
		{"domain a {\n prefix 1 {\n target h { prob = x }\n }\n}\n", "not a number"},
		{"domain a { /* open\n", "unterminated comment"},
	} {
		path := filepath.Join(t.TempDir(), "cr.conf")
		os.WriteFile(path, []byte(tc.src), 0o644)
		m := New()
		m.ConfigFile = path
		err := m.Init(&api.InitCtx{})
		if err == nil || !strings.Contains(err.Error(), tc.err) {
			t.Errorf("%q: error %v, want %q", tc.src, err, tc.err)
		}
	}
	m := New()
	m.ConfigFile = filepath.Join(t.TempDir(), "missing.conf")
	if err := m.Init(&api.InitCtx{}); err == nil || !strings.Contains(err.Error(), "config_file") {
		t.Errorf("missing file: %v", err)
	}
}
