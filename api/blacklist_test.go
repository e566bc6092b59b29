package api

import (
	"net/netip"
	"testing"
	"time"

	"gosips/sip"
)

func TestGlob(t *testing.T) {
	for _, tc := range []struct {
		p, s string
		want bool
	}{
		{"*X-Bad*", "a\r\nX-Bad: 1\r\n", true}, {"*X-Bad*", "X-Good", false}, {"a?c", "abc", true},
		{"a*", "a/b/c", true}, {"[a-c]x", "bx", true}, {"[!a-c]x", "bx", false}, {"\\*", "*", true},
		{"", "", true}, {"", "a", false}, {"*", "", true}, {"[abc", "[abc", true},
	} {
		if got := Glob(tc.p, tc.s); got != tc.want {
			t.Errorf("Glob(%q, %q) = %v", tc.p, tc.s, got)
		}
	}
}

func TestBlacklists(t *testing.T) {
	var b Blacklists
	ro, err := b.Create("script", "ro", BlacklistReadOnly, []BlacklistRule{{Net: netip.MustParsePrefix("10.0.0.0/8"), Proto: "udp", Port: 5060}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := b.Create("script", "ro", 0, nil); err == nil {
		t.Error("duplicate name accepted")
	}
	if _, err := b.Create("script", "x", BlacklistReadOnly|BlacklistExpire, nil); err == nil {
		t.Error("read-only expiring list accepted")
	}
	dyn, _ := b.Create("script", "dyn", BlacklistExpire, nil)
	if err := ro.Add(BlacklistRule{Net: netip.MustParsePrefix("1.2.3.4/32")}, 0); err != ErrBlacklistReadOnly {
		t.Errorf("add to read-only: %v", err)
	}
	r := BlacklistRule{Net: netip.MustParsePrefix("192.168.0.0/16"), Proto: "any"}
	_ = dyn.Add(r, 0)
	_ = dyn.Add(r, 0)
	if n := len(dyn.Rules()); n != 1 {
		t.Errorf("%d rules after a duplicate add", n)
	}
	_ = dyn.Add(BlacklistRule{Net: netip.MustParsePrefix("172.16.0.1/32")}, 20*time.Millisecond)

	c := &Ctx{}
	d := sip.Dest{Proto: sip.ProtoUDP, Addr: netip.MustParseAddrPort("10.1.2.3:5060")}
	if b.Blocked(c, d, nil) {
		t.Error("blocked before use_blacklist")
	}
	b.Use(c, ro, true)
	if !b.Blocked(c, d, nil) {
		t.Error("not blocked after use_blacklist")
	}
	if d2 := (sip.Dest{Proto: sip.ProtoTCP, Addr: d.Addr}); b.Blocked(c, d2, nil) {
		t.Error("blocked on another protocol")
	}
	b.Use(c, nil, true)
	if !b.Check(c, nil, netip.MustParseAddr("172.16.0.1"), 1, "udp", "") {
		t.Error("expiring rule not matched")
	}
	time.Sleep(30 * time.Millisecond)
	if b.Check(c, nil, netip.MustParseAddr("172.16.0.1"), 1, "udp", "") || len(dyn.Rules()) != 1 {
		t.Error("expired rule still matched")
	}
	b.Use(c, ro, false)
	if b.Blocked(c, d, nil) {
		t.Error("blocked after unuse_blacklist")
	}
	if ok, _ := dyn.Del(r); !ok {
		t.Error("del failed")
	}
	if ok, _ := dyn.Del(r); ok {
		t.Error("second del succeeded")
	}
}
