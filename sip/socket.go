package sip

import (
	"fmt"
	"net"
	"net/netip"
	"strconv"
	"strings"
)

// Proto is a SIP transport protocol.
type Proto uint8

// Transport protocols. UDP, TCP and TLS have listeners so far.
const (
	ProtoNone Proto = iota
	ProtoUDP
	ProtoTCP
	ProtoTLS
	ProtoSCTP
	ProtoWS
	ProtoWSS
)

var protoNames = [...]string{"", "udp", "tcp", "tls", "sctp", "ws", "wss"}

// String returns the lower-case name ("udp").
func (p Proto) String() string {
	if int(p) < len(protoNames) {
		return protoNames[p]
	}
	return "proto(" + strconv.Itoa(int(p)) + ")"
}

// ViaName returns the upper-case name used in Via ("UDP").
func (p Proto) ViaName() string { return strings.ToUpper(p.String()) }

// Reliable reports whether the transport is stream based.
func (p Proto) Reliable() bool { return p != ProtoUDP && p != ProtoNone }

// ParseProto maps "udp", "TCP"... to a Proto (ProtoNone if unknown).
func ParseProto(s string) Proto {
	for i, n := range protoNames {
		if i > 0 && eqFoldASCII(n, s) {
			return Proto(i)
		}
	}
	return ProtoNone
}

// DefaultPort returns 5061 for TLS, 80 for WS and 443 for WSS (the
// OpenSIPS defaults of ws_port and wss_port), 5060 otherwise.
func (p Proto) DefaultPort() int {
	switch p {
	case ProtoTLS:
		return 5061
	case ProtoWS:
		return 80
	case ProtoWSS:
		return 443
	}
	return 5060
}

// Socket is a listening socket as declared by "socket=" in the script.
type Socket struct {
	Proto Proto
	IP    string // address or host name as written; "*" or "" for any
	Port  int    // 0 = default port for Proto (an ephemeral one in tests: see Listener.Addr)
	// AdvHost/AdvPort come from "as host:port" and replace IP/Port in
	// Via, Record-Route and Contact.
	AdvHost string
	AdvPort int
	Workers int    // "use_workers N"; 0 = the transport's default
	Tag     string // "tag NAME"
}

// String formats the socket as "proto:ip:port".
func (s Socket) String() string {
	ip := s.IP
	if strings.IndexByte(ip, ':') >= 0 {
		ip = "[" + ip + "]"
	}
	return s.Proto.String() + ":" + ip + ":" + strconv.Itoa(s.Port)
}

// ParseSocket parses "[proto:]host[:port]" with optional trailing options
// "as host[:port]", "use_workers N", "tag NAME" (OpenSIPS socket= syntax).
func ParseSocket(def string) (Socket, error) {
	var s Socket
	fields := strings.Fields(def)
	if len(fields) == 0 {
		return s, fmt.Errorf("socket %q: empty", def)
	}
	addr := fields[0]
	// The protocol is optional ("listen=10.0.0.1"): ProtoNone then means
	// every loaded transport.
	if c := strings.IndexByte(addr, ':'); c > 0 {
		if p := ParseProto(addr[:c]); p != ProtoNone {
			s.Proto = p
			addr = addr[c+1:]
		}
	}
	host, port, err := splitHostPort(addr)
	if err != nil {
		return s, fmt.Errorf("socket %q: %w", def, err)
	}
	s.IP, s.Port = host, port
	if s.Port == 0 {
		s.Port = s.Proto.DefaultPort()
	}
	for i := 1; i < len(fields); i++ {
		opt := strings.ToLower(fields[i])
		if i+1 >= len(fields) {
			return s, fmt.Errorf("socket %q: option %q needs a value", def, fields[i])
		}
		val := fields[i+1]
		i++
		switch opt {
		case "as":
			h, p, err := splitHostPort(val)
			if err != nil {
				return s, fmt.Errorf("socket %q: as: %w", def, err)
			}
			s.AdvHost, s.AdvPort = h, p
		case "use_workers":
			n, err := strconv.Atoi(val)
			if err != nil || n <= 0 {
				return s, fmt.Errorf("socket %q: use_workers: bad count %q", def, val)
			}
			s.Workers = n
		case "tag":
			s.Tag = val
		default:
			return s, fmt.Errorf("socket %q: unknown option %q", def, fields[i-1])
		}
	}
	return s, nil
}

