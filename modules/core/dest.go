package core

import (
	"fmt"
	"strconv"
	"strings"
)

// Dest is a parsed "[proto:]host[:port]" destination (OpenSIPS
// parse_phostport): forward(), send(), force_send_socket(), t_relay()'s
// outbound proxy.
type Dest struct {
	Proto string // "" when omitted; lower case
	Host  string // IPv6 addresses keep their brackets
	Port  int    // 0 when omitted
}

func (d Dest) String() string {
	s := d.Host
	if d.Proto != "" {
		s = d.Proto + ":" + s
	}
	if d.Port != 0 {
		s += ":" + strconv.Itoa(d.Port)
	}
	return s
}

// Protos are the transport names a destination may start with.
var Protos = []string{"udp", "tcp", "tls", "sctp", "ws", "wss", "bin", "bins", "hep_udp", "hep_tcp", "smpp", "msrp", "msrps", "ipsec"}

// ParseDest parses "[proto:]host[:port]".
func ParseDest(s string) (Dest, error) {
	var d Dest
	rest := strings.TrimSpace(s)
	if rest == "" {
		return d, fmt.Errorf("empty destination")
	}
	if i := strings.IndexByte(rest, ':'); i > 0 && !strings.HasPrefix(rest, "[") {
		if p := strings.ToLower(rest[:i]); contains(Protos, p) {
			d.Proto, rest = p, rest[i+1:]
		} else if strings.Count(rest, ":") > 1 {
			return d, unknown("protocol", rest[:i], Protos)
		}
	}
	host, port := rest, ""
	if strings.HasPrefix(rest, "[") {
		end := strings.IndexByte(rest, ']')
		if end < 0 {
			return d, fmt.Errorf("unterminated IPv6 reference in %q", s)
		}
		host, port = rest[:end+1], strings.TrimPrefix(rest[end+1:], ":")
		if end+1 < len(rest) && rest[end+1] != ':' {
			return d, fmt.Errorf("unexpected %q after IPv6 reference in %q", rest[end+1:], s)
		}
	} else if i := strings.LastIndexByte(rest, ':'); i >= 0 {
		host, port = rest[:i], rest[i+1:]
	}
	if host == "" || strings.ContainsAny(host, " \t;,/") {
		return d, fmt.Errorf("bad host in destination %q", s)
	}
	d.Host = host
	if port != "" {
		n, err := strconv.Atoi(port)
		if err != nil || n < 1 || n > 65535 {
			return d, fmt.Errorf("bad port %q in destination %q", port, s)
		}
		d.Port = n
	}
	return d, nil
}
