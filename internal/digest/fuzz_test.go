package digest

import (
	"strings"
	"testing"
)

// FuzzParseCredentials: hostile Authorization values never panic; what is
// parsed keeps the sent username split at its '@'.
func FuzzParseCredentials(f *testing.F) {
	for _, s := range []string{
		`Digest username="alice", realm="example.com", nonce="abc", uri="sip:example.com", response="0123456789abcdef0123456789abcdef"`,
		`Digest username="bob@x.org",realm="x",nonce="n",uri="sip:x",response="r",qop=auth,nc=00000001,cnonce="c",algorithm=SHA-256`,
		`Digest username="a\"b", realm="", nonce=, uri="sip:a", response=""`,
		`Basic YWxhZGRpbjpvcGVuc2VzYW1l`, `Digest `, `Digest ,,,=`, `digest username="x`, "Digest\tqop=\"auth,auth-int\"",
		`Digest username="a", opaque="o", algorithm=MD5-sess, qop=auth-int, nc=ffffffff`,
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, v string) {
		cr, err := ParseCredentials(v)
		if err != nil {
			if cr != nil {
				t.Fatalf("credentials %+v with error %v", cr, err)
			}
			return
		}
		if u, d, ok := strings.Cut(cr.Username, "@"); ok {
			if cr.User != u || cr.Domain != d {
				t.Fatalf("username %q split as %q / %q", cr.Username, cr.User, cr.Domain)
			}
		} else if cr.User != cr.Username {
			t.Fatalf("username %q, user %q", cr.Username, cr.User)
		}
	})
}
