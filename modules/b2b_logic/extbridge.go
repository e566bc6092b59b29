package b2blogic

import (
	"strconv"
	"time"

	"gosips/api"
	"gosips/sip"
)

// brExt is the bridge step of the bridges run by extReply: sessions
// started from the middle (b2b_trigger_scenario) and bridges with a
// provisional media server, hold or no-late-sdp.
const brExt = 100

// Kinds of extended bridges.
const (
	xkTrigger = iota + 1 // two new client entities
	xkBridge             // a kept entity and a new one
)

// Steps of an extended bridge: what the session waits for.
const (
	xsFirst     = iota + 1 // trigger: the first peer's 2xx (its offer)
	xsSecond               // trigger: the second peer's 2xx (the answer)
	xsHold                 // the kept entity's answer to the hold re-INVITE
	xsInitSDP              // no-late-sdp: the new entity's answer to the kept one's last SDP
	xsOldOffer             // the kept entity's 2xx to a re-INVITE without body (a fresh offer)
	xsMedia                // the media server's answer to that offer
	xsNew                  // the new entity's 2xx to an INVITE (late SDP unless nLate is false)
	xsOldAnswer            // the kept entity's answer to the new entity's SDP
	xsNewAnswer            // no-late-sdp: the new entity's answer to the kept one's fresh offer
)

// extBridge is the state of an extended bridge (guarded by the tuple's
// mutex).
type extBridge struct {
	kind int
	step int
	// spec is the entity to contact last: the second peer of a trigger,
	// the new entity of a bridge.
	spec    *clientSpec
	provURI string
	hold    bool
	noLate  bool
	keep    *leg
	media   *leg
	nw      *leg
	nLate   bool // the new entity got an INVITE without body
	fromURI string
	contact string
	sock    *sip.Socket
	// notify is the entity told of the outcome (b2b_trigger_scenario's
	// "n" param), possibly of another session.
	notify *leg
}

func (m *Module) sdpIn(l *leg) string {
	if tr, ok := m.ents.(*sdpTracker); ok && l != nil {
		return tr.in(l.ent)
	}
	return ""
}

func (m *Module) sdpOut(l *leg) string {
	if tr, ok := m.ents.(*sdpTracker); ok && l != nil {
		return tr.out(l.ent)
	}
	return ""
}

// fromFor is the From URI of an entity bridged to keep: the URI keep's
// peer knows it by.
func fromFor(keep *leg) string {
	if keep.typ == api.B2BClient {
		return keep.toURI
	}
	return keep.fromURI
}

// startExtBridge bridges keep to the entity of spec with a provisional
// media server (provURI), hold or no-late-sdp; the other legs of the
// session (but the bridge initiator) are ended first.
func (m *Module) startExtBridge(t *tuple, keep *leg, spec *clientSpec, provURI, contact string, fl bridgeFlags) bool {
	for _, o := range m.otherLegs(t, keep) {
		t.mu.Lock()
		init := o == t.binit
		t.mu.Unlock()
		if init {
			continue
		}
		m.endLeg(o)
		m.deleteLeg(t, o)
	}
	t.mu.Lock()
	if t.deleted {
		t.mu.Unlock()
		return false
	}
	keep.peer = nil
	t.state = tsBridging
	t.bflags = fl
	t.bstep, t.bkeep, t.bnew = brExt, keep, nil
	t.bridge[0], t.bridge[1] = keep, nil
	keep.no = 0
	t.x = &extBridge{kind: xkBridge, spec: spec, provURI: provURI, hold: fl.hold, noLate: fl.noLateSDP,
		keep: keep, fromURI: fromFor(keep), contact: contact}
	t.mu.Unlock()
	if fl.hold {
		if body := holdSDP(m.sdpOut(keep)); body != "" {
			m.extStep(t, xsHold)
			if err := m.ents.SendRequest(keep.ent, "INVITE", keep.hdrs, "application/sdp", body); err != nil {
				m.log.Error("b2b_bridge: cannot put the kept entity on hold", "err", err)
				m.terminate(t)
				return false
			}
			return true
		}
	}
	return m.extAfterHold(t)
}

func (m *Module) extStep(t *tuple, step int) {
	t.mu.Lock()
	if t.x != nil {
		t.x.step = step
	}
	t.mu.Unlock()
}

