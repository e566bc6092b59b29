package pv

import (
	"errors"
	"strings"
	"testing"

	"gosips/lang/diag"
)

func coreTable(loaded ...string) *Table {
	t := NewTable(CoreDefs())
	t.SetLoaded(func(m string) bool {
		for _, l := range loaded {
			if l == m {
				return true
			}
		}
		return false
	})
	return t
}

func TestResolve(t *testing.T) {
	tab := coreTable("tm", "cfgutils")
	for _, in := range []string{
		"$ru", "$ruri", "$from.user", "$to.domain", "$retcode", "$hdr(From)", "$(hdr(Via)[-1])",
		"$(avp(x)[append])", "$avp($var(n))", "$(avp(x)[$var(i)])", "$(<request>ru)",
		"$socket_in", "$socket_in(ip)", "$socket_out(forced)", "$time(%Y-%m-%d)", "$C(Rx)", "$ctime(year)",
		"$(ru{uri.user}{s.toupper})", "$(var(x){s.substr,$var(i),0})", "$(var(x){re.subst,/a(b)/\\1$var(y)/g})",
		"$shv(counter)", "$hdr(\"User-Agent\")", "$(rb{sdp.line,c})", "$Ri", "$proto", "$msg.flag(NAT)", "$ct.fields(uri)", "$(fu{nameaddr.-1.uri})",
	} {
		t.Run(in, func(t *testing.T) {
			s, err := Parse(in)
			if err != nil {
				t.Fatal(err)
			}
			if err := tab.Resolve(s); err != nil {
				t.Fatalf("Resolve: %v", err)
			}
			s.Walk(func(x *Spec) {
				if x.Def == nil {
					t.Errorf("%s left unresolved", x.Raw)
				}
			})
		})
	}
}

func TestResolveErrors(t *testing.T) {
	tab := coreTable("tm")
	tab.AddKnown("uac", []Def{{Name: "uac_x"}})
	tests := []struct {
		in, msg, hint, code string
	}{
		{"$rx", "unknown variable $rx", `did you mean "$r`, diag.CodeUnknownPV},
		{"$msg.branch.attr(a)", "variable $msg.branch.attr is not implemented yet", "", diag.CodeNotImplemented},
		{"$(sdp.line(a)[2])", "$sdp.line does not accept an index", "", diag.CodeBadPV},
		{"$sdp.line($var(x))", "$sdp.line does not take a variable as its name", "", diag.CodeBadPV},
		{"$T_reply_code", "variable $T_reply_code is not implemented yet", "", diag.CodeNotImplemented}, // a placeholder tm replaces
		{"$foo_bar_baz", "unknown variable", "maybe a loadmodule", diag.CodeUnknownPV},
		{"$uac_x", "uac module", `loadmodule "uac.so" is missing`, diag.CodeUnknownPV},
		{"$shv(x)", "needs the cfgutils module", `loadmodule "cfgutils.so"`, diag.CodeUnknownPV},
		{"$rr_params", "needs the rr module", `loadmodule "rr.so"`, diag.CodeUnknownPV},
		{"$hdr", "needs a name", "", diag.CodeBadPV},
		{"$ru(x)", "does not take a name", "", diag.CodeBadPV},
		{"$(ru[1])", "does not accept an index", "", diag.CodeBadPV},
		{"$(hdr(A)[append])", "does not accept [append]", "", diag.CodeBadPV},
		{"$socket_in(ipx)", "unknown field", "", diag.CodeBadPV},
		{"$C(zz)", "invalid foreground", "", diag.CodeBadPV},
		{"$time(%Q)", "unsupported conversion", "", diag.CodeBadPV},
		{"$(ru{uri.usr})", "unknown transformation {uri.usr}", `did you mean "user"?`, diag.CodeUnknownTrans},
		{"$(ru{url.user})", `unknown transformation class "url"`, `did you mean "uri"?`, diag.CodeUnknownTrans},
		{"$(ru{s.substr,1})", "wants 2 argument(s), got 1", "", diag.CodeUnknownTrans},
		{"$(ru{s.substr,1,2,3})", "wants 2 argument(s), got 3", "", diag.CodeUnknownTrans},
		{"$(ru{s.len,1})", "wants no arguments", "", diag.CodeUnknownTrans},
		{"$(ru{s.width,0})", "width must be at least 1", "", diag.CodeBadPV},
		{"$(ru{s.fill.left,$var(x),3})", "", "", diag.CodeBadPV},
		{"$(ru{re.subst,/a(/b/})", "bad regular expression", "", diag.CodeBadPV},
		{"$(ru{re.subst,/a/\\2/})", "group", "", diag.CodeBadPV},
		{"$(ru{re.subst,/a/b/q})", "unknown subst flag", "", diag.CodeBadPV},
		{"$(ru[x])", "invalid index [x]", "", diag.CodeBadPV},
		{"$(<foo>ru)", "unknown variable context", "", diag.CodeBadPV},
		{"$avp($nope)", "unknown variable $nope", "", diag.CodeUnknownPV},
		{"$(ru{s.substr,$nope,1})", "unknown variable $nope", "", diag.CodeUnknownPV},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			s, err := Parse(tt.in)
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			err = tab.Resolve(s)
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("err = %v, want *Error", err)
			}
			if !strings.Contains(e.Msg, tt.msg) || !strings.Contains(e.Hint, tt.hint) || e.Code != tt.code {
				t.Errorf("got msg=%q hint=%q code=%s", e.Msg, e.Hint, e.Code)
			}
			if e.Off < 0 || e.Off > len(tt.in) {
				t.Errorf("offset %d outside the input", e.Off)
			}
		})
	}
}

