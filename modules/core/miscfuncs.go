package core

import (
	"sort"
	"strconv"
	"time"

	"gosips/api"
	"gosips/pv"
)

func pvPrintf(c *api.Ctx, args []any) api.Ret {
	v, ok := args[0].(api.PVRef)
	if !ok {
		return api.RetFalse
	}
	if err := v.Set(c, api.StrValue(api.StrArg(args[1]))); err != nil {
		c.Log.Error("pv_printf: cannot assign", "var", v.Name(), "err", err)
		return api.RetFalse
	}
	return api.RetTrue
}

func getTimestamp(c *api.Ctx, args []any) api.Ret {
	sec, ok1 := args[0].(api.PVRef)
	usec, ok2 := args[1].(api.PVRef)
	if !ok1 || !ok2 {
		return api.RetFalse
	}
	now := time.Now()
	if sec.Set(c, api.IntValue(now.Unix())) != nil || usec.Set(c, api.IntValue(int64(now.Nanosecond()/1000))) != nil {
		return api.RetFalse
	}
	return api.RetTrue
}

// avpPrint is avp_print(): every AVP of the transaction to the log.
func avpPrint(c *api.Ctx, _ []any) api.Ret {
	h, ok := c.Priv.(pv.AVPHolder)
	if !ok {
		return api.RetTrue
	}
	st := h.AVPs()
	names := st.Names()
	sort.Strings(names)
	for _, n := range names {
		for i, v := range st.All(n) {
			emit(c, LogInfo, "$avp("+n+")["+strconv.Itoa(i)+"] = "+pv.Print(v))
		}
	}
	return api.RetTrue
}

// noop returns 1: error(), an OpenSER-era function that never did
// anything.
func noop(c *api.Ctx, _ []any) api.Ret { return api.RetTrue }
