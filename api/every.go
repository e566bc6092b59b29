package api

import (
	"context"
	"time"
)

// Every runs fn every period in its own goroutine until ctx is cancelled:
// the timer loop of a module's Start.
func Every(ctx context.Context, period time.Duration, fn func()) {
	go func() {
		t := time.NewTicker(period)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
				fn()
			}
		}
	}()
}
