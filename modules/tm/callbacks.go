package tm

import (
	"gosips/api"
	"gosips/sip"
)

// hookSlot keys the transaction hooks in the request's slots, so that
// hooks registered before the transaction exists follow the slots into
// it (keepSlots).
type hookSlot struct{}

// hookList is the hooks of one transaction; guarded by the transaction
// lock once the transaction exists.
type hookList struct{ hooks []*api.TxHook }

// HookTx implements api.TxHooks.
func (t *TM) HookTx(c *api.Ctx, h *api.TxHook) bool {
	if c == nil || h == nil || c.Msg == nil || !c.Msg.IsRequest() {
		return false
	}
	hl, _ := c.Slot(hookSlot{}).(*hookList)
	if tx := txOf(c); tx != nil {
		unlock := tx.lockFor(c)
		defer unlock()
		if cur, ok := tx.slots[hookSlot{}].(*hookList); ok {
			hl = cur
		}
		if hl == nil {
			hl = &hookList{}
		}
		if tx.slots == nil {
			tx.slots = map[any]any{}
		}
		tx.slots[hookSlot{}] = hl
		c.SetSlot(hookSlot{}, hl)
		hl.hooks = append(hl.hooks, h)
		return true
	}
	if hl == nil {
		hl = &hookList{}
		c.SetSlot(hookSlot{}, hl)
	}
	hl.hooks = append(hl.hooks, h)
	return true
}

// txHooks returns the hooks of tx; mu held.
func (tx *Tx) txHooks() []*api.TxHook {
	if hl, ok := tx.slots[hookSlot{}].(*hookList); ok {
		return hl.hooks
	}
	return nil
}

// hookEditBranch lets the hooks replace the message of a branch about to
// be built; mu held.
func (t *TM) hookEditBranch(c *api.Ctx, tx *Tx, idx int, m *sip.Msg) *sip.Msg {
	for _, h := range tx.txHooks() {
		if h.EditBranch == nil {
			continue
		}
		if nm := h.EditBranch(&api.TxEvent{Ctx: c, Req: m, Branch: idx}); nm != nil {
			m = nm
		}
	}
	return m
}

// hookRequestOut reports a branch sent; mu held.
func (t *TM) hookRequestOut(tx *Tx, br *branch) {
	hs := tx.txHooks()
	if len(hs) == 0 {
		return
	}
	e := api.TxEvent{Req: tx.req, Branch: br.idx, Socket: br.dest.Socket, Dest: br.dest, Raw: br.buf}
	for _, h := range hs {
		if h.RequestOut != nil {
			h.RequestOut(&e)
		}
	}
}

// hookReplyOut reports a reply about to go upstream: m is the received
// reply (relayed, from branch idx) or nil with b the bytes of a local one
// (idx -1); mu held.
func (t *TM) hookReplyOut(tx *Tx, m *sip.Msg, b []byte, code int, local bool, idx int) {
	hs := tx.txHooks()
	if len(hs) == 0 || code < 100 || code == 100 && !wantTrying(hs) {
		return
	}
	if m == nil {
		var err error
		if m, err = sip.Parse(b); err != nil {
			tx.log.Debug("local reply does not parse for the hooks", "err", err)
			return
		}
	}
	c := tx.core.NewCtx(tx.ctx, api.OnReplyRoute, m)
	c.Msg, c.Reply, c.Req, c.Tx = m, m, tx.req, tx
	c.Flags, c.Slots = tx.flags, tx.slots
	e := api.TxEvent{Ctx: c, Req: tx.req, Reply: m, Code: code, Local: local, Branch: idx}
	for _, h := range hs {
		if h.ReplyOut != nil && (code > 100 || h.WithTrying) {
			h.ReplyOut(&e)
		}
	}
	tx.flags = c.Flags
	c.Slots = nil
	tx.core.ReleaseCtx(c)
}

func wantTrying(hs []*api.TxHook) bool {
	for _, h := range hs {
		if h.WithTrying && h.ReplyOut != nil {
			return true
		}
	}
	return false
}

// hookStatelessOut reports a request t_relay forwarded without a
// transaction to the hooks registered for it.
func hookStatelessOut(c *api.Ctx, sock *sip.Socket, d sip.Dest, b []byte) {
	hl, ok := c.Slot(hookSlot{}).(*hookList)
	if !ok {
		return
	}
	e := api.TxEvent{Req: c.Msg, Socket: sock, Dest: d, Raw: b}
	for _, h := range hl.hooks {
		if h.RequestOut != nil {
			h.RequestOut(&e)
		}
	}
}

// hookReplyIn reports a reply received on branch br; mu held.
func (t *TM) hookReplyIn(tx *Tx, br *branch, m *sip.Msg) {
	e := api.TxEvent{Req: tx.req, Reply: m, Code: m.StatusCode(), Branch: br.idx}
	for _, h := range tx.txHooks() {
		if h.ReplyIn != nil {
			h.ReplyIn(&e)
		}
	}
}

// hookDeleted reports the transaction's removal; mu held.
func (t *TM) hookDeleted(tx *Tx) {
	hs := tx.txHooks()
	e := api.TxEvent{Req: tx.req, Branch: -1}
	for _, h := range hs {
		if h.Deleted != nil {
			h.Deleted(&e)
		}
	}
}

// hookCancelled reports a CANCEL matched to the INVITE transaction; mu
// held.
func (t *TM) hookCancelled(tx *Tx) {
	e := api.TxEvent{Req: tx.req, Branch: -1}
	for _, h := range tx.txHooks() {
		if h.Cancelled != nil {
			h.Cancelled(&e)
		}
	}
}

var _ api.TxHooks = (*TM)(nil)
