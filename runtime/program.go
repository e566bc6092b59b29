package runtime

import (
	"fmt"
	"log/slog"
	"net/netip"
	"strings"
	"time"

	"gosips/api"
	"gosips/lang/ast"
	"gosips/lang/diag"
	"gosips/pv"
)

// legacyKeywords maps the removed core test keywords to the variables that
// replaced them.
var legacyKeywords = map[string]string{
	"method":   "$rm",
	"uri":      "$ru",
	"src_ip":   "$si",
	"dst_ip":   "$socket_in(ip)",
	"src_port": "$sp",
	"dst_port": "$socket_in(port)",
	"from_uri": "$fu",
	"to_uri":   "$tu",
	"proto":    "$socket_in(proto)",
	"af":       "$socket_in(af)",
	"msg:len":  "$ml",
	"status":   "$rs",
	"retcode":  "$rc",
}

// builder turns checked routes into executable statements.
type builder struct {
	s    *Script
	p    *Program
	errs diag.List
}

// Build compiles the routes of a checked script into a Program. It must
// only be called on a Script whose Compile reported no errors.
func (s *Script) Build(log *slog.Logger) (*Program, error) {
	return s.build(log, nil)
}

func (s *Script) build(log *slog.Logger, tr Tracer) (*Program, error) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	p := &Program{script: s, routes: map[ast.RouteKind]map[string]*Route{}, log: log, maxLoops: 10000, started: time.Now(), trace: tr}
	if v, ok := s.Globals["max_while_loops"]; ok && v.IsInt() && v.I > 0 {
		p.maxLoops = int(v.I)
	}
	if v, ok := s.Globals["enable_asserts"]; ok && v.IsInt() && v.I != 0 {
		p.asserts = true
	}
	b := &builder{s: s, p: p}
	// Create every route first so calls can point at them.
	for _, r := range s.Routes.All() {
		m := p.routes[r.Kind]
		if m == nil {
			m = map[string]*Route{}
			p.routes[r.Kind] = m
		}
		m[r.Name] = &Route{Kind: r.Kind, Name: r.Name, Pos: r.At}
	}
	for _, r := range s.Routes.All() {
		p.routes[r.Kind][r.Name].body = b.stmts(r.Body.Stmts)
	}
	return p, b.errs.Err()
}

func (b *builder) fail(at diag.Pos, format string, args ...any) {
	b.errs.Add(at, diag.CodeBadExpr, fmt.Sprintf(format, args...), "")
}

func (b *builder) block(bl *ast.Block) block {
	if bl == nil {
		return nil
	}
	return b.stmts(bl.Stmts)
}

func (b *builder) stmts(list []ast.Stmt) block {
	out := make(block, 0, len(list))
	for _, s := range list {
		if st := b.stmt(s); st != nil {
			if b.p.trace != nil {
				st = &tracedStmt{at: s.Start(), text: b.traceLine(s.Start()), inner: st}
			}
			out = append(out, st)
		}
	}
	return out
}

// topCond compiles the condition of an if or while, reported when traced.
func (b *builder) topCond(e ast.Expr) cond {
	c := b.cond(e)
	if b.p.trace != nil {
		return &tracedCond{at: e.Start(), inner: c}
	}
	return c
}

