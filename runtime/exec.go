package runtime

import (
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"time"

	"gosips/api"
	"gosips/lang/ast"
	"gosips/lang/diag"
	"gosips/pv"
	"gosips/sip"
)

// ctl is how a statement leaves: normally, or by break, return or exit.
type ctl uint8

const (
	ctlNext ctl = iota
	ctlBreak
	ctlReturn
	ctlExit
)

// Thread is the per-message executor state: the api.Ctx handed to
// functions plus the route stack. Threads are pooled by the Engine.
type Thread struct {
	api.Ctx
	prog *Program
	// ret is the value of the route being left by return.
	ret   api.Ret
	drop  bool
	depth int
	// params is the stack of route(name, args...) parameters.
	params [][]api.Value
	argBuf [8]any
	loops  int
	cache  pv.MsgCache
	msgID  uint64
	// retVals are the extra values of the last return(code, v...).
	retVals []api.Value
	// alt is the context $(<request>pv) / $(<reply>pv) evaluate in.
	alt api.Ctx
}

// Dropped reports whether the script executed drop.
func (t *Thread) Dropped() bool { return t.drop }

// Vars gives pv the worker's $var store.
func (t *Thread) Vars() *pv.VarStore {
	vs, _ := t.Ctx.Vars.(*pv.VarStore)
	if vs == nil {
		vs = pv.NewVarStore()
		t.Ctx.Vars = vs
	}
	return vs
}

// AVPs gives pv the message's (or transaction's) $avp store, made on
// first use.
func (t *Thread) AVPs() *pv.AVPStore {
	as, _ := t.Ctx.AVPs.(*pv.AVPStore)
	if as == nil {
		as = pv.NewAVPStore()
		t.Ctx.AVPs = as
	}
	return as
}

// reset clears per-message state.
func (t *Thread) reset() {
	vars := t.Ctx.Vars
	t.Ctx = api.Ctx{Vars: vars, RURIQ: -1}
	t.ret, t.drop, t.depth, t.loops = 0, false, 0, 0
	t.params = t.params[:0]
	t.retVals = t.retVals[:0]
	t.cache.Reset()
}

// stmt is a compiled statement.
type stmt interface {
	exec(t *Thread) ctl
}

// Route is a compiled route block.
type Route struct {
	Kind ast.RouteKind
	Name string
	Pos  diag.Pos
	body []stmt
}

// Program is the executable form of a Script: every route compiled to a
// statement tree with names resolved to pointers.
type Program struct {
	script *Script
	// main routes by kind ("" name), named routes by kind and name.
	routes map[ast.RouteKind]map[string]*Route
	log    *slog.Logger
	// maxLoops is max_while_loops.
	maxLoops int
	// asserts is enable_asserts.
	asserts bool
	started time.Time
	// trace is set by BuildTraced (gosips trace); nil in a server.
	trace Tracer
}

// Route returns a compiled route, or nil.
func (p *Program) Route(kind ast.RouteKind, name string) *Route {
	return p.routes[kind][name]
}

// RunRoute executes r with t and returns the route's return code as seen by
// its caller: the value of return(n), or 1 when the route ended normally.
// exit and drop give 0.
func (t *Thread) RunRoute(r *Route) api.Ret {
	if t.prog.trace != nil {
		return t.runRouteTraced(r)
	}
	c := t.runBody(r.body)
	switch c {
	case ctlExit:
		return 0
	case ctlReturn:
		return t.ret
	}
	return 1
}

func (t *Thread) runRouteTraced(r *Route) api.Ret {
	t.prog.trace(&t.Ctx, TraceEvent{Kind: TraceRoute, At: r.Pos, Depth: t.depth, Text: routeLabel(r)})
	c := t.runBody(r.body)
	rc := api.Ret(1)
	switch c {
	case ctlExit:
		rc = 0
	case ctlReturn:
		rc = t.ret
	}
	res := strconv.Itoa(int(rc))
	if t.drop {
		res += " (dropped)"
	}
	t.prog.trace(&t.Ctx, TraceEvent{Kind: TraceReturn, At: r.Pos, Depth: t.depth, Text: routeLabel(r), Result: res})
	return rc
}

// runBody runs statements of a route block.
func (t *Thread) runBody(body []stmt) ctl {
	for _, s := range body {
		if c := s.exec(t); c != ctlNext {
			return c
		}
	}
	return ctlNext
}

