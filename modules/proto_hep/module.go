// Package protohep is OpenSIPS' proto_hep module: HEP listeners
// (socket=hep_udp:..., hep_tcp:...) whose packets run through the script,
// the hep_id destinations tracer sends to, and correlate().
package protohep

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/netip"
	"strconv"
	"strings"
	"sync"
	"time"

	"gosips/api"
	"gosips/internal/hep"
	"gosips/sip"
)

func init() {
	api.Register(api.ModuleInfo{Name: "proto_hep", New: func() api.Module { return New() },
		Doc: "HEP v1/v2/v3 transport: capture listeners and trace destinations"})
}

// Module is one proto_hep instance.
type Module struct {
	port            int
	sendTimeout     int
	maxMsgChunks    int
	async           int
	asyncPostponed  int
	captureID       int
	asyncConnect    int
	asyncWrite      int
	compressed      int
	homer5          int
	homer5Delim     string
	maxRetries      int
	retryCooldown   int
	dests           map[string]*hep.Dest
	destOrder       []string
	log             *slog.Logger
	core            api.Core
	ctx             context.Context
	cancel          context.CancelFunc
	wg              sync.WaitGroup
	listeners       []*listener
	received        sync.Map // *sip.Msg → *hep.Received while the script runs
	callbacks       []func(r *hep.Received, m *sip.Msg) bool
	out             sender
	failedRetries   int
	lastAttempt     time.Time
	retryMu         sync.Mutex
	pendingListens  []pendingListen
	startedListener bool
}

type pendingListen struct {
	proto, host string
	port        int
}

// New returns a proto_hep instance with OpenSIPS' defaults.
func New() *Module {
	return &Module{port: 5656, sendTimeout: 100, maxMsgChunks: 32, async: 1, asyncPostponed: 32,
		captureID: 1, asyncConnect: 100, asyncWrite: 10, homer5: 1, homer5Delim: ":",
		maxRetries: 5, retryCooldown: 3600, dests: map[string]*hep.Dest{},
		log: slog.New(slog.DiscardHandler)}
}

// Params lists the module parameters.
func (m *Module) Params() []api.Param {
	return []api.Param{
		api.IntParam("hep_port", &m.port),
		api.IntParam("hep_send_timeout", &m.sendTimeout),
		api.IntParam("hep_max_msg_chunks", &m.maxMsgChunks),
		api.IgnoredParam(api.IntParam("hep_async", &m.async), "HEP writes are always done by a goroutine per destination"),
		api.IgnoredParam(api.IntParam("hep_async_max_postponed_chunks", &m.asyncPostponed), "HEP writes are not queued"),
		{Name: "hep_capture_id", Type: api.ParamInt, Default: "1", Set: func(v api.ParamValue) error {
			if v.Int < 0 || v.Int > 0xffff {
				return fmt.Errorf("hep_capture_id %d: must fit in 16 bits", v.Int)
			}
			m.captureID = int(v.Int)
			return nil
		}},
		api.IgnoredParam(api.IntParam("hep_async_local_connect_timeout", &m.asyncConnect), "connects are bounded by hep_send_timeout"),
		api.IgnoredParam(api.IntParam("hep_async_local_write_timeout", &m.asyncWrite), "writes are bounded by hep_send_timeout"),
		{Name: "compressed_payload", Type: api.ParamInt, Default: "0", Set: func(v api.ParamValue) error {
			if v.Int != 0 {
				return errors.New("compressed_payload: payload compression is not implemented (it needs the compression module)")
			}
			return nil
		}},
		{Name: "hep_id", Type: api.ParamStr, Multi: true, Set: func(v api.ParamValue) error { return m.addDest(v.Str) }},
		api.IntParam("homer5_on", &m.homer5),
		api.StrParam("homer5_delim", &m.homer5Delim),
		api.IntParam("hep_max_retries", &m.maxRetries),
		api.IntParam("hep_retry_cooldown", &m.retryCooldown),
	}
}

// Funcs lists correlate().
func (m *Module) Funcs() []api.Func {
	str := func(n string) api.Arg { return api.Arg{Name: n, Type: api.ArgStr} }
	return []api.Func{{Name: "correlate",
		Routes:  api.RequestRoute | api.FailureRoute | api.OnReplyRoute | api.BranchRoute | api.LocalRoute,
		Args:    []api.Arg{{Name: "hep_id", Type: api.ArgStr, Fixup: m.fixDest}, str("type1"), str("correlation1"), str("type2"), str("correlation2")},
		Returns: "1 the correlation packet was sent, -1 otherwise",
		Call: func(c *api.Ctx, a []any) api.Ret {
			s := func(i int) string { v, _ := a[i].(string); return v }
			if err := m.correlate(s(0), s(1), s(2), s(3), s(4)); err != nil {
				c.Log.Error("correlate: " + err.Error())
				return api.RetFalse
			}
			return api.RetTrue
		}}}
}

