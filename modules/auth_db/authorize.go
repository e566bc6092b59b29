package authdb

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"gosips/api"
	"gosips/db"
	"gosips/modules/auth"
	"gosips/pv"
	"gosips/sip"
)

// SubscriberVersion is the subscriber table version auth_db works with.
const SubscriberVersion = 8

// Init binds the auth module and opens db_url (run mode only).
func (m *Module) Init(ic *api.InitCtx) error {
	if ic.Log != nil {
		m.log = ic.Log
	}
	if ic.Module != nil {
		m.auth, _ = ic.Module("auth").(*auth.Module)
	}
	if m.auth == nil {
		return fmt.Errorf("auth_db requires loadmodule \"auth.so\"")
	}
	url := m.DBURL
	if url == "" && ic.Global != nil {
		if v, ok := ic.Global("db_default_url"); ok && v.IsStr() {
			url = v.S
		}
	}
	if url == "" {
		return fmt.Errorf("db_url is not set")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	conn, err := db.Open(ctx, url, db.WithBaseDir(ic.ConfigDir), db.WithLogger(m.log))
	if err != nil {
		return fmt.Errorf("auth_db: %w", err)
	}
	m.conn = conn
	return nil
}

// Use binds an auth instance and an open database directly (tests and
// tools; Init does it from the loaded modules and db_url).
func (m *Module) Use(a *auth.Module, c db.Conn) {
	m.auth, m.conn = a, c
}

// Start checks the version of the tables the script names.
func (m *Module) Start(ctx context.Context) error {
	if m.SkipVersionCheck != 0 || m.conn == nil {
		return nil
	}
	m.tablesMu.Lock()
	tables := append([]string(nil), m.tables...)
	m.tablesMu.Unlock()
	for _, t := range tables {
		v, err := m.conn.TableVersion(ctx, t)
		if err != nil {
			if errors.Is(err, db.ErrNoVersion) {
				return fmt.Errorf("auth_db: table %s has no version row (expected %d)", t, SubscriberVersion)
			}
			return fmt.Errorf("auth_db: table %s: %w", t, err)
		}
		if v != SubscriberVersion {
			return fmt.Errorf("auth_db: table %s has version %d, expected %d", t, v, SubscriberVersion)
		}
	}
	return nil
}

// Close closes the database.
func (m *Module) Close() error {
	if m.conn == nil {
		return nil
	}
	err := m.conn.Close()
	m.conn = nil
	return err
}

// hashColumn picks the column holding the secret for an algorithm.
func (m *Module) hashColumn(a auth.Algorithm) string {
	if m.CalculateHA1 != 0 {
		return m.PasswordColumn
	}
	switch a {
	case auth.SHA256, auth.SHA256Sess:
		return m.HashColumnSHA256
	case auth.SHA512_256, auth.SHA512_256Sess:
		return m.HashColumnSHA512
	}
	return m.PasswordColumn
}

// queryCols returns the (cached) column list for a hash column: the
// hash first, then the load_credentials columns.
func (m *Module) queryCols(hash string) []string {
	if m.noCreds.Load() {
		return []string{hash}
	}
	if v, ok := m.colCache.Load(hash); ok {
		return v.([]string)
	}
	cols := make([]string, 0, 1+len(m.Credentials))
	cols = append(cols, hash)
	for _, c := range m.Credentials {
		cols = append(cols, c.Column)
	}
	m.colCache.Store(hash, cols)
	return cols
}

// authorize is www_authorize / proxy_authorize.
func (m *Module) authorize(c *api.Ctx, args []any, proxy bool) api.Ret {
	realm, _ := args[0].(string)
	table, _ := args[1].(string)
	cred, realm, res := m.auth.PreAuth(c, realm, proxy)
	if res != auth.DoAuthorization {
		return api.Ret(res)
	}
	alg := cred.Alg
	if alg == 0 {
		alg = auth.MD5
	}
	domain := cred.Domain
	if domain == "" {
		domain = realm
	}
	where := make([]db.Cond, 1, 2)
	where[0] = db.Eq(m.UserColumn, db.StringValue(cred.User))
	if m.UseDomain != 0 {
		where = append(where, db.Eq(m.DomainColumn, db.StringValue(domain)))
	}
	rs, err := m.conn.Query(c.Context, table, m.queryCols(m.hashColumn(alg)), where, "", 1)
	if err != nil && errors.Is(err, db.ErrNoColumn) && !m.explicitCreds && len(m.Credentials) > 0 && !m.noCreds.Load() {
		m.noCreds.Store(true)
		m.log.Warn("table has no column for the default load_credentials; loading none",
			"table", table, "load_credentials", m.LoadCredentials, "hint", `set modparam("auth_db", "load_credentials", "")`)
		rs, err = m.conn.Query(c.Context, table, m.queryCols(m.hashColumn(alg)), where, "", 1)
	}
	if err != nil {
		m.log.Error("failed to query database", "table", table, "err", err)
		m.serverError(c)
		return api.Ret(auth.Error)
	}
	if len(rs.Rows) == 0 {
		return api.Ret(auth.UserUnknown)
	}
	row := rs.Rows[0]
	match, ok := auth.VerifyPassword(cred, realm, row[0].Str(), m.CalculateHA1 != 0,
		c.Msg.Method(), bodyFor(cred, c.Msg))
	if !ok {
		m.log.Error("stored credentials have the wrong length for the algorithm",
			"user", cred.Username, "algorithm", alg.String())
		m.serverError(c)
		return api.Ret(auth.Error)
	}
	if !match {
		return api.Ret(auth.InvalidPassword)
	}
	m.loadCredentials(c, row[1:])
	return api.Ret(auth.Authorized)
}

func bodyFor(cred *auth.Credentials, msg *sip.Msg) string {
	if cred.Qop == auth.QopAuthInt {
		return msg.Body()
	}
	return ""
}

func (m *Module) serverError(c *api.Ctx) {
	if err := auth.Reply(c, 500, "Server Internal Error", ""); err != nil {
		m.log.Error("failed to send 500 reply", "err", err)
	}
}

// loadCredentials adds the load_credentials columns as AVPs (empty and
// NULL values are skipped).
func (m *Module) loadCredentials(c *api.Ctx, vals db.Row) {
	if len(m.Credentials) == 0 || m.noCreds.Load() {
		return
	}
	st := avpStore(c)
	if st == nil {
		return
	}
	for i, cr := range m.Credentials {
		if i >= len(vals) || vals[i].Null {
			continue
		}
		name := strings.TrimSuffix(strings.TrimPrefix(cr.AVP, "$avp("), ")")
		v := vals[i]
		switch v.Type {
		case db.Int, db.BigInt:
			st.Push(name, pv.IntStr(v.I))
		default:
			if s := v.Str(); s != "" {
				st.Push(name, api.StrValue(s))
			}
		}
	}
}

func avpStore(c *api.Ctx) *pv.AVPStore {
	if h, ok := c.Priv.(pv.AVPHolder); ok {
		return h.AVPs()
	}
	if s, ok := c.AVPs.(*pv.AVPStore); ok {
		return s
	}
	return nil
}

// checkUser is db_is_to_authorized / db_is_from_authorized: the digest
// user may use the URI user when the table maps them.
func (m *Module) checkUser(c *api.Ctx, table string, from bool) api.Ret {
	cred, _, ok := m.auth.AuthorizedCredentials(c.Msg)
	if !ok || cred == nil {
		m.log.Error("no authorized credentials found: call www_authorize or proxy_authorize first")
		return -2
	}
	var na sip.NameAddr
	var err error
	if from {
		na, err = c.Msg.From()
	} else {
		na, err = c.Msg.To()
	}
	if err != nil {
		return api.RetFalse
	}
	u, err := sip.ParseURI(na.URI)
	if err != nil {
		return api.RetFalse
	}
	if u.User == "" {
		return -4
	}
	realm := cred.Domain
	if realm == "" {
		realm = cred.Realm
	}
	rs, err := m.conn.Query(c.Context, table, []string{m.URIUserColumn}, []db.Cond{
		db.Eq(m.URIUserColumn, db.StringValue(cred.User)),
		db.Eq(m.URIDomainColumn, db.StringValue(realm)),
		db.Eq(m.URIURIUserColumn, db.StringValue(u.User)),
	}, "", 1)
	if err != nil {
		m.log.Error("failed to query database", "table", table, "err", err)
		return -8
	}
	if len(rs.Rows) == 0 {
		return -9
	}
	return api.RetTrue
}

func (m *Module) doesURIExist(c *api.Ctx, args []any) api.Ret {
	uri, _ := args[0].(string)
	table, _ := args[1].(string)
	if uri == "" {
		return api.RetFalse
	}
	u, err := sip.ParseURI(uri)
	if err != nil {
		return api.RetFalse
	}
	where := []db.Cond{db.Eq(m.UserColumn, db.StringValue(u.User))}
	if m.UseDomain != 0 {
		where = append(where, db.Eq(m.DomainColumn, db.StringValue(u.Host)))
	}
	rs, err := m.conn.Query(c.Context, table, []string{m.UserColumn}, where, "", 1)
	if err != nil {
		m.log.Error("failed to query database", "table", table, "err", err)
		return -4
	}
	if len(rs.Rows) == 0 {
		return -5
	}
	return api.RetTrue
}

func (m *Module) getAuthID(c *api.Ctx, args []any) api.Ret {
	table, _ := args[0].(string)
	uri, _ := args[1].(string)
	userOut, _ := args[2].(api.PVRef)
	realmOut, _ := args[3].(api.PVRef)
	u, err := sip.ParseURI(uri)
	if err != nil || u.User == "" {
		m.log.Error("db_get_auth_id: the URI must have a user part", "uri", uri)
		return api.RetFalse
	}
	where := []db.Cond{db.Eq(m.URIURIUserColumn, db.StringValue(u.User))}
	if m.UseDomain != 0 {
		where = append(where, db.Eq(m.URIDomainColumn, db.StringValue(u.Host)))
	}
	rs, err := m.conn.Query(c.Context, table, []string{m.URIUserColumn, m.URIDomainColumn}, where, "", 0)
	if err != nil {
		m.log.Error("failed to query database", "table", table, "err", err)
		return -8
	}
	if len(rs.Rows) == 0 {
		return -4
	}
	if len(rs.Rows) > 1 {
		m.log.Warn("multiple entries match the URI; consider setting use_domain", "uri", uri)
	}
	row := rs.Rows[0]
	if userOut != nil {
		if err := userOut.Set(c, api.StrValue(row[0].Str())); err != nil {
			return api.RetFalse
		}
	}
	if realmOut != nil {
		if err := realmOut.Set(c, api.StrValue(row[1].Str())); err != nil {
			return api.RetFalse
		}
	}
	return api.RetTrue
}

// tableSet records the table names fixed at load time, for Start's
// version check.
type tableSet struct {
	tablesMu sync.Mutex
	tables   []string
}

func (t *tableSet) add(name string) {
	t.tablesMu.Lock()
	defer t.tablesMu.Unlock()
	for _, x := range t.tables {
		if x == name {
			return
		}
	}
	t.tables = append(t.tables, name)
}