// extAfterHold goes on once the kept entity is on hold (or needed not).
func (m *Module) extAfterHold(t *tuple) bool {
	t.mu.Lock()
	x := t.x
	keep := x.keep
	t.mu.Unlock()
	switch {
	case x.provURI != "":
		// The kept entity's fresh offer goes to the media server first.
		m.extStep(t, xsOldOffer)
		if err := m.ents.SendRequest(keep.ent, "INVITE", keep.hdrs, "", ""); err != nil {
			m.log.Error("b2b_bridge: cannot re-INVITE the kept entity", "err", err)
			m.terminate(t)
			return false
		}
	case x.noLate:
		// The new entity answers the kept entity's last offer first.
		m.extStep(t, xsInitSDP)
		if !m.extInviteNew(t, m.sdpIn(keep)) {
			m.terminate(t)
			return false
		}
	default:
		// A plain late-SDP bridge from here on.
		t.mu.Lock()
		t.x = nil
		t.bstep = brWaitNew
		t.mu.Unlock()
		if _, ok := m.inviteNew(t, keep, x.spec, x.fromURI, x.contact); !ok {
			m.terminate(t)
			return false
		}
	}
	return true
}

// extInviteNew sends the INVITE to the new entity (without body: late
// SDP).
func (m *Module) extInviteNew(t *tuple, body string) bool {
	t.mu.Lock()
	x := t.x
	t.mu.Unlock()
	ct := ""
	if body != "" {
		ct = "application/sdp"
	}
	l, ok := m.extClient(t, x.spec, x.fromURI, "", ct, body, -1)
	if !ok {
		return false
	}
	t.mu.Lock()
	x.nw, x.nLate = l, body == ""
	t.bnew = l
	l.no = 1
	t.mu.Unlock()
	return true
}

// extReply moves an extended bridge on with a reply to one of its
// INVITEs.
func (m *Module) extReply(t *tuple, l *leg, reply *sip.Msg, code int) {
	if code < 200 {
		return
	}
	t.mu.Lock()
	x := t.x
	if x == nil {
		t.mu.Unlock()
		return
	}
	step, keep, media, nw := x.step, x.keep, x.media, x.nw
	first := t.bridge[0]
	t.mu.Unlock()
	ok := code < 300
	ct, body := contentType(reply), reply.Body()
	switch step {
	case xsFirst:
		if l != first {
			return
		}
		if !ok {
			m.extNotify(t, reply, code)
			m.deleteTuple(t)
			return
		}
		t.mu.Lock()
		l.confirmed = true
		x.step = xsSecond
		t.mu.Unlock()
		// The second peer sees the first one as the caller.
		sec, created := m.extClient(t, x.spec, l.toURI, "", ct, body, 1)
		if !created {
			_ = m.ents.SendRequest(l.ent, "ACK", l.hdrs, "", "")
			m.endLeg(l)
			m.deleteTuple(t)
			return
		}
		t.mu.Lock()
		x.nw = sec
		t.mu.Unlock()
	case xsSecond:
		if l != nw {
			return
		}
		m.extNotify(t, reply, code)
		if !ok {
			_ = m.ents.SendRequest(first.ent, "ACK", first.hdrs, "", "")
			m.endLeg(first)
			m.deleteTuple(t)
			return
		}
		_ = m.ents.SendRequest(first.ent, "ACK", first.hdrs, ct, body)
		_ = m.ents.SendRequest(nw.ent, "ACK", nw.hdrs, "", "")
		m.extDone(t, first, nw)
	case xsHold:
		if l != keep {
			return
		}
		if !ok {
			m.terminate(t)
			return
		}
		_ = m.ents.SendRequest(keep.ent, "ACK", keep.hdrs, "", "")
		m.extAfterHold(t)
	case xsInitSDP:
		if l != nw {
			return
		}
		if !m.bridgeOutcome(t, keep, nw, reply, code) {
			m.extRolledBack(t)
			return
		}
		if !ok {
			m.terminate(t)
			return
		}
		_ = m.ents.SendRequest(nw.ent, "ACK", nw.hdrs, "", "")
		t.mu.Lock()
		nw.confirmed = true
		x.step = xsOldOffer
		t.mu.Unlock()
		if err := m.ents.SendRequest(keep.ent, "INVITE", keep.hdrs, "", ""); err != nil {
			m.terminate(t)
		}
	case xsOldOffer:
		if l != keep {
			return
		}
		if !ok {
			m.terminate(t)
			return
		}
		if x.provURI != "" && media == nil && nw == nil {
			t.mu.Lock()
			x.step = xsMedia
			t.mu.Unlock()
			ms, created := m.extClient(t, &clientSpec{uri: x.provURI}, x.fromURI, "", ct, body, 1)
			if !created {
				_ = m.ents.SendRequest(keep.ent, "ACK", keep.hdrs, "", "")
				m.extContactNew(t)
				return
			}
			t.mu.Lock()
			x.media = ms
			t.mu.Unlock()
			return
		}
		// no-late-sdp: the fresh offer goes to the new entity.
		t.mu.Lock()
		x.step = xsNewAnswer
		t.mu.Unlock()
		if err := m.ents.SendRequest(nw.ent, "INVITE", nw.hdrs, ct, body); err != nil {
			_ = m.ents.SendRequest(keep.ent, "ACK", keep.hdrs, "", "")
			m.terminate(t)
		}
	case xsMedia:
		if l != media {
			return
		}
		if !ok {
			// The media server failed: the real destination anyway.
			m.deleteLeg(t, media)
			t.mu.Lock()
			x.media = nil
			t.mu.Unlock()
			_ = m.ents.SendRequest(keep.ent, "ACK", keep.hdrs, "", "")
			m.extContactNew(t)
			return
		}
		_ = m.ents.SendRequest(keep.ent, "ACK", keep.hdrs, ct, body)
		_ = m.ents.SendRequest(media.ent, "ACK", media.hdrs, "", "")
		t.mu.Lock()
		keep.peer, media.peer = media, keep
		media.confirmed = true
		t.mu.Unlock()
		m.extContactNew(t)
	case xsNew:
		if l != nw {
			return
		}
		if !m.bridgeOutcome(t, keep, nw, reply, code) {
			m.extRolledBack(t)
			return
		}
		if !ok {
			m.terminate(t)
			return
		}
		t.mu.Lock()
		nw.confirmed = true
		x.step = xsOldAnswer
		x.media = nil
		t.mu.Unlock()
		if media != nil {
			m.endLeg(media)
			m.deleteLeg(t, media)
		}
		if err := m.ents.SendRequest(keep.ent, "INVITE", keep.hdrs, ct, body); err != nil {
			_ = m.ents.SendRequest(nw.ent, "ACK", nw.hdrs, "", "")
			m.terminate(t)
		}
	case xsOldAnswer:
		if l != keep {
			return
		}
		if !ok {
			_ = m.ents.SendRequest(nw.ent, "ACK", nw.hdrs, "", "")
			m.terminate(t)
			return
		}
		if x.nLate {
			_ = m.ents.SendRequest(nw.ent, "ACK", nw.hdrs, ct, body)
		} else {
			_ = m.ents.SendRequest(nw.ent, "ACK", nw.hdrs, "", "")
		}
		_ = m.ents.SendRequest(keep.ent, "ACK", keep.hdrs, "", "")
		// As OpenSIPS: the new entity becomes bridge entity 0.
		m.extDone(t, nw, keep)
	case xsNewAnswer:
		if l != nw {
			return
		}
		if !ok {
			_ = m.ents.SendRequest(keep.ent, "ACK", keep.hdrs, "", "")
			m.terminate(t)
			return
		}
		_ = m.ents.SendRequest(keep.ent, "ACK", keep.hdrs, ct, body)
		_ = m.ents.SendRequest(nw.ent, "ACK", nw.hdrs, "", "")
		m.extDone(t, keep, nw)
	}
}

