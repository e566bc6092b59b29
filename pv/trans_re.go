package pv

import (
	"regexp"
	"strings"

	"gosips/api"
)

func init() {
	RegisterTrans(TransDef{Class: "re", Name: "subst", MinArgs: 1, MaxArgs: 1, Kinds: []ArgKind{ArgRest},
		Apply: func(in api.Value, a []api.Value) (api.Value, error) {
			se, err := ParseSubst(Str(a[0]))
			if err != nil {
				return api.Null, err
			}
			return se.apply(nil, in)
		},
		Prepare: prepareSubst,
	})
}

// Subst is a compiled sed-like "/re/replacement/flags" expression: POSIX
// extended syntax, leftmost-longest matching, flags i (ignore case), g (all
// matches) and s (let "." and anchors ignore line breaks). The replacement
// may use \0-\9, \n \r \t \\ \$ and PVs.
type Subst struct {
	Re     *regexp.Regexp
	Global bool
	Parts  []SubstPart
}

// SubstPart is a piece of the replacement: literal text, a group or a PV.
type SubstPart struct {
	Lit   string
	Group int // -1 when not a group reference
	PV    *Spec
}

// ParseSubst parses a subst expression; "\{" and "\}" stand for braces.
// PVs in the replacement are parsed but not resolved.
func ParseSubst(expr string) (*Subst, error) {
	expr = strings.NewReplacer(`\{`, "{", `\}`, "}").Replace(expr)
	if len(expr) < 3 {
		return nil, transErr("subst expression %q is too short", expr)
	}
	sep := expr[0]
	if sep == '\\' {
		return nil, transErr("invalid separator %q", sep)
	}
	reEnd := -1
	for i := 1; i < len(expr); i++ {
		if expr[i] == sep && expr[i-1] != '\\' {
			reEnd = i
			break
		}
	}
	if reEnd < 0 {
		return nil, transErr("missing separator in %q", expr)
	}
	se := &Subst{}
	p := reEnd + 1
	var lit strings.Builder
	flush := func() {
		if lit.Len() > 0 {
			se.Parts = append(se.Parts, SubstPart{Lit: lit.String(), Group: -1})
			lit.Reset()
		}
	}
	closed := false
	for p < len(expr) && !closed {
		c := expr[p]
		switch {
		case c == '\\' && p+1 < len(expr):
			e := expr[p+1]
			switch {
			case e >= '0' && e <= '9':
				flush()
				se.Parts = append(se.Parts, SubstPart{Group: int(e - '0')})
			case e == 'n':
				lit.WriteByte('\n')
			case e == 'r':
				lit.WriteByte('\r')
			case e == 't':
				lit.WriteByte('\t')
			case e == 'u':
				return nil, transErr(`\u (the request URI) is not supported in subst; use $ru`)
			default:
				lit.WriteByte(e)
			}
			p += 2
		case c == '$':
			spec, end, err := parseAt(expr, p, len(expr))
			if err != nil {
				return nil, transErr("bad variable in the replacement of %q: %v", expr, err)
			}
			flush()
			se.Parts = append(se.Parts, SubstPart{PV: spec, Group: -1})
			p = end
		case c == sep:
			closed = true
			p++
		default:
			lit.WriteByte(c)
			p++
		}
	}
	if !closed {
		return nil, transErr("missing final separator in %q", expr)
	}
	flush()
	prefix := "(?m)"
	for ; p < len(expr); p++ {
		switch expr[p] {
		case 'i':
			prefix += "(?i)"
		case 's':
			prefix = strings.Replace(prefix, "(?m)", "(?s)", 1)
		case 'g':
			se.Global = true
		default:
			return nil, transErr("unknown subst flag %q", expr[p])
		}
	}
	re, err := regexp.Compile(prefix + expr[1:reEnd])
	if err != nil {
		return nil, transErr("bad regular expression %q: %v", expr[1:reEnd], err)
	}
	re.Longest()
	se.Re = re
	for _, part := range se.Parts {
		if part.Group > se.Re.NumSubexp() {
			return nil, transErr("replacement uses \\%d but the expression has %d group(s)", part.Group, se.Re.NumSubexp())
		}
	}
	return se, nil
}

// Replace applies the expression to s; matched reports whether anything
// matched (no match leaves s unchanged). PVs are evaluated with c.
func (se *Subst) Replace(c *api.Ctx, s string) (out string, matched bool, err error) {
	var locs [][]int
	if se.Global {
		locs = se.Re.FindAllStringSubmatchIndex(s, -1)
	} else if m := se.Re.FindStringSubmatchIndex(s); m != nil {
		locs = [][]int{m}
	}
	if len(locs) == 0 {
		return s, false, nil
	}
	var b strings.Builder
	last := 0
	for _, m := range locs {
		b.WriteString(s[last:m[0]])
		for _, part := range se.Parts {
			switch {
			case part.PV != nil:
				v, err := part.PV.Get(c)
				if err != nil {
					return "", true, err
				}
				b.WriteString(Str(v))
			case part.Group >= 0:
				if g := 2 * part.Group; m[g] >= 0 {
					b.WriteString(s[m[g]:m[g+1]])
				}
			default:
				b.WriteString(part.Lit)
			}
		}
		last = m[1]
	}
	b.WriteString(s[last:])
	return b.String(), true, nil
}

func (se *Subst) apply(c *api.Ctx, in api.Value) (api.Value, error) {
	if !in.IsStr() || in.S == "" {
		return api.Null, errTransInput
	}
	out, matched, err := se.Replace(c, in.S)
	if err != nil {
		return api.Null, err
	}
	if !matched {
		return in, nil
	}
	return api.StrValue(out), nil
}

// prepareSubst compiles a literal expression once; a PV expression is
// compiled at each use and its replacement PVs resolved through the
// message's Table.
func prepareSubst(args []TransArg, resolve func(*Spec) error) (Applier, error) {
	if len(args) == 1 && args[0].PV == nil {
		se, err := ParseSubst(args[0].Lit)
		if err != nil {
			return nil, err
		}
		for _, p := range se.Parts {
			if p.PV != nil {
				if err := resolve(p.PV); err != nil {
					return nil, err
				}
			}
		}
		return func(c *api.Ctx, in api.Value, _ []api.Value) (api.Value, error) { return se.apply(c, in) }, nil
	}
	return func(c *api.Ctx, in api.Value, a []api.Value) (api.Value, error) {
		se, err := ParseSubst(Str(a[0]))
		if err != nil {
			return api.Null, err
		}
		if len(se.Parts) > 0 {
			t := tableOf(c)
			for _, p := range se.Parts {
				if p.PV == nil {
					continue
				}
				if t == nil {
					return api.Null, transErr("variables in a run-time subst need the script's PV table")
				}
				if err := t.Resolve(p.PV); err != nil {
					return api.Null, err
				}
			}
		}
		return se.apply(c, in)
	}, nil
}
