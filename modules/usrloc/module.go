// Package usrloc declares the usrloc module: the user-location store
// (AOR → contacts) used by registrar, in memory and/or in a database.
package usrloc

import (
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"gosips/api"
	"gosips/db"
	"gosips/lang/diag"
)

func init() {
	api.Register(api.ModuleInfo{
		Name: "usrloc",
		New:  func() api.Module { return New() },
		Doc:  "user location store (AOR to contacts)",
	})
}

// Working mode presets (working_mode_preset).
const (
	PresetNoDB               = "single-instance-no-db"
	PresetWriteThrough       = "single-instance-sql-write-through"
	PresetWriteBack          = "single-instance-sql-write-back"
	PresetSQLOnly            = "sql-only"
	PresetFederation         = "federation-cluster"
	PresetFederationCacheDB  = "federation-cachedb-cluster"
	PresetFullSharing        = "full-sharing-cluster"
	PresetFullSharingCacheDB = "full-sharing-cachedb-cluster"
)

// Presets lists the valid working_mode_preset values.
var Presets = []string{PresetNoDB, PresetWriteThrough, PresetWriteBack, PresetSQLOnly,
	PresetFederation, PresetFederationCacheDB, PresetFullSharing, PresetFullSharingCacheDB}

// dbModePresets maps the deprecated db_mode values to presets.
var dbModePresets = [...]string{PresetNoDB, PresetWriteThrough, PresetWriteBack, PresetSQLOnly}

var (
	clusterModes = []string{"none", "federation", "federation-cachedb", "full-sharing",
		"full-sharing-cachedb", "sql-only"}
	restartPersistencies = []string{"none", "load-from-sql", "sync-from-cluster"}
	sqlWriteModes        = []string{"none", "write-through", "write-back"}
	pingingModes         = []string{"ownership", "cooperation"}
)

// Columns are the location table column names.
type Columns struct {
	ContactID, User, Domain, Contact, Expires, Q, CallID, CSeq, Flags, CFlags,
	UserAgent, Received, Path, Socket, Methods, SIPInstance, KVStore, Attr string
}

// Module is one usrloc instance; the fields hold the modparams.
type Module struct {
	// contactCbs are the callbacks of api.ContactWatcher, set during Init.
	contactCbs []contactCb
	// events are the E_UL_* events (nil events when not published).
	events ulEvents

	DBURL         string
	CacheDBURL    string
	TimerInterval int

	// Preset is the working mode; after Validate it is set even when only
	// the deprecated db_mode was given. Empty means the fine-grained
	// ClusterMode/RestartPersistency/SQLWriteMode are used.
	Preset             string
	DBMode             int // -1 when not set
	ClusterMode        string
	RestartPersistency string
	SQLWriteMode       string
	PingingMode        string
	SharedPinging      int // deprecated; -1 when not set
	dbModeMapped       bool

	UseDomain           int
	DescTimeOrder       int
	NATBFlag            string // branch flag name
	natBFlagNumber      bool   // given as a number (1.x/2.x form)
	NATBFlagIndex       int    // resolved by Init; -1 when unset
	MatchingMode        int
	CSeqDelay           int
	HashSize            int // log2 of the bucket count
	MaxContactDelete    int
	ContactRefreshTimer int
	MIDumpKVStore       int
	LatencyEventMinUs   int
	LatencyEventMinUsD  int
	RegenBrokenCID      int
	LocationCluster     int
	HACluster           int
	HAShtag             string
	SkipReplicatedDBOps int

	Cols Columns

	// Clock, when set, replaces time.Now (tests).
	Clock func() time.Time

	domains map[string]*Domain
	order   []string

	mode       Mode
	log        *slog.Logger
	conn       db.Conn
	dbURL      string
	configDir  string
	branchFlag func(name string) (int, error)
	sockets    socketFinder // the core's listeners; nil in tests and tools

	flagMu     sync.RWMutex
	flagNamer  func(bit int) string
	namerSet   atomic.Bool
	flagByName map[string]int

	statsReg *api.Stats
	stop     chan struct{}
	done     chan struct{}
}

