package drouting

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"gosips/db"
	"gosips/internal/timerec"
	"gosips/sip"
)

// Gateway states, as the state column and MI show them.
const (
	gwDisabled = 1 << iota // not used for routing
	gwByMI                 // disabled by an administrator (MI or state 1): probing does not re-enable it
	gwProbing              // disabled by a failed probe
)

type gateway struct {
	id        string
	typ       int
	address   string // host[:port] as given, without "sip:"
	strip     int
	pri       string
	attrs     string
	probeMode int
	socket    string
	addrs     []netip.AddrPort // resolved
	proto     sip.Proto
	// flags are the state bits; guarded by partState.mu.
	flags int
	dirty bool
}

// dest is one element of a rule or carrier list.
type dest struct {
	weight  int
	gw      *gateway
	carrier *carrier
}

type carrier struct {
	id      string
	dests   []dest // gateways only
	flags   int    // 0x1 first gateway only
	sortAlg byte
	off     bool // state 1 or flag 0x2
	attrs   string
}

type rule struct {
	id       int64
	groups   []int64
	prefix   string
	tr       *timerec.Expr
	priority int64
	routeID  string
	dests    []dest
	sortAlg  byte
	attrs    string
}

// data is one loaded snapshot of a partition's tables.
type data struct {
	gws      map[string]*gateway
	gwOrder  []*gateway
	carriers map[string]*carrier
	crOrder  []*carrier
	// rules by group then prefix, each list by descending priority.
	rules  map[int64]map[string][]*rule
	byID   map[int64]*rule
	groups map[string]int64 // "user" or "user@domain" -> group
	loaded time.Time
}

// partState is a partition's database and current data.
type partState struct {
	conn db.Conn
	mu   sync.RWMutex
	data *data
}

func (p *partState) current() *data {
	p.mu.RLock()
	defer p.mu.RUnlock()
	return p.data
}

// parseList parses "gw1=10,#cr1,gw2": ids (carriers prefixed with '#')
// with optional weights.
func parseList(s string) ([]struct {
	id      string
	carrier bool
	weight  int
}, error) {
	type item = struct {
		id      string
		carrier bool
		weight  int
	}
	var out []item
	for _, tok := range strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ';' }) {
		tok = strings.TrimSpace(tok)
		if tok == "" {
			continue
		}
		it := item{weight: 1}
		if id, w, ok := strings.Cut(tok, "="); ok {
			n, err := strconv.Atoi(strings.TrimSpace(w))
			if err != nil || n < 0 {
				return nil, fmt.Errorf("bad weight in %q", tok)
			}
			it.weight, tok = n, strings.TrimSpace(id)
		}
		if strings.HasPrefix(tok, "#") {
			it.carrier, tok = true, strings.TrimSpace(tok[1:])
		}
		if tok == "" {
			return nil, fmt.Errorf("empty id in %q", s)
		}
		it.id = tok
		out = append(out, it)
	}
	return out, nil
}

func sortAlg(v db.Value) (byte, error) {
	s := strings.TrimSpace(v.Str())
	if v.Null || s == "" {
		return 'N', nil
	}
	switch c := s[0] | 0x20; c {
	case 'n', 'w', 'q':
		return c - 0x20, nil
	}
	return 0, fmt.Errorf("unknown sort_alg %q (N, W or Q)", s)
}

