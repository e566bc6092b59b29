package avpops

import (
	"fmt"
	"gosips/internal/fnmatch"
	"regexp"
	"strconv"
	"strings"

	"gosips/api"
	"gosips/pv"
)

// opArg is a parsed "op/value[/flags]" argument.
type opArg struct {
	op, value, flags string
}

// splitOp splits "op/value[/flags]"; a last segment made only of flag
// letters is taken as the flags, so values may hold "/" (regexps).
func splitOp(s string) opArg {
	op, rest, _ := strings.Cut(strings.TrimSpace(s), "/")
	a := opArg{op: strings.ToLower(op), value: rest}
	if i := strings.LastIndex(rest, "/"); i >= 0 && isFlags(rest[i+1:]) {
		a.value, a.flags = rest[:i], strings.ToLower(rest[i+1:])
	}
	return a
}

func isFlags(s string) bool {
	return s != "" && strings.Trim(strings.ToLower(s), "gid") == ""
}

// avpCheck is avp_check(name, "op/value[/flags]"): the newest value (all
// with "g", true on the first match) compared with value; "i" compares
// strings ignoring case.
func (m *AVPOps) avpCheck(c *api.Ctx, args []any) api.Ret {
	sp, ok := spec(args[0])
	raw, _ := args[1].(string)
	st := store(c)
	if !ok || st == nil || st.Count(sp.Name) == 0 {
		return api.RetFalse
	}
	oa := splitOp(raw)
	want, err := m.operand(c, oa.value)
	if err != nil {
		c.Log.Error("avp_check: bad value", "value", oa.value, "err", err)
		return api.RetFalse
	}
	vals := st.All(sp.Name)
	if !all(oa.flags) {
		vals = vals[:1]
	}
	fold := strings.Contains(oa.flags, "i")
	for _, v := range vals {
		match, err := m.check(oa.op, v, want, fold)
		if err != nil {
			c.Log.Error("avp_check failed", "avp", sp.Name, "op", oa.op, "err", err)
			return api.RetFalse
		}
		if match {
			return api.RetTrue
		}
	}
	return api.RetFalse
}

// check applies one comparison: numeric when both sides are integers,
// textual otherwise.
func (m *AVPOps) check(op string, v, want api.Value, fold bool) (bool, error) {
	switch op {
	case "re", "fm":
		re, err := m.pattern(op, pv.Str(want), fold)
		if err != nil {
			return false, err
		}
		return re.MatchString(pv.Str(v)), nil
	case "and", "or", "xor":
		a, ok1 := intOf(v)
		b, ok2 := intOf(want)
		if !ok1 || !ok2 {
			return false, fmt.Errorf("%s needs integers", op)
		}
		switch op {
		case "and":
			return a&b != 0, nil
		case "or":
			return a|b != 0, nil
		}
		return a^b != 0, nil
	}
	var cmp int
	if a, b := v, want; a.IsInt() && (b.IsInt() || isNumeric(b)) {
		bi, _ := intOf(b)
		cmp = compareInt(a.I, bi)
	} else {
		x, y := pv.Str(v), pv.Str(want)
		if fold {
			x, y = strings.ToLower(x), strings.ToLower(y)
		}
		cmp = strings.Compare(x, y)
	}
	switch op {
	case "eq":
		return cmp == 0, nil
	case "ne":
		return cmp != 0, nil
	case "lt":
		return cmp < 0, nil
	case "le":
		return cmp <= 0, nil
	case "gt":
		return cmp > 0, nil
	case "ge":
		return cmp >= 0, nil
	}
	return false, fmt.Errorf("unknown operation %q", op)
}

func isNumeric(v api.Value) bool { _, ok := intOf(v); return ok }

