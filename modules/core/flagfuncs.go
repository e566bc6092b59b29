package core

import "gosips/api"

// flagBit returns the mask of a fixed flag argument.
func flagBit(a any) (uint32, bool) {
	n, ok := api.IntArg(a)
	if !ok || n < 0 || n > 31 {
		return 0, false
	}
	return 1 << uint(n), true
}

func setflag(c *api.Ctx, args []any) api.Ret {
	if b, ok := flagBit(args[0]); ok {
		c.Flags |= b
		return api.RetTrue
	}
	return api.RetFalse
}

func resetflag(c *api.Ctx, args []any) api.Ret {
	if b, ok := flagBit(args[0]); ok {
		c.Flags &^= b
		return api.RetTrue
	}
	return api.RetFalse
}

func isflagset(c *api.Ctx, args []any) api.Ret {
	if b, ok := flagBit(args[0]); ok && c.Flags&b != 0 {
		return api.RetTrue
	}
	return api.RetFalse
}

// branchFlags returns the flags of branch idx (0 = the R-URI branch,
// n = the n-th extra branch), nil when out of range.
func branchFlags(c *api.Ctx, idxArg any) *uint32 {
	idx, _ := api.IntArg(idxArg)
	switch {
	case idx == 0:
		return &c.BFlags
	case idx > 0 && int(idx) <= len(c.Branches):
		return &c.Branches[idx-1].Flags
	}
	return nil
}

func setbflag(c *api.Ctx, args []any) api.Ret {
	b, ok := flagBit(args[0])
	f := branchFlags(c, args[1])
	if !ok || f == nil {
		return api.RetFalse
	}
	*f |= b
	return api.RetTrue
}

func resetbflag(c *api.Ctx, args []any) api.Ret {
	b, ok := flagBit(args[0])
	f := branchFlags(c, args[1])
	if !ok || f == nil {
		return api.RetFalse
	}
	*f &^= b
	return api.RetTrue
}

func isbflagset(c *api.Ctx, args []any) api.Ret {
	b, ok := flagBit(args[0])
	f := branchFlags(c, args[1])
	if !ok || f == nil || *f&b == 0 {
		return api.RetFalse
	}
	return api.RetTrue
}
