package signaling

import (
	"gosips/api"
	"gosips/pv"
)

// PVs lists the pseudo-variables signaling exports.
func (s *Signaling) PVs() []pv.Def {
	return []pv.Def{{Name: "sig_local_totag", Module: "signaling", Doc: "To-tag of the local reply",
		Get: func(c *api.Ctx, _ *pv.Spec) (api.Value, error) {
			if tag, ok := s.localToTag(c); ok {
				return api.StrValue(tag), nil
			}
			return api.Null, nil
		}}}
}

var _ pv.Exporter = (*Signaling)(nil)
