package tm

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"time"

	"gosips/api"
	"gosips/sip"
)

var (
	errNotStarted = errors.New("tm: local requests need a started tm")
	errClosed     = errors.New("tm: shutting down")
)

// coreRef boxes the Core used for local requests (an interface cannot be
// stored in an atomic.Pointer directly).
type coreRef struct{ c api.Core }

// SetCore gives tm the runtime's services for the requests it originates
// outside the receive path (timers of other modules, MI). The runtime calls
// it before Start; until then tm adopts the Core of the first message it
// processes.
func (t *TM) SetCore(c api.Core) {
	if c != nil {
		t.core.Store(&coreRef{c})
	}
}

// learnCore adopts the Core of a message context when none was set.
func (t *TM) learnCore(c *api.Ctx) {
	if t.core.Load() == nil && c != nil && c.Core != nil {
		t.core.CompareAndSwap(nil, &coreRef{c.Core})
	}
}

// Start enables local requests; ctx bounds the transactions they make.
func (t *TM) Start(ctx context.Context) error {
	t.root = ctx
	t.started.Store(true)
	return nil
}

// SendRequest implements api.UAC: it builds r, runs local_route, sends it
// as a new client transaction (UDP retransmissions, fr_timeout) and reports
// the final reply to r.OnReply (provisional ones too with r.Provisional).
// A malformed request, or a call before Start, returns an error; failures
// to resolve or to send are reported through OnReply as a local 478 or 477,
// a timeout as a local 408. It is safe for concurrent use.
func (t *TM) SendRequest(ctx context.Context, r *api.UACRequest) error {
	ref := t.core.Load()
	switch {
	case !t.started.Load() || ref == nil:
		return errNotStarted
	case t.closed.Load():
		return errClosed
	case r == nil || r.Method == "" || r.RURI == "":
		return errors.New("tm: local request needs a method and a request-uri")
	case r.From == "" || r.To == "":
		return errors.New("tm: local request needs From and To")
	}
	core := ref.c
	method := strings.ToUpper(r.Method)
	if method == "ACK" || method == "CANCEL" {
		return fmt.Errorf("tm: %s is not sent as a new transaction", method)
	}
	from := r.From
	if nt, err := sip.ParseNameAddr(from); err != nil {
		return fmt.Errorf("tm: From %q: %w", from, err)
	} else if _, ok := nt.Param("tag"); !ok {
		from += ";tag=" + randHex(8)
	}
	callID := r.CallID
	if callID == "" {
		callID = randHex(16)
	}
	cseq := r.CSeq
	if cseq == 0 {
		cseq = 1
	}
	m, err := sip.NewRequest(&sip.RequestSpec{Method: method, RURI: r.RURI, From: from, To: r.To,
		CallID: callID, CSeq: cseq, Headers: withUserAgent(core, r.Headers), ContentType: r.ContentType, Body: r.Body,
		MaxForwards: r.MaxForwards})
	if err != nil {
		return fmt.Errorf("tm: %w", err)
	}

	next, sock, onReply, ok := t.runLocalRoute(ctx, core, m, r)
	if !ok {
		return errors.New("tm: local request dropped by local_route")
	}

	tx := t.newLocalTx(core, m, r)
	r.Tx = tx
	tx.onReply = onReply
	tx.mu.Lock()
	t.sendLocal(tx, next, sock)
	tx.schedule()
	tx.mu.Unlock()
	tx.flushNotes()
	return nil
}

// runLocalRoute runs local_route (when the script has one) on the new
// request; it returns the next hop, the socket and the onreply route the
// route chose, and false when it dropped the request.
func (t *TM) runLocalRoute(ctx context.Context, core api.Core, m *sip.Msg, r *api.UACRequest) (next string, sock *sip.Socket, onReply string, ok bool) {
	next, sock = r.NextHop, r.Socket
	if ctx == nil {
		ctx = t.root
	}
	c := core.NewCtx(ctx, api.LocalRoute, m)
	defer core.ReleaseCtx(c)
	c.Req, c.DstURI, c.ForceSocket = m, next, sock
	if r.AVPs != nil {
		c.AVPs = r.AVPs
	}
	if _, found := core.RunRoute(c, api.LocalRoute, ""); !found {
		return next, sock, "", true
	}
	if dropped(c) {
		return "", nil, "", false
	}
	return c.DstURI, c.ForceSocket, c.OnReply, true
}

// newLocalTx creates and indexes the transaction of a local request.
func (t *TM) newLocalTx(core api.Core, m *sip.Msg, r *api.UACRequest) *Tx {
	seq := t.seq.Add(1)
	tx := &Tx{
		tm: t, id: seq<<shardBits | seq&shardMask, core: core, ctx: t.root, log: t.log,
		req: m, method: m.MethodID(), winIdx: -1, local: r,
		frTimeout: t.sec(t.FrTimeout), frInvTimeout: t.sec(t.FrInvTimeout),
	}
	if tx.ctx == nil {
		tx.ctx = context.Background()
	}
	tx.isInvite = tx.method == sip.MethodInvite
	t.table.insertLocal(tx)
	t.stats.uac.Inc()
	t.stats.inuse.Inc()
	t.inflight.Add(1)
	return tx
}

