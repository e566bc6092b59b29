package core

import (
	"fmt"
	"net/netip"
	"strconv"
	"strings"
	"sync"
	"time"

	"gosips/api"
)

// Blacklist is one parsed dst_blacklist definition.
type Blacklist struct {
	Name  string
	Flags api.BlacklistFlags
	Rules []api.BlacklistRule
}

// blacklistSet builds the server's blacklists from the dst_blacklist
// definitions on first use.
type blacklistSet struct {
	once sync.Once
	set  *api.Blacklists
	err  error
}

// Blacklists implements api.BlacklistProvider: the dst_blacklist lists
// (owner "script") and those modules add.
func (c *Core) Blacklists() *api.Blacklists {
	c.bl.once.Do(func() {
		c.bl.set = &api.Blacklists{}
		defs, err := c.Config.Blacklists()
		if err != nil {
			c.bl.err = err
		}
		for _, d := range defs {
			if _, err := c.bl.set.Create("script", d.Name, d.Flags, d.Rules); err != nil && c.bl.err == nil {
				c.bl.err = err
			}
		}
	})
	return c.bl.set
}

var _ api.BlacklistProvider = (*Core)(nil)

// Blacklists parses the dst_blacklist definitions
// ("NAME[/flag,flag] [: { rule, rule }]"; flags readonly, expire,
// default; a list without flags is read-only). A rule is an ip[/mask] or
// "(proto, net[, port[, "pattern"]])" or "(net[, port])", "!" negating it.
func (c *Config) Blacklists() ([]Blacklist, error) {
	var out []Blacklist
	for _, def := range c.DstBlacklists {
		b, err := parseBlacklistDef(def)
		if err != nil {
			return out, fmt.Errorf("dst_blacklist %q: %w", def, err)
		}
		out = append(out, b)
	}
	return out, nil
}

func parseBlacklistDef(def string) (Blacklist, error) {
	def = strings.TrimSpace(def)
	if len(def) > 1 && def[0] == '"' && def[len(def)-1] == '"' {
		def = strings.ReplaceAll(def[1:len(def)-1], `\"`, `"`)
	}
	head, body, _ := strings.Cut(def, ":")
	name, flags, hasFlags := strings.Cut(head, "/")
	b := Blacklist{Name: strings.TrimSpace(name), Flags: api.BlacklistReadOnly}
	if b.Name == "" {
		return b, fmt.Errorf("no name")
	}
	if hasFlags {
		b.Flags = 0
		for _, f := range strings.Split(flags, ",") {
			switch strings.ToLower(strings.TrimSpace(f)) {
			case "readonly":
				b.Flags |= api.BlacklistReadOnly
			case "expire":
				b.Flags |= api.BlacklistExpire
			case "default", "+":
				b.Flags |= api.BlacklistDefault
			default:
				return b, fmt.Errorf("unknown flag %q (readonly, expire, default)", strings.TrimSpace(f))
			}
		}
	}
	body = strings.TrimSpace(body)
	if body == "" {
		return b, nil
	}
	if !strings.HasPrefix(body, "{") || !strings.HasSuffix(body, "}") {
		return b, fmt.Errorf("rules must be in { }")
	}
	for _, part := range splitTop(body[1 : len(body)-1]) {
		if strings.TrimSpace(part) == "" {
			continue
		}
		r, err := ParseBlacklistRule(part)
		if err != nil {
			return b, err
		}
		b.Rules = append(b.Rules, r)
	}
	return b, nil
}

// splitTop splits at commas outside parentheses and quotes.
func splitTop(s string) []string {
	var out []string
	depth, start := 0, 0
	quoted := false
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '"':
			quoted = !quoted
		case quoted:
		case c == '(':
			depth++
		case c == ')':
			depth--
		case c == ',' && depth == 0:
			out = append(out, s[start:i])
			start = i + 1
		}
	}
	return append(out, s[start:])
}

