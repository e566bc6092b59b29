package pv

import (
	"context"
	"net"
	"net/netip"
	"strings"

	"gosips/api"
)

func init() {
	bool01 := func(b bool) api.Value {
		if b {
			return IntStr(1)
		}
		return IntStr(0)
	}
	test := func(name string, f func(string) bool) TransDef {
		return TransDef{Class: "ip", Name: name, Apply: func(in api.Value, _ []api.Value) (api.Value, error) {
			s, err := inputStr(in)
			if err != nil {
				return api.Null, err
			}
			return bool01(f(s)), nil
		}}
	}
	RegisterTrans(
		TransDef{Class: "ip", Name: "family", Apply: func(in api.Value, _ []api.Value) (api.Value, error) {
			switch len(Str(in)) {
			case 4:
				return api.StrValue("INET"), nil
			case 16:
				return api.StrValue("INET6"), nil
			}
			return api.Null, transErr("binary address expected")
		}},
		TransDef{Class: "ip", Name: "ntop", Apply: func(in api.Value, _ []api.Value) (api.Value, error) {
			a, ok := netip.AddrFromSlice([]byte(Str(in)))
			if !ok {
				return api.Null, transErr("binary address expected")
			}
			return api.StrValue(a.String()), nil
		}},
		TransDef{Class: "ip", Name: "pton", Apply: func(in api.Value, _ []api.Value) (api.Value, error) {
			a, ok := parseIP(Str(in))
			if !ok {
				return api.Null, transErr("invalid IP %q", Str(in))
			}
			b := a.AsSlice()
			return api.StrValue(string(b)), nil
		}},
		test("isip", func(s string) bool { _, ok := parseIP(s); return ok }),
		test("isip4", func(s string) bool { a, ok := parseIP(s); return ok && a.Is4() }),
		test("isip6", func(s string) bool { a, ok := parseIP(s); return ok && a.Is6() }),
		test("isprivate", isPrivate),
		TransDef{Class: "ip", Name: "matches", MinArgs: 1, MaxArgs: 1, Apply: ipMatches},
		resolveDef("resolve", "ip"),
		resolveDef("resolve4", "ip4"),
		resolveDef("resolve6", "ip6"),
	)
}

// parseIP accepts IPv4 and IPv6 text, IPv6 also in brackets.
func parseIP(s string) (netip.Addr, bool) {
	if len(s) > 2 && s[0] == '[' && s[len(s)-1] == ']' {
		s = s[1 : len(s)-1]
	}
	a, err := netip.ParseAddr(s)
	if err != nil || a.Zone() != "" {
		return netip.Addr{}, false
	}
	return a, true
}

var privateNets = []netip.Prefix{
	netip.MustParsePrefix("10.0.0.0/8"),
	netip.MustParsePrefix("172.16.0.0/12"),
	netip.MustParsePrefix("192.168.0.0/16"),
	netip.MustParsePrefix("100.64.0.0/10"),
	netip.MustParsePrefix("127.0.0.0/8"),
}

// isPrivate: RFC 1918, RFC 6598 shared space and loopback, IPv4 only.
func isPrivate(s string) bool {
	a, ok := parseIP(s)
	if !ok || !a.Is4() {
		return false
	}
	for _, p := range privateNets {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

func ipMatches(in api.Value, a []api.Value) (api.Value, error) {
	ip, ok := parseIP(Str(in))
	if !ok {
		return api.Null, transErr("invalid IP %q", Str(in))
	}
	netStr, err := argStr(a[0], "network")
	if err != nil {
		return api.Null, err
	}
	slash := strings.IndexByte(netStr, '/')
	if slash < 0 {
		return api.Null, transErr("network %q is not in ip/len form", netStr)
	}
	nip, ok := parseIP(netStr[:slash])
	if !ok {
		return api.Null, transErr("invalid network address %q", netStr)
	}
	bits, ok := strictInt(netStr[slash+1:])
	if !ok || bits < 0 || int(bits) > nip.BitLen() {
		return api.Null, transErr("invalid mask length in %q", netStr)
	}
	if ip.Is4() != nip.Is4() {
		return api.Null, transErr("address families differ")
	}
	p, err := nip.Prefix(int(bits))
	if err != nil {
		return api.Null, transErr("invalid network %q", netStr)
	}
	if p.Contains(ip) {
		return IntStr(1), nil
	}
	return IntStr(0), nil
}

// resolveDef looks a host up with the message's context; an address is
// returned as is, an unresolvable name gives NULL.
func resolveDef(name, network string) TransDef {
	resolve := func(ctx context.Context, in api.Value) (api.Value, error) {
		host := Str(in)
		if a, ok := parseIP(host); ok {
			return api.StrValue(a.String()), nil
		}
		if ctx == nil {
			ctx = context.Background()
		}
		ips, err := net.DefaultResolver.LookupIP(ctx, network, host)
		if err != nil || len(ips) == 0 {
			return api.Null, nil
		}
		return api.StrValue(ips[0].String()), nil
	}
	return TransDef{Class: "ip", Name: name,
		Apply: func(in api.Value, _ []api.Value) (api.Value, error) { return resolve(context.Background(), in) },
		Prepare: func([]TransArg, func(*Spec) error) (Applier, error) {
			return func(c *api.Ctx, in api.Value, _ []api.Value) (api.Value, error) {
				var ctx context.Context
				if c != nil {
					ctx = c.Context
				}
				return resolve(ctx, in)
			}, nil
		}}
}
