package lang

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/alecthomas/participle/v2/lexer"

	"gosips/lang/ast"
	"gosips/lang/diag"
)

// lowerer turns grammar structs into ast nodes and collects the errors and
// legacy uses found on the way.
type lowerer struct {
	opts   Options
	diags  diag.List
	legacy []*ast.LegacyUse
	// breakable counts the enclosing switch/while/for statements.
	breakable int
	// beforeElse is set while lowering a braceless "then" statement that an
	// "else" follows: old grammars took "if (c) f() else g();".
	beforeElse bool
}

func (lw *lowerer) errorf(p lexer.Position, hint, format string, args ...any) {
	lw.diags.Add(dpos(p), diag.CodeSyntax, fmt.Sprintf(format, args...), hint)
}

func (lw *lowerer) addLegacy(at, end lexer.Position, kind, text, hint string) {
	lw.legacy = append(lw.legacy, &ast.LegacyUse{At: dpos(at), End: dpos(end), Kind: kind, Text: text, Hint: hint})
}

// endOf is the position just after token t.
func endOf(t lexer.Token) lexer.Position {
	p := t.Pos
	v := t.Value
	if i := strings.LastIndexByte(v, '\n'); i >= 0 {
		p.Line += strings.Count(v, "\n")
		p.Column = len(v) - i
	} else {
		p.Column += len(v)
	}
	p.Offset += len(v)
	return p
}

func (lw *lowerer) semi(semi *lexer.Token, after lexer.Token, what string) {
	if semi != nil {
		return
	}
	if lw.beforeElse {
		end := endOf(after)
		lw.addLegacy(end, end, "missing-semicolon-before-else", "", `add ";" before "else"`)
		return
	}
	if what == "" {
		lw.errorf(endOf(after), `add ";"`, `missing ";" after function call`)
		return
	}
	lw.errorf(endOf(after), `add ";"`, `missing ";" after %s`, what)
}

func (lw *lowerer) topSemi(semi *lexer.Token) bool {
	if semi == nil {
		return false
	}
	lw.addLegacy(semi.Pos, endOf(*semi), "top-level-semicolon", ";", `remove the ";" after a top-level item`)
	return true
}

func (lw *lowerer) loadModule(g *gLoadModule) *ast.LoadModule {
	return &ast.LoadModule{
		At:      dpos(g.KW.Pos),
		Path:    lw.unquote(g.Path),
		PathAt:  dpos(g.Path.Pos),
		PathEnd: dpos(endOf(g.Path)),
		Semi:    lw.topSemi(g.Semi),
	}
}

func (lw *lowerer) modParam(g *gModParam) *ast.ModParam {
	m := &ast.ModParam{
		At:      dpos(g.KW.Pos),
		Module:  lw.unquote(g.Module),
		ModAt:   dpos(g.Module.Pos),
		Param:   lw.unquote(g.Param),
		ParamAt: dpos(g.Param.Pos),
		End:     dpos(endOf(g.Close)),
		Semi:    lw.topSemi(g.Semi),
	}
	first, last := g.Value[0], g.Value[len(g.Value)-1]
	v := &ast.Value{At: dpos(first.Pos), End: dpos(endOf(last))}
	switch first.Type {
	case tokString:
		var b strings.Builder
		for _, t := range g.Value {
			s := lw.unquote(t)
			b.WriteString(s)
			if len(g.Value) > 1 {
				v.Parts = append(v.Parts, s)
			}
		}
		v.Kind, v.Str = ast.ValString, b.String()
		v.Raw = rawSpan(g.Value)
	case tokNumber:
		v.Kind, v.Raw = ast.ValInt, first.Value
		n, err := parseInt(first.Value)
		if err != nil {
			lw.errorf(first.Pos, "", "bad number %q: %v", first.Value, err)
		}
		v.Int = n
	default:
		lw.errorf(first.Pos, "quote it", "modparam value must be a string or a number, not %s", describe(first))
		v.Kind, v.Str, v.Raw = ast.ValID, first.Value, first.Value
	}
	m.Value = v
	return m
}

// rawSpan joins the source text of consecutive tokens with single blanks.
func rawSpan(toks []lexer.Token) string {
	if len(toks) == 1 {
		return toks[0].Value
	}
	parts := make([]string, len(toks))
	for i, t := range toks {
		parts[i] = t.Value
	}
	return strings.Join(parts, " ")
}

// routeKinds maps header keywords to route kinds.
var routeKinds = map[string]ast.RouteKind{
	"route": ast.RouteRequest, "failure_route": ast.RouteFailure, "onreply_route": ast.RouteOnReply,
	"branch_route": ast.RouteBranch, "error_route": ast.RouteError, "local_route": ast.RouteLocal,
	"startup_route": ast.RouteStartup, "timer_route": ast.RouteTimer, "event_route": ast.RouteEvent,
}

