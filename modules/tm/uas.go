package tm

import (
	"cmp"
	"errors"
	"fmt"
	"time"

	"gosips/api"
	"gosips/sip"
)

var errFinal = errors.New("transaction already has a final reply")

// sec converts a timer parameter in seconds; tests shrink the unit.
func (t *TM) sec(n int) time.Duration { return time.Duration(n) * t.unit }
func (t *TM) t1() time.Duration       { return time.Duration(max(t.T1Timer, 1)) * time.Millisecond }
func (t *TM) t2() time.Duration       { return time.Duration(max(t.T2Timer, 1)) * time.Millisecond }
func (t *TM) wt() time.Duration       { return t.sec(t.WtTimer) }

// txOf returns the transaction attached to c, if any.
func txOf(c *api.Ctx) *Tx {
	tx, _ := c.Tx.(*Tx)
	return tx
}

// newTx finds the server transaction of c.Msg or creates it; created is
// false for a retransmission (or a request whose transaction another
// worker is processing).
func (t *TM) newTx(c *api.Ctx) (tx *Tx, created bool, err error) {
	m := c.Msg
	if m == nil || !m.IsRequest() {
		return nil, false, errors.New("not a request")
	}
	key, err := sip.ServerTxKey(m)
	if err != nil {
		return nil, false, fmt.Errorf("transaction key: %w", err)
	}
	if t.overloaded(c) {
		return nil, false, errOverload
	}
	tx, created = t.table.insert(key, t.seq.Add(1), func(id uint64) *Tx { return t.makeTx(c, key, id) })
	if created {
		t.learnCore(c)
		t.stats.uas.Inc()
		t.stats.inuse.Inc()
		t.inflight.Add(1)
		tx.mu.Lock()
		// A transaction nobody relays or answers is dropped after a while
		// (OpenSIPS releases it when the script ends).
		tx.deleteAt = time.Now().Add(tx.frTimeout + t.wt())
		tx.schedule()
		tx.mu.Unlock()
	}
	return tx, created, nil
}

func (t *TM) makeTx(c *api.Ctx, key sip.TxKey, id uint64) *Tx {
	m := c.Msg
	tx := &Tx{
		tm: t, id: id, key: key, core: c.Core, ctx: c.Context, log: c.Log,
		req: m.Clone(), method: m.MethodID(), winIdx: -1,
		frTimeout: t.sec(t.FrTimeout), frInvTimeout: t.sec(t.FrInvTimeout),
	}
	if tx.log == nil {
		tx.log = t.log
	}
	if c.Slots != nil {
		if ft, ok := c.Slot(frSlot{}).(*frTimers); ok {
			tx.frTimeout = cmp.Or(ft.fr, tx.frTimeout)
			tx.frInvTimeout = cmp.Or(ft.inv, tx.frInvTimeout)
		}
	}
	tx.isInvite = tx.method == sip.MethodInvite
	if d, err := sip.ReplyDest(m); err == nil {
		tx.replyDest = d
	} else {
		tx.log.Debug("no reply destination", "callid", m.CallID(), "err", err)
	}
	tx.reliable = tx.replyDest.Proto.Reliable()
	return tx
}

// attach makes c's request stateful: it creates the transaction (with a
// 100 Trying for INVITE) or, for a retransmission, re-sends the last
// reply. ok is false when the script must stop (retransmission).
func (t *TM) attach(c *api.Ctx) (tx *Tx, fresh, ok bool, err error) {
	if tx := txOf(c); tx != nil {
		return tx, false, true, nil
	}
	tx, created, err := t.newTx(c)
	if errors.Is(err, errOverload) {
		return nil, false, false, nil // answered 503: the script stops
	}
	if err != nil {
		return nil, false, false, err
	}
	if !created {
		tx.retransmit()
		return tx, false, false, nil
	}
	c.Tx = tx
	tx.captureHooks(c)
	if tx.isInvite && t.Auto100Trying != 0 {
		// OpenSIPS' automatic 100 is an ordinary t_reply: its reason,
		// the Server header, what append_to_reply added so far.
		b := sip.AppendReply(make([]byte, 0, 384), c.Msg, &sip.ReplySpec{Code: 100, Reason: "Giving it a try",
			Headers: c.ReplyHeaders, Server: tx.core.ServerHeader()})
		tx.mu.Lock()
		t.sendUpstream(tx, b, 100, true)
		tx.mu.Unlock()
	}
	return tx, true, true, nil
}

// captureHooks copies what the request route armed or set so far.
func (tx *Tx) captureHooks(c *api.Ctx) {
	if c.OnFailure != "" {
		tx.onFailure = c.OnFailure
	}
	if c.OnReply != "" {
		tx.onReply = c.OnReply
	}
	if c.OnBranch != "" {
		tx.onBranch = c.OnBranch
	}
	tx.flags = c.Flags
	if c.AVPs != nil {
		tx.avps = c.AVPs
	}
	tx.keepSlots(c)
}

