package permissions

import (
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"gosips/api"
	"gosips/db"
	"gosips/sip"
)

func row(ip string, grp, mask, port int, proto string, pattern, info any) db.Row {
	v := func(x any) db.Value {
		if s, ok := x.(string); ok {
			return db.StringValue(s)
		}
		return db.NullValue(db.String)
	}
	return db.Row{db.StringValue(ip), db.IntValue(int64(grp)), db.IntValue(int64(mask)), db.IntValue(int64(port)),
		db.StringValue(proto), v(pattern), v(info), db.IntValue(1)}
}

func TestAddressMatch(t *testing.T) {
	tb := &table{byID: map[int64]*group{}}
	for _, r := range []db.Row{
		row("10.0.0.1", 1, 32, 5060, "udp", nil, "one"),
		row("10.1.0.0", 1, 16, 0, "any", "text*", "net16"),
		row("10.1.2.0", 1, 24, 0, "tcp", nil, "net24"),
		row("2001:db8::1", 3, 128, 0, "any", nil, "v6"),
	} {
		e, err := parseRow(r)
		if err != nil {
			t.Fatal(err)
		}
		g := tb.byID[e.grp]
		if g == nil {
			g = &group{id: e.grp, hosts: map[netip.Addr][]*entry{}}
			tb.byID[e.grp] = g
			tb.groups = append(tb.groups, g)
		}
		if e.host {
			g.hosts[e.net.Addr()] = append(g.hosts[e.net.Addr()], e)
		} else {
			g.subnets = append([]*entry{e}, g.subnets...)
		}
	}
	tests := []struct {
		grp     int64
		ip      string
		port    int
		proto   sip.Proto
		pattern any
		want    string
		err     bool
	}{
		{1, "10.0.0.1", 5060, sip.ProtoUDP, nil, "one", false},
		{1, "10.0.0.1", 5070, sip.ProtoUDP, nil, "", false},
		{1, "10.0.0.1", 0, sip.ProtoNone, nil, "one", false},
		{1, "10.0.0.1", 5060, sip.ProtoTCP, nil, "", false},
		{1, "10.1.2.3", 5060, sip.ProtoTCP, nil, "net24", false},
		{1, "10.1.2.3", 5060, sip.ProtoUDP, nil, "net16", false},
		{1, "10.1.9.9", 5060, sip.ProtoUDP, "texttest", "net16", false},
		{1, "10.1.9.9", 5060, sip.ProtoUDP, "other", "", false},
		{0, "2001:db8::1", 5060, sip.ProtoUDP, nil, "v6", false},
		{2, "10.0.0.1", 5060, sip.ProtoUDP, nil, "", true},
	}
	for _, tc := range tests {
		pat, has := tc.pattern.(string)
		e, err := tb.match(tc.grp, netip.MustParseAddr(tc.ip), tc.port, tc.proto, pat, has)
		if (err != nil) != tc.err {
			t.Errorf("%+v: err %v", tc, err)
		}
		got := ""
		if e != nil {
			got = e.info
		}
		if got != tc.want {
			t.Errorf("%+v: matched %q", tc, got)
		}
	}
	if g, ok := tb.findGroup(netip.MustParseAddr("2001:db8::1"), 1); !ok || g != 3 {
		t.Errorf("findGroup = %d, %v", g, ok)
	}
}

func TestBadRows(t *testing.T) {
	for _, tc := range []struct {
		r    db.Row
		want string
	}{
		{row("1.2.3.4", 1, 33, 0, "any", nil, nil), "mask 33 too large"},
		{row("x", 1, 32, 0, "any", nil, nil), "invalid ip"},
		{row("1.2.3.4", 1, 32, 0, "carrier-pigeon", nil, nil), "unknown protocol"},
	} {
		if _, err := parseRow(tc.r); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%v: %v, want %q", tc.r, err, tc.want)
		}
	}
	if e, err := parseRow(row("1.2.3.4", 1, 32, 0, "none", nil, nil)); e != nil || err != nil {
		t.Errorf("proto none: %v %v", e, err)
	}
}

func TestRuleFiles(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "p.allow"), []byte(`# comment
ALL : "^sip:361[0-9]*@abc\.com$" EXCEPT "^sip:361[0-9]*3@abc\.com$", "^sip:361[0-9]*4@abc\.com$"
"^sip:3677[0-9]*@abc\.com$" : "^sip:361[0-9]*@abc\.com$"
`), 0o644)
	os.WriteFile(filepath.Join(dir, "p.deny"), []byte("ALL : ALL\n"), 0o644)
	m := New()
	m.configDir = dir
	fp, err := m.pair("p.allow", "p.deny")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		from, to string
		allow    bool
	}{
		{"sip:x@y", "sip:3611@abc.com", true},
		{"sip:x@y", "sip:3613@abc.com", false},
		{"sip:36771@abc.com", "sip:3613@abc.com", true},
		{"sip:x@y", "sip:999@abc.com", false},
	}
	for _, tc := range tests {
		got := fp.allow.search(tc.from, tc.to) || !fp.deny.search(tc.from, tc.to)
		if got != tc.allow {
			t.Errorf("%s -> %s: %v", tc.from, tc.to, got)
		}
	}
	if _, err := parseRuleFile(filepath.Join(dir, "missing")); err != nil {
		t.Errorf("missing file: %v", err)
	}
	os.WriteFile(filepath.Join(dir, "bad.allow"), []byte("\"(\" : ALL\n"), 0o644)
	if _, err := parseRuleFile(filepath.Join(dir, "bad.allow")); err == nil || !strings.Contains(err.Error(), "bad.allow:1") {
		t.Errorf("bad regex: %v", err)
	}
}

// TestExports pins the export table against OpenSIPS 3.6's.
func TestExports(t *testing.T) {
	want := map[string]int{"check_address": 7, "check_source_address": 4, "get_source_group": 2,
		"allow_routing": 1, "allow_register": 1, "allow_uri": 2}
	got := map[string]api.Func{}
	for _, f := range New().Funcs() {
		got[f.Name] = f
	}
	for name, n := range want {
		f, ok := got[name]
		if !ok || len(f.Args) != n || f.Call == nil {
			t.Errorf("%s: %d args, call %v", name, len(f.Args), f.Call != nil)
		}
	}
	params := map[string]bool{}
	for _, p := range New().Params() {
		params[p.Name] = true
	}
	for _, p := range []string{"default_allow_file", "default_deny_file", "check_all_branches", "allow_suffix",
		"deny_suffix", "partition", "db_url", "address_table", "ip_col", "proto_col", "pattern_col", "info_col",
		"grp_col", "mask_col", "port_col"} {
		if !params[p] {
			t.Errorf("param %s missing", p)
		}
	}
	m := New()
	for _, s := range []string{"inbound: db_url = sqlite:///x.db; table_name = pbx", "inbound: table_nam = x"} {
		err := m.setPartition(api.ParamValue{Str: s})
		if strings.Contains(s, "table_nam ") != (err != nil) {
			t.Errorf("%q: %v", s, err)
		}
	}
	if p := m.partition("inbound"); p == nil || p.Table != "pbx" || p.DBURL != "sqlite:///x.db" {
		t.Errorf("partition: %+v", p)
	}
}
