// Package b2bentities is the b2b_entities module: the lower layer of the
// B2BUA, dialogs where gosips is the UAS (server entities) or the UAC
// (client entities), driven by b2b_logic through api.B2BEntities.
package b2bentities

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"

	"gosips/api"
	"gosips/db"
	"gosips/internal/dbconn"
)

func init() {
	api.Register(api.ModuleInfo{
		Name: "b2b_entities",
		Deps: []api.Dep{{Name: "tm"}, {Name: "uac_auth", Optional: true}},
		New:  func() api.Module { return New() },
		Doc:  "B2BUA entities: UAS and UAC dialogs",
	})
}

// Module is one b2b_entities instance.
type Module struct {
	ServerHsize       int
	ClientHsize       int
	ScriptReqRoute    string
	ScriptReplyRoute  string
	DBURL             string
	DBTable           string
	DBMode            int
	UpdatePeriod      int
	KeyPrefix         string
	PassthruPrack     int
	AdvertisedContact string
	UADefaultTimeout  int

	log     *slog.Logger
	servers *table
	clients *table
	core    atomic.Pointer[coreRef]
	tm      api.ServerTxs
	uac     api.UAC
	cancel  api.UACCanceller
	// auth answers digest challenges to client entities' INVITEs
	// (uac_auth's credentials); nil without uac_auth.
	auth    api.UACAuthenticator
	root    context.Context
	uaEvent *api.Event // E_UA_SESSION

	// persistence (db_url, db_mode): dbMu orders the writes.
	dbh  dbconn.Handle
	dbc  db.Conn
	dbMu sync.Mutex
	wg   sync.WaitGroup
	// cachedbURL is refused with db_mode 1 or 2 (not implemented).
	cachedbURL string
}

type coreRef struct{ c api.Core }

// New returns a b2b_entities instance with OpenSIPS' defaults.
func New() *Module {
	return &Module{ServerHsize: 9, ClientHsize: 9, DBTable: "b2b_entities", DBMode: dbWriteBack,
		UpdatePeriod: 100, KeyPrefix: "B2B", UADefaultTimeout: 12 * 3600}
}

// Params binds the module parameters.
func (m *Module) Params() []api.Param {
	hsize := func(name string, dst *int) api.Param {
		return api.FuncParam(name, api.ParamInt, false, func(v api.ParamValue) error {
			if v.Int < 1 || v.Int > 20 {
				return fmt.Errorf("%s %d out of range (log2 of the bucket count, 1-20)", name, v.Int)
			}
			*dst = int(v.Int)
			return nil
		})
	}
	return []api.Param{
		hsize("server_hsize", &m.ServerHsize),
		hsize("client_hsize", &m.ClientHsize),
		api.StrParam("script_req_route", &m.ScriptReqRoute),
		api.StrParam("script_reply_route", &m.ScriptReplyRoute),
		api.StrParam("db_url", &m.DBURL),
		api.IgnoredParam(api.StrParam("cachedb_url", &m.cachedbURL), "no cachedb persistence: refused with db_mode 1 or 2"),
		api.IgnoredParam(api.StrParam("cachedb_key_prefix", new(string)), "no cachedb persistence"),
		api.StrParam("db_table", &m.DBTable),
		api.FuncParam("db_mode", api.ParamInt, false, func(v api.ParamValue) error {
			if v.Int < 0 || v.Int > 2 {
				return fmt.Errorf("db_mode %d out of range (0 none, 1 write-through, 2 write-back)", v.Int)
			}
			m.DBMode = int(v.Int)
			return nil
		}),
		api.NonNegParam("update_period", &m.UpdatePeriod, "100"),
		api.StrParam("b2b_key_prefix", &m.KeyPrefix),
		api.IgnoredParam(api.IntParam("cluster_id", new(int)), "no clustering"),
		api.IntParam("passthru_prack", &m.PassthruPrack),
		api.StrParam("advertised_contact", &m.AdvertisedContact),
		api.NonNegParam("ua_default_timeout", &m.UADefaultTimeout, "43200"),
	}
}

