package core

import (
	"strconv"

	"gosips/api"
	"gosips/sip"
)

// advKey is the slot of the per-message advertised address.
type advKey struct{}

// advertised is what set_advertised_address/port() chose for one message.
type advertised struct {
	host string
	port int
}

func advOf(c *api.Ctx) advertised {
	a, _ := c.Slot(advKey{}).(advertised)
	return a
}

// AdvertisedAddr returns the host and port to write in Via, Record-Route
// and Contact for socket s while processing c: the per-message values of
// set_advertised_address()/set_advertised_port(), else the socket's
// advertised ("as") or bound address.
func AdvertisedAddr(c *api.Ctx, s *sip.Socket) (host string, port int) {
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

// setAdvertisedAddress is set_advertised_address(addr).
func setAdvertisedAddress(c *api.Ctx, args []any) api.Ret {
	h := StrArg(args[0])
	if h == "" {
		return api.RetFalse
	}
	a := advOf(c)
	a.host = h
	c.SetSlot(advKey{}, a)
	return api.RetTrue
}

// setAdvertisedPort is set_advertised_port(port).
func setAdvertisedPort(c *api.Ctx, args []any) api.Ret {
	p, err := strconv.Atoi(StrArg(args[0]))
	if err != nil || p < 1 || p > 65535 {
		c.Log.Error("set_advertised_port: bad port", "port", args[0])
		return api.RetFalse
	}
	a := advOf(c)
	a.port = p
	c.SetSlot(advKey{}, a)
	return api.RetTrue
}
