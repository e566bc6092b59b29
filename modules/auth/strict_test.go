package auth

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"gosips/api"
	"gosips/modules/core/coretest"
)

// TestDigestStrictness: RFC 2617 rules OpenSIPS does not enforce. A
// response without qop to a qop challenge, a forged nonce: refused (-2)
// and re-challenged without stale=true; nc=00000000 or a digest-uri that
// is not the Request-URI: 400; an expired nonce: -3 and stale=true.
func TestDigestStrictness(t *testing.T) {
	const realm, ruri = "example.com", "sip:example.com"
	type cred struct{ uri, qop, nc string }
	tests := []struct {
		name      string
		challenge any // qop offered
		c         cred
		nonce     func(e *authEnv, n string) string
		want      Result
		code      int  // reply sent by the authorize call (0: none)
		stale     bool // the next challenge says stale=true
	}{
		{name: "qop auth ok", challenge: QopAuth, c: cred{ruri, "auth", "00000001"}, want: Authorized},
		{name: "no qop offered, none used", c: cred{ruri, "", ""}, want: Authorized},
		{name: "equivalent uri", challenge: QopAuth, c: cred{"SIP:EXAMPLE.COM", "auth", "00000001"}, want: Authorized},
		{name: "no qop to a qop challenge", challenge: QopAuth, c: cred{ruri, "", ""}, want: InvalidPassword},
		{name: "qop to a challenge without", c: cred{ruri, "auth", "00000001"}, want: InvalidPassword},
		{name: "nc zero", challenge: QopAuth, c: cred{ruri, "auth", "00000000"}, want: Error, code: 400},
		{name: "nc not hex", challenge: QopAuth, c: cred{ruri, "auth", "0000000x"}, want: Error, code: 400},
		{name: "uri of another request", challenge: QopAuth, c: cred{"sip:bank.example.com", "auth", "00000001"}, want: Error, code: 400},
		{name: "forged nonce", challenge: QopAuth, c: cred{ruri, "auth", "00000001"}, want: InvalidPassword,
			nonce: func(*authEnv, string) string { return strings.Repeat("B", 43) + "=" }},
		{name: "expired nonce", challenge: QopAuth, c: cred{ruri, "auth", "00000001"}, want: StaleNonce, stale: true,
			nonce: func(e *authEnv, n string) string { e.now = e.now.Add(time.Hour); return n }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newAuthEnv(t)
			e.m.UsernameSpec, e.m.PasswordSpec, e.m.CalculateHA1 = "$avp(u)", "$avp(p)", 1
			if err := e.m.Init(&api.InitCtx{}); err != nil {
				t.Fatal(err)
			}
			_, nonce := e.challengeNonce(tt.challenge, nil)
			if tt.nonce != nil {
				nonce = tt.nonce(e, nonce)
			}
			resp := uaDigest("", "alice", realm, "secret", "REGISTER", tt.c.uri, nonce, tt.c.qop, tt.c.nc, "abcdef")
			h := fmt.Sprintf(`Authorization: Digest username="alice", realm="%s", nonce="%s", uri="%s", response="%s"`,
				realm, nonce, tt.c.uri, resp)
			if tt.c.qop != "" {
				h += fmt.Sprintf(`, qop=%s, nc=%s, cnonce="abcdef"`, tt.c.qop, tt.c.nc)
			}
			c := e.ctx(reqWith("REGISTER", h+"\n"))
			st := c.Priv.(coretest.AVPPriv).St
			st.Push("u", api.StrValue("alice"))
			st.Push("p", api.StrValue("secret"))
			before := len(e.sig.Replies())
			if got := Result(e.m.pvAuthorize(c, []any{""}, false)); got != tt.want {
				t.Fatalf("pv_www_authorize = %d, want %d", got, tt.want)
			}
			if tt.code != 0 {
				if len(e.sig.Replies()) != before+1 || e.sig.Replies()[before].Code != tt.code {
					t.Fatalf("want a %d reply, got %v", tt.code, e.sig.Replies()[before:])
				}
				return
			}
			if tt.want == Authorized {
				return
			}
			e.m.challenge(c, []any{"", QopAuth, nil}, false)
			last := e.sig.Replies()[len(e.sig.Replies())-1]
			if got := strings.Contains(last.Extra, "stale=true"); got != tt.stale {
				t.Errorf("challenge %q: stale=true %v, want %v", last.Extra, got, tt.stale)
			}
		})
	}
}
