package api

// TMRelayer is implemented by tm: the transaction functions a module
// needs to relay requests on the script's behalf (script_helper), as
// OpenSIPS' tm_binds carries t_relay and t_check_trans.
type TMRelayer interface {
	// Relay is t_relay() without flags nor outbound proxy.
	Relay(c *Ctx) Ret
	// CheckTrans is t_check_trans(): 0 when the request was a
	// retransmission (absorbed), 1 when a CANCEL or a hop-by-hop ACK
	// matches a transaction, -2 for an end-to-end ACK, -1 otherwise.
	CheckTrans(c *Ctx) Ret
}
