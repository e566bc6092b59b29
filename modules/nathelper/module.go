// Package nathelper declares the nathelper module: NAT detection
// (nat_uac_test), Contact and SDP fixing for UAs behind NAT, the received
// URI for the registrar, and keep-alive pinging of the NATed contacts
// usrloc holds.
package nathelper

import (
	"context"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"

	"gosips/api"
	"gosips/pv"
)

func init() {
	api.Register(api.ModuleInfo{
		Name: "nathelper",
		Deps: []api.Dep{{Name: "usrloc", Optional: true}},
		New:  func() api.Module { return New() },
		Doc:  "NAT traversal helper: NAT tests, Contact/SDP fixing, keep-alive pings",
	})
}

// Module is one nathelper instance; the exported fields hold the modparams.
type Module struct {
	NATPingInterval   int
	PingNATedOnly     int
	NoRTPProxyStr     string
	ReceivedAVP       string
	ForceSocket       string
	IgnoreReplyCodes  string
	SIPPingFrom       string
	SIPPingMethod     string
	SIPPingBFlag      string
	SIPPingLatency    string
	RemoveOnTimeout   string
	NATPingTCP        int
	NATPingPartitions int
	NATPingSocket     string
	OldIPSkip         string
	PingThreshold     int
	MaxPingsLost      int
	ClusterID         int
	ClusterShtag      string

	log       *slog.Logger
	numFlags  []string
	rcvAVP    *pv.Spec
	skipOldC  bool
	skipOldO  bool
	ignore    map[int]bool
	sipFlag   uint32
	rmFlag    uint32
	natFlag   uint32
	loc       api.Location
	core      api.Core
	pingState atomic.Int32 // nh_enable_ping
	pinger    *pinger
	pingMu    sync.Mutex
}

// New returns a nathelper instance with OpenSIPS' defaults.
func New() *Module {
	return &Module{
		NoRTPProxyStr:     "a=nortpproxy:yes",
		SIPPingMethod:     "OPTIONS",
		NATPingPartitions: 1,
		PingThreshold:     3,
		MaxPingsLost:      3,
		log:               slog.New(slog.DiscardHandler),
	}
}

// Params binds the module parameters (OpenSIPS 3.6 nathelper.c).
func (m *Module) Params() []api.Param {
	return []api.Param{
		api.IntParam("natping_interval", &m.NATPingInterval),
		api.IntParam("ping_nated_only", &m.PingNATedOnly),
		api.StrParam("nortpproxy_str", &m.NoRTPProxyStr),
		api.StrParam("received_avp", &m.ReceivedAVP),
		api.IgnoredParam(api.StrParam("force_socket", &m.ForceSocket),
			"pings of contacts without a socket leave from the socket picked by protocol and address family"),
		api.StrParam("sipping_ignore_rpl_codes", &m.IgnoreReplyCodes),
		api.StrParam("sipping_from", &m.SIPPingFrom),
		api.StrParam("sipping_method", &m.SIPPingMethod),
		m.flagParam("sipping_bflag", &m.SIPPingBFlag),
		api.IgnoredParam(api.StrParam("sipping_latency_flag", &m.SIPPingLatency),
			"no ping latency is measured and no E_UL_LATENCY_UPDATE event raised"),
		m.flagParam("remove_on_timeout_bflag", &m.RemoveOnTimeout),
		api.IntParam("natping_tcp", &m.NATPingTCP),
		api.FuncParam("natping_partitions", api.ParamInt, false, func(v api.ParamValue) error {
			if v.Int < 1 || v.Int > 8 {
				return fmt.Errorf("natping_partitions %d out of range (1-8)", v.Int)
			}
			m.NATPingPartitions = int(v.Int)
			return nil
		}),
		api.StrParam("natping_socket", &m.NATPingSocket),
		api.FuncParam("oldip_skip", api.ParamStr, false, func(v api.ParamValue) error {
			for _, r := range v.Str {
				if r != 'o' && r != 'c' {
					return fmt.Errorf("oldip_skip %q: only 'o' and 'c' are allowed", v.Str)
				}
			}
			m.OldIPSkip = v.Str
			return nil
		}),
		api.IntParam("ping_threshold", &m.PingThreshold),
		api.IntParam("max_pings_lost", &m.MaxPingsLost),
		api.IntParam("cluster_id", &m.ClusterID),
		api.StrParam("cluster_sharing_tag", &m.ClusterShtag),
	}
}