// ParseBlacklistRule parses one dst_blacklist rule.
func ParseBlacklistRule(s string) (api.BlacklistRule, error) {
	var r api.BlacklistRule
	s = strings.TrimSpace(s)
	if strings.HasPrefix(s, "!") {
		r.Negated, s = true, strings.TrimSpace(s[1:])
	}
	if !strings.HasPrefix(s, "(") {
		net, err := ParseIPNet(s)
		r.Net = net
		return r, err
	}
	if !strings.HasSuffix(s, ")") {
		return r, fmt.Errorf("rule %q: missing )", s)
	}
	f := splitTop(s[1 : len(s)-1])
	for i := range f {
		f[i] = strings.TrimSpace(f[i])
	}
	if p := strings.ToLower(f[0]); p == "any" || contains(blacklistProtos, p) {
		r.Proto, f = p, f[1:]
		if len(f) == 0 {
			return r, fmt.Errorf("rule %q: no network", s)
		}
	} else if len(f) > 2 {
		return r, fmt.Errorf("rule %q: unknown protocol %q", s, f[0])
	}
	if r.Proto == "" {
		r.Proto = "any"
	}
	net, err := ParseIPNet(f[0])
	if err != nil {
		return r, fmt.Errorf("rule %q: %w", s, err)
	}
	r.Net = net
	if len(f) > 1 {
		if r.Port, err = strconv.Atoi(f[1]); err != nil || r.Port < 0 || r.Port > 65535 {
			if f[1] != "any" {
				return r, fmt.Errorf("rule %q: bad port %q", s, f[1])
			}
			r.Port = 0
		}
	}
	if len(f) > 2 {
		m, err := strconv.Unquote(f[2])
		if err != nil {
			return r, fmt.Errorf("rule %q: the pattern must be a quoted string", s)
		}
		r.Match = m
	}
	if len(f) > 3 {
		return r, fmt.Errorf("rule %q: too many fields", s)
	}
	return r, nil
}

// ParseIPNet reads "ip", "ip/bits" or "ip/mask" (OpenSIPS parse_ip_net).
func ParseIPNet(s string) (netip.Prefix, error) {
	s = strings.TrimSpace(s)
	ipPart, mask, hasMask := strings.Cut(s, "/")
	ip, err := netip.ParseAddr(strings.Trim(ipPart, "[]"))
	if err != nil {
		return netip.Prefix{}, fmt.Errorf("bad IP address %q", ipPart)
	}
	bits := ip.BitLen()
	if hasMask {
		if m, err := netip.ParseAddr(mask); err == nil {
			b := m.AsSlice()
			bits = 0
			for _, x := range b {
				for x&0x80 != 0 {
					bits++
					x <<= 1
				}
				if x != 0 {
					return netip.Prefix{}, fmt.Errorf("bad netmask %q", mask)
				}
			}
		} else if bits, err = strconv.Atoi(mask); err != nil || bits < 0 || bits > ip.BitLen() {
			return netip.Prefix{}, fmt.Errorf("bad netmask %q", mask)
		}
	}
	return netip.PrefixFrom(ip, bits).Masked(), nil
}

// BlacklistMask renders a rule's network mask as an address
// (255.255.255.0), as list_blacklists shows it.
func BlacklistMask(p netip.Prefix) string {
	bits := p.Bits()
	b := make([]byte, p.Addr().BitLen()/8)
	for i := range b {
		n := min(max(bits-8*i, 0), 8)
		b[i] = byte(0xff << (8 - n))
	}
	a, _ := netip.AddrFromSlice(b)
	return a.String()
}

// blacklistArg resolves a list name argument; "all" (nil, true) selects
// every list.
func (c *Core) blacklistArg(ctx *api.Ctx, a any) (*api.Blacklist, bool) {
	name, _ := a.(string)
	if name == "" || strings.EqualFold(name, "all") {
		return nil, true
	}
	l := c.Blacklists().Lookup(name)
	if l == nil {
		ctx.Log.Error("blacklist not defined", "name", name)
	}
	return l, l != nil
}

