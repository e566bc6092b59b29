package b2blogic

import (
	"gosips/api"
	"gosips/sip"
)

// bridgeRequest is b2b_bridge_request(key, entity_no, [adv_contact]): the
// initial INVITE in c (a call picking up a parked one) becomes a server
// entity of the existing session key and is connected to its entity
// entity_no; the session's other entities are ended. The INVITE's offer
// goes to the kept entity in a re-INVITE, whose answer answers the
// INVITE.
func (m *Module) bridgeRequest(c *api.Ctx, key string, no int, contact string) api.Ret {
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
	t.mu.Unlock()
	if keep == nil || busy || keep.disconnected {
		m.log.Error("b2b_bridge_request: the entity cannot be bridged now", "key", key, "entity", no)
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
	for _, o := range m.otherLegs(t, keep) {
		m.endLeg(o)
		m.deleteLeg(t, o)
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
	keep.pendingFrom["INVITE"] = nl
	t.mu.Unlock()
	m.dbSave(t)
	if err := m.ents.SendRequest(keep.ent, "INVITE", keep.hdrs+m.passHeaders(req), contentType(req), req.Body()); err != nil {
		m.log.Error("b2b_bridge_request: cannot re-INVITE the parked entity", "err", err)
		_ = m.ents.SendReply(srv, "INVITE", 500, "Server Internal Error", "", "", "")
		m.deleteLeg(t, nl)
		return api.RetFalse
	}
	st := msgState(c)
	st.tuple, st.leg = t, nl
	return api.RetTrue
}
