// Package carrierroute is OpenSIPS' carrierroute module with its database
// source: routing trees per carrier and domain, longest prefix match on
// the number, flags, probability-weighted targets chosen by a hash of the
// call, and failure routes to the next domain.
package carrierroute

import (
	"context"
	"errors"
	"fmt"
	"hash/crc32"
	"log/slog"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync/atomic"

	"gosips/api"
	"gosips/db"
	"gosips/internal/dbconn"
	"gosips/sip"
)

func init() {
	api.Register(api.ModuleInfo{Name: "carrierroute", New: func() api.Module { return New() },
		Doc: "carrier routing trees"})
}

// Module is one carrierroute instance.
type Module struct {
	Table, FailureTable, CarrierTable, SubscriberTable string
	SubUserCol, SubDomainCol, SubCarrierCol            string
	ConfigSource, ConfigFile, DefaultTree              string
	UseDomain, FallbackDefault                         int

	log  *slog.Logger
	dbh  dbconn.Handle
	data atomic.Pointer[trees]
}

// New returns a carrierroute instance with OpenSIPS' defaults.
func New() *Module {
	return &Module{Table: "carrierroute", FailureTable: "carrierfailureroute", CarrierTable: "route_tree",
		SubscriberTable: "subscriber", SubUserCol: "username", SubDomainCol: "domain", SubCarrierCol: "cr_preferred_carrier",
		ConfigSource: "file", ConfigFile: "/etc/opensips/carrierroute.conf", DefaultTree: "default", FallbackDefault: 1,
		log: slog.New(slog.DiscardHandler)}
}

// Params lists the module parameters (the column names are fixed to
// OpenSIPS' schema and accepted for compatibility).
func (m *Module) Params() []api.Param {
	ps := []api.Param{
		api.StrParam("db_url", &m.dbh.URL),
		api.StrParam("db_table", &m.Table),
		api.StrParam("db_failure_table", &m.FailureTable),
		api.StrParam("carrier_table", &m.CarrierTable),
		api.StrParam("subscriber_table", &m.SubscriberTable),
		api.StrParam("subscriber_user_col", &m.SubUserCol),
		api.StrParam("subscriber_domain_col", &m.SubDomainCol),
		api.StrParam("subscriber_carrier_col", &m.SubCarrierCol),
		api.FuncParam("config_source", api.ParamStr, false, func(v api.ParamValue) error {
			if v.Str != "file" && v.Str != "db" {
				return fmt.Errorf("config_source must be \"file\" or \"db\", got %q", v.Str)
			}
			m.ConfigSource = v.Str
			return nil
		}),
		api.StrParam("config_file", &m.ConfigFile),
		api.StrParam("default_tree", &m.DefaultTree),
		api.IntParam("use_domain", &m.UseDomain),
		api.IntParam("fallback_default", &m.FallbackDefault),
	}
	for _, name := range []string{"id_column", "carrier_column", "domain_column", "scan_prefix_column", "flags_column",
		"mask_column", "prob_column", "rewrite_host_column", "strip_column", "rewrite_prefix_column", "rewrite_suffix_column",
		"comment_column", "failure_id_column", "failure_carrier_column", "failure_domain_column",
		"failure_scan_prefix_column", "failure_host_name_column", "failure_reply_code_column", "failure_flags_column",
		"failure_mask_column", "failure_next_domain_column", "failure_comment_column", "carrier_id_col", "carrier_name_col"} {
		ps = append(ps, api.FuncParam(name, api.ParamStr, false, func(api.ParamValue) error { return nil }))
	}
	return ps
}

type target struct {
	flags, mask          int64
	diceTo               int
	host, prefix, suffix string
	strip                int
}

type failure struct {
	prefix, host string
	code         *regexp.Regexp
	flags, mask  int64
	next         string
}

// domain is one routing domain of a carrier: targets by prefix.
type domain struct {
	byPrefix map[string][]*target
	failures []*failure // longest prefix first
}

type trees struct {
	byName map[string]map[string]*domain // carrier name -> domain name
	ids    map[string]string             // carrier id (text) -> name
}

func (t *trees) carrier(name string, fallback bool, def string) map[string]*domain {
	if c := t.byName[name]; c != nil {
		return c
	}
	if n, ok := t.ids[name]; ok {
		return t.byName[n]
	}
	if fallback {
		return t.byName[def]
	}
	return nil
}

