package api

import (
	"errors"
	"fmt"
	"net/netip"
	"sync"
	"time"

	"gosips/sip"
)

// Destination blacklists (OpenSIPS core blacklists.c): named lists of
// rules (network, port, protocol, pattern over the outgoing request) that
// tm checks before sending a branch. A message uses the lists
// use_blacklist() turned on for it.

// BlacklistFlags are the flags of a list (dst_blacklist = NAME/flags).
type BlacklistFlags uint8

const (
	// BlacklistReadOnly lists cannot be changed at run time (a
	// dst_blacklist without flags is read-only).
	BlacklistReadOnly BlacklistFlags = 1 << iota
	// BlacklistExpire lists accept rules that expire.
	BlacklistExpire
	// BlacklistDefault marks a list meant for every message; OpenSIPS
	// 3.6 never applies it, and neither does gosips.
	BlacklistDefault
)

// MaxBlacklists bounds the number of lists (the per-message selection is
// a bit mask).
const MaxBlacklists = 64

// BlacklistRule is one rule: it matches a destination in Net whose port
// is Port (0 = any) and protocol Proto ("" or "any" = any) when the
// request text matches the glob Match ("" = any); Negated inverts it.
type BlacklistRule struct {
	Negated bool
	Net     netip.Prefix
	Proto   string
	Port    int
	Match   string
	// Expires is when the rule ends (zero: never).
	Expires time.Time
}

func (r *BlacklistRule) same(o *BlacklistRule) bool {
	return r.Negated == o.Negated && r.Port == o.Port && protoKey(r.Proto) == protoKey(o.Proto) &&
		r.Net.Masked() == o.Net.Masked() && r.Match == o.Match
}

func protoKey(p string) string {
	if p == "any" {
		return ""
	}
	return p
}

func (r *BlacklistRule) matches(ip netip.Addr, port int, proto, text string) bool {
	m := (r.Port == 0 || r.Port == port) &&
		(protoKey(r.Proto) == "" || r.Proto == proto) &&
		r.Net.Contains(ip.Unmap()) &&
		(r.Match == "" || Glob(r.Match, text))
	return m != r.Negated
}

// Blacklist is one named list.
type Blacklist struct {
	Name  string
	Owner string // "script", or the module that fills it
	Flags BlacklistFlags
	idx   int

	mu    sync.RWMutex
	rules []BlacklistRule
}

var (
	// ErrBlacklistReadOnly: the list cannot be changed at run time.
	ErrBlacklistReadOnly = errors.New("read-only blacklist")
	// ErrBlacklistNoExpire: an expiring rule on a list without "expire".
	ErrBlacklistNoExpire = errors.New("blacklist without expire support")
)

