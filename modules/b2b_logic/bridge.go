package b2blogic

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"gosips/api"
	"gosips/sip"
)

func parseBridgeFlags(s string) (bridgeFlags, error) {
	var f bridgeFlags
	for _, p := range strings.Split(s, ",") {
		p = strings.TrimSpace(p)
		name, val, _ := strings.Cut(p, "=")
		switch name {
		case "":
		case "max_duration":
			n, err := strconv.Atoi(val)
			if err != nil || n < 0 {
				return f, fmt.Errorf("max_duration needs a number of seconds, got %q", val)
			}
			f.maxDuration = n
		case "notify":
			f.notify = true
		case "rollback-failed":
			f.rollback = true
		case "hold":
			f.hold = true
		case "no-late-sdp":
			f.noLateSDP = true
		default:
			return f, fmt.Errorf("unknown bridge flag %q", name)
		}
	}
	return f, nil
}

// scriptBridge is b2b_bridge(entity1, entity2, [provmedia_uri], [flags]):
// one entity is kept, the other is a new client entity; the kept one is
// connected to the new one with late SDP (INVITE without body to the new
// entity, its offer in a re-INVITE to the kept one, the answer in the
// ACK). The other legs of the session are ended.
func (m *Module) scriptBridge(c *api.Ctx, args []any) api.Ret {
	st := msgState(c)
	t := st.tuple
	if t == nil {
		m.log.Error("b2b_bridge: only in a b2b_logic route")
		return api.RetFalse
	}
	var fl bridgeFlags
	switch v := args[3].(type) {
	case bridgeFlags:
		fl = v
	case string:
		var err error
		if fl, err = parseBridgeFlags(v); err != nil {
			m.log.Error("b2b_bridge: bad flags", "err", err)
			return api.RetFalse
		}
	}
	resolve := func(id string) (*leg, *clientSpec) {
		t.mu.Lock()
		defer t.mu.Unlock()
		switch id {
		case "this":
			return st.leg, nil
		case "peer":
			if st.leg != nil {
				return st.leg.peer, nil
			}
			return nil, nil
		}
		if l := t.legByID(id); l != nil {
			return l, nil
		}
		for _, cs := range st.clients {
			if cs.id == id {
				return nil, cs
			}
		}
		return nil, nil
	}
	l1, c1 := resolve(str(args, 0))
	l2, c2 := resolve(str(args, 1))
	var keep *leg
	var spec *clientSpec
	switch {
	case l1 != nil && c2 != nil:
		keep, spec = l1, c2
	case c1 != nil && l2 != nil:
		keep, spec = l2, c1
	default:
		m.log.Error("b2b_bridge: needs one existing entity and one new client entity",
			"entity1", str(args, 0), "entity2", str(args, 1))
		return api.RetFalse
	}
	contact := m.contactFor(c.Msg, "")
	if init := st.leg; init != nil && init != keep && (fl.notify || fl.rollback) {
		// A transfer: the initiator stays until the new entity answers.
		t.mu.Lock()
		t.binit = init
		t.mu.Unlock()
		if fl.notify {
			m.notifyProgress(init, "SIP/2.0 100 Trying", false)
		}
	}
	if prov := str(args, 2); prov != "" || fl.hold || fl.noLateSDP {
		if !m.startExtBridge(t, keep, spec, prov, contact, fl) {
			return api.RetFalse
		}
		return api.RetTrue
	}
	if !m.startBridge(t, keep, spec, contact, fl) {
		return api.RetFalse
	}
	return api.RetTrue
}

// startBridge ends the legs other than keep and invites the new entity.
func (m *Module) startBridge(t *tuple, keep *leg, spec *clientSpec, contact string, fl bridgeFlags) bool {
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
	from := keep.fromURI
	if keep.typ == api.B2BClient {
		from = keep.toURI
	}
	if keep.typ == api.B2BServer {
		from = keep.fromURI
	}
	t.state = tsBridging
	t.bflags = fl
	t.bstep, t.bkeep = brWaitNew, keep
	t.mu.Unlock()
	if _, ok := m.inviteNew(t, keep, spec, from, contact); !ok {
		m.terminate(t)
		return false
	}
	return true
}

// inviteNew sends the INVITE without body to a new client entity.
func (m *Module) inviteNew(t *tuple, keep *leg, spec *clientSpec, fromURI, contact string) (*leg, bool) {
	if spec.contact != "" {
		contact = spec.contact
	}
	fromHdr := "<" + fromURI + ">"
	if spec.fromDname != "" {
		fromHdr = quoteDname(spec.fromDname) + " " + fromHdr
	}
	l := &leg{id: spec.id, typ: api.B2BClient, no: 1, fromURI: fromURI, toURI: spec.uri, hdrs: spec.hdrs}
	_, err := m.ents.ClientNew(&api.B2BClientSpec{RURI: spec.uri, NextHop: spec.proxy, From: fromHdr,
		To: "<" + spec.uri + ">", Headers: spec.hdrs, Contact: contact,
		Created: func(e api.B2BEntity) {
			t.mu.Lock()
			l.ent = e
			t.clients = append(t.clients, l)
			t.bnew = l
			t.mu.Unlock()
		}}, m, t.key)
	if err != nil {
		m.log.Error("b2b_bridge: cannot create the client entity", "uri", spec.uri, "err", err)
		if l.ent != nil {
			t.mu.Lock()
			t.removeLeg(l)
			t.mu.Unlock()
		}
		return nil, false
	}
	return l, true
}

