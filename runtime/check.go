package runtime

import (
	"errors"
	"fmt"
	"gosips/runtime/legacy"
	"regexp"
	"strconv"
	"strings"

	"gosips/api"
	"gosips/lang/ast"
	"gosips/lang/diag"
	"gosips/pv"
)

// CallInfo is a resolved function call.
type CallInfo struct {
	Module *Module
	Fn     *api.Func
	Args   []ArgInfo
}

// ArgInfo is one resolved argument of a call.
type ArgInfo struct {
	Given bool
	// Fixed is the load-time value: the fixup's result, or the literal
	// (int64, string, *regexp.Regexp) when the argument is constant.
	Fixed any
	Const bool
	// Dynamic parts, evaluated per message.
	PV     *pv.Spec
	Format *pv.Format
}

// use is one function call site inside a route, for route-type checks.
type use struct {
	at     diag.Pos
	name   string
	routes api.RouteType
}

// routeInfo is what the checker learnt about one route block.
type routeInfo struct {
	r     *ast.Route
	uses  []use
	calls []routeEdge
}

type routeEdge struct {
	at     diag.Pos
	target *ast.Route
}

// checker walks route bodies.
type checker struct {
	c      *compiler
	pvs    *pv.Table
	funcs  map[string]*resolvedFunc
	known  map[string]string // function name → module that has it (all registered)
	infos  map[*ast.Route]*routeInfo
	cur    *routeInfo
	armed  map[*ast.Route]bool
	fnames []string
}

type resolvedFunc struct {
	mod *Module
	fn  *api.Func
}

func (c *compiler) resolveRoutes() {
	k := &checker{c: c, funcs: map[string]*resolvedFunc{}, known: map[string]string{}, infos: map[*ast.Route]*routeInfo{}, armed: map[*ast.Route]bool{}}
	k.buildFuncs()
	k.buildPVs()
	for _, r := range c.script.Routes.All() {
		ri := &routeInfo{r: r}
		k.infos[r] = ri
	}
	for _, r := range c.script.Routes.All() {
		k.cur = k.infos[r]
		k.block(r.Body)
	}
	k.routeFlags()
	k.unused()
}

func (k *checker) buildFuncs() {
	// Core functions take precedence, then modules in load order.
	for _, m := range k.c.script.Modules {
		for name, fn := range m.funcs {
			if _, dup := k.funcs[name]; !dup {
				k.funcs[name] = &resolvedFunc{mod: m, fn: fn}
				k.fnames = append(k.fnames, name)
			}
		}
	}
	for _, name := range k.c.reg.Names() {
		info, _ := k.c.reg.Lookup(name)
		if k.c.script.Loaded(name) {
			continue
		}
		for _, fn := range info.New().Funcs() {
			if _, ok := k.known[fn.Name]; !ok {
				k.known[fn.Name] = name
			}
		}
	}
}

func (k *checker) buildPVs() {
	defs := [][]pv.Def{pv.CoreDefs()}
	for _, m := range k.c.script.Modules {
		if ex, ok := m.Inst.(pv.Exporter); ok {
			defs = append(defs, ex.PVs())
		}
	}
	k.pvs = pv.NewTable(defs...)
	k.pvs.SetLoaded(func(m string) bool { return m == "" || k.c.script.Loaded(m) })
	k.c.script.pvTable = k.pvs
	// Module PVs of modules that are not loaded, for "loadmodule" hints.
	for _, name := range k.c.reg.Names() {
		if k.c.script.Loaded(name) {
			continue
		}
		info, _ := k.c.reg.Lookup(name)
		if ex, ok := info.New().(pv.Exporter); ok {
			k.pvs.AddKnown(name, ex.PVs())
		}
	}
}

func (k *checker) errf(at diag.Pos, code, hint, format string, args ...any) {
	k.c.diags.Add(at, code, fmt.Sprintf(format, args...), hint)
}

func (k *checker) block(b *ast.Block) {
	if b == nil {
		return
	}
	k.stmts(b.Stmts)
}

