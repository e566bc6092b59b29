package textops

import (
	"strings"
	"testing"

	"gosips/api"
	"gosips/modules/core/coretest"
	"gosips/pv"
)

func callFn(t *testing.T, name string, c *api.Ctx, args ...any) api.Ret {
	t.Helper()
	for _, f := range New().Funcs() {
		if f.Name == name {
			return f.Call(c, args)
		}
	}
	t.Fatalf("%s not declared", name)
	return 0
}

func re(t *testing.T, s string) *api.Regex {
	r, err := api.CompileRegex(s, true)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func subst(t *testing.T, s string) *pv.Subst {
	se, err := pv.ParseSubst(s)
	if err != nil {
		t.Fatal(err)
	}
	return se
}

func TestTextEdits(t *testing.T) {
	tests := []struct {
		name   string
		fn     string
		args   func(t *testing.T) []any
		want   api.Ret
		has    []string
		hasNot []string
		ruri   string
	}{
		{name: "search hit", fn: "search", args: func(t *testing.T) []any { return []any{re(t, "^call-id: a84b")} }, want: 1},
		{name: "search miss", fn: "search", args: func(t *testing.T) []any { return []any{re(t, "^X-Foo")} }, want: -1},
		{name: "search_body", fn: "search_body", args: func(t *testing.T) []any { return []any{re(t, "^v=0")} }, want: 1},
		{name: "search_body miss", fn: "search_body", args: func(t *testing.T) []any { return []any{re(t, "INVITE")} }, want: -1},
		{name: "search_append", fn: "search_append", args: func(t *testing.T) []any { return []any{re(t, "Bob <sip:bob@example.com>"), ";x=1"} },
			want: 1, has: []string{"To: Bob <sip:bob@example.com>;x=1\r\n"}},
		{name: "replace first", fn: "replace", args: func(t *testing.T) []any { return []any{re(t, "example\\.(com|org)"), "ex.net"} },
			want: 1, has: []string{"INVITE sip:bob@ex.net SIP/2.0\r\n", "To: Bob <sip:bob@example.com>", "From: Alice <sip:alice@example.org>"}},
		{name: "replace_all", fn: "replace_all", args: func(t *testing.T) []any { return []any{re(t, "example\\.(com|org)"), "ex.net"} },
			want: 1, has: []string{"To: Bob <sip:bob@ex.net>", "From: Alice <sip:alice@ex.net>"}, hasNot: []string{"example.org"}},
		{name: "replace_body", fn: "replace_body", args: func(t *testing.T) []any { return []any{re(t, "v=0"), "v=1"} },
			want: 1, has: []string{"\r\n\r\nv=1"}},
		{name: "subst", fn: "subst", args: func(t *testing.T) []any { return []any{subst(t, `/^(Contact: <sip:alice)@[^>]+>/\1@10.9.9.9>/`)} },
			want: 1, has: []string{"Contact: <sip:alice@10.9.9.9>\r\n"}},
		{name: "subst global", fn: "subst", args: func(t *testing.T) []any { return []any{subst(t, `/alice/carol/g`)} },
			want: 1, has: []string{"<sip:carol@example.org>", "<sip:carol@192.0.2.10:5062>"}},
		{name: "subst no match", fn: "subst", args: func(t *testing.T) []any { return []any{subst(t, `/zzz/y/`)} }, want: -1},
		{name: "subst_body", fn: "subst_body", args: func(t *testing.T) []any { return []any{subst(t, `/v=([0-9])/v=\1\1/`)} },
			want: 1, has: []string{"Content-Length: 5\r\n\r\nv=00"}},
		{name: "subst_uri", fn: "subst_uri", args: func(t *testing.T) []any { return []any{subst(t, `/^sip:([^@]+)@.*$/sip:\1@10.1.1.1/`)} },
			want: 1, ruri: "sip:bob@10.1.1.1"},
		{name: "subst_user", fn: "subst_user", args: func(t *testing.T) []any { return []any{subst(t, `/^b(.*)$/+49\1/`)} },
			want: 1, ruri: "sip:+49ob@example.com"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m := coretest.Msg(t, coretest.Invite)
			c := coretest.NewCtx(coretest.New(), m)
			if got := callFn(t, tc.fn, c, tc.args(t)...); got != tc.want {
				t.Fatalf("rc = %d, want %d", got, tc.want)
			}
			out := string(m.Bytes())
			for _, s := range tc.has {
				if !strings.Contains(out, s) {
					t.Errorf("missing %q in\n%s", s, out)
				}
			}
			for _, s := range tc.hasNot {
				if strings.Contains(out, s) {
					t.Errorf("unexpected %q in\n%s", s, out)
				}
			}
			if tc.ruri != "" && m.RURI() != tc.ruri {
				t.Errorf("R-URI = %q, want %q", m.RURI(), tc.ruri)
			}
		})
	}
}
