package api

import "gosips/sip"

// TransportSetup is implemented by transport modules (proto_ws,
// proto_wss) that tune the SIP transport with their parameters. The
// engine calls it after creating the transport and before binding any
// socket.
type TransportSetup interface {
	SetupTransport(tr *sip.Transport) error
}

// SocketOwner is implemented by modules that own the listeners of their
// own protocols (proto_hep: hep_udp, hep_tcp). The engine hands them the
// socket= definitions of those protocols instead of binding them as SIP
// sockets, after Init and before Start; port 0 means the module's default.
type SocketOwner interface {
	SocketProtos() []string
	ListenSocket(proto, host string, port int) error
}
