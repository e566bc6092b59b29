package pv

import (
	"errors"
	"strings"
	"testing"
)

func TestParse(t *testing.T) {
	tests := []struct {
		in      string
		name    string
		inner   string
		idx     IndexKind
		n       int
		trans   []string // class.name
		ctx     string
		legacy  bool
		innerPV string
	}{
		{in: "$ru", name: "ru"},
		{in: "$ruri.user", name: "ruri.user"},
		{in: "$T_reply_code", name: "T_reply_code"},
		{in: "$hdr(From)", name: "hdr", inner: "From"},
		{in: "$msg.flag(NAT)", name: "msg.flag", inner: "NAT"},
		{in: "$(ru)", name: "ru"},
		{in: "$(hdr(Via)[1])", name: "hdr", inner: "Via", idx: IdxInt, n: 1},
		{in: "$(hdr(Via)[-1])", name: "hdr", inner: "Via", idx: IdxInt, n: -1},
		{in: "$(avp(x)[*])", name: "avp", inner: "x", idx: IdxAll},
		{in: "$(avp(x)[append])", name: "avp", inner: "x", idx: IdxAppend},
		{in: "$(avp(x)[APPEND])", name: "avp", inner: "x", idx: IdxAppend},
		{in: "$(avp(x)[$var(i)])", name: "avp", inner: "x", idx: IdxPV},
		{in: "$(ru{uri.user})", name: "ru", trans: []string{"uri.user"}},
		{in: "$(ru{URI.User})", name: "ru", trans: []string{"uri.user"}},
		{in: "$(avp(x)[-1]{s.len}{uri.user})", name: "avp", inner: "x", idx: IdxInt, n: -1, trans: []string{"s.len", "uri.user"}},
		{in: "$(hdr(X-A){s.select,1,,})", name: "hdr", inner: "X-A", trans: []string{"s.select"}},
		{in: "$(ru{s.substr,0,4} {s.len})", name: "ru", trans: []string{"s.substr", "s.len"}},
		{in: "$(<request>ru)", name: "ru", ctx: "request"},
		{in: "$(<reply>rs)", name: "rs", ctx: "reply"},
		{in: "$avp(s:name)", name: "avp", inner: "s:name", legacy: true},
		{in: "$avp(i:5)", name: "avp", inner: "i:5", legacy: true},
		{in: "$avp($var(n))", name: "avp", inner: "$var(n)", innerPV: "$var(n)"},
		{in: "$var(a(b))", name: "var", inner: "a(b)"},
		{in: "$(var(x){re.subst,/a\\{2\\}/b/g})", name: "var", inner: "x", trans: []string{"re.subst"}},
		{in: "$(fu{nameaddr.1.uri})", name: "fu", trans: []string{"nameaddr.uri"}},
		{in: "$(ct{json.foo,1})", name: "ct", trans: []string{"json.foo"}},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			s, err := Parse(tt.in)
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			if s.Raw != tt.in || s.Name != tt.name || s.Inner != tt.inner || s.Index.Kind != tt.idx ||
				s.Index.N != tt.n || s.Context != tt.ctx || s.LegacyAVPPrefix != tt.legacy {
				t.Errorf("got raw=%q name=%q inner=%q idx=%v/%d ctx=%q legacy=%v", s.Raw, s.Name, s.Inner,
					s.Index.Kind, s.Index.N, s.Context, s.LegacyAVPPrefix)
			}
			var got []string
			for _, tr := range s.Trans {
				got = append(got, tr.Class+"."+tr.Name)
			}
			if strings.Join(got, " ") != strings.Join(tt.trans, " ") {
				t.Errorf("trans = %v, want %v", got, tt.trans)
			}
			if tt.innerPV != "" && (s.InnerPV == nil || s.InnerPV.Raw != tt.innerPV) {
				t.Errorf("inner PV = %v, want %s", s.InnerPV, tt.innerPV)
			}
		})
	}
}

