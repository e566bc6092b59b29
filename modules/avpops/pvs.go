package avpops

import (
	"fmt"
	"strconv"
	"strings"

	"gosips/api"
)

// operand is the value of an avp_check/avp_op argument: an AVP (newest
// value), another PV, or a constant; 1.x "i:"/"s:" prefixes type it.
func (m *AVPOps) operand(c *api.Ctx, raw string) (api.Value, error) {
	switch {
	case strings.HasPrefix(raw, "$avp("):
		sp, err := parseAVP(nil, raw)
		if err != nil {
			return api.Null, err
		}
		st := store(c)
		if st == nil {
			return api.Null, fmt.Errorf("no AVP store")
		}
		return st.Get(sp.Name, 0), nil
	case strings.HasPrefix(raw, "$"):
		return m.pvs.Get(c, raw)
	case strings.HasPrefix(raw, "i:"):
		n, ok := parseInt(raw[2:])
		if !ok {
			return api.Null, fmt.Errorf("bad integer %q", raw)
		}
		return api.IntValue(n), nil
	case strings.HasPrefix(raw, "s:"):
		return api.StrValue(raw[2:]), nil
	}
	if n, ok := parseInt(raw); ok {
		return api.IntValue(n), nil
	}
	return api.StrValue(raw), nil
}

// parseInt reads a decimal or 0x-prefixed hexadecimal integer.
func parseInt(s string) (int64, bool) {
	s = strings.TrimSpace(s)
	if h, ok := strings.CutPrefix(strings.ToLower(s), "0x"); ok {
		n, err := strconv.ParseInt(h, 16, 64)
		return n, err == nil
	}
	n, err := strconv.ParseInt(s, 10, 64)
	return n, err == nil
}

// intOf returns v as an integer: ints as they are, numeric strings parsed.
func intOf(v api.Value) (int64, bool) {
	if v.IsInt() {
		return v.I, true
	}
	if v.IsStr() {
		return parseInt(v.S)
	}
	return 0, false
}
