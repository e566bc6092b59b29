// Package speeddial is OpenSIPS' speeddial module: per-user short dial
// codes looked up in a database table and put in the Request-URI.
package speeddial

import (
	"context"
	"log/slog"
	"strings"

	"gosips/api"
	"gosips/db"
	"gosips/internal/dbconn"
	"gosips/sip"
)

func init() {
	api.Register(api.ModuleInfo{Name: "speeddial", New: func() api.Module { return New() },
		Doc: "per-user speed dial"})
}

// Module is one speeddial instance.
type Module struct {
	UserCol, DomainCol, SDUserCol, SDDomainCol, NewURICol string
	UseDomain                                             int
	DomainPrefix                                          string

	log *slog.Logger
	dbh dbconn.Handle
}

// New returns a speeddial instance with OpenSIPS' defaults.
func New() *Module {
	return &Module{UserCol: "username", DomainCol: "domain", SDUserCol: "sd_username", SDDomainCol: "sd_domain",
		NewURICol: "new_uri", log: slog.New(slog.DiscardHandler)}
}

// Params lists the module parameters.
func (m *Module) Params() []api.Param {
	return []api.Param{
		api.StrParam("db_url", &m.dbh.URL),
		api.StrParam("user_column", &m.UserCol),
		api.StrParam("domain_column", &m.DomainCol),
		api.StrParam("sd_user_column", &m.SDUserCol),
		api.StrParam("sd_domain_column", &m.SDDomainCol),
		api.StrParam("new_uri_column", &m.NewURICol),
		api.IntParam("use_domain", &m.UseDomain),
		api.StrParam("domain_prefix", &m.DomainPrefix),
	}
}

// Funcs lists sd_lookup.
func (m *Module) Funcs() []api.Func {
	return []api.Func{{Name: "sd_lookup", Routes: api.RequestRoute,
		Args:    []api.Arg{{Name: "table", Type: api.ArgStr}, {Name: "owner", Type: api.ArgStr, Optional: true}},
		Returns: "1 the R-URI was replaced, -1 no entry or error",
		Call: func(c *api.Ctx, a []any) api.Ret {
			table, _ := a[0].(string)
			return m.lookup(c, table, a[1])
		}}}
}

func (m *Module) stripPrefix(host string) string {
	if p := m.DomainPrefix; p != "" && len(p) < len(host) && strings.EqualFold(host[:len(p)], p) {
		return host[len(p):]
	}
	return host
}

// lookup finds the owner's (From, or the given URI) entry for the
// R-URI's user and sets the R-URI to it.
func (m *Module) lookup(c *api.Ctx, table string, owner any) api.Ret {
	ownerURI, _ := owner.(string)
	if ownerURI == "" {
		from, err := c.Msg.From()
		if err != nil {
			c.Log.Error("sd_lookup: bad From header", "err", err)
			return api.RetFalse
		}
		ownerURI = from.URI
	}
	o, err := sip.ParseURI(ownerURI)
	if err != nil {
		c.Log.Error("sd_lookup: bad owner SIP address", "uri", ownerURI)
		return api.RetFalse
	}
	r, err := sip.ParseURI(c.RURI())
	if err != nil {
		c.Log.Error("sd_lookup: bad Request-URI", "err", err)
		return api.RetFalse
	}
	where := []db.Cond{db.Eq(m.UserCol, db.StringValue(o.User))}
	if m.UseDomain >= 1 {
		where = append(where, db.Eq(m.DomainCol, db.StringValue(m.stripPrefix(o.Host))))
	}
	where = append(where, db.Eq(m.SDUserCol, db.StringValue(r.User)))
	if m.UseDomain >= 2 {
		where = append(where, db.Eq(m.SDDomainCol, db.StringValue(m.stripPrefix(r.Host))))
	}
	if err := db.CheckIdent(table); err != nil {
		c.Log.Error("sd_lookup: bad table name", "table", table)
		return api.RetFalse
	}
	ctx := c.Context
	if ctx == nil {
		ctx = context.Background()
	}
	res, err := m.dbh.Conn.Query(ctx, table, []string{m.NewURICol}, where, "", 1)
	if err != nil {
		c.Log.Error("sd_lookup: query failed", "err", err)
		return api.RetFalse
	}
	if len(res.Rows) == 0 || res.Rows[0][0].Null {
		return api.RetFalse
	}
	uri := res.Rows[0][0].Str()
	if len(uri) < 4 || !strings.EqualFold(uri[:4], "sip:") {
		uri = "sip:" + uri
	}
	c.Msg.SetRURI(uri)
	return api.RetTrue
}

// Validate checks the database URL.
func (m *Module) Validate(vc *api.ValidateCtx) error { return m.dbh.Validate(vc) }

// Init opens the database.
func (m *Module) Init(ic *api.InitCtx) error {
	if ic.Log != nil {
		m.log = ic.Log
	}
	return m.dbh.Open(ic, m.log)
}

// Close closes the database.
func (m *Module) Close() error { return m.dbh.Close() }

var (
	_ api.Validator = (*Module)(nil)
	_ api.Initer    = (*Module)(nil)
	_ api.Closer    = (*Module)(nil)
)
