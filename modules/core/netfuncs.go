package core

import (
	"net/netip"
	"strconv"
	"strings"

	"gosips/api"
	"gosips/sip"
)

// localRportKey is the slot set by add_local_rport().
type localRportKey struct{}

// LocalRport reports whether add_local_rport() asked for an rport
// parameter in the Via this proxy adds to the request of c.
func LocalRport(c *api.Ctx) bool { v, _ := c.Slot(localRportKey{}).(bool); return v }

// forceRport is force_rport(): replies go to the source port, as if the
// top Via carried rport (RFC 3581).
func forceRport(c *api.Ctx, _ []any) api.Ret {
	m := c.Msg
	if m == nil || !m.IsRequest() {
		return api.RetTrue
	}
	v, err := m.TopVia()
	if err != nil || v.HasRPort {
		return api.RetTrue
	}
	// Right after host[:port], where OpenSIPS writes a forced rport.
	at := v.End
	if i := strings.IndexByte(m.String()[v.Start:v.End], ';'); i >= 0 {
		at = v.Start + i
	}
	if err := m.ReplaceRange(at, at, ";rport"); err != nil {
		return api.RetFalse
	}
	// The reply path reads the top Via from the parsed message.
	m.ApplyChanges()
	return api.RetTrue
}

func addLocalRport(c *api.Ctx, _ []any) api.Ret {
	c.SetSlot(localRportKey{}, true)
	return api.RetTrue
}

// setViaHandling is set_via_handling(flags).
func setViaHandling(c *api.Ctx, args []any) api.Ret {
	var f uint32
	switch v := args[0].(type) {
	case NamedFlags:
		f = uint32(v)
	case string:
		f, _ = api.ParseNamedFlags(v, ViaFlags)
	}
	if f&1 != 0 {
		forceRport(c, nil)
	}
	if f&2 != 0 {
		addLocalRport(c, nil)
	}
	if f&8 != 0 {
		forceTCPAlias(c, []any{nil})
	}
	return api.RetTrue
}

// forceTCPAlias is force_tcp_alias([port]): requests to the source
// address of the message's stream connection and port (default: the top
// Via's port, else the protocol's default port) reuse that connection
// (RFC 5923). Nothing to do for datagrams.
func forceTCPAlias(c *api.Ctx, args []any) api.Ret {
	m := c.Msg
	if m == nil || m.Recv() == nil || !m.Recv().Proto.Reliable() {
		return api.RetTrue
	}
	port := 0
	if n, given := api.IntArg(args[0]); given {
		port = int(n)
	} else if v, err := m.TopVia(); err == nil {
		port = v.Port
	}
	if err := m.Recv().AddAlias(port); err != nil {
		if c.Log != nil {
			c.Log.Warn("tcp alias failed", "err", err)
		}
		return api.RetFalse
	}
	return api.RetTrue
}

// socketFinder is what force_send_socket() needs from the runtime.
type socketFinder interface {
	FindSocket(proto sip.Proto, host string, port int) *sip.Socket
}

// destArg reads a destination argument (fixed api.Dest or a string).
func destArg(a any) (api.Dest, bool) {
	switch v := a.(type) {
	case api.Dest:
		return v, true
	case string:
		d, err := api.ParseDest(v)
		return d, err == nil
	}
	return api.Dest{}, false
}

// findSocket looks a listening socket up by protocol, host and port.
func findSocket(c *api.Ctx, d api.Dest) *sip.Socket {
	proto := sip.ParseProto(d.Proto)
	if proto == sip.ProtoNone {
		proto = sip.ProtoUDP
	}
	host := strings.Trim(d.Host, "[]")
	if f, ok := c.Core.(socketFinder); ok {
		return f.FindSocket(proto, host, d.Port)
	}
	// Without a lookup, ask which socket would send there and check it.
	a, err := netip.ParseAddr(host)
	if err != nil {
		return nil
	}
	s := c.Core.OutSocket(sip.Dest{Proto: proto, Addr: netip.AddrPortFrom(a, uint16(d.Port))})
	if s != nil && (s.IP == host || s.AdvHost == host) && (d.Port == 0 || s.Port == d.Port) {
		return s
	}
	return nil
}

// forceSendSocket is force_send_socket("proto:ip:port").
func forceSendSocket(c *api.Ctx, args []any) api.Ret {
	d, ok := destArg(args[0])
	if !ok || c.Core == nil {
		return api.RetFalse
	}
	s := findSocket(c, d)
	if s == nil {
		c.Log.Error("force_send_socket: no such listening socket", "socket", d.String())
		return api.RetFalse
	}
	c.ForceSocket = s
	return api.RetTrue
}

// destURI turns a destination into a URI the core can resolve.
func destURI(d api.Dest) string {
	u := "sip:" + d.Host
	if d.Port != 0 {
		u += ":" + strconv.Itoa(d.Port)
	}
	if d.Proto != "" && d.Proto != "udp" {
		u += ";transport=" + d.Proto
	}
	return u
}

// resolveDest resolves an explicit destination, or $du / the R-URI.
func resolveDest(c *api.Ctx, d *api.Dest) (sip.Dest, error) {
	uri := c.DstURI
	if uri == "" {
		uri = c.RURI()
	}
	if d != nil && d.Host != "" {
		uri = destURI(*d)
	} else if d != nil && d.Port != 0 {
		// forward("uri:host", port): the R-URI host with another port.
		u, err := sip.ParseURI(uri)
		if err != nil {
			return sip.Dest{}, err
		}
		u.SetPort(d.Port)
		uri = u.String()
	}
	return c.Core.Resolve(c.Context, uri, c.ForceSocket)
}

