package port

import (
	"strconv"
	"strings"

	"gosips/lang/ast"
)

// walker rewrites the statements of one route block.
type walker struct {
	ps *pass
	r  *ast.Route
	// unbraced is set inside a braceless if/else/while body.
	unbraced bool
}

// sub reports whether the route is a sub-route, left with "return".
func (w *walker) sub() bool { return w.r.Kind == ast.RouteRequest && w.r.Name != "" }

// routes rewrites every route body (§3.5–§3.11).
func routes(ps *pass) {
	for _, it := range ps.f.Items {
		r, ok := it.(*ast.Route)
		if !ok || !ps.mine(r.At) {
			continue
		}
		w := &walker{ps: ps, r: r}
		w.block(r.Body)
	}
}

func (w *walker) block(b *ast.Block) {
	if b == nil {
		return
	}
	saved := w.unbraced
	w.unbraced = !b.Braced
	w.stmts(b.Stmts)
	w.unbraced = saved
}

func (w *walker) stmts(list []ast.Stmt) {
	for _, s := range list {
		w.stmt(s)
	}
}

func (w *walker) stmt(s ast.Stmt) {
	ps := w.ps
	switch s := s.(type) {
	case *ast.CallStmt:
		w.flagCall(s.Call, givenArgs(s.Call))
		w.call(s.Call, true)
	case *ast.Assign:
		w.expr(s.Value)
	case *ast.If:
		w.expr(s.Cond)
		w.block(s.Then)
		w.block(s.Else)
	case *ast.While:
		w.expr(s.Cond)
		w.block(s.Body)
	case *ast.ForEach:
		w.block(s.Body)
	case *ast.Switch:
		saved := w.unbraced
		w.unbraced = false
		for _, c := range s.Cases {
			w.stmts(c.Body)
		}
		w.unbraced = saved
	case *ast.Return:
		for _, v := range s.Values {
			w.expr(v)
		}
	case *ast.RouteCall:
		for _, a := range s.Args {
			w.expr(a)
		}
	case *ast.Assert:
		w.expr(s.Cond)
	case *ast.Async:
		w.call(s.Call, false)
	case *ast.Launch:
		w.call(s.Call, false)
	case *ast.Break:
		// F1: OpenSER 0.9 "break" left the current route.
		if s.Legacy && ps.mine(s.At) {
			ps.es.replace(s.At.Offset, s.End.Offset, w.leave())
		}
	case *ast.Drop:
		// F2: in 0.9 "drop" was the same token as "break".
		if !ps.p.openser09 || !ps.mine(s.At) {
			return
		}
		switch w.r.Kind {
		case ast.RouteOnReply, ast.RouteBranch:
			ps.note(s.At, "F2", "OpenSER 0.9 drop only left the route; in %s it now drops the %s", w.r.Kind, map[bool]string{true: "reply", false: "branch"}[w.r.Kind == ast.RouteOnReply])
		default:
			ps.es.replace(s.At.Offset, skipParens(ps.src, s.End.Offset), w.leave())
		}
	}
}

// leave is the statement that ends the current route.
func (w *walker) leave() string {
	if w.sub() {
		return "return"
	}
	return "exit"
}

// expr rewrites old core tests and calls inside an expression.
func (w *walker) expr(e ast.Expr) {
	switch e := e.(type) {
	case nil:
	case *ast.Call:
		w.call(e, false)
	case *ast.Binary:
		if k, ok := e.X.(*ast.Keyword); ok {
			w.keywordTest(e, k)
			return
		}
		w.expr(e.X)
		w.expr(e.Y)
	case *ast.Unary:
		w.expr(e.X)
	case *ast.Paren:
		w.expr(e.X)
	case *ast.AssignExpr:
		w.expr(e.Assign.Value)
	case *ast.Keyword:
		w.keywordAlone(e)
	}
}

// keywordPVs are the variables replacing the old core test keywords
// (C1–C17).
var keywordPVs = map[string]string{
	"method": "$rm", "uri": "$ru", "from_uri": "$fu", "to_uri": "$tu",
	"src_ip": "$si", "src_port": "$sp", "dst_ip": "$socket_in(ip)", "dst_port": "$socket_in(port)",
	"proto": "$socket_in(proto)", "af": "$socket_in(af)", "msg:len": "$ml", "status": "$rs",
	"retcode": "$rc",
}

