package cfgutils

import (
	"fmt"
	"strings"

	"gosips/api"
)

// routes are all but the error route, as cfgutils declares them.
const routes = api.AllRoutes &^ api.ErrorRoute

// Funcs lists cfgutils' script functions (OpenSIPS 3.6 cfgutils.c).
func (c *CfgUtils) Funcs() []api.Func {
	i := func(n string) api.Arg { return api.Arg{Name: n, Type: api.ArgInt} }
	s := func(n string) api.Arg { return api.Arg{Name: n, Type: api.ArgStr} }
	v := func(n string) api.Arg { return api.Arg{Name: n, Type: api.ArgVar, Writable: true} }
	opt := func(a api.Arg) api.Arg { a.Optional = true; return a }
	return []api.Func{
		{Name: "rand_set_prob", Call: c.randSetProb, Routes: routes, Returns: "1", Args: []api.Arg{{Name: "percent", Type: api.ArgInt, Fixup: percentFixup}}},
		{Name: "rand_reset_prob", Call: c.randResetProb, Routes: routes, Returns: "1"},
		{Name: "rand_get_prob", Call: c.randGetProb, Routes: routes, Returns: "the current probability"},
		{Name: "rand_event", Call: c.randEvent, Routes: routes, Returns: "1 with the probability, -1 otherwise",
			Args: []api.Arg{{Name: "percent", Type: api.ArgInt, Optional: true, Fixup: percentFixup}}},
		{Name: "sleep", Call: sleepSec, Routes: routes, Async: true, Returns: "1", Args: []api.Arg{i("seconds")}},
		{Name: "usleep", Call: sleepUsec, Routes: routes, Async: true, Returns: "1", Args: []api.Arg{i("microseconds")}},
		{Name: "abort", Call: abort, Routes: routes, Returns: "does not return"},
		{Name: "pkg_status", Call: memStatus, Routes: routes, Returns: "1"},
		{Name: "shm_status", Call: memStatus, Routes: routes, Returns: "1"},
		{Name: "set_count", Call: setCount, Routes: routes, Returns: "the number of values", Args: []api.Arg{v("var"), v("result")}},
		{Name: "set_select_weight", Call: setSelectWeight, Routes: routes, Returns: "the selected index, -1 on error", Args: []api.Arg{v("avp")}},
		{Name: "get_accurate_time", Call: getAccurateTime, Routes: routes, Returns: "1 ok, -1 error",
			Args: []api.Arg{v("sec"), v("usec"), opt(v("str"))}},
		{Name: "ts_usec_delta", Call: tsUsecDelta, Routes: routes, Returns: "1 ok, -1 error",
			Args: []api.Arg{i("t1_sec"), i("t1_usec"), i("t2_sec"), i("t2_usec"), opt(v("delta_str")), opt(v("delta_int"))}},
		{Name: "get_static_lock", Call: c.lockFn(false, true), Routes: routes, Returns: "1", Args: []api.Arg{s("key")}},
		{Name: "release_static_lock", Call: c.lockFn(false, false), Routes: routes, Returns: "1", Args: []api.Arg{s("key")}},
		{Name: "get_dynamic_lock", Call: c.lockFn(true, true), Routes: routes, Returns: "1", Args: []api.Arg{s("key")}},
		{Name: "release_dynamic_lock", Call: c.lockFn(true, false), Routes: routes, Returns: "1", Args: []api.Arg{s("key")}},
		{Name: "strings_share_lock", Call: c.stringsShareLock, Routes: routes, Returns: "1 same lock, -1 not", Args: []api.Arg{s("key1"), s("key2")}},
		{Name: "check_time_rec", Call: checkTimeRec, Routes: api.AllRoutes, Returns: "1 the time matches, -1 not, -2 error",
			Args: []api.Arg{s("time_rec"), opt(i("timestamp"))}},
		{Name: "shuffle_avps", Call: shuffleAVPs, Routes: api.AllRoutes, Returns: "1",
			Args: []api.Arg{{Name: "avp", Type: api.ArgVar, Writable: true, Fixup: avpFixup, FixupDynamic: true}}},
	}
}

func percentFixup(fc *api.FixupCtx, a *api.FixArg) error {
	if a.Int < 0 || a.Int > 100 {
		return fmt.Errorf("probability %d out of range (0-100)", a.Int)
	}
	return nil
}

// avpFixup checks the variable is an AVP.
func avpFixup(fc *api.FixupCtx, a *api.FixArg) error {
	if s := strings.TrimSpace(a.Str); strings.HasPrefix(s, "$") && !strings.HasPrefix(s, "$avp(") {
		return fmt.Errorf("%s must be an AVP ($avp(name))", s)
	}
	return nil
}