func (lw *lowerer) route(g *gRoute) *ast.Route {
	kind := routeKinds[g.Kind.Value]
	r := &ast.Route{At: dpos(g.Kind.Pos), Kind: kind, Semi: lw.topSemi(g.Semi)}
	if g.Name != nil {
		n := *g.Name
		r.NameAt, r.NameEnd = dpos(n.Pos), dpos(endOf(n))
		switch n.Type {
		case tokKeyword:
			lw.errorf(n.Pos, fmt.Sprintf(`write %s["%s"]`, g.Kind.Value, n.Value),
				"route name %q is a reserved word; quote it", n.Value)
			r.Name = n.Value
		case tokString:
			r.Name, r.QuotedName = lw.unquote(n), true
		case tokNumber:
			r.Name, r.NumericName = n.Value, true
			if kind == ast.RouteRequest && isZero(n.Value) {
				r.Name = ""
			}
		default:
			r.Name = n.Value
		}
	}
	switch kind {
	case ast.RouteFailure, ast.RouteBranch, ast.RouteEvent, ast.RouteTimer:
		if g.Name == nil {
			lw.errorf(g.Kind.Pos, fmt.Sprintf("write %s[name] { ... }", g.Kind.Value), "%s needs a name", g.Kind.Value)
		}
	case ast.RouteError, ast.RouteLocal, ast.RouteStartup:
		if g.Name != nil {
			lw.errorf(g.Name.Pos, fmt.Sprintf("write %s { ... }", g.Kind.Value), "%s takes no name", g.Kind.Value)
		}
	}
	if kind == ast.RouteTimer {
		if g.Interval == nil {
			if g.Name != nil {
				lw.errorf(endOf(*g.Name), "write timer_route[name, seconds]", "timer_route needs an interval in seconds")
			}
		} else if n, err := parseInt(g.Interval.Value); err != nil || n <= 0 {
			lw.errorf(g.Interval.Pos, "", "timer_route interval must be a positive number of seconds")
		} else {
			r.Interval = n
		}
	} else if g.Interval != nil {
		lw.errorf(g.Interval.Pos, "", "only timer_route takes an interval")
	}
	lw.breakable = 0
	r.Body = lw.block(g.Body)
	if len(g.Body.Stmts) == 0 {
		lw.errorf(g.Body.Pos, `add ";" or "return;"`, "a route body needs at least one statement")
	}
	return r
}

func isZero(s string) bool { n, err := parseInt(s); return err == nil && n == 0 }

func (lw *lowerer) block(g *gBlock) *ast.Block {
	b := &ast.Block{At: dpos(g.Pos), End: dpos(g.Close.Pos), Braced: true}
	b.Stmts = lw.stmts(g.Stmts, nil)
	return b
}

func (lw *lowerer) stmts(gs []*gStmt, out []ast.Stmt) []ast.Stmt {
	if out == nil && len(gs) > 0 {
		out = make([]ast.Stmt, 0, len(gs))
	}
	for _, g := range gs {
		if g.Block != nil {
			if lw.opts.Lenient {
				lw.addLegacy(g.Block.Pos, endOf(g.Block.Close), "bare-block", "{", "remove the extra braces")
				out = lw.stmts(g.Block.Stmts, out)
				continue
			}
			lw.errorf(g.Block.Pos, "remove the extra braces", `a bare "{ ... }" block is not a statement`)
			continue
		}
		if s := lw.stmt(g); s != nil {
			out = append(out, s)
		}
	}
	return out
}

// body lowers the body of if/else/while/for: a braced block or one statement.
func (lw *lowerer) body(g *gStmt) *ast.Block {
	if g.Block != nil {
		return lw.block(g.Block)
	}
	s := lw.stmt(g)
	b := &ast.Block{}
	if s != nil {
		b.At = s.Start()
		b.Stmts = []ast.Stmt{s}
	}
	return b
}

