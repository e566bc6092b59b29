package topology_hiding

import (
	"gosips/api"
	"gosips/pv"
)

// PVs lists $TH_callee_callid: the Call-ID sent to the callee when the C
// flag encodes it, NULL for dialogs hidden without C or no dialog.
func (m *Module) PVs() []pv.Def {
	return []pv.Def{{Name: "TH_callee_callid", Module: "topology_hiding",
		Doc: "Call-ID as sent to the callee (NULL unless hidden with the C flag)",
		Get: func(c *api.Ctx, _ *pv.Spec) (api.Value, error) {
			if v, ok := m.calleeCallID(c); ok {
				return api.StrValue(v), nil
			}
			return api.Null, nil
		}}}
}

var _ pv.Exporter = (*Module)(nil)