func (b *builder) stmt(s ast.Stmt) stmt {
	switch s := s.(type) {
	case *ast.CallStmt:
		if cs := b.call(s.Call); cs != nil {
			return cs
		}
	case *ast.Assign:
		return b.assign(s)
	case *ast.If:
		st := &ifStmt{cond: b.topCond(s.Cond), then: b.block(s.Then)}
		if s.Else != nil {
			st.el = b.block(s.Else)
		}
		return st
	case *ast.While:
		return &whileStmt{at: s.At, cond: b.topCond(s.Cond), body: b.block(s.Body)}
	case *ast.ForEach:
		return &forEachStmt{at: s.At, iter: pvRef{b.spec(s.Var)}, src: pvRef{b.spec(s.In)}, body: b.block(s.Body)}
	case *ast.Switch:
		st := &switchStmt{at: s.At, subject: pvRef{b.spec(s.Subject)}, def: -1}
		for i, c := range s.Cases {
			sc := switchCase{body: b.stmts(c.Body)}
			switch v := c.Value.(type) {
			case nil:
				st.def = i
			case *ast.IntLit:
				sc.isInt, sc.i = true, v.Value
			case *ast.StrLit:
				sc.s = v.Value
			}
			st.cases = append(st.cases, sc)
		}
		return st
	case *ast.Break:
		if s.Legacy {
			return legacyBreak{}
		}
		return breakStmt{}
	case *ast.Return:
		st := &returnStmt{at: s.At}
		if len(s.Values) > 0 {
			st.value = b.expr(s.Values[0])
			for _, v := range s.Values[1:] {
				st.extras = append(st.extras, b.expr(v))
			}
		}
		return st
	case *ast.Exit:
		return &exitStmt{}
	case *ast.Drop:
		return &exitStmt{drop: true}
	case *ast.RouteCall:
		st := &routeStmt{at: s.At}
		if s.Dynamic != nil {
			st.dynamic = b.expr(s.Dynamic)
		} else {
			st.target = b.p.Route(ast.RouteRequest, s.Name)
			if st.target == nil && s.Name == "0" {
				st.target = b.p.Route(ast.RouteRequest, "")
			}
			if st.target == nil {
				b.fail(s.At, "route[%s] is not defined", s.Name)
				return nil
			}
		}
		for _, a := range s.Args {
			if a == nil {
				st.args = append(st.args, constExpr{api.Null})
				continue
			}
			st.args = append(st.args, b.expr(a))
		}
		return st
	case *ast.Assert:
		msg := "assertion"
		if s.Msg != nil {
			msg = s.Msg.Value
		}
		return &assertStmt{at: s.At, cond: b.cond(s.Cond), msg: msg}
	case *ast.Async:
		// Without an asynchronous engine the function runs inline and the
		// script continues in the resume route, as OpenSIPS does when a
		// function completes synchronously.
		cs := b.call(s.Call)
		r := b.p.Route(ast.RouteRequest, s.Route)
		if cs == nil || r == nil {
			return nil
		}
		return block{cs, &routeStmt{at: s.At, target: r}, &exitStmt{}}
	case *ast.Launch:
		return b.call(s.Call)
	}
	return nil
}

func (b *builder) spec(p *ast.PV) *pv.Spec {
	if sp := b.s.PVs[p]; sp != nil {
		return sp
	}
	b.fail(p.At, "unresolved variable %s", p.Raw)
	return nil
}

func (b *builder) call(c *ast.Call) *callStmt {
	info := b.s.Calls[c]
	if info == nil {
		b.fail(c.At, "unresolved function %s()", c.Name)
		return nil
	}
	if info.Fn.Call == nil {
		b.fail(c.At, "function %s of module %s is not implemented yet", c.Name, info.Module.Name)
		return nil
	}
	cs := &callStmt{at: c.At, name: c.Name, fn: info.Fn.Call, args: make([]argEval, len(info.Args))}
	for i, a := range info.Args {
		cs.args[i] = argEval{kind: info.Fn.Args[i].Type, given: a.Given, fixed: a.Fixed, pv: a.PV, format: a.Format}
	}
	return cs
}

func (b *builder) assign(s *ast.Assign) *assignStmt {
	st := &assignStmt{at: s.At, target: pvRef{b.spec(s.Target)}, op: s.Op}
	if _, ok := s.Value.(*ast.NullLit); ok {
		st.isNull = true
	} else {
		st.value = b.expr(s.Value)
	}
	return st
}

// expr compiles an assignment-expression operand.
func (b *builder) expr(e ast.Expr) expr {
	switch e := e.(type) {
	case *ast.IntLit:
		return constExpr{api.IntValue(e.Value)}
	case *ast.StrLit:
		return constExpr{api.StrValue(e.Value)}
	case *ast.NullLit:
		return constExpr{api.Null}
	case *ast.Ident:
		return constExpr{api.StrValue(e.Name)}
	case *ast.IPLit:
		return constExpr{api.StrValue(e.Raw)}
	case *ast.PV:
		return pvExpr{b.spec(e)}
	case *ast.Keyword:
		return b.keyword(e)
	case *ast.Call:
		if rc := b.s.RouteCalls[e]; rc != nil {
			if st, ok := b.stmt(rc).(*routeStmt); ok {
				return routeExpr{st}
			}
		}
		if cs := b.call(e); cs != nil {
			return callExpr{cs}
		}
		return constExpr{api.IntValue(-1)}
	case *ast.Paren:
		if e.Bracket {
			return condExpr{b.cond(e.X)}
		}
		return b.expr(e.X)
	case *ast.Unary:
		if e.Op == "!" {
			return condExpr{b.cond(e)}
		}
		return &unaryExpr{op: e.Op, x: b.expr(e.X)}
	case *ast.Binary:
		switch e.Op {
		case "+", "-", "*", "/", "%", "&", "|", "^", "<<", ">>":
			return &binExpr{op: e.Op, x: b.expr(e.X), y: b.expr(e.Y)}
		}
		return condExpr{b.cond(e)}
	case *ast.AssignExpr:
		a := b.assign(e.Assign)
		return condExpr{assignCond{a}}
	}
	b.fail(e.Start(), "unsupported expression")
	return constExpr{api.Null}
}