// logErr logs a run-time script error with its position and Call-ID.
func (t *Thread) logErr(at diag.Pos, format string, args ...any) {
	log := t.prog.log
	if t.Ctx.Log != nil {
		log = t.Ctx.Log
	}
	log.Error(fmt.Sprintf(format, args...), "at", at.String())
}

// block runs a list of statements, e.g. an if body.
type block []stmt

func (b block) exec(t *Thread) ctl {
	for _, s := range b {
		if c := s.exec(t); c != ctlNext {
			return c
		}
	}
	return ctlNext
}

// callStmt runs a module function.
type callStmt struct {
	at   diag.Pos
	name string
	fn   func(c *api.Ctx, args []any) api.Ret
	args []argEval
}

func (s *callStmt) exec(t *Thread) ctl {
	rc := s.call(t)
	t.Ctx.RetCode = rc
	if rc == 0 {
		return ctlExit
	}
	return ctlNext
}

func (s *callStmt) call(t *Thread) api.Ret {
	args := t.argBuf[:len(s.args)]
	if len(s.args) > len(t.argBuf) {
		args = make([]any, len(s.args))
	}
	for i := range s.args {
		v, err := s.args[i].eval(t)
		if err != nil {
			t.logErr(s.at, "%s(): argument %d: %v", s.name, i+1, err)
			clear(args)
			return -1
		}
		args[i] = v
	}
	if t.prog.trace != nil {
		before, outs := snapshot(&t.Ctx), s.outputs(t)
		rc := s.fn(&t.Ctx, args)
		clear(args)
		t.prog.trace(&t.Ctx, TraceEvent{Kind: TraceCall, At: s.at, Depth: t.depth, Text: s.name, Result: strconv.Itoa(int(rc))})
		traceChanges(t, s.at, before, snapshot(&t.Ctx))
		s.traceOutputs(t, outs)
		return rc
	}
	rc := s.fn(&t.Ctx, args)
	clear(args)
	return rc
}

// assignStmt is $pv op expr.
type assignStmt struct {
	at     diag.Pos
	target pvSetter
	op     string
	value  expr
	isNull bool
}

func (s *assignStmt) exec(t *Thread) ctl {
	s.run(t)
	return ctlNext
}

func (s *assignStmt) run(t *Thread) api.Ret {
	if t.prog.trace != nil {
		old := valueText(s.target.get(t))
		rc := s.assign(t)
		name := "?"
		if r, ok := s.target.(pvRef); ok && r.sp != nil {
			name = r.sp.Raw
		}
		t.prog.trace(&t.Ctx, TraceEvent{Kind: TraceSet, At: s.at, Depth: t.depth, Name: name, Old: old, New: valueText(s.target.get(t))})
		return rc
	}
	return s.assign(t)
}

func (s *assignStmt) assign(t *Thread) api.Ret {
	colon := s.op == ":="
	if s.isNull {
		if err := s.target.set(t, api.Null, colon); err != nil {
			t.logErr(s.at, "assignment: %v", err)
			return -1
		}
		return 1
	}
	v, err := s.value.eval(t)
	if err == nil && s.op != "=" && s.op != ":=" {
		var cur api.Value
		cur, err = s.target.get(t)
		if err == nil {
			v, err = arith(strings.TrimSuffix(s.op, "="), cur, v)
		}
	}
	if err != nil {
		t.logErr(s.at, "assignment: %v", err)
		// OpenSIPS sets the target to NULL when the expression fails.
		_ = s.target.set(t, api.Null, colon)
		return -1
	}
	if err := s.target.set(t, v, colon); err != nil {
		t.logErr(s.at, "assignment: %v", err)
		return -1
	}
	return 1
}

// ifStmt is if/else.
type ifStmt struct {
	cond     cond
	then, el block
}

func (s *ifStmt) exec(t *Thread) ctl {
	r, c := s.cond.test(t)
	if c == ctlExit {
		return ctlExit
	}
	if r == condTrue {
		return s.then.exec(t)
	}
	if s.el != nil {
		return s.el.exec(t)
	}
	return ctlNext
}

// whileStmt is a while loop bounded by max_while_loops.
type whileStmt struct {
	at   diag.Pos
	cond cond
	body block
}