// load reads the four tables of a partition. Any bad row is an error
// naming its table and id: the caller keeps its previous data.
func (m *Module) load(ctx context.Context, p *Partition, conn db.Conn) (*data, error) {
	d := &data{gws: map[string]*gateway{}, carriers: map[string]*carrier{},
		rules: map[int64]map[string][]*rule{}, byID: map[int64]*rule{}, groups: map[string]int64{}, loaded: time.Now()}
	var errs []error
	bad := func(table string, id int64, format string, a ...any) {
		errs = append(errs, fmt.Errorf("table %s, id %d: %s", table, id, fmt.Sprintf(format, a...)))
	}

	res, err := conn.Query(ctx, p.GWTable, []string{"gwid", "type", "address", "strip", "pri_prefix", "attrs",
		"probe_mode", "state", "socket", "id"}, nil, "", 0)
	if err != nil {
		return nil, fmt.Errorf("table %s: %w", p.GWTable, err)
	}
	for _, r := range res.Rows {
		id := r[9].Int64()
		g := &gateway{id: strings.TrimSpace(r[0].Str()), typ: int(r[1].Int64()), strip: int(r[3].Int64()),
			pri: r[4].Str(), attrs: r[5].Str(), probeMode: int(r[6].Int64()), socket: r[8].Str()}
		addr := strings.TrimSpace(r[2].Str())
		if g.id == "" {
			bad(p.GWTable, id, "empty gwid")
			continue
		}
		if _, dup := d.gws[g.id]; dup {
			bad(p.GWTable, id, "duplicate gwid %q", g.id)
			continue
		}
		if g.probeMode < 0 || g.probeMode > 2 {
			bad(p.GWTable, id, "bad probe_mode %d", g.probeMode)
			continue
		}
		switch r[7].Int64() {
		case 0:
		case 1:
			g.flags = gwDisabled | gwByMI
		case 2:
			g.flags = gwDisabled | gwProbing
		default:
			bad(p.GWTable, id, "bad state %d", r[7].Int64())
			continue
		}
		if m.PersistentState == 0 {
			g.flags = 0
		}
		if err := m.resolveGW(ctx, g, addr); err != nil {
			bad(p.GWTable, id, "%v", err)
			continue
		}
		d.gws[g.id] = g
		d.gwOrder = append(d.gwOrder, g)
	}
	sort.Slice(d.gwOrder, func(i, j int) bool { return d.gwOrder[i].id < d.gwOrder[j].id })

	res, err = conn.Query(ctx, p.CRTable, []string{"carrierid", "gwlist", "flags", "sort_alg", "state", "attrs", "id"}, nil, "", 0)
	if err != nil {
		return nil, fmt.Errorf("table %s: %w", p.CRTable, err)
	}
	for _, r := range res.Rows {
		id := r[6].Int64()
		c := &carrier{id: strings.TrimSpace(r[0].Str()), flags: int(r[2].Int64()), attrs: r[5].Str()}
		c.off = c.flags&0x2 != 0 || r[4].Int64() != 0
		var err error
		if c.sortAlg, err = sortAlg(r[3]); err != nil {
			bad(p.CRTable, id, "%v", err)
			continue
		}
		items, err := parseList(r[1].Str())
		if err != nil {
			bad(p.CRTable, id, "gwlist: %v", err)
			continue
		}
		ok := true
		for _, it := range items {
			g := d.gws[it.id]
			if it.carrier || g == nil {
				bad(p.CRTable, id, "unknown gateway %q in gwlist", it.id)
				ok = false
				break
			}
			c.dests = append(c.dests, dest{weight: it.weight, gw: g})
		}
		if !ok {
			continue
		}
		if c.id == "" || d.carriers[c.id] != nil {
			bad(p.CRTable, id, "empty or duplicate carrierid %q", c.id)
			continue
		}
		d.carriers[c.id] = c
		d.crOrder = append(d.crOrder, c)
	}
	sort.Slice(d.crOrder, func(i, j int) bool { return d.crOrder[i].id < d.crOrder[j].id })

	res, err = conn.Query(ctx, p.RuleTable, []string{"ruleid", "groupid", "prefix", "timerec", "priority", "routeid",
		"gwlist", "sort_alg", "attrs"}, nil, "", 0)
	if err != nil {
		return nil, fmt.Errorf("table %s: %w", p.RuleTable, err)
	}
	for _, r := range res.Rows {
		id := r[0].Int64()
		ru := &rule{id: id, prefix: strings.TrimSpace(r[2].Str()), priority: r[4].Int64(), routeID: r[5].Str(), attrs: r[8].Str()}
		if err := checkPrefix(ru.prefix, m.ExtraPrefixChars); err != nil {
			bad(p.RuleTable, id, "%v", err)
			continue
		}
		var err error
		if ru.sortAlg, err = sortAlg(r[7]); err != nil {
			bad(p.RuleTable, id, "%v", err)
			continue
		}
		if tr := strings.TrimSpace(r[3].Str()); tr != "" {
			if ru.tr, err = timerec.ParseExpr(tr); err != nil {
				bad(p.RuleTable, id, "timerec %q: %v", tr, err)
				continue
			}
		}
		if ru.groups, err = parseGroups(r[1].Str()); err != nil {
			bad(p.RuleTable, id, "%v", err)
			continue
		}
		items, err := parseList(r[6].Str())
		if err != nil {
			bad(p.RuleTable, id, "gwlist: %v", err)
			continue
		}
		ok := true
		for _, it := range items {
			dst := dest{weight: it.weight}
			if it.carrier {
				dst.carrier = d.carriers[it.id]
			} else {
				dst.gw = d.gws[it.id]
			}
			if dst.gw == nil && dst.carrier == nil {
				kind := "gateway"
				if it.carrier {
					kind = "carrier"
				}
				bad(p.RuleTable, id, "unknown %s %q in gwlist", kind, it.id)
				ok = false
				break
			}
			ru.dests = append(ru.dests, dst)
		}
		if !ok {
			continue
		}
		d.byID[id] = ru
		for _, g := range ru.groups {
			if d.rules[g] == nil {
				d.rules[g] = map[string][]*rule{}
			}
			d.rules[g][ru.prefix] = append(d.rules[g][ru.prefix], ru)
		}
	}
	for _, byPrefix := range d.rules {
		for _, l := range byPrefix {
			sort.SliceStable(l, func(i, j int) bool { return l[i].priority > l[j].priority })
		}
	}

	if p.GroupTable != "" {
		res, err = conn.Query(ctx, p.GroupTable, []string{m.GroupUserCol, m.GroupDomainCol, m.GroupIDCol}, nil, "", 0)
		if err != nil && !errors.Is(err, db.ErrNoTable) {
			return nil, fmt.Errorf("table %s: %w", p.GroupTable, err)
		}
		if err == nil {
			for _, r := range res.Rows {
				key := r[0].Str()
				if m.UseDomain != 0 {
					key += "@" + r[1].Str()
				}
				if _, dup := d.groups[key]; !dup {
					d.groups[key] = r[2].Int64()
				}
			}
		}
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return d, nil
}

func parseGroups(s string) ([]int64, error) {
	var out []int64
	for _, g := range strings.Split(s, ",") {
		n, err := strconv.ParseInt(strings.TrimSpace(g), 10, 64)
		if err != nil {
			return nil, fmt.Errorf("bad groupid %q", s)
		}
		out = append(out, n)
	}
	return out, nil
}

func checkPrefix(p, extra string) error {
	for _, c := range p {
		if (c < '0' || c > '9') && !strings.ContainsRune(extra, c) {
			return fmt.Errorf("bad prefix %q (digits only; see extra_prefix_chars)", p)
		}
	}
	return nil
}

// resolveGW parses a gateway address and resolves its host.
func (m *Module) resolveGW(ctx context.Context, g *gateway, addr string) error {
	if addr == "" {
		return errors.New("empty address")
	}
	full := addr
	lower := strings.ToLower(addr)
	switch {
	case strings.HasPrefix(lower, "sips:"):
		addr = addr[5:]
	case strings.HasPrefix(lower, "sip:"):
		addr = addr[4:]
	default:
		full = "sip:" + addr
	}
	u, err := sip.ParseURI(full)
	if err != nil {
		return fmt.Errorf("bad address %q: %w", addr, err)
	}
	if u.User != "" {
		addr = addr[strings.IndexByte(addr, '@')+1:]
	}
	g.address = addr
	g.proto = sip.ParseProto(u.Transport())
	port := u.Port
	if port == 0 {
		port = 5060
		if u.IsSecure() {
			port = 5061
		}
	}
	host := u.HostNoBrackets()
	if ip, err := netip.ParseAddr(host); err == nil {
		g.addrs = []netip.AddrPort{netip.AddrPortFrom(ip.Unmap(), uint16(port))}
		return nil
	}
	if m.ForceDNS == 0 {
		return nil
	}
	rctx, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	ips, err := net.DefaultResolver.LookupNetIP(rctx, "ip", host)
	if err != nil {
		return fmt.Errorf("cannot resolve %q: %v", host, err)
	}
	for _, ip := range ips {
		g.addrs = append(g.addrs, netip.AddrPortFrom(ip.Unmap(), uint16(port)))
	}
	return nil
}

// inheritStates copies the run-time states of gateways and carriers that
// survive a reload.
func inheritStates(old, nw *data) {
	if old == nil {
		return
	}
	for id, g := range nw.gws {
		if o := old.gws[id]; o != nil {
			g.flags = o.flags
		}
	}
	for id, c := range nw.carriers {
		if o := old.carriers[id]; o != nil {
			c.off = o.off
		}
	}
}

func parseCodes(s string) ([]int, error) {
	var out []int
	for _, tok := range strings.Split(s, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(tok))
		if err != nil || n < 100 || n > 699 {
			return nil, fmt.Errorf("probing_reply_codes %q: %q is not a reply code", s, strings.TrimSpace(tok))
		}
		out = append(out, n)
	}
	return out, nil
}
