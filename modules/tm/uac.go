package tm

import (
	"strconv"
	"strings"
	"time"

	"gosips/api"
	"gosips/sip"
)

// t_relay return codes.
const (
	relayOK       api.Ret = 1
	relayErr      api.Ret = -1
	relayBadMsg   api.Ret = -2
	relayNoDest   api.Ret = -3
	relayBadDest  api.Ret = -4
	relayBlocked  api.Ret = -5
	relaySendFail api.Ret = -6
)

// target is one destination of the branch set.
type target struct {
	uri, dstURI, path string
	q                 int
	flags             uint32
	socket            *sip.Socket
}

// proxyURI turns an outbound proxy into a URI the resolver takes.
func proxyURI(d *api.Dest) string {
	s := "sip:" + d.Host
	if d.Port != 0 {
		s += ":" + strconv.Itoa(d.Port)
	}
	if d.Proto != "" && d.Proto != "udp" {
		s += ";transport=" + d.Proto
	}
	return s
}

// relay is t_relay(): stateful forwarding of c's request to its branch
// set, or the special handling of ACK and CANCEL.
func (t *TM) relay(c *api.Ctx, opts RelayOpts) api.Ret {
	m := c.Msg
	if m == nil || !m.IsRequest() {
		return relayBadMsg
	}
	switch m.MethodID() {
	case sip.MethodAck:
		if txOf(c) == nil && t.matchAck(m) == ackHopByHop {
			return relayOK
		}
		// An ACK for a 2xx is end-to-end: it has no transaction.
		return t.forwardStateless(c, opts)
	case sip.MethodCancel:
		if c.RouteType == api.RequestRoute && txOf(c) == nil {
			if key, err := sip.CancelTargetKey(m); err == nil {
				if inv := t.table.lookup(key); inv != nil {
					return t.e2eCancel(c, inv, opts)
				}
			}
		}
	}
	tx, fresh, ok, err := t.attach(c)
	if err != nil {
		return relayBadMsg
	}
	if !ok {
		return api.RetStop
	}
	unlock := tx.lockFor(c)
	defer unlock()
	return t.forward(c, tx, opts, fresh)
}

// forward builds and sends the branches of c on tx; mu held.
func (t *TM) forward(c *api.Ctx, tx *Tx, opts RelayOpts, fresh bool) api.Ret {
	if tx.status >= 200 {
		return relayErr
	}
	if tx.cancelled && tx.isInvite {
		if len(tx.branches) == 0 {
			_ = t.replyLocked(tx, 487, "Request Terminated", "", "")
		}
		return relayNoDest
	}
	tx.captureHooks(c)
	if opts.Flags&RelayNoAuto477 != 0 {
		tx.noAuto477 = true
	}
	if c.RouteType == api.RequestRoute && !fresh {
		tx.req = c.Msg.Clone()
	}
	if tx.inFailure && tx.roundOpen {
		tx.firstBranch, tx.roundOpen = len(tx.branches), false
	}
	proxy := ""
	if opts.Proxy != nil {
		proxy = proxyURI(opts.Proxy)
	}
	targets := make([]target, 0, 1+len(c.Branches))
	targets = append(targets, target{uri: c.Msg.RURI(), dstURI: c.DstURI, path: c.Path, q: c.RURIQ, flags: c.BFlags, socket: c.ForceSocket})
	for _, b := range c.Branches {
		targets = append(targets, target{uri: b.URI, dstURI: b.DstURI, path: b.Path, q: b.Q, flags: b.Flags, socket: b.Socket})
	}
	sent, ret := 0, relayNoDest
	for i := range targets {
		if targets[i].dstURI == "" && proxy != "" {
			targets[i].dstURI = proxy
		}
		switch rc := t.sendBranch(c, tx, &targets[i]); {
		case rc == relayOK:
			sent++
		case rc != 0 && (ret == relayNoDest || rc == relaySendFail || (rc == relayBlocked && ret != relaySendFail)):
			ret = rc
		}
	}
	if sent == 0 {
		if ret == relayBlocked && fresh && c.RouteType == api.RequestRoute && !tx.noAuto477 {
			// As OpenSIPS: the error is answered and the script stops.
			_ = t.replyLocked(tx, 473, "Filtered destination (473/TM)", "", "")
			return api.RetStop
		}
		if fresh && c.RouteType == api.RequestRoute && !tx.noAuto477 && ret != relayNoDest {
			code, reason := 477, "Unfortunately error on sending to next hop occurred"
			if ret == relayBadDest {
				code, reason = 478, "Unresolvable destination"
			}
			_ = t.replyLocked(tx, code, reason, "", "")
		}
		return ret
	}
	if tx.status < 200 {
		tx.deleteAt = time.Time{}
	}
	tx.schedule()
	return relayOK
}

