package uac

import (
	"crypto/md5"
	"encoding/hex"
	"io"
	"log/slog"
	"strings"
	"testing"

	"gosips/api"
	uacauth "gosips/modules/uac_auth"
	"gosips/sip"
	"gosips/sip/siptest"
)

// fakeRR records add_rr_param calls.
type fakeRR struct{ params []string }

func (r *fakeRR) Params() []api.Param { return nil }
func (r *fakeRR) Funcs() []api.Func {
	return []api.Func{{Name: "add_rr_param", Args: []api.Arg{{Name: "param", Type: api.ArgStr}},
		Call: func(_ *api.Ctx, args []any) api.Ret { r.params = append(r.params, args[0].(string)); return 1 }}}
}

// fakeCore serves modules and knows 10.0.0.1 as ours; other methods are
// not used.
type fakeCore struct {
	api.Core
	mods map[string]api.Module
}

func (f *fakeCore) Module(name string) api.Module    { return f.mods[name] }
func (f *fakeCore) IsMyself(host string, _ int) bool { return host == "10.0.0.1" }

func newCtx(t *testing.T, text string, core *fakeCore) *api.Ctx {
	t.Helper()
	msg := siptest.Parse(text, sip.ProtoUDP, "10.0.0.9:5060")
	return &api.Ctx{Msg: msg, Req: msg, Core: core, Log: slog.New(slog.NewTextHandler(io.Discard, nil))}
}

const initial = `INVITE sip:bob@example.com SIP/2.0
Via: SIP/2.0/UDP 10.0.0.9:5060;branch=z9hG4bK1
From: "Alice" <sip:alice@example.com>;tag=ft1
To: sip:bob@example.com
Call-ID: c1
CSeq: 10 INVITE
Max-Forwards: 70

`

// header returns a header of the message with its edits applied.
func header(m *sip.Msg, name string) string {
	c := m.Clone()
	c.ApplyChanges()
	v, _ := c.Header(name)
	return v
}

func TestReplace(t *testing.T) {
	anon := "Anonymous"
	empty := ""
	tests := []struct {
		name     string
		to       bool
		display  *string
		uri      string
		want     string
		rrParams int
	}{
		{"from display and uri", false, &anon, "sip:anonymous@anonymous.invalid",
			`Anonymous <sip:anonymous@anonymous.invalid>;tag=ft1`, 1},
		{"from uri keeps display", false, nil, "sip:x@y.org", `"Alice" <sip:x@y.org>;tag=ft1`, 1},
		{"from display removed", false, &empty, "", `<sip:alice@example.com>;tag=ft1`, 0},
		{"to uri", true, nil, "sip:carol@example.net", `<sip:carol@example.net>`, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rr := &fakeRR{}
			m := New()
			c := newCtx(t, initial, &fakeCore{mods: map[string]api.Module{"rr": rr}})
			if r := m.replace(c, tt.display, tt.uri, tt.to); r != api.RetTrue {
				t.Fatalf("replace = %d", r)
			}
			name := "From"
			if tt.to {
				name = "To"
			}
			if got := header(c.Msg, name); got != tt.want {
				t.Errorf("%s = %q, want %q", name, got, tt.want)
			}
			if len(rr.params) != tt.rrParams {
				t.Fatalf("rr params = %q", rr.params)
			}
			if tt.rrParams == 1 {
				p := "vsf"
				if tt.to {
					p = "vst"
				}
				if !strings.HasPrefix(rr.params[0], ";"+p+"=") {
					t.Errorf("rr param = %q", rr.params[0])
				}
			}
		})
	}
	// Auto mode refuses to change the URI of a sequential request.
	m := New()
	c := newCtx(t, strings.Replace(initial, "To: sip:bob@example.com", "To: <sip:bob@example.com>;tag=tt", 1),
		&fakeCore{mods: map[string]api.Module{"rr": &fakeRR{}}})
	if r := m.replace(c, nil, "sip:x@y.org", false); r != api.RetFalse {
		t.Errorf("sequential replace in auto mode = %d", r)
	}
}

