package pv

import (
	"strings"

	"gosips/api"
)

// Part is one piece of a format: literal text, or a PV when Spec is set.
type Part struct {
	Lit  string
	Spec *Spec
	Off  int
}

// Format is a string with PVs in it ("text $ru more $(fU) $$").
type Format struct {
	Raw   string
	Parts []Part
}

// ParseFormat splits s into literal text and PVs. Every "$" starts a PV;
// "$$" is a literal "$". Errors are *Error with the byte offset in s.
func ParseFormat(s string) (*Format, error) {
	f := &Format{Raw: s}
	var lit strings.Builder
	litOff := 0
	flush := func() {
		if lit.Len() > 0 {
			f.Parts = append(f.Parts, Part{Lit: lit.String(), Off: litOff})
			lit.Reset()
		}
	}
	p := 0
	for p < len(s) {
		d := strings.IndexByte(s[p:], '$')
		if d < 0 {
			if lit.Len() == 0 {
				litOff = p
			}
			lit.WriteString(s[p:])
			break
		}
		if d > 0 {
			if lit.Len() == 0 {
				litOff = p
			}
			lit.WriteString(s[p : p+d])
		}
		p += d
		spec, end, err := parseAt(s, p, len(s))
		if err != nil {
			return nil, err
		}
		if spec.IsMarker() {
			if lit.Len() == 0 {
				litOff = p
			}
			lit.WriteByte('$')
		} else {
			flush()
			f.Parts = append(f.Parts, Part{Spec: spec, Off: p})
		}
		p = end
	}
	flush()
	return f, nil
}

// Specs returns the PVs of the format, in order.
func (f *Format) Specs() []*Spec {
	var out []*Spec
	for _, p := range f.Parts {
		if p.Spec != nil {
			out = append(out, p.Spec)
		}
	}
	return out
}

// IsConst reports whether the format holds no PV.
func (f *Format) IsConst() bool {
	for _, p := range f.Parts {
		if p.Spec != nil {
			return false
		}
	}
	return true
}

// Const returns the text of a constant format ("$$" already turned into
// "$"); for a format with PVs it returns the literal parts only.
func (f *Format) Const() string {
	switch len(f.Parts) {
	case 0:
		return ""
	case 1:
		return f.Parts[0].Lit
	}
	var b strings.Builder
	for _, p := range f.Parts {
		b.WriteString(p.Lit)
	}
	return b.String()
}

// Eval prints the format: PVs are evaluated with c, NULL prints as
// "<null>". A PV that fails prints as "<null>" too, and the first error is
// returned alongside the text.
func (f *Format) Eval(c *api.Ctx) (string, error) {
	if len(f.Parts) == 1 && f.Parts[0].Spec == nil {
		return f.Parts[0].Lit, nil
	}
	// Evaluate first and size the result once, so that printing costs a
	// single allocation.
	var stack [16]string
	texts := stack[:0]
	if len(f.Parts) > len(stack) {
		texts = make([]string, 0, len(f.Parts))
	}
	var first error
	n := 0
	for _, p := range f.Parts {
		t := p.Lit
		if p.Spec != nil {
			v, err := p.Spec.Get(c)
			if err != nil && first == nil {
				first = err
			}
			t = Print(v)
		}
		texts = append(texts, t)
		n += len(t)
	}
	var b strings.Builder
	b.Grow(n)
	for _, t := range texts {
		b.WriteString(t)
	}
	return b.String(), first
}

// EvalQuoted prints the format with every variable's text passed through
// quote (literal text is kept): used to build JSON or other structured
// text from user data without letting the data change the structure.
func (f *Format) EvalQuoted(c *api.Ctx, quote func(string) string) (string, error) {
	var b strings.Builder
	var first error
	for _, p := range f.Parts {
		if p.Spec == nil {
			b.WriteString(p.Lit)
			continue
		}
		v, err := p.Spec.Get(c)
		if err != nil && first == nil {
			first = err
		}
		b.WriteString(quote(Print(v)))
	}
	return b.String(), first
}
