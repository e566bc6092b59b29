// Package pdt is OpenSIPS' pdt module (prefix-domain translation, last
// shipped in OpenSIPS 2.1): prefix2domain() strips a numeric prefix from
// the Request-URI user and sends the request to the domain the pdt table
// maps that prefix to, per source domain.
package pdt

import (
	"context"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"

	"gosips/api"
	"gosips/db"
	"gosips/internal/dbconn"
	"gosips/sip"
)

func init() {
	api.Register(api.ModuleInfo{Name: "pdt", New: func() api.Module { return New() },
		Doc: "prefix-domain translation of the Request-URI"})
}

// Module is one pdt instance.
type Module struct {
	Table, SDomainCol, PrefixCol, DomainCol string
	// Prefix is the leading prefix a number must start with (and that is
	// skipped before the lookup); CharList the characters of prefixes.
	Prefix, CharList string
	CheckDomain      int

	log  *slog.Logger
	dbh  dbconn.Handle
	tree atomic.Pointer[tree]
	// mu serialises reloads and MI changes.
	mu sync.Mutex
}

// New returns a pdt instance with OpenSIPS' defaults.
func New() *Module {
	m := &Module{Table: "pdt", SDomainCol: "sdomain", PrefixCol: "prefix", DomainCol: "domain",
		CharList: "0123456789", CheckDomain: 1, log: slog.New(slog.DiscardHandler)}
	m.tree.Store(newTree(m.CharList))
	return m
}

// Params lists the module parameters.
func (m *Module) Params() []api.Param {
	return []api.Param{
		api.StrParam("db_url", &m.dbh.URL),
		api.StrParam("db_table", &m.Table),
		api.StrParam("sdomain_column", &m.SDomainCol),
		api.StrParam("prefix_column", &m.PrefixCol),
		api.StrParam("domain_column", &m.DomainCol),
		api.StrParam("prefix", &m.Prefix),
		{Name: "char_list", Type: api.ParamStr, Set: func(v api.ParamValue) error {
			if v.Str == "" {
				return fmt.Errorf("char_list must not be empty")
			}
			m.CharList = v.Str
			return nil
		}},
		api.IntParam("check_domain", &m.CheckDomain),
	}
}

// Funcs lists prefix2domain.
func (m *Module) Funcs() []api.Func {
	return []api.Func{{Name: "prefix2domain", Routes: api.RequestRoute | api.FailureRoute,
		Args: []api.Arg{{Name: "rewrite_mode", Type: api.ArgStr, Optional: true, Fixup: modeFixup},
			{Name: "multidomain_mode", Type: api.ArgStr, Optional: true, Fixup: modeFixup}},
		Returns: "1 the Request-URI was translated, -1 no prefix matched or error",
		Call: func(c *api.Ctx, a []any) api.Ret {
			return m.prefix2domain(c, mode(a[0]), mode(a[1]))
		}}}
}

// modeFixup checks a literal mode: 0, 1 or 2 (anything else counts as 0,
// as in OpenSIPS, but a literal that is not a number is a config error).
func modeFixup(_ *api.FixupCtx, a *api.FixArg) error {
	n, err := strconv.Atoi(strings.TrimSpace(a.Str))
	if err != nil {
		return fmt.Errorf("%q is not a mode (0, 1 or 2)", a.Str)
	}
	a.Fixed = n
	return nil
}

// mode reads a mode argument: a fixed int, a PV's string or nothing (0);
// values other than 1 and 2 are 0.
func mode(a any) int {
	var n int
	switch v := a.(type) {
	case int:
		n = v
	case int64:
		n = int(v)
	case string:
		n, _ = strconv.Atoi(strings.TrimSpace(v))
	}
	if n != 1 && n != 2 {
		return 0
	}
	return n
}