// retransmit re-sends the last reply sent upstream (a request
// retransmission arrived).
func (tx *Tx) retransmit() {
	tx.mu.Lock()
	b := tx.lastReply
	tx.mu.Unlock()
	if b != nil {
		if err := tx.core.Send(tx.replyDest, b); err != nil {
			tx.log.Debug("reply retransmission failed", "err", err)
		}
	}
}

// sendUpstream sends a reply to the upstream client; mu held. The first
// final reply (or the latest provisional before it) becomes the reply
// re-sent on request retransmissions.
func (t *TM) sendUpstream(tx *Tx, b []byte, code int, local bool) {
	if local {
		t.hookReplyOut(tx, nil, b, code, true, -1)
	}
	if tx.status < 200 {
		tx.status, tx.lastReply, tx.lastLocal = code, b, local
		if code >= 200 {
			t.finalSent(tx, code)
		}
	}
	if err := tx.core.Send(tx.replyDest, b); err != nil {
		tx.log.Debug("sending reply upstream failed", "code", code, "err", err)
	}
}

// finalSent starts the completed state: INVITE negative replies are
// retransmitted over UDP until the ACK; the transaction is deleted once
// retransmissions can no longer arrive.
func (t *TM) finalSent(tx *Tx, code int) {
	t.stats.countFinal(code)
	now := time.Now()
	local2xx := tx.isInvite && code < 300 && tx.lastLocal
	if tx.isInvite && (code >= 300 || local2xx) {
		end := now.Add(64 * t.t1())
		if !tx.reliable {
			tx.srvRetrInt = t.t1()
			tx.srvRetrAt = now.Add(tx.srvRetrInt)
			tx.srvRetrEnd = end
			if local2xx {
				// Its ACK is a new transaction: find it by dialog.
				t.acks.add(tx)
			}
		}
		tx.deleteAt = end
	} else {
		tx.deleteAt = now.Add(t.wt())
	}
	tx.schedule()
}

// replyLocked sends a local reply on tx; mu held.
func (t *TM) replyLocked(tx *Tx, code int, reason, extra, body string) error {
	if tx.status >= 200 {
		return errFinal
	}
	spec := sip.ReplySpec{Code: code, Reason: reason, Headers: extra, Body: body, Server: tx.core.ServerHeader()}
	if code >= 180 { // OpenSIPS leaves 101-179 without a To-tag
		spec.ToTag = tx.localToTag()
	}
	b := sip.AppendReply(make([]byte, 0, 512+len(body)), tx.req, &spec)
	t.sendUpstream(tx, b, code, true)
	t.stats.localReplies.Inc()
	if code >= 200 && tx.isInvite {
		t.cancelBranches(tx, -1, CancelAll)
	}
	tx.schedule()
	return nil
}

// reply answers c's request statefully, creating the transaction when
// needed (t_reply, send_reply).
func (t *TM) reply(c *api.Ctx, code int, reason, extra, body string) error {
	if code < 100 || code > 699 {
		return fmt.Errorf("reply code %d out of range", code)
	}
	tx := txOf(c)
	if tx == nil {
		var err error
		tx, _, err = t.newTx(c)
		if err != nil {
			return err
		}
		c.Tx = tx
	}
	// What append_to_reply()/append_body_to_reply() added, and for a
	// redirect the destination set, as in every local reply.
	extra = c.ReplyHeaders + extra
	if code >= 300 && code < 400 && c.Msg != nil {
		if ds := c.DestSet(c.Msg); ds != "" {
			extra += ds + "\r\n"
		}
	}
	if body == "" {
		body = c.ReplyBody
	}
	unlock := tx.lockFor(c)
	defer unlock()
	return t.replyLocked(tx, code, reason, extra, body)
}

// Reply implements api.Replier: a stateful reply on c's transaction,
// created if needed.
func (t *TM) Reply(c *api.Ctx, code int, reason, extra, body string) error {
	return t.reply(c, code, reason, extra, body)
}

// ackKind classifies an ACK against the INVITE transactions.
type ackKind int

const (
	ackUnknown ackKind = iota
	ackHopByHop
	ackEndToEnd
)

// matchAck looks the INVITE transaction of an ACK up; a hop-by-hop ACK
// (for a negative final reply we sent) is absorbed: it stops the reply
// retransmissions.
func (t *TM) matchAck(m *sip.Msg) ackKind {
	key, err := sip.ServerTxKey(m)
	if err != nil {
		return ackUnknown
	}
	tx := t.table.lookup(key)
	if tx == nil {
		if tx = t.acks.match(m); tx == nil {
			return ackUnknown
		}
	}
	tx.mu.Lock()
	defer tx.mu.Unlock()
	switch {
	case tx.status >= 300 || (tx.status >= 200 && tx.lastLocal && tx.inAcks):
		if !tx.acked {
			tx.acked = true
			tx.srvRetrAt = time.Time{}
			wait := t.wt()
			if tx.reliable {
				wait = 0
			}
			tx.deleteAt = time.Now().Add(wait)
			tx.schedule()
		}
		return ackHopByHop
	case tx.status >= 200:
		return ackEndToEnd
	}
	return ackUnknown
}
