package dialog

import (
	"time"
)

// timerQueue runs the lifetime timers of the dialogs: one runtime timer
// per confirmed dialog (cheap in Go, no shared wheel to lock).
type timerQueue struct{ m *Module }

func newTimerQueue(m *Module) *timerQueue { return &timerQueue{m: m} }

// schedule (re)arms d's lifetime timer to fire at at; d.mu held.
func (q *timerQueue) schedule(d *dlg, at time.Time) {
	wait := max(time.Until(at), 0)
	if d.timer != nil {
		d.timer.Stop()
	}
	d.timer = time.AfterFunc(wait, func() { q.m.expire(d) })
}

// stop disarms d's timer; d.mu held.
func (q *timerQueue) stop(d *dlg) {
	if d.timer != nil {
		d.timer.Stop()
		d.timer = nil
	}
}
