package topology_hiding

import (
	"gosips/api"
	"gosips/pv"
)

// PVs lists $TH_callee_callid: the Call-ID sent to the callee when the C
// flag encodes it; gosips does not encode Call-IDs, so it is always NULL,
// as OpenSIPS' for dialogs hidden without C.
func (m *Module) PVs() []pv.Def {
	return []pv.Def{{Name: "TH_callee_callid", Module: "topology_hiding",
		Doc: "Call-ID as sent to the callee (NULL: Call-IDs are not encoded)",
		Get: func(*api.Ctx, *pv.Spec) (api.Value, error) { return api.Null, nil }}}
}

var _ pv.Exporter = (*Module)(nil)