func (k *checker) stmts(list []ast.Stmt) {
	terminated := false
	for _, s := range list {
		if _, empty := s.(*ast.Empty); empty {
			continue
		}
		if terminated {
			k.c.diags.Warn(s.Start(), diag.CodeUnreachable, "unreachable statement", "the statement before it always leaves the route")
			terminated = false // report once per run
		}
		k.stmt(s)
		switch s := s.(type) {
		case *ast.Exit, *ast.Drop, *ast.Return:
			terminated = true
		case *ast.Break:
			terminated = s.Legacy
		}
	}
}

func (k *checker) stmt(s ast.Stmt) {
	switch s := s.(type) {
	case *ast.CallStmt:
		k.call(s.Call, false)
	case *ast.Assign:
		k.assign(s)
	case *ast.If:
		k.cond(s.Cond)
		k.block(s.Then)
		k.block(s.Else)
	case *ast.While:
		k.cond(s.Cond)
		k.block(s.Body)
	case *ast.ForEach:
		k.forEach(s)
	case *ast.Switch:
		k.pvRead(s.Subject)
		seen := map[string]diag.Pos{}
		for _, cs := range s.Cases {
			if cs.Value != nil {
				key := caseKey(cs.Value)
				if prev, dup := seen[key]; dup {
					k.c.diags.Warn(cs.At, diag.CodeUnreachable, fmt.Sprintf("duplicate case %s (first at %s)", key, prev), "")
				}
				seen[key] = cs.At
			}
			k.stmts(cs.Body)
		}
	case *ast.Return:
		for _, v := range s.Values {
			k.expr(v)
		}
	case *ast.RouteCall:
		k.routeCall(s)
	case *ast.Assert:
		k.cond(s.Cond)
	case *ast.Async:
		if fn := k.call(s.Call, false); fn != nil && !fn.Async {
			k.errf(s.Call.At, diag.CodeUnknownFunction, "", "%s() cannot be used in async(): it has no asynchronous form", s.Call.Name)
		}
		k.routeRef(s.RouteAt, ast.RouteRequest, s.Route)
	case *ast.Launch:
		if fn := k.call(s.Call, false); fn != nil && !fn.Async {
			k.errf(s.Call.At, diag.CodeUnknownFunction, "", "%s() cannot be used in launch(): it has no asynchronous form", s.Call.Name)
		}
		if s.Route != "" {
			k.routeRef(s.RouteAt, ast.RouteRequest, s.Route)
		}
	}
}

func caseKey(e ast.Expr) string {
	switch e := e.(type) {
	case *ast.IntLit:
		return strconv.FormatInt(e.Value, 10)
	case *ast.StrLit:
		return strconv.Quote(strings.ToLower(e.Value))
	}
	return fmt.Sprint(e)
}

func (k *checker) routeCall(s *ast.RouteCall) {
	for _, a := range s.Args {
		if a != nil {
			k.expr(a)
		}
	}
	if s.Dynamic != nil {
		k.c.script.Routes.dynamic = true
		k.expr(s.Dynamic)
		return
	}
	r := k.routeRef(s.NameAt, ast.RouteRequest, s.Name)
	if r != nil {
		k.cur.calls = append(k.cur.calls, routeEdge{at: s.At, target: r})
	}
}

// routeRef resolves a route name of a kind and reports it when missing.
func (k *checker) routeRef(at diag.Pos, kind ast.RouteKind, name string) *ast.Route {
	rt := k.c.script.Routes
	r := rt.Get(kind, name)
	if r == nil && kind == ast.RouteRequest && name == "0" {
		r = rt.Get(kind, "")
	}
	if r == nil {
		label := fmt.Sprintf("%s[%s]", kind, name)
		k.errf(at, diag.CodeUnknownRoute, diag.DidYouMean(name, rt.Names(kind)), "%s is not defined", label)
		return nil
	}
	rt.used[r] = true
	return r
}

func (k *checker) forEach(s *ast.ForEach) {
	if sp := k.pvWrite(s.Var, false); sp != nil {
		switch sp.Name {
		case "var", "avp", "json":
		default:
			k.errf(s.Var.At, diag.CodeBadPV, "use $var(...), $avp(...) or $json(...)", "for-each iterator %s must be a $var, $avp or $json", s.Var.Raw)
		}
	}
	if sp := k.pvRead(s.In); sp != nil && sp.Index.Kind != pv.IdxAll {
		k.errf(s.In.At, diag.CodeBadPV, fmt.Sprintf("write $(%s[*])", strings.TrimPrefix(s.In.Raw, "$")), "the iterated variable %s must use the [*] index", s.In.Raw)
	}
	k.block(s.Body)
}

