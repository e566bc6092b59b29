package runtime

import (
	"errors"
	"fmt"
	"net/netip"
	"regexp"
	"strconv"
	"strings"

	"gosips/api"
	"gosips/lang/diag"
	"gosips/pv"
)

// expr is a compiled value expression (right side of assignments, operands).
type expr interface {
	eval(t *Thread) (api.Value, error)
}

// condResult is the three-valued result of a condition element.
type condResult int8

const (
	condFalse condResult = iota
	condTrue
	condError
)

// cond is a compiled condition. The ctl result is ctlExit when a function
// in the condition returned 0, which stops the script.
type cond interface {
	test(t *Thread) (condResult, ctl)
}

var errNotInt = errors.New("value is not an integer")

// constExpr is a literal.
type constExpr struct{ v api.Value }

func (e constExpr) eval(*Thread) (api.Value, error) { return e.v, nil }

// pvExpr reads a pseudo-variable.
type pvExpr struct{ sp *pv.Spec }

func (e pvExpr) eval(t *Thread) (api.Value, error) { return e.sp.Get(&t.Ctx) }

// callExpr is a function call used as a value: its return code.
type callExpr struct{ call *callStmt }

func (e callExpr) eval(t *Thread) (api.Value, error) {
	rc := e.call.call(t)
	t.Ctx.RetCode = rc
	return api.IntValue(int64(rc)), nil
}

// condExpr is a condition used as a value: 1, 0 or -1 on error.
type condExpr struct{ c cond }

func (e condExpr) eval(t *Thread) (api.Value, error) {
	r, _ := e.c.test(t)
	switch r {
	case condTrue:
		return api.IntValue(1), nil
	case condFalse:
		return api.IntValue(0), nil
	}
	return api.IntValue(-1), nil
}

// binExpr is arithmetic or bitwise: + - * / % & | ^ << >>.
type binExpr struct {
	op   string
	x, y expr
}

func (e *binExpr) eval(t *Thread) (api.Value, error) {
	x, err := e.x.eval(t)
	if err != nil {
		return api.Null, err
	}
	y, err := e.y.eval(t)
	if err != nil {
		return api.Null, err
	}
	return arith(e.op, x, y)
}

// unaryExpr is ~x or -x.
type unaryExpr struct {
	op string
	x  expr
}

func (e *unaryExpr) eval(t *Thread) (api.Value, error) {
	v, err := e.x.eval(t)
	if err != nil {
		return api.Null, err
	}
	if !v.IsInt() {
		return api.Null, fmt.Errorf("operator %s needs an integer", e.op)
	}
	if e.op == "-" {
		return api.IntValue(int64(-int32(v.I))), nil
	}
	return api.IntValue(int64(^int32(v.I))), nil
}

// arith applies an assignment-expression operator. The left operand's type
// decides: integers do C int arithmetic, strings only concatenate with +
// and combine byte-wise with & | ^ when both have the same length.
func arith(op string, x, y api.Value) (api.Value, error) {
	switch {
	case x.IsInt():
		if y.IsNull() {
			y = api.IntValue(0)
		}
		if !y.IsInt() {
			return api.Null, errors.New("invalid numeric operands")
		}
		a, b := int32(x.I), int32(y.I)
		var r int32
		switch op {
		case "+":
			r = a + b
		case "-":
			r = a - b
		case "*":
			r = a * b
		case "/":
			if b == 0 {
				return api.IntValue(0), errors.New("division by zero")
			}
			r = a / b
		case "%":
			if b == 0 {
				return api.IntValue(0), errors.New("modulo by zero")
			}
			r = a % b
		case "&":
			r = a & b
		case "|":
			r = a | b
		case "^":
			r = a ^ b
		case "<<":
			r = a << uint32(b)
		case ">>":
			r = a >> uint32(b)
		default:
			return api.Null, fmt.Errorf("unknown operator %s", op)
		}
		return api.IntValue(int64(r)), nil
	case x.IsStr():
		switch op {
		case "+":
			return api.StrValue(x.S + valueString(y)), nil
		case "&", "|", "^":
			ys := valueString(y)
			if len(ys) != len(x.S) {
				return api.Null, errors.New("bitwise operation on strings of different lengths")
			}
			b := []byte(x.S)
			for i := range b {
				switch op {
				case "&":
					b[i] &= ys[i]
				case "|":
					b[i] |= ys[i]
				default:
					b[i] ^= ys[i]
				}
			}
			return api.StrValue(string(b)), nil
		}
		return api.Null, fmt.Errorf("operator %s is not defined on strings", op)
	}
	// NULL on the left: + keeps the right side.
	if op == "+" {
		return y, nil
	}
	return api.Null, errors.New("invalid operands (NULL)")
}

// valueString is the string form of a value ("" for NULL).
func valueString(v api.Value) string {
	switch {
	case v.IsStr():
		return v.S
	case v.IsInt():
		return strconv.FormatInt(v.I, 10)
	}
	return ""
}

// ---- conditions

type andCond struct{ x, y cond }