// prefix2domain translates the R-URI: rewrite 0 strips the leading prefix
// and the matched one, 1 only the leading prefix, 2 nothing; sdMode 0
// looks the prefix up under "*", 1 under the From domain, 2 under the From
// domain and then "*".
func (m *Module) prefix2domain(c *api.Ctx, rewrite, sdMode int) api.Ret {
	if c.Msg == nil || !c.Msg.IsRequest() {
		return api.RetFalse
	}
	u, err := sip.ParseURI(c.RURI())
	if err != nil {
		c.Log.Error("prefix2domain: bad Request-URI", "err", err)
		return api.RetFalse
	}
	if u.User == "" {
		return api.RetFalse
	}
	if p := m.Prefix; p != "" && (len(u.User) <= len(p) || !strings.EqualFold(u.User[:len(p)], p)) {
		return api.RetFalse
	}
	number := u.User[len(m.Prefix):]
	t := m.tree.Load()
	var (
		domain string
		plen   int
		ok     bool
	)
	if sdMode == 0 {
		domain, plen, ok = t.lookup("*", number)
	} else {
		from, err := c.Msg.From()
		if err != nil {
			c.Log.Error("prefix2domain: bad From header", "err", err)
			return api.RetFalse
		}
		fu, err := sip.ParseURI(from.URI)
		if err != nil {
			c.Log.Error("prefix2domain: bad From URI", "err", err)
			return api.RetFalse
		}
		domain, plen, ok = t.lookup(fu.Host, number)
		if !ok && sdMode == 2 {
			domain, plen, ok = t.lookup("*", number)
		}
	}
	if !ok {
		c.Log.Info("prefix2domain: no prefix found", "number", number)
		return api.RetFalse
	}
	switch rewrite {
	case 0:
		u.User = u.User[len(m.Prefix)+plen:]
	case 1:
		u.User = u.User[len(m.Prefix):]
	}
	host, port := domain, 0
	if i := strings.LastIndexByte(domain, ':'); i > 0 && !strings.HasSuffix(domain, "]") {
		if p, err := strconv.Atoi(domain[i+1:]); err == nil && p > 0 && p < 65536 {
			host, port = domain[:i], p
		}
	}
	u.Host = host
	u.SetPort(port)
	c.Msg.SetRURI(u.String())
	return api.RetTrue
}

// Validate checks the database URL.
func (m *Module) Validate(vc *api.ValidateCtx) error { return m.dbh.Validate(vc) }

// Init opens the database and loads the table.
func (m *Module) Init(ic *api.InitCtx) error {
	if ic.Log != nil {
		m.log = ic.Log
	}
	m.tree.Store(newTree(m.CharList))
	if err := m.dbh.Open(ic, m.log); err != nil {
		return err
	}
	for _, id := range []string{m.Table, m.SDomainCol, m.PrefixCol, m.DomainCol} {
		if err := db.CheckIdent(id); err != nil {
			return err
		}
	}
	return m.reload(context.Background())
}

// reload reads the whole table into a new trie and swaps it in.
func (m *Module) reload(ctx context.Context) error {
	res, err := m.dbh.Conn.Query(ctx, m.Table, []string{m.SDomainCol, m.PrefixCol, m.DomainCol}, nil, m.SDomainCol, 0)
	if err != nil {
		return fmt.Errorf("pdt: loading %s: %w", m.Table, err)
	}
	t := newTree(m.CharList)
	for _, r := range res.Rows {
		sd, p, d := r[0].Str(), r[1].Str(), r[2].Str()
		if sd == "" || p == "" || d == "" {
			m.log.Error("bad values in db", "table", m.Table, "sdomain", sd, "prefix", p, "domain", d)
			continue
		}
		if m.CheckDomain != 0 && t.duplicate(sd, p, d) {
			m.log.Error("prefix or domain duplicated", "sdomain", sd, "prefix", p, "domain", d)
			continue
		}
		if !t.add(sd, p, d) {
			m.log.Error("bad prefix", "sdomain", sd, "prefix", p, "char_list", m.CharList)
		}
	}
	m.tree.Store(t)
	return nil
}

// Close closes the database.
func (m *Module) Close() error { return m.dbh.Close() }

var (
	_ api.Validator  = (*Module)(nil)
	_ api.Initer     = (*Module)(nil)
	_ api.Closer     = (*Module)(nil)
	_ api.MIExporter = (*Module)(nil)
)
