// Package rtpengine declares the rtpengine module: it relays media
// through Sipwise rtpengine daemons driven over the ng control protocol
// (bencoded dictionaries over UDP), with sets of weighted nodes,
// failover and disabling of dead nodes.
package rtpengine

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"regexp"
	"sync"
	"sync/atomic"
	"time"

	"gosips/api"
	"gosips/db"
	"gosips/internal/bencode"
	"gosips/internal/mediarelay"
	"gosips/pv"
)

func init() {
	api.Register(api.ModuleInfo{
		Name: "rtpengine",
		Deps: []api.Dep{{Name: "tm", Optional: true}, {Name: "dialog", Optional: true}},
		New:  func() api.Module { return New() },
		Doc:  "media relaying through rtpengine (ng protocol)",
	})
}

// Module is one rtpengine instance; exported fields hold the modparams.
type Module struct {
	Socks         []string
	DisableTout   int
	Retr          int
	Tout          int
	TimerInterval int
	ExtraIDPV     string
	SetIDAVP      string
	ErrorPV       string
	DBURL         string
	DBTable       string
	SocketCol     string
	SetCol        string
	Notification  string
	PingEnabled   int

	extraFailover []*regexp.Regexp
	extraID       *pv.Spec
	setidAVP      *pv.Spec
	errPV         *pv.Spec
	log           *slog.Logger
	configDir     string

	engines atomic.Pointer[mediarelay.Sets]
	dbMu    sync.Mutex
	conn    db.Conn
}

// New returns an instance with OpenSIPS' defaults.
func New() *Module {
	m := &Module{DisableTout: 60, Retr: 5, Tout: 1, TimerInterval: 5, DBTable: "rtpengine",
		SocketCol: "socket", SetCol: "set_id", log: slog.New(slog.DiscardHandler)}
	m.engines.Store(&mediarelay.Sets{})
	return m
}

func (m *Module) tout() time.Duration        { return time.Duration(m.Tout) * time.Second }
func (m *Module) disableTout() time.Duration { return time.Duration(m.DisableTout) * time.Second }

// Params binds the module parameters (OpenSIPS 3.6 rtpengine.c).
func (m *Module) Params() []api.Param {
	return []api.Param{
		api.FuncParam("rtpengine_sock", api.ParamStr, true, func(v api.ParamValue) error {
			e := m.engines.Load()
			if err := e.AddSocks(v.Str, -1, 0); err != nil {
				return err
			}
			m.Socks = append(m.Socks, v.Str)
			return nil
		}),
		api.IntParam("rtpengine_disable_tout", &m.DisableTout),
		api.PositiveParam("rtpengine_retr", &m.Retr),
		api.PositiveParam("rtpengine_tout", &m.Tout),
		api.PositiveParam("rtpengine_timer_interval", &m.TimerInterval),
		api.StrParam("extra_id_pv", &m.ExtraIDPV),
		api.StrParam("setid_avp", &m.SetIDAVP),
		api.StrParam("error_pv", &m.ErrorPV),
		api.StrParam("db_url", &m.DBURL),
		api.StrParam("db_table", &m.DBTable),
		api.StrParam("socket_column", &m.SocketCol),
		api.StrParam("set_column", &m.SetCol),
		api.FuncParam("extra_failover_error", api.ParamStr, true, func(v api.ParamValue) error {
			if v.Str == "" {
				return nil
			}
			re, err := regexp.Compile("(?i)" + v.Str)
			if err != nil {
				return fmt.Errorf("could not compile regex %q: %w", v.Str, err)
			}
			m.extraFailover = append(m.extraFailover, re)
			return nil
		}),
		api.StrParam("notification_sock", &m.Notification),
		api.IntParam("ping_enabled", &m.PingEnabled),
	}
}

// Validate rejects what gosips does not implement.
func (m *Module) Validate(vc *api.ValidateCtx) error {
	if m.Notification != "" {
		return errors.New("notification_sock: rtpengine notifications (E_RTPENGINE_NOTIFICATION) are not supported by gosips")
	}
	if len(m.Socks) > 0 && m.DBURL != "" {
		return errors.New("rtpengine_sock and db_url are both set: use one source of nodes")
	}
	if len(m.Socks) == 0 && m.DBURL == "" && vc.Warn != nil {
		vc.Warn("no rtpengine_sock and no db_url: every rtpengine_* call will fail",
			`modparam("rtpengine", "rtpengine_sock", "udp:127.0.0.1:2223")`)
	}
	return nil
}

