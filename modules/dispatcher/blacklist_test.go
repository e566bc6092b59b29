package dispatcher

import (
	"net/netip"
	"testing"

	"gosips/api"
)

type fakeBLCore struct{ set api.Blacklists }

func (*fakeBLCore) Params() []api.Param           { return nil }
func (*fakeBLCore) Funcs() []api.Func             { return nil }
func (f *fakeBLCore) Blacklists() *api.Blacklists { return &f.set }

func TestDefineBlacklist(t *testing.T) {
	m := New()
	m.Blacklists = []string{"dsbl = 1, 3"}
	core := &fakeBLCore{}
	if err := m.initBlacklists(&api.InitCtx{Module: func(string) api.Module { return core }}); err != nil {
		t.Fatal(err)
	}
	dt := &data{sets: []*set{
		{id: 1, dests: []*dest{{dstURI: "sip:10.0.0.1:5070;transport=tcp", addrs: []netip.AddrPort{netip.MustParseAddrPort("10.0.0.1:5070")}}}},
		{id: 2, dests: []*dest{{dstURI: "sip:10.0.0.2", addrs: []netip.AddrPort{netip.MustParseAddrPort("10.0.0.2:5060")}}}},
		{id: 3, dests: []*dest{{dstURI: "sip:10.0.0.3", addrs: []netip.AddrPort{netip.MustParseAddrPort("10.0.0.3:5060")}}}},
	}}
	m.fillBlacklists(&m.Default, dt)
	l := core.set.Lookup("dsbl")
	rules := l.Rules()
	if l.Owner != "dispatcher" || len(rules) != 2 || rules[0].Net.String() != "10.0.0.1/32" || rules[0].Proto != "tcp" ||
		rules[0].Port != 5070 || rules[1].Net.String() != "10.0.0.3/32" || rules[1].Proto != "any" {
		t.Errorf("list %+v rules %+v", l, rules)
	}
}
