package core

import (
	"sort"
	"strconv"
	"strings"

	"gosips/api"
	"gosips/pv"
)

func qArg(a any) int {
	if q, ok := a.(Q); ok {
		return int(q)
	}
	if s, ok := a.(string); ok && s != "" {
		if q, err := ParseQ(s); err == nil {
			return int(q)
		}
	}
	return int(QUnspecified)
}

// ruriBranch returns the R-URI branch as a Branch.
func ruriBranch(c *api.Ctx) api.Branch {
	return api.Branch{URI: c.RURI(), DstURI: c.DstURI, Path: c.Path, Q: c.RURIQ, Flags: c.BFlags, Socket: c.ForceSocket}
}

func addBranch(c *api.Ctx, b api.Branch) api.Ret {
	if b.URI == "" {
		return api.RetFalse
	}
	if len(c.Branches)+1 >= MaxBranches {
		c.Log.Error("too many branches", "max", MaxBranches)
		return api.RetFalse
	}
	c.Branches = append(c.Branches, b)
	return api.RetTrue
}

// appendBranchOld is append_branch_old([uri[, q]]) (append_branch before
// 3.6): without a URI the R-URI branch is copied and its attributes reset.
func appendBranchOld(c *api.Ctx, args []any) api.Ret {
	q := qArg(args[1])
	cur := ruriBranch(c)
	if args[0] == nil {
		if q >= 0 {
			cur.Q = q
		}
		rc := addBranch(c, cur)
		c.DstURI, c.Path, c.RURIQ, c.BFlags, c.ForceSocket = "", "", int(QUnspecified), 0, nil
		return rc
	}
	cur.URI, cur.Q = api.StrArg(args[0]), q
	return addBranch(c, cur)
}

// appendMsgBranch is append_msg_branch(uri[, q[, "inherite"]]).
func appendMsgBranch(c *api.Ctx, args []any) api.Ret {
	b := api.Branch{URI: api.StrArg(args[0]), Q: qArg(args[1])}
	inherit := false
	switch f := args[2].(type) {
	case NamedFlags:
		inherit = f&1 != 0
	case string:
		inherit = strings.Contains(f, BranchFlags[0])
	}
	if inherit {
		cur := ruriBranch(c)
		b.DstURI, b.Path, b.Flags, b.Socket = cur.DstURI, cur.Path, cur.Flags, cur.Socket
		if b.Q < 0 {
			b.Q = cur.Q
		}
	}
	return addBranch(c, b)
}

func removeMsgBranch(c *api.Ctx, args []any) api.Ret {
	i, _ := api.IntArg(args[0])
	if i < 0 || int(i) >= len(c.Branches) {
		return api.RetFalse
	}
	c.Branches = append(c.Branches[:i], c.Branches[i+1:]...)
	return api.RetTrue
}

// branchAt reads branch idx; -1 is the R-URI branch.
func branchAt(c *api.Ctx, idx int) (api.Branch, bool) {
	if idx < 0 {
		return ruriBranch(c), true
	}
	if idx >= len(c.Branches) {
		return api.Branch{}, false
	}
	return c.Branches[idx], true
}

func setBranchAt(c *api.Ctx, idx int, b api.Branch) {
	if idx >= 0 {
		c.Branches[idx] = b
		return
	}
	if c.Msg != nil && b.URI != "" {
		c.Msg.SetRURI(b.URI)
	}
	c.DstURI, c.Path, c.RURIQ, c.BFlags, c.ForceSocket = b.DstURI, b.Path, b.Q, b.Flags, b.Socket
}

func idxArg(a any) int {
	if a == nil {
		return -1
	}
	n, _ := api.IntArg(a)
	return int(n)
}

