// Package avpops is the AVP operations module of OpenSIPS up to 3.4
// (removed in 3.5: sqlops and script assignments replace it). It is kept
// so that legacy configs load; every function carries its modern form.
package avpops

import (
	"fmt"
	"strconv"
	"strings"
	"sync"

	"gosips/api"
	"gosips/db"
	"gosips/pv"
)

func init() {
	api.Register(api.ModuleInfo{Name: "avpops", Doc: "AVP operations (OpenSIPS <= 3.4; use sqlops and assignments)",
		New: func() api.Module { return New() }})
}

// DBURL is one db_url value: "url" is id 0, "N url" is id N.
type DBURL struct {
	ID  int
	URL string
}

// AVPOps is one instance of the avpops module.
type AVPOps struct {
	DBURLs          []DBURL
	AVPTable        string
	UseDomain       int
	UUIDColumn      string
	AttributeColumn string
	ValueColumn     string
	TypeColumn      string
	UsernameColumn  string
	DomainColumn    string
	DBSchemes       []string

	conns     map[int]db.Conn // by db_url id, opened by Init
	schemes   map[string]scheme
	pvs       pvCache
	substMu   sync.Mutex
	substDone map[*pv.Subst]bool
	patterns  sync.Map // compiled avp_check re/fm operands
}

// New returns an avpops instance with OpenSIPS 3.4 defaults.
func New() *AVPOps {
	return &AVPOps{AVPTable: "usr_preferences", UUIDColumn: "uuid", AttributeColumn: "attribute",
		ValueColumn: "value", TypeColumn: "type", UsernameColumn: "username", DomainColumn: "domain"}
}

// Params lists avpops' parameters.
func (m *AVPOps) Params() []api.Param {
	s := func(name string, dst *string, def string) api.Param {
		p := api.StrParam(name, dst)
		p.Default = def
		return p
	}
	useDomain := api.IntParam("use_domain", &m.UseDomain)
	useDomain.Default = "0"
	avpURL := api.FuncParam("avp_url", api.ParamStr, false, m.addDBURL)
	avpURL.Legacy = `modparam("avpops", "db_url", "...")`
	bufSize := api.FuncParam("buf_size", api.ParamInt, false, func(api.ParamValue) error { return nil })
	bufSize.Legacy = "remove it"
	return []api.Param{
		api.FuncParam("db_url", api.ParamStr, true, m.addDBURL),
		s("avp_table", &m.AVPTable, "usr_preferences"),
		useDomain,
		s("uuid_column", &m.UUIDColumn, "uuid"),
		s("attribute_column", &m.AttributeColumn, "attribute"),
		s("value_column", &m.ValueColumn, "value"),
		s("type_column", &m.TypeColumn, "type"),
		s("username_column", &m.UsernameColumn, "username"),
		s("domain_column", &m.DomainColumn, "domain"),
		api.FuncParam("db_scheme", api.ParamStr, true, func(v api.ParamValue) error {
			if !strings.Contains(v.Str, "=") {
				return fmt.Errorf("db_scheme %q: expected \"name:key=value;...\"", v.Str)
			}
			m.DBSchemes = append(m.DBSchemes, v.Str)
			return nil
		}),
		avpURL,
		bufSize,
	}
}

// addDBURL adds one db_url value; ids must be unique.
func (m *AVPOps) addDBURL(v api.ParamValue) error {
	u, err := ParseDBURL(v.Str)
	if err != nil {
		return err
	}
	for _, x := range m.DBURLs {
		if x.ID == u.ID {
			return fmt.Errorf("db_url id %d given twice", u.ID)
		}
	}
	m.DBURLs = append(m.DBURLs, u)
	return nil
}

// ParseDBURL parses "url" or "N url".
func ParseDBURL(s string) (DBURL, error) {
	s = strings.TrimSpace(s)
	if id, rest, ok := strings.Cut(s, " "); ok {
		if n, err := strconv.Atoi(id); err == nil {
			if n < 0 {
				return DBURL{}, fmt.Errorf("negative db_url id %d", n)
			}
			s = strings.TrimSpace(rest)
			return checkURL(DBURL{ID: n, URL: s})
		}
	}
	return checkURL(DBURL{URL: s})
}

func checkURL(u DBURL) (DBURL, error) {
	if !strings.Contains(u.URL, "://") {
		return DBURL{}, fmt.Errorf("bad db_url %q (expected scheme://...)", u.URL)
	}
	return u, nil
}

// Validate checks that the db module of every db_url scheme is loaded.
func (m *AVPOps) Validate(vc *api.ValidateCtx) error {
	urls := m.DBURLs
	if len(urls) == 0 {
		urls = []DBURL{{}} // db_default_url, when set
	}
	for _, u := range urls {
		if _, err := api.CheckDBURL(vc, "db_url", u.URL, false); err != nil {
			return err
		}
	}
	return nil
}

var (
	_ api.Module    = (*AVPOps)(nil)
	_ api.Validator = (*AVPOps)(nil)
	_ api.Initer    = (*AVPOps)(nil)
	_ api.Closer    = (*AVPOps)(nil)
)
