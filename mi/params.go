package mi

import (
	"encoding/json"
	"fmt"
	"strconv"

	"gosips/api"
)

// Str returns a string parameter. Numbers are accepted and printed in
// decimal, as OpenSIPS's get_mi_string_param does.
func Str(p api.MIParams, name string) (string, error) {
	v, ok := p[name]
	if !ok {
		return "", missing(name)
	}
	switch x := v.(type) {
	case string:
		return x, nil
	case json.Number:
		return x.String(), nil
	case int:
		return strconv.Itoa(x), nil
	case int64:
		return strconv.FormatInt(x, 10), nil
	}
	return "", badType(name)
}

// Int returns an integer parameter given as a number or a decimal string.
func Int(p api.MIParams, name string) (int, error) {
	v, ok := p[name]
	if !ok {
		return 0, missing(name)
	}
	var s string
	switch x := v.(type) {
	case int:
		return x, nil
	case int64:
		return int(x), nil
	case float64:
		return int(x), nil
	case json.Number:
		s = x.String()
	case string:
		s = x
	default:
		return 0, badType(name)
	}
	n, err := strconv.Atoi(s)
	if err != nil {
		if f, ferr := strconv.ParseFloat(s, 64); ferr == nil {
			return int(f), nil
		}
		return 0, badType(name)
	}
	return n, nil
}

// Strings returns an array parameter of strings (get_statistics'
// "statistics"). Numbers in the array are printed in decimal.
func Strings(p api.MIParams, name string) ([]string, error) {
	v, ok := p[name]
	if !ok {
		return nil, missing(name)
	}
	arr, ok := v.([]any)
	if !ok {
		if ss, ok := v.([]string); ok {
			arr = make([]any, len(ss))
			for i, s := range ss {
				arr[i] = s
			}
		} else {
			return nil, badType(name)
		}
	}
	if len(arr) == 0 {
		return nil, invalidParams(fmt.Sprintf("Empty array in parameter '%s'", name))
	}
	out := make([]string, len(arr))
	for i, e := range arr {
		switch x := e.(type) {
		case string:
			out[i] = x
		case json.Number:
			out[i] = x.String()
		default:
			return nil, invalidParams(fmt.Sprintf("Bad type for array item in parameter '%s'", name))
		}
	}
	return out, nil
}

func badType(name string) *Error {
	return invalidParams(fmt.Sprintf("Bad type for parameter '%s'", name))
}

// missing: the call matched a recipe, so a parameter the handler cannot
// find is a server-side bug, reported as OpenSIPS does.
func missing(string) *Error {
	return &Error{Code: CodeServerError, Message: MsgServerError, Data: "Failed to handle parameter"}
}
