package sip

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"strconv"
	"sync"
	"time"
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
	if u.IsSecure() && t.Proto == ProtoWS {
		t.Proto = ProtoWSS // RFC 7118 §5.2: sips with transport=ws
	}
	if maddr, ok := u.Param("maddr"); ok && maddr != "" {
		t.Host = maddr
	}
	return t, nil
}

// Resolver turns targets into addresses. The zero value uses
// net.DefaultResolver, no SRV lookups, a 5s lookup timeout and the default
// cache lifetimes. It must not be copied after first use.
type Resolver struct {
	R *net.Resolver
	// SRV enables _sip._proto SRV lookups for names without a port.
	SRV bool
	// Timeout bounds one lookup (default 5s); a lookup that times out
	// fails like an unknown name.
	Timeout time.Duration
	// PosTTL is how long answers are kept (default 60s), NegTTL how long
	// failures are (default 10s), so that a dead or slow DNS server costs
	// one timeout per name and period, not one per request.
	PosTTL, NegTTL time.Duration

	mu    sync.Mutex
	cache map[dnsKey]*dnsEntry
}

type dnsKey struct {
	srv  bool // an SRV query (name is _service._proto.host), else A/AAAA
	name string
}

// dnsEntry is one cached or in-flight lookup; done is closed when the
// result fields are set.
type dnsEntry struct {
	done    chan struct{}
	expires time.Time
	srvs    []*net.SRV
	addrs   []netip.Addr
	err     error
}

// maxDNSCache bounds the cache; past it expired entries are dropped, and
// if none are, the whole cache.
const maxDNSCache = 10000

// lookup returns the cached answer for k, or runs q once for all the
// callers asking at the same time. The query runs detached from the
// caller's context, bounded by the lookup timeout, so a caller giving up
// does not fail the others.
func (r *Resolver) lookup(ctx context.Context, k dnsKey, q func(context.Context, *dnsEntry)) (*dnsEntry, error) {
	now := time.Now()
	r.mu.Lock()
	if r.cache == nil {
		r.cache = make(map[dnsKey]*dnsEntry)
	}
	e := r.cache[k]
	if e != nil {
		select {
		case <-e.done:
			if now.After(e.expires) {
				e = nil
			}
		default: // in flight: wait for it
		}
	}
	if e == nil {
		if len(r.cache) >= maxDNSCache {
			r.pruneLocked(now)
		}
		e = &dnsEntry{done: make(chan struct{})}
		r.cache[k] = e
		go func() {
			timeout := r.Timeout
			if timeout <= 0 {
				timeout = 5 * time.Second
			}
			qctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), timeout)
			defer cancel()
			q(qctx, e)
			ttl := r.PosTTL
			if ttl <= 0 {
				ttl = time.Minute
			}
			if e.err != nil {
				if ttl = r.NegTTL; ttl <= 0 {
					ttl = 10 * time.Second
				}
			}
			e.expires = time.Now().Add(ttl)
			close(e.done)
		}()
	}
	r.mu.Unlock()
	select {
	case <-e.done:
		return e, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

func (r *Resolver) pruneLocked(now time.Time) {
	for k, e := range r.cache {
		select {
		case <-e.done:
			if now.After(e.expires) {
				delete(r.cache, k)
			}
		default:
		}
	}
	if len(r.cache) >= maxDNSCache {
		clear(r.cache)
	}
}

// Resolve returns the destination for t: numeric hosts need no lookup,
// names are resolved (SRV when enabled and no port, then A/AAAA, IPv4
// preferred), through the cache.
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
		e, err := r.lookup(ctx, dnsKey{true, "_" + service + "._" + proto + "." + host}, func(qctx context.Context, e *dnsEntry) {
			_, e.srvs, e.err = res.LookupSRV(qctx, service, proto, host)
		})
		if err != nil {
			return d, fmt.Errorf("resolve %s: %w", host, err)
		}
		if e.err == nil && len(e.srvs) > 0 {
			// Lowest priority first (net sorts by priority and weight).
			host, port = trimDot(e.srvs[0].Target), int(e.srvs[0].Port)
		} else if isTimeout(e.err) {
			return d, fmt.Errorf("resolve %s: srv: %w", host, e.err)
		}
	}
	if port == 0 {
		port = t.Proto.DefaultPort()
	}
	e, err := r.lookup(ctx, dnsKey{false, host}, func(qctx context.Context, e *dnsEntry) {
		e.addrs, e.err = res.LookupNetIP(qctx, "ip", host)
	})
	if err != nil {
		return d, fmt.Errorf("resolve %s: %w", host, err)
	}
	if e.err != nil {
		return d, fmt.Errorf("resolve %s: %w", host, e.err)
	}
	addrs := e.addrs
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

// isTimeout reports whether a lookup failed by timing out (the server did
// not answer), rather than by the name not existing.
func isTimeout(err error) bool {
	var de *net.DNSError
	return err != nil && (errors.Is(err, context.DeadlineExceeded) || errors.As(err, &de) && de.IsTimeout)
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