func TestParseTransArgs(t *testing.T) {
	tests := []struct {
		in   string
		args []string
	}{
		{"$(ru{s.substr,0,4})", []string{"0", "4"}},
		{"$(ru{s.substr, -3 , 0})", []string{"-3", "0"}},
		{"$(var(csv){s.select,1,,})", []string{"1", ","}},
		{"$(var(x){s.select,-1,;})", []string{"-1", ";"}},
		{"$(ru{s.substr,$var(i),$(var(j){s.int})})", []string{"$var(i)", "$(var(j){s.int})"}},
		{"$(var(x){s.index,a\\,b})", []string{"a\\,b"}},
		{"$(var(x){re.subst,/a,b/c/g})", []string{"/a,b/c/g"}},
		{"$(var(x){s.fill.left,' ',5})", []string{" ", "5"}},
		{"$(var(x){s.fill.left,0,5})", []string{"0", "5"}},
		{"$(fu{nameaddr.$var(i).param,tag})", []string{"tag", "$var(i)"}},
		{"$(var(x){param.value,$var(n)})", []string{"$var(n)"}},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			s, err := Parse(tt.in)
			if err != nil {
				t.Fatal(err)
			}
			tr := s.Trans[0]
			var got []string
			for _, a := range tr.Args {
				got = append(got, a.String())
			}
			if strings.Join(got, "|") != strings.Join(tt.args, "|") {
				t.Errorf("args = %q, want %q", got, tt.args)
			}
		})
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct {
		in   string
		off  int
		msg  string
		hint string
	}{
		{"$", 1, "invalid variable name", "$$"},
		{"$ ", 1, "invalid variable name", ""},
		{"$fU.", 1, `invalid variable name "$fU."`, "write $(fU). to end"},
		{"$rU..", 1, `"$rU.."`, "$(rU).."},
		{"$hdr(Via)[1]", 9, `unexpected "[1]"`, "$(hdr(Via)[1])"},
		{"$ru{s.len}", 3, "unexpected", "$(ru{s.len})"},
		{"$hdr(From", 4, `missing ")"`, ""},
		{"$hdr()", 5, "empty name", ""},
		{"$(ru", 4, `missing ")"`, ""},
		{"$(ru[1x])", 5, "invalid index", ""},
		{"$(ru[])", 5, "empty index", ""},
		{"$(ru[1)", 4, `missing "]"`, ""},
		{"$(ru{s.len)", 4, `missing "}"`, ""},
		{"$(ru{len})", 5, "invalid transformation", "{class.name"},
		{"$(ru{s.substr,a,1})", 14, "expected a number", ""},
		{"$(ru x)", 4, "unexpected", ""},
		{"$(<request ru)", 10, `missing ">"`, ""},
		{"$(<>ru)", 3, "empty variable context", ""},
		{"$avp($)", 6, "invalid variable name", ""},
		{"$($x", 3, `missing ")"`, ""},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			_, err := Parse(tt.in)
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("err = %v, want *Error", err)
			}
			if e.Off != tt.off || !strings.Contains(e.Msg, tt.msg) || !strings.Contains(e.Hint, tt.hint) {
				t.Errorf("got off=%d msg=%q hint=%q; want off=%d msg~%q hint~%q", e.Off, e.Msg, e.Hint, tt.off, tt.msg, tt.hint)
			}
		})
	}
}

func TestParseFormat(t *testing.T) {
	tests := []struct {
		in    string
		parts []string // literal text, or "PV:raw"
	}{
		{"", nil},
		{"plain", []string{"plain"}},
		{"a $var(x) b", []string{"a ", "PV:$var(x)", " b"}},
		{"cost: 5$$", []string{"cost: 5$"}},
		{"$$ru", []string{"$ru"}},
		{"$ru$rU", []string{"PV:$ru", "PV:$rU"}},
		{"user $(fU).", []string{"user ", "PV:$(fU)", "."}},
		{"$var(u).", []string{"PV:$var(u)", "."}},
		{"$hdr(Via)[1]", []string{"PV:$hdr(Via)", "[1]"}},
		{"x\\$ru", []string{"x\\", "PV:$ru"}},
		{"$(ru{uri.user})@$rd:$rp", []string{"PV:$(ru{uri.user})", "@", "PV:$rd", ":", "PV:$rp"}},
		{"$ru;tag=1", []string{"PV:$ru", ";tag=1"}},
		{"$ru-x", []string{"PV:$ru", "-x"}},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			f, err := ParseFormat(tt.in)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, p := range f.Parts {
				if p.Spec != nil {
					got = append(got, "PV:"+p.Spec.Raw)
					if tt.in[p.Off:p.Off+len(p.Spec.Raw)] != p.Spec.Raw {
						t.Errorf("part offset %d does not point at %s", p.Off, p.Spec.Raw)
					}
				} else {
					got = append(got, p.Lit)
				}
			}
			if strings.Join(got, "|") != strings.Join(tt.parts, "|") {
				t.Errorf("parts = %q, want %q", got, tt.parts)
			}
			if f.IsConst() != (len(f.Specs()) == 0) {
				t.Errorf("IsConst disagrees with Specs")
			}
		})
	}
}

func TestParseFormatErrors(t *testing.T) {
	tests := []struct {
		in   string
		off  int
		hint string
	}{
		{"cost: 5$", 8, "$$"},
		{"user $fU.", 6, "$(fU)."},
		{"a $(ru{s.len", 6, ""},
		{"x $ y", 3, "$$"},
		{"ok $var(x) then $(hdr(A)[z z])", 25, ""},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			_, err := ParseFormat(tt.in)
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("err = %v, want *Error", err)
			}
			if e.Off != tt.off || !strings.Contains(e.Hint, tt.hint) {
				t.Errorf("off=%d hint=%q; want off=%d hint~%q", e.Off, e.Hint, tt.off, tt.hint)
			}
		})
	}
}

func TestFormatConst(t *testing.T) {
	f, err := ParseFormat("a$$b")
	if err != nil {
		t.Fatal(err)
	}
	if !f.IsConst() || f.Const() != "a$b" {
		t.Errorf("IsConst=%v Const=%q", f.IsConst(), f.Const())
	}
}
