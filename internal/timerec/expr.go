package timerec

import (
	"fmt"
	"strings"
	"time"
)

// Expr is a multi-recurrence: recurrences joined by one kind of operator,
// AND ("&") or OR ("/"), each possibly negated ("!") or a parenthesised
// sub-expression. A single recurrence is an Expr of one operand.
type Expr struct {
	or       bool
	operands []operand
}

type operand struct {
	not  bool
	rec  *Rec
	expr *Expr
}

// ParseExpr parses a recurrence expression such as
// "A & !(B / C)". Inside a recurrence a '/' is an operator only after its
// first '|', so time zones like "America/New_York" stay whole.
func ParseExpr(s string) (*Expr, error) {
	e := &Expr{}
	needOperand, invert := true, false
	opSet := false
	setOp := func(or bool, at string) error {
		if opSet && e.or != or {
			return fmt.Errorf("only one operator kind is allowed within an expression (at %q)", at)
		}
		e.or, opSet = or, true
		return nil
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == ' ' || c == '\t' || c == '\r' || c == '\n' {
			continue
		}
		if !needOperand {
			switch c {
			case '&', '/':
				if err := setOp(c == '/', s[i:]); err != nil {
					return nil, err
				}
				needOperand = true
				continue
			}
			return nil, fmt.Errorf("expected '&' or '/' at %q", s[i:])
		}
		switch c {
		case ')', '&', '/':
			return nil, fmt.Errorf("unexpected %q at %q", c, s[i:])
		case '!':
			invert = !invert
			continue
		case '(':
			depth, j := 1, i+1
			for ; j < len(s) && depth > 0; j++ {
				switch s[j] {
				case '(':
					depth++
				case ')':
					depth--
				}
			}
			if depth != 0 {
				return nil, fmt.Errorf("unbalanced parentheses in %q", s)
			}
			sub, err := ParseExpr(s[i+1 : j-1])
			if err != nil {
				return nil, err
			}
			e.operands = append(e.operands, operand{not: invert, expr: sub})
			invert, needOperand = false, false
			i = j - 1
			continue
		}
		j, sawSep := i, false
		for ; j < len(s); j++ {
			q := s[j]
			if q == '!' || q == '(' || q == ')' {
				return nil, fmt.Errorf("unexpected %q in recurrence %q", q, s[i:])
			}
			if q == '|' {
				sawSep = true
			}
			if q == ' ' || q == '\t' || q == '&' || (q == '/' && sawSep) {
				break
			}
		}
		r, err := Parse(s[i:j])
		if err != nil {
			return nil, err
		}
		e.operands = append(e.operands, operand{not: invert, rec: r})
		invert, needOperand = false, false
		i = j - 1
	}
	if len(e.operands) == 0 {
		return nil, fmt.Errorf("empty time recurrence")
	}
	if needOperand {
		return nil, fmt.Errorf("time recurrence %q ends with an operator", s)
	}
	return e, nil
}

// Match reports whether t satisfies the expression.
func (e *Expr) Match(t time.Time) bool {
	for _, o := range e.operands {
		var m bool
		if o.rec != nil {
			m = o.rec.Match(t)
		} else {
			m = o.expr.Match(t)
		}
		if o.not {
			m = !m
		}
		if e.or && m {
			return true
		}
		if !e.or && !m {
			return false
		}
	}
	return !e.or
}

// Valid reports whether s parses; used by loaders that keep the text.
func Valid(s string) error {
	_, err := ParseExpr(strings.TrimSpace(s))
	return err
}
