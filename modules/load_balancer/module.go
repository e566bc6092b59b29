// Package loadbalancer is OpenSIPS' load_balancer module: calls are sent
// to the least loaded destination of a group that offers the resources
// they need, the load being counted with dialog profiles; destinations
// are probed and disabled when they fail.
package loadbalancer

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"gosips/api"
	"gosips/db"
	"gosips/internal/dbconn"
	"gosips/pv"
	"gosips/sip"
)

func init() {
	api.Register(api.ModuleInfo{Name: "load_balancer", New: func() api.Module { return New() },
		Deps: []api.Dep{{Name: "dialog"}, {Name: "tm", Optional: true}}, Doc: "load balancing by resources and capacity"})
}

// TableVersion is the load_balancer table version OpenSIPS 3.6 expects.
const TableVersion = 3

// Destination flags.
const (
	dstDisabled = 1 << iota
	dstNoReenable
)

type dest struct {
	id        int64
	group     int64
	uri       string
	addr      netip.AddrPort
	resources map[string]int // name -> capacity
	resOrder  []string
	probeMode int
	attrs     string
	profileID string // the dialog profile value: the id in hex
	flags     int    // guarded by Module.mu
}

// Module is one load_balancer instance.
type Module struct {
	Table           string
	ProbingInterval int
	ProbingVerbose  int
	ProbingMethod   string
	ProbingFrom     string
	ProbingReplies  string

	log        *slog.Logger
	dbh        dbconn.Handle
	dlg        api.DialogAPI
	uac        api.UAC
	replyCodes []int

	mu    sync.RWMutex
	dests []*dest
	known map[string]bool // resource names

	stop context.CancelFunc
	done chan struct{}
}

// New returns a load_balancer instance with OpenSIPS' defaults.
func New() *Module {
	return &Module{Table: "load_balancer", ProbingInterval: 30, ProbingMethod: "OPTIONS",
		ProbingFrom: "sip:prober@localhost", log: slog.New(slog.DiscardHandler)}
}