func (m *Module) fixDest(_ *api.FixupCtx, a *api.FixArg) error {
	if _, ok := m.dests[a.Str]; !ok {
		return fmt.Errorf("no hep_id named %q", a.Str)
	}
	return nil
}

// addDest parses one hep_id: "[name] host[:port]; transport=tcp; version=3".
func (m *Module) addDest(s string) error {
	s = strings.TrimSpace(s)
	if !strings.HasPrefix(s, "[") {
		return fmt.Errorf("hep_id %q: missing [name]", s)
	}
	end := strings.IndexByte(s, ']')
	if end < 0 {
		return fmt.Errorf("hep_id %q: unterminated [name]", s)
	}
	name := strings.TrimSpace(s[1:end])
	if name == "" {
		return fmt.Errorf("hep_id %q: empty name", s)
	}
	if _, dup := m.dests[name]; dup {
		return fmt.Errorf("hep_id %q: name %q defined twice", s, name)
	}
	d, err := ParseDest(s[end+1:])
	if err != nil {
		return fmt.Errorf("hep_id %q: %w", s, err)
	}
	d.Name = name
	m.dests[name] = d
	m.destOrder = append(m.destOrder, name)
	return nil
}

// ParseDest parses "host[:port][; transport=udp|tcp|tls][; version=1|2|3]"
// with OpenSIPS' defaults: port 9060, version 3, TCP for version 3 and UDP
// for the older versions, which have no stream transport.
func ParseDest(s string) (*hep.Dest, error) {
	parts := strings.Split(s, ";")
	uri := strings.TrimSpace(parts[0])
	uri = strings.TrimPrefix(uri, "hep:")
	if uri == "" {
		return nil, errors.New("no address (want host[:port])")
	}
	d := &hep.Dest{Host: uri, Port: 9060, Version: 3}
	host, port := uri, ""
	if strings.HasPrefix(uri, "[") {
		if j := strings.IndexByte(uri, ']'); j > 0 {
			host, port = uri[1:j], strings.TrimPrefix(uri[j+1:], ":")
		}
	} else if strings.Count(uri, ":") == 1 {
		host, port, _ = strings.Cut(uri, ":")
	}
	d.Host = host
	if port != "" {
		p, err := strconv.Atoi(port)
		if err != nil || p <= 0 || p > 65535 {
			return nil, fmt.Errorf("bad port %q", port)
		}
		d.Port = p
	}
	d.Host = strings.Trim(d.Host, "[]")
	for _, p := range parts[1:] {
		p = strings.TrimSpace(p)
		if p == "" {
			continue
		}
		k, v, ok := strings.Cut(p, "=")
		if !ok {
			return nil, fmt.Errorf("parameter %q: want name=value", p)
		}
		k, v = strings.TrimSpace(k), strings.TrimSpace(v)
		switch k {
		case "transport":
			switch strings.ToLower(v) {
			case "udp", "tcp", "tls":
				d.Transport = strings.ToLower(v)
			default:
				return nil, fmt.Errorf("bad transport %q (udp, tcp or tls)", v)
			}
		case "version":
			n, err := strconv.Atoi(v)
			if err != nil || n < 1 || n > 3 {
				return nil, fmt.Errorf("bad version %q (1, 2 or 3)", v)
			}
			d.Version = n
		default:
			return nil, fmt.Errorf("unknown parameter %q (transport, version)", k)
		}
	}
	if d.Transport == "" {
		d.Transport = "tcp"
	}
	if d.Version < 3 && d.Transport != "udp" {
		d.Transport = "udp" // HEP v1/v2 only exist over UDP
	}
	return d, nil
}

// Init keeps the logger.
func (m *Module) Init(ic *api.InitCtx) error {
	if ic.Log != nil {
		m.log = ic.Log
	}
	if m.homer5Delim == "" {
		m.homer5Delim = ":"
	}
	m.ctx, m.cancel = context.WithCancel(context.Background())
	m.out.m = m
	return nil
}

// SetCore keeps the runtime, through which received packets are run.
func (m *Module) SetCore(c api.Core) { m.core = c }

// Start binds the hep sockets.
func (m *Module) Start(ctx context.Context) error {
	for _, l := range m.pendingListens {
		if err := m.listen(l.proto, l.host, l.port); err != nil {
			return err
		}
	}
	m.pendingListens = nil
	return nil
}

// SocketProtos lists the socket protocols proto_hep owns.
func (m *Module) SocketProtos() []string { return []string{"hep_udp", "hep_tcp", "hep_tls"} }