func (k *checker) assign(s *ast.Assign) {
	k.pvWrite(s.Target, true)
	if _, isNull := s.Value.(*ast.NullLit); isNull && s.Op != "=" && s.Op != ":=" {
		k.errf(s.At, diag.CodeBadExpr, "", "null can only be assigned with = or :=")
	}
	k.expr(s.Value)
}

// cond checks a condition.
func (k *checker) cond(e ast.Expr) { k.expr(e) }

func (k *checker) expr(e ast.Expr) {
	switch e := e.(type) {
	case nil:
	case *ast.Call:
		k.call(e, true)
	case *ast.PV:
		k.pvRead(e)
	case *ast.Binary:
		k.expr(e.X)
		k.expr(e.Y)
		if (e.Op == "=~" || e.Op == "!~") && e.Y != nil {
			if s, ok := e.Y.(*ast.StrLit); ok {
				if _, err := api.CompileRegex(s.Value, false); err != nil {
					k.errf(s.At, diag.CodeBadRegex, "", "%v", err)
				}
			}
		}
	case *ast.Unary:
		k.expr(e.X)
	case *ast.Paren:
		k.expr(e.X)
	case *ast.AssignExpr:
		k.assign(e.Assign)
	case *ast.StrLit:
		// Strings in expressions are plain text, not formats.
	}
}

// parsePV parses and resolves a PV token, reporting errors at its position.
func (k *checker) parsePV(p *ast.PV) *pv.Spec {
	sp, err := pv.Parse(p.Raw)
	if err != nil {
		k.pvErr(p.At, err)
		return nil
	}
	if err := k.pvs.Resolve(sp); err != nil {
		k.pvErr(p.At, err)
		return nil
	}
	k.c.script.PVs[p] = sp
	return sp
}

// litOffset turns the offset of a pv error inside the unescaped value of a
// string literal into an offset from the literal's opening quote in the
// source, so "\t$x." points at the "$" and not one column early.
func litOffset(lit *ast.StrLit, err error) error {
	var pe *pv.Error
	if !errors.As(err, &pe) || len(lit.Parts) > 1 || len(lit.Raw) < 2 {
		return shiftErr(err, 1)
	}
	raw := lit.Raw[1 : len(lit.Raw)-1]
	if lit.Quote == '\'' {
		return shiftErr(err, 1)
	}
	// Walk the source, counting decoded bytes as the lexer decodes them.
	dec, i := 0, 0
	for i < len(raw) && dec < pe.Off {
		if raw[i] == '\\' && i+1 < len(raw) {
			switch c := raw[i+1]; {
			case c == 'x':
				j := i + 2
				for j < len(raw) && j < i+4 && isHex(raw[j]) {
					j++
				}
				if j > i+2 {
					i = j
					dec++
					continue
				}
			case c >= '0' && c <= '7':
				j := i + 1
				for j < len(raw) && j < i+4 && raw[j] >= '0' && raw[j] <= '7' {
					j++
				}
				if j-i-1 >= 2 {
					i = j
					dec++
					continue
				}
			case strings.IndexByte("nrta\"\\", c) >= 0:
				i += 2
				dec++
				continue
			}
		}
		i++
		dec++
	}
	e := *pe
	e.Off = i + 1
	return &e
}

func isHex(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F'
}

// shiftErr moves a pv error's offset by n bytes.
func shiftErr(err error, n int) error {
	var pe *pv.Error
	if errors.As(err, &pe) {
		e := *pe
		e.Off += n
		return &e
	}
	return err
}

func (k *checker) pvErr(at diag.Pos, err error) {
	var pe *pv.Error
	if errors.As(err, &pe) {
		code := pe.Code
		if code == "" {
			code = diag.CodeBadPV
		}
		k.c.diags.Add(shift(at, pe.Off), code, pe.Msg, pe.Hint)
		return
	}
	k.c.diags.Add(at, diag.CodeBadPV, err.Error(), "")
}

// shift moves a position by off bytes on the same line.
func shift(at diag.Pos, off int) diag.Pos {
	if off > 0 {
		at.Col += off
		at.Offset += off
	}
	return at
}

