package acc

import (
	"io"
	"log/slog"
	"testing"

	"gosips/api"
)

// BenchmarkLogRequest formats and logs one "transaction answered" line
// with a context, two extras and a leg (the per-reply cost of log
// accounting).
func BenchmarkLogRequest(b *testing.B) {
	m := New()
	_ = m.extra.parse("log: a->src; b->dst")
	_ = m.leg.parse("log: c->callee")
	m.log = slog.New(slog.NewTextHandler(io.Discard, nil))
	m.level = api.LevelNotice
	x := m.newCtx()
	x.extra[0], x.extra[1], x.legs[0][0] = "10.0.0.1", "10.0.0.2", "bob"
	b.ReportAllocs()
	for b.Loop() {
		m.logRequest(textAnswered, testRec, x)
	}
}

// BenchmarkRequestRow builds the db row of one report.
func BenchmarkRequestRow(b *testing.B) {
	m := New()
	_ = m.extra.parse("db: a->src_ip")
	x := m.newCtx()
	b.ReportAllocs()
	for b.Loop() {
		_ = m.requestRow("acc", testRec, x, false)
	}
}