// New returns a usrloc instance with OpenSIPS' defaults.
func New() *Module {
	return &Module{
		TimerInterval:    60,
		DBMode:           -1,
		SharedPinging:    -1,
		NATBFlagIndex:    -1,
		CSeqDelay:        20,
		HashSize:         9,
		MaxContactDelete: 10,
		Cols: Columns{
			ContactID: "contact_id", User: "username", Domain: "domain", Contact: "contact",
			Expires: "expires", Q: "q", CallID: "callid", CSeq: "cseq", Flags: "flags",
			CFlags: "cflags", UserAgent: "user_agent", Received: "received", Path: "path",
			Socket: "socket", Methods: "methods", SIPInstance: "sip_instance",
			KVStore: "kv_store", Attr: "attr",
		},
		domains:    map[string]*Domain{},
		flagByName: map[string]int{},
		log:        slog.New(slog.DiscardHandler),
	}
}

// RegisterDomain returns the table of that name, creating it on first use
// (OpenSIPS register_udomain).
func (m *Module) RegisterDomain(name string) *Domain {
	if d, ok := m.domains[name]; ok {
		return d
	}
	d := newDomain(m, name)
	m.domains[name] = d
	m.order = append(m.order, name)
	m.domainStats(d)
	return d
}

// Domains lists the registered tables in registration order.
func (m *Module) Domains() []*Domain {
	out := make([]*Domain, 0, len(m.order))
	for _, n := range m.order {
		out = append(out, m.domains[n])
	}
	return out
}

// Params binds the module parameters.
func (m *Module) Params() []api.Param {
	ps := []api.Param{
		api.StrParam("db_url", &m.DBURL),
		api.StrParam("cachedb_url", &m.CacheDBURL),
		positive("timer_interval", &m.TimerInterval),
		{Name: "db_mode", Type: api.ParamInt, Set: m.setDBMode,
			Deprecated: `use working_mode_preset: 0 "single-instance-no-db", 1 "single-instance-sql-write-through", 2 "single-instance-sql-write-back", 3 "sql-only"`},
		api.FuncParam("working_mode_preset", api.ParamStr, false, func(v api.ParamValue) error {
			p, err := oneOf("working_mode_preset", v.Str, Presets)
			m.Preset = p
			return err
		}),
		enumParam("cluster_mode", &m.ClusterMode, clusterModes),
		enumParam("restart_persistency", &m.RestartPersistency, restartPersistencies),
		enumParam("sql_write_mode", &m.SQLWriteMode, sqlWriteModes),
		enumParam("pinging_mode", &m.PingingMode, pingingModes),
		{Name: "shared_pinging", Type: api.ParamInt, Deprecated: `use modparam("usrloc", "pinging_mode", "cooperation")`,
			Set: func(v api.ParamValue) error { m.SharedPinging = int(v.Int); return nil }},
		api.IntParam("use_domain", &m.UseDomain),
		api.IntParam("desc_time_order", &m.DescTimeOrder),
		api.FuncParam("nat_bflag", api.ParamStr|api.ParamInt, false, m.setNATBFlag),
		api.FuncParam("matching_mode", api.ParamInt, false, func(v api.ParamValue) error {
			if v.Int != 0 && v.Int != 1 {
				return fmt.Errorf("invalid matching_mode %d (0 = contact only, 1 = contact and Call-ID)", v.Int)
			}
			m.MatchingMode = int(v.Int)
			return nil
		}),
		api.IntParam("cseq_delay", &m.CSeqDelay),
		api.FuncParam("hash_size", api.ParamInt, false, func(v api.ParamValue) error {
			if v.Int > 16 {
				return fmt.Errorf("hash_size %d too big: it is the log2 of the bucket count, at most 16", v.Int)
			}
			m.HashSize = int(v.Int)
			return nil
		}),
		positive("max_contact_delete", &m.MaxContactDelete),
		api.IntParam("contact_refresh_timer", &m.ContactRefreshTimer),
		api.IntParam("mi_dump_kv_store", &m.MIDumpKVStore),
		api.IntParam("latency_event_min_us", &m.LatencyEventMinUs),
		api.IntParam("latency_event_min_us_delta", &m.LatencyEventMinUsD),
		api.IntParam("regen_broken_contactid", &m.RegenBrokenCID),
		api.IntParam("location_cluster", &m.LocationCluster),
		api.IntParam("ha_cluster", &m.HACluster),
		api.StrParam("ha_shtag", &m.HAShtag),
		api.IntParam("skip_replicated_db_ops", &m.SkipReplicatedDBOps),
	}
	cols := []struct {
		name string
		dst  *string
	}{
		{"contact_id_column", &m.Cols.ContactID}, {"user_column", &m.Cols.User},
		{"domain_column", &m.Cols.Domain}, {"contact_column", &m.Cols.Contact},
		{"expires_column", &m.Cols.Expires}, {"q_column", &m.Cols.Q},
		{"callid_column", &m.Cols.CallID}, {"cseq_column", &m.Cols.CSeq},
		{"flags_column", &m.Cols.Flags}, {"cflags_column", &m.Cols.CFlags},
		{"user_agent_column", &m.Cols.UserAgent}, {"received_column", &m.Cols.Received},
		{"path_column", &m.Cols.Path}, {"socket_column", &m.Cols.Socket},
		{"methods_column", &m.Cols.Methods}, {"sip_instance_column", &m.Cols.SIPInstance},
		{"kv_store_column", &m.Cols.KVStore}, {"attr_column", &m.Cols.Attr},
	}
	for _, c := range cols {
		ps = append(ps, api.StrParam(c.name, c.dst))
	}
	return ps
}

