package topology_hiding

import (
	"strings"

	"gosips/api"
)

// FilterRequest restores, before the script runs, the Call-ID of a
// sequential request coming from the callee of a dialog hidden with the
// C flag: matching, $ci and the request relayed to the caller use the
// real Call-ID, while the replies built here for the callee keep the one
// it knows (OpenSIPS decodes the received text the same way).
func (m *Module) FilterRequest(c *api.Ctx) bool {
	msg := c.Msg
	if msg == nil || !msg.IsRequest() {
		return true
	}
	v := msg.CallID()
	if !strings.HasPrefix(v, m.CallIDPrefix) || msg.ToTag() == "" {
		return true
	}
	if orig, ok := m.decodeCallID(v); ok {
		msg.SetCallIDView(orig)
		m.setCallID(msg, orig)
	}
	return true
}

// calleeCallID is $TH_callee_callid: the Call-ID the callee knows, NULL
// when the current dialog is not hidden with C.
func (m *Module) calleeCallID(c *api.Ctx) (string, bool) {
	if m.dlg == nil {
		return "", false
	}
	d := m.dlg.Current(c)
	if d == nil || !d.ModFlag(flagHideCall) {
		return "", false
	}
	return m.encodeCallID(d.CallID()), true
}

var _ api.RequestFilter = (*Module)(nil)