func TestResolveContextNeedsTM(t *testing.T) {
	s, err := Parse("$(<reply>rs)")
	if err != nil {
		t.Fatal(err)
	}
	err = coreTable().Resolve(s)
	if err == nil || !strings.Contains(err.(*Error).Hint, "tm.so") {
		t.Fatalf("err = %v, want a tm hint", err)
	}
}

func TestLegacyNotes(t *testing.T) {
	tab := coreTable()
	tests := []struct {
		in   string
		hint string
	}{
		{"$avp(s:caller)", "$avp(caller)"},
		{"$Ri", "$socket_in(ip)"},
		{"$proto", "$socket_in(proto)"},
		{"$fs", "$socket_out"},
		{"$(var(x){s.substr,$avp(i:3),1})", "$avp(3)"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			s, err := Parse(tt.in)
			if err != nil {
				t.Fatal(err)
			}
			if err := tab.Resolve(s); err != nil {
				t.Fatal(err)
			}
			notes := Legacy(s)
			if len(notes) != 1 || !strings.Contains(notes[0].Hint, tt.hint) || notes[0].Code != diag.CodeLegacy {
				t.Fatalf("notes = %+v, want one with hint %q", notes, tt.hint)
			}
		})
	}
}

func TestCoreDefsTable(t *testing.T) {
	tab := NewTable(CoreDefs())
	tests := []struct {
		name     string
		writable bool
		module   string
		inner    InnerKind
	}{
		{"ru", true, "", NoInner}, {"ruri", true, "", NoInner}, {"rU", true, "", NoInner},
		{"du", true, "", NoInner}, {"fu", false, "", NoInner}, {"from", false, "", NoInner},
		{"to.user", false, "", NoInner}, {"ci", false, "", NoInner}, {"retcode", false, "", NoInner},
		{"var", true, "", NeedInner}, {"avp", true, "", NeedInner}, {"shv", true, "cfgutils", NeedInner},
		{"hdr", false, "", NeedInner}, {"socket_in", false, "", OptInner}, {"socket_out", true, "", OptInner},
		{"T_reply_code", false, "tm", NoInner}, {"T_fr_timeout", true, "tm", NoInner}, {"bavp", true, "tm", NeedInner},
		{"RANDOM", false, "cfgutils", NoInner}, {"ctime", false, "cfgutils", NeedInner}, {"env", false, "cfgutils", NeedInner},
		{"rr_params", false, "rr", NoInner}, {"sig_local_totag", false, "signaling", NoInner},
		{"msg.flag", true, "", NeedInner}, {"Ts", false, "", NoInner}, {"time", false, "", NeedInner},
	}
	for _, tt := range tests {
		d, ok := tab.Lookup(tt.name)
		if !ok {
			t.Errorf("$%s missing", tt.name)
			continue
		}
		if d.Writable != tt.writable || d.Module != tt.module || d.Inner != tt.inner {
			t.Errorf("$%s: writable=%v module=%q inner=%v", tt.name, d.Writable, d.Module, d.Inner)
		}
	}
	seen := map[string]bool{}
	for _, d := range CoreDefs() {
		for _, n := range append([]string{d.Name}, d.Aliases...) {
			if seen[n] {
				t.Errorf("$%s defined twice", n)
			}
			seen[n] = true
		}
	}
}
