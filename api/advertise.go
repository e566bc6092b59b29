package api

import "gosips/sip"

// advKey is the Ctx slot of the per-message advertised address.
type advKey struct{}

// advertised is what set_advertised_address/port() chose for one message.
type advertised struct {
	host string
	port int
}

func advOf(c *Ctx) advertised {
	a, _ := c.Slot(advKey{}).(advertised)
	return a
}

// SetAdvertisedHost sets the host written for this message
// (set_advertised_address).
func SetAdvertisedHost(c *Ctx, host string) {
	a := advOf(c)
	a.host = host
	c.SetSlot(advKey{}, a)
}

// SetAdvertisedPort sets the port written for this message
// (set_advertised_port).
func SetAdvertisedPort(c *Ctx, port int) {
	a := advOf(c)
	a.port = port
	c.SetSlot(advKey{}, a)
}

// AdvertisedAddr returns the host and port to write in Via, Record-Route
// and Contact for socket s while processing c: the per-message values of
// set_advertised_address()/set_advertised_port(), else the socket's
// advertised ("as") or bound address.
func AdvertisedAddr(c *Ctx, s *sip.Socket) (host string, port int) {
	if s != nil {
		host, port = s.AdvertisedHost(), s.AdvertisedPort()
	}
	if c != nil {
		a := advOf(c)
		if a.host != "" {
			host = a.host
		}
		if a.port != 0 {
			port = a.port
		}
	}
	return host, port
}