func (m *Module) setDBMode(v api.ParamValue) error {
	if v.Int < 0 || v.Int > 3 {
		return fmt.Errorf("invalid db_mode %d (0-3; it is deprecated, use working_mode_preset)", v.Int)
	}
	m.DBMode = int(v.Int)
	return nil
}

// setNATBFlag takes a branch flag name; 1.x/2.x configs gave the flag
// number, kept as the flag named by that number.
func (m *Module) setNATBFlag(v api.ParamValue) error {
	if v.IsInt {
		if v.Int < 0 || v.Int > 63 {
			return fmt.Errorf("nat_bflag %d out of range", v.Int)
		}
		m.NATBFlag = strconv.FormatInt(v.Int, 10)
		m.natBFlagNumber = true
		return nil
	}
	if strings.TrimSpace(v.Str) == "" {
		return fmt.Errorf("nat_bflag is empty")
	}
	m.NATBFlag = v.Str
	return nil
}

// Mode is the resolved working mode.
type Mode struct {
	ClusterMode        string
	RestartPersistency string
	SQLWriteMode       string
}

// presetModes gives the modes each preset stands for.
var presetModes = map[string]Mode{
	PresetNoDB:               {"none", "none", "none"},
	PresetWriteThrough:       {"none", "load-from-sql", "write-through"},
	PresetWriteBack:          {"none", "load-from-sql", "write-back"},
	PresetFederation:         {"federation", "sync-from-cluster", "none"},
	PresetFederationCacheDB:  {"federation-cachedb", "sync-from-cluster", "none"},
	PresetFullSharing:        {"full-sharing", "sync-from-cluster", "none"},
	PresetFullSharingCacheDB: {"full-sharing-cachedb", "none", "none"},
	PresetSQLOnly:            {"sql-only", "none", "none"},
}

// Mode resolves the preset (or the fine-grained params) into the three
// modes, as OpenSIPS' ul_check_config does.
func (m *Module) Mode() Mode {
	if m.Preset != "" {
		return presetModes[m.Preset]
	}
	md := Mode{ClusterMode: "none", RestartPersistency: "none", SQLWriteMode: "none"}
	if m.ClusterMode != "" {
		md.ClusterMode = m.ClusterMode
	}
	if m.RestartPersistency != "" {
		md.RestartPersistency = m.RestartPersistency
	}
	if m.SQLWriteMode != "" {
		md.SQLWriteMode = m.SQLWriteMode
	}
	switch {
	case md.RestartPersistency != "load-from-sql" && md.SQLWriteMode != "none":
		md.SQLWriteMode = "none"
	case md.RestartPersistency == "load-from-sql" && md.SQLWriteMode == "none":
		md.SQLWriteMode = "write-back"
	}
	if md.ClusterMode == "sql-only" || md.ClusterMode == "full-sharing-cachedb" {
		md.RestartPersistency, md.SQLWriteMode = "none", "none"
	}
	return md
}

// UsesSQL reports whether the working mode needs db_url.
func (md Mode) UsesSQL() bool {
	return md.ClusterMode == "sql-only" || md.RestartPersistency == "load-from-sql"
}