// load reads the carrier, route and failure tables.
func (m *Module) load(ctx context.Context) (*trees, error) {
	conn := m.dbh.Conn
	t := &trees{byName: map[string]map[string]*domain{}, ids: map[string]string{}}
	res, err := conn.Query(ctx, m.CarrierTable, []string{"id", "carrier"}, nil, "", 0)
	if err != nil {
		return nil, fmt.Errorf("table %s: %w", m.CarrierTable, err)
	}
	for _, r := range res.Rows {
		id := strconv.FormatInt(r[0].Int64(), 10)
		t.ids[id] = r[1].Str()
		t.byName[r[1].Str()] = map[string]*domain{}
	}
	dom := func(carrierID int64, name string) (*domain, error) {
		cn, ok := t.ids[strconv.FormatInt(carrierID, 10)]
		if !ok {
			return nil, fmt.Errorf("unknown carrier %d", carrierID)
		}
		d := t.byName[cn][name]
		if d == nil {
			d = &domain{byPrefix: map[string][]*target{}}
			t.byName[cn][name] = d
		}
		return d, nil
	}
	var errs []error
	res, err = conn.Query(ctx, m.Table, []string{"id", "carrier", "domain", "scan_prefix", "flags", "mask", "prob",
		"strip", "rewrite_host", "rewrite_prefix", "rewrite_suffix"}, nil, "id", 0)
	if err != nil {
		return nil, fmt.Errorf("table %s: %w", m.Table, err)
	}
	for _, r := range res.Rows {
		d, err := dom(r[1].Int64(), r[2].Str())
		if err != nil {
			errs = append(errs, fmt.Errorf("table %s, id %d: %v", m.Table, r[0].Int64(), err))
			continue
		}
		prob := r[6].Float64()
		if prob < 0 || prob > 1 {
			errs = append(errs, fmt.Errorf("table %s, id %d: prob %v not in 0..1", m.Table, r[0].Int64(), prob))
			continue
		}
		tg := &target{flags: r[4].Int64(), mask: r[5].Int64(), strip: int(r[7].Int64()), host: r[8].Str(),
			prefix: r[9].Str(), suffix: r[10].Str()}
		p := r[3].Str()
		l := d.byPrefix[p]
		sum := 0
		for _, x := range l {
			if x.flags == tg.flags && x.mask == tg.mask {
				sum = x.diceTo
			}
		}
		tg.diceTo = sum + int(prob*1000+0.5)
		d.byPrefix[p] = append(l, tg)
	}
	res, err = conn.Query(ctx, m.FailureTable, []string{"id", "carrier", "domain", "scan_prefix", "host_name",
		"reply_code", "flags", "mask", "next_domain"}, nil, "id", 0)
	if err != nil && !errors.Is(err, db.ErrNoTable) {
		return nil, fmt.Errorf("table %s: %w", m.FailureTable, err)
	}
	if err == nil {
		for _, r := range res.Rows {
			d, err := dom(r[1].Int64(), r[2].Str())
			if err != nil {
				errs = append(errs, fmt.Errorf("table %s, id %d: %v", m.FailureTable, r[0].Int64(), err))
				continue
			}
			code := strings.ReplaceAll(regexp.QuoteMeta(r[5].Str()), `\.`, ".")
			re, err := regexp.Compile("^" + code + "$")
			if err != nil {
				errs = append(errs, fmt.Errorf("table %s, id %d: bad reply_code %q", m.FailureTable, r[0].Int64(), r[5].Str()))
				continue
			}
			d.failures = append(d.failures, &failure{prefix: r[3].Str(), host: r[4].Str(), code: re,
				flags: r[6].Int64(), mask: r[7].Int64(), next: r[8].Str()})
		}
	}
	for _, c := range t.byName {
		for _, d := range c {
			sort.SliceStable(d.failures, func(i, j int) bool { return len(d.failures[i].prefix) > len(d.failures[j].prefix) })
		}
	}
	return t, errors.Join(errs...)
}

// digits keeps the digits of a number (OpenSIPS skips the others).
func digits(s string) string {
	var b strings.Builder
	for _, c := range s {
		if c >= '0' && c <= '9' {
			b.WriteRune(c)
		}
	}
	return b.String()
}

// hashValue hashes the chosen part of the message with CRC32.
func hashValue(c *api.Ctx, source string) (uint32, error) {
	var s string
	switch source {
	case "call_id":
		s = c.Msg.CallID()
	case "from_uri", "from_user":
		f, err := c.Msg.From()
		if err != nil {
			return 0, err
		}
		s = f.URI
		if source == "from_user" {
			u, _ := sip.ParseURI(f.URI)
			s = u.User
		}
	case "to_uri", "to_user":
		to, err := c.Msg.To()
		if err != nil {
			return 0, err
		}
		s = to.URI
		if source == "to_user" {
			u, _ := sip.ParseURI(to.URI)
			s = u.User
		}
	default:
		return 0, fmt.Errorf("unknown hash source %q", source)
	}
	return crc32.ChecksumIEEE([]byte(s)), nil
}