func (k *checker) pvRead(p *ast.PV) *pv.Spec {
	sp := k.parsePV(p)
	if sp != nil {
		k.pvLegacyOpt(p.At, sp, false)
	}
	return sp
}

func (k *checker) pvLegacy(at diag.Pos, sp *pv.Spec) { k.pvLegacyOpt(at, sp, true) }

// pvLegacyOpt warns about legacy PV forms; avpPrefix is false for PV tokens
// of the script, whose $avp(s:x) form the parser already reported.
func (k *checker) pvLegacyOpt(at diag.Pos, sp *pv.Spec, avpPrefix bool) {
	sp.Walk(func(s *pv.Spec) {
		if s.LegacyAVPPrefix && avpPrefix {
			name := s.Inner
			if i := strings.IndexByte(name, ':'); i >= 0 {
				name = name[i+1:]
			}
			k.c.legacy(at, fmt.Sprintf("AVP name with a type prefix %q (3.x keeps the prefix as part of the name)", s.Inner), "$avp("+name+")")
		}
		if s.Def != nil && s.Def.Legacy != "" {
			k.c.legacy(at, fmt.Sprintf("variable $%s was removed from OpenSIPS", s.Name), s.Def.Legacy)
		}
	})
}

// pvWrite checks an assignment target.
func (k *checker) pvWrite(p *ast.PV, assign bool) *pv.Spec {
	sp := k.parsePV(p)
	if sp == nil {
		return nil
	}
	k.pvLegacyOpt(p.At, sp, false)
	if sp.Def != nil && !sp.Def.Writable {
		k.errf(p.At, diag.CodeReadOnlyPV, readOnlyHint(sp.Name), "%s is read-only", p.Raw)
		return sp
	}
	if assign && len(sp.Trans) > 0 {
		k.errf(p.At, diag.CodeBadPV, "", "cannot assign to %s: transformations are read-only", p.Raw)
	}
	return sp
}

func readOnlyHint(name string) string {
	switch name {
	case "fu", "from", "fU", "fd", "fn", "tu", "to", "tU", "td", "tn":
		return "use uac_replace_from()/uac_replace_to() to change From/To"
	case "rm":
		return "the method cannot be changed"
	case "si", "sp":
		return "the source address cannot be changed"
	}
	return ""
}

// routeInCond handles route(name, args...) used as a condition or value.
func (k *checker) routeInCond(call *ast.Call) {
	if len(call.Args) == 0 || call.Args[0] == nil {
		k.errf(call.At, diag.CodeUnknownRoute, "", "route() needs a route name")
		return
	}
	rc := &ast.RouteCall{At: call.At, Args: call.Args[1:]}
	switch n := call.Args[0].(type) {
	case *ast.Ident:
		rc.Name, rc.NameAt = n.Name, n.At
	case *ast.StrLit:
		rc.Name, rc.NameAt = n.Value, n.At
		if strings.Contains(n.Value, "$") {
			rc.Dynamic = n
		}
	case *ast.IntLit:
		rc.Name, rc.NameAt = n.Raw, n.At
	case *ast.PV:
		rc.Dynamic = n
	default:
		k.errf(call.At, diag.CodeUnknownRoute, "", "route(): bad route name")
		return
	}
	k.c.script.RouteCalls[call] = rc
	k.routeCall(rc)
}

