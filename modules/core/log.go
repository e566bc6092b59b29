package core

import (
	"context"
	"log/slog"
	"strings"

	"gosips/api"
	"gosips/pv"
)

// slogLevel maps an OpenSIPS log level onto slog: NOTICE sits between
// INFO and WARN, ALERT and CRIT above ERROR.
func slogLevel(l int) slog.Level {
	switch {
	case l <= LogAlert:
		return slog.LevelError + 4
	case l == LogCrit:
		return slog.LevelError + 2
	case l == LogErr:
		return slog.LevelError
	case l == LogWarn:
		return slog.LevelWarn
	case l == LogNotice:
		return slog.LevelInfo + 2
	case l == LogInfo:
		return slog.LevelInfo
	}
	return slog.LevelDebug
}

// levels returns the worker's log_level and xlog_level: a $log_level /
// $xlog_level override when the runtime offers one, else the globals.
func (co *Core) levels(c *api.Ctx, xlog bool) int {
	if ll, ok := c.Priv.(pv.LogLeveler); ok {
		return ll.LogLevel(xlog)
	}
	if xlog {
		return co.Config.XlogLevel
	}
	return co.Config.LogLevel
}

// emit prints msg at OpenSIPS level l when the threshold allows it.
func emit(c *api.Ctx, l int, msg string) {
	if c.Log == nil {
		return
	}
	ctx := c.Context
	if ctx == nil {
		ctx = context.Background()
	}
	// OpenSIPS prints these lines without a module part (LM_GEN).
	c.Log.LogAttrs(ctx, slogLevel(l), strings.TrimRight(msg, "\r\n"), slog.Bool(api.LogGenKey, true))
}

// levelArg reads a level argument: the fixed LogLevel, or a level name or
// number evaluated at run time.
func levelArg(a any, def int) int {
	switch v := a.(type) {
	case LogLevel:
		return int(v)
	case int64:
		return int(v)
	case string:
		fa := &api.FixArg{Str: v}
		if XlogLevelFixup(nil, fa) == nil {
			if l, ok := fa.Fixed.(LogLevel); ok {
				return int(l)
			}
		}
	}
	return def
}

// xlog is xlog([level,] format): printed when level <= xlog_level; the
// one-argument form prints at xlog_print_level.
func (co *Core) xlog(c *api.Ctx, args []any) api.Ret {
	l := levelArg(args[0], co.Config.XlogPrintLevel)
	if l <= co.levels(c, true) {
		emit(c, l, api.StrArg(args[1]))
	}
	return api.RetTrue
}

// xdbg is xdbg(format): xlog at L_DBG.
func (co *Core) xdbg(c *api.Ctx, args []any) api.Ret {
	if LogDbg <= co.levels(c, true) {
		emit(c, LogDbg, api.StrArg(args[0]))
	}
	return api.RetTrue
}

// logMsg is log([level,] message): printed when level <= log_level; L_DBG
// without a level.
func (co *Core) logMsg(c *api.Ctx, args []any) api.Ret {
	l := levelArg(args[0], LogDbg)
	if l <= co.levels(c, false) {
		emit(c, l, api.StrArg(args[1]))
	}
	return api.RetTrue
}

// setdebug is the 1.x setdebug([level]): the worker's log_level, reset
// without an argument.
func setdebug(c *api.Ctx, args []any) api.Ret {
	ll, ok := c.Priv.(pv.LogLeveler)
	if !ok {
		return api.RetTrue
	}
	if n, given := api.IntArg(args[0]); given {
		ll.SetLogLevel(false, int(n), false)
	} else {
		ll.SetLogLevel(false, 0, true)
	}
	return api.RetTrue
}
