package b2blogic

import (
	"time"

	"gosips/api"
	"gosips/sip"
)

// bridgeRequest is b2b_bridge_request(key, entity_no, [adv_contact]): the
// initial INVITE in c (a call picking up a parked one) becomes a server
// entity of the existing session key and is connected to its entity
// entity_no; the session's other entities are ended (with late_bye: once
// the INVITE's ACK comes). The INVITE's offer
// goes to the kept entity in a re-INVITE, whose answer answers the
// INVITE.
func (m *Module) bridgeRequest(c *api.Ctx, key string, no int, contact string, lateBye bool) api.Ret {
	req := c.Msg
	if req == nil || req.MethodID() != sip.MethodInvite || req.ToTag() != "" {
		m.log.Error("b2b_bridge_request: only an initial INVITE can be bridged")
		return api.RetFalse
	}
	t := m.lookup(key)
	if t == nil || no < 0 || no > 1 {
		m.log.Error("b2b_bridge_request: no such B2B session or entity", "key", key, "entity", no)
		return api.RetFalse
	}
	t.mu.Lock()
	keep := t.bridge[no]
	busy := t.deleted || t.bstep != brNone
	early := keep != nil && !keep.confirmed && t.state != tsBridged
	t.mu.Unlock()
	if keep == nil || busy || keep.disconnected {
		m.log.Error("b2b_bridge_request: the entity cannot be bridged now", "key", key, "entity", no)
		return api.RetFalse
	}
	if early && m.EarlyUpdate == 0 {
		// Without b2bl_early_update an unanswered entity is not bridged.
		m.log.Error("b2b_bridge_request: the entity is not answered yet (see b2bl_early_update)", "key", key, "entity", no)
		return api.RetFalse
	}
	from, err := req.From()
	if err != nil {
		return api.RetFalse
	}
	if contact == "" {
		contact = m.contactFor(req, "")
	}
	srv, err := m.ents.ServerNew(c, contact, m, t.key)
	if err != nil {
		m.log.Error("b2b_bridge_request: cannot create the server entity", "callid", req.CallID(), "err", err)
		return api.RetFalse
	}
	if srv == nil {
		return api.RetStop // retransmission
	}
	if lateBye {
		m.deferEnd(t, keep)
	} else {
		for _, o := range m.otherLegs(t, keep) {
			if early && o.typ == api.B2BClient && !o.confirmed {
				// An unanswered client leg is cancelled, not hung up.
				o.disconnected = true
				_ = m.ents.SendRequest(o.ent, "CANCEL", "", "", "")
			} else {
				m.endLeg(o)
			}
			m.deleteLeg(t, o)
		}
	}
	nl := &leg{ent: srv, typ: api.B2BServer, no: 1, fromURI: from.URI, toURI: srv.ToURI()}
	t.mu.Lock()
	t.servers = append(t.servers, nl)
	keep.peer, nl.peer = nl, keep
	t.bridge[0], t.bridge[1] = keep, nl
	keep.no = 0
	if keep.pendingFrom == nil {
		keep.pendingFrom = map[string]*leg{}
	}
	// An entity still in early state gets the offer in an UPDATE
	// (b2bl_early_update), whose answer answers the INVITE.
	method := "INVITE"
	if early {
		method = "UPDATE"
		keep.updateAnswers = true
		nl.noAck = true
	}
	keep.pendingFrom[method] = nl
	t.mu.Unlock()
	m.dbSave(t)
	if err := m.ents.SendRequest(keep.ent, method, keep.hdrs+m.passHeaders(req), contentType(req), req.Body()); err != nil {
		m.log.Error("b2b_bridge_request: cannot send the offer to the parked entity", "method", method, "err", err)
		_ = m.ents.SendReply(srv, "INVITE", 500, "Server Internal Error", "", "", "")
		m.deleteLeg(t, nl)
		return api.RetFalse
	}
	st := msgState(c)
	st.tuple, st.leg = t, nl
	return api.RetTrue
}

// deferEnd keeps the legs other than keep until the ACK of the bridged
// INVITE (b2b_bridge_request's late_bye); they no longer talk to keep.
func (m *Module) deferEnd(t *tuple, keep *leg) {
	others := m.otherLegs(t, keep)
	t.mu.Lock()
	for _, o := range others {
		if o.peer == keep {
			o.peer = nil
		}
	}
	t.lateBye = append(t.lateBye, others...)
	t.mu.Unlock()
}

// lateBye ends the legs kept by late_bye, old_entity_term_delay seconds
// later when set; they leave the session at once.
func (m *Module) lateBye(t *tuple) {
	t.mu.Lock()
	olds := t.lateBye
	t.lateBye = nil
	for _, o := range olds {
		t.removeLeg(o)
	}
	t.mu.Unlock()
	if len(olds) == 0 {
		return
	}
	end := func() {
		for _, o := range olds {
			m.endLeg(o)
			m.ents.Delete(o.ent)
		}
	}
	if m.OldEntityTermDelay > 0 {
		time.AfterFunc(time.Duration(m.OldEntityTermDelay)*m.unit, end)
		return
	}
	end()
}