// call checks a function call and returns its definition.
func (k *checker) call(call *ast.Call, inCond bool) *api.Func {
	if call.Name == "route" && k.funcs["route"] == nil {
		k.routeInCond(call)
		return nil
	}
	rf := k.funcs[call.Name]
	if rf == nil {
		why, lhint, inHistory := legacy.FuncHint(call.Name, k.c.have)
		switch mod, ok := k.known[call.Name]; {
		case ok:
			hint := fmt.Sprintf(`add loadmodule "%s.so"`, mod)
			if inHistory && strings.HasPrefix(why, "moved ") {
				hint = why + "; " + hint
			}
			k.errf(call.At, diag.CodeUnknownFunction, hint, "unknown function %s(): it belongs to module %s, which is not loaded", call.Name, mod)
		case inHistory:
			k.errf(call.At, diag.CodeUnknownFunction, lhint, "unknown function %s(): %s", call.Name, why)
		default:
			k.errf(call.At, diag.CodeUnknownFunction, diag.DidYouMean(call.Name, k.fnames), "unknown function %s()", call.Name)
		}
		for _, a := range call.Args {
			if p, ok := a.(*ast.PV); ok {
				k.pvRead(p)
			}
		}
		return nil
	}
	fn := rf.fn
	if fn.Legacy != "" {
		k.c.legacy(call.At, fmt.Sprintf("%s() is an old function name or form", call.Name), fn.Legacy)
	}
	if call.NoParens {
		k.c.legacy(call.At, fmt.Sprintf("function %s called without parentheses", call.Name), call.Name+"()")
	}
	if fn.Call == nil {
		k.errf(call.At, diag.CodeNotImplemented, "remove the call or use a supported alternative", "function %s of module %s is not implemented yet", call.Name, rf.mod.Name)
	}
	k.cur.uses = append(k.cur.uses, use{at: call.At, name: call.Name, routes: fn.Routes})
	info := &CallInfo{Module: rf.mod, Fn: fn}
	k.c.script.Calls[call] = info
	k.args(call, rf, info)
	return fn
}

func (k *checker) args(call *ast.Call, rf *resolvedFunc, info *CallInfo) {
	fn := rf.fn
	args := call.Args
	// f() is an empty list, not one omitted argument.
	if len(args) == 1 && args[0] == nil {
		args = nil
	}
	// The builtins xlog(fmt) / log(msg) omit their leading level.
	if rf.mod.Info.Core && len(args) == 1 && len(fn.Args) == 2 && fn.Args[0].Optional && !fn.Args[1].Optional {
		args = []ast.Expr{nil, args[0]}
	}
	if len(args) > len(fn.Args) {
		k.errf(call.At, diag.CodeArgCount, "", "%s() takes %s, got %d", call.Name, plural(len(fn.Args), "argument"), len(args))
		return
	}
	info.Args = make([]ArgInfo, len(fn.Args))
	fc := k.fixupCtx(call)
	for i := range fn.Args {
		spec := &fn.Args[i]
		var e ast.Expr
		if i < len(args) {
			e = args[i]
		}
		if e == nil {
			if !spec.Optional {
				at := call.At
				if i < len(args) {
					at = call.End
				}
				k.errf(at, diag.CodeArgCount, "", "%s(): missing argument %d (%s)", call.Name, i+1, spec.Name)
			}
			continue
		}
		k.arg(call, i, spec, e, &info.Args[i], fc)
	}
}

func plural(n int, what string) string {
	switch n {
	case 0:
		return "no " + what + "s"
	case 1:
		return "1 " + what
	}
	return fmt.Sprintf("%d %ss", n, what)
}

func (k *checker) fixupCtx(call *ast.Call) *api.FixupCtx {
	at := call.At
	return &api.FixupCtx{
		Route: func(t api.RouteType, name string) bool {
			r := k.c.script.Routes.Get(routeKindOf(t), name)
			if r != nil {
				k.c.script.Routes.used[r] = true
			}
			return r != nil
		},
		MsgFlag:    k.c.script.MsgFlags.Get,
		BranchFlag: k.c.script.BrFlags.Get,
		Module: func(name string) api.Module {
			if m := k.c.script.byName[name]; m != nil {
				return m.Inst
			}
			return nil
		},
		Check:  k.c.opts.Check,
		Events: k.c.script.Events,
		Log:    k.c.log,
		Legacy: func(msg, hint string) { k.c.legacy(at, call.Name+"(): "+msg, hint) },
		Warn:   func(msg, hint string) { k.c.diags.Warn(at, diag.CodeFixup, call.Name+"(): "+msg, hint) },
	}
}

