// Package mathops evaluates floating point expressions from the script:
// infix (math_eval), RPN (math_rpn), rounding and comparison.
package mathops

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	"gosips/api"
)

func init() {
	api.Register(api.ModuleInfo{Name: "mathops", Doc: "floating point operations", New: func() api.Module { return New() }})
}

// MathOps is one instance of the mathops module.
type MathOps struct {
	// Digits is decimal_digits: the precision of string results.
	Digits int
}

// New returns an instance with OpenSIPS defaults.
func New() *MathOps { return &MathOps{Digits: 6} }

// Params lists mathops' parameters.
func (m *MathOps) Params() []api.Param {
	return []api.Param{{Name: "decimal_digits", Type: api.ParamInt, Default: "6", Set: func(v api.ParamValue) error {
		if v.Int < 0 || v.Int > 64 {
			return fmt.Errorf("decimal_digits %d out of range (0-64)", v.Int)
		}
		m.Digits = int(v.Int)
		return nil
	}}}
}

// Funcs lists mathops' functions (OpenSIPS 3.6 mathops.c).
func (m *MathOps) Funcs() []api.Func {
	str := func(n string) api.Arg { return api.Arg{Name: n, Type: api.ArgStr} }
	out := api.Arg{Name: "result_var", Type: api.ArgVar, Writable: true}
	optInt := func(n string) api.Arg { return api.Arg{Name: n, Type: api.ArgInt, Optional: true} }
	const ret = "1 success, -1 bad expression or output variable"
	rounding := func(name string, f func(float64) float64) api.Func {
		return api.Func{Name: name, Routes: api.AllRoutes, Args: []api.Arg{str("number"), out}, Returns: ret,
			Call: func(c *api.Ctx, a []any) api.Ret {
				return set(c, a[1], api.IntValue(int64(int32(f(parseNumber(a[0].(string)))))))
			}}
	}
	return []api.Func{
		{Name: "math_eval", Routes: api.AllRoutes, Args: []api.Arg{str("expression"), out}, Returns: ret,
			Call: func(c *api.Ctx, a []any) api.Ret {
				r, err := Eval(a[0].(string))
				if err != nil {
					c.Log.Error("mathops: failed to run math expression", "expr", a[0], "err", err)
					return api.RetFalse
				}
				return set(c, a[1], api.StrValue(formatFloat(r, m.Digits)))
			}},
		{Name: "math_rpn", Routes: api.AllRoutes, Args: []api.Arg{str("expression"), out}, Returns: ret,
			Call: func(c *api.Ctx, a []any) api.Ret {
				r, err := RPN(a[0].(string))
				if err != nil {
					c.Log.Error("mathops: failed to run RPN expression", "expr", a[0], "err", err)
					return api.RetFalse
				}
				return set(c, a[1], api.StrValue(formatFloat(r, m.Digits)))
			}},
		rounding("math_floor", math.Floor),
		rounding("math_ceil", math.Ceil),
		rounding("math_trunc", math.Trunc),
		{Name: "math_round", Routes: api.AllRoutes, Args: []api.Arg{str("number"), out, optInt("decimals")}, Returns: ret,
			Call: func(c *api.Ctx, a []any) api.Ret {
				d := parseNumber(a[0].(string))
				if a[2] == nil || a[2].(int64) == 0 {
					return set(c, a[1], api.IntValue(int64(int32(math.Round(d)))))
				}
				return set(c, a[1], api.StrValue(formatFloat(d, int(a[2].(int64)))))
			}},
		{Name: "math_round_sf", Routes: api.AllRoutes, Args: []api.Arg{str("number"), out, optInt("figures")}, Returns: ret,
			Call: func(c *api.Ctx, a []any) api.Ret {
				figures := 0
				if a[2] != nil {
					figures = int(a[2].(int64))
				}
				return set(c, a[1], api.StrValue(formatFloat(RoundSF(parseNumber(a[0].(string)), figures), m.Digits)))
			}},
		{Name: "math_compare", Routes: api.AllRoutes, Args: []api.Arg{str("exp1"), str("exp2"), out}, Returns: ret,
			Call: func(c *api.Ctx, a []any) api.Ret {
				r1, err := Eval(a[0].(string))
				if err != nil {
					c.Log.Error("mathops: failed to run math expression", "expr", a[0], "err", err)
					return api.RetFalse
				}
				r2, err := Eval(a[1].(string))
				if err != nil {
					c.Log.Error("mathops: failed to run math expression", "expr", a[1], "err", err)
					return api.RetFalse
				}
				cmp := int64(0)
				if r1 > r2 {
					cmp = 1
				} else if r1 < r2 {
					cmp = -1
				}
				return set(c, a[2], api.IntValue(cmp))
			}},
	}
}

func set(c *api.Ctx, out any, v api.Value) api.Ret {
	ref := out.(api.PVRef)
	if err := ref.Set(c, v); err != nil {
		c.Log.Error("mathops: cannot set output variable", "var", ref.Name(), "err", err)
		return api.RetFalse
	}
	return api.RetTrue
}

// parseNumber reads the leading number of s as C's strtod does: junk after
// it is ignored and no number at all is 0.
func parseNumber(s string) float64 {
	s = strings.TrimLeft(s, " \t\r\n")
	end := numberPrefix(s)
	d, err := strconv.ParseFloat(s[:end], 64)
	if err != nil {
		if ne, ok := err.(*strconv.NumError); ok && ne.Err == strconv.ErrRange {
			return d
		}
		return 0
	}
	return d
}

// numberPrefix returns the length of the decimal number at the start of s
// (sign, digits, fraction, exponent).
func numberPrefix(s string) int {
	i := 0
	if i < len(s) && (s[i] == '+' || s[i] == '-') {
		i++
	}
	digits := 0
	for i < len(s) && s[i] >= '0' && s[i] <= '9' {
		i++
		digits++
	}
	if i < len(s) && s[i] == '.' {
		i++
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
			digits++
		}
	}
	if digits == 0 {
		return 0
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		j := i + 1
		if j < len(s) && (s[j] == '+' || s[j] == '-') {
			j++
		}
		k := j
		for k < len(s) && s[k] >= '0' && s[k] <= '9' {
			k++
		}
		if k > j {
			i = k
		}
	}
	return i
}

// RoundSF rounds d to n significant figures.
func RoundSF(d float64, n int) float64 {
	factor := math.Pow(10, float64(n)-math.Ceil(math.Log10(math.Abs(d))))
	return math.Round(d*factor) / factor
}

// formatFloat prints d with n decimals as C's "%.*f" does.
func formatFloat(d float64, n int) string {
	switch {
	case math.IsNaN(d):
		return "nan"
	case math.IsInf(d, 1):
		return "inf"
	case math.IsInf(d, -1):
		return "-inf"
	}
	return strconv.FormatFloat(d, 'f', n, 64)
}

var _ api.Module = (*MathOps)(nil)
