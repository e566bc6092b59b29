// Package rtpproxy declares the rtpproxy module: media relaying through
// RTPproxy-protocol daemons (rtpproxy itself, or rtpengine's listen-udp
// socket), with sets of weighted nodes, failover and disabling of dead
// nodes.
package rtpproxy

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"gosips/api"
	"gosips/db"
	"gosips/internal/mediarelay"
)

func init() {
	api.Register(api.ModuleInfo{
		Name: "rtpproxy",
		Deps: []api.Dep{{Name: "tm", Optional: true}, {Name: "dialog", Optional: true}},
		New:  func() api.Module { return New() },
		Doc:  "media relaying through RTPproxy",
	})
}

// Module is one rtpproxy instance; exported fields hold the modparams.
type Module struct {
	Socks        []string
	NoRTPProxy   string
	DisableTout  int
	Retr         int
	Timeout      string // seconds, may be fractional
	AutoBridge   int
	DefaultSet   int
	DBURL        string
	DBTable      string
	SockCol      string
	SetCol       string
	NotifySocket string
	PortMin      int
	PortMax      int
	MediaIP      string

	tout time.Duration
	log  *slog.Logger
	dlg  api.DialogAPI // for rtpproxy_engage(); nil without the dialog module

	sets   atomic.Pointer[mediarelay.Sets]
	dbMu   sync.Mutex
	conn   db.Conn
	cfgDir string
}

// New returns an instance with OpenSIPS' defaults.
func New() *Module {
	m := &Module{NoRTPProxy: "a=nortpproxy:yes", DisableTout: 60, Retr: 5, Timeout: "1",
		DBTable: "rtpproxy_sockets", SockCol: "rtpproxy_sock", SetCol: "set_id",
		tout: time.Second, log: slog.New(slog.DiscardHandler)}
	m.sets.Store(&mediarelay.Sets{})
	return m
}

// Params binds the module parameters (OpenSIPS 3.6 rtpproxy.c).
func (m *Module) Params() []api.Param {
	return []api.Param{
		api.StrParam("nortpproxy_str", &m.NoRTPProxy),
		api.FuncParam("rtpproxy_sock", api.ParamStr, true, func(v api.ParamValue) error {
			m.Socks = append(m.Socks, v.Str)
			return nil
		}),
		api.IntParam("rtpproxy_disable_tout", &m.DisableTout),
		api.PositiveParam("rtpproxy_retr", &m.Retr),
		api.FuncParam("rtpproxy_timeout", api.ParamStr, false, func(v api.ParamValue) error {
			f, err := strconv.ParseFloat(strings.TrimSpace(v.Str), 64)
			if err != nil || f <= 0 {
				return fmt.Errorf("rtpproxy_timeout %q: expected seconds, e.g. \"0.5\"", v.Str)
			}
			m.Timeout, m.tout = v.Str, time.Duration(f*float64(time.Second))
			return nil
		}),
		api.IntParam("rtpproxy_autobridge", &m.AutoBridge),
		api.IntParam("default_set", &m.DefaultSet),
		api.StrParam("db_url", &m.DBURL),
		api.StrParam("db_table", &m.DBTable),
		api.StrParam("rtpp_socket_col", &m.SockCol),
		api.StrParam("set_id_col", &m.SetCol),
		api.StrParam("rtpp_notify_socket", &m.NotifySocket),
		api.IgnoredParam(api.IntParam("generated_sdp_port_min", &m.PortMin), rtpRelayOnly),
		api.IgnoredParam(api.IntParam("generated_sdp_port_max", &m.PortMax), rtpRelayOnly),
		api.IgnoredParam(api.StrParam("generated_sdp_media_ip", &m.MediaIP), rtpRelayOnly),
	}
}

// rtpRelayOnly explains the parameters only the rtp_relay integration
// uses (SDP generated for media_exchange).
const rtpRelayOnly = "only used through the rtp_relay module, which gosips does not have"

func (m *Module) disableTout() time.Duration { return time.Duration(m.DisableTout) * time.Second }

// Validate parses the sockets and rejects what gosips does not implement.
func (m *Module) Validate(vc *api.ValidateCtx) error {
	if m.NotifySocket != "" {
		return errors.New("rtpp_notify_socket: RTPproxy timeout/DTMF notifications are not supported by gosips")
	}
	if m.AutoBridge != 0 {
		return errors.New("rtpproxy_autobridge is not supported by gosips")
	}
	if len(m.Socks) > 0 && m.DBURL != "" {
		return errors.New("rtpproxy_sock and db_url are both set: use one source of nodes")
	}
	s := &mediarelay.Sets{}
	for _, def := range m.Socks {
		if err := s.AddSocks(def, -1, m.DefaultSet); err != nil {
			return fmt.Errorf("rtpproxy_sock %q: %w", def, err)
		}
	}
	m.sets.Store(s)
	if m.DBURL == "" && s.ByID(m.DefaultSet) == nil && vc.Warn != nil {
		vc.Warn(fmt.Sprintf("no rtpproxy set %d (default_set)", m.DefaultSet),
			"functions called without a set id will fail")
	}
	return nil
}