// bridgeReply moves a bridge on with a reply to one of its INVITEs.
func (m *Module) bridgeReply(t *tuple, l *leg, reply *sip.Msg, code int) {
	t.mu.Lock()
	step, keep, nw := t.bstep, t.bkeep, t.bnew
	t.mu.Unlock()
	switch {
	case step == brExt:
		m.extReply(t, l, reply, code)
	case l == nw && step == brWaitNew:
		if code >= 200 && !m.bridgeOutcome(t, keep, nw, reply, code) {
			return // rolled back
		}
		switch {
		case code < 200:
			return
		case code < 300:
			t.mu.Lock()
			t.bnewOffer, t.bnewOfferType = reply.Body(), contentType(reply)
			t.bstep = brWaitOld
			nw.confirmed = true
			t.mu.Unlock()
			if err := m.ents.SendRequest(keep.ent, "INVITE", keep.hdrs, contentType(reply), reply.Body()); err != nil {
				m.log.Debug("b2b_bridge: cannot re-INVITE the kept entity", "err", err)
				_ = m.ents.SendRequest(nw.ent, "ACK", "", "", "")
				m.terminate(t)
			}
		default:
			// The new entity failed and no b2b_bridge_retry took over.
			m.terminate(t)
		}
	case l == keep && step == brWaitOld:
		switch {
		case code < 200:
			return
		case code < 300:
			_ = m.ents.SendRequest(keep.ent, "ACK", keep.hdrs, "", "")
			_ = m.ents.SendRequest(nw.ent, "ACK", nw.hdrs, contentType(reply), reply.Body())
			t.mu.Lock()
			keep.peer, nw.peer = nw, keep
			t.bridge[0], t.bridge[1] = keep, nw
			keep.no, nw.no = 0, 1
			t.bstep, t.bkeep, t.bnew = brNone, nil, nil
			t.state = tsBridged
			md := t.bflags.maxDuration
			t.mu.Unlock()
			m.dbSave(t)
			if md > 0 {
				m.setLifetime(t, time.Duration(md)*m.unit)
			}
		default:
			_ = m.ents.SendRequest(nw.ent, "ACK", "", "", "")
			m.terminate(t)
		}
	}
}

// bridgeRetry is b2b_bridge_retry(new_entity): in the reply route of a
// failed bridge, the new entity is replaced by another.
func (m *Module) bridgeRetry(c *api.Ctx, id string) api.Ret {
	st := msgState(c)
	t := st.tuple
	if t == nil || st.reply == nil {
		m.log.Error("b2b_bridge_retry: only in a b2b_logic reply route")
		return api.RetFalse
	}
	var spec *clientSpec
	for _, cs := range st.clients {
		if cs.id == id {
			spec = cs
		}
	}
	t.mu.Lock()
	keep, failed, step := t.bkeep, t.bnew, t.bstep
	from := ""
	if keep != nil {
		from = keep.fromURI
	}
	t.mu.Unlock()
	if spec == nil || step != brWaitNew || failed != st.leg || st.code < 300 {
		m.log.Error("b2b_bridge_retry: no failed bridge to retry, or unknown entity", "entity", id)
		return api.RetFalse
	}
	m.deleteLeg(t, failed)
	if _, ok := m.inviteNew(t, keep, spec, from, m.contactFor(c.Msg, "")); !ok {
		m.terminate(t)
		return api.RetFalse
	}
	return api.RetTrue
}

// notifyProgress sends a REFER progress NOTIFY (RFC 3515) with a sipfrag
// body to l: "active" while the bridge runs, "terminated" with the final
// answer of the new entity.
func (m *Module) notifyProgress(l *leg, frag string, final bool) {
	state := "active;expires=60"
	if final {
		state = "terminated;reason=noresource"
	}
	hdrs := l.hdrs + "Event: refer\r\nSubscription-State: " + state + "\r\n"
	if err := m.ents.SendRequest(l.ent, "NOTIFY", hdrs, "message/sipfrag", frag); err != nil {
		m.log.Debug("b2b_bridge: cannot send the NOTIFY", "err", err)
	}
}

// bridgeOutcome reports the new entity's final answer to the bridge's
// initiator (a NOTIFY with the notify flag) and ends the initiator; with
// rollback-failed a failure instead restores the call between the kept
// entity and the initiator, and bridgeOutcome returns false.
func (m *Module) bridgeOutcome(t *tuple, keep, nw *leg, reply *sip.Msg, code int) bool {
	t.mu.Lock()
	init, fl := t.binit, t.bflags
	t.binit = nil
	t.mu.Unlock()
	if init == nil {
		return true
	}
	if fl.notify {
		m.notifyProgress(init, "SIP/2.0 "+strconv.Itoa(code)+" "+reply.Reason(), true)
	}
	if code >= 300 && fl.rollback {
		m.deleteLeg(t, nw)
		t.mu.Lock()
		keep.peer, init.peer = init, keep
		t.bridge[0], t.bridge[1] = init, keep
		init.no, keep.no = 0, 1
		t.bstep, t.bkeep, t.bnew = brNone, nil, nil
		t.state = tsBridged
		t.mu.Unlock()
		m.dbSave(t)
		return false
	}
	m.endLeg(init)
	m.deleteLeg(t, init)
	return true
}
