package auth

import (
	"context"
	"crypto/md5"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	"gosips/api"
	"gosips/internal/digest"
	"gosips/modules/core/coretest"
	"gosips/pv"
	"gosips/sip"
)

const testSecret = "0123456789abcdef0123456789abcdef"

type authEnv struct {
	t    *testing.T
	m    *Module
	core *coretest.Core
	sig  *coretest.Signaling
	now  time.Time
}

func newAuthEnv(t *testing.T) *authEnv {
	t.Helper()
	e := &authEnv{t: t, m: New(), now: time.Unix(1700000000, 0)}
	e.core, e.sig = coretest.WithSignaling()
	e.m.Secret = testSecret
	e.m.Clock = func() time.Time { return e.now }
	if err := e.m.Init(&api.InitCtx{}); err != nil {
		t.Fatal(err)
	}
	return e
}

func (e *authEnv) ctx(raw string) *api.Ctx {
	e.t.Helper()
	m, err := sip.ParseString(strings.ReplaceAll(raw, "\n", "\r\n"))
	if err != nil {
		e.t.Fatal(err)
	}
	return &api.Ctx{Context: context.Background(), RouteType: api.RequestRoute, Core: e.core, Msg: m,
		Priv: coretest.AVPPriv{St: pv.NewAVPStore()}}
}

func reqWith(method, hdr string) string {
	return method + " sip:example.com SIP/2.0\n" +
		"Via: SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bK1\n" +
		"From: <sip:alice@example.com>;tag=1\n" +
		"To: <sip:alice@example.com>\n" +
		"Call-ID: c1\n" +
		"CSeq: 1 " + method + "\n" + hdr +
		"Content-Length: 0\n\n"
}

var nonceRe = regexp.MustCompile(`nonce="([^"]+)"`)

// challengeNonce runs www_challenge and returns the reply and its nonce.
func (e *authEnv) challengeNonce(qop, algs any) (coretest.Reply, string) {
	e.t.Helper()
	ret := e.m.challenge(e.ctx(reqWith("REGISTER", "")), []any{"", qop, algs}, false)
	if ret != api.RetStop {
		e.t.Fatalf("www_challenge = %d, want 0", ret)
	}
	r := e.sig.Replies()[len(e.sig.Replies())-1]
	m := nonceRe.FindStringSubmatch(r.Extra)
	if m == nil {
		e.t.Fatalf("no nonce in %q", r.Extra)
	}
	return r, m[1]
}

func hexOf(sum []byte) string { return hex.EncodeToString(sum) }

// uaDigest computes a UA's response as RFC 2617 / RFC 8760 define it.
func uaDigest(alg, user, realm, pass, method, uri, nonce, qop, nc, cnonce string) string {
	h := func(s string) string {
		if alg == "SHA-256" {
			x := sha256.Sum256([]byte(s))
			return hexOf(x[:])
		}
		x := md5.Sum([]byte(s))
		return hexOf(x[:])
	}
	ha1 := h(user + ":" + realm + ":" + pass)
	ha2 := h(method + ":" + uri)
	if qop == "" {
		return h(ha1 + ":" + nonce + ":" + ha2)
	}
	return h(ha1 + ":" + nonce + ":" + nc + ":" + cnonce + ":" + qop + ":" + ha2)
}

func credsHdr(alg, user, pass, nonce, qop string) string {
	const realm, uri, nc, cnonce = "example.com", "sip:example.com", "00000001", "abcdef"
	resp := uaDigest(alg, user, realm, pass, "REGISTER", uri, nonce, qop, nc, cnonce)
	h := fmt.Sprintf(`Authorization: Digest username="%s", realm="%s", nonce="%s", uri="%s", response="%s"`,
		user, realm, nonce, uri, resp)
	if alg != "" {
		h += ", algorithm=" + alg
	}
	if qop != "" {
		h += fmt.Sprintf(`, qop=%s, nc=%s, cnonce="%s"`, qop, nc, cnonce)
	}
	return h + "\n"
}

