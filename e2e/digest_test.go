package e2e

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

// TestDigestStrictness sends REGISTERs with Authorization headers RFC 2617
// forbids to a registrar authenticating against auth_db (the script
// answers 403 for -2 and challenges otherwise): a response without qop to
// a qop challenge and a forged nonce are refused with no stale=true, a
// zero nonce-count and a digest-uri that is not the Request-URI get 400,
// an expired nonce gets a challenge with stale=true, and the correct
// answer still registers.
func TestDigestStrictness(t *testing.T) {
	e := newRegEnv(t, regBackend{"sqlite", "sqlite", "single-instance-sql-write-through"})
	c := newUDPClient(t)
	ruri := fmt.Sprintf("sip:127.0.0.1:%d", e.port)
	seq := 0
	register := func(auth string) string {
		seq++
		msg := fmt.Sprintf("REGISTER %s SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:LPORT;branch=z9hG4bKds%d\r\nMax-Forwards: 70\r\n"+
			"From: <sip:%s@127.0.0.1>;tag=ds\r\nTo: <sip:%s@127.0.0.1>\r\nCall-ID: digest-strict\r\nCSeq: %d REGISTER\r\n"+
			"Contact: <sip:%s@127.0.0.1:LPORT>\r\nExpires: 60\r\n", ruri, seq, regSecUser, regSecUser, seq, regSecUser)
		if auth != "" {
			msg += "Authorization: " + auth + "\r\n"
		}
		c.Send(e.port, msg+"Content-Length: 0\r\n\r\n")
		return c.RecvFinal(3 * time.Second)
	}
	challenge := func() map[string]string {
		t.Helper()
		r := register("")
		if statusCode(r) != "401" {
			t.Fatalf("no challenge: %q", r)
		}
		_, ch := digestParams(header(r, "WWW-Authenticate"))
		if ch["qop"] != "auth" {
			t.Fatalf("challenge without qop=auth: %q", r)
		}
		return ch
	}
	resp := func(ch map[string]string, uri, qop, nc string) string {
		ha1 := md5hex(regSecUser + ":" + ch["realm"] + ":" + regSecPass)
		ha2 := md5hex("REGISTER:" + uri)
		if qop == "" {
			r := md5hex(ha1 + ":" + ch["nonce"] + ":" + ha2)
			return fmt.Sprintf(`Digest username="%s", realm="%s", nonce="%s", uri="%s", response="%s"`, regSecUser, ch["realm"], ch["nonce"], uri, r)
		}
		r := md5hex(ha1 + ":" + ch["nonce"] + ":" + nc + ":c1:" + qop + ":" + ha2)
		return fmt.Sprintf(`Digest username="%s", realm="%s", nonce="%s", uri="%s", response="%s", qop=%s, nc=%s, cnonce="c1"`,
			regSecUser, ch["realm"], ch["nonce"], uri, r, qop, nc)
	}
	cases := []struct {
		name  string
		auth  func(ch map[string]string) string
		want  string
		stale bool
	}{
		{"no qop to a qop challenge", func(ch map[string]string) string { return resp(ch, ruri, "", "") }, "403", false},
		{"nc=00000000", func(ch map[string]string) string { return resp(ch, ruri, "auth", "00000000") }, "400", false},
		{"uri of another request", func(ch map[string]string) string { return resp(ch, "sip:other.example.com", "auth", "00000001") }, "400", false},
		{"forged nonce", func(ch map[string]string) string {
			ch["nonce"] = strings.Repeat("Q", 43) + "="
			return resp(ch, ruri, "auth", "00000001")
		}, "403", false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := register(tc.auth(challenge()))
			if statusCode(r) != tc.want {
				t.Fatalf("got %q, want %s", r, tc.want)
			}
			if strings.Contains(r, "stale=true") {
				t.Errorf("stale=true in %q", r)
			}
		})
	}
	t.Run("expired nonce", func(t *testing.T) {
		ch := challenge()
		time.Sleep(3 * time.Second) // nonce_expire is 2 s in regCfg
		r := register(resp(ch, ruri, "auth", "00000001"))
		if statusCode(r) != "401" || !strings.Contains(header(r, "WWW-Authenticate"), "stale=true") {
			t.Errorf("expired nonce: %q", r)
		}
	})
	t.Run("correct answer", func(t *testing.T) {
		if r := register(resp(challenge(), ruri, "auth", "00000001")); statusCode(r) != "200" {
			t.Errorf("got %q", r)
		}
	})
}
