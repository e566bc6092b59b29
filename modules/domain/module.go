// Package domain is OpenSIPS' domain module: which domains the proxy is
// responsible for, from the "domain" table (cached with db_mode 1), with
// per-domain attributes and subdomain acceptance.
package domain

import (
	"context"
	"errors"
	"fmt"
	"gosips/internal/dbconn"
	"log/slog"
	"strings"
	"sync/atomic"

	"gosips/api"
	"gosips/db"
	"gosips/sip"
)

func init() {
	api.Register(api.ModuleInfo{Name: "domain", New: func() api.Module { return New() },
		Doc: "local domain checks"})
}

// TableVersion is the domain table version OpenSIPS 3.6 expects.
const TableVersion = 4

// Module is one domain instance.
type Module struct {
	DBMode       int
	Table        string
	DomainCol    string
	AttrsCol     string
	SubdomainCol string

	log *slog.Logger
	dbh dbconn.Handle
	// cache is the loaded table (db_mode 1).
	cache atomic.Pointer[cache]
}

// entry is one domain row.
type entry struct {
	name      string // as stored
	attrs     string
	hasAttrs  bool
	subdomain bool
}

type cache struct {
	byName map[string]*entry // lower-case name
	order  []*entry
}

// New returns a domain instance with OpenSIPS' defaults.
func New() *Module {
	return &Module{Table: "domain", DomainCol: "domain", AttrsCol: "attrs",
		SubdomainCol: "accept_subdomain", log: slog.New(slog.DiscardHandler)}
}

// Params lists the module parameters.
func (m *Module) Params() []api.Param {
	return []api.Param{
		api.StrParam("db_url", &m.dbh.URL),
		api.FuncParam("db_mode", api.ParamInt, false, func(v api.ParamValue) error {
			if v.Int != 0 && v.Int != 1 {
				return fmt.Errorf("db_mode must be 0 (no cache) or 1 (cache), got %d", v.Int)
			}
			m.DBMode = int(v.Int)
			return nil
		}),
		api.StrParam("domain_table", &m.Table),
		api.StrParam("domain_col", &m.DomainCol),
		api.StrParam("attrs_col", &m.AttrsCol),
		api.StrParam("accept_subdomain_col", &m.SubdomainCol),
		// The README's name for accept_subdomain_col.
		api.StrParam("subdomain_col", &m.SubdomainCol),
	}
}

// Funcs lists the script functions.
func (m *Module) Funcs() []api.Func {
	const routes = api.RequestRoute | api.BranchRoute | api.FailureRoute | api.LocalRoute
	attrs := api.Arg{Name: "attrs_var", Type: api.ArgVar, Optional: true, Writable: true}
	return []api.Func{
		{Name: "is_from_local", Routes: routes, Args: []api.Arg{attrs},
			Returns: "1 local, -1 not local, -2 bad From",
			Call: func(c *api.Ctx, a []any) api.Ret {
				from, err := c.Msg.From()
				if err != nil {
					return -2
				}
				u, err := sip.ParseURI(from.URI)
				if err != nil {
					return -2
				}
				return m.isLocal(c, u.Host, a[0])
			}},
		{Name: "is_uri_host_local", Routes: routes, Args: []api.Arg{attrs},
			Returns: "1 local, -1 not local",
			Call: func(c *api.Ctx, a []any) api.Ret {
				u, err := sip.ParseURI(c.RURI())
				if err != nil {
					return api.RetFalse
				}
				return m.isLocal(c, u.Host, a[0])
			}},
		{Name: "is_domain_local", Routes: routes,
			Args:    []api.Arg{{Name: "domain", Type: api.ArgStr}, attrs},
			Returns: "1 local, -1 not local",
			Call: func(c *api.Ctx, a []any) api.Ret {
				d, _ := a[0].(string)
				return m.isLocal(c, d, a[1])
			}},
	}
}

// isLocal checks host, then each parent domain (not the top level one)
// for an entry accepting subdomains; the first hit's attributes go to
// the variable.
func (m *Module) isLocal(c *api.Ctx, host string, attrsVar any) api.Ret {
	host = strings.Trim(host, "[]")
	if host == "" {
		return api.RetFalse
	}
	lookup := host
	for {
		e, err := m.find(c.Context, lookup)
		if err != nil {
			c.Log.Error("domain: lookup failed", "domain", lookup, "err", err)
			return -3
		}
		if e != nil && (lookup == host || e.subdomain) {
			if ref, ok := attrsVar.(api.PVRef); ok && e.hasAttrs {
				if err := ref.Set(c, api.StrValue(e.attrs)); err != nil {
					c.Log.Error("domain: cannot set the attributes variable", "err", err)
				}
			}
			return api.RetTrue
		}
		i := strings.IndexByte(lookup, '.')
		if i < 0 || !strings.Contains(lookup[i+1:], ".") {
			return api.RetFalse
		}
		lookup = lookup[i+1:]
	}
}

