package mangler

import (
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"gosips/api"
)

// The lines OpenSIPS' mangler looks for (its STRICT_CHECK expressions):
// a media line with its port followed by a space, and an IPv4
// connection line ended by a space or a line end. Like OpenSIPS, "." in
// the address matches any character; such an address then fails to
// parse and the function returns -11.
var (
	portRE = regexp.MustCompile(`m=[a-z]+ ([0-9]{1,5}) `)
	ipRE   = regexp.MustCompile(`(?s)c=IN IP4 ([0-9]{1,3}.[0-9]{1,3}.[0-9]{1,3}.[0-9]{1,3})[ \n\r]`)
)

// Port offsets outside this range are refused (-3).
const maxOffset = 65535

// ipNet is a parsed "address/mask" pattern.
type ipNet struct{ addr, mask uint32 }

func (n ipNet) contains(ip uint32) bool { return ip&n.mask == n.addr&n.mask }

// Errors of parsePattern, mapped to OpenSIPS' return codes.
var (
	errBadMask = errors.New("invalid netmask")      // -5
	errBadIP   = errors.New("invalid IPv4 address") // -6
)

// parseIPv4 reads a dotted quad of decimal bytes (OpenSIPS'
// parse_ip_address: four parts of digits only, each up to 255).
func parseIPv4(s string) (uint32, bool) {
	if len(s) >= 16 {
		return 0, false
	}
	parts := strings.Split(s, ".")
	if len(parts) != 4 {
		return 0, false
	}
	var ip uint32
	for _, p := range parts {
		if p == "" || strings.Trim(p, "0123456789") != "" {
			return 0, false
		}
		n, err := strconv.Atoi(p)
		if err != nil || n > 255 {
			return 0, false
		}
		ip = ip<<8 | uint32(n)
	}
	return ip, true
}

// parsePattern reads "a.b.c.d/len" or "a.b.c.d/m.m.m.m"; a bare address
// matches only itself. As in OpenSIPS, a prefix length outside 8-30 also
// means the address alone.
func parsePattern(s string) (ipNet, error) {
	if len(s) > 31 {
		return ipNet{}, errBadMask
	}
	addr, mask, hasMask := strings.Cut(s, "/")
	n := ipNet{mask: 0xffffffff}
	if hasMask {
		switch {
		case strings.Trim(mask, "0123456789") == "":
			l, err := strconv.Atoi(mask)
			if err == nil && l >= 8 && l <= 30 {
				n.mask = 0xffffffff << (32 - l)
			}
		default:
			m, ok := parseIPv4(mask)
			if !ok {
				return ipNet{}, errBadMask
			}
			n.mask = m
		}
	}
	ip, ok := parseIPv4(addr)
	if !ok {
		return ipNet{}, errBadIP
	}
	n.addr = ip
	return n, nil
}

// netFixup parses a literal pattern at load time.
func netFixup(_ *api.FixupCtx, a *api.FixArg) error {
	n, err := parsePattern(a.Str)
	if err != nil {
		return fmt.Errorf("pattern %q: %w (want e.g. \"10.0.0.0/8\" or \"10.0.0.0/255.0.0.0\")", a.Str, err)
	}
	a.Fixed = n
	return nil
}

// offsetFixup checks a literal port offset at load time.
func offsetFixup(_ *api.FixupCtx, a *api.FixArg) error {
	if a.Int < -maxOffset || a.Int > maxOffset {
		return fmt.Errorf("offset %d out of range (-%d to %d)", a.Int, maxOffset, maxOffset)
	}
	return nil
}

// edit replaces body[start:end] with text.
type edit struct {
	start, end int
	text       string
}

func apply(body string, eds []edit) string {
	var b strings.Builder
	b.Grow(len(body) + 16*len(eds))
	last := 0
	for _, e := range eds {
		b.WriteString(body[last:e.start])
		b.WriteString(e.text)
		last = e.end
	}
	b.WriteString(body[last:])
	return b.String()
}

// MangleIP rewrites the addresses of the c=IN IP4 lines of body that lie
// in n to newIP. It returns the new body, the number of lines rewritten,
// and OpenSIPS' error code (0 when fine). On error the body is returned
// unchanged.
func MangleIP(body string, n ipNet, newIP string) (string, int, int) {
	var eds []edit
	for _, loc := range ipRE.FindAllStringSubmatchIndex(body, -1) {
		ip, ok := parseIPv4(body[loc[2]:loc[3]])
		if !ok {
			return body, 0, -11
		}
		if !n.contains(ip) {
			continue
		}
		eds = append(eds, edit{loc[2], loc[3], newIP})
	}
	return apply(body, eds), len(eds), 0
}

// MangleIPPattern is MangleIP with a pattern given as text.
func MangleIPPattern(body, pattern, newIP string) (string, int, int) {
	n, err := parsePattern(pattern)
	switch {
	case errors.Is(err, errBadMask):
		return body, 0, -5
	case err != nil:
		return body, 0, -6
	}
	return MangleIP(body, n, newIP)
}

// ManglePort adds offset to the port of every m= line of body. It
// returns the new body, the number of ports rewritten and OpenSIPS'
// error code (0 when fine): -3 bad offset, -8 a port 0, -9 a port that
// would leave 1-65535. On error the body is returned unchanged.
func ManglePort(body string, offset int) (string, int, int) {
	if offset < -maxOffset || offset > maxOffset {
		return body, 0, -3
	}
	var eds []edit
	for _, loc := range portRE.FindAllStringSubmatchIndex(body, -1) {
		old, err := strconv.Atoi(body[loc[2]:loc[3]])
		switch {
		case err != nil || old > 65535:
			return body, 0, -7
		case old < 1:
			return body, 0, -8
		}
		np := old + offset
		if np < 1 || np > 65535 {
			return body, 0, -9
		}
		eds = append(eds, edit{loc[2], loc[3], strconv.Itoa(np)})
	}
	return apply(body, eds), len(eds), 0
}

func (m *Mangler) sdpMangleIP(c *api.Ctx, args []any) api.Ret {
	body := c.Msg.Body()
	if body == "" {
		c.Log.Error("sdp_mangle_ip: failed to get a body")
		return -2
	}
	newIP := api.StrArg(args[1])
	var (
		nb     string
		n, ret int
	)
	if pat, ok := args[0].(ipNet); ok {
		nb, n, ret = MangleIP(body, pat, newIP)
	} else {
		nb, n, ret = MangleIPPattern(body, api.StrArg(args[0]), newIP)
	}
	if ret != 0 {
		c.Log.Error("sdp_mangle_ip: message left unchanged", "code", ret, "pattern", args[0])
		return api.Ret(ret)
	}
	if n > 0 {
		c.Msg.SetBody(nb, "")
	}
	return api.Ret(n + 1)
}

func (m *Mangler) sdpManglePort(c *api.Ctx, args []any) api.Ret {
	body := c.Msg.Body()
	if body == "" {
		c.Log.Error("sdp_mangle_port: failed to get a body")
		return -2
	}
	off, _ := api.IntArg(args[0])
	nb, n, ret := ManglePort(body, int(off))
	if ret != 0 {
		c.Log.Error("sdp_mangle_port: message left unchanged", "code", ret, "offset", off)
		return api.Ret(ret)
	}
	if n > 0 {
		c.Msg.SetBody(nb, "")
	}
	return api.Ret(n + 1)
}