// Params lists the module parameters.
func (m *Module) Params() []api.Param {
	ignored := func(name string, t api.ParamType) api.Param {
		return api.FuncParam(name, t, false, func(api.ParamValue) error { return nil })
	}
	return []api.Param{
		api.StrParam("db_url", &m.dbh.URL),
		api.StrParam("db_table", &m.Table),
		api.IntParam("probing_interval", &m.ProbingInterval),
		api.IntParam("probing_verbose", &m.ProbingVerbose),
		api.StrParam("probing_method", &m.ProbingMethod),
		api.StrParam("probing_from", &m.ProbingFrom),
		api.FuncParam("probing_reply_codes", api.ParamStr, false, func(v api.ParamValue) error {
			codes, err := parseCodes(v.Str)
			m.ProbingReplies, m.replyCodes = v.Str, codes
			return err
		}),
		api.FuncParam("lb_define_blacklist", api.ParamStr, true, func(api.ParamValue) error { return nil }),
		ignored("cluster_id", api.ParamInt),
		ignored("cluster_sharing_tag", api.ParamStr),
		ignored("fetch_freeswitch_stats", api.ParamInt),
		ignored("initial_freeswitch_load", api.ParamInt),
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

// parseResources parses "pstn=32;transc=10" (a capacity of "fs://..." is
// a FreeSWITCH-driven one, not supported).
func parseResources(s string) (map[string]int, []string, error) {
	res := map[string]int{}
	var order []string
	for _, tok := range strings.Split(s, ";") {
		tok = strings.TrimSpace(tok)
		if tok == "" {
			continue
		}
		name, capS, ok := strings.Cut(tok, "=")
		name = strings.TrimSpace(name)
		n, err := strconv.Atoi(strings.TrimSpace(capS))
		if !ok || name == "" || err != nil || n < 0 {
			return nil, nil, fmt.Errorf("bad resource %q (expected name=capacity)", tok)
		}
		if _, dup := res[name]; dup {
			return nil, nil, fmt.Errorf("resource %q given twice", name)
		}
		res[name] = n
		order = append(order, name)
	}
	if len(res) == 0 {
		return nil, nil, errors.New("no resources")
	}
	return res, order, nil
}

// load reads the table; a bad row is an error naming it.
func (m *Module) load(ctx context.Context) ([]*dest, error) {
	res, err := m.dbh.Conn.Query(ctx, m.Table, []string{"id", "group_id", "dst_uri", "resources", "probe_mode", "attrs"}, nil, "id", 0)
	if err != nil {
		return nil, fmt.Errorf("table %s: %w", m.Table, err)
	}
	var out []*dest
	var errs []error
	for _, r := range res.Rows {
		d := &dest{id: r[0].Int64(), group: r[1].Int64(), uri: strings.TrimSpace(r[2].Str()),
			probeMode: int(r[4].Int64()), attrs: r[5].Str()}
		d.profileID = strings.ToUpper(strconv.FormatInt(d.id, 16))
		u, err := sip.ParseURI(d.uri)
		if err != nil {
			errs = append(errs, fmt.Errorf("table %s, id %d: bad dst_uri %q", m.Table, d.id, d.uri))
			continue
		}
		if ip, err := netip.ParseAddr(u.HostNoBrackets()); err == nil {
			port := u.Port
			if port == 0 {
				port = 5060
			}
			d.addr = netip.AddrPortFrom(ip.Unmap(), uint16(port))
		}
		if d.resources, d.resOrder, err = parseResources(r[3].Str()); err != nil {
			errs = append(errs, fmt.Errorf("table %s, id %d: %v", m.Table, d.id, err))
			continue
		}
		if d.probeMode < 0 || d.probeMode > 2 {
			errs = append(errs, fmt.Errorf("table %s, id %d: bad probe_mode %d", m.Table, d.id, d.probeMode))
			continue
		}
		out = append(out, d)
	}
	return out, errors.Join(errs...)
}

// install makes dests current, defining the dialog profiles of their
// resources and keeping the states of destinations that stay.
func (m *Module) install(dests []*dest, inherit bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if inherit {
		old := map[string]*dest{}
		for _, d := range m.dests {
			old[strconv.FormatInt(d.id, 10)+" "+d.uri] = d
		}
		for _, d := range dests {
			if o := old[strconv.FormatInt(d.id, 10)+" "+d.uri]; o != nil {
				d.flags = o.flags
			}
		}
	}
	known := map[string]bool{}
	for _, d := range dests {
		for _, r := range d.resOrder {
			if !known[r] && m.dlg != nil {
				m.dlg.AddProfile("lbX"+r, true)
			}
			known[r] = true
		}
	}
	m.dests, m.known = dests, known
}

// Validate checks the database URL.
func (m *Module) Validate(vc *api.ValidateCtx) error { return m.dbh.Validate(vc) }

// Init opens the database, loads the destinations and binds dialog.
func (m *Module) Init(ic *api.InitCtx) error {
	if ic.Log != nil {
		m.log = ic.Log
	}
	if ic.Module != nil {
		d, ok := ic.Module("dialog").(api.DialogAPI)
		if !ok {
			return errors.New(`load_balancer needs loadmodule "dialog.so"`)
		}
		m.dlg = d
		if m.ProbingInterval > 0 {
			m.uac, _ = ic.Module("tm").(api.UAC)
		}
	}
	if err := m.dbh.Open(ic, m.log); err != nil {
		return err
	}
	ctx := context.Background()
	if err := m.dbh.CheckVersion(ctx, m.Table, TableVersion); err != nil {
		return err
	}
	dests, err := m.load(ctx)
	if err != nil {
		return err
	}
	m.install(dests, false)
	return nil
}

// Start runs the prober.
func (m *Module) Start(ctx context.Context) error {
	if m.ProbingInterval <= 0 || m.uac == nil {
		return nil
	}
	ctx, cancel := context.WithCancel(ctx)
	m.stop, m.done = cancel, make(chan struct{})
	go func() {
		defer close(m.done)
		t := time.NewTicker(time.Duration(m.ProbingInterval) * time.Second)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
				m.probe(ctx)
			}
		}
	}()
	return nil
}

// probe pings destinations with probe_mode 2, or 1 while disabled (not
// by an administrator).
func (m *Module) probe(ctx context.Context) {
	m.mu.RLock()
	var targets []*dest
	for _, d := range m.dests {
		if d.flags&dstNoReenable != 0 && d.flags&dstDisabled != 0 {
			continue
		}
		if d.probeMode == 2 || (d.probeMode == 1 && d.flags&dstDisabled != 0) {
			targets = append(targets, d)
		}
	}
	m.mu.RUnlock()
	for _, d := range targets {
		d := d
		req := &api.UACRequest{Method: m.ProbingMethod, RURI: d.uri, From: "<" + m.ProbingFrom + ">", To: "<" + d.uri + ">",
			OnReply: func(_ *sip.Msg, code int) { m.probeReply(d, code) }}
		if err := m.uac.SendRequest(ctx, req); err != nil {
			m.probeReply(d, 0)
		}
	}
}

