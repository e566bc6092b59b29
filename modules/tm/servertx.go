package tm

import (
	"time"

	"gosips/api"
	"gosips/sip"
)

// NewServerTx implements api.ServerTxs.
func (t *TM) NewServerTx(c *api.Ctx) (api.ServerTx, bool, error) {
	if c.Msg != nil && c.Msg.MethodID() == sip.MethodAck {
		// The ACK of a negative reply ends there; the ACK of a 2xx
		// (stopping tm's retransmissions of it) goes on to the peer.
		negative := false
		if key, err := sip.ServerTxKey(c.Msg); err == nil {
			if tx := t.table.lookup(key); tx != nil {
				tx.mu.Lock()
				negative = tx.status >= 300
				tx.mu.Unlock()
			}
		}
		t.matchAck(c.Msg)
		return nil, !negative, nil
	}
	tx, fresh, ok, err := t.attach(c)
	if err != nil || !ok {
		return nil, false, err
	}
	if fresh && tx.isInvite {
		// The answer comes from another dialog: keep the transaction
		// as long as an INVITE branch could ring.
		tx.mu.Lock()
		tx.deleteAt = time.Now().Add(2*tx.frInvTimeout + t.wt())
		tx.schedule()
		tx.mu.Unlock()
	}
	return serverTx{t: t, tx: tx}, true, nil
}

type serverTx struct {
	t  *TM
	tx *Tx
}

func (s serverTx) Reply(code int, reason, toTag, headers, body string) error {
	s.tx.mu.Lock()
	defer s.tx.mu.Unlock()
	if toTag != "" && s.tx.toTag == "" {
		s.tx.toTag = toTag
	}
	return s.t.replyLocked(s.tx, code, reason, headers, body)
}

func (s serverTx) Final() bool {
	s.tx.mu.Lock()
	defer s.tx.mu.Unlock()
	return s.tx.status >= 200
}

// CancelRequest implements api.UACCanceller.
func (t *TM) CancelRequest(r *api.UACRequest) bool {
	tx, _ := r.Tx.(*Tx)
	if tx == nil || !tx.isInvite {
		return false
	}
	tx.mu.Lock()
	defer tx.mu.Unlock()
	if tx.status >= 200 || tx.cancelled {
		return false
	}
	tx.cancelled = true
	t.cancelBranches(tx, -1, CancelAll)
	tx.schedule()
	return true
}

var (
	_ api.ServerTxs    = (*TM)(nil)
	_ api.UACCanceller = (*TM)(nil)
)