// Init resolves the variables named by parameters and loads the nodes
// from the database when db_url is set.
func (m *Module) Init(ic *api.InitCtx) error {
	if ic.Log != nil {
		m.log = ic.Log
	}
	m.configDir = ic.ConfigDir
	table := pv.NewTable(pv.CoreDefs())
	spec := func(param, raw string, avpOnly bool) (*pv.Spec, error) {
		if raw == "" {
			return nil, nil
		}
		s, err := pv.Parse(raw)
		if err == nil {
			err = table.Resolve(s)
		}
		if err == nil && avpOnly && s.Name != "avp" {
			err = errors.New("must be an AVP")
		}
		if err != nil {
			return nil, fmt.Errorf("%s %q: %w", param, raw, err)
		}
		return s, nil
	}
	var err error
	if m.extraID, err = spec("extra_id_pv", m.ExtraIDPV, false); err != nil {
		return err
	}
	if m.setidAVP, err = spec("setid_avp", m.SetIDAVP, true); err != nil {
		return err
	}
	if m.errPV, err = spec("error_pv", m.ErrorPV, false); err != nil {
		return err
	}
	if m.DBURL != "" {
		conn, err := mediarelay.OpenDB(m.DBURL, m.configDir, m.log)
		if err != nil {
			return err
		}
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		m.conn = conn
		e, err := m.loadDB(ctx)
		if err != nil {
			return err
		}
		m.engines.Store(e)
	}
	return nil
}

// TableVersion is the version of the rtpengine table (OpenSIPS 3.6).
const TableVersion = 1

// loadDB reads the sets from the rtpengine table.
func (m *Module) loadDB(ctx context.Context) (*mediarelay.Sets, error) {
	m.dbMu.Lock()
	defer m.dbMu.Unlock()
	return mediarelay.LoadSets(ctx, m.conn, m.DBTable, m.SocketCol, m.SetCol, TableVersion, 0)
}

// Start probes every node once (unreachable ones start disabled) and runs
// the timer that re-enables them.
func (m *Module) Start(ctx context.Context) error {
	m.probeAll(ctx, true)
	go func() {
		t := time.NewTicker(time.Duration(m.TimerInterval) * time.Second)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
				m.probeAll(ctx, false)
			}
		}
	}()
	return nil
}

// probeAll pings the nodes due for a check (all of them at start-up).
func (m *Module) probeAll(ctx context.Context, all bool) {
	iv := time.Duration(m.TimerInterval) * time.Second
	m.engines.Load().Probe(ctx, m.log, all, m.PingEnabled != 0, iv, m.disableTout(),
		func(ctx context.Context, n *mediarelay.Node) bool {
			d, err := m.send(ctx, n, pingCmd)
			if err != nil {
				return false
			}
			r, _ := bencode.Str(d, "result")
			return r == "pong"
		})
}

var pingCmd = []byte("d7:command4:pinge")

// Close releases the control sockets and the database.
func (m *Module) Close() error {
	m.engines.Load().Close()
	if m.conn != nil {
		return m.conn.Close()
	}
	return nil
}