// arg checks one argument against its spec and runs the fixup.
func (k *checker) arg(call *ast.Call, i int, spec *api.Arg, e ast.Expr, out *ArgInfo, fc *api.FixupCtx) {
	out.Given = true
	at := e.Start()
	fa := &api.FixArg{Pos: at, Given: true}
	bad := func(format string, args ...any) {
		k.errf(at, diag.CodeArgType, "", "%s(): argument %d (%s): %s", call.Name, i+1, spec.Name, fmt.Sprintf(format, args...))
	}
	legacy := func(msg, modern string) {
		k.c.legacy(at, fmt.Sprintf("%s(): argument %d (%s): %s", call.Name, i+1, spec.Name, msg), modern)
	}
	switch spec.Type {
	case api.ArgInt:
		switch v := e.(type) {
		case *ast.IntLit:
			fa.Const, fa.Int = true, v.Value
		case *ast.PV:
			out.PV = k.pvRead(v)
		case *ast.StrLit:
			if n, ok := parseIntLiteral(v.Value); ok {
				legacy(fmt.Sprintf("integer given as a string %q", v.Value), v.Value)
				fa.Const, fa.Int = true, n
			} else if isSinglePV(v.Value) {
				legacy(fmt.Sprintf("variable given as a string %q", v.Value), v.Value)
				out.PV = k.pvRead(&ast.PV{At: v.At, End: v.End, Raw: v.Value})
			} else {
				bad("expected an integer or a variable, got the string %q", v.Value)
				return
			}
		default:
			bad("expected an integer or a variable")
			return
		}
	case api.ArgStr:
		switch v := e.(type) {
		case *ast.StrLit:
			fa.Str = v.Value
			if spec.Static || spec.NoExpand {
				fa.Const = true
				if spec.Static && strings.Contains(v.Value, "$") {
					bad("must be a fixed string without variables, got %q", v.Value)
					return
				}
			} else {
				f, err := pv.ParseFormat(v.Value)
				if err == nil {
					err = k.pvs.ResolveFormat(f)
				}
				if err != nil {
					k.pvErr(at, litOffset(v, err))
					return
				}
				for _, sp := range f.Specs() {
					k.pvLegacy(at, sp)
				}
				if f.IsConst() {
					fa.Const, fa.Str = true, f.Const()
				} else {
					out.Format = f
				}
			}
		case *ast.PV:
			if spec.Static {
				bad("must be a fixed string, not the variable %s", v.Raw)
				return
			}
			out.PV = k.pvRead(v)
		case *ast.IntLit:
			legacy(fmt.Sprintf("string given as a bare number %s", v.Raw), fmt.Sprintf("%q", v.Raw))
			fa.Const, fa.Str = true, v.Raw
		case *ast.Ident:
			legacy(fmt.Sprintf("string given as a bare word %s", v.Name), fmt.Sprintf("%q", v.Name))
			fa.Const, fa.Str = true, v.Name
		case *ast.IPLit:
			legacy(fmt.Sprintf("string given as a bare address %s", v.Raw), fmt.Sprintf("%q", v.Raw))
			fa.Const, fa.Str = true, v.Raw
		default:
			bad("expected a string or a variable")
			return
		}
	case api.ArgVar:
		switch v := e.(type) {
		case *ast.PV:
			if spec.Writable {
				out.PV = k.pvWrite(v, true)
			} else {
				out.PV = k.pvRead(v)
			}
		case *ast.StrLit:
			if isSinglePV(v.Value) {
				legacy(fmt.Sprintf("variable given as a string %q", v.Value), v.Value)
				p := &ast.PV{At: v.At, End: v.End, Raw: v.Value}
				if spec.Writable {
					out.PV = k.pvWrite(p, true)
				} else {
					out.PV = k.pvRead(p)
				}
			} else {
				bad("expected a variable, got the string %q", v.Value)
				return
			}
		default:
			bad("expected a variable")
			return
		}
	case api.ArgRegex:
		switch v := e.(type) {
		case *ast.StrLit:
			re, err := api.CompileRegex(v.Value, true)
			if err != nil {
				k.errf(at, diag.CodeBadRegex, "", "%s(): argument %d (%s): %v", call.Name, i+1, spec.Name, err)
				return
			}
			fa.Const, fa.Str = true, v.Value
			out.Fixed = re
		case *ast.PV:
			out.PV = k.pvRead(v)
		case *ast.IntLit:
			legacy(fmt.Sprintf("regex given as a bare number %s", v.Raw), fmt.Sprintf("%q", v.Raw))
			re, _ := api.CompileRegex(regexp.QuoteMeta(v.Raw), true)
			fa.Const, fa.Str = true, v.Raw
			out.Fixed = re
		default:
			bad("expected a regular expression string or a variable")
			return
		}
	}
	out.Const = fa.Const
	if out.Fixed == nil && fa.Const {
		if spec.Type == api.ArgInt {
			out.Fixed = fa.Int
		} else {
			out.Fixed = fa.Str
		}
	}
	if spec.Fixup != nil && (fa.Const || spec.FixupDynamic) {
		if err := spec.Fixup(fc, fa); err != nil {
			what := fa.Str
			if spec.Type == api.ArgInt {
				what = strconv.FormatInt(fa.Int, 10)
			}
			k.errf(at, diag.CodeFixup, api.ErrorHint(err), "%s(): argument %d %q: %v", call.Name, i+1, what, err)
			return
		}
		if fa.Fixed != nil {
			out.Fixed = fa.Fixed
		}
	}
}

