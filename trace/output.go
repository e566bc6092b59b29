package trace

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"

	"gosips/runtime"
	"gosips/sip"
)

// jsonLine is one line of --json output.
type jsonLine struct {
	Kind   string `json:"kind"`
	Msg    int    `json:"msg"`
	File   string `json:"file,omitempty"`
	Line   int    `json:"line,omitempty"`
	Col    int    `json:"col,omitempty"`
	Depth  int    `json:"depth"`
	Text   string `json:"text,omitempty"`
	Result string `json:"result,omitempty"`
	Name   string `json:"name,omitempty"`
	Old    string `json:"old,omitempty"`
	New    string `json:"new,omitempty"`
	From   string `json:"from,omitempty"`
	To     string `json:"to,omitempty"`
	Reply  bool   `json:"reply,omitempty"`
	Raw    string `json:"raw,omitempty"`
}

func (p *printer) emit(l jsonLine) {
	l.Msg = p.msg
	b, _ := json.Marshal(l)
	p.w.Write(append(b, '\n'))
}

func (p *printer) indent(extra int) string { return strings.Repeat("  ", p.depth+extra) }

// header starts the trace of one message (or of start-up).
func (p *printer) header(title, from, to string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.msg++
	p.depth = 0
	if p.json {
		p.emit(jsonLine{Kind: "message", Text: title, From: from, To: to})
		return
	}
	fmt.Fprintf(p.w, "=== %s — from %s to %s\n", title, from, to)
}

func (p *printer) note(text string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.json {
		p.emit(jsonLine{Kind: "note", Text: text})
		return
	}
	fmt.Fprintf(p.w, "%s%s\n", p.indent(1), text)
}

func (p *printer) writeEvent(ev runtime.TraceEvent) {
	if p.json {
		p.emit(jsonLine{Kind: string(ev.Kind), File: ev.At.File, Line: ev.At.Line, Col: ev.At.Col, Depth: ev.Depth,
			Text: ev.Text, Result: ev.Result, Name: ev.Name, Old: ev.Old, New: ev.New})
		return
	}
	ind := p.indent(0)
	switch ev.Kind {
	case runtime.TraceRoute:
		fmt.Fprintf(p.w, "%s-> %s (%s)\n", ind, ev.Text, ev.At)
	case runtime.TraceReturn:
		fmt.Fprintf(p.w, "%s<- %s returned %s\n", ind, ev.Text, ev.Result)
	case runtime.TraceStmt:
		fmt.Fprintf(p.w, "%s  %s:%d  %s\n", ind, ev.At.File, ev.At.Line, ev.Text)
	case runtime.TraceCond:
		fmt.Fprintf(p.w, "%s      condition: %s\n", ind, ev.Result)
	case runtime.TraceCall:
		fmt.Fprintf(p.w, "%s      %s() returned %s\n", ind, ev.Text, ev.Result)
	case runtime.TraceSet:
		fmt.Fprintf(p.w, "%s      %s: %s -> %s\n", ind, ev.Name, ev.Old, ev.New)
	}
}

func (p *printer) writeSend(from *sip.Socket, d sip.Dest, b []byte) {
	src := "?"
	if from != nil {
		src = from.String()
	}
	kind := "request"
	if p.sent[len(p.sent)-1].Reply {
		kind = "reply"
	}
	if p.json {
		p.emit(jsonLine{Kind: "send", Depth: p.depth, From: src, To: d.String(), Reply: kind == "reply", Raw: string(b)})
		return
	}
	ind := p.indent(3)
	fmt.Fprintf(p.w, "%s>>> send %s from %s to %s (%d bytes)\n", ind, kind, src, d, len(b))
	text := strings.TrimSuffix(strings.ReplaceAll(string(b), "\r\n", "\n"), "\n")
	for _, l := range strings.Split(text, "\n") {
		fmt.Fprintf(p.w, "%s| %s\n", ind, l)
	}
}

// logHandler shows the script's and modules' log lines (xlog) in the
// trace, where they happen.
func (p *printer) logHandler() slog.Handler { return &logHandler{p: p} }

type logHandler struct {
	p     *printer
	attrs []slog.Attr
}

func (h *logHandler) Enabled(_ context.Context, l slog.Level) bool { return l >= slog.LevelInfo }

func (h *logHandler) Handle(_ context.Context, r slog.Record) error {
	var b strings.Builder
	b.WriteString(strings.TrimRight(r.Message, "\n"))
	add := func(a slog.Attr) bool {
		fmt.Fprintf(&b, " %s=%v", a.Key, a.Value)
		return true
	}
	for _, a := range h.attrs {
		add(a)
	}
	r.Attrs(add)
	p := h.p
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.stopped {
		return nil
	}
	if p.json {
		p.emit(jsonLine{Kind: "log", Depth: p.depth, Name: levelName(r.Level), Text: b.String()})
		return nil
	}
	fmt.Fprintf(p.w, "%s      log %s: %s\n", p.indent(0), levelName(r.Level), b.String())
	return nil
}

func (h *logHandler) WithAttrs(as []slog.Attr) slog.Handler {
	return &logHandler{p: h.p, attrs: append(append([]slog.Attr(nil), h.attrs...), as...)}
}

func (h *logHandler) WithGroup(string) slog.Handler { return h }

// levelName names the OpenSIPS levels the runtime maps onto slog's.
func levelName(l slog.Level) string {
	switch l {
	case 2:
		return "NOTICE"
	case 10:
		return "CRIT"
	case 12:
		return "ALERT"
	}
	return l.String()
}