// sendBranch runs the branch route for one target, then builds and sends
// the branch; mu held. It returns relayOK, 0 when the branch route
// dropped the branch, or an error code.
func (t *TM) sendBranch(c *api.Ctx, tx *Tx, tg *target) api.Ret {
	idx := len(tx.branches)
	br := &branch{idx: idx, id: branchID(tx.id, idx), uri: tg.uri, dstURI: tg.dstURI, path: tg.path,
		q: tg.q, flags: tg.flags, socket: tg.socket}
	// Without a branch route every branch is written straight from the
	// request with its own edits; a branch route needs a copy to edit.
	m := c.Msg
	if tx.onBranch != "" {
		m = c.Msg.Clone()
		if tg.uri != m.RURI() {
			m.SetRURI(tg.uri)
		}
		if !t.runBranchRoute(c, tx, br, m) {
			return 0
		}
	}
	m = t.hookEditBranch(c, tx, idx, m)
	be := sip.BranchEdits{Bottom: tx.addHdrs}
	if br.uri != m.RURI() {
		be.RURI = br.uri
	}
	if br.path != "" {
		be.Route = "Route: " + br.path + "\r\n"
	}
	next := br.dstURI
	if next == "" && br.path != "" {
		next = firstURI(br.path)
	}
	if next == "" {
		next = br.uri
	}
	d, err := tx.core.Resolve(tx.ctx, next, br.socket)
	if err != nil {
		tx.log.Debug("cannot resolve branch destination", "uri", next, "err", err)
		return relayBadDest
	}
	sock := tx.core.OutSocket(d)
	if sock == nil {
		tx.log.Debug("no socket to send the branch", "dest", d.String())
		return relaySendFail
	}
	if d.Socket == nil {
		d.Socket = sock
	}
	be.Via = sip.FormatVia(d.Proto.ViaName(), sock.AdvertisedHost(), sock.AdvertisedPort(), br.id, false)
	be.Out = sock
	br.buf = m.AppendBranch(make([]byte, 0, m.BranchSizeHint(&be)), &be)
	br.dest = d
	if bl := api.BlacklistsOf(c); bl != nil && bl.Blocked(c, d, br.buf) {
		tx.log.Debug("branch destination blacklisted", "dest", d.String())
		return relayBlocked
	}
	if err := tx.core.Send(d, br.buf); err != nil {
		tx.log.Debug("sending branch failed", "dest", d.String(), "err", err)
		return relaySendFail
	}
	now := time.Now()
	if !d.Proto.Reliable() {
		br.retrInt = t.t1()
		br.retrAt = now.Add(br.retrInt)
	}
	br.frAt = now.Add(tx.frTimeout)
	if tx.cancelled {
		br.cancelPending = true
	}
	tx.branches = append(tx.branches, br)
	t.hookRequestOut(tx, br)
	return relayOK
}

// runBranchRoute runs the armed branch_route on the branch copy m with c
// standing for the branch; false when the route dropped it.
func (t *TM) runBranchRoute(c *api.Ctx, tx *Tx, br *branch, m *sip.Msg) bool {
	saved := *c
	c.Msg, c.DstURI, c.Path, c.BFlags, c.ForceSocket = m, br.dstURI, br.path, br.flags, br.socket
	c.BranchIdx, c.OnReply, c.RURIQ, c.Branches = br.idx, "", br.q, nil
	c.Tx = tx
	tx.curBranch = br
	_, drop := tx.runRoute(c, api.BranchRoute, tx.onBranch)
	tx.curBranch = nil
	br.uri, br.dstURI, br.path, br.flags, br.socket = m.RURI(), c.DstURI, c.Path, c.BFlags, c.ForceSocket
	if c.OnReply != "" {
		br.onReply = c.OnReply
	}
	// The message flags and AVPs stay as the branch route left them.
	flags, avps, onFailure := c.Flags, c.AVPs, c.OnFailure
	*c = saved
	c.Flags, c.AVPs, c.OnFailure = flags, avps, onFailure
	return !drop
}