func compareInt(a, b int64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// target splits the flags of "$avp(src)[/$avp(dst)][/flags]" into the
// destination name (src when absent) and the flag letters.
func target(src AVPSpec) (dst, flags string, err error) {
	dst, rest := src.Name, src.Flags
	if strings.HasPrefix(rest, "$") || strings.HasPrefix(rest, "s:") || strings.HasPrefix(rest, "i:") {
		end := len(rest)
		if i := strings.Index(rest, ")"); i >= 0 && strings.HasPrefix(rest, "$") {
			end = i + 1
		} else if i := strings.IndexByte(rest, '/'); i >= 0 {
			end = i
		}
		d, err := parseAVP(nil, rest[:end])
		if err != nil {
			return "", "", err
		}
		dst, rest = d.Name, strings.TrimPrefix(rest[end:], "/")
	}
	return dst, strings.ToLower(rest), nil
}

// results stores new values for avp_op and avp_subst: pushed onto dst
// (in the order of the sources, so the newest source's result ends on
// top); with "d" the source values used are deleted first.
func results(st *pv.AVPStore, src, dst string, used int, out []api.Value, del bool) {
	if del {
		for range used {
			st.DelAt(src, 0)
		}
	}
	for i := len(out) - 1; i >= 0; i-- {
		st.Push(dst, out[i])
	}
}

// avpOp is avp_op("$avp(src)[/$avp(dst)]", "op/value[/flags]"): the
// integer result goes to dst (src when absent); "g" works on every value,
// "d" deletes the source values.
func (m *AVPOps) avpOp(c *api.Ctx, args []any) api.Ret {
	sp, ok := spec(args[0])
	raw, _ := args[1].(string)
	st := store(c)
	if !ok || st == nil || st.Count(sp.Name) == 0 {
		return api.RetFalse
	}
	dst, nflags, err := target(sp)
	if err != nil {
		c.Log.Error("avp_op: bad destination", "err", err)
		return api.RetFalse
	}
	oa := splitOp(raw)
	flags := nflags + oa.flags
	var b int64
	if oa.op != "not" && oa.op != "bnot" {
		w, err := m.operand(c, oa.value)
		bi, ok := intOf(w)
		if err != nil || !ok {
			c.Log.Error("avp_op: the value is not an integer", "value", oa.value, "err", err)
			return api.RetFalse
		}
		b = bi
	}
	vals := st.All(sp.Name)
	if !all(flags) {
		vals = vals[:1]
	}
	out := make([]api.Value, 0, len(vals))
	for _, v := range vals {
		a, ok := intOf(v)
		if !ok {
			c.Log.Error("avp_op: AVP value is not an integer", "avp", sp.Name, "value", pv.Str(v))
			return api.RetFalse
		}
		r, err := arith(oa.op, a, b)
		if err != nil {
			c.Log.Error("avp_op failed", "avp", sp.Name, "err", err)
			return api.RetFalse
		}
		out = append(out, api.IntValue(r))
	}
	results(st, sp.Name, dst, len(vals), out, strings.Contains(flags, "d"))
	return api.RetTrue
}

func arith(op string, a, b int64) (int64, error) {
	switch op {
	case "add":
		return a + b, nil
	case "sub":
		return a - b, nil
	case "mul":
		return a * b, nil
	case "div", "mod":
		if b == 0 {
			return 0, fmt.Errorf("%s by zero", op)
		}
		if op == "div" {
			return a / b, nil
		}
		return a % b, nil
	case "and":
		return a & b, nil
	case "or":
		return a | b, nil
	case "xor":
		return a ^ b, nil
	case "not", "bnot":
		return ^a, nil
	case "lshift":
		return a << uint64(b&63), nil
	case "rshift":
		return a >> uint64(b&63), nil
	}
	return 0, fmt.Errorf("unknown operation %q", op)
}

// avpSubst is avp_subst("$avp(src)[/$avp(dst)][/flags]", "/re/repl/f"):
// the substituted strings go to dst (src when absent); "g" works on every
// value, "d" deletes the source values. It is true when a value changed.
func (m *AVPOps) avpSubst(c *api.Ctx, args []any) api.Ret {
	sp, ok := spec(args[0])
	se := substArg(args[1])
	st := store(c)
	if !ok || se == nil || st == nil || st.Count(sp.Name) == 0 {
		return api.RetFalse
	}
	if err := m.resolveSubst(c, se); err != nil {
		c.Log.Error("avp_subst: cannot resolve the replacement variables", "err", err)
		return api.RetFalse
	}
	dst, flags, err := target(sp)
	if err != nil {
		c.Log.Error("avp_subst: bad destination", "err", err)
		return api.RetFalse
	}
	vals := st.All(sp.Name)
	if !all(flags) {
		vals = vals[:1]
	}
	var out []api.Value
	for _, v := range vals {
		if !v.IsStr() {
			continue
		}
		s, matched, err := se.Replace(c, v.S)
		if err != nil {
			c.Log.Error("avp_subst failed", "avp", sp.Name, "err", err)
			return api.RetFalse
		}
		if matched {
			out = append(out, api.StrValue(s))
		}
	}
	if len(out) == 0 {
		return api.RetFalse
	}
	results(st, sp.Name, dst, len(vals), out, strings.Contains(flags, "d"))
	return api.RetTrue
}

func substArg(a any) *pv.Subst {
	switch v := a.(type) {
	case *pv.Subst:
		return v
	case string:
		if se, err := pv.ParseSubst(v); err == nil {
			return se
		}
	}
	return nil
}

// resolveSubst binds the replacement's PVs once per expression.
func (m *AVPOps) resolveSubst(c *api.Ctx, se *pv.Subst) error {
	m.substMu.Lock()
	defer m.substMu.Unlock()
	if m.substDone[se] {
		return nil
	}
	for _, p := range se.Parts {
		if p.PV == nil || p.PV.Def != nil {
			continue
		}
		h, ok := c.Priv.(pv.TableHolder)
		if !ok {
			return fmt.Errorf("no variable table")
		}
		if err := h.PVTable().Resolve(p.PV); err != nil {
			return err
		}
	}
	if m.substDone == nil {
		m.substDone = map[*pv.Subst]bool{}
	}
	m.substDone[se] = true
	return nil
}

// pattern compiles a re/fm operand once per distinct text: operands are
// usually literals, so the cache stays as small as the script.
func (m *AVPOps) pattern(op, text string, fold bool) (*regexp.Regexp, error) {
	key := op + "\x00" + strconv.FormatBool(fold) + "\x00" + text
	if re, ok := m.patterns.Load(key); ok {
		return re.(*regexp.Regexp), nil
	}
	pat := text
	if op == "fm" {
		pat = fnmatch.ToRegexp(pat)
	}
	if fold {
		pat = "(?i)" + pat
	}
	re, err := regexp.Compile(pat)
	if err != nil {
		return nil, fmt.Errorf("bad pattern %q: %w", text, err)
	}
	m.patterns.Store(key, re)
	return re, nil
}
