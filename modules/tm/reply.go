package tm

import (
	"time"

	"gosips/api"
	"gosips/sip"
)

// ReceiveReply implements api.ReplyReceiver: it matches a reply to the
// client transaction (branch) it answers by our Via branch and the CSeq
// method, and processes it per RFC 3261 §16.7. Replies that match
// nothing return false and are relayed statelessly by the core.
func (t *TM) ReceiveReply(c *api.Ctx) bool {
	m := c.Msg
	if m == nil || m.IsRequest() {
		return false
	}
	v, err := m.TopVia()
	if err != nil {
		return false
	}
	id, idx, ok := parseBranchID(v.Branch)
	if !ok {
		return false
	}
	tx := t.table.byID(id)
	if tx == nil {
		return false
	}
	_, meth, err := m.CSeq()
	if err != nil {
		return true
	}
	t.stats.receivedReplies.Inc()
	if tx.local != nil {
		defer tx.flushNotes()
	}
	tx.mu.Lock()
	defer tx.mu.Unlock()
	if tx.deleted || idx >= len(tx.branches) || tx.branches[idx].id != v.Branch {
		return !tx.deleted
	}
	br := tx.branches[idx]
	if meth == "CANCEL" {
		// The reply to our CANCEL ends its retransmissions.
		if m.StatusCode() >= 200 {
			br.cancelDone, br.cancelRetrAt = true, time.Time{}
			tx.schedule()
		}
		return true
	}
	if sip.LookupMethod(meth) != tx.method {
		return true
	}
	t.hookReplyIn(tx, br, m)
	t.branchReply(c, tx, br, m)
	tx.schedule()
	return true
}

// branchReply processes a reply received on branch br; mu held.
func (t *TM) branchReply(c *api.Ctx, tx *Tx, br *branch, m *sip.Msg) {
	code := m.StatusCode()
	if br.final {
		// Retransmissions: 2xx for INVITE are relayed (end-to-end), a
		// negative one is acknowledged again.
		switch {
		case code >= 200 && code < 300 && tx.isInvite && !tx.replicate && tx.local == nil:
			t.relayReply(tx, m, code, br.idx)
		case code >= 200 && code < 300 && tx.isInvite && tx.local != nil && tx.local.Retransmitted2xx && tx.local.OnReply != nil:
			cb := tx.local.OnReply
			tx.notes = append(tx.notes, func() { cb(m, code) })
		case code >= 300 && tx.isInvite:
			t.sendAck(tx, br, m)
		}
		return
	}
	now := time.Now()
	br.lastCode = code
	switch {
	case tx.isInvite || code >= 200:
		br.retrAt = time.Time{}
	case !br.retrAt.IsZero():
		// Non-INVITE after a provisional reply: retransmit every T2.
		br.retrInt = t.t2()
		br.retrAt = now.Add(br.retrInt)
	}
	if code < 200 {
		first := !br.provisional
		br.provisional = true
		if tx.isInvite && (first || t.RestartFrOnEachReply != 0) && !br.cancelSent {
			br.frAt = now.Add(tx.frInvTimeout)
		}
		if br.cancelPending || (tx.cancelled && tx.isInvite) {
			t.sendCancel(tx, br)
		}
	}
	if name := br.onReply; name != "" || tx.onReply != "" {
		if name == "" {
			name = tx.onReply
		}
		if t.runOnReply(c, tx, br, m, name) && code < 200 {
			return
		}
	}
	if tx.local != nil {
		t.localReply(tx, br, m, code)
		return
	}
	switch {
	case code < 200:
		if code > 100 && tx.status < 200 && !tx.replicate {
			t.relayReply(tx, m, code, br.idx)
		}
	case code < 300:
		br.final = true
		if !tx.replicate {
			t.relayReply(tx, m, code, br.idx)
		} else if tx.status < 200 && tx.finished() {
			t.finishReplicated(tx)
		}
		t.cancelBranches(tx, br.idx, CancelOthers)
	default:
		br.final, br.reply = true, m
		if tx.isInvite {
			t.sendAck(tx, br, m)
		}
		if code >= 600 && t.Disable6xxBlock == 0 {
			t.cancelBranches(tx, br.idx, CancelOthers)
		}
		if tx.status < 200 && tx.finished() {
			t.completeRound(tx)
		}
	}
}

// runOnReply runs the armed onreply_route with c showing the reply; it
// reports whether the route dropped the reply.
func (t *TM) runOnReply(c *api.Ctx, tx *Tx, br *branch, m *sip.Msg, name string) bool {
	c.Msg, c.Reply, c.Req, c.Tx = m, m, tx.req, tx
	c.BranchIdx, c.Flags = br.idx, tx.flags
	if t.OnreplyAVPMode != 0 {
		c.AVPs = tx.avps
	} else {
		c.AVPs = nil
	}
	_, drop := tx.runRoute(c, api.OnReplyRoute, name)
	tx.flags = c.Flags
	if t.OnreplyAVPMode != 0 && c.AVPs != nil {
		tx.avps = c.AVPs
	}
	return drop
}