func (lw *lowerer) stmt(g *gStmt) ast.Stmt {
	switch {
	case g.Call != nil:
		c := lw.call(g.Call.Call)
		lw.semi(g.Call.Semi, callEnd(g.Call.Call), "")
		return &ast.CallStmt{Call: c}
	case g.If != nil:
		return lw.ifStmt(g.If)
	case g.Assign != nil:
		return lw.assign(g.Assign)
	case g.Return != nil:
		return lw.returnStmt(g.Return)
	case g.Route != nil:
		return lw.routeCall(g.Route)
	case g.Exit != nil:
		e := g.Exit
		lw.semi(e.Semi, e.KW, fmt.Sprintf("%q", e.KW.Value))
		if e.KW.Value == "drop" {
			return &ast.Drop{At: dpos(e.KW.Pos), End: dpos(endOf(e.KW))}
		}
		return &ast.Exit{At: dpos(e.KW.Pos), End: dpos(endOf(e.KW))}
	case g.Break != nil:
		b := g.Break
		lw.semi(b.Semi, b.KW, `"break"`)
		s := &ast.Break{At: dpos(b.KW.Pos), End: dpos(endOf(b.KW))}
		if lw.breakable == 0 {
			s.Legacy = true
			lw.addLegacy(b.KW.Pos, endOf(b.KW), "break-in-route", "break",
				`"break" is only allowed inside switch, while or for; use "exit" in a top-level route or "return" in a sub-route`)
		}
		return s
	case g.Switch != nil:
		return lw.switchStmt(g.Switch)
	case g.While != nil:
		w := g.While
		s := &ast.While{At: dpos(w.Pos), Cond: lw.cond(w.Cond.X)}
		lw.breakable++
		s.Body = lw.body(w.Body)
		lw.breakable--
		return s
	case g.For != nil:
		f := g.For
		s := &ast.ForEach{At: dpos(f.Pos), Var: pvOf(f.Var), In: pvOf(f.In)}
		lw.breakable++
		s.Body = lw.body(f.Body)
		lw.breakable--
		return s
	case g.Assert != nil:
		a := g.Assert
		s := &ast.Assert{At: dpos(a.KW.Pos), Cond: lw.cond(a.Cond)}
		if a.Msg != nil {
			s.Msg = lw.strLit([]lexer.Token{*a.Msg})
		}
		lw.semi(a.Semi, a.KW, `"assert(...)"`)
		return s
	case g.Async != nil:
		a := g.Async
		s := &ast.Async{At: dpos(a.KW.Pos), Call: lw.call(a.Call), Route: lw.routeName(a.Route), RouteAt: dpos(a.Route.Pos)}
		if a.Timeout != nil {
			s.Timeout = lw.intLit(*a.Timeout)
		}
		lw.semi(a.Semi, a.KW, `"async(...)"`)
		return s
	case g.Launch != nil:
		l := g.Launch
		s := &ast.Launch{At: dpos(l.KW.Pos), Call: lw.call(l.Call)}
		if l.Route != nil {
			s.Route, s.RouteAt = lw.routeName(*l.Route), dpos(l.Route.Pos)
		}
		if l.Param != nil {
			s.Param = lw.strLit([]lexer.Token{*l.Param})
		}
		lw.semi(l.Semi, l.KW, `"launch(...)"`)
		return s
	case g.Empty != nil:
		return &ast.Empty{At: dpos(g.Empty.Pos)}
	}
	return nil
}

func (lw *lowerer) routeName(t lexer.Token) string {
	if t.Type == tokString {
		return lw.unquote(t)
	}
	return t.Value
}

func callEnd(c *gCall) lexer.Token {
	if c.HasParens {
		return c.Close
	}
	return c.Name
}

func (lw *lowerer) ifStmt(g *gIf) *ast.If {
	s := &ast.If{At: dpos(g.Pos), Cond: unparen(lw.cond(g.Cond))}
	lw.beforeElse = g.Else != nil && g.Then.Block == nil
	s.Then = lw.body(g.Then)
	lw.beforeElse = false
	if g.Else != nil {
		s.Else = lw.body(g.Else)
	}
	return s
}

// unparen drops the parentheses that the if syntax itself wraps around a
// condition, so that if (x) has condition x.
func unparen(e ast.Expr) ast.Expr {
	if p, ok := e.(*ast.Paren); ok && !p.Bracket {
		return p.X
	}
	return e
}

func (lw *lowerer) assign(g *gAssign) ast.Stmt {
	if !isAssignOp(g.Op.Value) {
		lw.errorf(g.Op.Pos, `use "=" to assign`, "%q is not an assignment operator", g.Op.Value)
	}
	s := &ast.Assign{At: dpos(g.Target.Pos), Target: pvOf(g.Target), Op: g.Op.Value, Value: lw.expr(g.Value)}
	if g.Semi == nil {
		lw.errorf(posOf(exprEnd(s.Value)), `add ";"`, `missing ";" after assignment`)
	}
	return s
}

func isAssignOp(op string) bool {
	switch op {
	case "=", ":=", "+=", "-=", "*=", "/=", "%=", "&=", "|=", "^=":
		return true
	}
	return false
}

