// Package userblacklist is OpenSIPS' userblacklist module: per-user
// blacklists of number prefixes read from the database on every check,
// and global blacklists kept in memory, both with whitelisted exceptions
// and longest-prefix matching.
package userblacklist

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"

	"gosips/api"
	"gosips/db"
	"gosips/internal/dbconn"
	"gosips/sip"
)

// maxNumberLen is the longest number checked, as OpenSIPS' MAXNUMBERLEN.
const maxNumberLen = 31

func init() {
	api.Register(api.ModuleInfo{Name: "userblacklist", New: func() api.Module { return New() },
		Doc: "per-user and global number blacklists"})
}

// Module is one userblacklist instance.
type Module struct {
	Table     string
	UseDomain int

	log *slog.Logger
	dbh dbconn.Handle
	// sources are the global blacklist tables named by check_blacklist(),
	// each with its tree; the trees are swapped whole by reload_blacklist.
	mu      sync.Mutex
	sources map[string]*atomic.Pointer[dtree]
}

// New returns a userblacklist instance with OpenSIPS' defaults.
func New() *Module {
	return &Module{Table: "userblacklist", log: slog.New(slog.DiscardHandler), sources: map[string]*atomic.Pointer[dtree]{}}
}

// Params lists the module parameters.
func (m *Module) Params() []api.Param {
	return []api.Param{
		api.StrParam("db_url", &m.dbh.URL),
		api.StrParam("db_table", &m.Table),
		api.IntParam("use_domain", &m.UseDomain),
	}
}

// Funcs lists check_user_blacklist and check_blacklist.
func (m *Module) Funcs() []api.Func {
	return []api.Func{
		{Name: "check_user_blacklist", Routes: api.RequestRoute | api.FailureRoute,
			Args: []api.Arg{{Name: "user", Type: api.ArgStr}, {Name: "domain", Type: api.ArgStr},
				{Name: "number", Type: api.ArgStr, Optional: true}, {Name: "table", Type: api.ArgStr, Optional: true}},
			Returns: "1 not blacklisted (no match or whitelisted), -1 blacklisted or error",
			Call: func(c *api.Ctx, a []any) api.Ret {
				table := m.Table
				if a[3] != nil {
					table = api.StrArg(a[3])
				}
				return m.checkUser(c, api.StrArg(a[0]), api.StrArg(a[1]), a[2], table)
			}},
		{Name: "check_blacklist", Routes: api.RequestRoute | api.FailureRoute,
			Args:    []api.Arg{{Name: "table", Type: api.ArgStr, Static: true, Fixup: m.tableFixup}},
			Returns: "1 not blacklisted (no match or whitelisted), -1 blacklisted or error",
			Call: func(c *api.Ctx, a []any) api.Ret {
				src, _ := a[0].(*atomic.Pointer[dtree])
				return m.checkGlobal(c, src)
			}},
	}
}

