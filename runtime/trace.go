package runtime

import (
	"bytes"
	"fmt"
	"log/slog"
	"strconv"
	"strings"

	"gosips/api"
	"gosips/lang/diag"
	"gosips/sip"
)

// TraceKind names a TraceEvent.
type TraceKind string

const (
	TraceRoute  TraceKind = "route"  // a route starts (Text: its label)
	TraceReturn TraceKind = "return" // a route ends (Result: its return code)
	TraceStmt   TraceKind = "stmt"   // a statement is about to run (Text: its source line)
	TraceCond   TraceKind = "cond"   // an if/while condition was tested (Result: true, false, error)
	TraceCall   TraceKind = "call"   // a module function returned (Text: name, Result: code)
	TraceSet    TraceKind = "set"    // a variable or message state changed (Name, Old, New)
)

// TraceEvent is one step of a traced execution.
type TraceEvent struct {
	Kind   TraceKind
	At     diag.Pos
	Depth  int // route nesting
	Text   string
	Result string
	Name   string
	Old    string
	New    string
}

// Tracer receives the steps of a Program built by BuildTraced, on the
// goroutine running the message.
type Tracer func(c *api.Ctx, ev TraceEvent)

// BuildTraced is Build for gosips trace: every statement reports itself,
// its conditions, the return codes of the functions it calls and what it
// changes to tr. The statements run are those of Build; only reporting is
// added, so a traced message goes exactly where a running server sends it.
func (s *Script) BuildTraced(log *slog.Logger, tr Tracer) (*Program, error) {
	return s.build(log, tr)
}

// traceLine is the source line of a statement, for the trace.
func (b *builder) traceLine(at diag.Pos) string {
	src := b.s.File.Files[at.File]
	if src == nil || at.Offset < 0 || at.Offset > len(src) {
		return ""
	}
	start := bytes.LastIndexByte(src[:at.Offset], '\n') + 1
	end := bytes.IndexByte(src[at.Offset:], '\n')
	if end < 0 {
		end = len(src)
	} else {
		end += at.Offset
	}
	return strings.TrimSpace(string(src[start:end]))
}

// tracedStmt reports a statement before running it.
type tracedStmt struct {
	at    diag.Pos
	text  string
	inner stmt
}

func (s *tracedStmt) exec(t *Thread) ctl {
	t.prog.trace(&t.Ctx, TraceEvent{Kind: TraceStmt, At: s.at, Depth: t.depth, Text: s.text})
	return s.inner.exec(t)
}

// tracedCond reports the value of an if/while condition.
type tracedCond struct {
	at    diag.Pos
	inner cond
}

func (c *tracedCond) test(t *Thread) (condResult, ctl) {
	r, k := c.inner.test(t)
	res := "false"
	switch {
	case k == ctlExit:
		res = "exit (a function returned 0)"
	case r == condTrue:
		res = "true"
	case r == condError:
		res = "error (false)"
	}
	t.prog.trace(&t.Ctx, TraceEvent{Kind: TraceCond, At: c.at, Depth: t.depth, Result: res})
	return r, k
}

// msgState is what functions change besides variables: the R-URI branch,
// the branch set, flags, the forced socket and the armed routes.
type msgState struct {
	ru, du, path, fs, hooks string
	flags, bflags           uint32
	branches                []string
	msg                     *sip.Msg
	edits                   int // pending edits of msg
}

func snapshot(c *api.Ctx) msgState {
	st := msgState{ru: c.RURI(), du: c.DstURI, path: c.Path, flags: c.Flags, bflags: c.BFlags,
		hooks: strings.Join([]string{c.OnBranch, c.OnReply, c.OnFailure}, "|")}
	if c.ForceSocket != nil {
		st.fs = c.ForceSocket.String()
	}
	if c.Msg != nil {
		st.msg = c.Msg
		_, st.edits = c.Msg.EditsFrom(-1)
	}
	for _, b := range c.Branches {
		d := b.URI
		if b.DstURI != "" {
			d += " via " + b.DstURI
		}
		st.branches = append(st.branches, d)
	}
	return st
}

// traceChanges reports what changed between two snapshots.
func traceChanges(t *Thread, at diag.Pos, a, b msgState) {
	set := func(name, old, new string) {
		if old != new {
			t.prog.trace(&t.Ctx, TraceEvent{Kind: TraceSet, At: at, Depth: t.depth, Name: name, Old: old, New: new})
		}
	}
	set("$ru", quote(a.ru), quote(b.ru))
	set("$du", quote(a.du), quote(b.du))
	set("path", quote(a.path), quote(b.path))
	set("$fs", quote(a.fs), quote(b.fs))
	set("flags", flagText(a.flags), flagText(b.flags))
	set("bflags", flagText(a.bflags), flagText(b.bflags))
	if a.hooks != b.hooks {
		ha, hb := strings.Split(a.hooks, "|"), strings.Split(b.hooks, "|")
		for i, n := range []string{"t_on_branch", "t_on_reply", "t_on_failure"} {
			set(n, quote(ha[i]), quote(hb[i]))
		}
	}
	set("branches", branchText(a.branches), branchText(b.branches))
	if a.msg != nil && a.msg == b.msg && b.edits > a.edits {
		edits, _ := b.msg.EditsFrom(a.edits)
		for _, e := range edits {
			old := "<insert>"
			if e.Old != "" {
				old = strconv.Quote(e.Old)
			}
			new := "<delete>"
			if e.New != "" {
				new = strconv.Quote(e.New)
			}
			t.prog.trace(&t.Ctx, TraceEvent{Kind: TraceSet, At: at, Depth: t.depth, Name: "message", Old: old, New: new})
		}
	}
}

func quote(s string) string {
	if s == "" {
		return "<none>"
	}
	return strconv.Quote(s)
}

func flagText(f uint32) string {
	if f == 0 {
		return "0"
	}
	return "0x" + strconv.FormatUint(uint64(f), 16)
}

func branchText(bs []string) string {
	if len(bs) == 0 {
		return "none"
	}
	return fmt.Sprintf("%d: %s", len(bs), strings.Join(bs, ", "))
}

// valueText renders a variable's value for the trace.
func valueText(v api.Value, err error) string {
	switch {
	case err != nil:
		return "<error: " + err.Error() + ">"
	case v.IsNull():
		return "<null>"
	case v.IsInt():
		return strconv.FormatInt(v.I, 10)
	}
	return strconv.Quote(v.S)
}

// routeLabel names a route as the script writes it.
func routeLabel(r *Route) string {
	if r.Name == "" {
		return r.Kind.String()
	}
	return r.Kind.String() + "[" + r.Name + "]"
}

// outputs reads the variables a function is handed to write (ArgVar
// arguments), before the call.
func (s *callStmt) outputs(t *Thread) []string {
	var out []string
	for i := range s.args {
		if a := &s.args[i]; a.kind == api.ArgVar && a.pv != nil {
			out = append(out, valueText(a.pv.Get(&t.Ctx)))
		}
	}
	return out
}

// traceOutputs reports the output variables the call changed.
func (s *callStmt) traceOutputs(t *Thread, before []string) {
	n := 0
	for i := range s.args {
		a := &s.args[i]
		if a.kind != api.ArgVar || a.pv == nil {
			continue
		}
		if now := valueText(a.pv.Get(&t.Ctx)); now != before[n] {
			t.prog.trace(&t.Ctx, TraceEvent{Kind: TraceSet, At: s.at, Depth: t.depth, Name: a.pv.Raw, Old: before[n], New: now})
		}
		n++
	}
}
