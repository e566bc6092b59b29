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
	if err := v.Set(c, api.StrValue(StrArg(args[1]))); err != nil {
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

// cacheOp stands for the cache_* functions: they need a cachedb module,
// which gosips does not have.
func cacheOp(c *api.Ctx, _ []any) api.Ret {
	c.Log.Error("cache operation failed", "err", errNoCacheDB)
	return api.RetFalse
}

// raiseEvent is raise_event(name[, attrs, vals]): without event
// subscribers it is only logged.
func raiseEvent(c *api.Ctx, args []any) api.Ret {
	c.Log.Debug("event raised", "event", StrArg(args[0]))
	return api.RetTrue
}

// subscribeEvent needs the event interface transports, which are not
// available.
func subscribeEvent(c *api.Ctx, args []any) api.Ret {
	c.Log.Error("subscribe_event: no event transport is available", "event", StrArg(args[0]))
	return api.RetFalse
}

// srCheckStatus: no status-report groups exist, so nothing is "ok".
func srCheckStatus(c *api.Ctx, args []any) api.Ret { return api.RetFalse }

// noop returns 1: functions whose effect gosips does not model
// (script_trace, force_tcp_alias, blacklist selection, error()).
func noop(c *api.Ctx, _ []any) api.Ret { return api.RetTrue }

// checkBlacklistRule: no destination blacklists are kept, so no rule
// matches.
func checkBlacklistRule(c *api.Ctx, _ []any) api.Ret { return api.RetFalse }
