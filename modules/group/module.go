// Package group is OpenSIPS' group module: membership of users in groups
// from the "grp" table (queried per call) and regular-expression groups
// from "re_grp" (loaded at start-up).
package group

import (
	"context"
	"errors"
	"fmt"
	"gosips/internal/dbconn"
	"log/slog"
	"regexp"
	"strings"

	"gosips/api"
	"gosips/db"
	"gosips/modules/auth"
	"gosips/sip"
)

func init() {
	api.Register(api.ModuleInfo{Name: "group", New: func() api.Module { return New() },
		Deps: []api.Dep{{Name: "auth", Optional: true}}, Doc: "group membership checks"})
}

// Table versions OpenSIPS 3.6 expects.
const (
	GrpVersion   = 3
	ReGrpVersion = 2
)

// Module is one group instance.
type Module struct {
	Table       string
	UserCol     string
	DomainCol   string
	GroupCol    string
	UseDomain   int
	ReTable     string
	ReExpCol    string
	ReGIDCol    string
	MultipleGID int
	AAAURL      string

	log  *slog.Logger
	dbh  dbconn.Handle
	res  []reGroup
	auth *auth.Module
}

type reGroup struct {
	re  *regexp.Regexp
	gid int64
}

// New returns a group instance with OpenSIPS' defaults.
func New() *Module {
	return &Module{Table: "grp", UserCol: "username", DomainCol: "domain", GroupCol: "grp",
		ReExpCol: "reg_exp", ReGIDCol: "group_id", MultipleGID: 1, log: slog.New(slog.DiscardHandler)}
}

// Params lists the module parameters.
func (m *Module) Params() []api.Param {
	return []api.Param{
		api.StrParam("db_url", &m.dbh.URL),
		api.StrParam("table", &m.Table),
		api.StrParam("user_column", &m.UserCol),
		api.StrParam("domain_column", &m.DomainCol),
		api.StrParam("group_column", &m.GroupCol),
		api.IntParam("use_domain", &m.UseDomain),
		api.StrParam("re_table", &m.ReTable),
		api.StrParam("re_exp_column", &m.ReExpCol),
		api.StrParam("re_gid_column", &m.ReGIDCol),
		api.IntParam("multiple_gid", &m.MultipleGID),
		api.StrParam("aaa_url", &m.AAAURL),
	}
}

// Funcs lists the script functions.
func (m *Module) Funcs() []api.Func {
	const routes = api.RequestRoute | api.FailureRoute | api.BranchRoute | api.LocalRoute
	isIn := func(c *api.Ctx, a []any) api.Ret {
		uri, _ := a[0].(string)
		grp, _ := a[1].(string)
		return m.isUserIn(c, uri, grp)
	}
	uriArg := api.Arg{Name: "uri", Type: api.ArgStr}
	return []api.Func{
		{Name: "db_is_user_in", Routes: routes, Args: []api.Arg{uriArg, {Name: "group", Type: api.ArgStr}},
			Returns: "1 member, -6 not a member, -5 database error, -1 error", Call: isIn},
		{Name: "is_user_in", Routes: routes, Legacy: `db_is_user_in("Request-URI", "group")`,
			Args: []api.Arg{uriArg, {Name: "group", Type: api.ArgStr}}, Call: isIn},
		{Name: "db_get_user_group", Routes: routes,
			Args:    []api.Arg{uriArg, {Name: "output_avp", Type: api.ArgVar, Writable: true}},
			Returns: "the number of matching groups, -1 none",
			Call: func(c *api.Ctx, a []any) api.Ret {
				uri, _ := a[0].(string)
				return m.getUserGroup(c, uri, a[1].(api.PVRef))
			}},
		{Name: "get_user_group", Routes: routes, Legacy: `db_get_user_group("Request-URI", $avp(gids))`,
			Args: []api.Arg{uriArg, {Name: "output_avp", Type: api.ArgVar, Writable: true}},
			Call: func(c *api.Ctx, a []any) api.Ret {
				uri, _ := a[0].(string)
				return m.getUserGroup(c, uri, a[1].(api.PVRef))
			}},
		{Name: "aaa_is_user_in", Routes: api.RequestRoute | api.FailureRoute | api.BranchRoute | api.LocalRoute,
			Args: []api.Arg{uriArg, {Name: "group", Type: api.ArgStr}}, Call: nil},
	}
}

