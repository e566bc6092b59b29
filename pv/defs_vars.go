package pv

import (
	"errors"
	"strings"

	"gosips/api"
)

var (
	errNoVars = errors.New("no $var store in this context")
	errNoAVPs = errors.New("no $avp store in this context")
	errNoSHVs = errors.New("no $shv store in this context")
)

// RetCoder is implemented by the runtime's per-message state to expose the
// last return code ($rc / $retcode).
type RetCoder interface{ RetCode() int }

func varDefs() []Def {
	avp := Def{Name: "avp", Doc: "attribute-value pair (stack)", Inner: NeedInner, Writable: true, Index: true, Append: true,
		Get: getAVP, Set: func(c *api.Ctx, s *Spec, v api.Value) error { return setAVP(c, s, v, false) },
		Replace: func(c *api.Ctx, s *Spec, v api.Value) error { return setAVP(c, s, v, true) }}
	return []Def{
		{Name: "var", Doc: "script variable", Inner: NeedInner, Writable: true, Get: getVar, Set: setVar},
		avp,
		{Name: "shv", Doc: "shared variable", Module: "cfgutils", Inner: NeedInner, Writable: true, Get: getSHV, Set: setSHV},
		{Name: "rc", Aliases: []string{"retcode"}, Doc: "last return code", Get: func(c *api.Ctx, _ *Spec) (api.Value, error) {
			if h, ok := ctxPriv[RetCoder](c); ok {
				return IntStr(int64(h.RetCode())), nil
			}
			return api.Null, ErrNotImplemented
		}},
	}
}

func getVar(c *api.Ctx, s *Spec) (api.Value, error) {
	h, ok := ctxPriv[VarHolder](c)
	if !ok {
		return api.Null, errNoVars
	}
	name, err := s.InnerName(c)
	if err != nil {
		return api.Null, err
	}
	return h.Vars().Get(name), nil
}

func setVar(c *api.Ctx, s *Spec, v api.Value) error {
	h, ok := ctxPriv[VarHolder](c)
	if !ok {
		return errNoVars
	}
	name, err := s.InnerName(c)
	if err != nil {
		return err
	}
	h.Vars().Set(name, v)
	return nil
}

func getSHV(c *api.Ctx, s *Spec) (api.Value, error) {
	h, ok := ctxPriv[SHVHolder](c)
	if !ok {
		return api.Null, errNoSHVs
	}
	name, err := s.InnerName(c)
	if err != nil {
		return api.Null, err
	}
	return h.SHVs().Get(name), nil
}

func setSHV(c *api.Ctx, s *Spec, v api.Value) error {
	h, ok := ctxPriv[SHVHolder](c)
	if !ok {
		return errNoSHVs
	}
	name, err := s.InnerName(c)
	if err != nil {
		return err
	}
	h.SHVs().Set(name, v)
	return nil
}

// getAVP reads the top value, the idx-th, or with [*] every value joined
// by ", " (newest first).
func getAVP(c *api.Ctx, s *Spec) (api.Value, error) {
	h, ok := ctxPriv[AVPHolder](c)
	if !ok {
		return api.Null, errNoAVPs
	}
	name, err := s.InnerName(c)
	if err != nil {
		return api.Null, err
	}
	kind, n, err := s.IndexValue(c)
	if err != nil {
		return api.Null, err
	}
	st := h.AVPs()
	switch kind {
	case IdxAppend:
		return api.Null, nil
	case IdxAll:
		all := st.All(name)
		if len(all) == 0 {
			return api.Null, nil
		}
		if len(all) == 1 {
			return api.StrValue(Str(all[0])), nil
		}
		var b strings.Builder
		for i, v := range all {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString(Str(v))
		}
		return api.StrValue(b.String()), nil
	}
	return st.Get(name, n), nil
}

// setAVP implements "=" (replace false) and ":=" (replace true).
func setAVP(c *api.Ctx, s *Spec, v api.Value, replace bool) error {
	h, ok := ctxPriv[AVPHolder](c)
	if !ok {
		return errNoAVPs
	}
	name, err := s.InnerName(c)
	if err != nil {
		return err
	}
	kind, n, err := s.IndexValue(c)
	if err != nil {
		return err
	}
	st := h.AVPs()
	if v.IsNull() {
		if replace || kind == IdxAll {
			st.DelAll(name)
		} else {
			st.DelAt(name, n)
		}
		return nil
	}
	if replace || kind == IdxAll {
		st.DelAll(name)
	}
	switch kind {
	case IdxInt:
		return st.SetAt(name, n, v)
	case IdxAppend:
		st.Append(name, v)
	default:
		st.Push(name, v)
	}
	return nil
}
