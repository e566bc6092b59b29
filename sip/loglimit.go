package sip

import (
	"sync"
	"time"
)

// LogLimit bounds repeated log lines: Burst lines per Window go through
// (10 per 10s when zero), the others are counted and reported with the
// next line let through. A flood of bad input then costs one summary, not
// one line per packet.
type LogLimit struct {
	Window time.Duration
	Burst  int

	mu         sync.Mutex
	start      time.Time
	n          int
	suppressed int
}

// Allow reports whether to log now, and how many lines were held back
// since the last one logged.
func (l *LogLimit) Allow(now time.Time) (bool, int) {
	window, burst := l.Window, l.Burst
	if window <= 0 {
		window = 10 * time.Second
	}
	if burst <= 0 {
		burst = 10
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if now.Sub(l.start) >= window {
		l.start, l.n = now, 0
	}
	if l.n >= burst {
		l.suppressed++
		return false, 0
	}
	l.n++
	s := l.suppressed
	l.suppressed = 0
	return true, s
}
