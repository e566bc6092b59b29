package b2bentities

import (
	"strings"

	"gosips/api"
	"gosips/sip"
)

// Reliable provisional replies (RFC 3262), as OpenSIPS' b2b_entities
// handles them. With passthru_prack 0 each side is acknowledged here: a
// client entity sends the PRACK of a reliable 1xx itself, a PRACK
// received on an entity is answered 200 locally. With passthru_prack set
// a received PRACK goes to b2b_logic like other requests and the PRACK it
// sends on the other leg carries the RAck of that leg's last reliable
// 1xx.

// requires100rel reports whether a reply requires PRACK (Require:
// 100rel).
func requires100rel(reply *sip.Msg) bool {
	for _, v := range reply.Headers("Require") {
		for _, opt := range strings.Split(v, ",") {
			if strings.EqualFold(strings.TrimSpace(opt), "100rel") {
				return true
			}
		}
	}
	return false
}

// rackOf returns the RAck header line acknowledging a reliable
// provisional reply ("" when the reply has no RSeq).
func rackOf(reply *sip.Msg) string {
	rseq, _ := reply.Header("RSeq")
	cseq, _ := reply.Header("CSeq")
	rseq, cseq = strings.TrimSpace(rseq), strings.TrimSpace(cseq)
	if rseq == "" || cseq == "" {
		return ""
	}
	return "RAck: " + rseq + " " + cseq + "\r\n"
}

// reliableProvisional handles a 1xx to a client entity's initial INVITE
// that requires PRACK: it keeps the RAck for the PRACK b2b_logic will
// pass (passthru_prack) or sends the PRACK now.
func (m *Module) reliableProvisional(e *entity, reply *sip.Msg) {
	if !requires100rel(reply) {
		return
	}
	rack := rackOf(reply)
	if rack == "" {
		m.log.Error("b2b_entities: reliable provisional reply without RSeq", "callid", reply.CallID())
		return
	}
	if m.PassthruPrack != 0 {
		e.mu.Lock()
		e.prackHdr = rack
		e.mu.Unlock()
		return
	}
	if err := m.sendWithin(e, "PRACK", rack, "", "", false); err != nil {
		m.log.Error("b2b_entities: cannot send PRACK", "key", e.key, "err", err)
	}
}

// localPrack answers a PRACK received on e with 200 when PRACKs are not
// passed through; it reports whether it did.
func (m *Module) localPrack(tx api.ServerTx, method string) bool {
	if method != "PRACK" || m.PassthruPrack != 0 || tx == nil {
		return false
	}
	_ = tx.Reply(200, "OK", "", "", "")
	return true
}
