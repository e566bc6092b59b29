package lang

import (
	"strings"

	"github.com/alecthomas/participle/v2/lexer"

	"gosips/lang/ast"
)

// legacyKeywords are the pre-2.4 core test keywords usable as the left
// operand of a comparison, with the modern form for the hint.
var legacyKeywords = map[string]string{
	"method":   `$rm or is_method("...")`,
	"uri":      `$ru (uri==myself: is_myself("$rd"))`,
	"src_ip":   `$si`,
	"dst_ip":   `$socket_in(ip)`,
	"src_port": `$sp`,
	"dst_port": `$socket_in(port)`,
	"from_uri": `$fu (from_uri==myself: is_myself("$fd"))`,
	"to_uri":   `$tu (to_uri==myself: is_myself("$td"))`,
	"proto":    `$socket_in(proto)`,
	"af":       `$socket_in(af)`,
	"msg:len":  `$ml`,
	"status":   `$rs`,
	"retcode":  `$rc`,
}

// opPrec gives OpenSIPS binary operator levels (language spec §9.2): && and
// || share the lowest level, bitwise operators sit below arithmetic, and
// all five arithmetic operators share one level.
func opPrec(op string) int {
	switch op {
	case "&&", "||", "and", "or":
		return 1
	case "|", "&", "^", "<<", ">>":
		return 2
	}
	return 3
}

func normOp(op string) string {
	switch op {
	case "and":
		return "&&"
	case "or":
		return "||"
	case "not":
		return "!"
	}
	return op
}

// cond lowers a condition; conditions and assignment expressions share one
// grammar, and the checker judges what each context allows.
func (lw *lowerer) cond(g *gExpr) ast.Expr { return lw.expr(g) }

// expr folds a flat operand/operator list by precedence climbing; every level
// is left-associative.
func (lw *lowerer) expr(g *gExpr) ast.Expr {
	if len(g.Rest) == 0 {
		return lw.operand(g.First)
	}
	i := 0
	var climb func(lhs ast.Expr, min int) ast.Expr
	climb = func(lhs ast.Expr, min int) ast.Expr {
		for i < len(g.Rest) && opPrec(g.Rest[i].Op.Value) >= min {
			op := &g.Rest[i]
			i++
			rhs := lw.operand(op.X)
			p := opPrec(op.Op.Value)
			for i < len(g.Rest) && opPrec(g.Rest[i].Op.Value) > p {
				rhs = climb(rhs, p+1)
			}
			lhs = &ast.Binary{At: lhs.Start(), OpAt: dpos(op.Op.Pos), Op: normOp(op.Op.Value), X: lhs, Y: rhs}
		}
		return lhs
	}
	return climb(lw.operand(g.First), 1)
}

func (lw *lowerer) operand(g *gOperand) ast.Expr {
	var x ast.Expr
	if g.HasRel {
		op := g.Rel.Value
		left := lw.primary(&g.X, true)
		right := lw.primary(&g.Y, false)
		if isAssignOp(op) {
			pv, ok := left.(*ast.PV)
			if !ok {
				lw.errorf(g.Rel.Pos, "", "only a variable can be assigned")
				pv = &ast.PV{At: left.Start()}
			}
			x = &ast.AssignExpr{Assign: &ast.Assign{At: left.Start(), Target: pv, Op: op, Value: right}}
		} else {
			switch left.(type) {
			case *ast.PV, *ast.Keyword:
			default:
				lw.errorf(posOf(left.Start()), "compare a variable: $var(x) == 1", "the left operand of a comparison must be a variable")
			}
			x = &ast.Binary{At: left.Start(), OpAt: dpos(g.Rel.Pos), Op: op, X: left, Y: right}
		}
	} else {
		x = lw.primary(&g.X, false)
	}
	for i := len(g.Unary) - 1; i >= 0; i-- {
		u := g.Unary[i]
		x = &ast.Unary{At: dpos(u.Pos), Op: normOp(u.Value), X: x}
	}
	return x
}

