package tm

import (
	"maps"
	"sync"

	"gosips/api"
	"gosips/sip"
)

// replyEditors finds, once, the loaded modules that edit relayed replies
// (api.ReplyEditor). Loaded modules are only known through the Core, so
// the lookup waits for the first relayed reply.
type replyEditors struct {
	once sync.Once
	// names lists the module names to probe; the default registry's
	// unless a test sets it.
	names func() []string
	list  []api.ReplyEditor
}

// get returns the editors among the modules core has loaded.
func (e *replyEditors) get(core api.Core) []api.ReplyEditor {
	e.once.Do(func() {
		if core == nil {
			return
		}
		names := e.names
		if names == nil {
			names = api.Default().Names
		}
		for _, n := range names() {
			if ed, ok := core.Module(n).(api.ReplyEditor); ok {
				e.list = append(e.list, ed)
			}
		}
	})
	return e.list
}

// keepSlots merges what the request route stored in c.Slots into the
// transaction, for the reply editors; mu held or tx not yet shared.
func (tx *Tx) keepSlots(c *api.Ctx) {
	if len(c.Slots) == 0 || c.RouteType != api.RequestRoute {
		return
	}
	if tx.slots == nil {
		tx.slots = maps.Clone(c.Slots)
		return
	}
	maps.Copy(tx.slots, c.Slots)
}

// editReply lets the reply editors change a reply about to be relayed
// upstream; mu held.
func (t *TM) editReply(tx *Tx, m *sip.Msg) {
	eds := t.editors.get(tx.core)
	if len(eds) == 0 {
		return
	}
	c := tx.core.NewCtx(tx.ctx, api.OnReplyRoute, m)
	c.Msg, c.Reply, c.Req, c.Tx = m, m, tx.req, tx
	c.Flags, c.Slots = tx.flags, tx.slots
	for _, ed := range eds {
		ed.EditReply(c, tx.req, m)
	}
	// The slots belong to the transaction, not to the pooled context.
	c.Slots = nil
	tx.core.ReleaseCtx(c)
}
