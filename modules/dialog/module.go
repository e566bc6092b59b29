// Package dialog keeps the state of SIP dialogs (INVITE calls) crossing
// the proxy: their legs, timers, profiles, values and flags, with
// sequential request matching, BYE on timeout, pinging and storage in the
// OpenSIPS dialog table. Other modules use it through api.DialogAPI.
package dialog

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"gosips/api"
	"gosips/db"
)

func init() {
	api.Register(api.ModuleInfo{
		Name: "dialog",
		Doc:  "SIP dialog tracking: profiles, values, timeouts, BYE on timeout",
		Deps: []api.Dep{{Name: "tm"}, {Name: "rr", Optional: true}},
		New:  func() api.Module { return New() },
	})
}

// Sequential request matching modes (dlg_match_mode).
const (
	matchDIDOnly     = 0
	matchDIDFallback = 1
	matchDIDNone     = 2
)

// Module is one instance of the dialog module.
type Module struct {
	// stateChanged is E_DLG_STATE_CHANGED (nil without an event interface).
	stateChanged *api.Event

	EnableStats          int
	HashSize             int
	LogProfileHashSize   int
	RRParam_             string
	DefaultTimeout       int
	OptionsPingInterval  int
	ReinvitePingInterval int
	DeleteDelay          int
	ExtraHdrs            string
	MatchMode            int
	DBURL                string
	DBMode               int
	TableName            string
	DBUpdatePeriod       int
	DBFlushValsProfiles  int
	TimerBulkDelNo       int
	RaceConditionTimeout int
	cols                 columns
	profileDefs          []profileDef

	log    *slog.Logger
	tab    *table
	profs  profiles
	timers *timerQueue
	stats  counters
	// unit is the length of the parameters counted in seconds (tests
	// shorten it).
	unit time.Duration

	flagMu    sync.Mutex
	flagNames map[string]uint32 // named dialog flags → bit

	tm   api.TxHooks
	uac  api.UAC
	rr   api.RRAPI
	core atomic.Pointer[coreRef]

	cbMu      sync.RWMutex
	globalCbs []cbEntry

	dbc       db.Conn
	dbMu      sync.Mutex // serialises writes of one dialog's row
	root      context.Context
	cancel    context.CancelFunc
	wg        sync.WaitGroup
	configDir string
	stopping  atomic.Bool
}

type coreRef struct{ c api.Core }

// New returns a dialog module with OpenSIPS 3.6 defaults.
func New() *Module {
	m := &Module{
		EnableStats: 1, HashSize: 4096, LogProfileHashSize: 4, RRParam_: "did",
		DefaultTimeout: 43200, OptionsPingInterval: 30, ReinvitePingInterval: 300,
		MatchMode: matchDIDFallback, DBURL: "mysql://opensips:opensipsrw@localhost/opensips",
		TableName: "dialog", DBUpdatePeriod: 60, TimerBulkDelNo: 1, RaceConditionTimeout: 5,
		cols: defaultColumns(), log: slog.New(slog.DiscardHandler), unit: time.Second,
		flagNames: map[string]uint32{},
	}
	m.stats = newCounters(api.NewStats().Group("dialog"), m)
	m.tab = newTable(m.HashSize)
	m.timers = newTimerQueue(m)
	return m
}

func (m *Module) sec(n int) time.Duration { return time.Duration(n) * m.unit }

// Params lists dialog's parameters (OpenSIPS 3.6 dialog.c).
func (m *Module) Params() []api.Param {
	ip := func(name string, dst *int, def string) api.Param {
		p := api.IntParam(name, dst)
		p.Default = def
		return p
	}
	sp := func(name string, dst *string, def string) api.Param {
		p := api.StrParam(name, dst)
		p.Default = def
		return p
	}
	ps := []api.Param{
		ip("enable_stats", &m.EnableStats, "1"),
		ip("hash_size", &m.HashSize, "4096"),
		ip("log_profile_hash_size", &m.LogProfileHashSize, "4"),
		sp("rr_param", &m.RRParam_, "did"),
		ip("default_timeout", &m.DefaultTimeout, "43200"),
		ip("options_ping_interval", &m.OptionsPingInterval, "30"),
		ip("reinvite_ping_interval", &m.ReinvitePingInterval, "300"),
		ip("delete_delay", &m.DeleteDelay, "0"),
		sp("dlg_extra_hdrs", &m.ExtraHdrs, ""),
		{Name: "dlg_match_mode", Type: api.ParamInt, Default: "1", Set: func(v api.ParamValue) error {
			if v.Int < 0 || v.Int > 2 {
				return fmt.Errorf("dlg_match_mode must be 0, 1 or 2, got %d", v.Int)
			}
			m.MatchMode = int(v.Int)
			return nil
		}},
		sp("db_url", &m.DBURL, "mysql://opensips:opensipsrw@localhost/opensips"),
		{Name: "db_mode", Type: api.ParamInt, Default: "0", Set: func(v api.ParamValue) error {
			if v.Int < 0 || v.Int > 3 {
				return fmt.Errorf("db_mode must be 0 (none), 1 (realtime), 2 (delayed) or 3 (shutdown), got %d", v.Int)
			}
			m.DBMode = int(v.Int)
			return nil
		}},
		sp("table_name", &m.TableName, "dialog"),
		ip("db_update_period", &m.DBUpdatePeriod, "60"),
		{Name: "profiles_with_value", Type: api.ParamStr, Multi: true, Set: func(v api.ParamValue) error {
			return m.addProfileDefs(v.Str, true)
		}},
		{Name: "profiles_no_value", Type: api.ParamStr, Multi: true, Set: func(v api.ParamValue) error {
			return m.addProfileDefs(v.Str, false)
		}},
		ip("db_flush_vals_profiles", &m.DBFlushValsProfiles, "0"),
		ip("timer_bulk_del_no", &m.TimerBulkDelNo, "1"),
		ip("race_condition_timeout", &m.RaceConditionTimeout, "5"),
	}
	ps = append(ps, m.cols.params()...)
	// 1.x created dialogs for the INVITEs carrying this flag; 1.6 replaced
	// it with create_dialog(), which the script must call instead.
	ps = append(ps, api.Param{Name: "dlg_flag", Type: api.ParamInt | api.ParamStr,
		Set: func(api.ParamValue) error {
			return fmt.Errorf(`dlg_flag was removed in OpenSIPS 1.6: call create_dialog() for the INVITEs that set the flag`)
		}})
	// Distributed (cachedb) profiles and clustering are not implemented:
	// their parameters are refused rather than ignored.
	for _, n := range []string{"cachedb_url", "profile_value_prefix", "profile_no_value_prefix",
		"profile_size_prefix", "profile_timeout", "dialog_replication_cluster",
		"profile_replication_cluster", "replicate_profiles_timer", "replicate_profiles_check",
		"replicate_profiles_buffer", "replicate_profiles_expire", "cluster_auto_sync"} {
		name := n
		ps = append(ps, api.Param{Name: name, Type: api.ParamInt | api.ParamStr, Set: func(api.ParamValue) error {
			return fmt.Errorf("%s: dialog clustering and cachedb profiles are not implemented in gosips", name)
		}})
	}
	return ps
}