// splitHostPort splits "host", "host:port", "[v6]" or "[v6]:port".
func splitHostPort(s string) (string, int, error) {
	if s == "" {
		return "", 0, fmt.Errorf("missing host")
	}
	host, portStr := s, ""
	if s[0] == '[' {
		j := strings.IndexByte(s, ']')
		if j < 0 {
			return "", 0, fmt.Errorf("unterminated ipv6 address %q", s)
		}
		host = s[1:j]
		if rest := s[j+1:]; rest != "" {
			if rest[0] != ':' {
				return "", 0, fmt.Errorf("bad address %q", s)
			}
			portStr = rest[1:]
		}
	} else if c := strings.LastIndexByte(s, ':'); c >= 0 {
		if strings.IndexByte(s[:c], ':') >= 0 {
			// A bare IPv6 address without brackets has no port.
			host = s
		} else {
			host, portStr = s[:c], s[c+1:]
		}
	}
	port := 0
	if portStr != "" {
		p, err := strconv.Atoi(portStr)
		if err != nil || p < 0 || p > 65535 {
			return "", 0, fmt.Errorf("bad port %q", portStr)
		}
		port = p
	}
	return host, port, nil
}

// RecvInfo describes where a message came from.
type RecvInfo struct {
	Proto Proto
	Src   netip.AddrPort // remote address
	Local netip.AddrPort // local address the message arrived on
	// Socket is the listener's definition (nil for messages built locally).
	Socket *Socket
	conn   *tcpConn // stream connection, for replies
	lst    *listener
}

// ConnID identifies the stream connection a message came on (0 for UDP).
func (r *RecvInfo) ConnID() uint64 {
	if r == nil || r.conn == nil {
		return 0
	}
	return r.conn.id
}

// Dest is where to send a message.
type Dest struct {
	Proto Proto
	Addr  netip.AddrPort
	// Socket forces the outgoing socket (force_send_socket); nil picks
	// one by protocol and address family.
	Socket *Socket
	// ConnID prefers an existing stream connection (replies on the
	// connection the request came on).
	ConnID uint64
	// Host is the next hop's host name when it was resolved from one
	// (TLS server name and client domain matching); "" for addresses.
	Host string
}

func (d Dest) String() string { return d.Proto.String() + ":" + d.Addr.String() }

// AdvertisedHost returns the address to put in Via/Record-Route for s.
func (s *Socket) AdvertisedHost() string {
	if s.AdvHost != "" {
		return s.AdvHost
	}
	return s.IP
}

// AdvertisedPort returns the port to put in Via/Record-Route for s.
func (s *Socket) AdvertisedPort() int {
	if s.AdvPort != 0 {
		return s.AdvPort
	}
	return s.Port
}

// listenIP turns "*" and "" into the unspecified address and a network
// interface name ("socket=udp:eth0") into its first address, IPv4 first;
// other names are left to the resolver.
func listenIP(host string) (string, error) {
	if host == "*" || host == "" {
		return "0.0.0.0", nil
	}
	if _, err := netip.ParseAddr(host); err == nil {
		return host, nil
	}
	ifi, err := net.InterfaceByName(host)
	if err != nil {
		return host, nil
	}
	addrs, err := ifi.Addrs()
	if err != nil {
		return "", fmt.Errorf("interface %s: %w", host, err)
	}
	var v6 string
	for _, a := range addrs {
		ipn, ok := a.(*net.IPNet)
		if !ok {
			continue
		}
		if ipn.IP.To4() != nil {
			return ipn.IP.String(), nil
		}
		if v6 == "" && !ipn.IP.IsLinkLocalUnicast() {
			v6 = ipn.IP.String()
		}
	}
	if v6 == "" {
		return "", fmt.Errorf("interface %s has no usable address", host)
	}
	return v6, nil
}