// flagParam takes a branch flag name; 1.x/2.x configs gave the flag
// number, kept as the flag named by that number (with a warning).
func (m *Module) flagParam(name string, dst *string) api.Param {
	return api.FuncParam(name, api.ParamStr|api.ParamInt, false, func(v api.ParamValue) error {
		if v.IsInt {
			if v.Int < 0 || v.Int > 63 {
				return fmt.Errorf("%s %d out of range", name, v.Int)
			}
			*dst = strconv.FormatInt(v.Int, 10)
			m.numFlags = append(m.numFlags, name)
			return nil
		}
		*dst = v.Str
		return nil
	})
}

// Validate rejects settings gosips cannot honour and checks the pinging
// requirements OpenSIPS checks at start-up.
func (m *Module) Validate(vc *api.ValidateCtx) error {
	if m.NATPingInterval > 0 && vc.Loaded != nil && !vc.Loaded("usrloc") {
		return fmt.Errorf("natping_interval needs loadmodule \"usrloc.so\"")
	}
	for _, name := range m.numFlags {
		if vc.Warn != nil {
			vc.Warn(fmt.Sprintf("%s given as a flag number", name),
				fmt.Sprintf(`name the flag: modparam("nathelper", %q, "NAME") and setbflag("NAME")`, name))
		}
	}
	if m.ClusterID != 0 {
		return fmt.Errorf("cluster_id: gosips has no clusterer module")
	}
	if m.NATPingSocket != "" {
		return fmt.Errorf("natping_socket (raw socket spoofing) is not supported by gosips")
	}
	if m.NATPingInterval > 0 && m.SIPPingBFlag != "" {
		if m.SIPPingFrom == "" {
			return fmt.Errorf("SIP ping enabled (sipping_bflag) but sipping_from is empty")
		}
		if m.SIPPingMethod == "" {
			return fmt.Errorf("SIP ping enabled (sipping_bflag) but sipping_method is empty")
		}
	}
	return nil
}

// Init resolves flags, the received AVP and the usrloc binding.
func (m *Module) Init(ic *api.InitCtx) error {
	if ic.Log != nil {
		m.log = ic.Log
	}
	m.skipOldC = strings.ContainsRune(m.OldIPSkip, 'c')
	m.skipOldO = strings.ContainsRune(m.OldIPSkip, 'o')
	if m.ReceivedAVP != "" {
		s, err := pv.Parse(m.ReceivedAVP)
		if err == nil {
			err = pv.NewTable(pv.CoreDefs()).Resolve(s)
		}
		if err != nil || s.Name != "avp" {
			return fmt.Errorf("received_avp %q must be an AVP, e.g. $avp(received)", m.ReceivedAVP)
		}
		m.rcvAVP = s
	}
	m.ignore = map[int]bool{}
	for _, f := range strings.Split(m.IgnoreReplyCodes, ",") {
		if f = strings.TrimSpace(f); f == "" {
			continue
		}
		n, err := strconv.Atoi(f)
		if err != nil || n < 100 || n > 699 {
			return fmt.Errorf("sipping_ignore_rpl_codes: bad reply code %q", f)
		}
		m.ignore[n] = true
	}
	if m.NATPingInterval <= 0 {
		return nil
	}
	m.pingState.Store(1)
	if ic.Module != nil {
		m.loc, _ = ic.Module("usrloc").(api.Location)
	}
	if m.loc == nil {
		return fmt.Errorf("natping_interval needs loadmodule \"usrloc.so\"")
	}
	m.natFlag = m.loc.NATFlag()
	if m.PingNATedOnly != 0 && m.natFlag == 0 {
		return fmt.Errorf("ping_nated_only is set but usrloc has no nat_bflag")
	}
	flag := func(param, name string) (uint32, error) {
		if name == "" || ic.BranchFlag == nil {
			return 0, nil
		}
		idx, err := ic.BranchFlag(name)
		if err != nil {
			return 0, fmt.Errorf("%s %q: %w", param, name, err)
		}
		return 1 << uint(idx), nil
	}
	var err error
	if m.sipFlag, err = flag("sipping_bflag", m.SIPPingBFlag); err != nil {
		return err
	}
	if m.rmFlag, err = flag("remove_on_timeout_bflag", m.RemoveOnTimeout); err != nil {
		return err
	}
	if m.sipFlag != 0 && m.rmFlag != 0 && m.PingThreshold > m.NATPingInterval {
		m.log.Warn("ping_threshold is larger than natping_interval; using half the interval",
			"ping_threshold", m.PingThreshold, "natping_interval", m.NATPingInterval)
		m.PingThreshold = m.NATPingInterval / 2
	}
	return nil
}