// myselfHosts are the hosts is_myself() checks for "X==myself".
var myselfHosts = map[string]string{
	"uri": "$rd", "from_uri": "$fd", "to_uri": "$td", "src_ip": "$si", "dst_ip": "$socket_in(ip)",
}

var keywordRules = map[string]string{
	"method": "C1", "uri": "C5", "from_uri": "C7", "to_uri": "C8", "src_ip": "C9", "src_port": "C11",
	"dst_ip": "C12", "dst_port": "C12", "proto": "C13", "af": "C14", "msg:len": "C15", "status": "C16",
	"retcode": "C17",
}

// keywordTest rewrites "keyword op value" (§3.6).
func (w *walker) keywordTest(b *ast.Binary, k *ast.Keyword) {
	ps := w.ps
	if !ps.mine(b.At) {
		return
	}
	start, end := b.At.Offset, exprEnd(ps.src, b.Y)
	if end <= start {
		return
	}
	if keywordPVs[k.Name] == "" {
		return
	}
	neg := ""
	if b.Op == "!=" {
		neg = "!"
	}
	eq := b.Op == "==" || b.Op == "!="
	yStart := b.Y.Start().Offset
	pv := keywordPVs[k.Name]
	// Variable forms keep the operator and its spacing: only the keyword
	// (and an old-style right operand) change.
	keepOp := func(y string) {
		ps.es.replace(k.At.Offset, k.End.Offset, pv)
		if y != "" {
			ps.es.replace(yStart, end, y)
		}
	}
	switch v := b.Y.(type) {
	case *ast.Ident:
		switch {
		case strings.EqualFold(v.Name, "myself") && eq && myselfHosts[k.Name] != "":
			ps.es.replace(start, end, neg+`is_myself("`+myselfHosts[k.Name]+`")`)
		case k.Name == "method" && eq:
			ps.es.replace(start, end, neg+`is_method("`+v.Name+`")`)
		case k.Name == "msg:len" && strings.EqualFold(v.Name, "max_len"):
			keepOp(maxLen)
		case k.Name == "proto" && eq:
			keepOp(strconv.Quote(strings.ToLower(v.Name)))
		case k.Name == "af" && eq:
			keepOp(strconv.Quote(strings.ToUpper(v.Name)))
		default:
			ps.manual(b.At, keywordRules[k.Name], "old core test %s %s %s: no mechanical rewrite", k.Name, b.Op, v.Name)
		}
	case *ast.StrLit:
		switch {
		case k.Name == "method" && eq:
			ps.es.replace(start, end, neg+`is_method(`+string(ps.src[yStart:end])+`)`)
		case k.Name == "status":
			// OpenSIPS 3.x takes no number after =~ / !~: a regex stays
			// a string.
			y := ""
			if n, err := strconv.Atoi(v.Value); err == nil && b.Op != "=~" && b.Op != "!~" {
				y = strconv.Itoa(n)
			}
			keepOp(y)
		default:
			keepOp("")
		}
	default:
		keepOp("")
	}
}

// maxLen is the old max_len keyword: the receive buffer size.
const maxLen = "65535"

// keywordAlone rewrites a keyword used as a value ("if (retcode)").
func (w *walker) keywordAlone(k *ast.Keyword) {
	if pv := keywordPVs[k.Name]; pv != "" && w.ps.mine(k.At) {
		w.ps.es.replace(k.At.Offset, k.End.Offset, pv)
	}
}

// exprEnd returns the offset just after an expression.
func exprEnd(src []byte, e ast.Expr) int {
	switch e := e.(type) {
	case *ast.Call:
		return e.End.Offset
	case *ast.IntLit:
		return e.End.Offset
	case *ast.StrLit:
		return e.End.Offset
	case *ast.NullLit:
		return e.End.Offset
	case *ast.PV:
		return e.End.Offset
	case *ast.IPLit:
		return e.End.Offset
	case *ast.Ident:
		return e.End.Offset
	case *ast.Keyword:
		return e.End.Offset
	case *ast.Binary:
		return exprEnd(src, e.Y)
	case *ast.Unary:
		return exprEnd(src, e.X)
	case *ast.Paren:
		return e.End.Offset
	case *ast.AssignExpr:
		return exprEnd(src, e.Assign.Value)
	}
	return -1
}

// exprText returns the source text of an expression.
func exprText(src []byte, e ast.Expr) string {
	end := exprEnd(src, e)
	if e == nil || end < e.Start().Offset {
		return ""
	}
	return string(src[e.Start().Offset:end])
}
