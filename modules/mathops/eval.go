package mathops

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
)

var errSyntax = errors.New("syntax error")

// functions are the one-argument functions of infix expressions; ln is the
// natural logarithm and log the decimal one, as in tinyexpr, which
// OpenSIPS uses.
var functions = map[string]func(float64) float64{
	"abs": math.Abs, "acos": math.Acos, "asin": math.Asin, "atan": math.Atan,
	"ceil": math.Ceil, "cos": math.Cos, "cosh": math.Cosh, "exp": math.Exp,
	"floor": math.Floor, "ln": math.Log, "log": math.Log10, "sin": math.Sin,
	"sinh": math.Sinh, "sqrt": math.Sqrt, "tan": math.Tan, "tanh": math.Tanh,
}

// Eval evaluates an infix expression: + - * / % ^ (left associative, ^
// binding tighter than * and unary minus tighter than ^), parentheses and
// the functions above (a function applies to the power that follows it,
// with or without parentheses).
func Eval(s string) (float64, error) {
	p := &parser{s: strings.TrimSpace(s)}
	p.next()
	v := p.expr()
	if p.err == nil && p.tok != tokEnd {
		p.err = errSyntax
	}
	if p.err != nil {
		return math.NaN(), fmt.Errorf("%q: %w", s, p.err)
	}
	if math.IsNaN(v) {
		return v, fmt.Errorf("%q: not a number", s)
	}
	return v, nil
}

type tokKind uint8

const (
	tokEnd tokKind = iota
	tokNum
	tokFunc
	tokOp
	tokOpen
	tokClose
)

type parser struct {
	s   string
	pos int
	tok tokKind
	num float64
	fn  func(float64) float64
	op  byte
	err error
}

func (p *parser) next() {
	for p.pos < len(p.s) && strings.IndexByte(" \t\r\n", p.s[p.pos]) >= 0 {
		p.pos++
	}
	if p.pos >= len(p.s) {
		p.tok = tokEnd
		return
	}
	c := p.s[p.pos]
	switch {
	case c >= '0' && c <= '9' || c == '.':
		n := numberPrefix(p.s[p.pos:])
		if n == 0 {
			p.fail()
			return
		}
		v, err := strconv.ParseFloat(p.s[p.pos:p.pos+n], 64)
		if err != nil && !errors.Is(err, strconv.ErrRange) {
			p.fail()
			return
		}
		p.tok, p.num = tokNum, v
		p.pos += n
	case c >= 'a' && c <= 'z':
		start := p.pos
		for p.pos < len(p.s) && p.s[p.pos] >= 'a' && p.s[p.pos] <= 'z' {
			p.pos++
		}
		f, ok := functions[p.s[start:p.pos]]
		if !ok {
			p.fail()
			return
		}
		p.tok, p.fn = tokFunc, f
	case strings.IndexByte("+-*/^%", c) >= 0:
		p.tok, p.op = tokOp, c
		p.pos++
	case c == '(':
		p.tok = tokOpen
		p.pos++
	case c == ')':
		p.tok = tokClose
		p.pos++
	default:
		p.fail()
	}
}

func (p *parser) fail() {
	if p.err == nil {
		p.err = errSyntax
	}
	p.tok = tokEnd
}

func (p *parser) isOp(ops string) bool {
	return p.tok == tokOp && strings.IndexByte(ops, p.op) >= 0
}

// expr = term {("+"|"-") term}
func (p *parser) expr() float64 {
	v := p.term()
	for p.isOp("+-") {
		op := p.op
		p.next()
		r := p.term()
		if op == '+' {
			v += r
		} else {
			v -= r
		}
	}
	return v
}

// term = factor {("*"|"/"|"%") factor}
func (p *parser) term() float64 {
	v := p.factor()
	for p.isOp("*/%") {
		op := p.op
		p.next()
		r := p.factor()
		switch op {
		case '*':
			v *= r
		case '/':
			v /= r
		default:
			v = math.Mod(v, r)
		}
	}
	return v
}

