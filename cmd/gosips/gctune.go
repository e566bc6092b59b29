package main

import (
	"context"
	"os"
	"runtime/debug"
	"runtime/metrics"
	"time"
)

// gcTuner keeps the garbage collector from running many times a second
// while the live heap is small: SIP processing allocates a few KB per
// message, and with Go's default GOGC=100 a server holding 5 MB of live
// data would collect 100 times a second under load. The tuner raises
// GOGC so that the heap target stays near minHeap, and falls back to 100
// once the live heap is large (registrations, transactions), so memory per
// stored item is unchanged. An explicit GOGC environment setting wins.
type gcTuner struct {
	minHeap uint64
	maxPct  int
}

func startGCTuner(ctx context.Context) {
	if os.Getenv("GOGC") != "" {
		return
	}
	t := &gcTuner{minHeap: 64 << 20, maxPct: 1000}
	t.adjust()
	go func() {
		tk := time.NewTicker(500 * time.Millisecond)
		defer tk.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-tk.C:
				t.adjust()
			}
		}
	}()
}

// adjust sets GOGC from the live heap measured at the last collection.
func (t *gcTuner) adjust() {
	s := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
	metrics.Read(s)
	live := uint64(0)
	if s[0].Value.Kind() == metrics.KindUint64 {
		live = s[0].Value.Uint64()
	}
	pct := 100
	if live > 0 && live < t.minHeap {
		pct = int((t.minHeap - live) * 100 / live)
	} else if live == 0 {
		pct = t.maxPct
	}
	pct = max(100, min(pct, t.maxPct))
	debug.SetGCPercent(pct)
}
