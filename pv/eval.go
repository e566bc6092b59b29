package pv

import (
	"errors"
	"fmt"

	"gosips/api"
)

// ErrNotImplemented is returned by PVs whose getter or setter is missing.
var ErrNotImplemented = errors.New("not implemented")

// ContextSwitcher is implemented by the runtime's per-message state
// (api.Ctx.Priv) to evaluate $(<request>pv) / $(<reply>pv): it returns the
// context holding the transaction's request or the current reply.
type ContextSwitcher interface {
	PVContext(name string) (*api.Ctx, error)
}

// Get evaluates the PV and its transformations.
func (s *Spec) Get(c *api.Ctx) (api.Value, error) {
	d := s.Def
	if d == nil {
		return api.Null, fmt.Errorf("%s: unresolved variable", s.Raw)
	}
	if d == markerDef {
		return api.StrValue("$"), nil
	}
	if d.Get == nil {
		return api.Null, fmt.Errorf("%s: %w", describe(s), ErrNotImplemented)
	}
	cc := c
	if s.Context != "" {
		sw, ok := ctxPriv[ContextSwitcher](c)
		if !ok {
			return api.Null, fmt.Errorf("%s: context <%s> unavailable", s.Raw, s.Context)
		}
		var err error
		if cc, err = sw.PVContext(s.Context); err != nil {
			return api.Null, fmt.Errorf("%s: %w", s.Raw, err)
		}
	}
	v, err := d.Get(cc, s)
	if err != nil {
		return api.Null, err
	}
	for _, t := range s.Trans {
		if v, err = t.Eval(c, v); err != nil {
			return api.Null, err
		}
	}
	return v, nil
}

// Set assigns v with "=" (a NULL v is "= null").
func (s *Spec) Set(c *api.Ctx, v api.Value) error {
	if err := s.writable(); err != nil {
		return err
	}
	return s.Def.Set(c, s, v)
}

// Replace assigns v with ":=".
func (s *Spec) Replace(c *api.Ctx, v api.Value) error {
	if err := s.writable(); err != nil {
		return err
	}
	if s.Def.Replace != nil {
		return s.Def.Replace(c, s, v)
	}
	return s.Def.Set(c, s, v)
}

func (s *Spec) writable() error {
	switch {
	case s.Def == nil:
		return fmt.Errorf("%s: unresolved variable", s.Raw)
	case len(s.Trans) > 0:
		return fmt.Errorf("%s: cannot assign to a variable with transformations", s.Raw)
	case !s.Def.Writable:
		return fmt.Errorf("%s: read-only variable", describe(s))
	case s.Def.Set == nil:
		return fmt.Errorf("%s: assignment %w", describe(s), ErrNotImplemented)
	}
	return nil
}

// Ref adapts a resolved spec to api.PVRef for ArgVar arguments.
func (s *Spec) Ref() api.PVRef { return specRef{s} }

type specRef struct{ s *Spec }

func (r specRef) Get(c *api.Ctx) (api.Value, error) { return r.s.Get(c) }
func (r specRef) Set(c *api.Ctx, v api.Value) error { return r.s.Set(c, v) }
func (r specRef) Name() string                      { return r.s.Raw }

// InnerName returns the inner name, evaluating it when it is a PV
// ($avp($var(n))).
func (s *Spec) InnerName(c *api.Ctx) (string, error) {
	if s.InnerPV == nil {
		return s.Inner, nil
	}
	v, err := s.InnerPV.Get(c)
	if err != nil {
		return "", err
	}
	if v.IsNull() || Str(v) == "" {
		return "", fmt.Errorf("%s: null or empty name", s.Raw)
	}
	return Str(v), nil
}

// IndexValue returns the index kind and, for IdxInt and IdxPV, the number
// (a PV index must hold an integer).
func (s *Spec) IndexValue(c *api.Ctx) (IndexKind, int, error) {
	switch s.Index.Kind {
	case IdxInt:
		return IdxInt, s.Index.N, nil
	case IdxPV:
		v, err := s.Index.PV.Get(c)
		if err != nil {
			return IdxPV, 0, err
		}
		if !v.IsInt() {
			return IdxPV, 0, fmt.Errorf("%s: index %s is not an integer", s.Raw, s.Index.PV.Raw)
		}
		return IdxInt, int(v.I), nil
	}
	return s.Index.Kind, 0, nil
}

// ctxPriv asserts the per-message state to an optional interface.
func ctxPriv[T any](c *api.Ctx) (T, bool) {
	var zero T
	if c == nil || c.Priv == nil {
		return zero, false
	}
	v, ok := c.Priv.(T)
	return v, ok
}

// AVPValues returns every value of the AVP behind an ArgVar argument, top
// of the stack first; ok is false when ref is not an $avp.
func AVPValues(c *api.Ctx, ref api.PVRef) (vals []api.Value, ok bool) {
	r, isSpec := ref.(specRef)
	if !isSpec || r.s.Name != "avp" {
		return nil, false
	}
	name, err := r.s.InnerName(c)
	if err != nil {
		return nil, false
	}
	h, _ := c.Priv.(AVPHolder)
	if h == nil || h.AVPs() == nil {
		return nil, true
	}
	return h.AVPs().All(name), true
}

// IsAVP reports whether ref is an $avp variable.
func IsAVP(ref api.PVRef) bool {
	r, ok := ref.(specRef)
	return ok && r.s.Name == "avp"
}

// SpecOf returns the spec behind an ArgVar argument, or nil.
func SpecOf(ref api.PVRef) *Spec {
	if r, ok := ref.(specRef); ok {
		return r.s
	}
	return nil
}