// userDomain is OpenSIPS' get_username_domain: "Request-URI", "To",
// "From", "Credentials" (the authorized digest credentials) or a SIP URI.
func (m *Module) userDomain(c *api.Ctx, what string) (user, domain string, err error) {
	var uri string
	switch strings.ToLower(what) {
	case "request-uri":
		uri = c.RURI()
	case "to":
		to, err := c.Msg.To()
		if err != nil {
			return "", "", err
		}
		uri = to.URI
	case "from":
		from, err := c.Msg.From()
		if err != nil {
			return "", "", err
		}
		uri = from.URI
	case "credentials":
		if m.auth == nil {
			return "", "", errors.New("no authorized credentials (auth is not loaded)")
		}
		cred, _, ok := m.auth.AuthorizedCredentials(c.Msg)
		if !ok || cred == nil {
			return "", "", errors.New("no authorized credentials found (error in scripts)")
		}
		d := cred.Domain
		if d == "" {
			d = cred.Realm
		}
		return cred.User, d, nil
	default:
		uri = what
	}
	u, err := sip.ParseURI(uri)
	if err != nil {
		return "", "", fmt.Errorf("bad uri %q: %w", uri, err)
	}
	return u.User, u.Host, nil
}

func (m *Module) isUserIn(c *api.Ctx, what, grp string) api.Ret {
	user, domain, err := m.userDomain(c, what)
	if err != nil {
		c.Log.Error("db_is_user_in: cannot get the user", "err", err)
		return api.RetFalse
	}
	if user == "" {
		return api.RetFalse
	}
	where := []db.Cond{db.Eq(m.UserCol, db.StringValue(user)), db.Eq(m.GroupCol, db.StringValue(grp))}
	if m.UseDomain != 0 {
		where = append(where, db.Eq(m.DomainCol, db.StringValue(domain)))
	}
	ctx := c.Context
	if ctx == nil {
		ctx = context.Background()
	}
	res, err := m.dbh.Conn.Query(ctx, m.Table, []string{m.GroupCol}, where, "", 1)
	if err != nil {
		c.Log.Error("db_is_user_in: query failed", "err", err)
		return -5
	}
	if len(res.Rows) == 0 {
		return -6
	}
	return api.RetTrue
}

func (m *Module) getUserGroup(c *api.Ctx, what string, out api.PVRef) api.Ret {
	user, domain, err := m.userDomain(c, what)
	if err != nil {
		c.Log.Error("db_get_user_group: cannot get the user", "err", err)
		return api.RetFalse
	}
	if user == "" {
		return api.RetFalse
	}
	uri := "sip:" + user + "@" + domain
	n := 0
	for _, g := range m.res {
		if !g.re.MatchString(uri) {
			continue
		}
		if err := out.Set(c, api.IntValue(g.gid)); err != nil {
			c.Log.Error("db_get_user_group: cannot set the variable", "err", err)
			return api.RetFalse
		}
		n++
		if m.MultipleGID == 0 {
			break
		}
	}
	if n == 0 {
		return api.RetFalse
	}
	return api.Ret(n)
}

// loadRe reads the regular-expression groups, last row first as
// OpenSIPS does; a bad row is an error naming it.
func (m *Module) loadRe(ctx context.Context) error {
	res, err := m.dbh.Conn.Query(ctx, m.ReTable, []string{m.ReExpCol, m.ReGIDCol, "id"}, nil, "", 0)
	if err != nil {
		return fmt.Errorf("table %s: %w", m.ReTable, err)
	}
	var out []reGroup
	for i := len(res.Rows) - 1; i >= 0; i-- {
		r := res.Rows[i]
		if r[0].Null || r[1].Null {
			return fmt.Errorf("table %s, id %d: NULL reg_exp or group id", m.ReTable, r[2].Int64())
		}
		re, err := regexp.Compile("(?i)" + r[0].Str())
		if err != nil {
			return fmt.Errorf("table %s, id %d: bad regular expression %q: %w", m.ReTable, r[2].Int64(), r[0].Str(), err)
		}
		out = append(out, reGroup{re: re, gid: r[1].Int64()})
	}
	m.res = out
	return nil
}

// Validate checks the database URL.
func (m *Module) Validate(vc *api.ValidateCtx) error { return m.dbh.Validate(vc) }

// Init opens the database and loads the regular-expression groups.
func (m *Module) Init(ic *api.InitCtx) error {
	if ic.Log != nil {
		m.log = ic.Log
	}
	if ic.Module != nil {
		m.auth, _ = ic.Module("auth").(*auth.Module)
	}
	if err := m.dbh.Open(ic, m.log); err != nil {
		return err
	}
	ctx := context.Background()
	if err := m.dbh.CheckVersion(ctx, m.Table, GrpVersion); err != nil {
		return err
	}
	if m.ReTable != "" {
		if err := m.dbh.CheckVersion(ctx, m.ReTable, ReGrpVersion); err != nil {
			return err
		}
		return m.loadRe(ctx)
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