func TestChallengeFormat(t *testing.T) {
	tests := []struct {
		name  string
		qop   any
		algs  any
		proxy bool
		want  []string
	}{
		{name: "default", want: []string{`^WWW-Authenticate: Digest realm="example.com", nonce="[A-Za-z0-9+/]{44}"\r\n$`}},
		{name: "qop auth", qop: QopAuth,
			want: []string{`^WWW-Authenticate: Digest realm="example.com", nonce="[^"]{44}", qop="auth"\r\n$`}},
		{name: "two algorithms, strongest first", algs: Algorithms(1<<MD5 | 1<<SHA256),
			want: []string{`^WWW-Authenticate: Digest realm="example.com", nonce="[^"]{44}", qop="auth", algorithm=SHA-256\r\n` +
				`WWW-Authenticate: Digest realm="example.com", nonce="[^"]{44}", qop="auth", algorithm=MD5\r\n$`}},
		{name: "proxy", proxy: true,
			want: []string{`^Proxy-Authenticate: Digest realm="example.com", nonce="[^"]{44}"\r\n$`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newAuthEnv(t)
			if ret := e.m.challenge(e.ctx(reqWith("INVITE", "")), []any{"", tt.qop, tt.algs}, tt.proxy); ret != 0 {
				t.Fatalf("challenge = %d", ret)
			}
			r := e.sig.Replies()[0]
			code, reason := 401, "Unauthorized"
			if tt.proxy {
				code, reason = 407, "Proxy Authentication Required"
			}
			if r.Code != code || r.Reason != reason {
				t.Errorf("reply %d %q", r.Code, r.Reason)
			}
			for _, w := range tt.want {
				if !regexp.MustCompile(w).MatchString(r.Extra) {
					t.Errorf("headers %q do not match %s", r.Extra, w)
				}
			}
		})
	}
}

func TestPVAuthorize(t *testing.T) {
	tests := []struct {
		name  string
		alg   string
		qop   any
		user  string
		pass  string
		setup func(e *authEnv, nonce string) string // returns the nonce to send
		want  Result
	}{
		{name: "md5 no qop", pass: "secret", want: Authorized},
		{name: "md5 qop auth", qop: QopAuth, pass: "secret", want: Authorized},
		{name: "sha-256", alg: "SHA-256", qop: QopAuth, pass: "secret", want: Authorized},
		{name: "wrong password", pass: "nope", want: InvalidPassword},
		{name: "unknown user", user: "mallory", pass: "secret", want: UserUnknown},
		{name: "stale nonce", pass: "secret", want: StaleNonce,
			setup: func(e *authEnv, n string) string { e.now = e.now.Add(31 * time.Second); return n }},
		{name: "forged nonce", pass: "secret", want: InvalidPassword,
			setup: func(e *authEnv, n string) string { return strings.Repeat("A", 43) + "=" }},
		{name: "no credentials", want: NoCredentials},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newAuthEnv(t)
			e.m.UsernameSpec, e.m.PasswordSpec = "$avp(u)", "$avp(p)"
			e.m.CalculateHA1 = 1
			if err := e.m.Init(&api.InitCtx{}); err != nil {
				t.Fatal(err)
			}
			var algs any
			if tt.alg != "" {
				a, _ := digest.ParseAlgorithms(tt.alg)
				algs = a
			}
			_, nonce := e.challengeNonce(tt.qop, algs)
			if tt.setup != nil {
				nonce = tt.setup(e, nonce)
			}
			qop := ""
			if tt.qop != nil || tt.alg != "" {
				qop = "auth"
			}
			user := tt.user
			if user == "" {
				user = "alice"
			}
			hdr := ""
			if tt.want != NoCredentials {
				hdr = credsHdr(tt.alg, user, tt.pass, nonce, qop)
			}
			c := e.ctx(reqWith("REGISTER", hdr))
			st := c.Priv.(coretest.AVPPriv).St
			st.Push("u", api.StrValue("alice"))
			st.Push("p", api.StrValue("secret"))
			if got := e.m.pvAuthorize(c, []any{""}, false); Result(got) != tt.want {
				t.Errorf("pv_www_authorize = %d, want %d", got, tt.want)
			}
		})
	}
}

