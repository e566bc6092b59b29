package acc

import (
	"fmt"
	"strconv"

	"gosips/api"
	"gosips/pv"
)

// PVs lists $acc_extra, $acc_leg and $acc_current_leg.
func (m *Acc) PVs() []pv.Def {
	return []pv.Def{
		{Name: "acc_extra", Module: "acc", Inner: pv.NeedInner, Writable: true,
			Doc:        "value of an extra_fields tag reported with the transaction or call",
			ParseInner: tagParser("extra_fields", &m.extra),
			Get: func(c *api.Ctx, s *pv.Spec) (api.Value, error) {
				x := m.fetch(c, false)
				if x == nil {
					return api.Null, nil
				}
				x.mu.Lock()
				defer x.mu.Unlock()
				return strOrNull(x.extra[s.Parsed.(int)]), nil
			},
			Set: func(c *api.Ctx, s *pv.Spec, v api.Value) error {
				x := m.fetch(c, true)
				x.mu.Lock()
				x.extra[s.Parsed.(int)] = valueText(v)
				x.mu.Unlock()
				return nil
			}},
		{Name: "acc_leg", Module: "acc", Inner: pv.NeedInner, Writable: true, Index: true,
			Doc:        "value of a leg_fields tag of a call leg (default: the current leg)",
			ParseInner: tagParser("leg_fields", &m.leg),
			Get: func(c *api.Ctx, s *pv.Spec) (api.Value, error) {
				x := m.fetch(c, false)
				if x == nil {
					return api.Null, nil
				}
				x.mu.Lock()
				defer x.mu.Unlock()
				i, err := legIndex(c, s, len(x.legs))
				if err != nil {
					return api.Null, err
				}
				return strOrNull(x.legs[i][s.Parsed.(int)]), nil
			},
			Set: func(c *api.Ctx, s *pv.Spec, v api.Value) error {
				x := m.fetch(c, false)
				if x == nil {
					return fmt.Errorf("$acc_leg: do_accounting() was not used")
				}
				x.mu.Lock()
				defer x.mu.Unlock()
				i, err := legIndex(c, s, len(x.legs))
				if err != nil {
					return err
				}
				x.legs[i][s.Parsed.(int)] = valueText(v)
				return nil
			}},
		{Name: "acc_current_leg", Module: "acc", Doc: "index of the current call leg (0 for the first)",
			Get: func(c *api.Ctx, _ *pv.Spec) (api.Value, error) {
				x := m.fetch(c, false)
				if x == nil || len(m.leg.tags) == 0 {
					return api.Null, nil
				}
				x.mu.Lock()
				defer x.mu.Unlock()
				n := int64(len(x.legs) - 1)
				return api.Value{Flags: api.VInt | api.VStr, I: n, S: strconv.FormatInt(n, 10)}, nil
			}},
	}
}

// tagParser resolves the tag of $acc_extra(tag) / $acc_leg(tag) at load
// time.
func tagParser(param string, fs *fieldSet) func(string) (any, error) {
	return func(tag string) (any, error) {
		i := fs.index(tag)
		if i < 0 {
			return nil, fmt.Errorf("unknown tag %q (define it in the %s modparam of acc)", tag, param)
		}
		return i, nil
	}
}

// legIndex resolves the [idx] of $acc_leg: none is the current (last)
// leg, negative counts from the end.
func legIndex(c *api.Ctx, s *pv.Spec, n int) (int, error) {
	if n == 0 {
		return 0, fmt.Errorf("$acc_leg: no leg_fields defined")
	}
	kind, i, err := s.IndexValue(c)
	if err != nil {
		return 0, err
	}
	if kind == pv.IdxNone {
		return n - 1, nil
	}
	if i < 0 {
		i += n
	}
	if i < 0 || i >= n {
		return 0, fmt.Errorf("$acc_leg: leg index %d out of range (%d legs)", i, n)
	}
	return i, nil
}

func strOrNull(s string) api.Value {
	if s == "" {
		return api.Null
	}
	return api.StrValue(s)
}

func valueText(v api.Value) string {
	switch {
	case v.IsStr():
		return v.S
	case v.IsInt():
		return strconv.FormatInt(v.I, 10)
	}
	return ""
}

var _ pv.Exporter = (*Acc)(nil)