// useBlacklist is use_blacklist(name) / unuse_blacklist(name).
func (c *Core) useBlacklist(on bool) func(*api.Ctx, []any) api.Ret {
	return func(ctx *api.Ctx, args []any) api.Ret {
		l, ok := c.blacklistArg(ctx, args[0])
		if !ok {
			return api.RetFalse
		}
		c.Blacklists().Use(ctx, l, on)
		return api.RetTrue
	}
}

// blRuleArgs reads the (port, proto, pattern) arguments at i..i+2.
func blRuleArgs(args []any, i int) (port int, proto, pattern string) {
	if n, ok := args[i].(int64); ok {
		port = int(n)
	}
	proto, _ = args[i+1].(string)
	if proto == "" {
		proto = "any"
	}
	proto = strings.ToLower(proto)
	pattern, _ = args[i+2].(string)
	return port, proto, pattern
}

// checkBlacklistRule is check_blacklist_rule(name, ip[, port[, proto[,
// pattern]]]): "all" checks the lists the message uses.
func (c *Core) checkBlacklistRule(ctx *api.Ctx, args []any) api.Ret {
	l, ok := c.blacklistArg(ctx, args[0])
	if !ok {
		return api.RetFalse
	}
	var ip netip.Addr
	switch v := args[1].(type) {
	case netip.Addr:
		ip = v
	case string:
		a, err := netip.ParseAddr(strings.Trim(strings.TrimSpace(v), "[]"))
		if err != nil {
			ctx.Log.Error("check_blacklist_rule: bad IP address", "ip", v)
			return api.RetFalse
		}
		ip = a
	}
	port, proto, pattern := blRuleArgs(args, 2)
	if proto == "any" {
		proto = ""
	}
	if c.Blacklists().Check(ctx, l, ip, port, proto, pattern) {
		return api.RetTrue
	}
	return api.RetFalse
}

// blRule builds the rule of add_blacklist_rule / del_blacklist_rule.
func blRule(ctx *api.Ctx, args []any) (api.BlacklistRule, bool) {
	var n blNet
	switch v := args[1].(type) {
	case blNet:
		n = v
	case string:
		var err error
		if n, err = parseBLNet(v); err != nil {
			ctx.Log.Error("blacklist rule: bad network", "net", v, "err", err)
			return api.BlacklistRule{}, false
		}
	}
	port, proto, pattern := blRuleArgs(args, 2)
	return api.BlacklistRule{Negated: n.neg, Net: n.net, Proto: proto, Port: port, Match: pattern}, true
}

// blTarget reads the list and the rule of add/del_blacklist_rule.
func (c *Core) blTarget(ctx *api.Ctx, args []any) (*api.Blacklist, api.BlacklistRule, bool) {
	l, ok := c.blacklistArg(ctx, args[0])
	if !ok || l == nil {
		return nil, api.BlacklistRule{}, false
	}
	r, ok := blRule(ctx, args)
	return l, r, ok
}

// addBlacklistRule is add_blacklist_rule(name, net[, port[, proto[,
// pattern[, expire]]]]).
func (c *Core) addBlacklistRule(ctx *api.Ctx, args []any) api.Ret {
	l, r, ok := c.blTarget(ctx, args)
	if !ok {
		return api.RetFalse
	}
	var expire int64
	if n, ok := args[5].(int64); ok {
		expire = n
	}
	if err := l.Add(r, time.Duration(expire)*time.Second); err != nil {
		ctx.Log.Error("add_blacklist_rule failed", "name", l.Name, "err", err)
		return api.RetFalse
	}
	return api.RetTrue
}

// delBlacklistRule is del_blacklist_rule(name, net[, port[, proto[,
// pattern]]]): -1 when no rule is equal.
func (c *Core) delBlacklistRule(ctx *api.Ctx, args []any) api.Ret {
	l, r, ok := c.blTarget(ctx, args)
	if !ok {
		return api.RetFalse
	}
	if found, err := l.Del(r); err != nil || !found {
		if err != nil {
			ctx.Log.Error("del_blacklist_rule failed", "name", l.Name, "err", err)
		}
		return api.RetFalse
	}
	return api.RetTrue
}
