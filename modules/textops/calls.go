package textops

import (
	"regexp"
	"strings"
	"sync"

	"gosips/api"
	"gosips/pv"
	"gosips/sip"
)

// resolver resolves the variables of subst replacements once per
// expression, with the running script's PV table.
type resolver struct {
	mu   sync.Mutex
	done map[*pv.Subst]error
}

func (r *resolver) resolve(c *api.Ctx, se *pv.Subst) error {
	hasPV := false
	for _, p := range se.Parts {
		hasPV = hasPV || p.PV != nil
	}
	if !hasPV {
		return nil
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if err, ok := r.done[se]; ok {
		return err
	}
	var err error
	h, ok := c.Priv.(pv.TableHolder)
	if !ok {
		err = errNoTable
	} else {
		for _, p := range se.Parts {
			if p.PV != nil && err == nil {
				err = h.PVTable().Resolve(p.PV)
			}
		}
	}
	if r.done == nil {
		r.done = map[*pv.Subst]error{}
	}
	r.done[se] = err
	return err
}

// region is the text a function works on: the whole message or its
// body, with the offset of that text in Raw.
func region(m *sip.Msg, body bool) (string, int) {
	if body {
		return m.Body(), m.BodyStart()
	}
	return m.String(), 0
}

func reArg(a any) *regexp.Regexp { re, _ := a.(*regexp.Regexp); return re }

func ret(ok bool) api.Ret {
	if ok {
		return api.RetTrue
	}
	return api.RetFalse
}

// search is search(re) / search_body(re).
func search(body bool) func(*api.Ctx, []any) api.Ret {
	return func(c *api.Ctx, args []any) api.Ret {
		re := reArg(args[0])
		if c.Msg == nil || re == nil {
			return api.RetFalse
		}
		s, _ := region(c.Msg, body)
		return ret(re.MatchString(s))
	}
}

// searchAppend is search_append(re, txt) / search_append_body: txt is
// inserted after the first match.
func searchAppend(body bool) func(*api.Ctx, []any) api.Ret {
	return func(c *api.Ctx, args []any) api.Ret {
		re := reArg(args[0])
		txt, _ := args[1].(string)
		if c.Msg == nil || re == nil {
			return api.RetFalse
		}
		s, off := region(c.Msg, body)
		loc := re.FindStringIndex(s)
		if loc == nil {
			return api.RetFalse
		}
		return ret(c.Msg.ReplaceRange(off+loc[1], off+loc[1], txt) == nil)
	}
}

// replace is replace(re, txt) and its _all / _body variants.
func replace(body, all bool) func(*api.Ctx, []any) api.Ret {
	return func(c *api.Ctx, args []any) api.Ret {
		re := reArg(args[0])
		txt, _ := args[1].(string)
		if c.Msg == nil || re == nil {
			return api.RetFalse
		}
		s, off := region(c.Msg, body)
		n := 1
		if all {
			n = -1
		}
		locs := re.FindAllStringIndex(s, n)
		changed := false
		for _, l := range locs {
			if l[0] == l[1] {
				continue // an empty match changes nothing
			}
			if c.Msg.ReplaceRange(off+l[0], off+l[1], txt) != nil {
				return api.RetFalse
			}
			changed = true
		}
		return ret(changed)
	}
}

// expand builds the replacement of one match m of s.
func expand(c *api.Ctx, se *pv.Subst, s string, m []int) (string, error) {
	var b strings.Builder
	for _, p := range se.Parts {
		switch {
		case p.PV != nil:
			v, err := p.PV.Get(c)
			if err != nil {
				return "", err
			}
			b.WriteString(pv.Str(v))
		case p.Group >= 0:
			if g := 2 * p.Group; g+1 < len(m) && m[g] >= 0 {
				b.WriteString(s[m[g]:m[g+1]])
			}
		default:
			b.WriteString(p.Lit)
		}
	}
	return b.String(), nil
}

func substArg(a any) *pv.Subst {
	switch v := a.(type) {
	case *pv.Subst:
		return v
	case string:
		se, err := pv.ParseSubst(v)
		if err == nil {
			return se
		}
	}
	return nil
}

// subst is subst(expr) / subst_body(expr) on the message text.
func (t *TextOps) subst(body bool) func(*api.Ctx, []any) api.Ret {
	return func(c *api.Ctx, args []any) api.Ret {
		se := substArg(args[0])
		if c.Msg == nil || se == nil {
			return api.RetFalse
		}
		if err := t.res.resolve(c, se); err != nil {
			c.Log.Error("subst: cannot resolve the replacement variables", "err", err)
			return api.RetFalse
		}
		s, off := region(c.Msg, body)
		n := 1
		if se.Global {
			n = -1
		}
		matches := se.Re.FindAllStringSubmatchIndex(s, n)
		for _, m := range matches {
			rep, err := expand(c, se, s, m)
			if err != nil || c.Msg.ReplaceRange(off+m[0], off+m[1], rep) != nil {
				return api.RetFalse
			}
		}
		return ret(len(matches) > 0)
	}
}

// substURI is subst_uri(expr): the expression applied to the R-URI.
func (t *TextOps) substURI(c *api.Ctx, args []any) api.Ret {
	se := substArg(args[0])
	if c.Msg == nil || !c.Msg.IsRequest() || se == nil || t.res.resolve(c, se) != nil {
		return api.RetFalse
	}
	out, matched, err := se.Replace(c, c.Msg.RURI())
	if err != nil || !matched {
		return api.RetFalse
	}
	c.Msg.SetRURI(out)
	return api.RetTrue
}

// substUser is subst_user(expr): the expression applied to the R-URI
// user; an empty result removes the user part.
func (t *TextOps) substUser(c *api.Ctx, args []any) api.Ret {
	se := substArg(args[0])
	if c.Msg == nil || !c.Msg.IsRequest() || se == nil || t.res.resolve(c, se) != nil {
		return api.RetFalse
	}
	u, err := sip.ParseURI(c.Msg.RURI())
	if err != nil {
		return api.RetFalse
	}
	out, matched, err := se.Replace(c, u.User)
	if err != nil || !matched {
		return api.RetFalse
	}
	u.User = out
	if out == "" {
		u.Password, u.HasPassword = "", false
	}
	c.Msg.SetRURI(u.String())
	return api.RetTrue
}
