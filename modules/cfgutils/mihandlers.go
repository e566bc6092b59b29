package cfgutils

import (
	"context"
	"fmt"
	"sort"
	"strconv"

	"gosips/api"
	"gosips/pv"
)

// miString reads a parameter that may arrive as a string or a number.
func miString(p api.MIParams, name string) (string, bool) {
	switch v := p[name].(type) {
	case string:
		return v, true
	case float64:
		return strconv.FormatFloat(v, 'f', -1, 64), true
	case int:
		return strconv.Itoa(v), true
	case int64:
		return strconv.FormatInt(v, 10), true
	}
	return "", false
}

func miInt(p api.MIParams, name string) (int64, error) {
	s, ok := miString(p, name)
	if !ok {
		return 0, &api.MIError{Code: -32602, Msg: "Invalid params"}
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return 0, &api.MIError{Code: -32602, Msg: "Invalid params"}
	}
	return n, nil
}

// shvItem is one variable as shv_get shows it.
func shvItem(v api.Value) map[string]any {
	if v.IsStr() && !v.IsInt() {
		return map[string]any{"type": "string", "value": v.S}
	}
	return map[string]any{"type": "integer", "value": v.I}
}

func (c *CfgUtils) miShvGet(_ context.Context, p api.MIParams) (any, error) {
	if _, given := p["name"]; given {
		name, _ := miString(p, "name")
		if name == "" {
			return nil, &api.MIError{Code: 500, Msg: "bad shv name"}
		}
		v := c.shv.Get(name)
		if v.IsNull() && !c.shvKnown(name) {
			return nil, &api.MIError{Code: 404, Msg: "Not found"}
		}
		return map[string]any{"VAR": shvItem(v)}, nil
	}
	names := c.shvNames()
	vars := make([]any, 0, len(names))
	for _, n := range names {
		item := map[string]any{"name": n}
		for k, x := range shvItem(c.shv.Get(n)) {
			item[k] = x
		}
		vars = append(vars, item)
	}
	return []any{vars}, nil
}

func (c *CfgUtils) miShvSet(_ context.Context, p api.MIParams) (any, error) {
	name, _ := miString(p, "name")
	if name == "" {
		return nil, &api.MIError{Code: 500, Msg: "bad shv name"}
	}
	typ, _ := miString(p, "type")
	if typ == "" {
		return nil, &api.MIError{Code: 500, Msg: "type not found"}
	}
	if typ[0] == 's' || typ[0] == 'S' {
		val, _ := miString(p, "value")
		if val == "" {
			return nil, &api.MIError{Code: 500, Msg: "value not found"}
		}
		c.shv.Set(name, api.StrValue(val))
	} else {
		n, err := miInt(p, "value")
		if err != nil {
			return nil, err
		}
		c.shv.Set(name, pv.IntStr(n))
	}
	c.noteSHV(name)
	return "OK", nil
}

func (c *CfgUtils) miRandSetProb(_ context.Context, p api.MIParams) (any, error) {
	n, err := miInt(p, "prob_proc")
	if err != nil {
		return nil, err
	}
	if n < 0 || n > 100 {
		return nil, &api.MIError{Code: 400, Msg: "Invalid probability value"}
	}
	c.prob.Store(int32(n))
	return "OK", nil
}

func (c *CfgUtils) miRandResetProb(context.Context, api.MIParams) (any, error) {
	c.prob.Store(int32(c.InitialProbability))
	return "OK", nil
}

func (c *CfgUtils) miRandGetProb(context.Context, api.MIParams) (any, error) {
	return map[string]any{"actual probability percent": int64(c.prob.Load())}, nil
}

func (c *CfgUtils) miGetConfigHash(context.Context, api.MIParams) (any, error) {
	if c.HashFile == "" {
		return nil, &api.MIError{Code: 404, Msg: "Functionality disabled"}
	}
	return c.hash, nil
}

func (c *CfgUtils) miCheckConfigHash(context.Context, api.MIParams) (any, error) {
	if c.HashFile == "" {
		return nil, &api.MIError{Code: 404, Msg: "Functionality disabled"}
	}
	h, err := hashFile(c.HashFile)
	if err != nil {
		return nil, &api.MIError{Code: 500, Msg: fmt.Sprintf("cannot hash the config file: %v", err)}
	}
	if h != c.hash {
		return nil, &api.MIError{Code: 400, Msg: "The actual config file hash is not identical to the stored one."}
	}
	return "The actual config file hash is identical to the stored one.", nil
}

// The store cannot list its names, so the module remembers which
// variables were ever set through shvset or MI; script assignments are
// found by name lookups.
func (c *CfgUtils) noteSHV(name string) {
	c.namesMu.Lock()
	defer c.namesMu.Unlock()
	if c.names == nil {
		c.names = map[string]bool{}
	}
	c.names[name] = true
}

func (c *CfgUtils) shvKnown(name string) bool {
	c.namesMu.Lock()
	defer c.namesMu.Unlock()
	return c.names[name]
}

func (c *CfgUtils) shvNames() []string {
	c.namesMu.Lock()
	defer c.namesMu.Unlock()
	out := make([]string, 0, len(c.names))
	for n := range c.names {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}
