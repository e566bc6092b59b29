package hep

import (
	"net/netip"

	"gosips/sip"
)

// Dest is one hep_id of proto_hep: where traced packets go.
type Dest struct {
	Name      string
	Host      string
	Port      int
	Transport string // "udp", "tcp" or "tls"
	Version   int
}

// Received is a HEP packet that arrived on a hep_udp or hep_tcp socket.
type Received struct {
	Packet Packet
	// Proto is the socket's protocol ("hep_udp", "hep_tcp"); Src the
	// sender of the packet and Local the socket's address.
	Proto      string
	Src, Local netip.AddrPort
	// Raw is the packet as received.
	Raw []byte
}

// API is what proto_hep offers tracer and sipcapture (OpenSIPS'
// load_hep and trace_bind_api).
type API interface {
	// Dest returns the hep_id of that name.
	Dest(name string) (*Dest, bool)
	// NewDest parses a destination in hep_id syntax without a name
	// ("10.0.0.1:9060; transport=udp; version=3"), for dynamic tracing.
	NewDest(uri string) (*Dest, error)
	// Send encodes p for d's version and sends it.
	Send(d *Dest, p *Packet) error
	// SendRaw sends an encoded packet.
	SendRaw(d *Dest, b []byte) error
	// CaptureID is hep_capture_id.
	CaptureID() uint32
	// Homer5 reports homer5_on; Homer5Delim is homer5_delim.
	Homer5() bool
	Homer5Delim() string
	// Received returns the HEP packet m arrived in (nil when it did not).
	Received(m *sip.Msg) *Received
	// OnReceive registers a callback run for every received packet before
	// the script (register_hep_cb); returning false keeps the packet's
	// payload from the script.
	OnReceive(f func(r *Received, m *sip.Msg) bool)
}