// Validate maps the deprecated db_mode, rejects conflicting settings and
// checks the database and clustering requirements of the working mode.
func (m *Module) Validate(vc *api.ValidateCtx) error {
	if m.DBMode >= 0 && !m.dbModeMapped {
		if m.Preset != "" {
			return fmt.Errorf("both db_mode and working_mode_preset are set: keep only working_mode_preset")
		}
		m.Preset = dbModePresets[m.DBMode]
		m.dbModeMapped = true
	}
	if m.natBFlagNumber && vc.Warn != nil {
		vc.Warn(fmt.Sprintf("nat_bflag given as flag number %s", m.NATBFlag),
			`name the flag: modparam("usrloc", "nat_bflag", "NAT") and setbflag("NAT")`)
	}
	md := m.Mode()
	if md.UsesSQL() {
		if _, err := api.CheckDBURL(vc, "db_url", m.DBURL, true); err != nil {
			return fmt.Errorf("working mode %s: %w", m.modeName(), err)
		}
	}
	switch md.ClusterMode {
	case "none":
		if md.RestartPersistency == "sync-from-cluster" {
			return fmt.Errorf("restart_persistency sync-from-cluster needs a clustering mode")
		}
		if m.LocationCluster != 0 {
			return fmt.Errorf("location_cluster is set but the working mode %s is single-instance", m.modeName())
		}
	case "federation":
		return fmt.Errorf("usrloc federation clustering is not implemented (in OpenSIPS either)")
	case "federation-cachedb", "full-sharing", "full-sharing-cachedb":
		if md.ClusterMode == "federation-cachedb" && m.UseDomain == 0 {
			return fmt.Errorf("working mode %s needs use_domain = 1", m.modeName())
		}
		if m.LocationCluster == 0 {
			return fmt.Errorf("working mode %s needs location_cluster", m.modeName())
		}
		if md.ClusterMode != "full-sharing" && m.CacheDBURL == "" {
			return fmt.Errorf("working mode %s needs cachedb_url", m.modeName())
		}
	}
	if m.LocationCluster != 0 && md.ClusterMode != "sql-only" && vc.Loaded != nil && !vc.Loaded("clusterer") {
		return fmt.Errorf("location_cluster needs loadmodule \"clusterer.so\"")
	}
	if m.CacheDBURL != "" {
		return fmt.Errorf("cachedb_url %q: gosips has no cachedb modules", m.CacheDBURL)
	}
	return nil
}

func (m *Module) modeName() string {
	if m.Preset != "" {
		return strconv.Quote(m.Preset)
	}
	return fmt.Sprintf("cluster_mode %q", m.Mode().ClusterMode)
}

// Init resolves nat_bflag to a branch flag index and opens the database
// the working mode needs.
func (m *Module) Init(ic *api.InitCtx) error {
	if ic.Log != nil {
		m.log = ic.Log
	}
	if ic.Stats != nil {
		m.RegisterStats(ic.Stats)
	}
	m.publishEvents(ic.Events)
	m.mode = m.Mode()
	m.branchFlag = ic.BranchFlag
	m.configDir = ic.ConfigDir
	if m.NATBFlag != "" && ic.BranchFlag != nil {
		idx, err := ic.BranchFlag(m.NATBFlag)
		if err != nil {
			return fmt.Errorf("nat_bflag %q: %w", m.NATBFlag, err)
		}
		m.NATBFlagIndex = idx
		m.rememberFlag(m.NATBFlag, idx)
	}
	if !m.mode.UsesSQL() {
		return nil
	}
	m.dbURL = m.DBURL
	if m.dbURL == "" && ic.Global != nil {
		if v, ok := ic.Global("db_default_url"); ok && v.IsStr() {
			m.dbURL = v.S
		}
	}
	if m.dbURL == "" {
		return fmt.Errorf("db_url is not set")
	}
	return m.openDB()
}

// oneOf matches s case-insensitively against the allowed values.
func oneOf(param, s string, allowed []string) (string, error) {
	for _, a := range allowed {
		if strings.EqualFold(s, a) {
			return a, nil
		}
	}
	msg := fmt.Sprintf("invalid %s %q", param, s)
	if h := diag.DidYouMean(s, allowed); h != "" {
		return "", fmt.Errorf("%s (%s)", msg, h)
	}
	return "", fmt.Errorf("%s (one of: %s)", msg, strings.Join(allowed, ", "))
}

func enumParam(name string, dst *string, allowed []string) api.Param {
	return api.FuncParam(name, api.ParamStr, false, func(v api.ParamValue) error {
		s, err := oneOf(name, v.Str, allowed)
		*dst = s
		return err
	})
}

func positive(name string, dst *int) api.Param {
	return api.FuncParam(name, api.ParamInt, false, func(v api.ParamValue) error {
		if v.Int <= 0 {
			return fmt.Errorf("%s must be positive, got %d", name, v.Int)
		}
		*dst = int(v.Int)
		return nil
	})
}

var (
	_ api.Validator  = (*Module)(nil)
	_ api.Initer     = (*Module)(nil)
	_ api.MIExporter = (*Module)(nil)
)
