// Package acc is the accounting module: it reports transactions (and, with
// the dialog module, whole calls as CDRs) to syslog and to a database, in
// OpenSIPS 3.6's formats and tables.
package acc

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"sync"

	"gosips/api"
	"gosips/db"
)

func init() {
	api.Register(api.ModuleInfo{
		Name: "acc",
		Deps: []api.Dep{{Name: "tm"}, {Name: "dialog", Optional: true}},
		New:  func() api.Module { return New() },
		Doc:  "accounting of transactions and calls to syslog and databases",
	})
}

// Columns are the names of the core columns of the acc tables.
type Columns struct {
	Method, FromTag, ToTag, CallID, SIPCode, SIPReason, Time string
}

// Acc is one instance of the acc module; the fields hold the modparams.
type Acc struct {
	EarlyMedia      int
	ReportCancels   int
	DetectDirection int
	LogLevel        int // OpenSIPS level, L_NOTICE by default
	LogFacility     string
	AAAURL          string
	ServiceType     int
	DBURL           string
	TableAcc        string
	TableMissed     string
	TableAVP        string
	Cols            Columns

	// extra and leg are the tags of $acc_extra and $acc_leg and, per
	// backend, the fields reported.
	extra fieldSet
	leg   fieldSet

	log     *slog.Logger
	level   slog.Level
	dburl   string
	conn    db.Conn
	hooks   api.TxHooks
	dlg     api.DialogAPI
	rr      api.RRAPI
	cdrOK   bool // the dialog module is loaded
	ev      accEvents
	pending sync.WaitGroup
	// queue holds the rows waiting for the writer goroutine, which runs
	// while writing is set.
	qmu     sync.Mutex
	queue   []*row
	writing bool
}

// New returns an acc instance with OpenSIPS 3.6's defaults.
func New() *Acc {
	return &Acc{
		LogLevel: 2, LogFacility: "LOG_DAEMON", ServiceType: -1,
		TableAcc: "acc", TableMissed: "missed_calls",
		Cols: Columns{Method: "method", FromTag: "from_tag", ToTag: "to_tag", CallID: "callid",
			SIPCode: "sip_code", SIPReason: "sip_reason", Time: "time"},
		log: slog.New(slog.DiscardHandler),
	}
}

// The OpenSIPS 1.x/2.x parameters replaced by do_accounting() in 2.2 and
// by extra_fields/leg_fields in 2.2; gosips rejects them with the modern
// form as hint (gosips port rewrites the flag ones).
var removedParams = []struct{ name, hint string }{
	{"log_flag", `remove it; call do_accounting("log") where the flag was set`},
	{"log_missed_flag", `remove it; call do_accounting("log", "missed") where the flag was set`},
	{"db_flag", `remove it; call do_accounting("db") where the flag was set`},
	{"db_missed_flag", `remove it; call do_accounting("db", "missed") where the flag was set`},
	{"aaa_flag", `remove it; call do_accounting("aaa") where the flag was set`},
	{"aaa_missed_flag", `remove it; call do_accounting("aaa", "missed") where the flag was set`},
	{"radius_flag", `remove it; call do_accounting("aaa") where the flag was set`},
	{"radius_missed_flag", `remove it; call do_accounting("aaa", "missed") where the flag was set`},
	{"diameter_flag", `remove it; call do_accounting("aaa") where the flag was set`},
	{"diameter_missed_flag", `remove it; call do_accounting("aaa", "missed") where the flag was set`},
	{"evi_flag", `remove it; call do_accounting("evi") where the flag was set`},
	{"evi_missed_flag", `remove it; call do_accounting("evi", "missed") where the flag was set`},
	{"cdr_flag", `remove it; add "cdr" to the flags of do_accounting()`},
	{"failed_transaction_flag", `remove it; add "failed" to the flags of do_accounting()`},
	{"log_extra", `modparam("acc", "extra_fields", "log: tag->name; ...") and set $acc_extra(tag)`},
	{"db_extra", `modparam("acc", "extra_fields", "db: tag->column; ...") and set $acc_extra(tag)`},
	{"aaa_extra", `modparam("acc", "extra_fields", "aaa: tag->AVP; ...") and set $acc_extra(tag)`},
	{"radius_extra", `modparam("acc", "extra_fields", "aaa: tag->AVP; ...") and set $acc_extra(tag)`},
	{"evi_extra", `modparam("acc", "extra_fields", "evi: tag->name; ...") and set $acc_extra(tag)`},
	{"log_extra_bye", `remove it; extra_fields values set during the call are reported in the CDR`},
	{"db_extra_bye", `remove it; extra_fields values set during the call are reported in the CDR`},
	{"aaa_extra_bye", `remove it; extra_fields values set during the call are reported in the CDR`},
	{"evi_extra_bye", `remove it; extra_fields values set during the call are reported in the CDR`},
	{"multi_leg_info", `modparam("acc", "leg_fields", "log: tag->name; ...") and set $acc_leg(tag) after acc_new_leg()`},
	{"multi_leg_bye_info", `modparam("acc", "leg_fields", ...) and set $acc_leg(tag) after acc_new_leg()`},
	{"report_ack", "remove it; account the ACK with do_accounting() in its own route"},
	{"log_fmt", `remove it; add fields with modparam("acc", "extra_fields", "log: ...")`},
	{"multi_leg_enabled", `modparam("acc", "leg_fields", ...)`},
	{"src_leg_avp_id", `modparam("acc", "leg_fields", ...)`},
	{"dst_leg_avp_id", `modparam("acc", "leg_fields", ...)`},
	{"acc_created_avp_name", "remove it; the CDR creation time is kept by the dialog"},
}

