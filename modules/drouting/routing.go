package drouting

import (
	"math/rand/v2"
	"net/netip"
	"strconv"
	"strings"
	"time"

	"gosips/api"
	"gosips/pv"
	"gosips/sip"
)

// Internal AVPs keeping the routing state of a transaction between
// do_routing() and use_next_gw() / dr_disable().
const (
	avpPending = "___dr_dst__" // "rule\x1fgw\x1fcarrier\x1fruri", oldest first
	avpCurrent = "___dr_cur__" // "gw\x1fcarrier" of the destination in use
	sep        = "\x1f"
)

// Routing flags of do_routing().
const (
	flagFallback = 1 << iota // F
	flagStrict               // L
	flagCheck                // C
)

func parseRouteFlags(s string) (int, bool) {
	f := 0
	for _, c := range s {
		switch c {
		case 'F':
			f |= flagFallback
		case 'L':
			f |= flagStrict
		case 'C':
			f |= flagCheck
		case ' ':
		default:
			return 0, false
		}
	}
	return f, true
}

// Gateway-matching flags of is_from_gw(), goes_to_gw(), dr_is_gw().
const (
	gwStrip     = 1 << iota // s
	gwPrefix                // p
	gwSetID                 // i
	gwNoPort                // n
	gwProto                 // r
	gwCarrierID             // c
)

func parseGWFlags(s string) (int, bool) {
	f := 0
	for _, c := range s {
		switch c {
		case 's':
			f |= gwStrip
		case 'p':
			f |= gwPrefix
		case 'i':
			f |= gwSetID
		case 'n':
			f |= gwNoPort
		case 'r':
			f |= gwProto
		case 'c':
			f |= gwCarrierID
		case ' ':
		default:
			return 0, false
		}
	}
	return f, true
}

// matchRules returns the rules a number selects in a group, best first:
// the rules of the longest matching prefix (only the whole number with
// strict) by priority whose time recurrence holds now, then, when all is
// set, those of shorter prefixes and the no-prefix rules.
func (d *data) matchRules(group int64, number string, strict, all bool, now time.Time) ([]*rule, string) {
	byPrefix := d.rules[group]
	if byPrefix == nil {
		return nil, ""
	}
	var out []*rule
	matched := ""
	add := func(prefix string) bool {
		found := false
		for _, r := range byPrefix[prefix] {
			if r.tr == nil || r.tr.Match(now) {
				if len(out) == 0 {
					matched = prefix
				}
				out = append(out, r)
				found = true
				if !all {
					return true
				}
			}
		}
		return found
	}
	for l := len(number); l > 0; l-- {
		if strict && l != len(number) {
			break
		}
		if add(number[:l]) && !all {
			return out, matched
		}
	}
	if !strict || number == "" {
		add("")
	}
	if !all && len(out) > 1 {
		out = out[:1]
	}
	return out, matched
}

// order sorts destinations per the algorithm: N keeps the list, W draws a
// weighted random order (weight 0 last), Q is taken as N.
func order(ds []dest, alg byte) []dest {
	out := append([]dest(nil), ds...)
	if alg != 'W' || len(out) < 2 {
		return out
	}
	res := make([]dest, 0, len(out))
	for len(out) > 0 {
		total := 0
		for _, d := range out {
			total += d.weight
		}
		if total == 0 {
			return append(res, out...)
		}
		n := rand.IntN(total)
		for i, d := range out {
			if n < d.weight {
				res = append(res, d)
				out = append(out[:i], out[i+1:]...)
				break
			}
			n -= d.weight
		}
	}
	return res
}

// hop is one usable destination: a gateway, maybe through a carrier.
type hop struct {
	rule    *rule
	gw      *gateway
	carrier *carrier
}

// expand turns a destination list into usable gateways in order.
func expand(ds []dest, alg byte, r *rule, white map[string]bool) []hop {
	var out []hop
	for _, d := range order(ds, alg) {
		if d.carrier != nil {
			c := d.carrier
			if c.off || (white != nil && !white["#"+c.id]) {
				continue
			}
			for _, cd := range order(c.dests, c.sortAlg) {
				if cd.gw.flags&gwDisabled != 0 {
					continue
				}
				out = append(out, hop{rule: r, gw: cd.gw, carrier: c})
				if c.flags&0x1 != 0 {
					break
				}
			}
			continue
		}
		if d.gw.flags&gwDisabled != 0 || (white != nil && !white[d.gw.id]) {
			continue
		}
		out = append(out, hop{rule: r, gw: d.gw})
	}
	return out
}