func TestNonceReuseAndStaleChallenge(t *testing.T) {
	e := newAuthEnv(t)
	e.m.UsernameSpec, e.m.PasswordSpec, e.m.CalculateHA1 = "$avp(u)", "$avp(p)", 1
	if err := e.m.Init(&api.InitCtx{}); err != nil {
		t.Fatal(err)
	}
	_, nonce := e.challengeNonce(QopAuth, nil)
	run := func() (Result, *api.Ctx) {
		c := e.ctx(reqWith("REGISTER", credsHdr("", "alice", "secret", nonce, "auth")))
		st := c.Priv.(coretest.AVPPriv).St
		st.Push("u", api.StrValue("alice"))
		st.Push("p", api.StrValue("secret"))
		return Result(e.m.pvAuthorize(c, []any{""}, false)), c
	}
	if r, _ := run(); r != Authorized {
		t.Fatalf("first use = %d, want 1", r)
	}
	r, c := run()
	if r != StaleNonce {
		t.Fatalf("reuse = %d, want -3", r)
	}
	// A challenge after a stale nonce says so.
	e.m.challenge(c, []any{"", QopAuth, nil}, false)
	if last := e.sig.Replies()[len(e.sig.Replies())-1]; !strings.Contains(last.Extra, `qop="auth", stale=true`) {
		t.Errorf("challenge after stale nonce: %q", last.Extra)
	}
	if ret := e.m.consumeCredentials(c, nil); ret != 1 {
		t.Errorf("consume_credentials = %d", ret)
	}
	if strings.Contains(string(c.Msg.Bytes()), "Authorization:") {
		t.Errorf("Authorization still in %q", c.Msg.Bytes())
	}
}

func TestNonceRoundTripAndPool(t *testing.T) {
	n, err := newNoncer([]byte(testSecret))
	if err != nil {
		t.Fatal(err)
	}
	exp := time.Unix(1700000030, 123456000)
	s, err := n.calc(nonceParams{index: 99999, qop: 4, alg: 3, expires: exp})
	if err != nil || len(s) != NonceLen {
		t.Fatalf("nonce %q, %v", s, err)
	}
	p, err := n.open(s)
	if err != nil || p.index != 99999 || p.qop != 4 || p.alg != 3 || !p.expires.Equal(exp) {
		t.Fatalf("open = %+v, %v", p, err)
	}
	other, _ := newNoncer([]byte(strings.Repeat("x", 32)))
	if _, err := other.open(s); err == nil {
		t.Error("a nonce opened with another secret")
	}
	if _, err := newNoncer([]byte("short")); err == nil {
		t.Error("a 5-byte secret was accepted")
	}
	now := time.Unix(1700000000, 0)
	pool := newIndexPool(30, func() time.Time { return now })
	pool.max = 4 * InitialNonceIndexes
	first := pool.reserve()
	for i := 1; i < pool.max; i++ {
		if pool.reserve() < 0 {
			t.Fatalf("pool exhausted after %d", i)
		}
	}
	if pool.reserve() != -1 {
		t.Error("pool handed out more than its bound within nonce_expire")
	}
	if !pool.use(first) || pool.use(first) {
		t.Error("an index must be accepted exactly once")
	}
	now = now.Add(31 * time.Second)
	if pool.use(first + 1) {
		t.Error("an index older than nonce_expire was accepted")
	}
	if pool.reserve() != first {
		t.Error("expired slots are not reused")
	}
}

// TestNoncePoolScalesWithRate: at a challenge rate far above what a
// fixed 100,000-index pool holds for nonce_expire (here 20,000/s for 60 s
// with a 30 s window), every challenge gets a fresh index, every index is
// accepted once and only once, and old ones expire.
func TestNoncePoolScalesWithRate(t *testing.T) {
	now := time.Unix(1700000000, 0)
	pool := newIndexPool(30, func() time.Time { return now })
	const rate, secs = 20000, 60
	var last []int
	for s := 0; s < secs; s++ {
		last = last[:0]
		for k := 0; k < rate; k++ {
			i := pool.reserve()
			if i < 0 {
				t.Fatalf("no index at second %d after %d challenges", s, s*rate+k)
			}
			if !pool.use(i) {
				t.Fatalf("fresh index %d refused", i)
			}
			last = append(last, i)
		}
		if s == 0 && pool.use(last[0]) {
			t.Fatal("a used index was accepted again (replay)")
		}
		now = now.Add(time.Second)
	}
	if pool.use(last[len(last)-1]) {
		t.Error("replayed index accepted")
	}
	if n := len(pool.issued); n > 2*31*rate || n < 31*rate {
		t.Errorf("pool holds %d indexes for %d/s over a 30 s window", n, rate)
	}
	now = now.Add(31 * time.Second)
	if pool.use(last[0]) {
		t.Error("an expired index was accepted")
	}
}