// firstURI returns the URI of the first element of a Path/Route value.
func firstURI(path string) string {
	s := strings.TrimSpace(path)
	if i := strings.IndexByte(s, '<'); i >= 0 {
		if j := strings.IndexByte(s[i:], '>'); j > 0 {
			return s[i+1 : i+j]
		}
	}
	if i := strings.IndexByte(s, ','); i >= 0 {
		s = s[:i]
	}
	return strings.TrimSpace(s)
}

// forwardStateless relays c's request without a transaction (ACK for a
// 2xx, or t_relay of an ACK that matches nothing).
func (t *TM) forwardStateless(c *api.Ctx, opts RelayOpts) api.Ret {
	m := c.Msg
	var be sip.BranchEdits
	if c.Path != "" {
		be.Route = "Route: " + c.Path + "\r\n"
	}
	next := c.DstURI
	if next == "" && opts.Proxy != nil {
		next = proxyURI(opts.Proxy)
	}
	if next == "" && c.Path != "" {
		next = firstURI(c.Path)
	}
	if next == "" {
		next = m.RURI()
	}
	d, err := c.Core.Resolve(c.Context, next, c.ForceSocket)
	if err != nil {
		return relayBadDest
	}
	sock := c.Core.OutSocket(d)
	if sock == nil {
		return relaySendFail
	}
	if d.Socket == nil {
		d.Socket = sock
	}
	be.Via = sip.FormatVia(d.Proto.ViaName(), sock.AdvertisedHost(), sock.AdvertisedPort(), sip.StatelessBranch(c.Msg, 0), false)
	be.Out = sock
	b := m.AppendBranch(make([]byte, 0, m.BranchSizeHint(&be)), &be)
	if err := c.Core.Send(d, b); err != nil {
		return relaySendFail
	}
	hookStatelessOut(c, sock, d, b)
	return relayOK
}

// e2eCancel handles a CANCEL for an existing INVITE transaction: the
// CANCEL is answered with 200 on its own transaction and every pending
// branch of the INVITE is cancelled.
func (t *TM) e2eCancel(c *api.Ctx, inv *Tx, opts RelayOpts) api.Ret {
	tx, _, ok, err := t.attach(c)
	if err != nil {
		return relayBadMsg
	}
	if !ok {
		return api.RetStop
	}
	unlock := tx.lockFor(c)
	_ = t.replyLocked(tx, 200, "canceling", "", "") // OpenSIPS' reason
	unlock()
	inv.mu.Lock()
	defer inv.mu.Unlock()
	inv.cancelled = true
	inv.cancelReason = e2eCancelReason(c, opts)
	t.hookCancelled(inv)
	t.cancelBranches(inv, -1, CancelAll)
	inv.schedule()
	return relayOK
}

// Reason headers of the CANCELs tm generates, as OpenSIPS 3.6 sends them.
const (
	reasonOriginator = "Reason: SIP;cause=487;text=\"ORIGINATOR_CANCEL\"\r\n"
	reasonNoAnswer   = "Reason: SIP;cause=480;text=\"NO_ANSWER\"\r\n"
	reasonElsewhere  = "Reason: SIP ;cause=200 ;text=\"Call completed elsewhere\"\r\n"
)

// cancelReasonKey is the slot of t_add_cancel_reason's header.
type cancelReasonKey struct{}

