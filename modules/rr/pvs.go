package rr

import (
	"gosips/api"
	"gosips/pv"
)

// PVs lists the pseudo-variables rr exports.
func (r *RR) PVs() []pv.Def {
	return []pv.Def{{Name: "rr_params", Module: "rr", Doc: "parameters of the Route header that loose_route() used",
		Get: func(c *api.Ctx, _ *pv.Spec) (api.Value, error) {
			if p, ok := routeParams(c); ok {
				return api.StrValue(p), nil
			}
			return api.Null, nil
		}}}
}

var _ pv.Exporter = (*RR)(nil)