// find returns the entry of one domain name: from the cache, or with
// db_mode 0 from the database (the first row).
func (m *Module) find(ctx context.Context, name string) (*entry, error) {
	if m.DBMode == 1 {
		if t := m.cache.Load(); t != nil {
			return t.byName[strings.ToLower(name)], nil
		}
		return nil, nil
	}
	if m.dbh.Conn == nil {
		return nil, errors.New("no database")
	}
	if ctx == nil {
		ctx = context.Background()
	}
	res, err := m.dbh.Conn.Query(ctx, m.Table, []string{m.DomainCol, m.AttrsCol, m.SubdomainCol},
		[]db.Cond{db.Eq(m.DomainCol, db.StringValue(name))}, "", 1)
	if err != nil {
		return nil, err
	}
	if len(res.Rows) == 0 {
		return nil, nil
	}
	e, _ := rowEntry(res.Rows[0])
	return e, nil
}

func rowEntry(r db.Row) (*entry, error) {
	if r[0].Null || r[0].Str() == "" {
		return nil, errors.New("empty domain")
	}
	e := &entry{name: r[0].Str(), subdomain: !r[2].Null && r[2].Int64() > 0}
	if !r[1].Null {
		e.attrs, e.hasAttrs = r[1].Str(), true
	}
	return e, nil
}

// load reads the whole table; a bad row is an error naming it.
func (m *Module) load(ctx context.Context) (*cache, error) {
	res, err := m.dbh.Conn.Query(ctx, m.Table, []string{m.DomainCol, m.AttrsCol, m.SubdomainCol, "id"}, nil, "", 0)
	if err != nil {
		return nil, fmt.Errorf("table %s: %w", m.Table, err)
	}
	t := &cache{byName: map[string]*entry{}}
	var bad []error
	for _, r := range res.Rows {
		e, err := rowEntry(r)
		if err != nil {
			bad = append(bad, fmt.Errorf("table %s, id %d: %w", m.Table, r[3].Int64(), err))
			continue
		}
		if _, dup := t.byName[strings.ToLower(e.name)]; !dup {
			t.byName[strings.ToLower(e.name)] = e
		}
		t.order = append(t.order, e)
	}
	return t, errors.Join(bad...)
}

// Validate checks the database URL.
func (m *Module) Validate(vc *api.ValidateCtx) error { return m.dbh.Validate(vc) }

// Init opens the database and, with db_mode 1, loads the table.
func (m *Module) Init(ic *api.InitCtx) error {
	if ic.Log != nil {
		m.log = ic.Log
	}
	if err := m.dbh.Open(ic, m.log); err != nil {
		return err
	}
	ctx := context.Background()
	if err := m.dbh.CheckVersion(ctx, m.Table, TableVersion); err != nil {
		return err
	}
	if m.DBMode == 1 {
		t, err := m.load(ctx)
		if t == nil {
			return err
		}
		if err != nil {
			m.log.Error("domain rows skipped", "err", err)
		}
		m.cache.Store(t)
	}
	return nil
}

// Close closes the database.
func (m *Module) Close() error { return m.dbh.Close() }

// MICommands lists domain_reload and domain_dump.
func (m *Module) MICommands() []api.MICommand {
	return []api.MICommand{
		{Name: "domain_reload", Aliases: []string{"domain:reload"}, Recipes: [][]string{{}},
			Handler: func(ctx context.Context, _ api.MIParams) (any, error) {
				if m.DBMode == 0 {
					return nil, &api.MIError{Code: 500, Msg: "DB is disabled (db_mode=0)"}
				}
				if r, ok := m.dbh.Conn.(db.Reloader); ok {
					if err := r.Reload(ctx, m.Table); err != nil {
						return nil, &api.MIError{Code: 500, Msg: "Domain table reload failed: " + err.Error()}
					}
				}
				t, err := m.load(ctx)
				if err != nil {
					m.log.Error("domain_reload failed, old data kept", "err", err)
					return nil, &api.MIError{Code: 500, Msg: "Domain table reload failed: " + err.Error()}
				}
				m.cache.Store(t)
				return "OK", nil
			}},
		{Name: "domain_dump", Aliases: []string{"domain:dump"}, Recipes: [][]string{{}},
			Handler: func(context.Context, api.MIParams) (any, error) {
				if m.DBMode == 0 {
					return nil, &api.MIError{Code: 500, Msg: "DB is disabled (db_mode=0)"}
				}
				type item struct {
					Name  string  `json:"name"`
					Attrs *string `json:"attributes,omitempty"`
				}
				out := []item{}
				if t := m.cache.Load(); t != nil {
					for _, e := range t.order {
						it := item{Name: e.name}
						if e.hasAttrs {
							it.Attrs = &e.attrs
						}
						out = append(out, it)
					}
				}
				return map[string]any{"Domains": out}, nil
			}},
	}
}

var (
	_ api.Validator  = (*Module)(nil)
	_ api.Initer     = (*Module)(nil)
	_ api.Closer     = (*Module)(nil)
	_ api.MIExporter = (*Module)(nil)
)
