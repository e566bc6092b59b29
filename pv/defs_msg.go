package pv

import (
	"strconv"
	"strings"

	"gosips/api"
)

func getMethod(c *api.Ctx, _ *Spec) (api.Value, error) {
	m := msgOf(c)
	if m == nil {
		return api.Null, nil
	}
	return strOrNull(m.Method()), nil
}

// getStatus returns the reply code with the text of the status line as its
// string form.
func getStatus(c *api.Ctx, _ *Spec) (api.Value, error) {
	m := msgOf(c)
	if m == nil || m.IsRequest() {
		return api.Null, nil
	}
	code := m.StatusCode()
	line := m.FirstLine()
	if sp := strings.IndexByte(line, ' '); sp >= 0 && len(line) >= sp+4 {
		return intText(int64(code), line[sp+1:sp+4]), nil
	}
	return IntStr(int64(code)), nil
}

func getReason(c *api.Ctx, _ *Spec) (api.Value, error) {
	m := msgOf(c)
	if m == nil || m.IsRequest() {
		return api.Null, nil
	}
	return api.StrValue(m.Reason()), nil
}

func getMsgLen(c *api.Ctx, _ *Spec) (api.Value, error) {
	m := msgOf(c)
	if m == nil {
		return api.Null, nil
	}
	return IntStr(int64(len(m.String()))), nil
}

func getMsgBuf(c *api.Ctx, _ *Spec) (api.Value, error) {
	m := msgOf(c)
	if m == nil {
		return api.Null, nil
	}
	return api.StrValue(m.String()), nil
}

func getMsgID(c *api.Ctx, _ *Spec) (api.Value, error) {
	if h, ok := ctxPriv[MsgIDer](c); ok {
		return IntStr(int64(h.MsgID())), nil
	}
	return api.Null, nil
}

func getPathVec(c *api.Ctx, _ *Spec) (api.Value, error) {
	if c == nil {
		return api.Null, nil
	}
	return strOrNull(c.Path), nil
}

// flagNames prints the names of the set bits, separated by spaces, as
// OpenSIPS prints flag lists.
func flagNames(flags uint32, name func(int) string) string {
	if flags == 0 {
		return ""
	}
	var b strings.Builder
	for bit := 0; bit < 32; bit++ {
		if flags&(1<<bit) == 0 {
			continue
		}
		n := name(bit)
		if n == "" {
			n = strconv.Itoa(bit)
		}
		if b.Len() > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(n)
	}
	return b.String()
}

func getMsgFlags(c *api.Ctx, _ *Spec) (api.Value, error) {
	if c == nil {
		return api.StrValue(""), nil
	}
	name := func(int) string { return "" }
	if c.Core != nil {
		name = c.Core.MsgFlagName
	}
	return api.StrValue(flagNames(c.Flags, name)), nil
}

func getBranchFlags(c *api.Ctx, _ *Spec) (api.Value, error) {
	if c == nil {
		return api.StrValue(""), nil
	}
	name := func(int) string { return "" }
	if c.Core != nil {
		name = c.Core.BranchFlagName
	}
	return api.StrValue(flagNames(c.BFlags, name)), nil
}

// flagBit maps a flag name to its bit at run time.
func flagBit(c *api.Ctx, name string, branch bool) (int, bool) {
	if c == nil {
		return 0, false
	}
	r, ok := ctxPriv[FlagResolver](c)
	if !ok {
		r, ok = c.Core.(FlagResolver)
	}
	if ok {
		if branch {
			return r.BranchFlagBit(name)
		}
		return r.MsgFlagBit(name)
	}
	if c.Core == nil {
		return 0, false
	}
	for bit := 0; bit < 32; bit++ {
		var n string
		if branch {
			n = c.Core.BranchFlagName(bit)
		} else {
			n = c.Core.MsgFlagName(bit)
		}
		if n == "" {
			return 0, false
		}
		if n == name {
			return bit, true
		}
	}
	return 0, false
}