// Init loads the nodes from the database when db_url is set.
func (m *Module) Init(ic *api.InitCtx) error {
	if ic.Log != nil {
		m.log = ic.Log
	}
	m.cfgDir = ic.ConfigDir
	if ic.Module != nil {
		m.dlg, _ = ic.Module("dialog").(api.DialogAPI)
	}
	if m.DBURL == "" {
		return nil
	}
	conn, err := mediarelay.OpenDB(m.DBURL, m.cfgDir, m.log)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	m.conn = conn
	s, err := m.loadDB(ctx)
	if err != nil {
		return err
	}
	m.sets.Store(s)
	return nil
}

// TableVersion is the version of the rtpproxy_sockets table (OpenSIPS 3.6).
const TableVersion = 0

func (m *Module) loadDB(ctx context.Context) (*mediarelay.Sets, error) {
	m.dbMu.Lock()
	defer m.dbMu.Unlock()
	return mediarelay.LoadSets(ctx, m.conn, m.DBTable, m.SockCol, m.SetCol, TableVersion, m.DefaultSet)
}

// Start checks every node (version and capabilities) and re-checks the
// disabled ones every second once their disable time has passed.
func (m *Module) Start(ctx context.Context) error {
	m.probe(ctx, true)
	go func() {
		t := time.NewTicker(time.Second)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
				m.probe(ctx, false)
			}
		}
	}()
	return nil
}

// Protocol versions (rtpproxy's capabilities).
const (
	supVersion    = "20040107"
	reqVersion    = "20050322"
	capRepack     = "20071116"
	capCodecs     = "20081102"
	capStats      = "20080403"
	capTTL        = "20170313"
	capRecord     = "20071218"
	capStatsExtra = "20150420"
)

// caps are the capabilities a node reported.
type caps map[string]bool

func (m *Module) probe(ctx context.Context, all bool) {
	m.sets.Load().Probe(ctx, m.log, all, false, 0, m.disableTout(), func(ctx context.Context, n *mediarelay.Node) bool {
		v, err := n.Call(ctx, []byte("V"), m.tout, m.Retr, m.disableTout())
		if err != nil || strings.TrimSpace(string(v)) != supVersion {
			if err == nil {
				m.log.Warn("unsupported RTPproxy version", "node", n.URL, "version", strings.TrimSpace(string(v)))
			}
			return false
		}
		c := caps{}
		for _, cv := range []string{reqVersion, capRepack, capCodecs, capStats, capTTL, capRecord, capStatsExtra} {
			r, err := n.Call(ctx, []byte("VF "+cv), m.tout, m.Retr, m.disableTout())
			if err != nil {
				return false
			}
			c[cv] = strings.TrimSpace(string(r)) == "1"
		}
		if !c[reqVersion] {
			m.log.Warn("RTPproxy does not support the required protocol version", "node", n.URL, "version", reqVersion)
			return false
		}
		n.SetCaps(c)
		return true
	})
}

func hasCap(n *mediarelay.Node, c string) bool {
	cs, _ := n.Caps().(caps)
	return cs[c]
}

// Close releases the control sockets and the database.
func (m *Module) Close() error {
	m.sets.Load().Close()
	if m.conn != nil {
		return m.conn.Close()
	}
	return nil
}

// MICommands lists rtpproxy_show, rtpproxy_enable and rtpproxy_reload.
func (m *Module) MICommands() []api.MICommand {
	return []api.MICommand{
		{Name: "rtpproxy_show", Recipes: [][]string{{}}, Handler: func(context.Context, api.MIParams) (any, error) {
			return m.sets.Load().Show(), nil
		}},
		{Name: "rtpproxy_enable", Recipes: [][]string{{"url", "enable"}, {"url", "enable", "setid"}},
			Handler: func(_ context.Context, p api.MIParams) (any, error) {
				return m.sets.Load().Enable(p, m.disableTout(), "RTP proxy not found")
			}},
		{Name: "rtpproxy_reload", Recipes: [][]string{{}}, Handler: func(ctx context.Context, _ api.MIParams) (any, error) {
			if m.conn == nil {
				return nil, &api.MIError{Code: 400, Msg: "Dynamic loading not enabled"}
			}
			s, err := m.loadDB(ctx)
			if err != nil {
				return nil, &api.MIError{Code: 500, Msg: err.Error()}
			}
			old := m.sets.Load()
			m.sets.Store(s)
			old.Close()
			m.probe(ctx, true)
			return "OK", nil
		}},
	}
}

var (
	_ api.Validator  = (*Module)(nil)
	_ api.Initer     = (*Module)(nil)
	_ api.Starter    = (*Module)(nil)
	_ api.Closer     = (*Module)(nil)
	_ api.MIExporter = (*Module)(nil)
)
