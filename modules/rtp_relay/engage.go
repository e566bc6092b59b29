package rtp_relay

import (
	"fmt"

	"gosips/api"
	"gosips/sip"
)

// getCtx returns the call's context: the dialog's, else the one the
// message (or its transaction) carries; nil when there is none.
func (m *Module) getCtx(c *api.Ctx) *relayCtx {
	if c == nil {
		return nil
	}
	if rc, ok := c.Slot(ctxKey{}).(*relayCtx); ok {
		return rc
	}
	if m.dlg != nil {
		if d := m.dlg.Current(c); d != nil {
			if rc, ok := d.Attr(ctxKey{}).(*relayCtx); ok {
				return rc
			}
		}
	}
	return nil
}

// ctxFor returns the call's context, creating it in the message's slots.
func (m *Module) ctxFor(c *api.Ctx) *relayCtx {
	if rc := m.getCtx(c); rc != nil {
		return rc
	}
	rc := &relayCtx{}
	c.SetSlot(ctxKey{}, rc)
	return rc
}

// engage is rtp_relay_engage(engine[, set]).
func (m *Module) engage(c *api.Ctx, args []any) api.Ret {
	msg := c.Msg
	if msg == nil || !msg.IsRequest() || msg.MethodID() != sip.MethodInvite || msg.ToTag() != "" {
		c.Log.Warn("rtp_relay_engage() can only be called on initial INVITEs")
		return -2
	}
	var e *engine
	switch a := args[0].(type) {
	case *engine:
		e = a
	case string:
		if eng, ok := m.module(a).(api.RTPRelayEngine); ok {
			e = &engine{name: a, RTPRelayEngine: eng}
		}
	}
	if e == nil {
		c.Log.Error(fmt.Sprintf("rtp_relay_engage: no %v relay module registered", args[0]))
		return api.RetFalse
	}
	set := -1
	if n, ok := args[1].(int64); ok {
		set = int(n)
	}
	idx := allBranches
	switch c.RouteType {
	case api.RequestRoute:
	case api.BranchRoute:
		idx = c.BranchIdx
	default:
		c.Log.Error("rtp_relay_engage: unhandled route type")
		return api.RetFalse
	}
	from := msg.FromTag()
	if from == "" {
		c.Log.Error("rtp_relay_engage: bad request or missing From header")
		return api.RetFalse
	}
	if m.dlg == nil {
		c.Log.Error("rtp_relay_engage: dialog module not loaded - failed to engage")
		return api.RetFalse
	}
	rc := m.ctxFor(c)
	rc.mu.Lock()
	defer rc.mu.Unlock()
	if !rc.engaged {
		if !m.tm.HookTx(c, &api.TxHook{
			EditBranch: func(ev *api.TxEvent) *sip.Msg { return m.initialOffer(rc, ev) },
			ReplyOut:   func(ev *api.TxEvent) { m.initialReply(rc, ev) },
			Failure:    func(ev *api.TxEvent) { m.initialFailure(rc, ev) },
		}) {
			c.Log.Error("rtp_relay_engage: failed to install TM reply callback")
			return api.RetFalse
		}
		rc.engaged = true
	}
	s := rc.newSess(e, set, from, idx)
	if s.legs[caller] == nil {
		s.pushLeg(rc.newLeg(from, allBranches), caller)
	}
	if sdpBody(msg) == "" {
		s.late = true
	}
	return api.RetTrue
}

// initialOffer relays the caller's SDP into a branch of the initial
// INVITE (TMCB_REQUEST_FWDED).
func (m *Module) initialOffer(rc *relayCtx, ev *api.TxEvent) *sip.Msg {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	s := rc.sess(ev.Branch)
	if s == nil || s.disabled() || s.late {
		return nil
	}
	rc.fillLeg(s, callee, "", ev.Branch)
	body := rc.offer(ev.Ctx, s, caller, ev.Req)
	if body == "" {
		return nil
	}
	nm := ev.Req.Clone()
	nm.SetBody(body, "")
	return nm
}

// initialReply handles a reply to the initial INVITE about to be relayed
// (TMCB_RESPONSE_FWDED): the callee's answer (or late offer) is relayed,
// a negative final reply ends the branch's relay session.
func (m *Module) initialReply(rc *relayCtx, ev *api.TxEvent) {
	if ev.Local || ev.Reply == nil {
		return
	}
	rc.mu.Lock()
	defer rc.mu.Unlock()
	s := rc.sess(ev.Branch)
	if s == nil || (!s.pending && !s.late) || s.disabled() {
		return
	}
	rc.fillLeg(s, callee, "", ev.Branch)
	if ev.Code >= 300 {
		m.endBranch(rc, s, ev.Ctx)
		return
	}
	rpl := ev.Reply
	if l := s.legs[callee]; l == nil {
		s.pushLeg(rc.newLeg(rpl.ToTag(), s.index), callee)
	} else if l.tag == "" {
		l.tag = rpl.ToTag()
	}
	if ev.Code >= 200 && rpl.ToTag() != "" {
		rc.toTag = rpl.ToTag()
	}
	if sdpBody(rpl) == "" {
		switch {
		case ev.Code < 200:
		case s.late:
			ev.Ctx.Log.Warn("rtp_relay: no SDP in final reply of late negotiation")
		case !s.success:
			m.success(rc, s, ev.Ctx, rpl)
		}
		return
	}
	var body string
	if s.late {
		body = rc.offer(ev.Ctx, s, callee, rpl)
	} else {
		body = rc.answer(ev.Ctx, s, callee, rpl)
	}
	if body == "" {
		return
	}
	rpl.SetBody(body, "")
	if !s.success {
		m.success(rc, s, ev.Ctx, rpl)
	}
}

