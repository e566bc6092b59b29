package tm

import (
	"context"
	"log/slog"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"gosips/api"
	"gosips/sip"
)

// Tx is one transaction: the server side facing the upstream client and
// the client branches towards the next hops. Every field below mu is
// guarded by it; the script routes tm runs for a transaction (branch,
// onreply, failure) run with mu held, and the tm functions they call
// see that through holder.
type Tx struct {
	tm   *TM
	id   uint64
	key  sip.TxKey
	core api.Core
	ctx  context.Context
	log  *slog.Logger

	// holder is the context of the route running under mu, if any.
	holder atomic.Pointer[api.Ctx]

	mu sync.Mutex
	// req is the transaction's own copy of the request (the edits made
	// by the request route up to t_relay included).
	req      *sip.Msg
	method   sip.Method
	isInvite bool
	// replyDest is where replies go; reliable when it is a stream.
	replyDest sip.Dest
	reliable  bool
	toTag     string

	// Upstream (UAS) state.
	status     int    // last reply code sent upstream, 0 = none
	lastReply  []byte // its bytes, re-sent on request retransmissions
	lastLocal  bool   // the last reply sent upstream was generated here
	anyRelayed bool   // some received reply was relayed upstream
	acked      bool   // the ACK of a negative final reply (or local 2xx) arrived
	inAcks     bool   // a local 2xx waits for its ACK in TM.acks
	// Retransmission of an INVITE negative final reply over UDP until
	// the ACK (RFC 3261 timers G and H).
	srvRetrAt  time.Time
	srvRetrInt time.Duration
	srvRetrEnd time.Time
	deleteAt   time.Time
	deleted    bool

	// Downstream (UAC) state.
	branches    []*branch
	firstBranch int // first branch of the current serial round
	winIdx      int // branch whose reply won the last round, -1 = none
	winCode     int
	cancelled   bool
	replicate   bool // t_replicate: replies are not relayed upstream
	noAuto477   bool
	inFailure   bool
	roundOpen   bool    // a failure route runs and t_relay has not started a new round yet
	curBranch   *branch // the branch whose branch_route runs

	onFailure, onReply, onBranch string
	// slots are the request route's module slots (api.Ctx.Slots), for
	// the reply editors.
	slots   map[any]any
	flags   uint32
	avps    any
	addHdrs string
	// cancelReason is the Reason header of the CANCELs of a cancelled
	// transaction (RFC 3326; t_add_cancel_reason or the received CANCEL's).
	cancelReason            string
	frTimeout, frInvTimeout time.Duration

	timer  *time.Timer
	nextAt time.Time

	// local is the request description of a transaction tm originated
	// (SendRequest), nil for the others; notes are its queued OnReply
	// calls, run outside mu by flushNotes.
	local     *api.UACRequest
	notes     []func()
	notifying bool
}

// branch is one client transaction of Tx.
type branch struct {
	idx     int
	id      string // our Via branch parameter
	uri     string
	dstURI  string
	path    string
	q       int
	flags   uint32
	socket  *sip.Socket
	dest    sip.Dest
	buf     []byte // the request as sent
	onReply string
	avps    any
	attrs   map[string]api.Value

	lastCode    int
	provisional bool
	final       bool
	local       bool     // the final reply was generated here
	reply       *sip.Msg // the final reply received, for the failure route

	retrAt  time.Time
	retrInt time.Duration
	frAt    time.Time

	cancelPending bool // cancel once a provisional reply arrives
	cancelSent    bool
	cancelBuf     []byte
	cancelRetrAt  time.Time
	cancelRetrInt time.Duration
	cancelEnd     time.Time // timer F of the CANCEL: 64*T1 after it was sent
	cancelDone    bool
	// cancelReason overrides Tx.cancelReason for this branch (fr_inv_timeout).
	cancelReason string
	// phony marks t_wait_for_new_branches()'s branch, which sends nothing
	// and holds the transaction until its timer or, when waitLimit is
	// set, until the transaction has waitLimit branches.
	phony     bool
	waitLimit int
}

