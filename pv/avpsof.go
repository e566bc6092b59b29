package pv

import "gosips/api"

// AVPsOf returns the AVP store of the message being processed (the
// transaction's when there is one), or nil when the context has none.
func AVPsOf(c *api.Ctx) *AVPStore {
	if h, ok := ctxPriv[AVPHolder](c); ok {
		return h.AVPs()
	}
	if s, ok := c.AVPs.(*AVPStore); ok {
		return s
	}
	return nil
}