// Validate checks that the database driver of db_url is loaded.
func (m *Module) Validate(vc *api.ValidateCtx) error {
	if m.DBMode == 0 || vc.Loaded == nil {
		return nil
	}
	scheme, _, ok := strings.Cut(m.DBURL, "://")
	if !ok {
		return fmt.Errorf("db_url %q: missing scheme", m.DBURL)
	}
	mod := "db_" + scheme
	if scheme == "text" {
		mod = "db_text"
	}
	if !vc.Loaded(mod) {
		return fmt.Errorf("db_mode %d needs the database module of db_url: add loadmodule %q", m.DBMode, mod+".so")
	}
	return nil
}

// Init finds tm and rr, registers the statistics and the profiles.
func (m *Module) Init(ic *api.InitCtx) error {
	if ic.Log != nil {
		m.log = ic.Log
	}
	if ic.Events != nil {
		m.stateChanged = ic.Events.MustPublish("E_DLG_STATE_CHANGED")
	}
	m.configDir = ic.ConfigDir
	if m.HashSize <= 0 {
		return fmt.Errorf("hash_size must be positive, got %d", m.HashSize)
	}
	m.tab = newTable(m.HashSize)
	if ic.Stats != nil && m.EnableStats != 0 {
		m.stats = newCounters(ic.Stats.Group("dialog"), m)
	}
	if ic.Module != nil {
		m.tm, _ = ic.Module("tm").(api.TxHooks)
		m.uac, _ = ic.Module("tm").(api.UAC)
		if rr, ok := ic.Module("rr").(api.RRAPI); ok {
			m.rr = rr
			rr.OnRoute(m.onRoute)
		}
	}
	if m.tm == nil {
		return fmt.Errorf(`dialog requires loadmodule "tm.so"`)
	}
	for _, p := range m.profileDefs {
		m.profs.add(p.name, p.withValue)
	}
	return nil
}

// RRParam implements api.DialogAPI.
func (m *Module) RRParam() string { return m.RRParam_ }

// learnCore remembers the runtime's Core for requests sent by timers.
func (m *Module) learnCore(c *api.Ctx) {
	if c != nil && c.Core != nil && m.core.Load() == nil {
		m.core.Store(&coreRef{c.Core})
	}
}

// SetCore gives the module the runtime's Core before traffic (run calls
// it on modules that have it).
func (m *Module) SetCore(c api.Core) {
	if c != nil {
		m.core.Store(&coreRef{c})
	}
}

// OnDialog implements api.DialogAPI.
func (m *Module) OnDialog(events api.DialogEvent, cb api.DialogCallback) {
	if cb == nil {
		return
	}
	m.cbMu.Lock()
	m.globalCbs = append(m.globalCbs, cbEntry{events, cb})
	m.cbMu.Unlock()
}

// runGlobal runs the global callbacks for ev.
func (m *Module) runGlobal(ev api.DialogEvent, d *dlg, c *api.Ctx) {
	m.cbMu.RLock()
	cbs := m.globalCbs
	m.cbMu.RUnlock()
	var info *api.DialogEventInfo
	for _, e := range cbs {
		if e.events&ev == 0 {
			continue
		}
		if info == nil {
			info = &api.DialogEventInfo{Type: ev, Dialog: d, Ctx: c}
			if c != nil {
				info.Msg = c.Msg
			}
		}
		e.cb(info)
	}
}

var (
	_ api.Module    = (*Module)(nil)
	_ api.Initer    = (*Module)(nil)
	_ api.Validator = (*Module)(nil)
	_ api.DialogAPI = (*Module)(nil)
)