// branchID formats our Via branch for branch idx of transaction id.
func branchID(id uint64, idx int) string {
	var b [len(sip.MagicCookie) + 16 + 1 + 4]byte
	n := copy(b[:], sip.MagicCookie)
	const hex = "0123456789abcdef"
	for i := 15; i >= 0; i-- {
		b[n+i] = hex[id&0xf]
		id >>= 4
	}
	n += 16
	b[n] = '.'
	n++
	return string(strconv.AppendInt(b[:n], int64(idx), 10))
}

// parseBranchID is the inverse of branchID.
func parseBranchID(s string) (id uint64, idx int, ok bool) {
	const pre = len(sip.MagicCookie)
	if len(s) < pre+18 || s[:pre] != sip.MagicCookie || s[pre+16] != '.' {
		return 0, 0, false
	}
	for i := pre; i < pre+16; i++ {
		c := s[i]
		switch {
		case c >= '0' && c <= '9':
			id = id<<4 | uint64(c-'0')
		case c >= 'a' && c <= 'f':
			id = id<<4 | uint64(c-'a'+10)
		default:
			return 0, 0, false
		}
	}
	rest := s[pre+17:]
	if len(rest) == 0 || len(rest) > 4 {
		return 0, 0, false
	}
	for i := 0; i < len(rest); i++ {
		c := rest[i]
		if c < '0' || c > '9' {
			return 0, 0, false
		}
		idx = idx*10 + int(c-'0')
	}
	return id, idx, true
}

// lockFor takes mu unless c is the context of the route already running
// under it; the returned function releases what was taken.
func (tx *Tx) lockFor(c *api.Ctx) func() {
	if c != nil && tx.holder.Load() == c {
		return func() {}
	}
	tx.mu.Lock()
	return tx.mu.Unlock
}

// runRoute runs a route for the transaction with mu held (the caller
// holds it) and reports its return code and whether it executed drop.
func (tx *Tx) runRoute(c *api.Ctx, kind api.RouteType, name string) (api.Ret, bool) {
	prev := tx.holder.Swap(c)
	defer tx.holder.Store(prev)
	ret, _ := c.Core.RunRoute(c, kind, name)
	return ret, dropped(c)
}

// dropped reports whether the last route run with c executed drop.
func dropped(c *api.Ctx) bool {
	if d, ok := c.Priv.(interface{ Dropped() bool }); ok {
		return d.Dropped()
	}
	return false
}

// ID returns the transaction identifier as "$T_id" shows it.
func (tx *Tx) ID() string {
	return strconv.FormatUint(tx.id&shardMask, 10) + ":" + strconv.FormatUint(tx.id>>shardBits, 10)
}

// BranchReplies implements api.BranchReplies; mu held by the caller
// (the failure route runs with it).
func (tx *Tx) BranchReplies() []*sip.Msg {
	out := make([]*sip.Msg, 0, len(tx.branches)-tx.firstBranch)
	for _, b := range tx.branches[tx.firstBranch:] {
		if b.final && !b.local {
			out = append(out, b.reply)
		} else {
			out = append(out, nil)
		}
	}
	return out
}

var _ api.BranchReplies = (*Tx)(nil)

// localToTag returns the To tag of local replies, made on first use.
func (tx *Tx) localToTag() string {
	if tx.toTag == "" {
		tx.toTag = strconv.FormatUint(tx.id*0x9e3779b97f4a7c15^tx.tm.salt, 36)
	}
	return tx.toTag
}

// finished reports whether every branch of the current round has a
// final reply.
func (tx *Tx) finished() bool {
	for _, b := range tx.branches[tx.firstBranch:] {
		if !b.final && !(b.phony && tx.phonyDone(b)) {
			return false
		}
	}
	return true
}