// sendLocal resolves and sends the only branch of a local transaction;
// mu held. A failure ends the transaction with a local final reply.
func (t *TM) sendLocal(tx *Tx, next string, forced *sip.Socket) {
	m := tx.req
	br := &branch{idx: 0, id: branchID(tx.id, 0), uri: m.RURI(), dstURI: next, socket: forced}
	tx.branches = append(tx.branches, br)
	if next == "" {
		next = br.uri
	}
	d, err := tx.core.Resolve(tx.ctx, next, forced)
	if err != nil {
		tx.log.Debug("cannot resolve local request destination", "uri", next, "err", err)
		t.localFinal(tx, br, nil, 478, "Unresolvable destination")
		return
	}
	sock := tx.core.OutSocket(d)
	if sock == nil {
		t.localFinal(tx, br, nil, 477, "Unfortunately error on sending to next hop occurred")
		return
	}
	if d.Socket == nil {
		d.Socket = sock
	}
	m.SetVia(sip.FormatVia(d.Proto.ViaName(), sock.AdvertisedHost(), sock.AdvertisedPort(), br.id, false))
	br.buf, br.dest = m.Bytes(), d
	if err := tx.core.Send(d, br.buf); err != nil {
		tx.log.Debug("sending local request failed", "dest", d.String(), "err", err)
		t.localFinal(tx, br, nil, 477, "Unfortunately error on sending to next hop occurred")
		return
	}
	now := time.Now()
	if !d.Proto.Reliable() {
		br.retrInt = t.t1()
		br.retrAt = now.Add(br.retrInt)
	}
	br.frAt = now.Add(tx.frTimeout)
}

// localReply processes a reply to a local request after the onreply
// route; mu held.
func (t *TM) localReply(tx *Tx, br *branch, m *sip.Msg, code int) {
	if code < 200 {
		if tx.local.Provisional && tx.local.OnReply != nil {
			cb := tx.local.OnReply
			tx.notes = append(tx.notes, func() { cb(m, code) })
		}
		return
	}
	if tx.isInvite && code >= 300 {
		t.sendAck(tx, br, m)
	}
	t.localFinal(tx, br, m, code, "")
}

// localFinal ends a local transaction with a final reply, received or made
// here (m == nil: code and reason), and queues the OnReply call; mu held.
func (t *TM) localFinal(tx *Tx, br *branch, m *sip.Msg, code int, reason string) {
	br.final, br.lastCode, br.retrAt, br.frAt = true, code, time.Time{}, time.Time{}
	if m == nil {
		br.local = true
		m = t.fakeReply(tx, br, code, reason)
	}
	br.reply = m
	tx.status = code
	t.stats.countFinal(code)
	if code >= 300 || !tx.isInvite {
		tx.deleteAt = time.Now().Add(t.wt())
	} else {
		// 2xx retransmissions of an INVITE are absorbed for 64*T1.
		tx.deleteAt = time.Now().Add(64 * t.t1())
	}
	if cb := tx.local.OnReply; cb != nil {
		tx.notes = append(tx.notes, func() { cb(m, code) })
	}
}

// fakeReply builds the local reply reported for a local request that got
// no answer.
func (t *TM) fakeReply(tx *Tx, br *branch, code int, reason string) *sip.Msg {
	req := tx.req
	if br.buf != nil {
		if p, err := sip.Parse(br.buf); err == nil {
			req = p
		}
	}
	return sip.NewReplyWith(req, &sip.ReplySpec{Code: code, Reason: reason, ToTag: tx.localToTag()})
}

// flushNotes runs the OnReply calls queued under mu, outside it and in
// order: one goroutine at a time drains the queue.
func (tx *Tx) flushNotes() {
	tx.mu.Lock()
	if tx.notifying || len(tx.notes) == 0 {
		tx.mu.Unlock()
		return
	}
	tx.notifying = true
	for len(tx.notes) > 0 {
		notes := tx.notes
		tx.notes = nil
		tx.mu.Unlock()
		for _, f := range notes {
			tx.runNote(f)
		}
		tx.mu.Lock()
	}
	tx.notifying = false
	tx.mu.Unlock()
}

// runNote calls a reply callback, keeping a panic in it from killing the
// receive or timer goroutine.
func (tx *Tx) runNote(f func()) {
	defer func() {
		if r := recover(); r != nil {
			tx.log.Error("panic in a local request callback", "panic", fmt.Sprint(r))
		}
	}()
	f()
}

func randHex(n int) string {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(rand.Uint32())
	}
	return hex.EncodeToString(b)
}

// withUserAgent puts the User-Agent line OpenSIPS signs the requests tm
// builds with (user_agent_header; none with server_signature=0) before
// the extra headers, unless they carry one already.
func withUserAgent(core api.Core, hdrs string) string {
	ua := userAgentLine(core)
	if ua == "" || hasHeaderLine(hdrs, "User-Agent") {
		return hdrs
	}
	return ua + hdrs
}

// hasHeaderLine reports whether CRLF-separated header lines include one
// named name (case-insensitive).
func hasHeaderLine(hdrs, name string) bool {
	for hdrs != "" {
		line, rest, _ := strings.Cut(hdrs, "\r\n")
		if n, _, ok := strings.Cut(line, ":"); ok && strings.EqualFold(strings.TrimSpace(n), name) {
			return true
		}
		hdrs = rest
	}
	return false
}