func (m *Module) probeReply(d *dest, code int) {
	ok := code == 200 || slices.Contains(m.replyCodes, code)
	m.mu.Lock()
	before := d.flags
	if ok {
		d.flags &^= dstDisabled
	} else {
		d.flags |= dstDisabled
	}
	changed := before != d.flags
	m.mu.Unlock()
	if changed && (m.ProbingVerbose != 0 || !ok) {
		m.log.Info("load_balancer destination state changed", "uri", d.uri, "enabled", ok, "code", code)
	}
}

// Close stops the prober and closes the database.
func (m *Module) Close() error {
	if m.stop != nil {
		m.stop()
		<-m.done
		m.stop = nil
	}
	return m.dbh.Close()
}

// callState is the LB session of a call, kept in an internal AVP so the
// failure route sees it: group, flags, resources and tried ids.
type callState struct {
	group int64
	flags string
	res   []string
	tried []int64
}

const avpState = "___lb_state__"

func (s *callState) String() string {
	ids := make([]string, len(s.tried))
	for i, id := range s.tried {
		ids[i] = strconv.FormatInt(id, 10)
	}
	return strconv.FormatInt(s.group, 10) + "|" + s.flags + "|" + strings.Join(s.res, ";") + "|" + strings.Join(ids, ",")
}

func loadState(c *api.Ctx) *callState {
	st := pv.AVPsOf(c)
	if st == nil || st.Count(avpState) == 0 {
		return nil
	}
	f := strings.SplitN(pv.Str(st.Get(avpState, 0)), "|", 4)
	if len(f) != 4 {
		return nil
	}
	s := &callState{flags: f[1]}
	s.group, _ = strconv.ParseInt(f[0], 10, 64)
	if f[2] != "" {
		s.res = strings.Split(f[2], ";")
	}
	for _, id := range strings.Split(f[3], ",") {
		if n, err := strconv.ParseInt(id, 10, 64); err == nil {
			s.tried = append(s.tried, n)
		}
	}
	return s
}

func saveState(c *api.Ctx, s *callState) {
	if st := pv.AVPsOf(c); st != nil {
		if s == nil {
			st.DelAll(avpState)
			return
		}
		st.Assign(avpState, api.StrValue(s.String()))
	}
}

func (m *Module) byID(id int64) *dest {
	for _, d := range m.dests {
		if d.id == id {
			return d
		}
	}
	return nil
}

// load of a destination for the requested resources: the smallest
// availability (absolute, or percent with r).
func (m *Module) availability(d *dest, res []string, relative bool) int {
	av := 0
	for i, r := range res {
		capacity := d.resources[r]
		used := 0
		if m.dlg != nil {
			used, _ = m.dlg.ProfileSize("lbX"+r, d.profileID)
		}
		a := capacity - used
		if relative {
			a = 0
			if capacity > 0 {
				a = 100 - 100*used/capacity
			}
		}
		if i == 0 || a < av {
			av = a
		}
	}
	return av
}