// Params lists acc's parameters (OpenSIPS 3.6 acc_mod.c), then the removed
// ones.
func (m *Acc) Params() []api.Param {
	str := func(name string, dst *string, def string) api.Param {
		p := api.StrParam(name, dst)
		p.Default = def
		return p
	}
	flag := func(name string, dst *int) api.Param {
		p := api.IntParam(name, dst)
		p.Default = "0"
		return p
	}
	ps := []api.Param{
		flag("early_media", &m.EarlyMedia),
		flag("report_cancels", &m.ReportCancels),
		flag("detect_direction", &m.DetectDirection),
		{Name: "log_level", Type: api.ParamInt, Default: "2", Set: func(v api.ParamValue) error {
			if v.Int < -3 || v.Int > 4 {
				return fmt.Errorf("log level %d out of range -3..4", v.Int)
			}
			m.LogLevel = int(v.Int)
			return nil
		}},
		{Name: "log_facility", Type: api.ParamStr, Default: "LOG_DAEMON", Set: func(v api.ParamValue) error {
			if !validFacility(v.Str) {
				return &api.HintError{Err: fmt.Errorf("unknown syslog facility %q", v.Str),
					Hint: "use LOG_DAEMON, LOG_USER, LOG_LOCAL0 ... LOG_LOCAL7"}
			}
			m.LogFacility = v.Str
			return nil
		}},
		str("aaa_url", &m.AAAURL, ""),
		{Name: "service_type", Type: api.ParamInt, Default: "-1", Set: func(v api.ParamValue) error { m.ServiceType = int(v.Int); return nil }},
		{Name: "extra_fields", Type: api.ParamStr, Multi: true, Set: func(v api.ParamValue) error { return m.extra.parse(v.Str) }},
		{Name: "leg_fields", Type: api.ParamStr, Multi: true, Set: func(v api.ParamValue) error { return m.leg.parse(v.Str) }},
		str("db_url", &m.DBURL, ""),
		str("db_table_acc", &m.TableAcc, "acc"),
		str("db_table_missed_calls", &m.TableMissed, "missed_calls"),
		str("db_table_avp", &m.TableAVP, ""),
		str("acc_method_column", &m.Cols.Method, "method"),
		str("acc_from_tag_column", &m.Cols.FromTag, "from_tag"),
		str("acc_to_tag_column", &m.Cols.ToTag, "to_tag"),
		str("acc_callid_column", &m.Cols.CallID, "callid"),
		str("acc_sip_code_column", &m.Cols.SIPCode, "sip_code"),
		str("acc_sip_reason_column", &m.Cols.SIPReason, "sip_reason"),
		str("acc_time_column", &m.Cols.Time, "time"),
	}
	for _, r := range removedParams {
		ps = append(ps, api.Param{Name: r.name, Type: api.ParamInt | api.ParamStr, Set: func(api.ParamValue) error {
			return &api.HintError{Err: fmt.Errorf("parameter %q was removed from OpenSIPS in 2.2", r.name), Hint: r.hint}
		}})
	}
	return ps
}

