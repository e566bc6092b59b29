package b2bentities

import (
	"math/rand/v2"
	"strconv"
	"strings"
	"time"

	"gosips/api"
	"gosips/sip"
)

// FilterRequest implements api.RequestFilter: a request within an
// entity's dialog (or the CANCEL of a server entity's INVITE) is taken
// over before the script, as OpenSIPS' b2b pre-script callback does.
func (m *Module) FilterRequest(c *api.Ctx) bool {
	req := c.Msg
	if req == nil || m.servers == nil {
		return true
	}
	e := m.match(req)
	if e == nil {
		if req.MethodID() == sip.MethodAck && strings.HasPrefix(req.ToTag(), m.servers.prefix) {
			// The ACK of a negative reply of an entity already deleted:
			// it stops tm's retransmissions of the reply.
			_, _, _ = m.tm.NewServerTx(c)
			return false
		}
		return true
	}
	m.received(e, c)
	return false
}

// match finds the entity a request belongs to; nil when none.
func (m *Module) match(req *sip.Msg) *entity {
	toTag := req.ToTag()
	if toTag == "" {
		if req.MethodID() != sip.MethodCancel {
			return nil
		}
		// CANCEL of a server entity's INVITE: by Call-ID and From tag.
		return m.matchCancel(req)
	}
	if strings.HasPrefix(toTag, m.servers.prefix) {
		if e := m.servers.get(toTag); e != nil && e.callID == req.CallID() {
			return e
		}
	}
	if callID := req.CallID(); strings.HasPrefix(callID, m.clients.prefix) {
		if e := m.clients.get(callID); e != nil {
			e.mu.Lock()
			ok := e.fromTag == toTag
			e.mu.Unlock()
			if ok {
				return e
			}
		}
	}
	return nil
}

// matchCancel looks for the early server entity with the CANCEL's
// Call-ID and From tag (a scan: CANCELs are rare).
func (m *Module) matchCancel(req *sip.Msg) *entity {
	callID, fromTag := req.CallID(), req.FromTag()
	for i := range m.servers.buckets {
		b := &m.servers.buckets[i]
		b.mu.Lock()
		for _, e := range b.m {
			if e.callID == callID && e.fromTag == fromTag {
				b.mu.Unlock()
				return e
			}
		}
		b.mu.Unlock()
	}
	return nil
}

// received processes a request within e's dialog and hands it over.
func (m *Module) received(e *entity, c *api.Ctx) {
	req := c.Msg
	method := req.Method()
	// The transaction is created under the entity's lock: a request sent
	// right after this one's 100 Trying must see it pending.
	e.mu.Lock()
	if method == "ACK" {
		// The ACK ends the INVITE transaction answered on e: requests
		// are no longer overlapping.
		e.ackWait = time.Time{}
	}
	tx, ok, err := m.tm.NewServerTx(c)
	if err != nil || !ok {
		e.mu.Unlock()
		if err != nil {
			m.log.Debug("cannot create transaction for b2b request", "callid", req.CallID(), "err", err)
		}
		return // or a retransmission, or the ACK of a negative reply
	}
	cseq, _, _ := req.CSeq()
	if e.deleted {
		e.mu.Unlock()
		if tx != nil {
			_ = tx.Reply(481, "Call/Transaction Does Not Exist", "", "", "")
		}
		return
	}
	if method == "PRACK" && m.PassthruPrack == 0 {
		e.mu.Unlock()
		m.localPrack(tx, method)
		return
	}
	if method != "ACK" && method != "CANCEL" {
		if cseq <= e.remoteCSeq && e.remoteCSeq != 0 && method != "PRACK" {
			e.mu.Unlock()
			_ = tx.Reply(500, "Server Internal Error", "", "Retry-After: 1\r\n", "")
			return
		}
		if m.overlaps(e, method, tx) {
			return
		}
		e.remoteCSeq = cseq
		if e.pending == nil {
			e.pending = map[string]api.ServerTx{}
		}
		if tx != nil {
			e.pending[method] = tx
		}
		if method == "INVITE" || method == "UPDATE" {
			if u := contactURI(req); u != "" {
				e.remoteTarget = u
			}
		}
		if method == "INVITE" {
			e.state = stModified
			e.lastInviteCSeq = cseq
		}
		if method == "BYE" {
			e.state = stTerminated
		}
	} else if method == "ACK" && e.state == stConfirmed {
		e.state = stEstablished
	}
	h := e.handler
	e.mu.Unlock()
	if method == "CANCEL" && tx != nil {
		_ = tx.Reply(200, "OK", "", "", "")
	}
	m.runReqRoute(c)
	if h != nil {
		h.B2BRequest(e, c, tx)
	} else if tx != nil && method != "CANCEL" {
		_ = tx.Reply(481, "Call/Transaction Does Not Exist", "", "", "")
	}
	m.dbSave(e)
}

// overlaps refuses a request that overlaps a transaction of the dialog,
// as OpenSIPS' b2b_entities does (PRACK and UPDATE excepted): 491 while
// a re-INVITE of ours waits for its answer, 500 while a received request
// is unanswered; a BYE is taken then and the pending INVITE gets 487.
// It is called with e.mu held and releases it when it answers.
func (m *Module) overlaps(e *entity, method string, tx api.ServerTx) bool {
	if tx == nil || method == "PRACK" || method == "UPDATE" || e.state < stConfirmed {
		return false
	}
	toTag := e.fromTag
	if e.typ == api.B2BServer {
		toTag = e.key
	}
	if e.reinvite != 0 {
		e.mu.Unlock()
		_ = tx.Reply(491, "Request Pending", toTag, "", "")
		return true
	}
	// An INVITE answered but not acknowledged yet still counts, as in
	// OpenSIPS (its transaction is kept until the ACK; here for 64*T1 at
	// most).
	busy := !e.ackWait.IsZero() && time.Since(e.ackWait) < ackWaitMax
	for pm := range e.pending {
		if pm != "PRACK" && pm != "UPDATE" {
			busy = true
		}
	}
	if !busy {
		return false
	}
	if method != "BYE" {
		e.mu.Unlock()
		_ = tx.Reply(500, "Overlapping Requests", toTag, "Retry-After: "+strconv.Itoa(rand.IntN(10))+"\r\n", "")
		return true
	}
	e.ackWait = time.Time{}
	if inv := e.pending["INVITE"]; inv != nil {
		delete(e.pending, "INVITE")
		_ = inv.Reply(487, "Request Terminated", toTag, "", "")
	}
	return false
}

// ackWaitMax bounds how long an INVITE answered on an entity waits for
// its ACK before requests stop being refused as overlapping (64*T1).
const ackWaitMax = 32 * time.Second
