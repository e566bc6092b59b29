package signaling

import "gosips/pv"

// PVs lists the pseudo-variables signaling exports.
func (s *Signaling) PVs() []pv.Def {
	return []pv.Def{{Name: "sig_local_totag", Module: "signaling", Doc: "To-tag of the local reply"}}
}

var _ pv.Exporter = (*Signaling)(nil)
