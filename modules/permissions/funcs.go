package permissions

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"strings"

	"gosips/api"
	"gosips/db"
	"gosips/sip"
)

// Funcs lists the script functions.
func (m *Module) Funcs() []api.Func {
	const addrRoutes = api.RequestRoute | api.FailureRoute | api.LocalRoute | api.BranchRoute
	part := api.Arg{Name: "partition", Type: api.ArgStr, Optional: true, Fixup: m.partFixup}
	ctxVar := api.Arg{Name: "context_info", Type: api.ArgVar, Optional: true, Writable: true}
	pattern := api.Arg{Name: "pattern", Type: api.ArgStr, Optional: true}
	file := func(name string, opt bool) api.Arg {
		return api.Arg{Name: name, Type: api.ArgStr, Optional: opt, Static: true, Fixup: m.fileFixup}
	}
	return []api.Func{
		{Name: "check_address", Routes: addrRoutes | api.StartupRoute | api.TimerRoute | api.EventRoute,
			Args: []api.Arg{{Name: "group_id", Type: api.ArgInt}, {Name: "ip", Type: api.ArgStr},
				{Name: "port", Type: api.ArgInt}, {Name: "proto", Type: api.ArgStr, Fixup: protoFixup},
				ctxVar, pattern, part},
			Returns: "1 match, -1 no match or bad ip, -2 no such group",
			Call: func(c *api.Ctx, a []any) api.Ret {
				ip, err := netip.ParseAddr(strings.Trim(strings.TrimSpace(str(a[1])), "[]"))
				if err != nil {
					c.Log.Error("check_address: invalid ip address", "ip", str(a[1]))
					return api.RetFalse
				}
				proto, ok := parseProto(str(a[3]))
				if !ok {
					c.Log.Error("check_address: unknown protocol", "proto", str(a[3]))
					return api.RetFalse
				}
				return m.check(c, a[6], a[0].(int64), ip, int(a[2].(int64)), proto, a[4], a[5])
			}},
		{Name: "check_source_address", Routes: addrRoutes,
			Args:    []api.Arg{{Name: "group_id", Type: api.ArgInt}, ctxVar, pattern, part},
			Returns: "1 match, -1 no match, -2 no such group",
			Call: func(c *api.Ctx, a []any) api.Ret {
				ip, port, proto, ok := source(c)
				if !ok {
					return api.RetFalse
				}
				return m.check(c, a[3], a[0].(int64), ip, port, proto, a[1], a[2])
			}},
		{Name: "allow_source_address", Routes: addrRoutes, Legacy: "check_source_address(group_id)",
			Args: []api.Arg{{Name: "group_id", Type: api.ArgInt, Optional: true}},
			Call: func(c *api.Ctx, a []any) api.Ret {
				ip, port, proto, ok := source(c)
				if !ok {
					return api.RetFalse
				}
				grp, _ := a[0].(int64)
				return m.check(c, nil, grp, ip, port, proto, nil, nil)
			}},
		{Name: "get_source_group", Routes: addrRoutes,
			Args: []api.Arg{{Name: "var", Type: api.ArgVar, Writable: true}, part},
			Call: func(c *api.Ctx, a []any) api.Ret {
				t := m.tableFor(c, a[1])
				ip, port, _, ok := source(c)
				if t == nil || !ok {
					return api.RetFalse
				}
				g, found := t.findGroup(ip, port)
				if !found {
					return api.RetFalse
				}
				if err := a[0].(api.PVRef).Set(c, api.IntValue(g)); err != nil {
					c.Log.Error("get_source_group: cannot set the variable", "err", err)
					return api.RetFalse
				}
				return api.RetTrue
			}},
		{Name: "allow_routing", Routes: api.RequestRoute | api.FailureRoute | api.LocalRoute,
			Args: []api.Arg{file("basename", true)},
			Call: func(c *api.Ctx, a []any) api.Ret { return m.allowRouting(c, a[0]) }},
		{Name: "allow_register", Routes: api.RequestRoute | api.FailureRoute | api.LocalRoute,
			Args: []api.Arg{file("basename", false)},
			Call: func(c *api.Ctx, a []any) api.Ret { return m.allowRegister(c, a[0]) }},
		{Name: "allow_uri", Routes: addrRoutes | api.StartupRoute | api.TimerRoute | api.EventRoute,
			Args: []api.Arg{file("basename", false), {Name: "uri", Type: api.ArgStr}},
			Call: func(c *api.Ctx, a []any) api.Ret { return m.allowURI(c, a[0], str(a[1])) }},
		{Name: "allow_trusted", Routes: addrRoutes,
			Legacy: "check_source_address(group_id) with the trusted rows moved to the address table",
			Args:   []api.Arg{{Name: "table", Type: api.ArgStr, Optional: true}, {Name: "proto", Type: api.ArgStr, Optional: true}},
			Call:   nil},
	}
}