// Funcs lists the script functions (OpenSIPS 3.6 rtpengine.c).
func (m *Module) Funcs() []api.Func {
	flags := api.Arg{Name: "flags", Type: api.ArgStr, Optional: true}
	sockVar := api.Arg{Name: "sock_var", Type: api.ArgVar, Optional: true, Writable: true}
	sdpVar := api.Arg{Name: "sdp_var", Type: api.ArgVar, Optional: true, Writable: true}
	body := api.Arg{Name: "body", Type: api.ArgStr, Optional: true}
	all := api.AllRoutes
	simple := func(name string, o op) api.Func {
		return api.Func{Name: name, Routes: all, Args: []api.Arg{flags, sockVar}, Returns: "1 ok, -1 error",
			Call: func(c *api.Ctx, args []any) api.Ret {
				f, _ := args[0].(string)
				sv, _ := args[1].(api.PVRef)
				if _, ok := m.simple(c, o, f, sv, nil); !ok {
					return api.RetFalse
				}
				return api.RetTrue
			}}
	}
	outVar := func(name string) api.Arg {
		return api.Arg{Name: name, Type: api.ArgVar, Optional: true, Writable: true}
	}
	return []api.Func{
		{Name: "rtpengine_use_set", Routes: all, Args: []api.Arg{{Name: "setid", Type: api.ArgInt}},
			Returns: "1 set selected, -1 no such set", Call: m.useSet},
		simple("rtpengine_start_recording", opStartRecording),
		simple("rtpengine_stop_recording", opStopRecording),
		simple("rtpengine_pause_recording", opPauseRecording),
		{Name: "rtpengine_offer", Routes: all, Args: []api.Arg{flags, sockVar, sdpVar, body}, Async: true,
			Returns: "1 SDP rewritten, -1 error",
			Call:    func(c *api.Ctx, args []any) api.Ret { return m.offerAnswer(c, opOffer, args) }},
		{Name: "rtpengine_answer", Routes: all, Args: []api.Arg{flags, sockVar, sdpVar, body}, Async: true,
			Returns: "1 SDP rewritten, -1 error (or a request other than ACK/PRACK)",
			Call: func(c *api.Ctx, args []any) api.Ret {
				if c.Msg != nil && c.Msg.IsRequest() && c.Msg.Method() != "ACK" && c.Msg.Method() != "PRACK" {
					return api.RetFalse
				}
				return m.offerAnswer(c, opAnswer, args)
			}},
		{Name: "rtpengine_manage", Routes: all, Args: []api.Arg{flags, sockVar, sdpVar, body},
			Returns: "1 done, -1 error or nothing to do", Call: m.manage},
		{Name: "rtpengine_delete", Routes: all, Args: []api.Arg{flags, sockVar}, Async: true,
			Returns: "1 deleted, -1 error",
			Call: func(c *api.Ctx, args []any) api.Ret {
				f, _ := args[0].(string)
				sv, _ := args[1].(api.PVRef)
				return m.delete(c, f, sv)
			}},
		{Name: "rtpengine_play_media", Routes: all,
			Args:    []api.Arg{{Name: "flags", Type: api.ArgStr}, outVar("duration_spec"), sockVar},
			Returns: "1 playing, -1 error",
			Call: func(c *api.Ctx, args []any) api.Ret {
				f, _ := args[0].(string)
				sv, _ := args[2].(api.PVRef)
				reply, ok := m.simple(c, opPlayMedia, f, sv, nil)
				if !ok {
					return api.RetFalse
				}
				setInt(c, args[1], reply, "duration")
				return api.RetTrue
			}},
		{Name: "rtpengine_stop_media", Routes: all, Args: []api.Arg{flags, sockVar, outVar("last_frame_pos")},
			Returns: "1 stopped, -1 error",
			Call: func(c *api.Ctx, args []any) api.Ret {
				f, _ := args[0].(string)
				sv, _ := args[1].(api.PVRef)
				reply, ok := m.simple(c, opStopMedia, f, sv, nil)
				if !ok {
					return api.RetFalse
				}
				setInt(c, args[2], reply, "last-frame-pos")
				return api.RetTrue
			}},
		simple("rtpengine_block_media", opBlockMedia),
		simple("rtpengine_unblock_media", opUnblockMedia),
		simple("rtpengine_block_dtmf", opBlockDTMF),
		simple("rtpengine_unblock_dtmf", opUnblockDTMF),
		simple("rtpengine_start_forwarding", opStartForward),
		simple("rtpengine_stop_forwarding", opStopForward),
		{Name: "rtpengine_play_dtmf", Routes: all,
			Args:    []api.Arg{{Name: "code", Type: api.ArgStr}, flags, sockVar},
			Returns: "1 sent, -2 error",
			Call: func(c *api.Ctx, args []any) api.Ret {
				code, _ := args[0].(string)
				f, _ := args[1].(string)
				sv, _ := args[2].(api.PVRef)
				if _, ok := m.simple(c, opPlayDTMF, f, sv, map[string]any{"code": code}); !ok {
					return -2
				}
				return api.RetTrue
			}},
	}
}

// setInt stores an integer of the reply (-1 when absent) in an optional
// output variable.
func setInt(c *api.Ctx, arg any, reply map[string]any, key string) {
	ref, ok := arg.(api.PVRef)
	if !ok {
		return
	}
	n, ok := reply[key].(int64)
	if !ok {
		n = -1
	}
	if err := ref.Set(c, api.IntValue(n)); err != nil {
		c.Log.Error("rtpengine: setting "+ref.Name()+" failed", "err", err)
	}
}