// route selects the best destination for s, sets $du and moves the
// call's dialog into its profiles (out of the previous one's).
func (m *Module) route(c *api.Ctx, s *callState, attrs api.PVRef) api.Ret {
	for _, r := range s.res {
		if !m.known[r] {
			return -4
		}
	}
	m.mu.RLock()
	var best []*dest
	bestAv, found := 0, false
	for _, d := range m.dests {
		if d.group != s.group || d.flags&dstDisabled != 0 || slices.Contains(s.tried, d.id) {
			continue
		}
		ok := true
		for _, r := range s.res {
			if _, has := d.resources[r]; !has {
				ok = false
				break
			}
		}
		if !ok {
			continue
		}
		av := m.availability(d, s.res, strings.Contains(s.flags, "r"))
		switch {
		case !found || av > bestAv:
			best, bestAv, found = []*dest{d}, av, true
		case av == bestAv:
			best = append(best, d)
		}
	}
	m.mu.RUnlock()
	if !found {
		return -3
	}
	if bestAv <= 0 && !strings.Contains(s.flags, "n") {
		return -2
	}
	d := best[0]
	if strings.Contains(s.flags, "s") && len(best) > 1 {
		d = best[rand.IntN(len(best))]
	}
	dlg := m.dlg.Current(c)
	if dlg == nil {
		var err error
		if dlg, err = m.dlg.Create(c, ""); err != nil {
			c.Log.Error("load_balancer: cannot create the dialog", "err", err)
			return api.RetFalse
		}
	}
	if n := len(s.tried); n > 0 {
		if prev := m.byID(s.tried[n-1]); prev != nil {
			for _, r := range s.res {
				m.dlg.UnsetProfile(dlg, "lbX"+r, prev.profileID)
			}
		}
	}
	for _, r := range s.res {
		if err := m.dlg.SetProfile(dlg, "lbX"+r, d.profileID); err != nil {
			c.Log.Error("load_balancer: cannot add the call to the profile", "resource", r, "err", err)
		}
	}
	s.tried = append(s.tried, d.id)
	saveState(c, s)
	c.DstURI = d.uri
	if c.Msg != nil {
		c.Msg.SetDstURI(d.uri)
	}
	if attrs != nil {
		attrs.Set(c, api.StrValue(d.attrs))
	}
	return api.RetTrue
}

func resFixup(_ *api.FixupCtx, a *api.FixArg) error {
	if len(splitRes(a.Str)) == 0 {
		return fmt.Errorf("no resources in %q", a.Str)
	}
	return nil
}

func splitRes(s string) []string {
	var out []string
	for _, r := range strings.Split(s, ";") {
		if r = strings.TrimSpace(r); r != "" {
			out = append(out, r)
		}
	}
	return out
}

func flagsFixup(_ *api.FixupCtx, a *api.FixArg) error {
	for _, f := range a.Str {
		if !strings.ContainsRune("nrs", f) {
			return fmt.Errorf("unknown flag %q (n, r, s)", f)
		}
	}
	return nil
}