func str(v any) string { s, _ := v.(string); return s }

// parseProto maps "any" (or "") to ProtoNone.
func parseProto(s string) (sip.Proto, bool) {
	s = strings.TrimSpace(s)
	if s == "" || strings.EqualFold(s, "any") {
		return sip.ProtoNone, true
	}
	p := sip.ParseProto(s)
	return p, p != sip.ProtoNone
}

func protoFixup(_ *api.FixupCtx, a *api.FixArg) error {
	if _, ok := parseProto(a.Str); !ok {
		return fmt.Errorf("unknown protocol %q (any, udp, tcp, tls, sctp, ws, wss)", a.Str)
	}
	return nil
}

func (m *Module) partFixup(_ *api.FixupCtx, a *api.FixArg) error {
	if m.partition(a.Str) == nil {
		var names []string
		for _, p := range m.Partitions {
			names = append(names, p.Name)
		}
		return fmt.Errorf("unknown partition %q (defined: %s)", a.Str, strings.Join(names, ", "))
	}
	return nil
}

// fileFixup loads the rule files of a basename at start-up (not while
// checking: no files are opened then).
func (m *Module) fileFixup(fc *api.FixupCtx, a *api.FixArg) error {
	if fc.Check {
		return nil
	}
	fp, err := m.pair(a.Str+m.AllowSuffix, a.Str+m.DenySuffix)
	if err != nil {
		return err
	}
	a.Fixed = fp
	return nil
}

// source returns $si, $sp and the protocol the message came over.
func source(c *api.Ctx) (netip.Addr, int, sip.Proto, bool) {
	if c.Msg == nil || c.Msg.Recv() == nil {
		return netip.Addr{}, 0, 0, false
	}
	r := c.Msg.Recv()
	return r.Src.Addr(), int(r.Src.Port()), r.Proto, true
}

// tableFor returns the snapshot of the named partition ("default" when
// nil or empty).
func (m *Module) tableFor(c *api.Ctx, part any) *table {
	name := str(part)
	if name == "" {
		name = "default"
	}
	p := m.partition(name)
	if p == nil || p.data == nil {
		c.Log.Error("permissions: partition has no address table", "partition", name)
		return nil
	}
	return p.data.cur.Load()
}

func (m *Module) check(c *api.Ctx, part any, grp int64, ip netip.Addr, port int, proto sip.Proto, info, pattern any) api.Ret {
	t := m.tableFor(c, part)
	if t == nil {
		return api.RetFalse
	}
	pat, hasPat := pattern.(string)
	e, err := t.match(grp, ip, port, proto, pat, hasPat)
	if errors.Is(err, errNoGroup) {
		return -2
	}
	if e == nil {
		return api.RetFalse
	}
	if ref, ok := info.(api.PVRef); ok {
		if err := ref.Set(c, api.StrValue(e.info)); err != nil {
			c.Log.Error("permissions: cannot set the context info variable", "err", err)
			return api.RetFalse
		}
	}
	return api.RetTrue
}

// filesFor returns the files of a call: its fixed pair, or the default
// files for allow_routing().
func (m *Module) filesFor(c *api.Ctx, arg any) *filePair {
	if fp, ok := arg.(*filePair); ok {
		return fp
	}
	var fp *filePair
	var err error
	if base, ok := arg.(string); ok && base != "" {
		fp, err = m.pair(base+m.AllowSuffix, base+m.DenySuffix)
	} else {
		fp, err = m.pair(m.DefaultAllowFile, m.DefaultDenyFile)
	}
	if err != nil {
		c.Log.Error("permissions: cannot load the rule files", "err", err)
		return &filePair{}
	}
	return fp
}

// plainURI is "sip:user@host" (or "sip:host") of uri.
func plainURI(uri string) (string, bool) {
	u, err := sip.ParseURI(uri)
	if err != nil {
		return "", false
	}
	if u.User != "" {
		return "sip:" + u.User + "@" + u.Host, true
	}
	return "sip:" + u.Host, true
}

