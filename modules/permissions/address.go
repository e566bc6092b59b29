package permissions

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"sort"
	"strings"
	"sync/atomic"

	"gosips/db"
	"gosips/internal/fnmatch"
	"gosips/sip"
)

// TableVersion is the address table version OpenSIPS 3.6 expects.
const TableVersion = 5

// entry is one address row.
type entry struct {
	id      int64
	grp     int64
	net     netip.Prefix // masked
	host    bool         // a single address (/32 or /128)
	port    int          // 0: any
	proto   sip.Proto    // ProtoNone: any
	pattern *fnmatch.Pattern
	patText string
	hasPat  bool
	info    string
	hasInfo bool
}

// group holds a group's addresses: single hosts by address, subnets
// longest prefix first.
type group struct {
	id      int64
	hosts   map[netip.Addr][]*entry
	subnets []*entry
	all     []*entry // in table order, for dumps
}

// table is one loaded snapshot of an address table.
type table struct {
	groups []*group // by id
	byID   map[int64]*group
}

// store is a partition's current snapshot and its database.
type store struct {
	conn db.Conn
	cur  atomic.Pointer[table]
}

// loadTable reads a partition's rows. A row that cannot be used is
// reported (table and id) and skipped, as OpenSIPS does; a failing query
// is an error and the caller keeps the old data.
func (m *Module) loadTable(ctx context.Context, p *Partition) (*table, []error, error) {
	c := m.Cols
	cols := []string{c.IP, c.Grp, c.Mask, c.Port, c.Proto, c.Pattern, c.Info, "id"}
	res, err := p.data.conn.Query(ctx, p.Table, cols, nil, "", 0)
	if err != nil {
		return nil, nil, fmt.Errorf("table %s: %w", p.Table, err)
	}
	t := &table{byID: map[int64]*group{}}
	var bad []error
	for _, r := range res.Rows {
		e, err := parseRow(r)
		if err != nil {
			bad = append(bad, fmt.Errorf("table %s, id %d: %w", p.Table, r[7].Int64(), err))
			continue
		}
		if e == nil {
			continue
		}
		g := t.byID[e.grp]
		if g == nil {
			g = &group{id: e.grp, hosts: map[netip.Addr][]*entry{}}
			t.byID[e.grp] = g
			t.groups = append(t.groups, g)
		}
		g.all = append(g.all, e)
		if e.host {
			g.hosts[e.net.Addr()] = append(g.hosts[e.net.Addr()], e)
		} else {
			g.subnets = append(g.subnets, e)
		}
	}
	sort.Slice(t.groups, func(i, j int) bool { return t.groups[i].id < t.groups[j].id })
	for _, g := range t.groups {
		sort.SliceStable(g.subnets, func(i, j int) bool { return g.subnets[i].net.Bits() > g.subnets[j].net.Bits() })
	}
	return t, bad, nil
}

// parseRow turns a row (ip, grp, mask, port, proto, pattern, info, id)
// into an entry; nil, nil means a row OpenSIPS ignores silently (empty
// ip, proto "none").
func parseRow(r db.Row) (*entry, error) {
	if r[0].Null || strings.TrimSpace(r[0].Str()) == "" {
		if r[0].Null {
			return nil, errors.New("ip is NULL")
		}
		return nil, nil
	}
	ip, err := netip.ParseAddr(strings.TrimSpace(r[0].Str()))
	if err != nil {
		return nil, fmt.Errorf("invalid ip %q", r[0].Str())
	}
	ip = ip.Unmap()
	for i, name := range []string{"grp", "mask", "port"} {
		v := r[1+i]
		if v.Null {
			return nil, fmt.Errorf("%s is NULL", name)
		}
		if v.Type == db.String {
			if _, err := fmt.Sscan(strings.TrimSpace(v.S), new(int64)); err != nil {
				return nil, fmt.Errorf("%s %q is not a number", name, v.S)
			}
		}
		if v.Int64() < 0 {
			return nil, fmt.Errorf("negative %s %d", name, v.Int64())
		}
	}
	mask := int(r[2].Int64())
	if mask > ip.BitLen() {
		return nil, fmt.Errorf("mask %d too large for %s", mask, ip)
	}
	e := &entry{id: r[7].Int64(), grp: r[1].Int64(), port: int(r[3].Int64()), host: mask == ip.BitLen()}
	e.net = netip.PrefixFrom(ip, mask).Masked()
	if r[4].Null {
		return nil, errors.New("proto is NULL")
	}
	switch pr := strings.ToLower(strings.TrimSpace(r[4].Str())); pr {
	case "none":
		return nil, nil
	case "", "any":
	default:
		if e.proto = sip.ParseProto(pr); e.proto == sip.ProtoNone {
			return nil, fmt.Errorf("unknown protocol %q", pr)
		}
	}
	if !r[5].Null {
		e.patText, e.hasPat = r[5].Str(), true
		if e.pattern, err = fnmatch.Compile(e.patText, true); err != nil {
			return nil, fmt.Errorf("bad pattern %q: %w", e.patText, err)
		}
	}
	if !r[6].Null {
		e.info, e.hasInfo = r[6].Str(), true
	}
	return e, nil
}

// matches is OpenSIPS' match_address: protocol and port (0/none = any on
// either side), then the optional wildcard pattern.
func (e *entry) matches(port int, proto sip.Proto, pattern string, hasPattern bool) bool {
	if e.proto != sip.ProtoNone && proto != sip.ProtoNone && e.proto != proto {
		return false
	}
	if e.port != 0 && port != 0 && e.port != port {
		return false
	}
	if !e.hasPat || !hasPattern {
		return true
	}
	return e.pattern.Match(pattern)
}

func (g *group) match(ip netip.Addr, port int, proto sip.Proto, pattern string, hasPattern bool) *entry {
	for _, e := range g.hosts[ip] {
		if e.matches(port, proto, pattern, hasPattern) {
			return e
		}
	}
	for _, e := range g.subnets {
		if e.net.Contains(ip) && e.matches(port, proto, pattern, hasPattern) {
			return e
		}
	}
	return nil
}

// errNoGroup: the group has no rows (OpenSIPS returns -2).
var errNoGroup = errors.New("no such group")

// match looks ip up in group grp (0: any group).
func (t *table) match(grp int64, ip netip.Addr, port int, proto sip.Proto, pattern string, hasPattern bool) (*entry, error) {
	ip = ip.Unmap()
	if grp != 0 {
		g := t.byID[grp]
		if g == nil {
			return nil, errNoGroup
		}
		return g.match(ip, port, proto, pattern, hasPattern), nil
	}
	for _, g := range t.groups {
		if e := g.match(ip, port, proto, pattern, hasPattern); e != nil {
			return e, nil
		}
	}
	return nil, nil
}

// findGroup is get_source_group: the first group holding ip and port, any
// protocol and pattern.
func (t *table) findGroup(ip netip.Addr, port int) (int64, bool) {
	for _, g := range t.groups {
		if g.match(ip.Unmap(), port, sip.ProtoNone, "", false) != nil {
			return g.id, true
		}
	}
	return 0, false
}
