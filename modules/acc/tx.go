package acc

import (
	"time"

	"gosips/api"
	"gosips/sip"
)

// txHook returns the transaction callbacks of an accounting context
// (OpenSIPS registers TMCB_RESPONSE_OUT and TMCB_ON_FAILURE). They run
// under the transaction's lock: logging is done at once, inserts on a
// goroutine.
func (m *Acc) txHook(x *accCtx) *api.TxHook {
	var ts time.Time // the request's time, fixed at its first report
	stamp := func() time.Time {
		if ts.IsZero() {
			ts = time.Now()
		}
		return ts
	}
	return &api.TxHook{
		ReplyOut: func(e *api.TxEvent) { m.onReply(x, e, stamp) },
		// A failed round is a missed call at once (before the failure
		// route, which may fork again); the flag is then cleared.
		Failure: func(e *api.TxEvent) {
			x.mu.Lock()
			missed := anyOn(x.flags, fMissed)
			x.mu.Unlock()
			if missed && e.Req != nil {
				m.onMissed(x, e, stamp())
			}
		},
	}
}

// replyRecord builds the report of a reply: a received reply's To tag and
// reason, or for a local reply the request's To tag and the standard
// reason phrase.
func replyRecord(e *api.TxEvent, ts time.Time) *record {
	var r *record
	if e.Local || e.Reply == nil {
		r = newRecord(e.Req, e.Req.ToTag(), codeText(e.Code), errorText(e.Code), ts)
	} else {
		r = newRecord(e.Req, e.Reply.ToTag(), codeText(e.Code), e.Reply.Reason(), ts)
	}
	if e.Ctx != nil {
		r.swapIf(upstream(e.Ctx))
	}
	return r
}

// onReply reports a reply sent upstream, as OpenSIPS' acc_onreply: a
// negative final reply to an INVITE is a missed call when asked, then a
// reply of interest is accounted, or starts the CDR of an answered call.
func (m *Acc) onReply(x *accCtx, e *api.TxEvent, stamp func() time.Time) {
	if e.Req == nil {
		return
	}
	x.mu.Lock()
	flags := x.flags
	x.mu.Unlock()
	isInvite := e.Req.MethodID() == sip.MethodInvite
	if isInvite && e.Code >= 300 && anyOn(flags, fMissed) {
		m.onMissed(x, e, stamp())
		x.mu.Lock()
		flags = x.flags
		x.mu.Unlock()
	}
	if !m.shouldAcc(flags, e) {
		return
	}
	r := replyRecord(e, stamp())
	if isInvite && e.Req.ToTag() == "" && anyOn(flags, fCDR) && e.Code < 300 && x.dlg != nil {
		m.startCDR(x, r)
		return
	}
	if on(flags, beLog, fAcc) {
		m.logRequest(textAnswered, r, x)
	}
	if on(flags, beDB, fAcc) && m.conn != nil {
		m.writeAsync(m.requestRow(x.table, r, x, false))
	}
	if on(flags, beEVI, fAcc) {
		m.eviRequest(r, x, false)
	}
}

// shouldAcc tells whether a reply is accounted: a final one (or, with
// early_media, a provisional one with a body), negative ones only with
// the "failed" flag.
func (m *Acc) shouldAcc(flags uint64, e *api.TxEvent) bool {
	if !anyOn(flags, fFailed) && e.Code >= 300 {
		return false
	}
	if !anyOn(flags, fAcc) {
		return false
	}
	if e.Code < 200 {
		if m.EarlyMedia == 0 || e.Local || e.Reply == nil {
			return false
		}
		if n, ok := e.Reply.ContentLength(); !ok || n <= 0 {
			return false
		}
	}
	return true
}

// onMissed reports a missed call to the backends with the "missed" flag,
// then clears it so that later failures are not reported again.
func (m *Acc) onMissed(x *accCtx, e *api.TxEvent, ts time.Time) {
	x.mu.Lock()
	flags := x.flags
	x.mu.Unlock()
	r := replyRecord(e, ts)
	var clear uint64
	if on(flags, beLog, fMissed) {
		m.logRequest(textMissed, r, x)
		clear |= backendBit(beLog) * fMissed
	}
	if on(flags, beDB, fMissed) {
		if m.conn != nil {
			m.writeAsync(m.requestRow(m.TableMissed, r, x, true))
		}
		clear |= backendBit(beDB) * fMissed
	}
	if on(flags, beEVI, fMissed) {
		m.eviRequest(r, x, true)
		clear |= backendBit(beEVI) * fMissed
	}
	x.mu.Lock()
	x.flags &^= clear
	x.mu.Unlock()
}

// startCDR keeps the INVITE's values when the call is answered and waits
// for the dialog's end.
func (m *Acc) startCDR(x *accCtx, r *record) {
	x.mu.Lock()
	if x.cdrCore != nil {
		x.mu.Unlock()
		return
	}
	x.cdrCore, x.start = r, r.ts
	d := x.dlg
	saveCDR(d, x)
	x.mu.Unlock()
	d.Register(api.DlgCbTerminated|api.DlgCbExpired, func(ev *api.DialogEventInfo) { m.dialogEnded(x, ev) })
}

// dialogEnded notes the end of the call; a BYE relayed by tm is reported
// once its final reply is sent (so the script can still set values), a
// call ended here (timeout, dlg_end_dlg) at once.
func (m *Acc) dialogEnded(x *accCtx, ev *api.DialogEventInfo) {
	x.mu.Lock()
	if x.byeTime.IsZero() {
		x.byeTime = time.Now()
	}
	x.mu.Unlock()
	if ev.Ctx != nil && ev.Ctx.Msg != nil && ev.Ctx.Msg.IsRequest() {
		h := &api.TxHook{ReplyOut: func(e *api.TxEvent) {
			if e.Code >= 200 {
				m.writeCDR(x)
			}
		}}
		if m.hooks.HookTx(ev.Ctx, h) {
			return
		}
	}
	m.writeCDR(x)
}

// writeCDR reports the call once, with its times taken from the dialog.
func (m *Acc) writeCDR(x *accCtx) {
	x.mu.Lock()
	if x.cdrDone || x.cdrCore == nil {
		x.mu.Unlock()
		return
	}
	x.cdrDone = true
	r, flags, table, d := x.cdrCore, x.flags, x.table, x.dlg
	created, start, end := x.created, x.start, x.byeTime
	extra, legs := x.snapshot()
	x.mu.Unlock()
	if d != nil {
		if t := d.Created(); !t.IsZero() {
			created = t
		}
		if t := d.Start(); !t.IsZero() {
			start = t
		}
		if t := d.End(); !t.IsZero() {
			end = t
		}
	}
	if on(flags, beLog, fAcc) {
		m.logCDR(x, r, created, start, end, extra, legs)
	}
	if on(flags, beDB, fAcc) && m.conn != nil {
		if table == "" {
			table = m.TableAcc
		}
		m.writeAsync(m.cdrRow(table, r, created, start, end, extra, legs))
	}
	if on(flags, beEVI, fAcc) {
		m.eviCDR(r, created, start, end, extra, legs)
	}
}
