// Package registrar declares the registrar module: REGISTER processing
// (save) and location lookup (lookup) on top of usrloc.
package registrar

import (
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"

	"gosips/api"
	"gosips/modules/usrloc"
	"gosips/pv"
)

func init() {
	api.Register(api.ModuleInfo{
		Name: "registrar",
		Deps: []api.Dep{{Name: "usrloc"}, {Name: "signaling"}, {Name: "tm", Optional: true}},
		New:  func() api.Module { return New() },
		Doc:  "REGISTER processing and location lookup",
	})
}

// Module is one registrar instance; the fields hold the modparams.
type Module struct {
	DefaultExpires      int
	DefaultQ            int // q×1000; -1 = unspecified
	CaseSensitive       int
	TCPPersistentFlag   string // message flag name
	tcpFlagNumber       bool
	RealmPrefix         string
	MinExpires          int
	MaxExpires          int
	ReceivedParam       string
	ReceivedAVP         string
	RetryAfter          int
	SockHdrName         string
	MContactAVP         string
	AttrAVP             string
	GRUUSecret          string
	DisableGRUU         int
	MaxContacts         int
	MaxUsernameLen      int
	MaxDomainLen        int
	MaxAORLen           int
	MaxContactLen       int
	AllowDupCSeq        int
	ExpiresMaxDeviation int

	PNEnable          int
	PNProviders       string
	PNCtMatchParams   string
	PNPnsregInterval  int
	PNTriggerInterval int
	PNSkipPNInterval  int
	PNRefreshTimeout  int
	PNEnablePURR      int

	// Legacy holds values of removed params (1.x–2.x), by name.
	Legacy map[string]api.ParamValue

	ul       *usrloc.Module
	log      *slog.Logger
	tcpFlag  int    // message flag bit of tcp_persistent_flag; -1 when unset
	rcvAVP   string // AVP name of received_avp
	attrAVP  string // AVP name of attr_avp
	mctAVP   string // AVP name of mcontact_avp
	accepted atomic.Int64
	rejected atomic.Int64
	// sockStrs caches the "proto:ip:port" text of receiving sockets (a
	// sockKey → string), saving its formatting and allocation per
	// REGISTER; listeners are few, so it stays small.
	sockStrs sync.Map
}

// New returns a registrar instance with OpenSIPS' defaults.
func New() *Module {
	return &Module{
		DefaultExpires:    3600,
		DefaultQ:          -1,
		CaseSensitive:     1,
		MinExpires:        60,
		ReceivedParam:     "received",
		DisableGRUU:       1,
		MaxUsernameLen:    64,
		MaxDomainLen:      64,
		MaxAORLen:         256,
		MaxContactLen:     255,
		PNPnsregInterval:  130,
		PNTriggerInterval: 120,
		PNSkipPNInterval:  0,
		PNRefreshTimeout:  6,
		PNCtMatchParams:   "pn-provider, pn-prid, pn-param",
		Legacy:            map[string]api.ParamValue{},
		tcpFlag:           -1,
		log:               slog.New(slog.DiscardHandler),
	}
}

// Params binds the module parameters.
func (m *Module) Params() []api.Param {
	return []api.Param{
		api.IntParam("default_expires", &m.DefaultExpires),
		api.FuncParam("default_q", api.ParamInt, false, func(v api.ParamValue) error {
			if v.Int < -1 || v.Int > 1000 {
				return fmt.Errorf("default_q %d out of range (q×1000: 0-1000, -1 unspecified)", v.Int)
			}
			m.DefaultQ = int(v.Int)
			return nil
		}),
		api.IntParam("case_sensitive", &m.CaseSensitive),
		api.FuncParam("tcp_persistent_flag", api.ParamStr|api.ParamInt, false, func(v api.ParamValue) error {
			if v.IsInt {
				m.TCPPersistentFlag, m.tcpFlagNumber = strconv.FormatInt(v.Int, 10), true
				return nil
			}
			m.TCPPersistentFlag = v.Str
			return nil
		}),
		api.StrParam("realm_prefix", &m.RealmPrefix),
		api.IntParam("min_expires", &m.MinExpires),
		api.IntParam("max_expires", &m.MaxExpires),
		api.StrParam("received_param", &m.ReceivedParam),
		api.StrParam("received_avp", &m.ReceivedAVP),
		api.IntParam("retry_after", &m.RetryAfter),
		api.StrParam("sock_hdr_name", &m.SockHdrName),
		api.StrParam("mcontact_avp", &m.MContactAVP),
		api.StrParam("attr_avp", &m.AttrAVP),
		api.StrParam("gruu_secret", &m.GRUUSecret),
		api.IntParam("disable_gruu", &m.DisableGRUU),
		api.IntParam("max_contacts", &m.MaxContacts),
		api.IntParam("max_username_len", &m.MaxUsernameLen),
		api.IntParam("max_domain_len", &m.MaxDomainLen),
		api.IntParam("max_aor_len", &m.MaxAORLen),
		api.IntParam("max_contact_len", &m.MaxContactLen),
		api.IntParam("allow_dup_cseq", &m.AllowDupCSeq),
		api.IntParam("expires_max_deviation", &m.ExpiresMaxDeviation),
		api.IntParam("pn_enable", &m.PNEnable),
		api.StrParam("pn_providers", &m.PNProviders),
		api.StrParam("pn_ct_match_params", &m.PNCtMatchParams),
		api.IntParam("pn_pnsreg_interval", &m.PNPnsregInterval),
		api.IntParam("pn_trigger_interval", &m.PNTriggerInterval),
		api.IntParam("pn_skip_pn_interval", &m.PNSkipPNInterval),
		api.IntParam("pn_refresh_timeout", &m.PNRefreshTimeout),
		api.IntParam("pn_enable_purr", &m.PNEnablePURR),

		m.legacy("append_branches", api.ParamInt, `drop it; add "no-branches" to the lookup() flags to disable branches`),
		m.legacy("method_filtering", api.ParamInt, `lookup("location", "method-filtering")`),
		m.legacy("use_path", api.ParamInt, `save("location", "path-lazy") or "path-strict"`),
		m.legacy("path_mode", api.ParamInt, `save() flags "path-off", "path-lazy" or "path-strict"`),
		m.legacy("path_use_received", api.ParamInt, `save("location", "path-received")`),
		m.legacy("sock_flag", api.ParamInt, `save("location", "socket-header")`),
		m.legacy("aor_avp", api.ParamStr, `pass the AOR as 3rd argument: save("location", "", $avp(aor))`),
		m.legacy("nat_flag", api.ParamInt|api.ParamStr, `modparam("usrloc", "nat_bflag", "NAT")`),
		m.legacy("use_domain", api.ParamInt, `modparam("usrloc", "use_domain", 1)`),
	}
}

