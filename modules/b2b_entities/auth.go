package b2bentities

import (
	"gosips/sip"
)

// authenticate answers a 401/407 to a client entity's INVITE (initial or
// re-INVITE) as OpenSIPS' b2b_entities does with uac_auth loaded: the
// INVITE is sent again with the next CSeq and the credentials of the
// challenge's realm, and the challenge does not reach b2b_logic. It
// reports false (the reply goes on as a failure) without uac_auth, for
// other methods, without a credential for the realm, or when the
// request already carried credentials.
func (m *Module) authenticate(e *entity, sr *sentReq, reply *sip.Msg, code int) bool {
	if m.auth == nil || sr.method != "INVITE" || sr.authed || sr.r == nil {
		return false
	}
	line, ok := m.auth.AuthorizeChallenge(reply, sr.method, sr.r.RURI, sr.r.Body)
	if !ok {
		return false
	}
	e.mu.Lock()
	if e.deleted {
		e.mu.Unlock()
		return true
	}
	if !sr.initial {
		// A re-INVITE: sent again within the dialog.
		if e.reinvite == sr.cseq {
			e.reinvite = 0
		}
		e.mu.Unlock()
		nr := &sentReq{method: sr.method, hdrs: sr.hdrs + line, ct: sr.ct, body: sr.body, notify: sr.notify, authed: true}
		if err := m.send(e, nr); err != nil {
			m.log.Error("b2b_entities: cannot send the authenticated re-INVITE", "key", e.key, "err", err)
			return false
		}
		return true
	}
	if e.state >= stConfirmed {
		e.mu.Unlock()
		return false
	}
	// The initial INVITE, again outside any dialog.
	e.localCSeq++
	cseq := e.localCSeq
	e.lastInviteCSeq = cseq
	e.state = stNewAuth
	r := *sr.r
	r.CSeq, r.Headers, r.Tx = cseq, sr.r.Headers+line, nil
	nr := &sentReq{r: &r, method: sr.method, cseq: cseq, notify: sr.notify, initial: true, authed: true}
	r.OnReply = func(reply *sip.Msg, code int) { m.clientReply(e, nr, reply, code) }
	e.invite = &r
	e.mu.Unlock()
	if err := m.uac.SendRequest(m.ctx(), &r); err != nil {
		m.log.Error("b2b_entities: cannot send the authenticated INVITE", "key", e.key, "err", err)
		return false
	}
	return true
}
