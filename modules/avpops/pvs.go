package avpops

import (
	"fmt"
	"strconv"
	"strings"
	"sync"

	"gosips/api"
	"gosips/pv"
)

// pvCache holds the PVs named in avpops' raw arguments ("$fu/username",
// "eq/$avp(x)"), parsed and resolved against the script's table on first
// use: the arguments are NoExpand, so the compiler does not resolve them.
type pvCache struct {
	mu    sync.Mutex
	specs map[string]*pv.Spec
}

func (p *pvCache) get(c *api.Ctx, raw string) (api.Value, error) {
	p.mu.Lock()
	sp, ok := p.specs[raw]
	p.mu.Unlock()
	if !ok {
		s, err := pv.Parse(raw)
		if err != nil {
			return api.Null, fmt.Errorf("bad variable %q: %w", raw, err)
		}
		h, ok := c.Priv.(pv.TableHolder)
		if !ok {
			return api.Null, fmt.Errorf("variable %q: no variable table", raw)
		}
		if err := h.PVTable().Resolve(s); err != nil {
			return api.Null, fmt.Errorf("variable %q: %w", raw, err)
		}
		p.mu.Lock()
		if p.specs == nil {
			p.specs = map[string]*pv.Spec{}
		}
		p.specs[raw] = s
		p.mu.Unlock()
		sp = s
	}
	return sp.Get(c)
}

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
		return m.pvs.get(c, raw)
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