// initialFailure ends the relay session of a branch that failed without
// a relayed reply (local timeout, a failure route taking over).
func (m *Module) initialFailure(rc *relayCtx, ev *api.TxEvent) {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	s := rc.sess(ev.Branch)
	if s == nil || (!s.pending && !s.late) {
		return
	}
	m.endBranch(rc, s, ev.Ctx)
}

// endBranch deletes a failed branch's relay session; mu held.
func (m *Module) endBranch(rc *relayCtx, s *session, c *api.Ctx) {
	if !s.late && s.pending {
		rc.delete(c, s, callee)
	}
	rc.freeSess(s)
	if rc.est == s {
		rc.est = nil
	}
}

// success marks the branch answered: the call's context moves to its
// dialog, which then drives the in-dialog exchanges; mu held.
func (m *Module) success(rc *relayCtx, s *session, c *api.Ctx, rpl *sip.Msg) {
	s.success = true
	rc.est = s
	if rc.established {
		return
	}
	req := rpl
	if c != nil && c.Req != nil {
		req = c.Req
	}
	d := m.dlg.ByCallID(req.CallID(), req.FromTag())
	if d == nil {
		logOf(c).Error("rtp_relay: could not find dialog")
		return
	}
	rc.dlgCallID = d.CallID()
	if rc.fromTag == "" {
		rc.fromTag = d.Leg(api.DlgCaller).Tag
	}
	if rc.toTag == "" {
		rc.toTag = rpl.ToTag()
	}
	d.SetAttr(ctxKey{}, rc)
	d.Register(api.DlgCbReqWithin, func(e *api.DialogEventInfo) { m.inDialog(rc, e) })
	d.Register(api.DlgCbTerminated|api.DlgCbExpired, func(e *api.DialogEventInfo) { m.dialogEnd(rc, e) })
	rc.established = true
	m.track(rc)
}

// dialogEnd deletes the relay session when the call ends.
func (m *Module) dialogEnd(rc *relayCtx, e *api.DialogEventInfo) {
	rc.mu.Lock()
	if s := rc.est; s != nil && s.pending {
		typ := rc.legType(e.Msg)
		if typ < 0 {
			typ = caller
		}
		rc.delete(e.Ctx, s, typ)
	}
	rc.mu.Unlock()
	m.untrack(rc)
}

// inDialog hooks the transaction of a sequential request with SDP (or a
// re-INVITE without, a late offer) so that its offer and answer go
// through the relay.
func (m *Module) inDialog(rc *relayCtx, e *api.DialogEventInfo) {
	msg := e.Msg
	if msg == nil || e.Ctx == nil || !msg.IsRequest() {
		return
	}
	meth := msg.MethodID()
	body := sdpBody(msg)
	if body == "" && meth != sip.MethodInvite {
		return
	}
	if meth == sip.MethodAck {
		m.lateAnswer(rc, e)
		return
	}
	rc.mu.Lock()
	s := rc.est
	ok := s != nil && s.pending
	if ok {
		if body == "" {
			s.late = true
		} else if meth == sip.MethodInvite {
			s.late = false
		}
	}
	rc.mu.Unlock()
	if !ok {
		return
	}
	m.tm.HookTx(e.Ctx, &api.TxHook{
		EditBranch: func(ev *api.TxEvent) *sip.Msg {
			rc.mu.Lock()
			defer rc.mu.Unlock()
			if sdpBody(ev.Req) == "" {
				return nil
			}
			typ := rc.legType(ev.Req)
			if typ < 0 {
				return nil
			}
			nb := rc.offer(ev.Ctx, s, typ, ev.Req)
			if nb == "" {
				return nil
			}
			nm := ev.Req.Clone()
			nm.SetBody(nb, "")
			return nm
		},
		ReplyOut: func(ev *api.TxEvent) {
			if ev.Local || ev.Reply == nil || ev.Code >= 300 || sdpBody(ev.Reply) == "" {
				return
			}
			rc.mu.Lock()
			defer rc.mu.Unlock()
			typ := rc.legType(ev.Req)
			if typ < 0 || s.legs[1-typ] == nil {
				return
			}
			var nb string
			if s.late {
				nb = rc.offer(ev.Ctx, s, 1-typ, ev.Reply)
			} else {
				nb = rc.answer(ev.Ctx, s, 1-typ, ev.Reply)
			}
			if nb != "" {
				ev.Reply.SetBody(nb, "")
			}
		},
	})
}

// lateAnswer relays the answer an ACK carries after an offer made in the
// 2xx (late negotiation); the ACK is changed before it is forwarded.
func (m *Module) lateAnswer(rc *relayCtx, e *api.DialogEventInfo) {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	s := rc.est
	if s == nil || !s.pending || !s.late {
		return
	}
	typ := rc.legType(e.Msg)
	if typ < 0 {
		return
	}
	if nb := rc.answer(e.Ctx, s, typ, e.Msg); nb != "" {
		e.Msg.SetBody(nb, "")
	}
	s.late = false
}
