package tm

import "time"

// Each transaction has one timer, armed for its earliest deadline:
// request retransmissions and final-response timers of its branches,
// CANCEL retransmissions, the retransmission of a negative final reply
// until the ACK, and its deletion. onTimer handles whatever is due and
// re-arms it, so a timer firing early or twice does no harm.

// schedule arms the timer for the earliest deadline; mu held.
func (tx *Tx) schedule() {
	if tx.deleted {
		return
	}
	var next time.Time
	upd := func(t time.Time) {
		if !t.IsZero() && (next.IsZero() || t.Before(next)) {
			next = t
		}
	}
	for _, b := range tx.branches {
		if !b.final {
			upd(b.retrAt)
			upd(b.frAt)
		}
		// A CANCEL is a non-INVITE request of its own: it is retransmitted
		// (timer E) until answered or timer F, also once its branch ended
		// (fr_inv_timeout cancels a ringing branch and ends it at once).
		if !b.cancelDone {
			upd(b.cancelRetrAt)
		}
	}
	upd(tx.srvRetrAt)
	upd(tx.deleteAt)
	if next.Equal(tx.nextAt) {
		return
	}
	tx.nextAt = next
	if next.IsZero() {
		if tx.timer != nil {
			tx.timer.Stop()
		}
		return
	}
	d := time.Until(next)
	if tx.timer == nil {
		tx.timer = time.AfterFunc(d, tx.onTimer)
		return
	}
	tx.timer.Reset(d)
}

// onTimer handles the due events of a transaction.
func (tx *Tx) onTimer() {
	if tx.local != nil {
		defer tx.flushNotes()
	}
	tx.mu.Lock()
	defer tx.mu.Unlock()
	if tx.deleted {
		return
	}
	t := tx.tm
	now := time.Now()
	tx.nextAt = time.Time{}
	for i, n := 0, len(tx.branches); i < n; i++ {
		b := tx.branches[i]
		if !b.cancelDone && due(b.cancelRetrAt, now) {
			if now.After(b.cancelEnd) {
				b.cancelDone, b.cancelRetrAt = true, time.Time{}
			} else {
				_ = tx.core.Send(b.dest, b.cancelBuf)
				b.cancelRetrInt = min(2*b.cancelRetrInt, t.t2())
				b.cancelRetrAt = now.Add(b.cancelRetrInt)
			}
		}
		if b.final {
			continue
		}
		if due(b.retrAt, now) {
			if err := tx.core.Send(b.dest, b.buf); err != nil {
				tx.log.Debug("request retransmission failed", "err", err)
			}
			b.retrInt *= 2
			if !tx.isInvite || b.provisional {
				b.retrInt = min(b.retrInt, t.t2())
			}
			b.retrAt = now.Add(b.retrInt)
		}
		if due(b.frAt, now) {
			t.branchTimeout(tx, b)
		}
	}
	if due(tx.srvRetrAt, now) {
		if now.After(tx.srvRetrEnd) {
			tx.srvRetrAt = time.Time{}
		} else {
			if err := tx.core.Send(tx.replyDest, tx.lastReply); err != nil {
				tx.log.Debug("reply retransmission failed", "err", err)
			}
			tx.srvRetrInt = min(2*tx.srvRetrInt, t.t2())
			tx.srvRetrAt = now.Add(tx.srvRetrInt)
		}
	}
	if due(tx.deleteAt, now) {
		// Keep the transaction while a CANCEL is still retransmitted.
		if end := tx.cancelsEnd(); end.After(now) {
			tx.deleteAt = end
		} else {
			t.deleteTx(tx)
			return
		}
	}
	tx.schedule()
}

// cancelsEnd is the latest timer F of the CANCELs still retransmitted;
// mu held.
func (tx *Tx) cancelsEnd() time.Time {
	var end time.Time
	for _, b := range tx.branches {
		if !b.cancelDone && !b.cancelRetrAt.IsZero() && b.cancelEnd.After(end) {
			end = b.cancelEnd
		}
	}
	return end
}

func due(at, now time.Time) bool { return !at.IsZero() && !now.Before(at) }

// branchTimeout ends a branch that got no final reply in time with a
// local 408 (487 once the transaction was cancelled); a ringing INVITE
// branch is cancelled. mu held.
func (t *TM) branchTimeout(tx *Tx, b *branch) {
	b.frAt, b.retrAt = time.Time{}, time.Time{}
	if tx.isInvite && b.provisional {
		b.cancelReason = reasonNoAnswer
		t.sendCancel(tx, b)
	}
	code := 408
	if tx.cancelled {
		code = 487
	}
	if tx.local != nil {
		t.localFinal(tx, b, nil, code, "")
		return
	}
	b.final, b.local, b.lastCode, b.reply = true, true, code, nil
	if tx.status < 200 && tx.finished() {
		t.completeRound(tx)
	}
}

// deleteTx removes a transaction for good; mu held.
func (t *TM) deleteTx(tx *Tx) {
	tx.deleted = true
	t.hookDeleted(tx)
	if tx.timer != nil {
		tx.timer.Stop()
	}
	t.acks.remove(tx)
	t.table.remove(tx)
	t.stats.inuse.Dec()
	t.inflight.Add(-1)
}

// shutdownBudget bounds the time Close spends answering and cancelling
// pending INVITE transactions.
const shutdownBudget = 2 * time.Second

// Close answers pending INVITE transactions with 500 and cancels their
// ringing branches (best effort, within shutdownBudget), then stops every
// timer and drops the transactions.
func (t *TM) Close() error {
	if !t.closed.CompareAndSwap(false, true) {
		return nil
	}
	deadline := time.Now().Add(shutdownBudget)
	for _, tx := range t.table.all() {
		tx.mu.Lock()
		if !tx.deleted && tx.isInvite && tx.status < 200 && time.Now().Before(deadline) {
			t.abortInvite(tx)
		}
		if !tx.deleted {
			t.deleteTx(tx)
		}
		tx.mu.Unlock()
	}
	return nil
}

// abortInvite ends a pending INVITE transaction at shutdown; mu held.
func (t *TM) abortInvite(tx *Tx) {
	if tx.local != nil || tx.replicate {
		tx.cancelled = true
		t.cancelBranches(tx, -1, CancelAll)
		return
	}
	// The reply cancels the branches that got a provisional reply.
	_ = t.replyLocked(tx, 500, "Server Shutting Down", "", "")
}
