package api

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"gosips/lang/diag"
)

// Call-time argument helpers shared by modules. A fixup only runs on
// literal arguments, so a function receives either its fixup's type or
// the evaluated value of a variable (int64 or string); these accept both.

// IntFixed is implemented by the fixed forms of integer arguments (a
// reply code, a flag index, a log level...), so that IntArg reads them.
type IntFixed interface{ ArgInt() int64 }

// IntArg returns an integer argument: int64, int or an IntFixed.
func IntArg(a any) (int64, bool) {
	switch v := a.(type) {
	case int64:
		return v, true
	case int:
		return int64(v), true
	case IntFixed:
		return v.ArgInt(), true
	}
	return 0, false
}

// StrArg returns a string argument ("" when omitted or of another type).
func StrArg(a any) string {
	s, _ := a.(string)
	return s
}

// ReplyCode is the fixed form of a reply-code argument.
type ReplyCode int

// ArgInt makes ReplyCode an IntFixed.
func (r ReplyCode) ArgInt() int64 { return int64(r) }

// ReplyCodeFixup checks a literal SIP reply code is within 100..699
// (sl_send_reply, send_reply, t_reply...).
func ReplyCodeFixup(fc *FixupCtx, a *FixArg) error {
	if a.Int < 100 || a.Int > 699 {
		return fmt.Errorf("reply code %d out of range (allowed 100-699)", a.Int)
	}
	a.Fixed = ReplyCode(a.Int)
	return nil
}

// unknownName is the error for a name not in candidates, with a
// did-you-mean hint.
func unknownName(what, got string, candidates []string) error {
	if h := diag.DidYouMean(got, candidates); h != "" {
		return fmt.Errorf("unknown %s %q (%s)", what, got, h)
	}
	return fmt.Errorf("unknown %s %q", what, got)
}

// ParseNamedFlags parses a comma-separated list of flag names (OpenSIPS
// fixup_named_flags) into a bit set: names[i] sets bit i. Blanks around
// names are ignored; an empty string gives 0.
func ParseNamedFlags(s string, names []string) (uint32, error) {
	var bits uint32
	for _, f := range strings.Split(s, ",") {
		f = strings.TrimSpace(f)
		if f == "" {
			continue
		}
		i := slices.Index(names, f)
		if i < 0 {
			return 0, unknownName("flag", f, names)
		}
		bits |= 1 << i
	}
	return bits, nil
}

// FormatNamedFlags is the inverse of ParseNamedFlags.
func FormatNamedFlags(bits uint32, names []string) string {
	var out []string
	for i, n := range names {
		if bits&(1<<i) != 0 {
			out = append(out, n)
		}
	}
	return strings.Join(out, ",")
}

// ParseLegacyInt parses a decimal or 0x-hex number as old configs wrote
// bit masks ("0x02", "3").
func ParseLegacyInt(s string) (int64, bool) {
	s = strings.TrimSpace(s)
	var n int64
	var err error
	if h, ok := strings.CutPrefix(strings.ToLower(s), "0x"); ok && h != "" {
		_, err = fmt.Sscanf(h, "%x", &n)
		if err == nil && strings.Trim(h, "0123456789abcdef") != "" {
			return 0, false
		}
	} else {
		if s == "" || strings.Trim(s, "0123456789") != "" {
			return 0, false
		}
		_, err = fmt.Sscanf(s, "%d", &n)
	}
	return n, err == nil
}

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

// DestProtos are the transport names a destination may start with.
var DestProtos = []string{"udp", "tcp", "tls", "sctp", "ws", "wss", "bin", "bins", "hep_udp", "hep_tcp", "smpp", "msrp", "msrps", "ipsec"}

// ParseDest parses "[proto:]host[:port]".
func ParseDest(s string) (Dest, error) {
	var d Dest
	rest := strings.TrimSpace(s)
	if rest == "" {
		return d, fmt.Errorf("empty destination")
	}
	if i := strings.IndexByte(rest, ':'); i > 0 && !strings.HasPrefix(rest, "[") {
		if p := strings.ToLower(rest[:i]); slices.Contains(DestProtos, p) {
			d.Proto, rest = p, rest[i+1:]
		} else if strings.Count(rest, ":") > 1 {
			return d, unknownName("protocol", rest[:i], DestProtos)
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