func (c *andCond) test(t *Thread) (condResult, ctl) {
	r, k := c.x.test(t)
	if k == ctlExit {
		return condFalse, k
	}
	if r != condTrue {
		return r, ctlNext
	}
	return c.y.test(t)
}

type orCond struct{ x, y cond }

func (c *orCond) test(t *Thread) (condResult, ctl) {
	r, k := c.x.test(t)
	if k == ctlExit {
		return condFalse, k
	}
	if r != condFalse {
		return r, ctlNext
	}
	return c.y.test(t)
}

// notCond negates; an error stays an error (!(error) is false).
type notCond struct{ x cond }

func (c *notCond) test(t *Thread) (condResult, ctl) {
	r, k := c.x.test(t)
	switch r {
	case condTrue:
		return condFalse, k
	case condFalse:
		return condTrue, k
	}
	return condError, k
}

// callCond is a function call as a condition.
type callCond struct{ call *callStmt }

func (c callCond) test(t *Thread) (condResult, ctl) {
	rc := c.call.call(t)
	t.Ctx.RetCode = rc
	return rcCond(rc)
}

// rcCond turns a return code used as a condition into its truth value:
// >0 true, <0 false, 0 stops the script.
func rcCond(rc api.Ret) (condResult, ctl) {
	switch {
	case rc > 0:
		return condTrue, ctlNext
	case rc < 0:
		return condFalse, ctlNext
	}
	return condFalse, ctlExit
}

// truthCond tests a value: false for NULL, "", and integer 0.
type truthCond struct{ x expr }

func (c truthCond) test(t *Thread) (condResult, ctl) {
	v, err := c.x.eval(t)
	if err != nil {
		return condError, ctlNext
	}
	switch {
	case v.IsInt():
		if v.I != 0 {
			return condTrue, ctlNext
		}
		return condFalse, ctlNext
	case v.IsStr():
		if v.S != "" {
			return condTrue, ctlNext
		}
	}
	return condFalse, ctlNext
}

// constCond is a literal number as a condition.
type constCond bool

func (c constCond) test(*Thread) (condResult, ctl) {
	if c {
		return condTrue, ctlNext
	}
	return condFalse, ctlNext
}

// exprCond evaluates a [ aexpr ] test or an assignment used as a condition.
type assignCond struct{ a *assignStmt }

func (c assignCond) test(t *Thread) (condResult, ctl) {
	if c.a.run(t) > 0 {
		return condTrue, ctlNext
	}
	return condFalse, ctlNext
}

// cmpCond compares a left operand with a right operand.
type cmpCond struct {
	op   string
	x    expr
	y    expr
	yNil bool           // right side is the null literal
	re   *regexp.Regexp // compiled literal regex for =~ / !~
	net  netip.Prefix   // right side is an IP/network literal
	isIP bool
	// myself: the right side is the legacy "myself" keyword.
	myself     bool
	myselfPort bool
	rightConst bool // right side is a literal (NULL rules differ)
	rightInt   bool
}

func (c *cmpCond) test(t *Thread) (condResult, ctl) {
	x, err := c.x.eval(t)
	if err != nil {
		return condError, ctlNext
	}
	if c.myself {
		return c.testMyself(t, x), ctlNext
	}
	if c.yNil {
		isNull := x.IsNull()
		switch c.op {
		case "==":
			return boolResult(isNull), ctlNext
		case "!=":
			return boolResult(!isNull), ctlNext
		}
		return condError, ctlNext
	}
	if c.isIP {
		if !x.IsStr() {
			return condError, ctlNext
		}
		a, err := netip.ParseAddr(strings.Trim(x.S, "[]"))
		if err != nil {
			return boolResult(c.op == "!="), ctlNext
		}
		in := c.net.Contains(a.Unmap())
		if c.op == "!=" {
			in = !in
		}
		return boolResult(in), ctlNext
	}
	y, err := c.y.eval(t)
	if err != nil {
		return condError, ctlNext
	}
	if x.IsNull() || y.IsNull() {
		switch {
		case x.IsNull() && y.IsNull() && !c.rightConst:
			return boolResult(c.op == "==" || c.op == "=~"), ctlNext
		case x.IsNull():
			return boolResult(c.op == "!=" || c.op == "!~"), ctlNext
		}
		return boolResult(c.op == "!=" || c.op == "!~"), ctlNext
	}
	switch c.op {
	case "=~", "!~":
		if !x.IsStr() && !x.IsInt() {
			return condError, ctlNext
		}
		re := c.re
		if re == nil {
			if !y.IsStr() {
				return condError, ctlNext
			}
			re, err = api.CompileRegex(y.S, false)
			if err != nil {
				t.logErr(diag.Pos{}, "%v", err)
				return condError, ctlNext
			}
		}
		m := re.MatchString(valueString(x))
		if c.op == "!~" {
			m = !m
		}
		return boolResult(m), ctlNext
	}
	var cmp int
	switch {
	case c.rightInt || (!c.rightConst && x.IsInt() && y.IsInt()):
		if !x.IsInt() || !y.IsInt() {
			return condError, ctlNext
		}
		a, b := int32(x.I), int32(y.I)
		switch {
		case a < b:
			cmp = -1
		case a > b:
			cmp = 1
		}
	default:
		// Integer variables also have a decimal string form.
		if !x.IsStr() && !x.IsInt() {
			return condError, ctlNext
		}
		cmp = compareFold(valueString(x), valueString(y))
	}
	var r bool
	switch c.op {
	case "==":
		r = cmp == 0
	case "!=":
		r = cmp != 0
	case "<":
		r = cmp < 0
	case ">":
		r = cmp > 0
	case "<=":
		r = cmp <= 0
	case ">=":
		r = cmp >= 0
	default:
		return condError, ctlNext
	}
	return boolResult(r), ctlNext
}