func (m *Module) useSet(c *api.Ctx, args []any) api.Ret {
	id, _ := args[0].(int64)
	if m.engines.Load().ByID(int(id)) == nil {
		c.Log.Error("rtpengine_use_set: no such set", "set", id)
		return api.RetFalse
	}
	c.SetSlot(setKey{}, int(id))
	return api.RetTrue
}

// ---- MI

// MICommands lists rtpengine_show, rtpengine_enable and rtpengine_reload.
func (m *Module) MICommands() []api.MICommand {
	return []api.MICommand{
		{Name: "rtpengine_show", Recipes: [][]string{{}}, Handler: func(context.Context, api.MIParams) (any, error) {
			return m.engines.Load().Show(), nil
		}},
		{Name: "rtpengine_enable", Recipes: [][]string{{"url", "enable"}, {"url", "enable", "setid"}},
			Handler: func(_ context.Context, p api.MIParams) (any, error) {
				return m.engines.Load().Enable(p, m.disableTout(), "RTP engine not found")
			}},
		{Name: "rtpengine_reload", Recipes: [][]string{{}, {"type"}}, Handler: m.miReload},
	}
}

func (m *Module) miReload(ctx context.Context, p api.MIParams) (any, error) {
	if m.conn == nil {
		return nil, &api.MIError{Code: 400, Msg: "Dynamic loading not enabled"}
	}
	soft := false
	if t, ok := p.Str("type"); ok && t == "soft" {
		soft = true
	}
	e, err := m.loadDB(ctx)
	if err != nil {
		return nil, &api.MIError{Code: 500, Msg: err.Error()}
	}
	old := m.engines.Load()
	if soft {
		e.KeepState(old)
	}
	m.engines.Store(e)
	if !soft {
		old.Close()
	}
	return "OK", nil
}

// PVs exports $rtpstat and $rtpquery.
func (m *Module) PVs() []pv.Def {
	return []pv.Def{
		{Name: "rtpstat", Module: "rtpengine", Inner: pv.OptInner, Index: true,
			Doc:        "RTP statistics of the call from rtpengine: the totals, or $(rtpstat(MOS-average)[tag])",
			ParseInner: parseRTPStatInner, Get: m.getRTPStat},
		{Name: "rtpquery", Module: "rtpengine", Doc: "the rtpengine query answer of the call, as JSON", Get: m.getRTPQuery},
	}
}

// stats returns the cached delete/query answer of the message, querying
// the daemon when there is none.
func (m *Module) stats(c *api.Ctx) (map[string]any, error) {
	if d, ok := c.Slot(statsKey{}).(map[string]any); ok {
		return d, nil
	}
	reply, err := m.call(c, &request{op: opQuery})
	if err != nil {
		return nil, err
	}
	c.SetSlot(statsKey{}, reply)
	return reply, nil
}

func (m *Module) getRTPStatLine(c *api.Ctx) (api.Value, error) {
	d, err := m.stats(c)
	if err != nil {
		return api.Null, nil
	}
	tot, _ := d["totals"].(map[string]any)
	rtp, _ := tot["RTP"].(map[string]any)
	rtcp, _ := tot["RTCP"].(map[string]any)
	if rtp == nil || rtcp == nil {
		return api.Null, nil
	}
	get := func(x map[string]any, k string) int64 {
		if n, ok := x[k].(int64); ok {
			return n
		}
		return -1
	}
	return api.StrValue(fmt.Sprintf("RTP: %d bytes, %d packets, %d errors; RTCP: %d bytes, %d packets, %d errors",
		get(rtp, "bytes"), get(rtp, "packets"), get(rtp, "errors"),
		get(rtcp, "bytes"), get(rtcp, "packets"), get(rtcp, "errors"))), nil
}

func (m *Module) getRTPQuery(c *api.Ctx, _ *pv.Spec) (api.Value, error) {
	reply, err := m.call(c, &request{op: opQuery})
	if err != nil {
		return api.Null, nil
	}
	b, err := json.Marshal(reply)
	if err != nil {
		return api.Null, nil
	}
	return api.StrValue(string(b)), nil
}

var (
	_ api.Validator  = (*Module)(nil)
	_ api.Initer     = (*Module)(nil)
	_ api.Starter    = (*Module)(nil)
	_ api.Closer     = (*Module)(nil)
	_ api.MIExporter = (*Module)(nil)
	_ pv.Exporter    = (*Module)(nil)
)