// buildRURI is the R-URI for a gateway: its prefix, the user without the
// stripped digits, the gateway's host and port, the original parameters.
func buildRURI(u sip.URI, g *gateway) string {
	user := u.User
	if g.strip >= len(user) {
		user = ""
	} else {
		user = user[g.strip:]
	}
	user = g.pri + user
	var b strings.Builder
	b.WriteString("sip:")
	b.WriteString(user)
	if u.HasPassword {
		b.WriteString(":" + u.Password)
	}
	if user != "" || u.HasPassword {
		b.WriteByte('@')
	}
	b.WriteString(g.address)
	if u.Params != "" {
		b.WriteString(";" + u.Params)
	}
	if u.Headers != "" {
		b.WriteString("?" + u.Headers)
	}
	return b.String()
}

// outVars are the optional attribute variables of a call.
type outVars struct{ rule, gw, carrier api.PVRef }

func ref(v any) api.PVRef { r, _ := v.(api.PVRef); return r }

func setVar(c *api.Ctx, r api.PVRef, s string) {
	if r == nil {
		return
	}
	if err := r.Set(c, api.StrValue(s)); err != nil {
		c.Log.Error("drouting: cannot set the attributes variable", "var", r.Name(), "err", err)
	}
}

// use makes h the current destination: R-URI, socket, AVPs, attributes.
func (m *Module) use(c *api.Ctx, p *Partition, h hop, ruri string, vars outVars) {
	c.Msg.SetRURI(ruri)
	st := pv.AVPsOf(c)
	cid := ""
	if h.carrier != nil {
		cid = h.carrier.id
	}
	if st != nil {
		st.Assign(avpCurrent, api.StrValue(h.gw.id+sep+cid))
		assign := func(spec, v string) {
			if n := avpName(spec); n != "" {
				st.Assign(n, api.StrValue(v))
			}
		}
		assign(p.GWIDAVP, h.gw.id)
		assign(p.GWPriAVP, h.gw.pri)
		if h.carrier != nil {
			assign(p.CarrierIDAVP, cid)
		}
		if h.rule != nil {
			assign(p.RuleIDAVP, strconv.FormatInt(h.rule.id, 10))
		}
	}
	if h.rule != nil {
		setVar(c, vars.rule, h.rule.attrs)
	}
	setVar(c, vars.gw, h.gw.attrs)
	if h.carrier != nil {
		setVar(c, vars.carrier, h.carrier.attrs)
	}
}

// route uses the first hop and queues the others for use_next_gw().
func (m *Module) route(c *api.Ctx, p *Partition, hops []hop, vars outVars) api.Ret {
	u, err := sip.ParseURI(c.RURI())
	if err != nil {
		c.Log.Error("drouting: bad Request-URI", "err", err)
		return api.RetFalse
	}
	if len(hops) == 0 {
		return api.RetFalse
	}
	st := pv.AVPsOf(c)
	if st != nil {
		st.DelAll(avpPending)
		if n := avpName(p.RURIAVP); n != "" {
			st.DelAll(n)
		}
		for _, h := range hops[1:] {
			rid, cid := "", ""
			if h.rule != nil {
				rid = strconv.FormatInt(h.rule.id, 10)
			}
			if h.carrier != nil {
				cid = h.carrier.id
			}
			ruri := buildRURI(u, h.gw)
			st.Push(avpPending, api.StrValue(rid+sep+h.gw.id+sep+cid+sep+ruri))
			if n := avpName(p.RURIAVP); n != "" {
				st.Push(n, api.StrValue(ruri))
			}
		}
		if n := avpName(p.RulePrefixAVP); n != "" && hops[0].rule != nil {
			st.Assign(n, api.StrValue(hops[0].rule.prefix))
		}
	}
	m.use(c, p, hops[0], buildRURI(u, hops[0].gw), vars)
	return api.RetTrue
}