func (lw *lowerer) returnStmt(g *gReturn) *ast.Return {
	s := &ast.Return{At: dpos(g.KW.Pos)}
	last := g.KW
	if g.Open != nil {
		for _, v := range g.Values {
			s.Values = append(s.Values, lw.expr(v))
		}
	} else if g.Value != nil {
		s.Values = []ast.Expr{lw.expr(g.Value)}
	}
	if g.Semi == nil {
		if len(g.Values) == 0 && g.Value == nil && g.Open == nil {
			lw.semi(nil, last, `"return"`)
		} else {
			lw.errorf(lw.lastEnd(s), `add ";"`, `missing ";" after "return"`)
		}
	}
	return s
}

func (lw *lowerer) lastEnd(s *ast.Return) lexer.Position {
	if len(s.Values) == 0 {
		return lexer.Position{Filename: s.At.File, Line: s.At.Line, Column: s.At.Col + len("return"), Offset: s.At.Offset + len("return")}
	}
	return posOf(exprEnd(s.Values[len(s.Values)-1]))
}

func (lw *lowerer) routeCall(g *gRouteCall) *ast.RouteCall {
	s := &ast.RouteCall{At: dpos(g.KW.Pos), NameAt: dpos(g.Name.Pos), NameEnd: dpos(endOf(g.Name))}
	switch g.Name.Type {
	case tokPV:
		s.Dynamic = pvOf(g.Name)
	case tokString:
		name := lw.unquote(g.Name)
		if strings.Contains(name, "$") {
			s.Dynamic = lw.strLit([]lexer.Token{g.Name})
		} else {
			s.Name = name
		}
	case tokKeyword:
		lw.errorf(g.Name.Pos, fmt.Sprintf(`write route("%s")`, g.Name.Value), "route name %q is a reserved word; quote it", g.Name.Value)
		s.Name = g.Name.Value
	default:
		s.Name = g.Name.Value
	}
	for _, a := range g.Args {
		s.Args = append(s.Args, lw.arg(a, false))
	}
	lw.semi(g.Semi, g.KW, `"route(...)"`)
	return s
}

func (lw *lowerer) switchStmt(g *gSwitch) *ast.Switch {
	s := &ast.Switch{At: dpos(g.Pos)}
	if pv, ok := lw.expr(g.Subject.X).(*ast.PV); ok {
		s.Subject = pv
	} else {
		lw.errorf(g.Subject.Pos, "", "switch needs a single variable: switch ($var(x))")
	}
	lw.breakable++
	defer func() { lw.breakable-- }()
	sawDefault := false
	for _, c := range g.Cases {
		ac := &ast.Case{}
		switch {
		case c.Deflt != nil:
			ac.At, ac.Default = dpos(c.Deflt.Pos), true
			if sawDefault {
				lw.errorf(c.Deflt.Pos, "", `a switch can have only one "default"`)
			}
			sawDefault = true
		default:
			ac.At = dpos(c.KW.Pos)
			if sawDefault {
				lw.errorf(c.KW.Pos, `move "default" to the end of the switch`, `"default" must be the last label in a switch`)
			}
			v := *c.Value
			switch v.Type {
			case tokNumber:
				ac.Value = lw.intLit(v)
			case tokString:
				ac.Value = lw.strLit([]lexer.Token{v})
			default:
				lw.errorf(v.Pos, "quote it", "a case label must be a number or a string, not %s", describe(v))
				ac.Value = &ast.Ident{At: dpos(v.Pos), End: dpos(endOf(v)), Name: v.Value}
			}
		}
		ac.Body = lw.stmts(c.Body, nil)
		s.Cases = append(s.Cases, ac)
	}
	return s
}

func (lw *lowerer) call(g *gCall) *ast.Call {
	c := &ast.Call{At: dpos(g.Name.Pos), Name: g.Name.Value, End: dpos(endOf(callEnd(g)))}
	if !g.HasParens {
		c.NoParens = true
		lw.addLegacy(g.Name.Pos, endOf(g.Name), "call-without-parens", g.Name.Value, "write "+g.Name.Value+"()")
		return c
	}
	if g.Name.Value == "log" {
		lw.addLegacy(g.Name.Pos, endOf(g.Close), "log-builtin", "log", `use xlog("L_DBG", "...")`)
	}
	fold := g.Name.Value == "xlog" || g.Name.Value == "xdbg"
	if len(g.Args) == 1 && g.Args[0] == nil {
		return c
	}
	c.Args = make([]ast.Expr, len(g.Args))
	for i, a := range g.Args {
		if a != nil {
			c.Args[i] = lw.arg(a, fold)
		}
	}
	return c
}