var (
	valTrue  = intText(1, "1")
	valFalse = intText(0, "0")
)

func boolVal(b bool) api.Value {
	if b {
		return valTrue
	}
	return valFalse
}

// flagOn tells whether a value assigned to a flag sets it: NULL, 0, ""
// and "0" reset it.
func flagOn(v api.Value) bool {
	switch {
	case v.IsNull():
		return false
	case v.IsInt():
		return v.I != 0
	}
	return v.S != "" && v.S != "0"
}

func getMsgFlag(c *api.Ctx, s *Spec) (api.Value, error) {
	name, err := s.InnerName(c)
	if err != nil {
		return api.Null, err
	}
	bit, ok := flagBit(c, name, false)
	if !ok {
		return valFalse, nil
	}
	return boolVal(c.Flags&(1<<bit) != 0), nil
}

func setMsgFlag(c *api.Ctx, s *Spec, v api.Value) error {
	name, err := s.InnerName(c)
	if err != nil {
		return err
	}
	bit, ok := flagBit(c, name, false)
	if !ok {
		return errf(s, "unknown message flag "+quote(name))
	}
	if flagOn(v) {
		c.Flags |= 1 << bit
	} else {
		c.Flags &^= 1 << bit
	}
	return nil
}

func getIsRequest(c *api.Ctx, _ *Spec) (api.Value, error) {
	m := msgOf(c)
	if m == nil {
		return api.Null, nil
	}
	return boolVal(m.IsRequest()), nil
}

func getMsgType(c *api.Ctx, _ *Spec) (api.Value, error) {
	m := msgOf(c)
	if m == nil {
		return api.Null, nil
	}
	if m.IsRequest() {
		return api.StrValue("request"), nil
	}
	return api.StrValue("reply"), nil
}

// errField reads one $err.* field; without an error the numbers are 0 and
// the texts NULL.
func errField(f func(*api.ErrInfo) api.Value) func(*api.Ctx, *Spec) (api.Value, error) {
	return func(c *api.Ctx, _ *Spec) (api.Value, error) {
		e := &api.ErrInfo{}
		if c != nil && c.Err != nil {
			e = c.Err
		}
		return f(e), nil
	}
}

// parsePositive is the ParseInner of $param / $return: a number, kept as
// an int; other names (event route parameters) stay strings.
func parsePositive(in string) (any, error) {
	if n, ok := strictInt(strings.TrimSpace(in)); ok {
		return int(n), nil
	}
	return in, nil
}

// specNumber returns the inner name of s as a number.
func specNumber(c *api.Ctx, s *Spec) (int, bool, error) {
	if n, ok := s.Parsed.(int); ok && s.InnerPV == nil {
		return n, true, nil
	}
	in, err := s.InnerName(c)
	if err != nil {
		return 0, false, err
	}
	n, ok := strictInt(strings.TrimSpace(in))
	return int(n), ok, nil
}

// getParam is $param(n): the n-th (1-based) argument of route(name, ...).
// In an event_route, $param(name) is the event attribute called name
// and $param(n) the n-th attribute when the route got no arguments.
func getParam(c *api.Ctx, s *Spec) (api.Value, error) {
	if c == nil {
		return api.Null, nil
	}
	evp, isEvent := c.Slot(api.EventParamsSlot{}).(api.EventParams)
	if isEvent && len(c.Params) == 0 {
		in, err := s.InnerName(c)
		if err != nil {
			return api.Null, err
		}
		if n, ok := strictInt(strings.TrimSpace(in)); ok {
			if n < 1 || int(n) > len(evp) {
				return api.Null, nil
			}
			return evp[n-1].Value, nil
		}
		v, _ := evp.Get(in)
		return v, nil
	}
	n, ok, err := specNumber(c, s)
	if err != nil || !ok || n < 1 || n > len(c.Params) {
		return api.Null, err
	}
	return c.Params[n-1], nil
}