// Funcs lists the script functions.
func (m *Module) Funcs() []api.Func {
	const routes = api.RequestRoute | api.BranchRoute | api.FailureRoute
	start := func(next bool) func(c *api.Ctx, a []any) api.Ret {
		return func(c *api.Ctx, a []any) api.Ret {
			if next {
				if s := loadState(c); s != nil {
					attrs, _ := a[3].(api.PVRef)
					return m.route(c, s, attrs)
				}
			}
			fl, _ := a[2].(string)
			res, _ := a[1].(string)
			if old := loadState(c); old != nil {
				m.reset(c, old)
			}
			s := &callState{group: a[0].(int64), flags: fl, res: splitRes(res)}
			attrs, _ := a[3].(api.PVRef)
			return m.route(c, s, attrs)
		}
	}
	startArgs := []api.Arg{{Name: "grp", Type: api.ArgInt}, {Name: "resources", Type: api.ArgStr, Fixup: resFixup},
		{Name: "flags", Type: api.ArgStr, Optional: true, Fixup: flagsFixup},
		{Name: "attrs", Type: api.ArgVar, Optional: true, Writable: true}}
	return []api.Func{
		{Name: "lb_start", Routes: routes, Args: startArgs, Call: start(false),
			Returns: "1 $du set, -2 no capacity, -3 no destination, -4 unknown resource"},
		{Name: "lb_start_or_next", Routes: routes, Args: startArgs, Call: start(true)},
		{Name: "load_balance", Routes: routes, Args: startArgs, Call: start(true), Legacy: "lb_start_or_next(grp, resources)"},
		{Name: "lb_next", Routes: routes, Args: []api.Arg{{Name: "attrs", Type: api.ArgVar, Optional: true, Writable: true}},
			Call: func(c *api.Ctx, a []any) api.Ret {
				s := loadState(c)
				if s == nil {
					return api.RetFalse
				}
				attrs, _ := a[0].(api.PVRef)
				return m.route(c, s, attrs)
			}},
		{Name: "lb_reset", Routes: routes, Call: func(c *api.Ctx, _ []any) api.Ret {
			if s := loadState(c); s != nil {
				m.reset(c, s)
			}
			return api.RetTrue
		}},
		{Name: "lb_is_started", Routes: routes, Call: func(c *api.Ctx, _ []any) api.Ret {
			if loadState(c) != nil {
				return api.RetTrue
			}
			return api.RetFalse
		}},
		{Name: "lb_disable_dst", Routes: routes, Call: func(c *api.Ctx, _ []any) api.Ret {
			s := loadState(c)
			if s == nil || len(s.tried) == 0 {
				return api.RetFalse
			}
			m.mu.Lock()
			defer m.mu.Unlock()
			if d := m.byID(s.tried[len(s.tried)-1]); d != nil {
				d.flags |= dstDisabled
				m.log.Info("load_balancer destination disabled by script", "uri", d.uri)
				return api.RetTrue
			}
			return api.RetFalse
		}},
		{Name: "lb_is_destination", Routes: routes | api.OnReplyRoute | api.LocalRoute,
			Args: []api.Arg{{Name: "ip", Type: api.ArgStr}, {Name: "port", Type: api.ArgInt},
				{Name: "group", Type: api.ArgInt, Optional: true}, {Name: "active", Type: api.ArgInt, Optional: true},
				{Name: "attrs", Type: api.ArgVar, Optional: true, Writable: true}},
			Call: func(c *api.Ctx, a []any) api.Ret {
				d := m.find(a[0], a[1], a[2])
				if d == nil {
					return api.RetFalse
				}
				if act, _ := a[3].(int64); act != 0 && d.flags&dstDisabled != 0 {
					return api.RetFalse
				}
				if r, ok := a[4].(api.PVRef); ok {
					r.Set(c, api.StrValue(d.attrs))
				}
				return api.RetTrue
			}},
		{Name: "lb_count_call", Routes: routes,
			Args: []api.Arg{{Name: "ip", Type: api.ArgStr}, {Name: "port", Type: api.ArgInt}, {Name: "grp", Type: api.ArgInt},
				{Name: "resources", Type: api.ArgStr, Fixup: resFixup}, {Name: "undo", Type: api.ArgInt, Optional: true}},
			Call: func(c *api.Ctx, a []any) api.Ret {
				d := m.find(a[0], a[1], a[2])
				if d == nil {
					return api.RetFalse
				}
				dlg := m.dlg.Current(c)
				if dlg == nil {
					var err error
					if dlg, err = m.dlg.Create(c, ""); err != nil {
						return api.RetFalse
					}
				}
				undo, _ := a[4].(int64)
				res, _ := a[3].(string)
				for _, r := range splitRes(res) {
					if _, ok := d.resources[r]; !ok {
						return -4
					}
					if undo != 0 {
						m.dlg.UnsetProfile(dlg, "lbX"+r, d.profileID)
					} else {
						m.dlg.SetProfile(dlg, "lbX"+r, d.profileID)
					}
				}
				return api.RetTrue
			}},
	}
}

// reset takes the call out of the last destination's profiles.
func (m *Module) reset(c *api.Ctx, s *callState) {
	if dlg := m.dlg.Current(c); dlg != nil && len(s.tried) > 0 {
		m.mu.RLock()
		prev := m.byID(s.tried[len(s.tried)-1])
		m.mu.RUnlock()
		if prev != nil {
			for _, r := range s.res {
				m.dlg.UnsetProfile(dlg, "lbX"+r, prev.profileID)
			}
		}
	}
	saveState(c, nil)
}

// find is the destination at ip:port (port 0: any) in group (any when
// absent).
func (m *Module) find(ipArg, portArg, grpArg any) *dest {
	ipS, _ := ipArg.(string)
	ip, err := netip.ParseAddr(strings.Trim(ipS, "[]"))
	if err != nil {
		return nil
	}
	port, _ := portArg.(int64)
	grp, hasGrp := grpArg.(int64)
	m.mu.RLock()
	defer m.mu.RUnlock()
	for _, d := range m.dests {
		if hasGrp && grp != -1 && d.group != grp {
			continue
		}
		if d.addr.Addr() == ip.Unmap() && (port == 0 || int(d.addr.Port()) == int(port)) {
			return d
		}
	}
	return nil
}

