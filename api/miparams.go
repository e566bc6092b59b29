package api

import (
	"encoding/json"
	"strconv"
	"strings"
)

// Str returns parameter name as text, whatever JSON type carried it.
func (p MIParams) Str(name string) (string, bool) {
	switch v := p[name].(type) {
	case string:
		return v, true
	case json.Number:
		return v.String(), true
	case int:
		return strconv.Itoa(v), true
	case int64:
		return strconv.FormatInt(v, 10), true
	case float64:
		return strconv.FormatFloat(v, 'f', -1, 64), true
	}
	return "", false
}

// Int returns parameter name as an integer (a number or a numeric string).
func (p MIParams) Int(name string) (int, bool) {
	s, ok := p.Str(name)
	if !ok {
		return 0, false
	}
	n, err := strconv.Atoi(strings.TrimSpace(s))
	return n, err == nil
}