// e2eCancelReason picks the Reason of the CANCELs a received CANCEL
// causes: t_add_cancel_reason's, else the received one when t_relay has
// the pass-reason-hdr flag, else ORIGINATOR_CANCEL.
func e2eCancelReason(c *api.Ctx, opts RelayOpts) string {
	if r, ok := c.Slot(cancelReasonKey{}).(string); ok && r != "" {
		return r
	}
	if opts.Flags&RelayPassReasonHdr != 0 {
		var r string
		c.Msg.EachHeader(sip.HdrOther, "Reason", func(h sip.HeaderField) bool {
			r = h.Name + ": " + h.Value + "\r\n"
			return false
		})
		if r != "" {
			return r
		}
	}
	return reasonOriginator
}

// cancelReasonOf is the Reason header of the CANCEL of branch b: "call
// completed elsewhere" once a 200 went upstream, else the branch's or the
// transaction's reason.
func cancelReasonOf(tx *Tx, b *branch) string {
	switch {
	case tx.isInvite && tx.status == 200:
		return reasonElsewhere
	case b.cancelReason != "":
		return b.cancelReason
	}
	return tx.cancelReason
}

// cancelBranches cancels pending INVITE branches: all of them, all but
// cur, or cur only; mu held. A branch without a provisional reply is
// cancelled once one arrives (RFC 3261 §9.1).
func (t *TM) cancelBranches(tx *Tx, cur int, which CancelBranch) {
	if !tx.isInvite {
		return
	}
	phonyEnded := false
	for _, b := range tx.branches {
		if b.final || (which&CancelAll == 0 && (b.idx == cur) == (which&CancelOthers != 0)) {
			continue
		}
		if b.phony {
			// Nothing was sent: the branch just ends.
			b.final, b.local, b.lastCode, b.frAt = true, true, 487, time.Time{}
			phonyEnded = true
			continue
		}
		if b.provisional {
			t.sendCancel(tx, b)
		} else {
			b.cancelPending = true
		}
	}
	// A transaction held only by a phony branch ends at once (487).
	if phonyEnded && which&CancelAll != 0 && tx.local == nil && tx.status < 200 && tx.finished() {
		t.completeRound(tx)
	}
}

// sendCancel sends a CANCEL for branch b; mu held.
func (t *TM) sendCancel(tx *Tx, b *branch) {
	if b.cancelSent || b.final {
		return
	}
	b.cancelSent, b.cancelPending = true, false
	req, err := sip.Parse(b.buf)
	if err != nil {
		tx.log.Debug("cannot parse branch for CANCEL", "err", err)
		return
	}
	cm, err := sip.NewCancel(req, cancelReasonOf(tx, b)+tx.addHdrs+userAgentLine(tx.core))
	if err != nil {
		tx.log.Debug("cannot build CANCEL", "err", err)
		return
	}
	b.cancelBuf = cm.Bytes()
	if err := tx.core.Send(b.dest, b.cancelBuf); err != nil {
		tx.log.Debug("sending CANCEL failed", "err", err)
	}
	now := time.Now()
	if !b.dest.Proto.Reliable() {
		b.cancelRetrInt = tx.tm.t1()
		b.cancelRetrAt = now.Add(b.cancelRetrInt)
		b.cancelEnd = now.Add(64 * tx.tm.t1())
	}
	// Give the branch 64*T1 to answer the CANCEL with its final reply.
	if limit := now.Add(64 * tx.tm.t1()); b.frAt.IsZero() || limit.Before(b.frAt) {
		b.frAt = limit
	}
}

// userAgentLine is the User-Agent line OpenSIPS signs the ACKs and
// CANCELs tm builds with ("" with server_signature=0).
func userAgentLine(core api.Core) string {
	if ua := api.UserAgentOf(core); ua != "" {
		return "User-Agent: " + ua + "\r\n"
	}
	return ""
}

// sendAck acknowledges a negative final reply on branch b (the ACK of a
// non-2xx final reply is hop-by-hop); mu held.
func (t *TM) sendAck(tx *Tx, b *branch, reply *sip.Msg) {
	req, err := sip.Parse(b.buf)
	if err != nil {
		return
	}
	ack, err := sip.NewAck(req, reply, userAgentLine(tx.core))
	if err != nil {
		tx.log.Debug("cannot build ACK", "err", err)
		return
	}
	if err := tx.core.Send(b.dest, ack.Bytes()); err != nil {
		tx.log.Debug("sending ACK failed", "err", err)
	}
}
