package api

import "gosips/sip"

// TransportSetup is implemented by transport modules (proto_ws,
// proto_wss) that tune the SIP transport with their parameters. The
// engine calls it after creating the transport and before binding any
// socket.
type TransportSetup interface {
	SetupTransport(tr *sip.Transport) error
}