// extContactNew invites the real destination once the kept entity talks
// to the media server.
func (m *Module) extContactNew(t *tuple) {
	t.mu.Lock()
	x := t.x
	keep := x.keep
	x.step = xsNew
	t.mu.Unlock()
	body := ""
	if x.noLate {
		body = m.sdpIn(keep)
	}
	if !m.extInviteNew(t, body) {
		m.terminate(t)
	}
}

// extRolledBack ends an extended bridge undone by rollback-failed.
func (m *Module) extRolledBack(t *tuple) {
	t.mu.Lock()
	x := t.x
	t.x = nil
	t.mu.Unlock()
	if x != nil && x.media != nil {
		m.endLeg(x.media)
		m.deleteLeg(t, x.media)
	}
}

// extNotify tells the trigger's initiator the final answer.
func (m *Module) extNotify(t *tuple, reply *sip.Msg, code int) {
	t.mu.Lock()
	x := t.x
	var n *leg
	if x != nil {
		n, x.notify = x.notify, nil
	}
	t.mu.Unlock()
	if n != nil {
		m.notifyProgress(n, "SIP/2.0 "+strconv.Itoa(code)+" "+reply.Reason(), true)
	}
}

// extDone connects a and b: the bridge is over.
func (m *Module) extDone(t *tuple, a, b *leg) {
	t.mu.Lock()
	a.peer, b.peer = b, a
	a.confirmed, b.confirmed = true, true
	t.bridge[0], t.bridge[1] = a, b
	a.no, b.no = 0, 1
	t.bstep, t.bkeep, t.bnew = brNone, nil, nil
	t.x = nil
	t.state = tsBridged
	md := t.bflags.maxDuration
	t.mu.Unlock()
	if md > 0 {
		m.setLifetime(t, time.Duration(md)*m.unit)
	}
}
