package authdb

import (
	"context"
	"crypto/md5"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"gosips/api"
	"gosips/db"
	_ "gosips/db/all"
	"gosips/internal/digest"
	"gosips/modules/auth"
	"gosips/modules/core/coretest"
	"gosips/pv"
	"gosips/sip"
)

const realm = "example.com"

func md5hex(s string) string    { x := md5.Sum([]byte(s)); return hex.EncodeToString(x[:]) }
func sha256hex(s string) string { x := sha256.Sum256([]byte(s)); return hex.EncodeToString(x[:]) }

// openDB makes a subscriber table in a temporary database of the driver.
func openDB(t testing.TB, scheme string) db.Conn {
	t.Helper()
	ctx := context.Background()
	dir := t.TempDir()
	url := "sqlite://" + filepath.Join(dir, "gosips.db")
	if scheme == "text" {
		url = "text://" + dir
	}
	conn, err := db.Open(ctx, url, db.WithCreate())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	if _, err := db.CreateTables(ctx, conn, "subscriber"); err != nil {
		t.Fatal(err)
	}
	for _, u := range []string{"alice", "bob"} {
		_, err := conn.Insert(ctx, "subscriber",
			[]string{"username", "domain", "password", "ha1", "ha1_sha256", "ha1_sha512t256"},
			[]db.Value{db.StringValue(u), db.StringValue(realm), db.StringValue("secret"),
				db.StringValue(md5hex(u + ":" + realm + ":secret")),
				db.StringValue(sha256hex(u + ":" + realm + ":secret")), db.StringValue("-")})
		if err != nil {
			t.Fatal(err)
		}
	}
	return conn
}

type env struct {
	t    testing.TB
	a    *auth.Module
	m    *Module
	core *coretest.Core
	sig  *coretest.Signaling
}

func newEnv(t testing.TB, scheme string, setup func(m *Module)) *env {
	t.Helper()
	e := &env{t: t, a: auth.New(), m: New()}
	e.core, e.sig = coretest.WithSignaling()
	e.a.Secret = "0123456789abcdef0123456789abcdef"
	if err := e.a.Init(&api.InitCtx{}); err != nil {
		t.Fatal(err)
	}
	if err := param(e.m, "load_credentials").Set(api.ParamValue{Str: ""}); err != nil {
		t.Fatal(err)
	}
	if setup != nil {
		setup(e.m)
	}
	e.m.Use(e.a, openDB(t, scheme))
	return e
}

func param(m *Module, name string) api.Param {
	for _, p := range m.Params() {
		if p.Name == name {
			return p
		}
	}
	panic("no param " + name)
}

func (e *env) ctx(hdr string) *api.Ctx {
	raw := "REGISTER sip:example.com SIP/2.0\n" +
		"Via: SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bK1\n" +
		"From: <sip:alice@example.com>;tag=1\n" +
		"To: <sip:alice@example.com>\n" +
		"Call-ID: c1\nCSeq: 1 REGISTER\n" + hdr + "Content-Length: 0\n\n"
	m, err := sip.ParseString(strings.ReplaceAll(raw, "\n", "\r\n"))
	if err != nil {
		e.t.Fatal(err)
	}
	return &api.Ctx{Context: context.Background(), RouteType: api.RequestRoute, Core: e.core, Msg: m,
		Priv: coretest.AVPPriv{St: pv.NewAVPStore()}}
}

var nonceRe = regexp.MustCompile(`nonce="([^"]+)"`)

// nonce challenges once and returns the nonce handed out.
func (e *env) nonce(algs string) string {
	e.t.Helper()
	h, err := e.a.AuthHeaders("WWW-Authenticate", realm, auth.QopAuth, mustAlgs(algs), false)
	if err != nil {
		e.t.Fatal(err)
	}
	return nonceRe.FindStringSubmatch(h)[1]
}

func mustAlgs(s string) auth.Algorithms {
	if s == "" {
		return 0
	}
	a, err := digest.ParseAlgorithms(s)
	if err != nil {
		panic(err)
	}
	return a
}

