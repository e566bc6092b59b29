package api

// RRAPI is implemented by the rr module (OpenSIPS' load_rr_api); dialog
// finds it with Module("rr").(api.RRAPI).
type RRAPI interface {
	// AddRRParam adds param (";name=value") to the Record-Route header of
	// the request in c, before or after record_route() (add_rr_param()).
	AddRRParam(c *Ctx, param string) bool
	// OnRoute registers a callback that loose_route() runs when it
	// consumed a Route header of ours; params are that URI's parameters
	// (register_rrcb). Register in Init.
	OnRoute(cb func(c *Ctx, params string))
	// Direction tells whether the sequential request in c flows
	// downstream (from the caller) or upstream, from the ftag of our
	// Route (is_direction()); ok is false when it cannot tell.
	Direction(c *Ctx) (upstream bool, ok bool)
}
