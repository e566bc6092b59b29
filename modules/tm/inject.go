package tm

import (
	"time"

	"gosips/api"
	"gosips/pv"
)

// Branch injection (OpenSIPS' push-notification support):
// t_wait_for_new_branches() adds a "phony" branch that sends nothing and
// keeps an INVITE transaction pending until fr_inv_timeout, even when
// every real branch failed; t_inject_branches() adds branches to a
// pending transaction later, from the current message or from the
// E_UL_CONTACT_INSERT event an event_routing notification route runs
// for; t_wait_no_more_branches() lets the transaction end once its
// branches are done.

// fWaitForNewBranches is t_wait_for_new_branches([branches]): with
// branches, the phony branch stops holding the transaction once that
// many more branches were added.
func (t *TM) fWaitForNewBranches(c *api.Ctx, args []any) api.Ret {
	tx := txOf(c)
	if tx == nil {
		return api.RetFalse
	}
	if !tx.isInvite {
		t.logFor(c).Error("t_wait_for_new_branches: INVITEs only")
		return api.RetFalse
	}
	unlock := tx.lockFor(c)
	defer unlock()
	tx.captureHooks(c)
	limit := 0
	if n, ok := api.IntArg(args[0]); ok && n > 0 {
		limit = len(tx.branches) + int(n) + 1
	}
	idx := len(tx.branches)
	br := &branch{idx: idx, id: branchID(tx.id, idx), uri: c.Msg.RURI(), q: -1,
		phony: true, waitLimit: limit, frAt: time.Now().Add(tx.frInvTimeout)}
	tx.branches = append(tx.branches, br)
	if tx.status < 200 {
		tx.deleteAt = time.Time{}
	}
	tx.schedule()
	return api.RetTrue
}

// fWaitNoMoreBranches is t_wait_no_more_branches(): the phony branch no
// longer holds the transaction, which ends when its branches did.
func (t *TM) fWaitNoMoreBranches(c *api.Ctx, _ []any) api.Ret {
	tx := txOf(c)
	if tx == nil {
		return api.RetFalse
	}
	unlock := tx.lockFor(c)
	defer unlock()
	if !tx.noMoreBranches(0) {
		return api.RetFalse
	}
	if tx.status < 200 && tx.finished() {
		t.completeRound(tx)
	}
	return api.RetTrue
}

// noMoreBranches caps the phony branch of the current round at the
// current branch count plus extra; false when there is none. mu held.
func (tx *Tx) noMoreBranches(extra int) bool {
	for i := len(tx.branches) - 1; i >= tx.firstBranch; i-- {
		if b := tx.branches[i]; b.phony {
			b.waitLimit = len(tx.branches) + extra
			return true
		}
	}
	return false
}

// phonyDone reports whether phony branch b no longer holds tx: it timed
// out, the transaction was cancelled, or its branch limit was reached.
func (tx *Tx) phonyDone(b *branch) bool {
	return b.final || tx.cancelled || (b.waitLimit > 0 && b.waitLimit <= len(tx.branches))
}

// fInjectBranches is t_inject_branches(source[, flags]) on the current
// transaction or, in an event_routing notification route, on the
// subscriber's.
func (t *TM) fInjectBranches(c *api.Ctx, args []any) api.Ret {
	src, _ := args[0].(Inject)
	flags, _ := args[1].(Inject)
	tx := txOf(c)
	local := tx != nil
	if !local {
		tx, _ = c.Slot(api.TxRefSlot{}).(*Tx)
		if tx == nil {
			t.logFor(c).Debug("t_inject_branches: no transaction")
			return api.RetFalse
		}
	}
	var targets []target
	if src&InjectEvent != 0 {
		tg, ok := eventTarget(c)
		if !ok {
			t.logFor(c).Error("t_inject_branches: no branch in the event attributes ($avp(uri) missing)")
			return api.RetFalse
		}
		targets = append(targets, tg)
	} else if c.Msg != nil && c.Msg.IsRequest() {
		targets = append(targets, target{uri: c.Msg.RURI(), dstURI: c.DstURI, path: c.Path, q: c.RURIQ, flags: c.BFlags, socket: c.ForceSocket})
		for _, b := range c.Branches {
			targets = append(targets, target{uri: b.URI, dstURI: b.DstURI, path: b.Path, q: b.Q, flags: b.Flags, socket: b.Socket})
		}
	} else if len(c.Branches) > 0 {
		b := c.Branches[0]
		targets = append(targets, target{uri: b.URI, dstURI: b.DstURI, path: b.Path, q: b.Q, flags: b.Flags, socket: b.Socket})
		c.Branches = c.Branches[1:]
	} else {
		return api.RetFalse
	}
	if local {
		unlock := tx.lockFor(c)
		defer unlock()
	} else {
		tx.mu.Lock()
		defer tx.mu.Unlock()
	}
	return t.inject(tx, targets, flags)
}

// eventTarget builds a branch from the attributes of E_UL_CONTACT_INSERT
// as event_routing exposes them ($avp(uri), received, path, qval, bflags).
func eventTarget(c *api.Ctx) (target, bool) {
	var st *pv.AVPStore
	if h, ok := c.Priv.(pv.AVPHolder); ok {
		st = h.AVPs()
	} else {
		st, _ = c.AVPs.(*pv.AVPStore)
	}
	if st == nil || st.Count("uri") == 0 {
		return target{}, false
	}
	str := func(n string) string { return pv.Str(st.Get(n, 0)) }
	tg := target{uri: str("uri"), q: -1}
	if path := str("path"); path != "" {
		tg.path, tg.dstURI = path, firstURI(path)
	} else if rcv := str("received"); rcv != "" {
		tg.dstURI = rcv
	}
	if v := st.Get("qval", 0); v.IsInt() {
		tg.q = int(v.I)
	}
	if v := st.Get("bflags", 0); v.IsInt() {
		tg.flags = uint32(v.I)
	}
	return tg, true
}

// inject sends new branches on a pending transaction; mu held.
func (t *TM) inject(tx *Tx, targets []target, flags Inject) api.Ret {
	if tx.deleted || tx.status >= 200 {
		return -2
	}
	var pending []*branch
	if flags&InjectCancel != 0 {
		for _, b := range tx.branches[tx.firstBranch:] {
			if !b.final && !b.phony {
				pending = append(pending, b)
			}
		}
	}
	if flags&InjectLast != 0 {
		tx.noMoreBranches(1)
	}
	fc := tx.core.NewCtx(tx.ctx, api.RequestRoute, tx.req.Clone())
	defer tx.core.ReleaseCtx(fc)
	fc.Req, fc.Tx, fc.Flags, fc.AVPs = fc.Msg, tx, tx.flags, tx.avps
	sent := 0
	for i := range targets {
		if t.sendBranch(fc, tx, &targets[i]) == relayOK {
			sent++
		}
	}
	for _, b := range pending {
		b.cancelReason = reasonElsewhere
		if b.provisional {
			t.sendCancel(tx, b)
		} else {
			b.cancelPending = true
		}
	}
	tx.schedule()
	if sent == 0 {
		return -3
	}
	return api.RetTrue
}
