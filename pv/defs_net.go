package pv

import (
	"net/netip"
	"strconv"
	"strings"

	"gosips/api"
	"gosips/sip"
)

// srcInfo returns the source address of the message and its printed IP
// and port, cached when the runtime offers a MsgCache.
func srcInfo(c *api.Ctx) (ip, port string, ap netip.AddrPort, ok bool) {
	m := msgOf(c)
	if m == nil || m.Recv() == nil || !m.Recv().Src.IsValid() {
		return "", "", ap, false
	}
	ap = m.Recv().Src
	mc := cacheOf(c)
	if mc != nil && mc.srcOK && mc.src == ap {
		return mc.srcIP, mc.srcPort, ap, true
	}
	ip = ap.Addr().Unmap().String()
	port = portStr(int(ap.Port()))
	if mc != nil {
		mc.src, mc.srcIP, mc.srcPort, mc.srcOK = ap, ip, port, true
	}
	return ip, port, ap, true
}

func portStr(p int) string {
	switch p {
	case 5060:
		return str5060
	case 5061:
		return str5061
	}
	return strconv.Itoa(p)
}

func getSrcIP(c *api.Ctx, _ *Spec) (api.Value, error) {
	ip, _, _, ok := srcInfo(c)
	if !ok {
		return api.Null, nil
	}
	return api.StrValue(ip), nil
}

func getSrcPort(c *api.Ctx, _ *Spec) (api.Value, error) {
	_, port, ap, ok := srcInfo(c)
	if !ok {
		return api.Null, nil
	}
	return intText(int64(ap.Port()), port), nil
}

// rcvSocket returns the socket the message came in on and the local
// address it arrived at.
func rcvSocket(c *api.Ctx) (*sip.Socket, netip.AddrPort, sip.Proto) {
	m := msgOf(c)
	if m == nil || m.Recv() == nil {
		return nil, netip.AddrPort{}, sip.ProtoNone
	}
	r := m.Recv()
	return r.Socket, r.Local, r.Proto
}

// sockView is what the $socket_in/$socket_out fields read.
type sockView struct {
	sock  *sip.Socket
	local netip.AddrPort
	proto sip.Proto
}

func (v sockView) valid() bool { return v.sock != nil || v.local.IsValid() }

func (v sockView) ip() string {
	if v.sock != nil && v.sock.IP != "" && v.sock.IP != "*" {
		return v.sock.IP
	}
	if v.local.IsValid() {
		return v.local.Addr().Unmap().String()
	}
	return ""
}

func (v sockView) port() int {
	if v.local.IsValid() && (v.sock == nil || v.sock.Port == 0) {
		return int(v.local.Port())
	}
	if v.sock != nil {
		return v.sock.Port
	}
	return 0
}

func (v sockView) protocol() sip.Proto {
	if v.sock != nil && v.sock.Proto != sip.ProtoNone {
		return v.sock.Proto
	}
	return v.proto
}

// String prints the socket as OpenSIPS does: "udp:10.0.0.1:5060".
func (v sockView) String() string {
	ip := v.ip()
	if len(ip) > 0 && ip[0] != '[' && strings.IndexByte(ip, ':') >= 0 {
		ip = "[" + ip + "]"
	}
	return v.protocol().String() + ":" + ip + ":" + strconv.Itoa(v.port())
}

// field returns one $socket_in(field) value.
func (v sockView) field(name string) api.Value {
	switch name {
	case "", "sock":
		return api.StrValue(v.String())
	case "ip":
		return strOrNull(v.ip())
	case "port":
		return intVal(int64(v.port()))
	case "proto":
		p := v.protocol()
		return intText(int64(p), p.String())
	case "advertised_ip":
		if v.sock != nil && v.sock.AdvHost != "" {
			return api.StrValue(v.sock.AdvHost)
		}
		return api.Null
	case "advertised_port":
		if v.sock != nil && v.sock.AdvPort != 0 {
			return intVal(int64(v.sock.AdvPort))
		}
		return api.Null
	case "tag":
		if v.sock != nil {
			return strOrNull(v.sock.Tag)
		}
		return api.Null
	case "anycast":
		return intText(0, "0")
	case "af":
		if a, err := netip.ParseAddr(v.ip()); err == nil && a.Is6() && !a.Is4In6() {
			return api.StrValue("INET6")
		}
		return api.StrValue("INET")
	}
	return api.Null
}