// relayReply removes our Via from a reply received on branch idx and
// sends it upstream; mu held.
func (t *TM) relayReply(tx *Tx, m *sip.Msg, code, idx int) {
	if err := m.RemoveTopVia(); err != nil {
		return
	}
	t.hookReplyOut(tx, m, nil, code, false, idx)
	t.editReply(tx, m)
	b := m.Bytes()
	t.stats.relayedReplies.Inc()
	tx.anyRelayed = true
	t.sendUpstream(tx, b, code, false)
}

// prio ranks final replies for the best-reply choice (RFC 3261 §16.7
// step 6): 6xx first, then 3xx, 4xx (the ones a client can act upon
// before the others), 5xx; lower is better.
func prio(code int) int {
	switch code / 100 {
	case 6:
		return 1000 + code%100
	case 3:
		return 3000 + code%100
	case 4:
		switch code {
		case 401, 407, 415, 420, 484:
			return 4000 + code%100
		case 408:
			return 4900
		}
		return 4100 + code%100
	case 5:
		return 5000 + code%100
	}
	return 10000
}

// pickBranch returns the index of the best final reply of the current
// round.
// A phony branch (t_wait_for_new_branches) counts only when nothing else
// answered.
func (tx *Tx) pickBranch() int {
	best, bp := -1, 0
	for _, phony := range []bool{false, true} {
		for i := tx.firstBranch; i < len(tx.branches); i++ {
			b := tx.branches[i]
			if !b.final || b.phony != phony {
				continue
			}
			if p := prio(b.lastCode); best < 0 || p < bp {
				best, bp = i, p
			}
		}
		if best >= 0 {
			break
		}
	}
	return best
}

// completeRound runs once every branch of the round has a negative final
// reply: the failure route gets a chance to fork again or answer, else
// the best reply goes upstream; mu held.
func (t *TM) completeRound(tx *Tx) {
	if tx.replicate {
		t.finishReplicated(tx)
		return
	}
	win := tx.pickBranch()
	if win < 0 {
		return
	}
	tx.winIdx, tx.winCode = win, tx.branches[win].lastCode
	t.hookFailure(tx, tx.branches[win])
	if name := tx.onFailure; name != "" {
		tx.onFailure = ""
		before := len(tx.branches)
		t.runFailure(tx, name)
		if tx.status >= 200 {
			return
		}
		if len(tx.branches) > before && !tx.finished() {
			return
		}
		if len(tx.branches) > before {
			// The new round failed at once (every branch answered
			// locally): pick among everything.
			win = tx.pickBranch()
		}
	}
	t.relayBest(tx, win)
}

// runFailure runs failure_route[name] with a copy of the request whose
// R-URI is the winning branch's; mu held.
func (t *TM) runFailure(tx *Tx, name string) {
	br := tx.branches[tx.winIdx]
	req := tx.req.Clone()
	if br.uri != req.RURI() {
		req.SetRURI(br.uri)
	}
	fc := tx.core.NewCtx(tx.ctx, api.FailureRoute, req)
	defer tx.core.ReleaseCtx(fc)
	fc.Req, fc.Reply, fc.Tx = req, br.reply, tx
	fc.Flags, fc.AVPs, fc.BranchIdx = tx.flags, tx.avps, br.idx
	fc.DstURI, fc.Path, fc.BFlags = br.dstURI, br.path, br.flags
	tx.inFailure, tx.roundOpen = true, true
	tx.runRoute(fc, api.FailureRoute, name)
	tx.inFailure, tx.roundOpen = false, false
	tx.flags = fc.Flags
	if fc.AVPs != nil {
		tx.avps = fc.AVPs
	}
}

// relayBest sends the winning reply upstream: the received one, or a
// local reply for a branch that timed out or was cancelled; mu held.
func (t *TM) relayBest(tx *Tx, win int) {
	br := tx.branches[win]
	if br.reply != nil && !br.local {
		if br.lastCode == 401 || br.lastCode == 407 {
			t.mergeChallenges(tx, br)
		}
		t.relayReply(tx, br.reply, br.lastCode, win)
		return
	}
	_ = t.replyLocked(tx, br.lastCode, "", "", "")
}

// mergeChallenges adds to the winning 401/407 the WWW-Authenticate and
// Proxy-Authenticate headers of every other branch of the same round
// answered with 401 or 407 (RFC 3261 §16.7 step 6), so the client can
// answer all challenges at once; mu held. Branches of earlier rounds
// (before a failure_route relayed again, e.g. after uac_auth()) are not
// the client's business.
func (t *TM) mergeChallenges(tx *Tx, win *branch) {
	var extra []byte
	for _, b := range tx.branches[min(tx.firstBranch, len(tx.branches)):] {
		if b == win || b.reply == nil || b.local || (b.lastCode != 401 && b.lastCode != 407) {
			continue
		}
		s := b.reply.String()
		for _, f := range b.reply.Fields() {
			if f.Type == sip.HdrWWWAuthenticate || f.Type == sip.HdrProxyAuthenticate {
				extra = append(extra, s[f.Start:f.End]...)
			}
		}
	}
	if len(extra) > 0 {
		win.reply.AppendRaw(string(extra))
	}
}

// finishReplicated closes a t_replicate() transaction: its replies are
// never relayed.
func (t *TM) finishReplicated(tx *Tx) {
	if tx.status < 200 && tx.deleteAt.IsZero() {
		tx.deleteAt = time.Now().Add(t.wt())
	}
}