func (s *whileStmt) exec(t *Thread) ctl {
	for n := 0; ; n++ {
		if n >= t.prog.maxLoops {
			t.logErr(s.at, "while loop exceeded max_while_loops (%d): leaving the loop", t.prog.maxLoops)
			return ctlNext
		}
		r, c := s.cond.test(t)
		if c == ctlExit {
			return ctlExit
		}
		if r != condTrue {
			return ctlNext
		}
		switch c := s.body.exec(t); c {
		case ctlBreak:
			return ctlNext
		case ctlReturn, ctlExit:
			return c
		}
	}
}

// forEachStmt iterates the values of a multi-value variable.
type forEachStmt struct {
	at   diag.Pos
	iter pvSetter
	src  pvAll
	body block
}

func (s *forEachStmt) exec(t *Thread) ctl {
	vals, err := s.src.getAll(t)
	if err != nil {
		t.logErr(s.at, "for-each: %v", err)
		return ctlNext
	}
	for _, v := range vals {
		if err := s.iter.set(t, v, true); err != nil {
			t.logErr(s.at, "for-each: %v", err)
			return ctlNext
		}
		switch c := s.body.exec(t); c {
		case ctlBreak:
			return ctlNext
		case ctlReturn, ctlExit:
			return c
		}
	}
	return ctlNext
}

// switchStmt is switch/case with C-like fall-through.
type switchStmt struct {
	at      diag.Pos
	subject pvGetter
	cases   []switchCase
	def     int // index into cases of default, -1 if none
}

type switchCase struct {
	isInt bool
	i     int64
	s     string
	body  block
}

func (s *switchStmt) exec(t *Thread) ctl {
	v, err := s.subject.get(t)
	if err != nil {
		t.logErr(s.at, "switch: %v", err)
		return ctlNext
	}
	start := -1
	for i := range s.cases {
		if i == s.def {
			continue
		}
		cs := &s.cases[i]
		if cs.isInt {
			if v.IsInt() && v.I == cs.i {
				start = i
				break
			}
		} else if v.IsStr() && strings.EqualFold(v.S, cs.s) {
			start = i
			break
		}
	}
	if start < 0 {
		start = s.def
	}
	if start < 0 {
		return ctlNext
	}
	for i := start; i < len(s.cases); i++ {
		switch c := s.cases[i].body.exec(t); c {
		case ctlBreak:
			return ctlNext
		case ctlReturn, ctlExit:
			return c
		}
	}
	return ctlNext
}

// returnStmt leaves the current route.
type returnStmt struct {
	at     diag.Pos
	value  expr // nil = return 1
	extras []expr
}

func (s *returnStmt) exec(t *Thread) ctl {
	t.ret = 1
	t.retVals = t.retVals[:0]
	for _, x := range s.extras {
		v, err := x.eval(t)
		if err != nil {
			v = api.Null
		}
		t.retVals = append(t.retVals, v)
	}
	if s.value != nil {
		v, err := s.value.eval(t)
		switch {
		case err != nil:
			t.logErr(s.at, "return: %v", err)
			t.ret = -1
		case v.IsNull():
			t.ret = -1
		case v.IsInt():
			t.ret = api.Ret(int32(v.I))
		default:
			t.ret = 1
		}
	}
	t.Ctx.RetCode = t.ret
	if t.ret == 0 {
		return ctlExit
	}
	return ctlReturn
}

// exitStmt stops the script; drop also marks the message dropped.
type exitStmt struct{ drop bool }

func (s *exitStmt) exec(t *Thread) ctl {
	if s.drop {
		t.drop = true
	}
	t.Ctx.RetCode = 0
	return ctlExit
}

// breakStmt leaves a loop or switch.
type breakStmt struct{}

func (breakStmt) exec(t *Thread) ctl { return ctlBreak }

// legacyBreak is OpenSER 0.9's break outside loops: leave the route with 1.
type legacyBreak struct{}

func (legacyBreak) exec(t *Thread) ctl {
	t.ret = 1
	return ctlReturn
}

// routeStmt is route(name, args...).
type routeStmt struct {
	at      diag.Pos
	target  *Route
	dynamic expr // computed name
	args    []expr
}

func (s *routeStmt) exec(t *Thread) ctl {
	rc, c := s.run(t)
	t.Ctx.RetCode = rc
	return c
}

