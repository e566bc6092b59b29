package pdt

import "testing"

func TestTreeLookup(t *testing.T) {
	tr := newTree("0123456789")
	tr.add("*", "123", "alpha.org")
	tr.add("*", "1234", "beta.org")
	tr.add("hub.org", "5", "gamma.org")
	if tr.add("*", "12a", "x.org") {
		t.Error("prefix outside char_list accepted")
	}
	for _, tc := range []struct {
		sd, num, dom string
		plen         int
	}{
		{"*", "12391001", "alpha.org", 3},
		{"*", "12349", "beta.org", 4},
		{"*", "1234", "beta.org", 4},
		{"*", "12", "", 0},
		{"*", "9", "", 0},
		{"*", "12x4", "", 0},
		{"hub.org", "55", "gamma.org", 1},
		{"HUB.org", "55", "", 0},
	} {
		d, n, ok := tr.lookup(tc.sd, tc.num)
		if d != tc.dom || (ok && n != tc.plen) || ok != (tc.dom != "") {
			t.Errorf("lookup(%q, %q) = %q %d %v, want %q %d", tc.sd, tc.num, d, n, ok, tc.dom, tc.plen)
		}
	}
	if !tr.duplicate("*", "123", "new.org") || !tr.duplicate("*", "77", "beta.org") || tr.duplicate("*", "12", "new.org") {
		t.Error("duplicate check")
	}
	es := tr.entries()
	if len(es) != 3 || es[0] != (entry{"*", "123", "alpha.org"}) || es[2].SDomain != "hub.org" {
		t.Errorf("entries: %v", es)
	}
}

func BenchmarkTreeLookup(b *testing.B) {
	tr := newTree("0123456789")
	for i := range 10000 {
		tr.add("*", "49"+string(rune('0'+i%10))+string(rune('0'+i/10%10))+string(rune('0'+i/100%10))+string(rune('0'+i/1000%10)), "d.org")
	}
	b.ReportAllocs()
	for b.Loop() {
		tr.lookup("*", "4912345678")
	}
}
