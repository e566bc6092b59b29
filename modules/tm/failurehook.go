package tm

import "gosips/api"

// hookFailure reports a round that failed, with its winning branch,
// before the failure route runs; mu held.
func (t *TM) hookFailure(tx *Tx, br *branch) {
	hs := tx.txHooks()
	want := false
	for _, h := range hs {
		want = want || h.Failure != nil
	}
	if !want {
		return
	}
	reply := br.reply
	if br.local {
		reply = nil
	}
	c := tx.core.NewCtx(tx.ctx, api.FailureRoute, tx.req)
	c.Req, c.Reply, c.Tx = tx.req, reply, tx
	c.Flags, c.Slots = tx.flags, tx.slots
	e := api.TxEvent{Ctx: c, Req: tx.req, Reply: reply, Code: br.lastCode, Local: reply == nil, Branch: br.idx}
	for _, h := range hs {
		if h.Failure != nil {
			h.Failure(&e)
		}
	}
	tx.flags = c.Flags
	c.Slots = nil
	tx.core.ReleaseCtx(c)
}
