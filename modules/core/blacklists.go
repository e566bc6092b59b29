package core

import (
	"net/netip"
	"strconv"
	"strings"
)

// Blacklist is one parsed dst_blacklist definition.
type Blacklist struct {
	Name    string
	Default bool // "NAME/+": applied by default
	Rules   []BlacklistRule
}

// BlacklistRule is "(proto, net, port, "match")", negated by a leading "!".
type BlacklistRule struct {
	Negated bool
	Net     netip.Prefix
	Proto   string // "any" when empty
	Port    int
	Match   string
}

// Blacklists parses the dst_blacklist definitions
// ("NAME[/flags] : { (proto, ip[/mask], port, "text"), ... }"); rules that
// do not parse are left out.
func (c *Config) Blacklists() []Blacklist {
	var out []Blacklist
	for _, def := range c.DstBlacklists {
		def = strings.TrimSpace(def)
		if len(def) > 1 && def[0] == '"' && def[len(def)-1] == '"' {
			def = strings.ReplaceAll(def[1:len(def)-1], `\"`, `"`)
		}
		head, body, _ := strings.Cut(def, ":")
		name, flags, _ := strings.Cut(head, "/")
		b := Blacklist{Name: strings.TrimSpace(name), Default: strings.Contains(flags, "+")}
		body = strings.TrimSpace(body)
		body = strings.TrimSuffix(strings.TrimPrefix(body, "{"), "}")
		for _, part := range strings.Split(body, ")") {
			if r, ok := parseBlacklistRule(part); ok {
				b.Rules = append(b.Rules, r)
			}
		}
		out = append(out, b)
	}
	return out
}

func parseBlacklistRule(s string) (BlacklistRule, bool) {
	s = strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(s), ","))
	var r BlacklistRule
	if strings.HasPrefix(s, "!") {
		r.Negated, s = true, strings.TrimSpace(s[1:])
	}
	if !strings.HasPrefix(s, "(") {
		return r, false
	}
	f := strings.SplitN(s[1:], ",", 4)
	if len(f) < 2 {
		return r, false
	}
	for i := range f {
		f[i] = strings.TrimSpace(f[i])
	}
	r.Proto = strings.ToLower(f[0])
	if r.Proto == "" {
		r.Proto = "any"
	}
	net := f[1]
	if !strings.Contains(net, "/") {
		if a, err := netip.ParseAddr(net); err == nil {
			net += "/" + strconv.Itoa(a.BitLen())
		}
	}
	p, err := netip.ParsePrefix(net)
	if err != nil {
		return r, false
	}
	r.Net = p
	if len(f) > 2 {
		r.Port, _ = strconv.Atoi(f[2])
	}
	if len(f) > 3 {
		r.Match = strings.Trim(f[3], `"'`)
	}
	return r, true
}

// Mask renders the rule's network mask as an address (255.255.255.0).
func (r BlacklistRule) Mask() string {
	bits := r.Net.Bits()
	b := make([]byte, r.Net.Addr().BitLen()/8)
	for i := range b {
		n := min(max(bits-8*i, 0), 8)
		b[i] = byte(0xff << (8 - n))
	}
	a, _ := netip.AddrFromSlice(b)
	return a.String()
}
