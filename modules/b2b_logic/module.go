// Package b2blogic is the b2b_logic module: the B2BUA scenarios (the
// built-in top hiding one, and script-driven ones) on top of the
// entities of b2b_entities.
package b2blogic

import (
	"context"
	"fmt"
	"log/slog"
	"regexp"
	"strings"
	"sync"
	"time"

	"gosips/api"
	"gosips/db"
	"gosips/internal/dbconn"
	"gosips/pv"
)

func init() {
	api.Register(api.ModuleInfo{
		Name: "b2b_logic",
		Deps: []api.Dep{{Name: "b2b_entities"}},
		New:  func() api.Module { return New() },
		Doc:  "B2BUA logic: top hiding and script-driven scenarios",
	})
}

// Module is one b2b_logic instance.
type Module struct {
	HashSize            int
	CleanupPeriod       int
	UpdatePeriod        int
	ScriptReqRoute      string
	ScriptReplyRoute    string
	CustomHeaders       string
	CustomHeadersRegexp string
	ContactUser         int
	DBURL               string
	DBTable             string
	MaxDuration         int
	FromSpec            string
	ServerAddress       string
	InitCallIDHdr       string
	DBMode              int
	THInitTimeout       int
	EarlyUpdate         int
	OldEntityTermDelay  int

	log      *slog.Logger
	ents     api.B2BEntities
	tuples   *tuples
	custom   map[string]bool
	customRe *regexp.Regexp
	fromPV   *pv.Spec // b2bl_from_spec_param
	core     api.Core
	root     context.Context
	// unit is the length of a "second" of the timers (tests shrink it).
	unit time.Duration

	// persistence (db_url, db_mode): dbMu orders the writes.
	dbh  dbconn.Handle
	dbc  db.Conn
	dbMu sync.Mutex
	wg   sync.WaitGroup
	// cachedbURL is refused with db_mode 1 or 2 (not implemented).
	cachedbURL string
}

// New returns a b2b_logic instance with OpenSIPS' defaults.
func New() *Module {
	return &Module{HashSize: 9, CleanupPeriod: 100, UpdatePeriod: 100, DBTable: "b2b_logic",
		MaxDuration: 12 * 3600, DBMode: dbWriteBack, THInitTimeout: 60, unit: time.Second}
}

// Params binds the module parameters.
func (m *Module) Params() []api.Param {
	return []api.Param{
		api.FuncParam("hash_size", api.ParamInt, false, func(v api.ParamValue) error {
			if v.Int < 1 || v.Int > 20 {
				return fmt.Errorf("hash_size %d out of range (log2 of the bucket count, 1-20)", v.Int)
			}
			m.HashSize = int(v.Int)
			return nil
		}),
		api.NonNegParam("cleanup_period", &m.CleanupPeriod, "100"),
		api.NonNegParam("update_period", &m.UpdatePeriod, "100"),
		api.StrParam("script_req_route", &m.ScriptReqRoute),
		api.StrParam("script_reply_route", &m.ScriptReplyRoute),
		api.StrParam("custom_headers", &m.CustomHeaders),
		api.StrParam("custom_headers_regexp", &m.CustomHeadersRegexp),
		api.IntParam("contact_user", &m.ContactUser),
		api.StrParam("db_url", &m.DBURL),
		api.IgnoredParam(api.StrParam("cachedb_url", &m.cachedbURL), "no cachedb persistence: refused with db_mode 1 or 2"),
		api.IgnoredParam(api.StrParam("cachedb_key_prefix", new(string)), "no cachedb persistence"),
		api.StrParam("db_table", &m.DBTable),
		api.NonNegParam("max_duration", &m.MaxDuration, "43200"),
		api.StrParam("b2bl_from_spec_param", &m.FromSpec),
		api.StrParam("server_address", &m.ServerAddress),
		api.StrParam("init_callid_hdr", &m.InitCallIDHdr),
		api.FuncParam("db_mode", api.ParamInt, false, func(v api.ParamValue) error {
			if v.Int < 0 || v.Int > 2 {
				return fmt.Errorf("db_mode %d out of range (0 none, 1 write-through, 2 write-back)", v.Int)
			}
			m.DBMode = int(v.Int)
			return nil
		}),
		api.NonNegParam("b2bl_th_init_timeout", &m.THInitTimeout, "60"),
		api.IntParam("b2bl_early_update", &m.EarlyUpdate),
		api.NonNegParam("old_entity_term_delay", &m.OldEntityTermDelay, "0"),
	}
}