func (b *builder) keyword(k *ast.Keyword) expr {
	raw, ok := legacyKeywords[k.Name]
	if !ok {
		b.fail(k.At, "unknown keyword %s", k.Name)
		return constExpr{api.Null}
	}
	sp, err := pv.Parse(raw)
	if err == nil {
		err = b.s.pvTable.Resolve(sp)
	}
	if err != nil {
		b.fail(k.At, "%s: %v", k.Name, err)
		return constExpr{api.Null}
	}
	return pvExpr{sp}
}

// cond compiles a condition.
func (b *builder) cond(e ast.Expr) cond {
	switch e := e.(type) {
	case *ast.Binary:
		switch e.Op {
		case "&&":
			return &andCond{b.cond(e.X), b.cond(e.Y)}
		case "||":
			return &orCond{b.cond(e.X), b.cond(e.Y)}
		case "==", "!=", "<", ">", "<=", ">=", "=~", "!~":
			return b.compare(e)
		}
		return truthCond{b.expr(e)}
	case *ast.Unary:
		if e.Op == "!" {
			return &notCond{b.cond(e.X)}
		}
		return truthCond{b.expr(e)}
	case *ast.Paren:
		if e.Bracket {
			return truthCond{b.expr(e.X)}
		}
		return b.cond(e.X)
	case *ast.Call:
		if rc := b.s.RouteCalls[e]; rc != nil {
			if st, ok := b.stmt(rc).(*routeStmt); ok {
				return routeExpr{st}
			}
		}
		if cs := b.call(e); cs != nil {
			return callCond{cs}
		}
		return constCond(false)
	case *ast.IntLit:
		return constCond(e.Value != 0)
	case *ast.AssignExpr:
		return assignCond{b.assign(e.Assign)}
	}
	return truthCond{b.expr(e)}
}

func (b *builder) compare(e *ast.Binary) cond {
	c := &cmpCond{op: e.Op, x: b.expr(e.X)}
	switch y := e.Y.(type) {
	case *ast.NullLit:
		c.yNil = true
	case *ast.IPLit:
		pfx, err := parseNet(y.Raw)
		if err != nil {
			b.fail(y.At, "bad IP address or network %q: %v", y.Raw, err)
		}
		c.isIP, c.net = true, pfx
	case *ast.Ident:
		if strings.EqualFold(y.Name, "myself") {
			c.myself = true
			if kw, ok := e.X.(*ast.Keyword); ok && (kw.Name == "uri" || kw.Name == "from_uri" || kw.Name == "to_uri") {
				c.myselfPort = true
			}
			break
		}
		c.y, c.rightConst = constExpr{api.StrValue(y.Name)}, true
	case *ast.StrLit:
		c.y, c.rightConst = constExpr{api.StrValue(y.Value)}, true
		if e.Op == "=~" || e.Op == "!~" {
			re, err := api.CompileRegex(y.Value, false)
			if err != nil {
				b.fail(y.At, "%v", err)
			}
			c.re = re
		}
	case *ast.IntLit:
		c.y, c.rightConst, c.rightInt = constExpr{api.IntValue(y.Value)}, true, true
	default:
		c.y = b.expr(e.Y)
	}
	return c
}

// parseNet parses "1.2.3.4", "10.0.0.0/8", "10.0.0.0/255.0.0.0" or IPv6.
func parseNet(s string) (netip.Prefix, error) {
	s = strings.Trim(s, "[]")
	addr, bits, hasBits := strings.Cut(s, "/")
	a, err := netip.ParseAddr(addr)
	if err != nil {
		return netip.Prefix{}, err
	}
	if !hasBits {
		return netip.PrefixFrom(a, a.BitLen()), nil
	}
	if m, err := netip.ParseAddr(bits); err == nil {
		ones := 0
		for _, x := range m.AsSlice() {
			for i := 7; i >= 0; i-- {
				if x&(1<<i) != 0 {
					ones++
				}
			}
		}
		return netip.PrefixFrom(a, ones).Masked(), nil
	}
	var n int
	if _, err := fmt.Sscan(bits, &n); err != nil || n < 0 || n > a.BitLen() {
		return netip.Prefix{}, fmt.Errorf("bad prefix length %q", bits)
	}
	return netip.PrefixFrom(a, n).Masked(), nil
}