// moveMsgBranch is move_msg_branch(src, dst[, "keep"]): the source branch
// overwrites the destination (-1 or omitted: the R-URI branch).
func moveMsgBranch(c *api.Ctx, args []any) api.Ret {
	src, dst := idxArg(args[0]), idxArg(args[1])
	b, ok := branchAt(c, src)
	if _, okd := branchAt(c, dst); !ok || !okd {
		return api.RetFalse
	}
	setBranchAt(c, dst, b)
	keep, _ := args[2].(bool)
	if s, isStr := args[2].(string); isStr {
		keep = strings.EqualFold(s, "keep")
	}
	if !keep && src >= 0 {
		if dst > src {
			dst--
		}
		c.Branches = append(c.Branches[:src], c.Branches[src+1:]...)
	}
	return api.RetTrue
}

func swapMsgBranches(c *api.Ctx, args []any) api.Ret {
	a, b := idxArg(args[0]), idxArg(args[1])
	ba, oka := branchAt(c, a)
	bb, okb := branchAt(c, b)
	if !oka || !okb {
		return api.RetFalse
	}
	setBranchAt(c, a, bb)
	setBranchAt(c, b, ba)
	return api.RetTrue
}

// serialAVP holds the branches serialize_branches() queued, one encoded
// branch per value, for next_branches().
const serialAVP = "__serial_branches"

func encodeBranch(b api.Branch) string {
	return strings.Join([]string{b.URI, b.DstURI, b.Path, strconv.Itoa(b.Q), strconv.FormatUint(uint64(b.Flags), 10)}, "\x00")
}

func decodeBranch(s string) (api.Branch, int) {
	f := strings.Split(s, "\x00")
	if len(f) != 5 {
		return api.Branch{}, 0
	}
	q, _ := strconv.Atoi(f[3])
	fl, _ := strconv.ParseUint(f[4], 10, 32)
	return api.Branch{URI: f[0], DstURI: f[1], Path: f[2], Q: q, Flags: uint32(fl)}, q
}

// serializeBranches is serialize_branches(clear[, keep_order]): the R-URI
// and extra branches are ordered by q-value (highest first) and queued;
// branches of equal q are tried in parallel. next_branches() loads them.
func serializeBranches(c *api.Ctx, args []any) api.Ret {
	h, ok := c.Priv.(pv.AVPHolder)
	if !ok || c.Msg == nil {
		return api.RetFalse
	}
	st := h.AVPs()
	if clear, _ := api.IntArg(args[0]); clear != 0 {
		st.DelAll(serialAVP)
	} else if st.Count(serialAVP) > 0 {
		return api.RetTrue
	}
	all := append([]api.Branch{ruriBranch(c)}, c.Branches...)
	if len(all) == 1 {
		return api.RetTrue
	}
	keep, _ := api.IntArg(args[1])
	if keep == 0 {
		sort.SliceStable(all, func(i, j int) bool { return all[i].Q > all[j].Q })
	}
	// The store is a stack: push the last group first.
	for i := len(all) - 1; i >= 0; i-- {
		st.Push(serialAVP, api.StrValue(encodeBranch(all[i])))
	}
	c.Branches = c.Branches[:0]
	return api.RetTrue
}

// nextBranches is next_branches(): the next q-group of serialized
// branches becomes the R-URI and the extra branches.
func nextBranches(c *api.Ctx, _ []any) api.Ret {
	h, ok := c.Priv.(pv.AVPHolder)
	if !ok || c.Msg == nil {
		return api.RetFalse
	}
	st := h.AVPs()
	if st.Count(serialAVP) == 0 {
		return api.RetFalse
	}
	first, q := decodeBranch(pv.Str(st.Get(serialAVP, 0)))
	st.DelAt(serialAVP, 0)
	setBranchAt(c, -1, first)
	c.Branches = c.Branches[:0]
	for st.Count(serialAVP) > 0 {
		b, bq := decodeBranch(pv.Str(st.Get(serialAVP, 0)))
		if bq != q {
			break
		}
		st.DelAt(serialAVP, 0)
		c.Branches = append(c.Branches, b)
	}
	return api.RetTrue
}
