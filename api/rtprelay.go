package api

// RTPRelayEngine is implemented by the media relay modules (rtpengine,
// rtpproxy) that rtp_relay drives: rtp_relay_engage("rtpengine") finds it
// with Module("rtpengine").(api.RTPRelayEngine), the counterpart of
// OpenSIPS' register_rtp_relay(). c is the context of the message behind
// the exchange (the request for an offer, the reply for an answer); it is
// nil for a delete not caused by a message (dialog expiry, MI).
type RTPRelayEngine interface {
	// RTPRelayOffer and RTPRelayAnswer send s.Body to a relay and return
	// the rewritten SDP. The engine stores the set and node it used in
	// s.Set and s.Node, which later exchanges of the call reuse.
	RTPRelayOffer(c *Ctx, s *RTPRelaySession) (string, error)
	RTPRelayAnswer(c *Ctx, s *RTPRelaySession) (string, error)
	// RTPRelayDelete ends the relay session of the call.
	RTPRelayDelete(c *Ctx, s *RTPRelaySession) error
}

// RTPRelaySession is one offer, answer or delete as rtp_relay hands it to
// an engine (OpenSIPS' rtp_relay_session, rtp_relay_server and the flags
// of the two peers).
type RTPRelaySession struct {
	CallID, FromTag, ToTag string
	// Branch is the branch index the session belongs to, -1 for all.
	Branch int
	// Body is the SDP to relay.
	Body string
	// Set is the relay set (-1: the engine's default); Node the relay
	// node URL, empty until an offer chose one.
	Set  int
	Node string
	// IP is the address to advertise (rtpproxy); Type the media type of
	// the peer (RTP/AVP, SRTP...); InIface and OutIface the interfaces
	// facing the sender and the receiver.
	IP, Type, InIface, OutIface string
	// CtxFlags are the call-wide flags ($rtp_relay_ctx(flags)), Flags the
	// sender's and PeerFlags those the receiver asked for
	// ($rtp_relay_peer(peer)); for a delete, Flags are the delete flags.
	CtxFlags, Flags, PeerFlags string
}
