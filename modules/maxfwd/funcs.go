package maxfwd

import (
	"gosips/api"
	"gosips/sip"
)

// Return codes of mf_process_maxfwd_header.
const (
	retAdded       api.Ret = 2
	retDecremented api.Ret = 1
	retZero        api.Ret = -1
	retError       api.Ret = -2
)

// current reads the received Max-Forwards value: present is false when
// there is no header, ok false when its value is not a number 0-255.
func current(m *sip.Msg) (val int, present, ok bool) {
	v, present := m.HeaderOf(sip.HdrMaxForwards, "")
	if !present {
		return 0, false, false
	}
	// Leading zeros are allowed: "0068" is 68 (RFC 4475 wsinv).
	for len(v) > 1 && v[0] == '0' {
		v = v[1:]
	}
	if v == "" || len(v) > 3 {
		return 0, true, false
	}
	for i := 0; i < len(v); i++ {
		c := v[i]
		if c < '0' || c > '9' {
			return 0, true, false
		}
		val = val*10 + int(c-'0')
	}
	return val, true, val <= 255
}

// process is mf_process_maxfwd_header(max): add the header with max when
// absent (2), else lower it by one (1), after capping it at max_limit; -1
// when it is already 0 (the script answers 483), -2 when unreadable.
func (m *MaxFwd) process(c *api.Ctx, args []any) api.Ret {
	msg := c.Msg
	if msg == nil || !msg.IsRequest() {
		return retError
	}
	max, _ := api.IntArg(args[0])
	val, present, ok := current(msg)
	switch {
	case !present:
		if max < 1 || max > int64(m.MaxLimit) {
			max = int64(m.MaxLimit)
		}
		msg.SetMaxForwards(int(max))
		return retAdded
	case !ok:
		return retError
	case val == 0:
		return retZero
	}
	if val > m.MaxLimit {
		val = m.MaxLimit
	}
	msg.SetMaxForwards(val - 1)
	return retDecremented
}

// lessThan is is_maxfwd_lt(max): 1 when the received value is below max,
// -1 when not, -2 without a header, -3 when unreadable.
func (m *MaxFwd) lessThan(c *api.Ctx, args []any) api.Ret {
	if c.Msg == nil {
		return -2
	}
	max, _ := api.IntArg(args[0])
	val, present, ok := current(c.Msg)
	switch {
	case !present:
		return -2
	case !ok:
		return -3
	case int64(val) >= max:
		return -1
	}
	return 1
}