// MICommands lists lb_reload, lb_resize, lb_list and lb_status.
func (m *Module) MICommands() []api.MICommand {
	return []api.MICommand{
		{Name: "lb_reload", Aliases: []string{"load_balancer:reload"}, Recipes: [][]string{{}},
			Handler: func(ctx context.Context, _ api.MIParams) (any, error) {
				if r, ok := m.dbh.Conn.(db.Reloader); ok {
					if err := r.Reload(ctx, m.Table); err != nil {
						return nil, &api.MIError{Code: 500, Msg: "failed to reload: " + err.Error()}
					}
				}
				dests, err := m.load(ctx)
				if err != nil {
					m.log.Error("lb_reload failed, old data kept", "err", err)
					return nil, &api.MIError{Code: 500, Msg: "failed to reload: " + err.Error()}
				}
				m.install(dests, true)
				return "OK", nil
			}},
		{Name: "lb_resize", Aliases: []string{"load_balancer:resize"}, Recipes: [][]string{{"destination_id", "res_name", "new_capacity"}},
			Handler: func(_ context.Context, p api.MIParams) (any, error) {
				id, ok1 := p.Int("destination_id")
				name, ok2 := p.Str("res_name")
				capacity, ok3 := p.Int("new_capacity")
				if !ok1 || !ok2 || !ok3 || capacity < 0 {
					return nil, &api.MIError{Code: -32602, Msg: "Invalid params"}
				}
				m.mu.Lock()
				defer m.mu.Unlock()
				d := m.byID(int64(id))
				if d == nil {
					return nil, &api.MIError{Code: 404, Msg: "Destination ID not found"}
				}
				if _, has := d.resources[name]; !has {
					return nil, &api.MIError{Code: 404, Msg: "Destination has no such resource"}
				}
				d.resources[name] = capacity
				return "OK", nil
			}},
		{Name: "lb_list", Aliases: []string{"load_balancer:list"}, Recipes: [][]string{{}},
			Handler: func(context.Context, api.MIParams) (any, error) { return m.list(), nil }},
		{Name: "lb_status", Aliases: []string{"load_balancer:status"},
			Recipes: [][]string{{"destination_id"}, {"destination_id", "new_status"}},
			Handler: func(_ context.Context, p api.MIParams) (any, error) {
				id, ok := p.Int("destination_id")
				if !ok {
					return nil, &api.MIError{Code: -32602, Msg: "Invalid params"}
				}
				m.mu.Lock()
				defer m.mu.Unlock()
				d := m.byID(int64(id))
				if d == nil {
					return nil, &api.MIError{Code: 404, Msg: "Destination ID not found"}
				}
				if _, set := p["new_status"]; !set {
					en := "yes"
					if d.flags&dstDisabled != 0 {
						en = "no"
					}
					return struct {
						Enable string `json:"enable"`
						Attrs  string `json:"attrs,omitempty"`
					}{en, d.attrs}, nil
				}
				st, ok := p.Int("new_status")
				if !ok {
					return nil, &api.MIError{Code: -32602, Msg: "Invalid params"}
				}
				if st != 0 {
					d.flags &^= dstDisabled | dstNoReenable
				} else {
					d.flags |= dstDisabled | dstNoReenable
				}
				return "OK", nil
			}},
	}
}

type miRes struct {
	Name string `json:"name"`
	Max  int    `json:"max"`
	Load int    `json:"load"`
}

type miDest struct {
	URI       string  `json:"uri"`
	ID        int64   `json:"id"`
	Group     int64   `json:"group"`
	Enabled   string  `json:"enabled"`
	AutoRe    string  `json:"auto-reenable"`
	Resources []miRes `json:"Resources"`
	Attrs     string  `json:"attrs,omitempty"`
}

func (m *Module) list() any {
	m.mu.RLock()
	defer m.mu.RUnlock()
	out := []miDest{}
	for _, d := range m.dests {
		md := miDest{URI: d.uri, ID: d.id, Group: d.group, Enabled: "yes", AutoRe: "on", Attrs: d.attrs, Resources: []miRes{}}
		if d.flags&dstDisabled != 0 {
			md.Enabled = "no"
		}
		if d.flags&dstNoReenable != 0 {
			md.AutoRe = "off"
		}
		for _, r := range d.resOrder {
			used := 0
			if m.dlg != nil {
				used, _ = m.dlg.ProfileSize("lbX"+r, d.profileID)
			}
			md.Resources = append(md.Resources, miRes{Name: r, Max: d.resources[r], Load: used})
		}
		out = append(out, md)
	}
	return map[string]any{"Destinations": out}
}

var (
	_ api.Validator  = (*Module)(nil)
	_ api.Initer     = (*Module)(nil)
	_ api.Starter    = (*Module)(nil)
	_ api.Closer     = (*Module)(nil)
	_ api.MIExporter = (*Module)(nil)
)
