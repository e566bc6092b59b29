package tm

import "gosips/api"

// Relay implements api.TMRelayer.
func (t *TM) Relay(c *api.Ctx) api.Ret { return t.fRelay(c, []any{nil, nil}) }

// CheckTrans implements api.TMRelayer.
func (t *TM) CheckTrans(c *api.Ctx) api.Ret { return t.fCheckTrans(c, nil) }

var _ api.TMRelayer = (*TM)(nil)