// forward sends the request statelessly (RFC 3261 §16.11): our Via with
// a branch derived from the request, so that retransmissions match.
// Replies are relayed statelessly by the core once onreply_route ends, so
// forward() in onreply_route has nothing to add.
func (co *Core) forward(c *api.Ctx, d *api.Dest) api.Ret {
	m := c.Msg
	if m == nil || c.Core == nil {
		return api.RetFalse
	}
	if !m.IsRequest() {
		return api.RetTrue
	}
	dst, err := resolveDest(c, d)
	if err != nil {
		c.Log.Error("forward: cannot resolve the destination", "err", err)
		return api.RetFalse
	}
	sock := c.Core.OutSocket(dst)
	if sock == nil {
		c.Log.Error("forward: no socket to send from", "dest", dst.String())
		return api.RetFalse
	}
	dst.Socket = sock
	host, port := api.AdvertisedAddr(c, sock)
	m.SetVia(sip.FormatVia(sock.Proto.ViaName(), host, port, sip.StatelessBranch(m, 0), LocalRport(c)))
	m.SetSendSocket(sock)
	b := m.Bytes()
	if co.Blacklists().Blocked(c, dst, b) {
		m.SetVia("")
		m.SetSendSocket(nil)
		co.dropRequests.Inc()
		c.Log.Error("forward: destination blacklisted", "dest", dst.String())
		return api.RetFalse
	}
	err = c.Core.Send(dst, b)
	m.SetVia("")
	m.SetSendSocket(nil)
	if err != nil {
		co.dropRequests.Inc()
		c.Log.Error("forward: send failed", "dest", dst.String(), "err", err)
		return api.RetFalse
	}
	co.fwdRequests.Inc()
	return api.RetTrue
}

func (co *Core) forwardFn(proto string) func(*api.Ctx, []any) api.Ret {
	return func(c *api.Ctx, args []any) api.Ret {
		var d *api.Dest
		if args[0] != nil {
			x, ok := destArg(args[0])
			if !ok {
				return api.RetFalse
			}
			d = &x
		}
		if len(args) > 1 && args[1] != nil {
			port, ok := api.IntArg(args[1])
			if !ok {
				if p, err := strconv.Atoi(api.StrArg(args[1])); err == nil {
					port, ok = int64(p), true
				}
			}
			if ok && port != 0 {
				if d == nil {
					d = &api.Dest{}
				}
				d.Port = int(port)
			}
		}
		if proto != "" {
			if d == nil {
				d = &api.Dest{}
			}
			d.Proto = proto
			if d.Host == "" {
				if u, err := sip.ParseURI(c.RURI()); err == nil {
					d.Host = u.Host
					if d.Port == 0 {
						d.Port = u.Port
					}
				}
			}
		}
		return co.forward(c, d)
	}
}

// send is send(dest[, headers]): the message as it is, plus headers
// after the first line; no Via is added.
func send(c *api.Ctx, args []any) api.Ret {
	m := c.Msg
	d, ok := destArg(args[0])
	if m == nil || !ok || c.Core == nil {
		return api.RetFalse
	}
	dst, err := c.Core.Resolve(c.Context, destURI(d), c.ForceSocket)
	if err != nil {
		c.Log.Error("send: cannot resolve the destination", "err", err)
		return api.RetFalse
	}
	b := m.Bytes()
	if hdrs := api.StrArg(args[1]); hdrs != "" {
		nl := strings.IndexByte(string(b), '\n') + 1
		out := make([]byte, 0, len(b)+len(hdrs)+2)
		out = append(out, b[:nl]...)
		out = append(out, hdrs...)
		if !strings.HasSuffix(hdrs, "\n") {
			out = append(out, "\r\n"...)
		}
		b = append(out, b[nl:]...)
	}
	if err := c.Core.Send(dst, b); err != nil {
		c.Log.Error("send failed", "dest", dst.String(), "err", err)
		return api.RetFalse
	}
	return api.RetTrue
}

// sendLegacy is send_tcp(host[, port]).
func sendLegacy(c *api.Ctx, args []any) api.Ret {
	d := "tcp:" + api.StrArg(args[0])
	if p := api.StrArg(args[1]); p != "" {
		d += ":" + p
	}
	return send(c, []any{d, nil})
}

// isMyself is is_myself(host[, port]); host may also be a SIP URI.
func isMyself(c *api.Ctx, args []any) api.Ret {
	host := strings.TrimSpace(api.StrArg(args[0]))
	port, _ := api.IntArg(args[1])
	if u, err := sip.ParseURI(host); err == nil && strings.Contains(host, ":") && !strings.HasPrefix(host, "[") {
		host = u.Host
		if port == 0 {
			port = int64(u.Port)
		}
	}
	if c.Core != nil && host != "" && c.Core.IsMyself(host, int(port)) {
		return api.RetTrue
	}
	return api.RetFalse
}

// lenGt is the 1.x len_gt(n): the message is longer than n bytes.
func lenGt(c *api.Ctx, args []any) api.Ret {
	n, _ := api.IntArg(args[0])
	if n < 0 {
		n = sip.MaxMessageSize
	}
	if c.Msg != nil && int64(len(c.Msg.Bytes())) > n {
		return api.RetTrue
	}
	return api.RetFalse
}
