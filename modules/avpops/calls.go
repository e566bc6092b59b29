package avpops

import (
	"math/rand/v2"
	"sort"
	"strings"

	"gosips/api"
	"gosips/pv"
	"gosips/sip"
)

func store(c *api.Ctx) *pv.AVPStore {
	if h, ok := c.Priv.(pv.AVPHolder); ok {
		return h.AVPs()
	}
	return nil
}

func spec(a any) (AVPSpec, bool) { s, ok := a.(AVPSpec); return s, ok && s.Name != "" }

func ret(ok bool) api.Ret {
	if ok {
		return api.RetTrue
	}
	return api.RetFalse
}

// all reports whether flags ask for every value ("g").
func all(flags string) bool { return strings.Contains(flags, "g") }

func avpPrint(c *api.Ctx, _ []any) api.Ret {
	st := store(c)
	if st == nil {
		return api.RetTrue
	}
	names := st.Names()
	sort.Strings(names)
	for _, n := range names {
		for i, v := range st.All(n) {
			c.Log.Info("avp", "name", n, "index", i, "value", pv.Print(v))
		}
	}
	return api.RetTrue
}

// avpDelete is avp_delete("$avp(x)[/g]"): the newest value, or all.
func avpDelete(c *api.Ctx, args []any) api.Ret {
	sp, ok := spec(args[0])
	st := store(c)
	if !ok || st == nil {
		return api.RetFalse
	}
	if all(sp.Flags) {
		st.DelAll(sp.Name)
	} else {
		st.DelAt(sp.Name, 0)
	}
	return api.RetTrue
}

func isAVPSet(c *api.Ctx, args []any) api.Ret {
	sp, ok := spec(args[0])
	st := store(c)
	return ret(ok && st != nil && st.Count(sp.Name) > 0)
}

// avpCopy is avp_copy(src, "dst[/g][/d]"): the newest value (or all),
// moved instead of copied with "d".
func avpCopy(c *api.Ctx, args []any) api.Ret {
	src, ok1 := spec(args[0])
	dst, ok2 := spec(args[1])
	st := store(c)
	if !ok1 || !ok2 || st == nil || st.Count(src.Name) == 0 {
		return api.RetFalse
	}
	vals := st.All(src.Name)
	if !all(dst.Flags) {
		vals = vals[:1]
	}
	for i := len(vals) - 1; i >= 0; i-- {
		st.Push(dst.Name, vals[i])
	}
	if strings.Contains(dst.Flags, "d") {
		if all(dst.Flags) {
			st.DelAll(src.Name)
		} else {
			st.DelAt(src.Name, 0)
		}
	}
	return api.RetTrue
}

func avpShuffle(c *api.Ctx, args []any) api.Ret {
	sp, ok := spec(args[0])
	st := store(c)
	if !ok || st == nil {
		return api.RetFalse
	}
	vals := st.All(sp.Name)
	rand.Shuffle(len(vals), func(i, j int) { vals[i], vals[j] = vals[j], vals[i] })
	st.DelAll(sp.Name)
	for i := len(vals) - 1; i >= 0; i-- {
		st.Push(sp.Name, vals[i])
	}
	return api.RetTrue
}

// avpWrite is avp_write(value, name) and avp_printf(name, format).
func avpWrite(nameIdx, valIdx int) func(*api.Ctx, []any) api.Ret {
	return func(c *api.Ctx, args []any) api.Ret {
		sp, ok := spec(args[nameIdx])
		st := store(c)
		v, _ := args[valIdx].(string)
		if !ok || st == nil {
			return api.RetFalse
		}
		st.Push(sp.Name, api.StrValue(v))
		return api.RetTrue
	}
}

// avpInsert is avp_insert(name, value[, index]).
func avpInsert(c *api.Ctx, args []any) api.Ret {
	sp, ok := spec(args[0])
	st := store(c)
	v, _ := args[1].(string)
	if !ok || st == nil {
		return api.RetFalse
	}
	idx, _ := args[2].(int64)
	vals := st.All(sp.Name)
	if idx <= 0 || int(idx) >= len(vals) {
		if idx <= 0 {
			st.Push(sp.Name, api.StrValue(v))
		} else {
			st.Append(sp.Name, api.StrValue(v))
		}
		return api.RetTrue
	}
	vals = append(vals[:idx], append([]api.Value{api.StrValue(v)}, vals[idx:]...)...)
	st.DelAll(sp.Name)
	for i := len(vals) - 1; i >= 0; i-- {
		st.Push(sp.Name, vals[i])
	}
	return api.RetTrue
}

// avpPushto is avp_pushto(dest, name): the AVP value into the R-URI
// ($ru, $ru/username, $ru/domain), $du, or a new header.
func avpPushto(c *api.Ctx, args []any) api.Ret {
	dest, _ := args[0].(string)
	sp, ok := spec(args[1])
	st := store(c)
	if !ok || st == nil || c.Msg == nil || st.Count(sp.Name) == 0 {
		return api.RetFalse
	}
	vals := st.All(sp.Name)
	if !all(sp.Flags) {
		vals = vals[:1]
	}
	base, part, _ := strings.Cut(dest, "/")
	switch {
	case base == "$ru" && part == "":
		c.Msg.SetRURI(pv.Str(vals[0]))
	case base == "$ru":
		return ret(pushRURIPart(c, part, pv.Str(vals[0])))
	case base == "$du":
		c.DstURI = pv.Str(vals[0])
	case base == "$br":
		for _, v := range vals {
			c.Branches = append(c.Branches, api.Branch{URI: pv.Str(v), Q: -1})
		}
	default:
		name := strings.TrimSuffix(strings.TrimPrefix(base, "$hdr("), ")")
		for _, v := range vals {
			c.Msg.AppendHeader(name, pv.Str(v))
		}
	}
	return api.RetTrue
}

func pushRURIPart(c *api.Ctx, part, v string) bool {
	u, err := sip.ParseURI(c.Msg.RURI())
	if err != nil {
		return false
	}
	switch part {
	case "username":
		u.User = v
	case "domain":
		u.Host = v
	default:
		return false
	}
	c.Msg.SetRURI(u.String())
	return true
}