func (m *Module) allowRouting(c *api.Ctx, arg any) api.Ret {
	fp := m.filesFor(c, arg)
	if fp.empty() {
		return api.RetTrue
	}
	from, err := c.Msg.From()
	if err != nil {
		c.Log.Error("allow_routing: no From header", "err", err)
		return api.RetFalse
	}
	u, err := sip.ParseURI(c.Msg.RURI())
	if err != nil {
		c.Log.Error("allow_routing: bad Request-URI", "err", err)
		return api.RetFalse
	}
	ruri := "sip:" + u.User + "@" + u.Host
	all := m.CheckAllBranches != 0
	if fp.allow.search(from.URI, ruri) {
		if !all {
			return api.RetTrue
		}
	} else if fp.deny.search(from.URI, ruri) {
		return api.RetFalse
	} else if !all {
		return api.RetTrue
	}
	uris := make([]string, len(c.Branches))
	for i, b := range c.Branches {
		uris[i] = b.URI
	}
	return fp.checkEach(from.URI, uris)
}

// checkEach denies when a uri is not allowed and matches a deny rule.
func (fp *filePair) checkEach(left string, uris []string) api.Ret {
	for _, uri := range uris {
		pu, ok := plainURI(uri)
		if !ok {
			return api.RetFalse
		}
		if !fp.allow.search(left, pu) && fp.deny.search(left, pu) {
			return api.RetFalse
		}
	}
	return api.RetTrue
}

func (m *Module) allowRegister(c *api.Ctx, arg any) api.Ret {
	fp := m.filesFor(c, arg)
	if fp.empty() {
		return api.RetTrue
	}
	to, err := c.Msg.To()
	if err != nil {
		c.Log.Error("allow_register: no To header", "err", err)
		return api.RetFalse
	}
	cs, star, err := c.Msg.Contacts()
	if err != nil {
		c.Log.Error("allow_register: bad Contact", "err", err)
		return api.RetFalse
	}
	if star || len(cs) == 0 {
		return api.RetTrue
	}
	uris := make([]string, len(cs))
	for i, ct := range cs {
		uris[i] = ct.URI
	}
	return fp.checkEach(to.URI, uris)
}

func (m *Module) allowURI(c *api.Ctx, arg any, uri string) api.Ret {
	fp := m.filesFor(c, arg)
	if fp.empty() {
		return api.RetTrue
	}
	var fromURI string
	if c.Msg != nil {
		if from, err := c.Msg.From(); err == nil {
			fromURI = from.URI
		}
	}
	pu, ok := plainURI(uri)
	if !ok {
		c.Log.Error("allow_uri: bad uri", "uri", uri)
		return api.RetFalse
	}
	if fp.allow.search(fromURI, pu) {
		return api.RetTrue
	}
	if fp.deny.search(fromURI, pu) {
		return api.RetFalse
	}
	return api.RetTrue
}

// Init opens the partitions' databases and loads their tables.
func (m *Module) Init(ic *api.InitCtx) error {
	if ic.Log != nil {
		m.log = ic.Log
	}
	m.configDir = ic.ConfigDir
	def := ""
	if ic.Global != nil {
		if v, ok := ic.Global("db_default_url"); ok && v.IsStr() {
			def = v.S
		}
	}
	m.resolvePartitions(def)
	ctx := context.Background()
	for _, p := range m.Partitions {
		conn, err := db.Open(ctx, p.DBURL, db.WithBaseDir(ic.ConfigDir), db.WithLogger(m.log))
		if err != nil {
			m.Close()
			return fmt.Errorf("partition %q: %w", p.Name, err)
		}
		p.data = &store{conn: conn}
		if err := db.CheckVersion(ctx, conn, p.Table, TableVersion); err != nil && !errors.Is(err, db.ErrNoVersion) {
			m.Close()
			return fmt.Errorf("partition %q: %w", p.Name, err)
		}
		t, bad, err := m.loadTable(ctx, p)
		if err != nil {
			m.Close()
			return fmt.Errorf("partition %q: %w", p.Name, err)
		}
		for _, e := range bad {
			m.log.Error("address row skipped", "partition", p.Name, "err", e)
		}
		p.data.cur.Store(t)
	}
	return nil
}

// reload reads a partition's table again; with a bad row the old data
// stay and the error names the table and row id.
func (m *Module) reload(ctx context.Context, p *Partition) error {
	if p.data == nil {
		return nil
	}
	if r, ok := p.data.conn.(db.Reloader); ok {
		if err := r.Reload(ctx, p.Table); err != nil {
			return err
		}
	}
	t, bad, err := m.loadTable(ctx, p)
	if err != nil {
		return err
	}
	if len(bad) > 0 {
		return errors.Join(bad...)
	}
	p.data.cur.Store(t)
	return nil
}

// Close closes the databases.
func (m *Module) Close() error {
	var errs []error
	for _, p := range m.Partitions {
		if p.data != nil && p.data.conn != nil {
			errs = append(errs, p.data.conn.Close())
			p.data.conn = nil
		}
	}
	return errors.Join(errs...)
}