// legacy declares a removed parameter; its value is kept in m.Legacy.
func (m *Module) legacy(name string, t api.ParamType, hint string) api.Param {
	return api.Param{Name: name, Type: t, Legacy: hint, Set: func(v api.ParamValue) error {
		m.Legacy[name] = v
		return nil
	}}
}

// Validate reports the numeric tcp_persistent_flag of old configs and
// checks push-notification dependencies.
func (m *Module) Validate(vc *api.ValidateCtx) error {
	if m.tcpFlagNumber && vc.Warn != nil {
		vc.Warn(fmt.Sprintf("tcp_persistent_flag given as flag number %s", m.TCPPersistentFlag),
			`name the flag: modparam("registrar", "tcp_persistent_flag", "TCP_PERSISTENT")`)
	}
	if m.MaxExpires != 0 && m.MinExpires > m.MaxExpires {
		return fmt.Errorf("min_expires %d is above max_expires %d", m.MinExpires, m.MaxExpires)
	}
	if m.PNEnable != 0 && vc.Loaded != nil {
		for _, dep := range []string{"tm", "event_routing"} {
			if !vc.Loaded(dep) {
				return fmt.Errorf("pn_enable needs loadmodule \"%s.so\"", dep)
			}
		}
	}
	return nil
}

// Init binds usrloc and resolves the flag and AVP parameters.
func (m *Module) Init(ic *api.InitCtx) error {
	if ic.Log != nil {
		m.log = ic.Log
	}
	if ic.Stats != nil {
		m.RegisterStats(ic.Stats)
	}
	if ic.Module != nil {
		m.ul, _ = ic.Module("usrloc").(*usrloc.Module)
	}
	if m.ul == nil {
		return fmt.Errorf("registrar requires loadmodule \"usrloc.so\"")
	}
	if m.TCPPersistentFlag != "" && ic.MsgFlag != nil {
		bit, err := ic.MsgFlag(m.TCPPersistentFlag)
		if err != nil {
			return fmt.Errorf("tcp_persistent_flag %q: %w", m.TCPPersistentFlag, err)
		}
		m.tcpFlag = bit
	}
	var err error
	if m.rcvAVP, err = avpName("received_avp", m.ReceivedAVP); err != nil {
		return err
	}
	if m.attrAVP, err = avpName("attr_avp", m.AttrAVP); err != nil {
		return err
	}
	if m.mctAVP, err = avpName("mcontact_avp", m.MContactAVP); err != nil {
		return err
	}
	return nil
}

// SetUsrloc binds a usrloc instance directly (tests and tools; Init does
// it from the loaded modules).
func (m *Module) SetUsrloc(ul *usrloc.Module) { m.ul = ul }

// avpName extracts the name of an "$avp(name)" parameter.
func avpName(param, spec string) (string, error) {
	spec = strings.TrimSpace(spec)
	if spec == "" {
		return "", nil
	}
	s, err := pv.Parse(spec)
	if err != nil || s.Name != "avp" || s.Inner == "" {
		return "", fmt.Errorf("%s %q must be an AVP, e.g. $avp(rcv)", param, spec)
	}
	return s.Inner, nil
}

// RegisterStats publishes the registrar statistics (OpenSIPS names).
func (m *Module) RegisterStats(s *api.Stats) {
	g := s.Group("registrar")
	g.Func("max_expires", func() int64 { return int64(m.MaxExpires) })
	g.Func("max_contacts", func() int64 { return int64(m.MaxContacts) })
	g.Func("default_expire", func() int64 { return int64(m.DefaultExpires) })
	g.Func("accepted_regs", m.AcceptedRegs)
	g.Func("rejected_regs", m.RejectedRegs)
}

// AcceptedRegs and RejectedRegs count the save() outcomes.
func (m *Module) AcceptedRegs() int64 { return m.accepted.Load() }
func (m *Module) RejectedRegs() int64 { return m.rejected.Load() }

var (
	_ api.Validator = (*Module)(nil)
	_ api.Initer    = (*Module)(nil)
)
