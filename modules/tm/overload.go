package tm

import (
	"errors"
	"runtime/debug"

	"gosips/api"
	"gosips/sip"
)

// DefaultMaxTransactions is max_transactions' default: about 0.6 GB of
// pending INVITE transactions (some 11 KB each with their branch).
const DefaultMaxTransactions = 50000

// errOverload refuses a new INVITE transaction past max_transactions.
var errOverload = errors.New("too many transactions in flight (max_transactions)")

// overloaded reports whether c's request must not open a transaction:
// a new INVITE (not a retransmission of one in the table) while
// max_transactions transactions are in flight. It answers 503 with
// Retry-After statelessly, so that the caller does not retransmit into
// the surge; other methods pass (they are short-lived, and a BYE or
// CANCEL must still end calls). Memory policy: once a surge that hit the
// cap has drained below half of it, the heap is returned to the OS at
// once (debug.FreeOSMemory) instead of over the runtime's background
// scavenging minutes.
func (t *TM) overloaded(c *api.Ctx) bool {
	if t.MaxTransactions <= 0 {
		return false
	}
	inflight := t.inflight.Load()
	if t.surge.Load() && inflight < int64(t.MaxTransactions/2) && t.surge.CompareAndSwap(true, false) {
		go debug.FreeOSMemory()
	}
	if c.Msg.MethodID() != sip.MethodInvite || inflight < int64(t.MaxTransactions) {
		return false
	}
	if key, err := sip.ServerTxKey(c.Msg); err == nil && t.table.lookup(key) != nil {
		return false // a retransmission: absorbed by its transaction
	}
	if !t.surge.Swap(true) {
		t.log.Warn("transaction limit reached: new INVITEs get 503", "max_transactions", t.MaxTransactions)
	}
	b := sip.AppendReply(make([]byte, 0, 384), c.Msg, &sip.ReplySpec{Code: 503, Reason: "Service Unavailable", Headers: "Retry-After: 5\r\n"})
	if c.Core != nil {
		if err := c.Core.SendReply(c.Msg, b); err != nil {
			t.log.Debug("overload 503 not sent", "err", err)
		}
	}
	return true
}
