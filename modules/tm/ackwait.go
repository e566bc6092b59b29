package tm

import (
	"strconv"
	"sync"

	"gosips/sip"
)

// ackWait indexes the INVITE transactions answered with a local 2xx over
// UDP: the ACK of a 2xx is a new transaction (RFC 3261 §17.1.1.3), so it
// is matched by Call-ID, From tag and CSeq number, and stops the 2xx
// retransmissions.
type ackWait struct {
	mu sync.Mutex
	m  map[string]*Tx
}

func ackKey(callID, fromTag string, cseq uint32) string {
	return callID + "\x00" + fromTag + "\x00" + strconv.FormatUint(uint64(cseq), 10)
}

// add registers tx; tx.mu held.
func (a *ackWait) add(tx *Tx) {
	n, _, err := tx.req.CSeq()
	if err != nil || tx.inAcks {
		return
	}
	a.mu.Lock()
	if a.m == nil {
		a.m = map[string]*Tx{}
	}
	a.m[ackKey(tx.req.CallID(), tx.req.FromTag(), n)] = tx
	a.mu.Unlock()
	tx.inAcks = true
}

// remove forgets tx; tx.mu held.
func (a *ackWait) remove(tx *Tx) {
	if !tx.inAcks {
		return
	}
	tx.inAcks = false
	n, _, _ := tx.req.CSeq()
	k := ackKey(tx.req.CallID(), tx.req.FromTag(), n)
	a.mu.Lock()
	if a.m[k] == tx {
		delete(a.m, k)
	}
	a.mu.Unlock()
}

// match finds the transaction an ACK acknowledges, if it is waiting for
// one and the To tag is ours.
func (a *ackWait) match(m *sip.Msg) *Tx {
	a.mu.Lock()
	if len(a.m) == 0 {
		a.mu.Unlock()
		return nil
	}
	n, _, err := m.CSeq()
	var tx *Tx
	if err == nil {
		tx = a.m[ackKey(m.CallID(), m.FromTag(), n)]
	}
	a.mu.Unlock()
	if tx == nil {
		return nil
	}
	tx.mu.Lock()
	ok := tx.toTag != "" && tx.toTag == m.ToTag()
	tx.mu.Unlock()
	if !ok {
		return nil
	}
	return tx
}