func (s *routeStmt) run(t *Thread) (api.Ret, ctl) {
	r := s.target
	if r == nil {
		v, err := s.dynamic.eval(t)
		if err != nil || v.IsNull() {
			t.logErr(s.at, "route(): cannot compute the route name: %v", err)
			return -1, ctlNext
		}
		name := valueString(v)
		if r = t.prog.Route(ast.RouteRequest, name); r == nil {
			t.logErr(s.at, "route(): route[%s] is not defined", name)
			return -1, ctlNext
		}
	}
	if t.depth >= 100 {
		t.logErr(s.at, "route(): too many nested route calls (limit 100)")
		return -1, ctlNext
	}
	var params []api.Value
	if len(s.args) > 0 {
		params = make([]api.Value, len(s.args))
		for i, a := range s.args {
			v, err := a.eval(t)
			if err != nil {
				t.logErr(s.at, "route(%s): argument %d: %v", r.Name, i+1, err)
				v = api.Null
			}
			params[i] = v
		}
	}
	t.params = append(t.params, params)
	t.Ctx.Params = params
	if t.prog.trace != nil {
		t.prog.trace(&t.Ctx, TraceEvent{Kind: TraceRoute, At: s.at, Depth: t.depth, Text: routeLabel(r)})
	}
	t.depth++
	c := t.runBody(r.body)
	t.depth--
	if t.prog.trace != nil {
		rc := "1"
		switch c {
		case ctlExit:
			rc = "0 (exit)"
		case ctlReturn:
			rc = strconv.Itoa(int(t.ret))
		}
		t.prog.trace(&t.Ctx, TraceEvent{Kind: TraceReturn, At: s.at, Depth: t.depth, Text: routeLabel(r), Result: rc})
	}
	t.params = t.params[:len(t.params)-1]
	if n := len(t.params); n > 0 {
		t.Ctx.Params = t.params[n-1]
	} else {
		t.Ctx.Params = nil
	}
	switch c {
	case ctlExit:
		return 0, ctlExit
	case ctlReturn:
		return t.ret, ctlNext
	}
	return 1, ctlNext
}

// condStmt is an assert() or a bare expression statement.
type assertStmt struct {
	at   diag.Pos
	cond cond
	msg  string
}

func (s *assertStmt) exec(t *Thread) ctl {
	if !t.prog.asserts {
		return ctlNext
	}
	r, c := s.cond.test(t)
	if c == ctlExit {
		return ctlExit
	}
	if r != condTrue {
		t.logErr(s.at, "assertion failed: %s", s.msg)
	}
	return ctlNext
}

// PVContext gives pv the context of $(<request>pv) and $(<reply>pv): the
// transaction's request, or the reply being processed (onreply_route) or
// that made the branch fail (failure_route). There is no reply for a
// branch that timed out, as OpenSIPS' faked reply has none.
func (t *Thread) PVContext(name string) (*api.Ctx, error) {
	c := &t.Ctx
	var m *sip.Msg
	switch name {
	case "request":
		m = c.Req
		if m == nil && c.Msg != nil && c.Msg.IsRequest() {
			m = c.Msg
		}
	case "reply":
		m = c.Reply
		if m == nil && c.Msg != nil && !c.Msg.IsRequest() {
			m = c.Msg
		}
	}
	if m == nil {
		return nil, fmt.Errorf("no %s in this route", name)
	}
	if m == c.Msg {
		return c, nil
	}
	t.alt = *c
	t.alt.Msg = m
	return &t.alt, nil
}

// RetCode gives pv the last return code ($rc).
func (t *Thread) RetCode() int { return int(t.Ctx.RetCode) }

// PVTable gives pv the script's variable table for run-time parsing.
func (t *Thread) PVTable() *pv.Table { return t.prog.script.pvTable }

// StartTime gives pv the start-up time ($TS).
func (t *Thread) StartTime() time.Time { return t.prog.started }

// PVCache gives pv a per-message cache of derived values.
func (t *Thread) PVCache() *pv.MsgCache { return &t.cache }

// MsgID gives pv the internal message id ($mi).
func (t *Thread) MsgID() uint64 { return t.msgID }

// ReturnValues gives pv the extra values of the last return ($return(n)).
func (t *Thread) ReturnValues() []api.Value { return t.retVals }