// factor = power {"^" power}
func (p *parser) factor() float64 {
	v := p.power()
	for p.isOp("^") {
		p.next()
		v = math.Pow(v, p.power())
	}
	return v
}

// power = {"+"|"-"} base
func (p *parser) power() float64 {
	sign := 1.0
	for p.isOp("+-") {
		if p.op == '-' {
			sign = -sign
		}
		p.next()
	}
	return sign * p.base()
}

// base = number | function power | "(" expr ")"
func (p *parser) base() float64 {
	switch p.tok {
	case tokNum:
		v := p.num
		p.next()
		return v
	case tokFunc:
		f := p.fn
		p.next()
		return f(p.power())
	case tokOpen:
		p.next()
		v := p.expr()
		if p.tok != tokClose {
			p.fail()
			return math.NaN()
		}
		p.next()
		return v
	}
	p.fail()
	return math.NaN()
}

// rpnOps are the RPN words: stack size needed and the operation.
var rpnOps = map[string]struct {
	need int
	do   func(st []float64) []float64
}{
	"+":    {2, bin(func(a, b float64) float64 { return a + b })},
	"-":    {2, bin(func(a, b float64) float64 { return a - b })},
	"*":    {2, bin(func(a, b float64) float64 { return a * b })},
	"/":    {2, bin(func(a, b float64) float64 { return a / b })},
	"mod":  {2, bin(math.Mod)},
	"pow":  {2, bin(math.Pow)},
	"drop": {1, func(st []float64) []float64 { return st[:len(st)-1] }},
	"dup":  {1, func(st []float64) []float64 { return append(st, st[len(st)-1]) }},
	"swap": {2, func(st []float64) []float64 {
		n := len(st)
		st[n-1], st[n-2] = st[n-2], st[n-1]
		return st
	}},
	"neg":       {1, un(func(a float64) float64 { return -a })},
	"exp":       {1, un(math.Exp)},
	"ln":        {1, un(math.Log)},
	"log10":     {1, un(math.Log10)},
	"log":       {1, un(math.Log10)},
	"abs":       {1, un(math.Abs)},
	"sqrt":      {1, un(math.Sqrt)},
	"cbrt":      {1, un(math.Cbrt)},
	"floor":     {1, un(math.Floor)},
	"ceil":      {1, un(math.Ceil)},
	"round":     {1, un(math.Round)},
	"nearbyint": {1, un(math.RoundToEven)},
	"trunc":     {1, un(math.Trunc)},
	"e":         {0, func(st []float64) []float64 { return append(st, math.E) }},
	"pi":        {0, func(st []float64) []float64 { return append(st, math.Pi) }},
}

func bin(f func(a, b float64) float64) func([]float64) []float64 {
	return func(st []float64) []float64 {
		n := len(st)
		st[n-2] = f(st[n-2], st[n-1])
		return st[:n-1]
	}
}

func un(f func(float64) float64) func([]float64) []float64 {
	return func(st []float64) []float64 {
		st[len(st)-1] = f(st[len(st)-1])
		return st
	}
}

// RPN evaluates a Reverse Polish Notation expression; it must leave exactly
// one value on the stack.
func RPN(s string) (float64, error) {
	var st []float64
	for _, w := range strings.Fields(s) {
		if c := w[0]; c >= '0' && c <= '9' || (len(w) >= 2 && c == '-' && w[1] >= '0' && w[1] <= '9') {
			n := numberPrefix(w)
			v, err := strconv.ParseFloat(w[:n], 64)
			if err != nil || n != len(w) {
				return 0, fmt.Errorf("bad number %q", w)
			}
			st = append(st, v)
			continue
		}
		op, ok := rpnOps[w]
		if !ok {
			return 0, fmt.Errorf("invalid operator %q", w)
		}
		if len(st) < op.need {
			return 0, fmt.Errorf("%q needs %d values on the stack, has %d", w, op.need, len(st))
		}
		st = op.do(st)
	}
	if len(st) != 1 {
		return 0, fmt.Errorf("stack has %d elements at the end, want 1", len(st))
	}
	return st[0], nil
}