func hashFixup(_ *api.FixupCtx, a *api.FixArg) error {
	switch a.Str {
	case "call_id", "from_uri", "from_user", "to_uri", "to_user":
		return nil
	}
	return fmt.Errorf("unknown hash source %q (call_id, from_uri, from_user, to_uri, to_user)", a.Str)
}

// route is cr_route / cr_prime_route.
func (m *Module) route(c *api.Ctx, carrier, dom, pm, user, source string, out any) api.Ret {
	t := m.data.Load()
	if t == nil {
		return api.RetFalse
	}
	cr := t.carrier(carrier, m.FallbackDefault != 0, m.DefaultTree)
	if cr == nil || cr[dom] == nil {
		c.Log.Info("cr_route: unknown carrier or domain", "carrier", carrier, "domain", dom)
		return api.RetFalse
	}
	d := cr[dom]
	n := digits(pm)
	var list []*target
	for l := len(n); l >= 0; l-- {
		if list = d.byPrefix[n[:l]]; list != nil {
			break
		}
	}
	flags := int64(c.Flags)
	var cand []*target
	for _, tg := range list {
		if flags&tg.mask == tg.flags {
			cand = append(cand, tg)
		}
	}
	if len(cand) == 0 {
		return api.RetFalse
	}
	h, err := hashValue(c, source)
	if err != nil {
		c.Log.Error("cr_route: cannot hash", "err", err)
		return api.RetFalse
	}
	diceMax := cand[len(cand)-1].diceTo
	tg := cand[len(cand)-1]
	if diceMax > 0 {
		v := int(h % uint32(diceMax))
		for _, x := range cand {
			if v < x.diceTo {
				tg = x
				break
			}
		}
	}
	if tg.host == "" {
		return api.RetFalse
	}
	u := user
	if tg.strip >= len(u) {
		u = ""
	} else {
		u = u[tg.strip:]
	}
	c.Msg.SetRURI("sip:" + tg.prefix + u + tg.suffix + "@" + tg.host)
	if ref, ok := out.(api.PVRef); ok {
		ref.Set(c, api.StrValue(tg.host))
	}
	return api.RetTrue
}

// Funcs lists the script functions.
func (m *Module) Funcs() []api.Func {
	const routes = api.RequestRoute | api.FailureRoute
	s := func(name string) api.Arg { return api.Arg{Name: name, Type: api.ArgStr} }
	routeArgs := []api.Arg{s("carrier"), s("domain"), s("prefix_matching"), s("rewrite_user"),
		{Name: "hash_source", Type: api.ArgStr, Fixup: hashFixup}, {Name: "dst_avp", Type: api.ArgVar, Optional: true, Writable: true}}
	route := func(c *api.Ctx, a []any) api.Ret {
		return m.route(c, str(a[0]), str(a[1]), str(a[2]), str(a[3]), str(a[4]), a[5])
	}
	return []api.Func{
		{Name: "cr_route", Routes: routes, Args: routeArgs, Call: route, Returns: "1 the R-URI was rewritten, -1 no route"},
		{Name: "cr_prime_route", Routes: routes, Args: routeArgs, Call: route},
		{Name: "cr_rewrite_uri", Routes: routes, Legacy: `cr_route("default", domain, "$rU", "$rU", hash_source)`,
			Args: []api.Arg{s("domain"), {Name: "hash_source", Type: api.ArgStr, Fixup: hashFixup}},
			Call: func(c *api.Ctx, a []any) api.Ret {
				u, _ := sip.ParseURI(c.RURI())
				return m.route(c, m.DefaultTree, str(a[0]), u.User, u.User, str(a[1]), nil)
			}},
		{Name: "cr_user_carrier", Routes: routes,
			Args: []api.Arg{s("user"), s("domain"), {Name: "dst_avp", Type: api.ArgVar, Writable: true}},
			Call: func(c *api.Ctx, a []any) api.Ret {
				if m.dbh.Conn == nil {
					c.Log.Error("cr_user_carrier: the subscriber table needs config_source \"db\"")
					return api.RetFalse
				}
				where := []db.Cond{db.Eq(m.SubUserCol, db.StringValue(str(a[0])))}
				if m.UseDomain != 0 {
					where = append(where, db.Eq(m.SubDomainCol, db.StringValue(str(a[1]))))
				}
				ctx := c.Context
				if ctx == nil {
					ctx = context.Background()
				}
				res, err := m.dbh.Conn.Query(ctx, m.SubscriberTable, []string{m.SubCarrierCol}, where, "", 1)
				if err != nil {
					c.Log.Error("cr_user_carrier: query failed", "err", err)
					return api.RetFalse
				}
				v := "0"
				if len(res.Rows) > 0 && !res.Rows[0][0].Null {
					v = res.Rows[0][0].Str()
				}
				a[2].(api.PVRef).Set(c, api.StrValue(v))
				return api.RetTrue
			}},
		{Name: "cr_next_domain", Routes: routes,
			Args: []api.Arg{s("carrier"), s("domain"), s("prefix_matching"), s("host"), s("reply_code"),
				{Name: "dst_avp", Type: api.ArgVar, Writable: true}},
			Call: func(c *api.Ctx, a []any) api.Ret {
				t := m.data.Load()
				if t == nil {
					return api.RetFalse
				}
				cr := t.carrier(str(a[0]), m.FallbackDefault != 0, m.DefaultTree)
				if cr == nil || cr[str(a[1])] == nil {
					return api.RetFalse
				}
				n := digits(str(a[2]))
				flags := int64(c.Flags)
				for _, f := range cr[str(a[1])].failures {
					if !strings.HasPrefix(n, f.prefix) || (f.host != "" && f.host != str(a[3])) ||
						!f.code.MatchString(str(a[4])) || flags&f.mask != f.flags {
						continue
					}
					a[5].(api.PVRef).Set(c, api.StrValue(f.next))
					return api.RetTrue
				}
				return api.RetFalse
			}},
	}
}

