package b2blogic

import (
	"fmt"

	"gosips/api"
	"gosips/pv"
)

// PVs lists $b2b_logic.key, .scenario, .entity and .ctx.
func (m *Module) PVs() []pv.Def {
	return []pv.Def{
		{Name: "b2b_logic.key", Module: "b2b_logic", Doc: "key of the current B2B session",
			Get: func(c *api.Ctx, _ *pv.Spec) (api.Value, error) {
				if t := curTuple(c); t != nil {
					return api.StrValue(t.key), nil
				}
				return api.Null, nil
			}},
		{Name: "b2b_logic.scenario", Module: "b2b_logic", Inner: pv.OptInner, Doc: "scenario of the current B2B session",
			Get: func(c *api.Ctx, _ *pv.Spec) (api.Value, error) {
				if t := curTuple(c); t != nil {
					return api.StrValue(t.scenario), nil
				}
				return api.Null, nil
			}},
		{Name: "b2b_logic.entity", Module: "b2b_logic", Inner: pv.OptInner, Index: true,
			Doc: "an entity of the current B2B session: key, callid, id, fromtag, totag",
			ParseInner: func(inner string) (any, error) {
				switch inner {
				case "", "key", "callid", "id", "fromtag", "totag":
					return inner, nil
				}
				return nil, fmt.Errorf("unknown entity field %q (key, callid, id, fromtag, totag)", inner)
			},
			Get: func(c *api.Ctx, s *pv.Spec) (api.Value, error) {
				st, ok := c.Slot(slotKey{}).(*state)
				if !ok || st.tuple == nil {
					return api.Null, nil
				}
				t := st.tuple
				t.mu.Lock()
				l := st.leg
				if s.Index.Kind == pv.IdxInt {
					l = nil
					if n := s.Index.N; n >= 0 && n < len(t.bridge) {
						l = t.bridge[n]
					}
				}
				t.mu.Unlock()
				if l == nil {
					return api.Null, nil
				}
				field, _ := s.Parsed.(string)
				callID, fromTag, toTag := l.ent.Dialog()
				switch field {
				case "callid":
					return api.StrValue(callID), nil
				case "id":
					if l.id == "" {
						return api.Null, nil
					}
					return api.StrValue(l.id), nil
				case "fromtag":
					return api.StrValue(fromTag), nil
				case "totag":
					return api.StrValue(toTag), nil
				}
				return api.StrValue(l.ent.Key()), nil
			}},
		{Name: "b2b_logic.ctx", Module: "b2b_logic", Inner: pv.NeedInner, Writable: true,
			Doc: "a value stored in the current B2B session",
			Get: func(c *api.Ctx, s *pv.Spec) (api.Value, error) {
				st, ok := c.Slot(slotKey{}).(*state)
				if !ok {
					return api.Null, nil
				}
				if t := st.tuple; t != nil {
					t.mu.Lock()
					v, ok := t.ctx[s.Inner]
					t.mu.Unlock()
					if ok {
						return api.StrValue(v), nil
					}
					return api.Null, nil
				}
				if v, ok := st.ctx[s.Inner]; ok {
					return api.StrValue(v), nil
				}
				return api.Null, nil
			},
			Set: func(c *api.Ctx, s *pv.Spec, v api.Value) error {
				st := msgState(c)
				if t := st.tuple; t != nil {
					t.mu.Lock()
					defer t.mu.Unlock()
					if v.IsNull() {
						delete(t.ctx, s.Inner)
					} else {
						t.ctx[s.Inner] = valStr(v)
					}
					return nil
				}
				if st.ctx == nil {
					st.ctx = map[string]string{}
				}
				if v.IsNull() {
					delete(st.ctx, s.Inner)
				} else {
					st.ctx[s.Inner] = valStr(v)
				}
				return nil
			}},
	}
}

func curTuple(c *api.Ctx) *tuple {
	if st, ok := c.Slot(slotKey{}).(*state); ok {
		return st.tuple
	}
	return nil
}