func getSocketIn(c *api.Ctx, s *Spec) (api.Value, error) {
	sock, local, proto := rcvSocket(c)
	v := sockView{sock: sock, local: local, proto: proto}
	if !v.valid() {
		return api.Null, nil
	}
	field, _ := s.Parsed.(string)
	return v.field(field), nil
}

// socketInField is a legacy alias of one $socket_in field ($Ri, $Rp...).
func socketInField(field string) func(*api.Ctx, *Spec) (api.Value, error) {
	return func(c *api.Ctx, _ *Spec) (api.Value, error) {
		sock, local, proto := rcvSocket(c)
		v := sockView{sock: sock, local: local, proto: proto}
		if !v.valid() {
			return api.Null, nil
		}
		return v.field(field), nil
	}
}

// getSocketOut reads the forced socket, or the receiving socket when none
// is forced; $socket_out(forced) tells which (1 or 0).
func getSocketOut(c *api.Ctx, s *Spec) (api.Value, error) {
	field, _ := s.Parsed.(string)
	forced := c != nil && c.ForceSocket != nil
	if field == "forced" {
		if forced {
			return intText(1, "1"), nil
		}
		return intText(0, "0"), nil
	}
	var v sockView
	if forced {
		v = sockView{sock: c.ForceSocket, proto: c.ForceSocket.Proto}
	} else {
		sock, local, proto := rcvSocket(c)
		v = sockView{sock: sock, local: local, proto: proto}
	}
	if !v.valid() {
		return api.Null, nil
	}
	return v.field(field), nil
}

// getForcedSocket is the legacy $fs: the forced socket only.
func getForcedSocket(c *api.Ctx, _ *Spec) (api.Value, error) {
	if c == nil || c.ForceSocket == nil {
		return api.Null, nil
	}
	return api.StrValue(sockView{sock: c.ForceSocket}.String()), nil
}

// setSocketOut implements "$socket_out = "proto:host:port"" (as
// force_send_socket); NULL drops the forced socket.
func setSocketOut(c *api.Ctx, s *Spec, v api.Value) error {
	if v.IsNull() {
		c.ForceSocket = nil
		return nil
	}
	str, err := valueStr(s, v)
	if err != nil {
		return err
	}
	sock, err := sip.ParseSocket(str)
	if err != nil {
		return errf(s, err.Error())
	}
	var f SocketFinder
	if sf, ok := ctxPriv[SocketFinder](c); ok {
		f = sf
	} else if sf, ok := c.Core.(SocketFinder); ok {
		f = sf
	}
	if f == nil {
		c.ForceSocket = &sock
		return nil
	}
	port := sock.Port
	if !explicitPort(str) {
		port = 0
	}
	found := f.FindSocket(sock.Proto, sock.IP, port)
	if found == nil {
		return errf(s, "no listening socket matches "+quote(str))
	}
	c.ForceSocket = found
	return nil
}

// explicitPort reports whether a "[proto:]host[:port]" text names its
// port (ParseSocket fills in the default otherwise).
func explicitPort(s string) bool {
	if c := strings.IndexByte(s, ':'); c > 0 && sip.ParseProto(s[:c]) != sip.ProtoNone {
		s = s[c+1:]
	}
	if strings.HasPrefix(s, "[") {
		return strings.Contains(s, "]:")
	}
	return strings.Count(s, ":") == 1
}

// getProxyProtocol reads a field of the proxy protocol header, which gosips
// does not accept: always NULL.
func getProxyProtocol(*api.Ctx, *Spec) (api.Value, error) { return api.Null, nil }
