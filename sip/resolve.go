package sip

import (
	"context"
	"fmt"
	"net"
	"net/netip"
	"strconv"
)

// Target is a next hop before name resolution.
type Target struct {
	Proto Proto
	Host  string // without IPv6 brackets
	Port  int    // 0 = not given (SRV may apply)
}

// NextHop picks the next hop of a request: duri ($du) when set, else ruri.
// The transport comes from the transport parameter (sips means TLS), maddr
// overrides the host (RFC 3261 §19.1.1).
func NextHop(ruri, duri string) (Target, error) {
	s := duri
	if s == "" {
		s = ruri
	}
	u, err := ParseURI(s)
	if err != nil {
		return Target{}, fmt.Errorf("next hop %q: %w", s, err)
	}
	return TargetOf(&u)
}

// TargetOf returns the next hop named by a URI.
func TargetOf(u *URI) (Target, error) {
	if u.IsTel() {
		return Target{}, fmt.Errorf("next hop: tel uri %q has no host", u.User)
	}
	t := Target{Proto: ProtoUDP, Host: u.HostNoBrackets(), Port: u.Port}
	if tr := u.Transport(); tr != "" {
		t.Proto = ParseProto(tr)
		if t.Proto == ProtoNone {
			return t, fmt.Errorf("next hop: unknown transport %q", tr)
		}
	}
	if u.IsSecure() && t.Proto == ProtoTCP || u.IsSecure() && t.Proto == ProtoUDP {
		t.Proto = ProtoTLS
	}
	if maddr, ok := u.Param("maddr"); ok && maddr != "" {
		t.Host = maddr
	}
	return t, nil
}

// Resolver turns targets into addresses. The zero value uses
// net.DefaultResolver and no SRV lookups.
type Resolver struct {
	R *net.Resolver
	// SRV enables _sip._proto SRV lookups for names without a port.
	SRV bool
}

// Resolve returns the destination for t: numeric hosts need no lookup,
// names are resolved (SRV when enabled and no port, then A/AAAA, IPv4
// preferred).
func (r *Resolver) Resolve(ctx context.Context, t Target) (Dest, error) {
	d := Dest{Proto: t.Proto}
	port := t.Port
	if a, err := netip.ParseAddr(t.Host); err == nil {
		if port == 0 {
			port = t.Proto.DefaultPort()
		}
		d.Addr = netip.AddrPortFrom(a.Unmap(), uint16(port))
		return d, nil
	}
	d.Host = t.Host
	res := r.R
	if res == nil {
		res = net.DefaultResolver
	}
	host := t.Host
	if port == 0 && r.SRV {
		service := "sip"
		proto := t.Proto.String()
		if t.Proto == ProtoTLS {
			service, proto = "sips", "tcp"
		}
		if _, srvs, err := res.LookupSRV(ctx, service, proto, host); err == nil && len(srvs) > 0 {
			host, port = trimDot(srvs[0].Target), int(srvs[0].Port)
		}
	}
	if port == 0 {
		port = t.Proto.DefaultPort()
	}
	addrs, err := res.LookupNetIP(ctx, "ip", host)
	if err != nil {
		return d, fmt.Errorf("resolve %s: %w", host, err)
	}
	if len(addrs) == 0 {
		return d, fmt.Errorf("resolve %s: no addresses", host)
	}
	best := addrs[0]
	for _, a := range addrs {
		if a.Unmap().Is4() {
			best = a
			break
		}
	}
	d.Addr = netip.AddrPortFrom(best.Unmap(), uint16(port))
	return d, nil
}

// ResolveURI is NextHop + Resolve.
func (r *Resolver) ResolveURI(ctx context.Context, ruri, duri string) (Dest, error) {
	t, err := NextHop(ruri, duri)
	if err != nil {
		return Dest{}, err
	}
	return r.Resolve(ctx, t)
}

// ParseDest parses "[proto:]host[:port]" as used by forward() and
// force_send_socket, resolving names with r.
func (r *Resolver) ParseDest(ctx context.Context, s string) (Dest, error) {
	t := Target{Proto: ProtoUDP}
	if c := indexByte(s, ':'); c > 0 {
		if p := ParseProto(s[:c]); p != ProtoNone {
			t.Proto = p
			s = s[c+1:]
		}
	}
	host, port, err := splitHostPort(s)
	if err != nil {
		return Dest{}, fmt.Errorf("destination %q: %w", s, err)
	}
	t.Host, t.Port = host, port
	return r.Resolve(ctx, t)
}

func trimDot(s string) string {
	if len(s) > 0 && s[len(s)-1] == '.' {
		return s[:len(s)-1]
	}
	return s
}

// String formats the target as "proto:host:port".
func (t Target) String() string {
	h := t.Host
	if indexByte(h, ':') >= 0 {
		h = "[" + h + "]"
	}
	return t.Proto.String() + ":" + h + ":" + strconv.Itoa(t.Port)
}
