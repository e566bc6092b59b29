package core

import (
	"strconv"

	"gosips/api"
)

// setAdvertisedAddress is set_advertised_address(addr).
func setAdvertisedAddress(c *api.Ctx, args []any) api.Ret {
	h := api.StrArg(args[0])
	if h == "" {
		return api.RetFalse
	}
	api.SetAdvertisedHost(c, h)
	return api.RetTrue
}

// setAdvertisedPort is set_advertised_port(port).
func setAdvertisedPort(c *api.Ctx, args []any) api.Ret {
	p, err := strconv.Atoi(api.StrArg(args[0]))
	if err != nil || p < 1 || p > 65535 {
		c.Log.Error("set_advertised_port: bad port", "port", args[0])
		return api.RetFalse
	}
	api.SetAdvertisedPort(c, p)
	return api.RetTrue
}
