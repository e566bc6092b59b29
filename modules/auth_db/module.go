// Package authdb declares the auth_db module: digest verification against a
// subscriber table.
package authdb

import (
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"

	"gosips/api"
	"gosips/db"
	"gosips/modules/auth"
)

func init() {
	api.Register(api.ModuleInfo{
		Name: "auth_db",
		Deps: []api.Dep{{Name: "auth"}},
		New:  func() api.Module { return New() },
		Doc:  "digest authentication against a database table",
	})
}

// Credential is one load_credentials entry: a column copied into an AVP
// after a successful authorization.
type Credential struct {
	AVP    string // "$avp(name)"; the column name is the AVP name when not given
	Column string
}

// Module is one auth_db instance; the fields hold the modparams.
type Module struct {
	DBURL                string
	UserColumn           string
	DomainColumn         string
	PasswordColumn       string
	HashColumnSHA256     string
	HashColumnSHA512     string
	URIUserColumn        string
	URIDomainColumn      string
	URIURIUserColumn     string
	CalculateHA1         int
	UseDomain            int
	LoadCredentials      string
	Credentials          []Credential
	SkipVersionCheck     int
	legacyPassColumn2    string
	legacyPassColumn2Set bool

	log      *slog.Logger
	auth     *auth.Module
	conn     db.Conn
	colCache sync.Map // hash column -> []string query columns
	// explicitCreds is set when load_credentials was configured; when it
	// was not and the table lacks the default "rpid" column (the 3.x
	// schema has none), the default is dropped with a warning instead of
	// failing every authentication.
	explicitCreds bool
	noCreds       atomic.Bool
	tableSet
}

// New returns an auth_db instance with OpenSIPS' defaults.
func New() *Module {
	m := &Module{
		UserColumn:       "username",
		DomainColumn:     "domain",
		PasswordColumn:   "ha1",
		HashColumnSHA256: "ha1_sha256",
		HashColumnSHA512: "ha1_sha512t256",
		URIUserColumn:    "username",
		URIDomainColumn:  "domain",
		URIURIUserColumn: "uri_user",
		LoadCredentials:  "rpid",
		log:              slog.New(slog.DiscardHandler),
	}
	m.Credentials, _ = ParseCredentials(m.LoadCredentials)
	return m
}

// Params binds the module parameters.
func (m *Module) Params() []api.Param {
	return []api.Param{
		api.StrParam("db_url", &m.DBURL),
		api.StrParam("user_column", &m.UserColumn),
		api.StrParam("domain_column", &m.DomainColumn),
		api.StrParam("password_column", &m.PasswordColumn),
		api.StrParam("hash_column_sha256", &m.HashColumnSHA256),
		api.StrParam("hash_column_sha512t256", &m.HashColumnSHA512),
		api.StrParam("uri_user_column", &m.URIUserColumn),
		api.StrParam("uri_domain_column", &m.URIDomainColumn),
		api.StrParam("uri_uriuser_column", &m.URIURIUserColumn),
		api.IntParam("calculate_ha1", &m.CalculateHA1),
		api.IntParam("use_domain", &m.UseDomain),
		api.FuncParam("load_credentials", api.ParamStr, false, func(v api.ParamValue) error {
			creds, err := ParseCredentials(v.Str)
			if err != nil {
				return err
			}
			m.LoadCredentials, m.Credentials = v.Str, creds
			m.explicitCreds = true
			return nil
		}),
		api.IntParam("skip_version_check", &m.SkipVersionCheck),
		{Name: "password_column_2", Type: api.ParamStr,
			Legacy: `drop it; 3.x uses hash_column_sha256 / hash_column_sha512t256`,
			Set: func(v api.ParamValue) error {
				m.legacyPassColumn2, m.legacyPassColumn2Set = v.Str, true
				return nil
			}},
	}
}

// ParseCredentials parses load_credentials: "col; $avp(name)=col; ...".
func ParseCredentials(s string) ([]Credential, error) {
	var out []Credential
	if strings.TrimSpace(s) == "" {
		return nil, nil
	}
	for i, item := range strings.Split(s, ";") {
		item = strings.TrimSpace(item)
		if item == "" {
			if i == len(strings.Split(s, ";"))-1 {
				break // a trailing ';'
			}
			return nil, fmt.Errorf("load_credentials %q: empty element %d", s, i+1)
		}
		c := Credential{Column: item}
		if lhs, rhs, ok := strings.Cut(item, "="); ok {
			lhs, rhs = strings.TrimSpace(lhs), strings.TrimSpace(rhs)
			if !isAVP(lhs) {
				return nil, fmt.Errorf("load_credentials %q: %q is not an AVP (e.g. $avp(rpid)=rpid)", s, lhs)
			}
			if rhs == "" {
				return nil, fmt.Errorf("load_credentials %q: no column after %q", s, lhs+"=")
			}
			c = Credential{AVP: lhs, Column: rhs}
		}
		if c.AVP == "" {
			c.AVP = "$avp(" + c.Column + ")"
		}
		out = append(out, c)
	}
	return out, nil
}

func isAVP(s string) bool {
	return strings.HasPrefix(s, "$avp(") && strings.HasSuffix(s, ")") && len(s) > len("$avp()")
}

// Validate checks the database module for db_url.
func (m *Module) Validate(vc *api.ValidateCtx) error {
	_, err := api.CheckDBURL(vc, "db_url", m.DBURL, true)
	return err
}

var (
	_ api.Validator = (*Module)(nil)
	_ api.Initer    = (*Module)(nil)
	_ api.Starter   = (*Module)(nil)
	_ api.Closer    = (*Module)(nil)
)
