package pv

import (
	"errors"
	"strings"
	"testing"
)

func FuzzFormat(f *testing.F) {
	for _, s := range []string{
		"$(ru{uri.user})", "a $var(x) b", "$(avp(x)[*])", "cost: 5$$", "user $fU.",
		"$(hdr(X-A){s.select,1,,})", "$(var(x){re.subst,/a\\{2\\}/b/g})", "$(<request>ru)",
		"$(fu{nameaddr.1.param,tag})", "$avp(s:x)", "$(ru{s.substr,$var(i),0}{s.toupper})",
		"$(var(x){s.fill.left,' ',5})", "$hdr(Via)[1]", "$(ct{csv.value,-1})", "$",
	} {
		f.Add(s)
	}
	tab := NewTable(CoreDefs())
	f.Fuzz(func(t *testing.T, s string) {
		fm, err := ParseFormat(s)
		if err != nil {
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("error is not *Error: %v", err)
			}
			if e.Off < 0 || e.Off > len(s) {
				t.Fatalf("offset %d outside input of %d bytes", e.Off, len(s))
			}
			return
		}
		for _, p := range fm.Parts {
			if p.Spec != nil && s[p.Off:p.Off+len(p.Spec.Raw)] != p.Spec.Raw {
				t.Fatalf("part at %d is not %q", p.Off, p.Spec.Raw)
			}
		}
		if err := tab.ResolveFormat(fm); err != nil {
			var e *Error
			if !errors.As(err, &e) || e.Off < 0 || e.Off > len(s) {
				t.Fatalf("bad resolve error %v", err)
			}
			return
		}
		if strings.Contains(strings.ToLower(s), "resolve") {
			return // no DNS lookups while fuzzing
		}
		_, _ = fm.Eval(ctxWith(newFake()))
	})
}
