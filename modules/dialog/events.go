package dialog

import (
	"strconv"

	"gosips/api"
)

// stateEvent returns the attributes of E_DLG_STATE_CHANGED for d going
// from old to its current state, or nil when nobody listens; d.mu held.
func (m *Module) stateEvent(d *dlg, old api.DialogState) api.EventParams {
	if old == d.state || !m.stateChanged.HasSubscribers() {
		return nil
	}
	p := make(api.EventParams, 0, 7)
	p.Str("id", d.rrDID())
	p.Str("db_id", strconv.FormatUint(d.ID(), 10))
	p.Str("callid", d.callID)
	p.Str("from_tag", d.legs[0].tag)
	p.Str("to_tag", d.legs[1].tag)
	p.Int("old_state", int64(old))
	p.Int("new_state", int64(d.state))
	return p
}

// raiseState raises E_DLG_STATE_CHANGED (outside the dialog's lock).
func (m *Module) raiseState(p api.EventParams) {
	if p != nil {
		m.stateChanged.Raise(p)
	}
}