func creds(alg, user, pass, nonce string) string {
	h := md5hex
	if alg == "SHA-256" {
		h = sha256hex
	}
	const uri, nc, cnonce = "sip:example.com", "00000001", "0a4f113b"
	ha1 := h(user + ":" + realm + ":" + pass)
	resp := h(ha1 + ":" + nonce + ":" + nc + ":" + cnonce + ":auth:" + h("REGISTER:"+uri))
	s := fmt.Sprintf(`Authorization: Digest username="%s", realm="%s", nonce="%s", uri="%s", `+
		`response="%s", qop=auth, nc=%s, cnonce="%s"`, user, realm, nonce, uri, resp, nc, cnonce)
	if alg != "" {
		s += ", algorithm=" + alg
	}
	return s + "\n"
}

func TestWWWAuthorize(t *testing.T) {
	tests := []struct {
		name   string
		scheme string
		setup  func(m *Module)
		alg    string
		user   string
		pass   string
		want   auth.Result
		reply  int // 0: no reply expected
	}{
		{name: "md5 sqlite", user: "alice", pass: "secret", want: auth.Authorized},
		{name: "md5 db_text", scheme: "text", user: "alice", pass: "secret", want: auth.Authorized},
		{name: "sha-256", alg: "SHA-256", user: "alice", pass: "secret", want: auth.Authorized},
		{name: "calculate_ha1", setup: func(m *Module) { m.CalculateHA1, m.PasswordColumn = 1, "password" },
			user: "alice", pass: "secret", want: auth.Authorized},
		{name: "wrong password", user: "alice", pass: "guess", want: auth.InvalidPassword},
		{name: "unknown user", user: "mallory", pass: "secret", want: auth.UserUnknown},
		{name: "use_domain", setup: func(m *Module) { m.UseDomain = 1 }, user: "bob", pass: "secret", want: auth.Authorized},
		{name: "missing rpid column is a db error",
			setup: func(m *Module) { _ = param(m, "load_credentials").Set(api.ParamValue{Str: "rpid"}) },
			user:  "alice", pass: "secret", want: auth.Error, reply: 500},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t, tt.scheme, tt.setup)
			c := e.ctx(creds(tt.alg, tt.user, tt.pass, e.nonce(tt.alg)))
			if got := auth.Result(e.m.authorize(c, []any{"", "subscriber"}, false)); got != tt.want {
				t.Fatalf("www_authorize = %d, want %d", got, tt.want)
			}
			rs := e.sig.Replies()
			switch {
			case tt.reply == 0 && len(rs) > 0:
				t.Errorf("unexpected reply %+v", rs)
			case tt.reply != 0 && (len(rs) != 1 || rs[0].Code != tt.reply):
				t.Errorf("replies %+v, want one %d", rs, tt.reply)
			}
		})
	}
}

func TestLoadCredentialsAndChecks(t *testing.T) {
	e := newEnv(t, "", func(m *Module) {
		_ = param(m, "load_credentials").Set(api.ParamValue{Str: "$avp(pw)=password;ha1"})
	})
	c := e.ctx(creds("", "alice", "secret", e.nonce("")))
	if r := e.m.authorize(c, []any{"", "subscriber"}, false); r != 1 {
		t.Fatalf("www_authorize = %d", r)
	}
	st := c.Priv.(coretest.AVPPriv).St
	if v := st.Get("pw", 0); v.S != "secret" {
		t.Errorf("$avp(pw) = %+v", v)
	}
	if v := st.Get("ha1", 0); v.S != md5hex("alice:example.com:secret") {
		t.Errorf("$avp(ha1) = %+v", v)
	}
	if r := e.m.doesURIExist(c, []any{"sip:bob@example.com", "subscriber"}); r != 1 {
		t.Errorf("db_does_uri_exist(bob) = %d", r)
	}
	if r := e.m.doesURIExist(c, []any{"sip:nobody@example.com", "subscriber"}); r >= 0 {
		t.Errorf("db_does_uri_exist(nobody) = %d", r)
	}
	if r := e.m.checkUser(e.ctx(""), "subscriber", true); r >= 0 {
		t.Errorf("db_is_from_authorized without credentials = %d", r)
	}
}

func BenchmarkWWWAuthorizeSQLite(b *testing.B) {
	e := newEnv(b, "", nil)
	e.a.DisableNonceCheck = 1 // one nonce for every iteration
	hdr := creds("", "alice", "secret", e.nonce(""))
	c := e.ctx(hdr)
	args := []any{"", "subscriber"}
	b.ReportAllocs()
	for b.Loop() {
		if r := e.m.authorize(c, args, false); r != 1 {
			b.Fatalf("www_authorize = %d", r)
		}
	}
}
