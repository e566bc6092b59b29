package sip

// Routing state the script keeps on the message and that branches inherit
// (OpenSIPS keeps it on sip_msg too).

// DstURI returns the destination URI ($du), "" when unset.
func (m *Msg) DstURI() string { return m.dstURI }

// SetDstURI sets the destination URI; "" resets it.
func (m *Msg) SetDstURI(u string) { m.dstURI = u }

// ForcedSocket returns the socket set by force_send_socket, or nil.
func (m *Msg) ForcedSocket() *Socket { return m.forced }

// SetForcedSocket forces the outgoing socket; nil lets the transport pick.
func (m *Msg) SetForcedSocket(s *Socket) { m.forced = s }

// NextHop returns where the request goes next: $du if set, else the current
// Request-URI.
func (m *Msg) NextHop() (Target, error) { return NextHop(m.RURI(), m.dstURI) }
