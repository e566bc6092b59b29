package rr

import "gosips/pv"

// PVs lists the pseudo-variables rr exports.
func (r *RR) PVs() []pv.Def {
	return []pv.Def{{Name: "rr_params", Module: "rr", Doc: "parameters of the Route header that loose_route() used"}}
}

var _ pv.Exporter = (*RR)(nil)