// testMyself implements the legacy "X == myself" test: the host (and port)
// of the value is one of ours.
func (c *cmpCond) testMyself(t *Thread, x api.Value) condResult {
	if !x.IsStr() || t.Ctx.Core == nil {
		return condError
	}
	host, port := x.S, 0
	if strings.HasPrefix(host, "sip:") || strings.HasPrefix(host, "sips:") {
		u, err := pv.ParseURI(host)
		if err != nil {
			return condError
		}
		host = u.Host
		if c.myselfPort {
			port = 5060
			if u.HasPort {
				port = u.PortNo
			}
		}
	}
	r := t.Ctx.Core.IsMyself(host, port)
	if c.op == "!=" {
		r = !r
	}
	return boolResult(r)
}

func boolResult(b bool) condResult {
	if b {
		return condTrue
	}
	return condFalse
}

// compareFold compares ASCII case-insensitively; on a common prefix the
// shorter string is smaller.
func compareFold(a, b string) int {
	n := min(len(a), len(b))
	for i := 0; i < n; i++ {
		ca, cb := lower(a[i]), lower(b[i])
		if ca != cb {
			if ca < cb {
				return -1
			}
			return 1
		}
	}
	switch {
	case len(a) < len(b):
		return -1
	case len(a) > len(b):
		return 1
	}
	return 0
}

func lower(c byte) byte {
	if 'A' <= c && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}

// ---- PV adapters

type pvGetter interface {
	get(t *Thread) (api.Value, error)
}

type pvSetter interface {
	pvGetter
	// set assigns v; colon selects := (replace all AVP values).
	set(t *Thread, v api.Value, colon bool) error
}

type pvAll interface {
	getAll(t *Thread) ([]api.Value, error)
}

type pvRef struct{ sp *pv.Spec }

func (r pvRef) get(t *Thread) (api.Value, error) { return r.sp.Get(&t.Ctx) }

func (r pvRef) set(t *Thread, v api.Value, colon bool) error {
	if colon {
		return r.sp.Replace(&t.Ctx, v)
	}
	return r.sp.Set(&t.Ctx, v)
}

// getAll returns every value of an AVP (newest first) for for-each; other
// variables yield their single value.
func (r pvRef) getAll(t *Thread) ([]api.Value, error) {
	if r.sp.Name == "avp" {
		name, err := r.sp.InnerName(&t.Ctx)
		if err != nil {
			return nil, err
		}
		return t.AVPs().All(name), nil
	}
	if r.sp.Def != nil && r.sp.Def.GetAll != nil {
		return r.sp.Def.GetAll(&t.Ctx, r.sp)
	}
	v, err := r.sp.Get(&t.Ctx)
	if err != nil || v.IsNull() {
		return nil, err
	}
	return []api.Value{v}, nil
}

// ---- function arguments

// argEval produces one argument for a module function.
type argEval struct {
	kind   api.ArgType
	given  bool
	fixed  any
	pv     *pv.Spec
	format *pv.Format
}

func (a *argEval) eval(t *Thread) (any, error) {
	switch {
	case !a.given:
		return nil, nil
	case a.fixed != nil:
		return a.fixed, nil
	case a.format != nil:
		return a.format.Eval(&t.Ctx)
	case a.pv != nil:
		switch a.kind {
		case api.ArgVar:
			return a.pv.Ref(), nil
		case api.ArgInt:
			v, err := a.pv.Get(&t.Ctx)
			if err != nil {
				return nil, err
			}
			if !v.IsInt() {
				return nil, fmt.Errorf("%s: %w", a.pv.Raw, errNotInt)
			}
			return v.I, nil
		case api.ArgRegex:
			v, err := a.pv.Get(&t.Ctx)
			if err != nil {
				return nil, err
			}
			return api.CompileRegex(valueString(v), true)
		default:
			v, err := a.pv.Get(&t.Ctx)
			if err != nil {
				return nil, err
			}
			return valueString(v), nil
		}
	}
	return nil, nil
}

// routeExpr is route(x) used as a condition or a value: the route's
// return code.
type routeExpr struct{ r *routeStmt }

func (e routeExpr) eval(t *Thread) (api.Value, error) {
	rc, _ := e.r.run(t)
	t.Ctx.RetCode = rc
	return api.IntValue(int64(rc)), nil
}

func (e routeExpr) test(t *Thread) (condResult, ctl) {
	rc, c := e.r.run(t)
	t.Ctx.RetCode = rc
	if c == ctlExit {
		return condFalse, ctlExit
	}
	return rcCond(rc)
}