// doRouting is do_routing().
func (m *Module) doRouting(c *api.Ctx, a []any) api.Ret {
	p := m.partFor(c, a[6])
	if p == nil {
		return api.RetFalse
	}
	d := p.rt.current()
	if d == nil {
		return api.RetFalse
	}
	flags := 0
	if s, ok := a[1].(string); ok {
		var okf bool
		if flags, okf = parseRouteFlags(s); !okf {
			c.Log.Error("do_routing: bad flags", "flags", s)
			return api.RetFalse
		}
	}
	group, ok := a[0].(int64)
	if !ok {
		group = -1
		if from, err := c.Msg.From(); err == nil {
			if fu, err := sip.ParseURI(from.URI); err == nil {
				key := fu.User
				if m.UseDomain != 0 {
					key += "@" + fu.Host
				}
				if g, found := d.groups[key]; found {
					group = g
				}
			}
		}
		if group < 0 {
			if m.DefaultGroup < 0 {
				c.Log.Info("do_routing: the caller has no routing group and there is no default_group")
				return api.RetFalse
			}
			group = int64(m.DefaultGroup)
		}
	}
	u, err := sip.ParseURI(c.RURI())
	if err != nil {
		c.Log.Error("do_routing: bad Request-URI", "err", err)
		return api.RetFalse
	}
	rules, _ := d.matchRules(group, u.User, flags&flagStrict != 0, flags&flagFallback != 0, time.Now())
	if len(rules) == 0 {
		return api.RetFalse
	}
	vars := outVars{ref(a[3]), ref(a[4]), ref(a[5])}
	if flags&flagCheck != 0 {
		setVar(c, vars.rule, rules[0].attrs)
		return api.RetTrue
	}
	var white map[string]bool
	if s, ok := a[2].(string); ok && strings.TrimSpace(s) != "" {
		white = map[string]bool{}
		for _, id := range strings.Split(s, ",") {
			white[strings.TrimSpace(id)] = true
		}
	}
	p.rt.mu.RLock()
	var hops []hop
	for _, r := range rules {
		hops = append(hops, expand(r.dests, r.sortAlg, r, white)...)
	}
	p.rt.mu.RUnlock()
	if r := rules[0]; r.routeID != "" && c.Core != nil {
		c.Core.RunRoute(c, api.RequestRoute, r.routeID)
	}
	if len(hops) == 0 {
		setVar(c, vars.rule, rules[0].attrs)
		return api.RetFalse
	}
	return m.route(c, p, hops, vars)
}

// useNextGW is use_next_gw().
func (m *Module) useNextGW(c *api.Ctx, a []any) api.Ret {
	p := m.partFor(c, a[3])
	st := pv.AVPsOf(c)
	if p == nil || st == nil {
		return api.RetFalse
	}
	d := p.rt.current()
	for st.Count(avpPending) > 0 {
		v := pv.Str(st.Get(avpPending, -1))
		st.DelAt(avpPending, -1)
		if n := avpName(p.RURIAVP); n != "" {
			st.DelAt(n, -1)
		}
		f := strings.SplitN(v, sep, 4)
		if len(f) != 4 || d == nil {
			continue
		}
		g := d.gws[f[1]]
		if g == nil {
			continue
		}
		p.rt.mu.RLock()
		off := g.flags&gwDisabled != 0
		p.rt.mu.RUnlock()
		if off {
			continue
		}
		h := hop{gw: g, carrier: d.carriers[f[2]]}
		if id, err := strconv.ParseInt(f[0], 10, 64); err == nil {
			h.rule = d.byID[id]
		}
		m.use(c, p, h, f[3], outVars{ref(a[0]), ref(a[1]), ref(a[2])})
		return api.RetTrue
	}
	return api.RetFalse
}

// routeTo is route_to_gw() and route_to_carrier().
func (m *Module) routeTo(c *api.Ctx, ids string, carriers bool, a []any) api.Ret {
	p := m.partFor(c, a[3])
	if p == nil {
		return api.RetFalse
	}
	d := p.rt.current()
	if d == nil {
		return api.RetFalse
	}
	var ds []dest
	for _, id := range strings.Split(ids, ",") {
		id = strings.TrimSpace(id)
		if carriers {
			if cr := d.carriers[id]; cr != nil {
				ds = append(ds, dest{carrier: cr, weight: 1})
			} else {
				c.Log.Error("route_to_carrier: unknown carrier", "id", id)
			}
		} else if g := d.gws[id]; g != nil {
			ds = append(ds, dest{gw: g, weight: 1})
		} else {
			c.Log.Error("route_to_gw: unknown gateway", "id", id)
		}
	}
	p.rt.mu.RLock()
	hops := expand(ds, 'N', nil, nil)
	p.rt.mu.RUnlock()
	if !carriers {
		for i := range hops {
			hops[i].carrier = d.firstCarrierOf(hops[i].gw)
		}
	}
	return m.route(c, p, hops, outVars{gw: ref(a[1]), carrier: ref(a[2])})
}

func (d *data) firstCarrierOf(g *gateway) *carrier {
	for _, c := range d.crOrder {
		for _, cd := range c.dests {
			if cd.gw == g {
				return c
			}
		}
	}
	return nil
}

// matchGW finds the gateway of an address (type -1: any).
func (d *data) matchGW(addr netip.AddrPort, proto sip.Proto, typ int64, flags int) *gateway {
	for _, g := range d.gwOrder {
		if typ >= 0 && int64(g.typ) != typ {
			continue
		}
		if flags&gwProto != 0 {
			gp := g.proto
			if gp == sip.ProtoNone {
				gp = sip.ProtoUDP
			}
			if proto != gp {
				continue
			}
		}
		for _, ga := range g.addrs {
			if ga.Addr() == addr.Addr() && (flags&gwNoPort != 0 || ga.Port() == addr.Port()) {
				return g
			}
		}
	}
	return nil
}