func str(v any) string { s, _ := v.(string); return s }

// Validate checks the source and its database.
func (m *Module) Validate(vc *api.ValidateCtx) error {
	if m.ConfigSource == "db" {
		return m.dbh.Validate(vc)
	}
	return nil
}

// Init opens the database and loads the routing trees.
func (m *Module) Init(ic *api.InitCtx) error {
	if ic.Log != nil {
		m.log = ic.Log
	}
	if m.ConfigSource != "db" {
		t, err := m.loadFile()
		if err != nil {
			return err
		}
		m.data.Store(t)
		return nil
	}
	if err := m.dbh.Open(ic, m.log); err != nil {
		return err
	}
	t, err := m.load(context.Background())
	if err != nil {
		return err
	}
	m.data.Store(t)
	return nil
}

// Close closes the database.
func (m *Module) Close() error { return m.dbh.Close() }

// MICommands lists cr_reload_routes and cr_dump_routes.
func (m *Module) MICommands() []api.MICommand {
	return []api.MICommand{
		{Name: "cr_reload_routes", Aliases: []string{"carrierroute:reload_routes"}, Recipes: [][]string{{}},
			Handler: func(ctx context.Context, _ api.MIParams) (any, error) {
				if m.ConfigSource != "db" {
					t, err := m.loadFile()
					if err != nil {
						return nil, &api.MIError{Code: 500, Msg: "failed to load routing data: " + err.Error()}
					}
					m.data.Store(t)
					return "OK", nil
				}
				if m.dbh.Conn == nil {
					return nil, &api.MIError{Code: 500, Msg: "failed to load routing data"}
				}
				if r, ok := m.dbh.Conn.(db.Reloader); ok {
					r.Reload(ctx, "")
				}
				t, err := m.load(ctx)
				if err != nil {
					return nil, &api.MIError{Code: 500, Msg: "failed to load routing data: " + err.Error()}
				}
				m.data.Store(t)
				return "OK", nil
			}},
		{Name: "cr_dump_routes", Aliases: []string{"carrierroute:dump_routes"}, Recipes: [][]string{{}},
			Handler: func(context.Context, api.MIParams) (any, error) {
				type rt struct {
					Carrier string `json:"carrier"`
					Domain  string `json:"domain"`
					Prefix  string `json:"prefix"`
					Host    string `json:"host"`
					Prob    int    `json:"dice_to"`
				}
				out := []rt{}
				if t := m.data.Load(); t != nil {
					for cn, c := range t.byName {
						for dn, d := range c {
							for p, l := range d.byPrefix {
								for _, tg := range l {
									out = append(out, rt{cn, dn, p, tg.host, tg.diceTo})
								}
							}
						}
					}
				}
				sort.Slice(out, func(i, j int) bool {
					return out[i].Carrier+out[i].Domain+out[i].Prefix < out[j].Carrier+out[j].Domain+out[j].Prefix
				})
				return map[string]any{"Routes": out}, nil
			}},
	}
}