// getReturn is $return(n): the n-th (0-based) extra return value.
func getReturn(c *api.Ctx, s *Spec) (api.Value, error) {
	n, ok, err := specNumber(c, s)
	if err != nil || !ok {
		return api.Null, err
	}
	h, hok := ctxPriv[ReturnValuer](c)
	if !hok {
		return api.Null, nil
	}
	vals := h.ReturnValues()
	if n < 0 || n >= len(vals) {
		return api.Null, nil
	}
	return vals[n], nil
}

func getArgv(c *api.Ctx, s *Spec) (api.Value, error) {
	h, ok := ctxPriv[ArgvHolder](c)
	if !ok {
		return api.Null, nil
	}
	name, err := s.InnerName(c)
	if err != nil {
		return api.Null, err
	}
	if v, ok := h.Argv(name); ok {
		return api.StrValue(v), nil
	}
	return api.Null, nil
}

func getCfgLine(c *api.Ctx, _ *Spec) (api.Value, error) {
	if h, ok := ctxPriv[CfgLocator](c); ok {
		_, line := h.CfgPos()
		return IntStr(int64(line)), nil
	}
	return api.Null, nil
}

func getCfgFile(c *api.Ctx, _ *Spec) (api.Value, error) {
	if h, ok := ctxPriv[CfgLocator](c); ok {
		file, _ := h.CfgPos()
		return strOrNull(file), nil
	}
	return api.Null, nil
}

// frameName prints a route frame as it is written: "route",
// "route[relay]", "failure_route[missed]".
func frameName(f RouteFrame) string {
	if f.Name == "" {
		return f.Type.BlockName()
	}
	return f.Type.BlockName() + "[" + f.Name + "]"
}

// routeGetter reads the route stack: index 0 (or none) is the current
// route, 1 its caller, -1 the outermost. $route without an index prints
// the whole stack, outermost first, joined by " > ".
func routeGetter(part func(RouteFrame) string, whole bool) func(*api.Ctx, *Spec) (api.Value, error) {
	return func(c *api.Ctx, s *Spec) (api.Value, error) {
		h, ok := ctxPriv[RouteStacker](c)
		if !ok {
			return api.Null, nil
		}
		st := h.RouteStack()
		if len(st) == 0 {
			return api.Null, nil
		}
		kind, i, err := s.IndexValue(c)
		if err != nil {
			return api.Null, err
		}
		switch {
		case kind == IdxNone && whole:
			parts := make([]string, len(st))
			for k, f := range st {
				parts[k] = part(f)
			}
			return api.StrValue(strings.Join(parts, " > ")), nil
		case kind == IdxAll:
			parts := make([]string, len(st))
			for k := range st {
				parts[k] = part(st[len(st)-1-k])
			}
			return api.StrValue(strings.Join(parts, ", ")), nil
		case kind != IdxInt:
			i = 0
		}
		if i < 0 {
			i += len(st)
		}
		if i < 0 || i >= len(st) {
			return api.Null, nil
		}
		return strOrNull(part(st[len(st)-1-i])), nil
	}
}

// logLevelGetter reads the process log level ($log_level) or the xlog
// level ($xlog_level).
func logLevelGetter(xlog bool) getFunc {
	return func(c *api.Ctx, _ *Spec) (api.Value, error) {
		if h, ok := ctxPriv[LogLeveler](c); ok {
			return IntStr(int64(h.LogLevel(xlog))), nil
		}
		return api.Null, nil
	}
}

// logLevelSetter changes the level; NULL restores the configured one.
func logLevelSetter(xlog bool) setFunc {
	return func(c *api.Ctx, s *Spec, v api.Value) error {
		h, ok := ctxPriv[LogLeveler](c)
		if !ok {
			return errf(s, "log levels "+ErrNotImplemented.Error())
		}
		if v.IsNull() {
			h.SetLogLevel(xlog, 0, true)
			return nil
		}
		n, err := valueInt(s, v)
		if err != nil {
			return err
		}
		h.SetLogLevel(xlog, int(n), false)
		return nil
	}
}