// SetCore receives the runtime services used to send pings.
func (m *Module) SetCore(c api.Core) { m.core = c }

// Start runs the pinging timer when natping_interval is set.
func (m *Module) Start(ctx context.Context) error {
	if m.NATPingInterval <= 0 || m.loc == nil || m.core == nil {
		return nil
	}
	p := newPinger(m)
	m.pingMu.Lock()
	m.pinger = p
	m.pingMu.Unlock()
	go p.run(ctx)
	return nil
}

// Funcs lists the script functions (OpenSIPS 3.6 nathelper.c).
func (m *Module) Funcs() []api.Func {
	return []api.Func{
		{Name: "fix_nated_contact", Routes: api.RequestRoute | api.OnReplyRoute | api.BranchRoute | api.LocalRoute,
			Args: []api.Arg{{Name: "uri_params", Type: api.ArgStr, Optional: true}}, Call: m.fixNATedContact,
			Returns: "1 rewritten, -1 error (no Contact, already rewritten)"},
		{Name: "fix_nated_sdp", Routes: api.RequestRoute | api.OnReplyRoute | api.FailureRoute | api.BranchRoute | api.LocalRoute,
			Args: []api.Arg{
				{Name: "flags", Type: api.ArgStr, Fixup: sdpFlagsFixup},
				{Name: "ip_address", Type: api.ArgStr, Optional: true},
				{Name: "sdp_fields", Type: api.ArgStr, Optional: true},
			}, Call: m.fixNATedSDP, Returns: "1 done, -1 error (no body, malformed SDP)"},
		{Name: "nat_uac_test", Routes: api.RequestRoute | api.OnReplyRoute | api.FailureRoute | api.BranchRoute | api.LocalRoute,
			Args: []api.Arg{{Name: "flags", Type: api.ArgStr, Fixup: uacTestFlagsFixup}},
			Call: m.natUACTest, Returns: "1 a test found NAT, -1 none did"},
		{Name: "fix_nated_register", Routes: api.RequestRoute, Call: m.fixNATedRegister,
			Returns: "1 done (also when received_avp is unset), -1 error"},
		{Name: "add_rcv_param", Routes: api.RequestRoute,
			Args: []api.Arg{{Name: "flag", Type: api.ArgInt, Optional: true}}, Call: m.addRcvParam,
			Returns: "1 added, -1 error"},
	}
}

// MICommands lists the management commands.
func (m *Module) MICommands() []api.MICommand {
	return []api.MICommand{{
		Name:    "nh_enable_ping",
		Recipes: [][]string{{}, {"status"}},
		Handler: func(_ context.Context, p api.MIParams) (any, error) {
			if m.NATPingInterval <= 0 {
				return nil, &api.MIError{Code: 400, Msg: "NATping disabled"}
			}
			if _, given := p["status"]; !given {
				return map[string]any{"Status": m.pingState.Load()}, nil
			}
			n, ok := p.Int("status")
			if !ok {
				return nil, &api.MIError{Code: -32602, Msg: "Invalid params"}
			}
			if n != 0 {
				m.pingState.Store(1)
			} else {
				m.pingState.Store(0)
			}
			return "OK", nil
		},
	}}
}

var (
	_ api.Validator     = (*Module)(nil)
	_ api.Initer        = (*Module)(nil)
	_ api.Starter       = (*Module)(nil)
	_ api.MIExporter    = (*Module)(nil)
	_ api.ReplyReceiver = (*Module)(nil)
)
