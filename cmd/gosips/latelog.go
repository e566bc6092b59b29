package main

import (
	"context"
	"log/slog"
	"sync/atomic"
)

// lateHandler is the handler of the loggers modules receive while the
// script compiles, before the logging globals are known: it writes to a
// start-up handler until set is called, then to the configured one, so
// that what modules log at run time follows log_level, stderror_enabled
// and syslog_enabled.
type lateHandler struct {
	target *atomic.Pointer[slog.Handler]
	// ops replays the WithAttrs/WithGroup calls made on this logger.
	ops []func(slog.Handler) slog.Handler
}

func newLateHandler(start slog.Handler) *lateHandler {
	h := &lateHandler{target: &atomic.Pointer[slog.Handler]{}}
	h.target.Store(&start)
	return h
}

// set makes every logger derived from h write to to.
func (h *lateHandler) set(to slog.Handler) { h.target.Store(&to) }

func (h *lateHandler) current() slog.Handler {
	t := *h.target.Load()
	for _, op := range h.ops {
		t = op(t)
	}
	return t
}

func (h *lateHandler) Enabled(ctx context.Context, l slog.Level) bool {
	return (*h.target.Load()).Enabled(ctx, l)
}

func (h *lateHandler) Handle(ctx context.Context, r slog.Record) error {
	return h.current().Handle(ctx, r)
}

func (h *lateHandler) with(op func(slog.Handler) slog.Handler) *lateHandler {
	return &lateHandler{target: h.target, ops: append(h.ops[:len(h.ops):len(h.ops)], op)}
}

func (h *lateHandler) WithAttrs(as []slog.Attr) slog.Handler {
	return h.with(func(t slog.Handler) slog.Handler { return t.WithAttrs(as) })
}

func (h *lateHandler) WithGroup(name string) slog.Handler {
	return h.with(func(t slog.Handler) slog.Handler { return t.WithGroup(name) })
}