// Funcs lists the script functions: the UA session API (ua.go).
func (m *Module) Funcs() []api.Func {
	return []api.Func{
		{Name: "ua_session_server_init", Routes: api.RequestRoute, Args: []api.Arg{
			{Name: "key", Type: api.ArgVar, Optional: true, Writable: true},
			{Name: "flags", Type: api.ArgStr, Optional: true},
			{Name: "extra_params", Type: api.ArgStr, Optional: true}},
			Call: m.uaServerInit},
		{Name: "ua_session_update", Routes: api.RequestRoute | api.EventRoute, Args: []api.Arg{
			{Name: "key", Type: api.ArgStr}, {Name: "method", Type: api.ArgStr},
			{Name: "body", Type: api.ArgStr, Optional: true},
			{Name: "extra_headers", Type: api.ArgStr, Optional: true},
			{Name: "content_type", Type: api.ArgStr, Optional: true}},
			Call: m.uaUpdate},
		{Name: "ua_session_reply", Routes: api.RequestRoute | api.EventRoute, Args: []api.Arg{
			{Name: "key", Type: api.ArgStr}, {Name: "method", Type: api.ArgStr},
			{Name: "code", Type: api.ArgInt},
			{Name: "reason", Type: api.ArgStr, Optional: true},
			{Name: "body", Type: api.ArgStr, Optional: true},
			{Name: "extra_headers", Type: api.ArgStr, Optional: true},
			{Name: "content_type", Type: api.ArgStr, Optional: true}},
			Call: m.uaReply},
		{Name: "ua_session_terminate", Routes: api.RequestRoute, Args: []api.Arg{
			{Name: "key", Type: api.ArgStr},
			{Name: "extra_headers", Type: api.ArgStr, Optional: true}},
			Call: m.uaTerminate},
	}
}

// maxKeyPrefix is the longest b2b_key_prefix OpenSIPS accepts.
const maxKeyPrefix = 5

// Validate checks that the database module of db_url is loaded when
// entities are persisted.
func (m *Module) Validate(vc *api.ValidateCtx) error {
	if len(m.KeyPrefix) > maxKeyPrefix {
		return &api.HintError{Err: fmt.Errorf("b2b_entities: b2b_key_prefix %q too long, maximum %d characters", m.KeyPrefix, maxKeyPrefix),
			Hint: "use a shorter prefix, e.g. B2B1"}
	}
	if m.DBMode == dbNone {
		return nil
	}
	if m.cachedbURL != "" {
		// Accepting it would lose the entities at a restart.
		return &api.HintError{Err: fmt.Errorf("b2b_entities: cachedb_url: persistence in a cachedb backend is not implemented"),
			Hint: "persist in SQL with db_url, or set db_mode to 0"}
	}
	url, err := api.CheckDBURL(vc, "db_url", m.DBURL, false)
	m.DBURL = url
	return err
}

// Init builds the hash tables and finds tm.
func (m *Module) Init(ic *api.InitCtx) error {
	m.log = ic.Log
	if m.log == nil {
		m.log = slog.New(slog.DiscardHandler)
	}
	m.servers = newTable(m.ServerHsize, m.KeyPrefix)
	m.clients = newTable(m.ClientHsize, m.KeyPrefix)
	if ic.Events != nil {
		m.uaEvent = ic.Events.MustPublish("E_UA_SESSION")
	}
	tm := ic.Module("tm")
	var ok1, ok2, ok3 bool
	m.tm, ok1 = tm.(api.ServerTxs)
	m.uac, ok2 = tm.(api.UAC)
	m.cancel, ok3 = tm.(api.UACCanceller)
	if !ok1 || !ok2 || !ok3 {
		return fmt.Errorf("b2b_entities: tm does not offer transactions to other modules")
	}
	m.auth, _ = ic.Module("uac_auth").(api.UACAuthenticator)
	if m.DBMode != dbNone {
		m.dbh.URL = m.DBURL
		if err := m.dbh.Open(ic, m.log); err == nil {
			m.dbc = m.dbh.Conn
		} else if m.DBURL != "" || m.dbh.URL != "" {
			return fmt.Errorf("b2b_entities: db_url: %w", err)
		}
		// Without db_url (nor db_default_url) nothing is persisted, as
		// in OpenSIPS.
	}
	if m.dbc != nil {
		if err := m.dbh.CheckVersion(m.ctx(), m.DBTable, tableVersion); err != nil {
			return fmt.Errorf("b2b_entities: %w", err)
		}
	}
	return nil
}

// SetCore gives the module the runtime services for requests it sends
// outside the receive path.
func (m *Module) SetCore(c api.Core) {
	if c != nil {
		m.core.Store(&coreRef{c})
	}
}

// Start keeps the context bounding the module's work.
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

func (m *Module) coreOf() api.Core {
	if r := m.core.Load(); r != nil {
		return r.c
	}
	return nil
}

func (m *Module) ctx() context.Context {
	if m.root != nil {
		return m.root
	}
	return context.Background()
}

var (
	_ api.Initer        = (*Module)(nil)
	_ api.Validator     = (*Module)(nil)
	_ api.Closer        = (*Module)(nil)
	_ api.Starter       = (*Module)(nil)
	_ api.MIExporter    = (*Module)(nil)
	_ api.B2BEntities   = (*Module)(nil)
	_ api.RequestFilter = (*Module)(nil)
)