// Add appends a rule (a duplicate is ignored); expire > 0 makes it end
// after that long.
func (l *Blacklist) Add(r BlacklistRule, expire time.Duration) error {
	if l.Flags&BlacklistReadOnly != 0 {
		return ErrBlacklistReadOnly
	}
	if expire > 0 {
		if l.Flags&BlacklistExpire == 0 {
			return ErrBlacklistNoExpire
		}
		r.Expires = time.Now().Add(expire)
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	l.prune(time.Now())
	for i := range l.rules {
		if l.rules[i].same(&r) {
			return nil
		}
	}
	l.rules = append(l.rules, r)
	return nil
}

// Del removes a rule equal to r; false when there is none.
func (l *Blacklist) Del(r BlacklistRule) (bool, error) {
	if l.Flags&BlacklistReadOnly != 0 {
		return false, ErrBlacklistReadOnly
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	for i := range l.rules {
		if l.rules[i].same(&r) {
			l.rules = append(l.rules[:i], l.rules[i+1:]...)
			return true, nil
		}
	}
	return false, nil
}

// Replace sets the whole content (a module reloading the list it owns).
func (l *Blacklist) Replace(rules []BlacklistRule) {
	l.mu.Lock()
	l.rules = append([]BlacklistRule(nil), rules...)
	l.mu.Unlock()
}

// Rules returns the rules in force.
func (l *Blacklist) Rules() []BlacklistRule {
	now := time.Now()
	l.mu.RLock()
	defer l.mu.RUnlock()
	out := make([]BlacklistRule, 0, len(l.rules))
	for _, r := range l.rules {
		if r.Expires.IsZero() || r.Expires.After(now) {
			out = append(out, r)
		}
	}
	return out
}

// Match returns the first rule matching a destination and the request
// text.
func (l *Blacklist) Match(ip netip.Addr, port int, proto, text string) (BlacklistRule, bool) {
	now := time.Now()
	l.mu.RLock()
	defer l.mu.RUnlock()
	for _, r := range l.rules {
		if (r.Expires.IsZero() || r.Expires.After(now)) && r.matches(ip, port, proto, text) {
			return r, true
		}
	}
	return BlacklistRule{}, false
}

// prune drops expired rules; mu held for writing.
func (l *Blacklist) prune(now time.Time) {
	n := 0
	for _, r := range l.rules {
		if r.Expires.IsZero() || r.Expires.After(now) {
			l.rules[n] = r
			n++
		}
	}
	l.rules = l.rules[:n]
}

// Blacklists is the set of lists of one running server.
type Blacklists struct {
	mu    sync.RWMutex
	lists []*Blacklist
}

// Create adds a list; names are unique.
func (b *Blacklists) Create(owner, name string, flags BlacklistFlags, rules []BlacklistRule) (*Blacklist, error) {
	if flags&BlacklistReadOnly != 0 && flags&BlacklistExpire != 0 {
		return nil, fmt.Errorf("blacklist %q: a read-only list cannot expire rules", name)
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	for _, l := range b.lists {
		if l.Name == name {
			return nil, fmt.Errorf("blacklist %q defined twice", name)
		}
	}
	if len(b.lists) == MaxBlacklists {
		return nil, fmt.Errorf("blacklist %q: too many lists (at most %d)", name, MaxBlacklists)
	}
	l := &Blacklist{Name: name, Owner: owner, Flags: flags, idx: len(b.lists), rules: append([]BlacklistRule(nil), rules...)}
	b.lists = append(b.lists, l)
	return l, nil
}

// Lookup finds a list by name.
func (b *Blacklists) Lookup(name string) *Blacklist {
	b.mu.RLock()
	defer b.mu.RUnlock()
	for _, l := range b.lists {
		if l.Name == name {
			return l
		}
	}
	return nil
}

// All returns the lists in creation order.
func (b *Blacklists) All() []*Blacklist {
	b.mu.RLock()
	defer b.mu.RUnlock()
	return append([]*Blacklist(nil), b.lists...)
}

// BlacklistProvider is implemented by the core module: the server's
// blacklists, for tm and the modules filling lists (drouting).
type BlacklistProvider interface {
	Blacklists() *Blacklists
}

// BlacklistsOf returns the blacklists of the server running c, or nil.
func BlacklistsOf(c *Ctx) *Blacklists {
	if c == nil || c.Core == nil {
		return nil
	}
	if p, ok := c.Core.Module("core").(BlacklistProvider); ok {
		return p.Blacklists()
	}
	return nil
}

type blacklistSlot struct{}

// selected is the mask of the lists c's message uses. As in OpenSIPS
// 3.6, a message starts with none: the "default" flag is shown by
// list_blacklists but nothing applies it.
func (b *Blacklists) selected(c *Ctx) uint64 {
	m, _ := c.Slot(blacklistSlot{}).(uint64)
	return m
}

// Use turns a list on or off for c's message (use_blacklist,
// unuse_blacklist); nil means every list.
func (b *Blacklists) Use(c *Ctx, l *Blacklist, on bool) {
	var m uint64
	switch {
	case l == nil && on:
		m = ^uint64(0)
	case l == nil:
		m = 0
	case on:
		m = b.selected(c) | 1<<l.idx
	default:
		m = b.selected(c) &^ (1 << l.idx)
	}
	c.SetSlot(blacklistSlot{}, m)
}

// Check reports whether a destination (and the request text) matches a
// rule of the lists c's message uses; l, when not nil, checks that list
// only.
func (b *Blacklists) Check(c *Ctx, l *Blacklist, ip netip.Addr, port int, proto, text string) bool {
	if l != nil {
		_, ok := l.Match(ip, port, proto, text)
		return ok
	}
	m := b.selected(c)
	if m == 0 {
		return false
	}
	for _, x := range b.All() {
		if m&(1<<x.idx) != 0 {
			if _, ok := x.Match(ip, port, proto, text); ok {
				return true
			}
		}
	}
	return false
}

// Blocked reports whether sending buf to d is filtered by the lists c's
// message uses.
func (b *Blacklists) Blocked(c *Ctx, d sip.Dest, buf []byte) bool {
	if b == nil || !d.Addr.IsValid() {
		return false
	}
	if b.selected(c) == 0 {
		return false
	}
	return b.Check(c, nil, d.Addr.Addr(), int(d.Addr.Port()), d.Proto.String(), string(buf))
}

// Glob reports whether text matches the shell pattern (fnmatch without
// flags: '*' and '?' match any character, '/' included; [...] classes
// with '!' or '^' negation; '\' escapes).
func Glob(pattern, text string) bool {
	px, tx := 0, 0
	nextPx, nextTx := -1, -1
	for px < len(pattern) || tx < len(text) {
		if px < len(pattern) {
			switch c := pattern[px]; c {
			case '*':
				nextPx, nextTx = px, tx+1
				px++
				continue
			case '?':
				if tx < len(text) {
					px++
					tx++
					continue
				}
			case '[':
				if tx < len(text) {
					if ok, n := globClass(pattern[px:], text[tx]); n > 0 && ok {
						px += n
						tx++
						continue
					} else if n == 0 && text[tx] == '[' {
						px++
						tx++
						continue
					}
				}
			case '\\':
				if px+1 < len(pattern) && tx < len(text) && text[tx] == pattern[px+1] {
					px += 2
					tx++
					continue
				}
			default:
				if tx < len(text) && text[tx] == c {
					px++
					tx++
					continue
				}
			}
		}
		if nextTx > 0 && nextTx <= len(text) {
			px, tx = nextPx, nextTx
			continue
		}
		return false
	}
	return true
}

// globClass matches c against the class at the start of p ("[...]"); n
// is the class's length, 0 when p holds no closed class.
func globClass(p string, c byte) (ok bool, n int) {
	i := 1
	neg := false
	if i < len(p) && (p[i] == '!' || p[i] == '^') {
		neg, i = true, i+1
	}
	match := false
	for first := true; i < len(p); first = false {
		if p[i] == ']' && !first {
			return match != neg, i + 1
		}
		lo := p[i]
		hi := lo
		if i+2 < len(p) && p[i+1] == '-' && p[i+2] != ']' {
			hi = p[i+2]
			i += 2
		}
		if lo <= c && c <= hi {
			match = true
		}
		i++
	}
	return false, 0
}