func validFacility(s string) bool {
	switch strings.ToUpper(s) {
	case "LOG_AUTH", "LOG_AUTHPRIV", "LOG_CRON", "LOG_DAEMON", "LOG_FTP", "LOG_KERN", "LOG_LPR",
		"LOG_MAIL", "LOG_NEWS", "LOG_SYSLOG", "LOG_USER", "LOG_UUCP",
		"LOG_LOCAL0", "LOG_LOCAL1", "LOG_LOCAL2", "LOG_LOCAL3", "LOG_LOCAL4", "LOG_LOCAL5", "LOG_LOCAL6", "LOG_LOCAL7":
		return true
	}
	return false
}

// Validate checks the database module for db_url and that the backends
// named in extra_fields/leg_fields can work.
func (m *Acc) Validate(vc *api.ValidateCtx) error {
	if m.AAAURL != "" {
		return &api.HintError{Err: fmt.Errorf("aaa_url: gosips has no AAA (RADIUS/Diameter) module"),
			Hint: "remove aaa_url and account to syslog or a database"}
	}
	url, err := api.CheckDBURL(vc, "db_url", m.DBURL, false)
	if err != nil {
		return err
	}
	m.dburl = url
	m.cdrOK = vc.Loaded != nil && vc.Loaded("dialog")
	if m.DetectDirection != 0 && vc.Loaded != nil && !vc.Loaded("rr") {
		return &api.HintError{Err: fmt.Errorf("detect_direction needs the rr module"), Hint: `add loadmodule "rr.so"`}
	}
	return nil
}

// Init binds to tm and, when loaded, to dialog, and opens the database.
func (m *Acc) Init(ic *api.InitCtx) error {
	m.log = ic.Log
	m.level = api.SlogLevel(m.LogLevel)
	m.publishEvents(ic.Events)
	if h, ok := ic.Module("tm").(api.TxHooks); ok {
		m.hooks = h
	} else {
		return fmt.Errorf("acc: the tm module offers no transaction callbacks")
	}
	if d, ok := ic.Module("dialog").(api.DialogAPI); ok {
		m.dlg = d
		d.OnDialog(api.DlgCbLoaded, m.restoreCDR)
	}
	if m.DetectDirection != 0 {
		r, ok := ic.Module("rr").(api.RRAPI)
		if !ok {
			return fmt.Errorf("acc: detect_direction needs the rr module's API")
		}
		m.rr = r
	}
	if m.dburl == "" {
		return nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), dbOpenTimeout)
	defer cancel()
	conn, err := db.Open(ctx, m.dburl, db.WithBaseDir(ic.ConfigDir), db.WithLogger(m.log))
	if err != nil {
		return fmt.Errorf("acc: db_url: %w", err)
	}
	if v, err := conn.TableVersion(ctx, m.TableAcc); err != nil {
		conn.Close()
		return fmt.Errorf("acc: table %s: %w", m.TableAcc, err)
	} else if v != accVersion {
		conn.Close()
		return fmt.Errorf("acc: table %s has version %d, gosips needs %d", m.TableAcc, v, accVersion)
	}
	m.conn = conn
	return nil
}

// Close releases the database.
func (m *Acc) Close() error {
	m.pending.Wait()
	if m.conn != nil {
		return m.conn.Close()
	}
	return nil
}

var (
	_ api.Validator = (*Acc)(nil)
	_ api.Initer    = (*Acc)(nil)
	_ api.Closer    = (*Acc)(nil)
)
