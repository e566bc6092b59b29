package rr

import (
	"gosips/api"
	"gosips/sip"
)

// AddRRParam implements api.RRAPI.
func (r *RR) AddRRParam(c *api.Ctx, param string) bool {
	return r.addRRParam(c, []any{param}) == api.RetTrue
}

// OnRoute implements api.RRAPI; callbacks are registered at Init time
// and only read afterwards.
func (r *RR) OnRoute(cb func(c *api.Ctx, params string)) {
	if cb != nil {
		r.routeCbs = append(r.routeCbs, cb)
	}
}

// Direction implements api.RRAPI.
func (r *RR) Direction(c *api.Ctx) (upstream, ok bool) {
	p, found := routeParams(c)
	if !found || c.Msg == nil {
		return false, false
	}
	ftag, found := sip.Param(p, "ftag")
	if !found || ftag == "" {
		return false, false
	}
	return c.Msg.FromTag() != ftag, true
}

// runRouteCbs runs the callbacks after loose_route() used a Route of ours.
func (r *RR) runRouteCbs(c *api.Ctx, st *state) {
	if !st.ours {
		return
	}
	for _, cb := range r.routeCbs {
		cb(c, st.params)
	}
}

var _ api.RRAPI = (*RR)(nil)

// RecordRoute implements api.RRRouter.
func (r *RR) RecordRoute(c *api.Ctx) api.Ret { return r.recordRoute(c, []any{nil}) }

// LooseRoute implements api.RRRouter.
func (r *RR) LooseRoute(c *api.Ctx) api.Ret { return r.looseRoute(c, nil) }

var _ api.RRRouter = (*RR)(nil)