// primary lowers one term; left is set for the left operand of a comparison,
// where legacy core keywords (method, uri, ...) are accepted.
func (lw *lowerer) primary(g *gPrimary, left bool) ast.Expr {
	switch g.Kind {
	case primTok:
		if g.Tok.Type == tokString {
			return lw.strings(g.Tok, g.More, false)
		}
		return lw.leaf(g.Tok)
	case primCall:
		c := g.Call
		if c.HasParens {
			return lw.call(c)
		}
		t := c.Name
		if hint, ok := legacyKeywords[t.Value]; ok && left {
			lw.addLegacy(t.Pos, endOf(t), "keyword-test", t.Value, "use "+hint)
			return &ast.Keyword{At: dpos(t.Pos), End: dpos(endOf(t)), Name: t.Value}
		}
		return &ast.Ident{At: dpos(t.Pos), End: dpos(endOf(t)), Name: t.Value}
	case primParen, primBracket:
		return &ast.Paren{At: dpos(g.Tok.Pos), End: dpos(endOf(g.Close)), X: lw.expr(g.X), Bracket: g.Kind == primBracket}
	case primRoute:
		// A route call used as a value is a call named "route" whose first
		// argument is the route name.
		r := g.Route
		c := &ast.Call{At: dpos(r.KW.Pos), Name: "route", End: dpos(endOf(r.Close))}
		c.Args = append(c.Args, lw.leaf(r.Name))
		for _, a := range r.Args {
			c.Args = append(c.Args, lw.arg(a, false))
		}
		return c
	}
	return &ast.Ident{}
}

func posOf(p ast.Pos) lexer.Position {
	return lexer.Position{Filename: p.File, Line: p.Line, Column: p.Col, Offset: p.Offset}
}

// exprEnd is the position just after an expression.
func exprEnd(e ast.Expr) ast.Pos {
	switch e := e.(type) {
	case *ast.Call:
		return e.End
	case *ast.IntLit:
		return e.End
	case *ast.StrLit:
		return e.End
	case *ast.NullLit:
		return e.End
	case *ast.PV:
		return e.End
	case *ast.IPLit:
		return e.End
	case *ast.Ident:
		return e.End
	case *ast.Keyword:
		return e.End
	case *ast.Binary:
		return exprEnd(e.Y)
	case *ast.Unary:
		return exprEnd(e.X)
	case *ast.Paren:
		return e.End
	case *ast.AssignExpr:
		return exprEnd(e.Assign.Value)
	}
	return e.Start()
}

// unquote decodes a string token (language spec §3.3): double quotes take
// \n \r \t \a \" \\ \xHH and \NNN escapes and keep any other backslash
// verbatim; single quotes are literal; curly quotes (lenient) are literal.
func unquote(raw string) (string, bool) {
	if strings.HasPrefix(raw, "\xe2\x80") {
		body := raw[3:]
		if strings.HasSuffix(body, `"`) {
			return body[:len(body)-1], true
		}
		if len(body) >= 3 && strings.HasPrefix(body[len(body)-3:], "\xe2\x80") {
			return body[:len(body)-3], true
		}
		return body, true
	}
	if len(raw) < 2 || raw[len(raw)-1] != raw[0] {
		return raw, false
	}
	body := raw[1 : len(raw)-1]
	if raw[0] == '\'' || !strings.Contains(body, `\`) {
		return body, true
	}
	var b strings.Builder
	b.Grow(len(body))
	for i := 0; i < len(body); i++ {
		c := body[i]
		if c != '\\' || i+1 >= len(body) {
			b.WriteByte(c)
			continue
		}
		n := body[i+1]
		switch n {
		case 'n':
			b.WriteByte('\n')
		case 'r':
			b.WriteByte('\r')
		case 't':
			b.WriteByte('\t')
		case 'a':
			b.WriteByte('\a')
		case '"':
			b.WriteByte('"')
		case '\\':
			b.WriteByte('\\')
		case '\n':
			// line continuation
		case 'x':
			j, v := i+2, 0
			for j < len(body) && j < i+4 && isHex(body[j]) {
				v = v*16 + hexVal(body[j])
				j++
			}
			if j == i+2 {
				b.WriteString(`\x`)
			} else {
				b.WriteByte(byte(v))
				i = j - 2
			}
		default:
			j, v := i+1, 0
			for j < len(body) && j < i+4 && body[j] >= '0' && body[j] <= '7' {
				v = v*8 + int(body[j]-'0')
				j++
			}
			if j-(i+1) >= 2 {
				b.WriteByte(byte(v))
				i = j - 2
			} else {
				b.WriteByte('\\')
				b.WriteByte(n)
			}
		}
		i++
	}
	return b.String(), true
}

func hexVal(c byte) int {
	switch {
	case c >= '0' && c <= '9':
		return int(c - '0')
	case c >= 'a' && c <= 'f':
		return int(c-'a') + 10
	}
	return int(c-'A') + 10
}