// gwCheck is the common part of is_from_gw(), goes_to_gw() and dr_is_gw().
func (m *Module) gwCheck(c *api.Ctx, addr netip.AddrPort, proto sip.Proto, typ, flags, gwAttrs, crAttrs, part any) api.Ret {
	ps := m.partsFor(c, part)
	t := int64(-1)
	if v, ok := typ.(int64); ok {
		t = v
	}
	fl := 0
	if s, ok := flags.(string); ok {
		var okf bool
		if fl, okf = parseGWFlags(s); !okf {
			c.Log.Error("drouting: bad gateway flags", "flags", s)
			return api.RetFalse
		}
	}
	for _, p := range ps {
		d := p.rt.current()
		if d == nil {
			continue
		}
		g := d.matchGW(addr, proto, t, fl)
		if g == nil {
			continue
		}
		cr := d.firstCarrierOf(g)
		if fl&(gwStrip|gwPrefix) != 0 && c.Msg != nil && c.Msg.IsRequest() {
			if u, err := sip.ParseURI(c.RURI()); err == nil {
				user := u.User
				if fl&gwStrip != 0 {
					if g.strip >= len(user) {
						user = ""
					} else {
						user = user[g.strip:]
					}
				}
				if fl&gwPrefix != 0 {
					user = g.pri + user
				}
				u.User = user
				c.Msg.SetRURI(u.String())
			}
		}
		if st := pv.AVPsOf(c); st != nil {
			if n := avpName(p.GWIDAVP); fl&gwSetID != 0 && n != "" {
				st.Assign(n, api.StrValue(g.id))
			}
			if n := avpName(p.CarrierIDAVP); fl&gwCarrierID != 0 && n != "" && cr != nil {
				st.Assign(n, api.StrValue(cr.id))
			}
		}
		setVar(c, ref(gwAttrs), g.attrs)
		if cr != nil {
			setVar(c, ref(crAttrs), cr.attrs)
		}
		return api.RetTrue
	}
	return api.RetFalse
}

// uriAddr resolves a SIP URI's host (numeric hosts only unless resolve).
func uriAddr(c *api.Ctx, uri string, resolve bool) (netip.AddrPort, sip.Proto, bool) {
	u, err := sip.ParseURI(uri)
	if err != nil {
		return netip.AddrPort{}, 0, false
	}
	port := u.Port
	if port == 0 {
		port = 5060
	}
	ip, err := netip.ParseAddr(u.HostNoBrackets())
	if err != nil {
		if !resolve || c.Core == nil {
			return netip.AddrPort{}, 0, false
		}
		dst, err := c.Core.Resolve(c.Context, uri, nil)
		if err != nil {
			return netip.AddrPort{}, 0, false
		}
		return dst.Addr, dst.Proto, true
	}
	return netip.AddrPortFrom(ip.Unmap(), uint16(port)), sip.ParseProto(u.Transport()), true
}

// disableCurrent is dr_disable(): the destination in use is not used
// again until probing (or MI) enables it.
func (m *Module) disableCurrent(c *api.Ctx, part any) api.Ret {
	st := pv.AVPsOf(c)
	if st == nil || st.Count(avpCurrent) == 0 {
		return api.RetFalse
	}
	gwid, _, _ := strings.Cut(pv.Str(st.Get(avpCurrent, 0)), sep)
	for _, p := range m.partsFor(c, part) {
		d := p.rt.current()
		if d == nil {
			continue
		}
		if g := d.gws[gwid]; g != nil {
			p.rt.mu.Lock()
			if g.flags&gwDisabled == 0 {
				g.flags |= gwDisabled
				if g.probeMode != 0 {
					g.flags |= gwProbing
				}
				g.dirty = true
			}
			p.rt.mu.Unlock()
			m.log.Info("gateway disabled by script", "gw", g.id, "partition", p.Name)
			return api.RetTrue
		}
	}
	return api.RetFalse
}

// partFor returns the named partition (the default one without
// partitions).
func (m *Module) partFor(c *api.Ctx, part any) *Partition {
	name, _ := part.(string)
	p := m.partition(name)
	if p == nil || p.rt == nil {
		c.Log.Error("drouting: unknown partition or no data", "partition", name)
		return nil
	}
	return p
}

// partsFor accepts "*" for every partition.
func (m *Module) partsFor(c *api.Ctx, part any) []*Partition {
	if name, _ := part.(string); name == "*" && m.UsePartitions != 0 {
		return m.Partitions
	}
	if p := m.partFor(c, part); p != nil {
		return []*Partition{p}
	}
	return nil
}
