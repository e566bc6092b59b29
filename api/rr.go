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

// RRRouter is implemented by the rr module beside RRAPI: the routing
// functions themselves, for modules that route on the script's behalf
// (script_helper), as OpenSIPS' rr_binds carries record_route and
// loose_route.
type RRRouter interface {
	// RecordRoute adds our Record-Route header to the request in c
	// (record_route() without parameters).
	RecordRoute(c *Ctx) Ret
	// LooseRoute is loose_route(): 1 when the request was routed by its
	// Route headers, -1 otherwise.
	LooseRoute(c *Ctx) Ret
}