// isSinglePV reports whether s is exactly one PV token ("$var(x)").
func isSinglePV(s string) bool {
	if !strings.HasPrefix(s, "$") || strings.HasPrefix(s, "$$") {
		return false
	}
	f, err := pv.ParseFormat(s)
	if err != nil {
		return false
	}
	return len(f.Parts) == 1 && len(f.Specs()) == 1
}

// parseIntLiteral parses a decimal, hex or octal integer with optional sign.
func parseIntLiteral(s string) (int64, bool) {
	s = strings.TrimSpace(s)
	if s == "" {
		return 0, false
	}
	n, err := strconv.ParseInt(s, 0, 64)
	return n, err == nil
}

// routeFlags checks that every function is allowed in each top-level route
// type that can reach it through route() calls.
func (k *checker) routeFlags() {
	reported := map[string]bool{}
	for _, r := range k.c.script.Routes.All() {
		if r.Kind == ast.RouteRequest && r.Name != "" {
			continue // sub-route: checked through its callers
		}
		t := routeTypeOf(r.Kind)
		var walk func(ri *routeInfo, chain []string, depth int)
		onPath := map[*ast.Route]bool{}
		walk = func(ri *routeInfo, chain []string, depth int) {
			if onPath[ri.r] || depth > 100 {
				return
			}
			onPath[ri.r] = true
			defer delete(onPath, ri.r)
			chain = append(chain, ri.r.Label())
			for _, u := range ri.uses {
				if u.routes&t != 0 {
					continue
				}
				key := fmt.Sprintf("%s|%s|%d", u.at, u.name, t)
				if reported[key] {
					continue
				}
				reported[key] = true
				msg := fmt.Sprintf("%s() is not allowed in %s", u.name, t.BlockName())
				if len(chain) > 1 {
					msg += " (via " + strings.Join(chain, " → ") + ")"
				}
				k.c.diags.Add(u.at, diag.CodeRouteFlag, msg, "allowed in: "+u.routes.String())
			}
			for _, e := range ri.calls {
				walk(k.infos[e.target], chain, depth+1)
			}
		}
		walk(k.infos[r], nil, 0)
	}
}

// moduleRoutes marks the routes module parameters name as used and warns
// about those that are not defined (the module ignores them at run time).
func (k *checker) moduleRoutes() {
	rt := k.c.script.Routes
	for _, m := range k.c.script.Modules {
		n, ok := m.Inst.(api.RouteNamer)
		if !ok {
			continue
		}
		for _, nr := range n.NamedRoutes() {
			kind := routeKindOf(nr.Kind)
			if r := rt.Get(kind, nr.Name); r != nil {
				rt.used[r] = true
				continue
			}
			k.c.diags.Warn(m.At, diag.CodeUnknownRoute,
				fmt.Sprintf("%s parameter %s names %s[%s], which is not defined (ignored)", m.Name, nr.Param, kind, nr.Name),
				diag.DidYouMean(nr.Name, rt.Names(kind)))
		}
	}
}

// unused warns about named routes nothing refers to.
func (k *checker) unused() {
	rt := k.c.script.Routes
	k.moduleRoutes()
	if rt.dynamic {
		return
	}
	for _, r := range rt.All() {
		if r.Name == "" || rt.used[r] {
			continue
		}
		switch r.Kind {
		case ast.RouteRequest, ast.RouteFailure, ast.RouteBranch:
		case ast.RouteOnReply:
		default:
			continue // timer/event routes are triggered by name
		}
		k.c.diags.Warn(r.At, diag.CodeUnusedRoute, fmt.Sprintf("%s is never used", r.Label()), "")
	}
}
