// Package aliasdb is OpenSIPS' alias_db module: Request-URI (or any URI)
// alias resolution against a database table, forward or reverse.
package aliasdb

import (
	"context"
	"fmt"
	"gosips/internal/dbconn"
	"log/slog"
	"strings"

	"gosips/api"
	"gosips/db"
	"gosips/sip"
)

func init() {
	api.Register(api.ModuleInfo{Name: "alias_db", New: func() api.Module { return New() },
		Doc: "database aliases"})
}

// Lookup flags.
const (
	flagNoDomain = 1 << iota // d
	flagReverse              // r
)

// Module is one alias_db instance.
type Module struct {
	UserCol        string
	DomainCol      string
	AliasUserCol   string
	AliasDomainCol string
	DomainPrefix   string
	AppendBranches int

	log *slog.Logger
	dbh dbconn.Handle
}

// New returns an alias_db instance with OpenSIPS' defaults.
func New() *Module {
	return &Module{UserCol: "username", DomainCol: "domain", AliasUserCol: "alias_username",
		AliasDomainCol: "alias_domain", log: slog.New(slog.DiscardHandler)}
}

// Params lists the module parameters.
func (m *Module) Params() []api.Param {
	useDomain := api.FuncParam("use_domain", api.ParamInt, false, func(api.ParamValue) error { return nil })
	useDomain.Legacy = `pass the "d" flag to alias_db_lookup("dbaliases", "d") to ignore the domain`
	return []api.Param{
		api.StrParam("db_url", &m.dbh.URL),
		api.StrParam("user_column", &m.UserCol),
		api.StrParam("domain_column", &m.DomainCol),
		api.StrParam("alias_user_column", &m.AliasUserCol),
		api.StrParam("alias_domain_column", &m.AliasDomainCol),
		api.StrParam("domain_prefix", &m.DomainPrefix),
		api.IntParam("append_branches", &m.AppendBranches),
		useDomain,
	}
}

func flagsFixup(_ *api.FixupCtx, a *api.FixArg) error {
	f, err := parseFlags(a.Str)
	if err != nil {
		return err
	}
	a.Fixed = f
	return nil
}

func parseFlags(s string) (int, error) {
	f := 0
	for _, ch := range s {
		switch ch {
		case 'd', 'D':
			f |= flagNoDomain
		case 'r', 'R':
			f |= flagReverse
		default:
			return 0, fmt.Errorf("unknown flag %q (d: no domain, r: reverse)", ch)
		}
	}
	return f, nil
}

func flagsOf(c *api.Ctx, v any) int {
	switch x := v.(type) {
	case int:
		return x
	case string:
		f, err := parseFlags(x)
		if err != nil {
			c.Log.Error("alias_db: bad flags", "flags", x, "err", err)
		}
		return f
	}
	return 0
}

// Funcs lists the script functions.
func (m *Module) Funcs() []api.Func {
	flags := api.Arg{Name: "flags", Type: api.ArgStr, Optional: true, Fixup: flagsFixup}
	table := api.Arg{Name: "table_name", Type: api.ArgStr}
	return []api.Func{
		{Name: "alias_db_lookup", Routes: api.RequestRoute | api.FailureRoute,
			Args: []api.Arg{table, flags}, Returns: "1 the R-URI was replaced, -1 no alias",
			Call: func(c *api.Ctx, a []any) api.Ret {
				u, err := sip.ParseURI(c.RURI())
				if err != nil {
					c.Log.Error("alias_db_lookup: bad Request-URI", "err", err)
					return api.RetFalse
				}
				uris, ret := m.query(c, a[0].(string), u, flagsOf(c, a[1]))
				if ret != api.RetTrue {
					return ret
				}
				c.Msg.SetRURI(uris[0])
				if m.AppendBranches != 0 {
					for _, x := range uris[1:] {
						c.Branches = append(c.Branches, api.Branch{URI: x, Q: 0})
					}
				}
				return api.RetTrue
			}},
		{Name: "alias_db_find",
			Routes:  api.RequestRoute | api.FailureRoute | api.OnReplyRoute | api.BranchRoute | api.LocalRoute | api.StartupRoute,
			Args:    []api.Arg{table, {Name: "input_uri", Type: api.ArgStr}, {Name: "output_var", Type: api.ArgVar, Writable: true}, flags},
			Returns: "1 found, -1 no alias",
			Call: func(c *api.Ctx, a []any) api.Ret {
				in, _ := a[1].(string)
				u, err := sip.ParseURI(in)
				if err != nil {
					c.Log.Error("alias_db_find: bad uri", "uri", in, "err", err)
					return api.RetFalse
				}
				uris, ret := m.query(c, a[0].(string), u, flagsOf(c, a[3]))
				if ret != api.RetTrue {
					return ret
				}
				out := a[2].(api.PVRef)
				n := 1
				if m.AppendBranches != 0 {
					n = len(uris)
				}
				for i, x := range uris[:n] {
					var err error
					if r, ok := out.(interface {
						Replace(*api.Ctx, api.Value) error
					}); ok && i == 0 {
						err = r.Replace(c, api.StrValue(x))
					} else {
						err = out.Set(c, api.StrValue(x))
					}
					if err != nil {
						c.Log.Error("alias_db_find: cannot set the variable", "err", err)
						return api.RetFalse
					}
				}
				return api.RetTrue
			}},
	}
}

// query returns the "sip:user@domain" URIs the alias (or, reversed, the
// user) maps to.
func (m *Module) query(c *api.Ctx, table string, u sip.URI, flags int) ([]string, api.Ret) {
	keyU, keyD, colU, colD := m.AliasUserCol, m.AliasDomainCol, m.UserCol, m.DomainCol
	if flags&flagReverse != 0 {
		keyU, keyD, colU, colD = colU, colD, keyU, keyD
	}
	where := []db.Cond{db.Eq(keyU, db.StringValue(u.User))}
	if flags&flagNoDomain == 0 {
		host := u.Host
		if p := m.DomainPrefix; p != "" && len(p) < len(host) && strings.EqualFold(host[:len(p)], p) {
			host = host[len(p):]
		}
		where = append(where, db.Eq(keyD, db.StringValue(host)))
	}
	ctx := c.Context
	if ctx == nil {
		ctx = context.Background()
	}
	if err := db.CheckIdent(table); err != nil {
		c.Log.Error("alias_db: bad table name", "table", table, "err", err)
		return nil, api.RetFalse
	}
	res, err := m.dbh.Conn.Query(ctx, table, []string{colU, colD}, where, "", 0)
	if err != nil {
		c.Log.Error("alias_db: query failed", "table", table, "err", err)
		return nil, api.RetFalse
	}
	if len(res.Rows) == 0 || res.Rows[0][0].Null {
		return nil, api.RetFalse
	}
	uris := make([]string, 0, len(res.Rows))
	for _, r := range res.Rows {
		uris = append(uris, "sip:"+r[0].Str()+"@"+r[1].Str())
	}
	return uris, api.RetTrue
}

// Validate checks the database URL.
func (m *Module) Validate(vc *api.ValidateCtx) error { return m.dbh.Validate(vc) }

// Init opens the database.
func (m *Module) Init(ic *api.InitCtx) error {
	if ic.Log != nil {
		m.log = ic.Log
	}
	if err := m.dbh.Open(ic, m.log); err != nil {
		return err
	}
	return nil
}

// Close closes the database.
func (m *Module) Close() error { return m.dbh.Close() }

var (
	_ api.Validator = (*Module)(nil)
	_ api.Initer    = (*Module)(nil)
	_ api.Closer    = (*Module)(nil)
)
