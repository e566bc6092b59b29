package pv

import (
	"gosips/api"
	"gosips/sip"
)

var branchFields = []string{"uri", "duri", "q", "path", "flags", "socket"}

// branchField reads one field of an extra branch.
func branchField(br *api.Branch, field string) api.Value {
	switch field {
	case "", "uri":
		return strOrNull(br.URI)
	case "duri":
		return strOrNull(br.DstURI)
	case "path":
		return strOrNull(br.Path)
	case "q":
		if br.Q < 0 {
			return api.Null
		}
		return api.StrValue(api.QString(br.Q))
	case "flags":
		return IntStr(int64(br.Flags))
	case "socket":
		if br.Socket == nil {
			return api.Null
		}
		return api.StrValue(sockView{sock: br.Socket}.String())
	}
	return api.Null
}

// setBranchField writes one field of an extra branch.
func setBranchField(c *api.Ctx, s *Spec, br *api.Branch, field string, v api.Value) error {
	switch field {
	case "", "uri":
		if v.IsNull() {
			return errf(s, "a branch URI cannot be null")
		}
		u, err := valueStr(s, v)
		if err != nil {
			return err
		}
		if _, err := sip.ParseURI(u); err != nil {
			return errf(s, "invalid URI "+quote(u))
		}
		br.URI = u
	case "duri", "path":
		var str string
		if !v.IsNull() {
			var err error
			if str, err = valueStr(s, v); err != nil {
				return err
			}
		}
		if field == "duri" {
			br.DstURI = str
		} else {
			br.Path = str
		}
	case "q":
		if v.IsNull() {
			br.Q = -1
			return nil
		}
		n, err := valueInt(s, v)
		if err != nil {
			return err
		}
		br.Q = int(min(max(n, 0), 1000))
	case "flags":
		n, err := valueInt(s, v)
		if err != nil && !v.IsNull() {
			return err
		}
		br.Flags = uint32(n)
	case "socket":
		tmp := *c
		tmp.ForceSocket = br.Socket
		if err := setSocketOut(&tmp, s, v); err != nil {
			return err
		}
		br.Socket = tmp.ForceSocket
	default:
		return errf(s, "unknown branch field "+quote(field))
	}
	return nil
}

// branchIndex resolves the spec's index over n branches. Without an
// index $branch means the first extra branch and $msg.branch.* the last
// one (the branch the script just added).
func branchIndex(c *api.Ctx, s *Spec, n int) (IndexKind, int, bool, error) {
	kind, i, err := s.IndexValue(c)
	if err != nil {
		return kind, 0, false, err
	}
	if kind != IdxInt {
		i = 0
		if s.Name != "branch" {
			i = n - 1
		}
	}
	if i < 0 {
		i += n
	}
	return kind, i, i >= 0 && i < n, nil
}

// branchGetter implements $branch(field) and $msg.branch.FIELD: the
// field of the idx-th extra branch, [*] the fields of all joined by ", ".
func branchGetter(fixed string) func(*api.Ctx, *Spec) (api.Value, error) {
	return func(c *api.Ctx, s *Spec) (api.Value, error) {
		if c == nil || reqOf(c) == nil || len(c.Branches) == 0 {
			return api.Null, nil
		}
		field := fixed
		if f, ok := s.Parsed.(string); ok {
			field = f
		}
		if kind, _, _ := s.IndexValue(c); kind == IdxAll {
			return selectIdx(c, s, len(c.Branches), func(i int) string {
				return Str(branchField(&c.Branches[i], field))
			})
		}
		_, i, ok, err := branchIndex(c, s, len(c.Branches))
		if err != nil || !ok {
			return api.Null, err
		}
		return branchField(&c.Branches[i], field), nil
	}
}

// branchSetter writes the field of the idx-th branch; "$branch = uri" and
// "$msg.branch = uri" (no field, no index) append a new branch, and
// "= null" removes one ([*]: all).
func branchSetter(fixed string) func(*api.Ctx, *Spec, api.Value) error {
	return func(c *api.Ctx, s *Spec, v api.Value) error {
		if reqOf(c) == nil {
			return errf(s, "branches exist only for requests")
		}
		field := fixed
		if f, ok := s.Parsed.(string); ok {
			field = f
		}
		if field == "" {
			if s.Index.Kind == IdxNone && !v.IsNull() {
				br := api.Branch{Q: -1}
				if err := setBranchField(c, s, &br, "uri", v); err != nil {
					return err
				}
				c.Branches = append(c.Branches, br)
				return nil
			}
			if v.IsNull() {
				kind, i, ok, err := branchIndex(c, s, len(c.Branches))
				if err != nil {
					return err
				}
				if kind == IdxAll {
					c.Branches = c.Branches[:0]
					return nil
				}
				if ok {
					c.Branches = append(c.Branches[:i], c.Branches[i+1:]...)
				}
				return nil
			}
		}
		_, i, ok, err := branchIndex(c, s, len(c.Branches))
		if err != nil {
			return err
		}
		if !ok {
			return errf(s, "no such branch")
		}
		return setBranchField(c, s, &c.Branches[i], field, v)
	}
}

// branchFlagGetter is $msg.branch.flag(NAME)[idx]; idx defaults to the
// last branch.
func branchFlagGetter(c *api.Ctx, s *Spec) (api.Value, error) {
	name, err := s.InnerName(c)
	if err != nil {
		return api.Null, err
	}
	if c == nil || len(c.Branches) == 0 {
		return api.Null, nil
	}
	_, i, ok, err := branchIndex(c, s, len(c.Branches))
	if err != nil || !ok {
		return api.Null, err
	}
	bit, known := flagBit(c, name, true)
	return boolVal(known && c.Branches[i].Flags&(1<<bit) != 0), nil
}

func branchFlagSetter(c *api.Ctx, s *Spec, v api.Value) error {
	name, err := s.InnerName(c)
	if err != nil {
		return err
	}
	_, i, ok, err := branchIndex(c, s, len(c.Branches))
	if err != nil {
		return err
	}
	if !ok {
		return errf(s, "no such branch")
	}
	bit, known := flagBit(c, name, true)
	if !known {
		return errf(s, "unknown branch flag "+quote(name))
	}
	if flagOn(v) {
		c.Branches[i].Flags |= 1 << bit
	} else {
		c.Branches[i].Flags &^= 1 << bit
	}
	return nil
}

func getLastBranchIdx(c *api.Ctx, _ *Spec) (api.Value, error) {
	if c == nil || len(c.Branches) == 0 {
		return api.Null, nil
	}
	return IntStr(int64(len(c.Branches) - 1)), nil
}