// tableFixup registers a global blacklist table, loaded at start.
func (m *Module) tableFixup(_ *api.FixupCtx, a *api.FixArg) error {
	if err := db.CheckIdent(a.Str); err != nil {
		return fmt.Errorf("bad table name %q: %w", a.Str, err)
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	src := m.sources[a.Str]
	if src == nil {
		src = &atomic.Pointer[dtree]{}
		src.Store(&dtree{})
		m.sources[a.Str] = src
	}
	a.Fixed = src
	return nil
}

// ruriNumber returns the digits of the R-URI user; ok is false when there
// is none or it is too long.
func ruriNumber(c *api.Ctx) (string, bool) {
	u, err := sip.ParseURI(c.RURI())
	if err != nil || u.User == "" || len(u.User) > maxNumberLen {
		return "", false
	}
	return u.User, true
}

func verdict(found, white bool) api.Ret {
	if !found || white {
		return api.RetTrue
	}
	return api.RetFalse
}

func (m *Module) checkUser(c *api.Ctx, user, domain string, number any, table string) api.Ret {
	if c.Msg == nil || !c.Msg.IsRequest() {
		c.Log.Error("check_user_blacklist: not a request")
		return api.RetFalse
	}
	var num string
	if number == nil {
		n, ok := ruriNumber(c)
		if !ok {
			c.Log.Error("check_user_blacklist: cannot take the number from the Request-URI", "uri", c.RURI())
			return api.RetFalse
		}
		num = n
	} else if num = api.StrArg(number); len(num) > maxNumberLen {
		c.Log.Error("check_user_blacklist: number too long", "number", num)
		return api.RetFalse
	}
	if err := db.CheckIdent(table); err != nil {
		c.Log.Error("check_user_blacklist: bad table name", "table", table)
		return api.RetFalse
	}
	where := []db.Cond{db.Eq("username", db.StringValue(user))}
	if m.UseDomain != 0 {
		where = append(where, db.Eq("domain", db.StringValue(domain)))
	}
	ctx := c.Context
	if ctx == nil {
		ctx = context.Background()
	}
	res, err := m.dbh.Conn.Query(ctx, table, []string{"prefix", "whitelist"}, where, "", 0)
	if err != nil {
		c.Log.Error("check_user_blacklist: query failed", "table", table, "err", err)
		return api.RetFalse
	}
	t := &dtree{}
	for _, r := range res.Rows {
		if r[0].Null || r[1].Null {
			continue
		}
		t.insert(r[0].Str(), r[1].Int64() != 0)
	}
	return verdict(t.match(digits(num)))
}

func (m *Module) checkGlobal(c *api.Ctx, src *atomic.Pointer[dtree]) api.Ret {
	if c.Msg == nil || !c.Msg.IsRequest() || src == nil {
		c.Log.Error("check_blacklist: not a request")
		return api.RetFalse
	}
	num, ok := ruriNumber(c)
	if !ok {
		c.Log.Error("check_blacklist: cannot take the number from the Request-URI", "uri", c.RURI())
		return api.RetFalse
	}
	return verdict(src.Load().match(digits(num)))
}

// reload reads every global blacklist table into a new tree; on an error
// the remaining tables keep their old trees.
func (m *Module) reload(ctx context.Context) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	for table, src := range m.sources {
		res, err := m.dbh.Conn.Query(ctx, table, []string{"prefix", "whitelist"}, nil, "", 0)
		if err != nil {
			return fmt.Errorf("userblacklist: loading %s: %w", table, err)
		}
		t := &dtree{}
		n := 0
		for _, r := range res.Rows {
			if r[0].Null || r[1].Null {
				continue
			}
			if t.insert(r[0].Str(), r[1].Int64() != 0) {
				n++
			} else {
				m.log.Error("cannot insert a non-numerical prefix", "table", table, "prefix", r[0].Str())
			}
		}
		src.Store(t)
		m.log.Info("global blacklist loaded", "table", table, "entries", n)
	}
	return nil
}

// MICommands lists reload_blacklist.
func (m *Module) MICommands() []api.MICommand {
	return []api.MICommand{{Name: "reload_blacklist", Help: "reload the global blacklists", Recipes: [][]string{{}},
		Handler: func(ctx context.Context, _ api.MIParams) (any, error) {
			if err := m.reload(ctx); err != nil {
				m.log.Error("reload_blacklist failed", "err", err)
				return nil, &api.MIError{Code: 500, Msg: "cannot reload blacklist"}
			}
			return "OK", nil
		}}}
}

// Validate checks the database URL.
func (m *Module) Validate(vc *api.ValidateCtx) error { return m.dbh.Validate(vc) }

// Init opens the database and checks the table version.
func (m *Module) Init(ic *api.InitCtx) error {
	if ic.Log != nil {
		m.log = ic.Log
	}
	if err := m.dbh.Open(ic, m.log); err != nil {
		return err
	}
	if err := db.CheckIdent(m.Table); err != nil {
		return fmt.Errorf("db_table: %w", err)
	}
	return m.dbh.CheckVersion(context.Background(), m.Table, 2)
}

// Start loads the global blacklists named by check_blacklist() (the
// fixups ran after Init).
func (m *Module) Start(ctx context.Context) error { return m.reload(ctx) }

// Close closes the database.
func (m *Module) Close() error { return m.dbh.Close() }

var (
	_ api.Validator  = (*Module)(nil)
	_ api.Initer     = (*Module)(nil)
	_ api.Starter    = (*Module)(nil)
	_ api.Closer     = (*Module)(nil)
	_ api.MIExporter = (*Module)(nil)
)
