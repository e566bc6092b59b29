package drouting

import (
	"net/netip"
	"strings"
	"testing"

	"gosips/api"
	"gosips/sip"
)

type fakeBLCore struct{ set api.Blacklists }

func (*fakeBLCore) Params() []api.Param           { return nil }
func (*fakeBLCore) Funcs() []api.Func             { return nil }
func (f *fakeBLCore) Blacklists() *api.Blacklists { return &f.set }

func TestDefineBlacklist(t *testing.T) {
	for def, want := range map[string]string{"nolist": "expected", "x = 1, a": "nonnumerical", " = 1": "empty name"} {
		if _, _, _, err := parseDefineBlacklist(def); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%q: %v", def, err)
		}
	}
	m := New()
	m.Blacklists = []string{"gws = 1, 3", "other:none = 1"}
	core := &fakeBLCore{}
	if err := m.initBlacklists(&api.InitCtx{Module: func(string) api.Module { return core }}); err != nil {
		t.Fatal(err)
	}
	m.Partitions = []*Partition{&m.Default}
	d := &data{gwOrder: []*gateway{
		{typ: 1, proto: sip.ProtoUDP, addrs: []netip.AddrPort{netip.MustParseAddrPort("10.0.0.1:5060")}},
		{typ: 2, addrs: []netip.AddrPort{netip.MustParseAddrPort("10.0.0.2:5060")}},
		{typ: 3, addrs: []netip.AddrPort{netip.MustParseAddrPort("10.0.0.3:0")}},
	}}
	m.fillBlacklists(&m.Default, d)
	rules := core.set.Lookup("gws").Rules()
	if len(rules) != 2 || rules[0].Net.String() != "10.0.0.1/32" || rules[0].Proto != "udp" || rules[0].Port != 5060 ||
		rules[1].Net.String() != "10.0.0.3/32" || rules[1].Proto != "any" {
		t.Errorf("gws rules %+v", rules)
	}
	if n := len(core.set.Lookup("none").Rules()); n != 0 {
		t.Errorf("list of another partition got %d rules", n)
	}
	if l := core.set.Lookup("gws"); l.Owner != "drouting" || l.Flags != 0 {
		t.Errorf("list %+v", l)
	}
}