// Init finds b2b_entities and compiles the header lists.
func (m *Module) Init(ic *api.InitCtx) error {
	m.log = ic.Log
	if m.log == nil {
		m.log = slog.New(slog.DiscardHandler)
	}
	ents, ok := ic.Module("b2b_entities").(api.B2BEntities)
	if !ok {
		return fmt.Errorf("b2b_logic: b2b_entities does not offer its API")
	}
	m.ents = newSDPTracker(ents)
	m.tuples = newTuples(m.HashSize)
	m.custom = map[string]bool{}
	for _, h := range strings.Split(m.CustomHeaders, ";") {
		if h = strings.TrimSpace(h); h != "" {
			m.custom[strings.ToLower(h)] = true
		}
	}
	if m.CustomHeadersRegexp != "" {
		re, err := compileHdrRegexp(m.CustomHeadersRegexp)
		if err != nil {
			return fmt.Errorf("b2b_logic: custom_headers_regexp: %w", err)
		}
		m.customRe = re
	}
	if m.FromSpec != "" {
		s, err := pv.Parse(m.FromSpec)
		if err == nil {
			err = pv.NewTable(pv.CoreDefs()).Resolve(s)
		}
		if err != nil {
			return &api.HintError{Err: fmt.Errorf("b2b_logic: b2bl_from_spec_param %q: %w", m.FromSpec, err),
				Hint: "name a variable, e.g. $var(b2bl_from)"}
		}
		m.fromPV = s
	}
	if strings.Contains(m.ServerAddress, "$") {
		return &api.HintError{Err: fmt.Errorf("b2b_logic: server_address %q: pseudo-variables are not supported", m.ServerAddress),
			Hint: "give a literal SIP URI, or leave it unset to use the receiving socket"}
	}
	if m.DBMode != dbNone {
		m.dbh.URL = m.DBURL
		if err := m.dbh.Open(ic, m.log); err == nil {
			m.dbc = m.dbh.Conn
		} else if m.DBURL != "" || m.dbh.URL != "" {
			return fmt.Errorf("b2b_logic: db_url: %w", err)
		}
		// Without db_url (nor db_default_url) nothing is persisted, as
		// in OpenSIPS.
	}
	if m.dbc != nil {
		if err := m.dbh.CheckVersion(context.Background(), m.DBTable, tableVersion); err != nil {
			return fmt.Errorf("b2b_logic: %w", err)
		}
	}
	return nil
}

// compileHdrRegexp takes "re", "/re/" or "/re/flags" (i: case
// insensitive; e: extended, the default in Go).
func compileHdrRegexp(s string) (*regexp.Regexp, error) {
	if strings.HasPrefix(s, "/") {
		if i := strings.LastIndexByte(s, '/'); i > 0 {
			flags := s[i+1:]
			s = s[1:i]
			if strings.Contains(flags, "i") {
				s = "(?i)" + s
			}
		}
	}
	return regexp.Compile(s)
}

// SetCore gives the module the runtime services (routes run for
// messages received outside the script).
func (m *Module) SetCore(c api.Core) { m.core = c }

// Start runs the session lifetime checks.
func (m *Module) Start(ctx context.Context) error {
	m.root = ctx
	if m.dbc == nil {
		return nil
	}
	if err := m.dbRestore(ctx); err != nil {
		return err
	}
	if m.DBMode == dbWriteBack && m.UpdatePeriod > 0 {
		m.wg.Add(1)
		go m.dbLoop(ctx)
	}
	return nil
}

func (m *Module) ctx() context.Context {
	if m.root != nil {
		return m.root
	}
	return context.Background()
}

// Validate checks that the database module of db_url is loaded when
// sessions are persisted.
func (m *Module) Validate(vc *api.ValidateCtx) error {
	if m.DBMode == dbNone {
		return nil
	}
	if m.cachedbURL != "" {
		// Accepting it would lose the sessions at a restart.
		return &api.HintError{Err: fmt.Errorf("b2b_logic: cachedb_url: persistence in a cachedb backend is not implemented"),
			Hint: "persist in SQL with db_url, or set db_mode to 0"}
	}
	url, err := api.CheckDBURL(vc, "db_url", m.DBURL, false)
	m.DBURL = url
	return err
}

var (
	_ api.Initer     = (*Module)(nil)
	_ api.Starter    = (*Module)(nil)
	_ api.Closer     = (*Module)(nil)
	_ api.MIExporter = (*Module)(nil)
	_ api.B2BHandler = (*Module)(nil)
)
