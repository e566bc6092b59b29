package topology_hiding

import (
	"testing"
)

// The vectors follow OpenSIPS' topo_hiding_logic.c: XOR with the
// password, then word64 (base64 with '+', '.' and '-' padding).
func TestCallIDEncoding(t *testing.T) {
	m := New()
	const orig = "abc123@10.0.0.1"
	const want = "DLGCH_LhIGX2F6EGJ.XlVAY2dh"
	if got := m.encodeCallID(orig); got != want {
		t.Fatalf("encode %q = %q, want %q", orig, got, want)
	}
	if got, ok := m.decodeCallID(want); !ok || got != orig {
		t.Fatalf("decode = %q %v", got, ok)
	}
	for _, bad := range []string{"", "DLGCH_", "abc", "DLGCH_***"} {
		if v, ok := m.decodeCallID(bad); ok {
			t.Errorf("decode %q = %q, want failure", bad, v)
		}
	}
	m.CallIDPasswd, m.CallIDPrefix = "secret", "TH1_"
	for _, id := range []string{"x", "xy", "xyz", "a-long-call-id-with@host.example.com:5060"} {
		enc := m.encodeCallID(id)
		if got, ok := m.decodeCallID(enc); !ok || got != id {
			t.Errorf("round trip %q -> %q -> %q %v", id, enc, got, ok)
		}
	}
}

func TestContactInfoEncoding(t *testing.T) {
	m := New()
	in := &ctInfo{routes: "<sip:10.0.0.1;lr>", contact: "sip:bob@10.0.0.2:5070", flags: "4", socket: "udp:127.0.0.1:5060"}
	for _, tc := range []struct{ scheme, want string }{
		{"base64", "RW9sHCoEalBjfWRBYEFyTzwTbUZUHDkfeRY.AxNiZEFgQXNaYltmY2NfUW93ZlAUNyNuXmJYbUR+UX1iblpgWXM-"},
		{"base32", "IVXWYHBKARVFAY35MRAWAQLSJ46BG3KGKQODSH3ZCY7QGE3CMRAWAQLTLJRFWZTDMNPVC33XMZIBINZDNZPGEWDNIR7FC7LCNZNGAWLT"},
	} {
		m.ContactScheme = tc.scheme
		enc, err := m.encodeInfo(in)
		if err != nil || enc != tc.want {
			t.Errorf("%s: %q %v, want %q", tc.scheme, enc, err, tc.want)
		}
		out, err := m.decodeInfo(enc)
		if err != nil || *out != *in {
			t.Errorf("%s: decoded %+v %v", tc.scheme, out, err)
		}
	}
	m.ContactScheme = "base64"
	for _, bad := range []string{"", "AAAA", "!!!!", "RW9sHCoE"} {
		if out, err := m.decodeInfo(bad); err == nil {
			t.Errorf("decode %q = %+v, want error", bad, out)
		}
	}
}

func TestSplitRoutes(t *testing.T) {
	got := splitRoutes(`<sip:a;lr>, "x,y" <sip:b;lr>;p=1 ,<sip:c>`)
	if len(got) != 3 || got[1] != `"x,y" <sip:b;lr>;p=1` || routeURI(got[1]) != "sip:b;lr" || routeURI(got[2]) != "sip:c" {
		t.Errorf("%q", got)
	}
}
