package api

import "gosips/sip"

// TxHooks is implemented by tm: callbacks on one transaction, the
// counterpart of OpenSIPS' TMCB_* callbacks. Modules that follow calls
// (dialog) find it with Module("tm").(api.TxHooks).
type TxHooks interface {
	// HookTx arranges for h to be called for the transaction of the
	// request in c: at once when it exists, else when the request route
	// creates it (t_relay, t_newtran). It reports false when c holds no
	// request. Hooks registered for a request that never becomes stateful
	// are never called.
	HookTx(c *Ctx, h *TxHook) bool
}

// TxHook is a set of callbacks on one transaction; nil members are
// skipped. They run on tm's goroutines with the transaction locked, so
// they must not block nor call tm functions that take the lock (sending a
// new request with api.UAC is fine). The TxEvent is only valid during the
// call.
type TxHook struct {
	// EditBranch runs before a branch of the request is built and sent
	// (TMCB_REQUEST_FWDED, where OpenSIPS may still change the branch):
	// Ctx is the request's context, Req the branch's message (shared by
	// the other branches: do not change it) and Branch its index. A non-nil
	// result is the message to send in its place.
	EditBranch func(e *TxEvent) *sip.Msg
	// RequestOut runs after a branch of the request was sent
	// (TMCB_REQUEST_FWDED): Branch, Socket, Dest and Raw are set. It
	// also runs when t_relay forwards the request statelessly (an ACK
	// for a 2xx), with Ctx nil and Branch 0.
	RequestOut func(e *TxEvent)
	// ReplyOut runs for every reply about to be sent upstream, relayed
	// (Local false, Reply is the received reply with our Via removed,
	// before the reply editors ran) or generated here (Local true, Reply
	// parsed from the bytes sent). 100 Trying is not reported unless
	// WithTrying is set. (TMCB_RESPONSE_FWDED and TMCB_RESPONSE_OUT.)
	ReplyOut   func(e *TxEvent)
	WithTrying bool
	// ReplyIn runs for every reply received on a branch of the
	// transaction, retransmissions included, before the onreply route
	// (TMCB_MSG_MATCHED_IN for replies): Reply, Code and Branch are set.
	ReplyIn func(e *TxEvent)
	// Failure runs when every branch of a round ended with a negative
	// final reply, before the failure route (TMCB_ON_FAILURE): Reply is
	// the winning reply (nil when generated here, as on a timeout), Code
	// its code and Branch its index.
	Failure func(e *TxEvent)
	// Deleted runs once when the transaction is removed
	// (TMCB_TRANS_DELETED).
	Deleted func(e *TxEvent)
	// Cancelled runs when a received CANCEL matched the INVITE
	// transaction, before its branches are cancelled
	// (TMCB_TRANS_CANCELLED); Ctx and Reply are nil, Branch is -1.
	Cancelled func(e *TxEvent)
}

// TxEvent describes what a TxHook callback is told.
type TxEvent struct {
	// Ctx is a context standing for the transaction (Req is its request,
	// Msg and Reply the reply for ReplyOut, Flags the transaction flags,
	// Slots what the request route stored); nil for Deleted.
	Ctx *Ctx
	// Req is the transaction's request as the request route left it.
	Req *sip.Msg
	// Reply and Code are the reply (ReplyOut).
	Reply *sip.Msg
	Code  int
	Local bool
	// Branch is the index of the branch (RequestOut, ReplyOut of a
	// relayed reply; -1 otherwise).
	Branch int
	// Socket is the socket the branch left from, Dest its destination
	// and Raw the bytes sent (RequestOut).
	Socket *sip.Socket
	Dest   sip.Dest
	Raw    []byte
}

// BranchReplies is implemented by tm's transactions (Ctx.Tx): the final
// replies received on the branches of the current serial round, in
// branch order, nil for a branch without one (answered locally, or
// none yet). uac_redirect's get_redirects() reads every 3xx of the round
// through it. Call it only where the transaction is locked for the
// script (failure route).
type BranchReplies interface {
	BranchReplies() []*sip.Msg
}