func TestEncodeDecode(t *testing.T) {
	for _, pw := range []string{"", "secret"} {
		orig, repl := "sip:alice@example.com", "<sip:anonymous@anonymous.invalid>"
		enc := encodeStore(orig, repl, pw)
		if strings.ContainsAny(enc, "=;") {
			t.Errorf("encoded %q is not a URI param value", enc)
		}
		if got, err := decodeStore(enc, orig, pw); err != nil || got != repl {
			t.Errorf("downstream decode = %q %v", got, err)
		}
		if got, err := decodeStore(enc, repl, pw); err != nil || got != orig {
			t.Errorf("upstream decode = %q %v", got, err)
		}
	}
}

func TestRestore(t *testing.T) {
	orig, repl := "sip:alice@example.com", "<sip:anon@anonymous.invalid>"
	route := "Route: <sip:10.0.0.1;lr;ftag=ft1;vsf=" + encodeStore(orig, repl, "") + ">\n"
	down := strings.Replace(initial, "Max-Forwards", route+"Max-Forwards", 1)
	down = strings.Replace(down, "To: sip:bob@example.com", "To: <sip:bob@example.com>;tag=tt", 1)
	up := `BYE sip:alice@10.0.0.9 SIP/2.0
Via: SIP/2.0/UDP 10.0.0.7:5060;branch=z9hG4bK2
From: <sip:bob@example.com>;tag=tt
To: <sip:anon@anonymous.invalid>;tag=ft1
Call-ID: c1
CSeq: 1 BYE
` + route + `
`
	core := &fakeCore{mods: map[string]api.Module{}}
	m := New()
	// Downstream: the caller's From becomes the replacement again.
	c := newCtx(t, down, core)
	m.FilterRequest(c)
	if got := header(c.Msg, "From"); got != `"Alice" <sip:anon@anonymous.invalid>;tag=ft1` {
		t.Errorf("downstream From = %q", got)
	}
	// Upstream: the callee's To gets the original back (manual mode).
	m.RestoreMode = RestoreManual
	c = newCtx(t, up, core)
	m.FilterRequest(c)
	if got := header(c.Msg, "To"); got != "<sip:anon@anonymous.invalid>;tag=ft1" {
		t.Errorf("manual mode restored without a call: %q", got)
	}
	if r := m.callRestore(false)(c, nil); r != api.RetTrue {
		t.Fatalf("uac_restore_from = %d", r)
	}
	if got := header(c.Msg, "To"); got != "<sip:alice@example.com>;tag=ft1" {
		t.Errorf("upstream To = %q", got)
	}
}

func TestUACAuth(t *testing.T) {
	store := uacauth.New()
	store.Credentials = []uacauth.Credential{{User: "alice", Realm: "example.com", Password: "secret"}}
	core := &fakeCore{mods: map[string]api.Module{"uac_auth": store}}
	c := newCtx(t, initial, core)
	reply := siptest.Parse(`SIP/2.0 407 Proxy Authentication Required
Via: SIP/2.0/UDP 10.0.0.9:5060;branch=z9hG4bK1
From: "Alice" <sip:alice@example.com>;tag=ft1
To: <sip:bob@example.com>;tag=x
Call-ID: c1
CSeq: 10 INVITE
Proxy-Authenticate: Digest realm="example.com", nonce="n0nce", opaque="op"

`, sip.ProtoUDP, "10.0.0.2:5060")
	c.Reply = reply
	c.RouteType = api.FailureRoute
	m := New()
	if r := m.callAuth(c, []any{nil}); r != api.RetTrue {
		t.Fatalf("uac_auth = %d", r)
	}
	h := func(s string) string { x := md5.Sum([]byte(s)); return hex.EncodeToString(x[:]) }
	resp := h(h("alice:example.com:secret") + ":n0nce:" + h("INVITE:sip:bob@example.com"))
	want := `Digest username="alice", realm="example.com", nonce="n0nce", uri="sip:bob@example.com", opaque="op", response="` +
		resp + `", algorithm=MD5`
	if got := header(c.Msg, "Proxy-Authorization"); got != want {
		t.Errorf("Proxy-Authorization = %q\nwant %q", got, want)
	}
	if got := header(c.Msg, "CSeq"); got != "11 INVITE" {
		t.Errorf("CSeq = %q, want 11 INVITE", got)
	}
	// No credential for the realm: false, nothing added.
	store.Credentials = nil
	c = newCtx(t, initial, core)
	c.Reply = reply
	if r := m.callAuth(c, []any{nil}); r != api.RetFalse {
		t.Errorf("without credentials = %d", r)
	}
}