// arg lowers a function or route argument: STRING | signed NUMBER | PV | null,
// or a legacy bare word.
func (lw *lowerer) arg(a *gArg, fold bool) ast.Expr {
	t := a.Tok
	if t.Type == tokString {
		return lw.strings(t, a.More, fold)
	}
	switch t.Type {
	case tokIdent, tokIP:
		lw.addLegacy(t.Pos, endOf(t), "bare-word-arg", t.Value, fmt.Sprintf("quote it: %q", t.Value))
		if t.Type == tokIP {
			return &ast.IPLit{At: dpos(t.Pos), End: dpos(endOf(t)), Raw: t.Value}
		}
		return &ast.Ident{At: dpos(t.Pos), End: dpos(endOf(t)), Name: t.Value}
	}
	return lw.leaf(t)
}

func (lw *lowerer) leaf(t lexer.Token) ast.Expr {
	switch t.Type {
	case tokPV:
		return pvOf(t)
	case tokNumber:
		return lw.intLit(t)
	case tokNull:
		return &ast.NullLit{At: dpos(t.Pos), End: dpos(endOf(t))}
	case tokIP:
		return &ast.IPLit{At: dpos(t.Pos), End: dpos(endOf(t)), Raw: t.Value}
	case tokString:
		return lw.strLit([]lexer.Token{t})
	}
	return &ast.Ident{At: dpos(t.Pos), End: dpos(endOf(t)), Name: t.Value}
}

func pvOf(t lexer.Token) *ast.PV {
	return &ast.PV{At: dpos(t.Pos), End: dpos(endOf(t)), Raw: t.Value}
}

func (lw *lowerer) intLit(t lexer.Token) *ast.IntLit {
	n, err := parseInt(t.Value)
	if err != nil {
		lw.errorf(t.Pos, "", "bad number %q: %v", t.Value, err)
	}
	return &ast.IntLit{At: dpos(t.Pos), End: dpos(endOf(t)), Value: n, Raw: t.Value}
}

// parseInt decodes a script number: decimal, 0x hex, 0-prefixed octal, a
// sign, or a boolean word.
func parseInt(s string) (int64, error) {
	if n, ok := wordNumbers[s]; ok {
		return n, nil
	}
	neg := false
	switch {
	case strings.HasPrefix(s, "-"):
		neg, s = true, s[1:]
	case strings.HasPrefix(s, "+"):
		s = s[1:]
	}
	var n int64
	var err error
	switch {
	case len(s) > 2 && (s[:2] == "0x" || s[:2] == "0X"):
		n, err = strconv.ParseInt(s[2:], 16, 64)
	case len(s) > 1 && s[0] == '0':
		n, err = strconv.ParseInt(s[1:], 8, 64)
	default:
		n, err = strconv.ParseInt(s, 10, 64)
	}
	if err != nil {
		if ne, ok := err.(*strconv.NumError); ok {
			err = ne.Err
		}
		return 0, err
	}
	if neg {
		n = -n
	}
	return n, nil
}

// strings lowers one string token and any adjacent ones, which only xlog,
// xdbg (fold) and modparam accept.
func (lw *lowerer) strings(first lexer.Token, more []lexer.Token, fold bool) *ast.StrLit {
	if len(more) == 0 {
		return lw.strLit([]lexer.Token{first})
	}
	if !fold {
		lw.errorf(more[0].Pos, "join them into one string", "adjacent strings are only joined in xlog, xdbg and modparam")
	}
	return lw.strLit(append([]lexer.Token{first}, more...))
}

func (lw *lowerer) strLit(toks []lexer.Token) *ast.StrLit {
	first, last := toks[0], toks[len(toks)-1]
	if len(toks) == 1 {
		return &ast.StrLit{At: dpos(first.Pos), End: dpos(endOf(first)), Value: lw.unquote(first), Quote: quoteOf(first.Value), Raw: first.Value}
	}
	s := &ast.StrLit{At: dpos(first.Pos), End: dpos(endOf(last)), Quote: quoteOf(first.Value), Raw: rawSpan(toks)}
	var b strings.Builder
	for _, t := range toks {
		p := lw.strLit([]lexer.Token{t})
		b.WriteString(p.Value)
		s.Parts = append(s.Parts, p)
	}
	s.Value = b.String()
	return s
}

func quoteOf(raw string) byte {
	if raw != "" && raw[0] == '\'' {
		return '\''
	}
	return '"'
}

func (lw *lowerer) unquote(t lexer.Token) string {
	v, ok := unquote(t.Value)
	if !ok {
		lw.errorf(t.Pos, "", "bad string %s", describe(t))
	}
	return v
}