// ListenSocket records a hep socket; it is bound by Start, once the
// runtime can run the script.
func (m *Module) ListenSocket(proto, host string, port int) error {
	if proto == "hep_tls" {
		return errors.New("hep_tls sockets are not implemented")
	}
	if port == 0 {
		port = m.port
	}
	m.pendingListens = append(m.pendingListens, pendingListen{proto, host, port})
	return nil
}

// Close stops the listeners and closes the outgoing connections.
func (m *Module) Close() error {
	if m.cancel != nil {
		m.cancel()
	}
	for _, l := range m.listeners {
		l.close()
	}
	m.out.close()
	m.wg.Wait()
	return nil
}

// API implementation.

// Dest returns the hep_id of that name.
func (m *Module) Dest(name string) (*hep.Dest, bool) { d, ok := m.dests[name]; return d, ok }

// NewDest parses an unnamed destination.
func (m *Module) NewDest(uri string) (*hep.Dest, error) { return ParseDest(uri) }

// CaptureID is hep_capture_id.
func (m *Module) CaptureID() uint32 { return uint32(m.captureID) }

// Homer5 reports homer5_on.
func (m *Module) Homer5() bool { return m.homer5 != 0 }

// Homer5Delim is homer5_delim.
func (m *Module) Homer5Delim() string { return m.homer5Delim }

// Received returns the packet m came in.
func (m *Module) Received(msg *sip.Msg) *hep.Received {
	if v, ok := m.received.Load(msg); ok {
		return v.(*hep.Received)
	}
	return nil
}

// OnReceive registers a receive callback; call it from Init.
func (m *Module) OnReceive(f func(r *hep.Received, msg *sip.Msg) bool) {
	m.callbacks = append(m.callbacks, f)
}

// Send encodes p for d's version and sends it.
func (m *Module) Send(d *hep.Dest, p *hep.Packet) error {
	p.Version = d.Version
	buf := bufPool.Get().(*[]byte)
	b, err := p.Append((*buf)[:0])
	if err == nil {
		err = m.SendRaw(d, b)
	}
	*buf = b
	bufPool.Put(buf)
	return err
}

var bufPool = sync.Pool{New: func() any { b := make([]byte, 0, 4096); return &b }}

// SendRaw sends an encoded packet, unless the destination failed
// hep_max_retries times in a row less than hep_retry_cooldown seconds ago.
func (m *Module) SendRaw(d *hep.Dest, b []byte) error {
	m.retryMu.Lock()
	if m.maxRetries > 0 && m.failedRetries >= m.maxRetries && time.Since(m.lastAttempt) < time.Duration(m.retryCooldown)*time.Second {
		m.retryMu.Unlock()
		return fmt.Errorf("hep send to %s:%d suppressed after %d failures", d.Host, d.Port, m.failedRetries)
	}
	m.lastAttempt = time.Now()
	m.retryMu.Unlock()
	err := m.out.send(d, b)
	m.retryMu.Lock()
	if err != nil {
		m.failedRetries++
	} else {
		m.failedRetries = 0
	}
	m.retryMu.Unlock()
	return err
}

// correlate sends a control packet holding two correlation ids.
func (m *Module) correlate(id, t1, c1, t2, c2 string) error {
	d, ok := m.dests[id]
	if !ok {
		return fmt.Errorf("no hep id with name %q", id)
	}
	if d.Version < 3 {
		return errors.New("only version 3 or higher of HEP supports correlation")
	}
	if t1 == t2 {
		return fmt.Errorf("type1 %q must be different from type2", t1)
	}
	p := &hep.Packet{Version: 3, Proto: hep.IPProtoTCP, ProtoType: hep.TypeControl, CaptureID: m.CaptureID(),
		Src: netip.AddrPortFrom(netip.AddrFrom4([4]byte{127, 0, 0, 1}), 0), Dst: netip.AddrPortFrom(netip.AddrFrom4([4]byte{127, 0, 0, 2}), 0)}
	p.SetTime(time.Now())
	if m.Homer5() {
		// HOMER 5 keeps only a "sip" correlation, as the correlation-id chunk.
		for _, kv := range [][2]string{{t1, c1}, {t2, c2}} {
			if strings.HasPrefix(kv[0], "sip") && kv[1] != "" {
				p.SetChunk(0, hep.ChunkCorrelationID, []byte(kv[1]))
			}
		}
	} else {
		p.Chunks = append(p.Chunks, hep.Chunk{Type: hep.ChunkExtraCorrelation, Data: hep.AppendJSON(nil, t1, c1, t2, c2)})
	}
	return m.Send(d, p)
}

var (
	_ api.Initer      = (*Module)(nil)
	_ api.Starter     = (*Module)(nil)
	_ api.Closer      = (*Module)(nil)
	_ api.SocketOwner = (*Module)(nil)
	_ hep.API         = (*Module)(nil)
)
