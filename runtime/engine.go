package runtime

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"os"
	goruntime "runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"gosips/api"
	"gosips/lang/ast"
	"gosips/pv"
	"gosips/sip"
)

// EngineOptions configure an Engine.
type EngineOptions struct {
	Log *slog.Logger
	// Listen adds sockets beside the script's (command line -l).
	Listen []string
	// Version is reported in Server headers and MI.
	Version string
	// OnlyListen replaces the script's sockets by Listen (tests, benchmarks).
	OnlyListen bool
	// Record runs the engine without opening sockets (gosips trace): what
	// would be sent goes to Record, and timer routes do not run.
	Record func(from *sip.Socket, d sip.Dest, b []byte)
}

// Engine runs a compiled script on real sockets: it receives SIP messages,
// runs the request and reply routes, and offers the modules the runtime
// services of api.Core.
type Engine struct {
	script *Script
	// prog is the running program; reload_routes swaps it, and a message
	// keeps the program it started with.
	prog    atomic.Pointer[Program]
	log     *slog.Logger
	tr      *sip.Transport
	res     sip.Resolver
	opts    EngineOptions
	threads chan *Thread
	spare   sync.Pool

	replyRcv []api.ReplyReceiver
	filters  []api.RequestFilter
	replier  api.Replier

	aliases   []alias
	serverHdr string
	uaHdr     string
	started   time.Time

	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup

	stats  coreStats
	msgSeq atomic.Uint64

	// stopping refuses new requests during shutdown; inflight counts the
	// messages being processed so that Shutdown can wait for them.
	stopping atomic.Bool
	inflight atomic.Int64

	// slowAfter is execmsgthreshold: messages taking longer count as
	// core:slow_messages (0 = off).
	slowAfter time.Duration
	workers   int
	load      loadAvg
	badLog    sip.LogLimit // malformed-message warnings
}

// badLogWindow bounds the warnings about malformed messages: a flood
// logs a few lines per window, then one summary.
const badLogWindow = 10 * time.Second

// coreStats are the core:* statistics OpenSIPS keeps.
type coreStats struct {
	rcvRequests, rcvReplies, fwdReplies, dropRequests, dropReplies, errRequests, errReplies,
	badURIs, badMsgHdr, slowMessages *api.Stat
}

type alias struct {
	host string
	port int
}

// NewEngine prepares an engine for a script compiled in run mode.
func NewEngine(s *Script, p *Program, opts EngineOptions) *Engine {
	log := opts.Log
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	e := &Engine{script: s, log: log, opts: opts, started: time.Now()}
	e.prog.Store(p)
	workers := 8
	if v, ok := s.Globals["udp_workers"]; ok && v.IsInt() && v.I > 0 {
		workers = int(v.I)
	}
	// One thread per worker keeps $var values per worker, as OpenSIPS
	// keeps them per process; TCP readers and timers borrow spare ones.
	e.threads = make(chan *Thread, workers)
	for i := 0; i < workers; i++ {
		e.threads <- e.newThread()
	}
	e.spare.New = func() any { return e.newThread() }
	for _, m := range s.Modules {
		if r, ok := m.Inst.(api.ReplyReceiver); ok {
			e.replyRcv = append(e.replyRcv, r)
		}
		if f, ok := m.Inst.(api.RequestFilter); ok {
			e.filters = append(e.filters, f)
		}
	}
	// Internal error replies go statefully when tm is there, else sl.
	for _, name := range []string{"signaling", "tm", "sl"} {
		if m := s.Module(name); m != nil {
			if r, ok := m.Inst.(api.Replier); ok && e.replier == nil {
				e.replier = r
			}
		}
	}
	for _, a := range s.Aliases {
		e.aliases = append(e.aliases, parseAlias(a))
	}
	g := s.Stats.Group("core")
	e.stats = coreStats{
		rcvRequests: g.Counter("rcv_requests"), rcvReplies: g.Counter("rcv_replies"),
		fwdReplies: g.Counter("fwd_replies"), dropRequests: g.Counter("drop_requests"),
		dropReplies: g.Counter("drop_replies"), errRequests: g.Counter("err_requests"),
		errReplies: g.Counter("err_replies"), badURIs: g.Counter("bad_URIs_rcvd"),
		badMsgHdr: g.Counter("bad_msg_hdr"), slowMessages: g.Counter("slow_messages"),
	}
	if v, ok := s.Globals["execmsgthreshold"]; ok && v.IsInt() && v.I > 0 {
		e.slowAfter = time.Duration(v.I) * time.Microsecond
	}
	e.workers = workers
	e.serverHdr = "gosips (" + opts.Version + " (" + goruntime.GOARCH + "/" + goruntime.GOOS + "))"
	e.uaHdr = e.serverHdr
	if v, ok := s.Globals["server_header"]; ok && v.IsStr() {
		e.serverHdr = strings.TrimSpace(strings.TrimPrefix(v.S, "Server:"))
	}
	if v, ok := s.Globals["user_agent_header"]; ok && v.IsStr() {
		e.uaHdr = strings.TrimSpace(strings.TrimPrefix(v.S, "User-Agent:"))
	}
	if v, ok := s.Globals["server_signature"]; ok && v.IsInt() && v.I == 0 {
		e.serverHdr, e.uaHdr = "", ""
	}
	return e
}

func parseAlias(a string) alias {
	// [proto:]host[:port]
	parts := strings.Split(a, ":")
	switch len(parts) {
	case 1:
		return alias{host: parts[0]}
	case 2:
		if p, err := strconv.Atoi(parts[1]); err == nil {
			return alias{host: parts[0], port: p}
		}
		return alias{host: parts[1]}
	default:
		p, _ := strconv.Atoi(parts[2])
		return alias{host: parts[1], port: p}
	}
}

func (e *Engine) newThread() *Thread {
	t := &Thread{prog: e.prog.Load()}
	t.Ctx.Vars = pv.NewVarStore()
	t.Ctx.RURIQ = -1
	return t
}

// Program returns the running program.
func (e *Engine) Program() *Program { return e.prog.Load() }

// Transport returns the SIP transport (nil before Start).
func (e *Engine) Transport() *sip.Transport { return e.tr }

// Start binds every socket, starts the modules, runs startup_route and
// starts the timer routes. ctx bounds the engine's life.
func (e *Engine) Start(ctx context.Context) error {
	e.ctx, e.cancel = context.WithCancel(ctx)
	workers := 8
	if v, ok := e.script.Globals["udp_workers"]; ok && v.IsInt() && v.I > 0 {
		workers = int(v.I)
	}
	cfg := e.transportConfig(workers)
	cfg.Record = e.opts.Record
	e.tr = sip.NewTransport(cfg)
	for _, m := range e.script.Modules {
		if ts, ok := m.Inst.(api.TransportSetup); ok {
			if err := ts.SetupTransport(e.tr); err != nil {
				e.tr.Close()
				return fmt.Errorf("module %s: %w", m.Name, err)
			}
		}
	}
	e.setupResolver()
	socks := e.script.Sockets
	if e.opts.OnlyListen {
		socks = nil
	}
	for _, l := range e.opts.Listen {
		sd, err := parseListenFlag(l)
		if err != nil {
			e.tr.Close()
			return err
		}
		socks = append(socks, sd)
	}
	if len(socks) == 0 {
		socks = []SocketDef{{Proto: "udp", Host: "127.0.0.1", Port: "5060"}}
	}
	owners := map[string]api.SocketOwner{}
	for _, m := range e.script.Modules {
		if so, ok := m.Inst.(api.SocketOwner); ok {
			for _, p := range so.SocketProtos() {
				owners[p] = so
			}
		}
	}
	for _, sd := range socks {
		if so := owners[sd.Proto]; so != nil || strings.HasPrefix(sd.Proto, "hep_") {
			if so == nil {
				e.tr.Close()
				return fmt.Errorf("%s: socket %s:%s:%s needs loadmodule \"proto_hep.so\"", sd.At, sd.Proto, sd.Host, sd.Port)
			}
			port, _ := strconv.Atoi(sd.Port)
			if err := so.ListenSocket(sd.Proto, sd.Host, port); err != nil {
				e.tr.Close()
				return fmt.Errorf("%s: socket %s:%s:%s: %w", sd.At, sd.Proto, sd.Host, sd.Port, err)
			}
			continue
		}
		if sd.Proto == "tcp" && !e.script.Loaded("proto_tcp") && len(e.opts.Listen) == 0 {
			e.tr.Close()
			return fmt.Errorf("%s: socket %s:%s:%s needs loadmodule \"proto_tcp.so\"", sd.At, sd.Proto, sd.Host, sd.Port)
		}
		if sd.Proto == "tls" && (!e.script.Loaded("proto_tls") || e.tr.TLSConfigs() == nil) {
			e.tr.Close()
			return fmt.Errorf("%s: socket %s:%s:%s needs loadmodule \"proto_tls.so\" and \"tls_mgm.so\"", sd.At, sd.Proto, sd.Host, sd.Port)
		}
		if sd.Proto == "ws" && !e.script.Loaded("proto_ws") {
			e.tr.Close()
			return fmt.Errorf("%s: socket %s:%s:%s needs loadmodule \"proto_ws.so\"", sd.At, sd.Proto, sd.Host, sd.Port)
		}
		if sd.Proto == "wss" && (!e.script.Loaded("proto_wss") || e.tr.TLSConfigs() == nil) {
			e.tr.Close()
			return fmt.Errorf("%s: socket %s:%s:%s needs loadmodule \"proto_wss.so\" and \"tls_mgm.so\"", sd.At, sd.Proto, sd.Host, sd.Port)
		}
		port := 0
		if sd.Port != "" {
			p, err := strconv.Atoi(sd.Port)
			if err != nil {
				e.tr.Close()
				return fmt.Errorf("%s: socket port %q: port lists and ranges are not supported", sd.At, sd.Port)
			}
			port = p
		} else {
			port = e.tr.DefaultPort(sip.ParseProto(sd.Proto))
		}
		s := sip.Socket{Proto: sip.ParseProto(sd.Proto), IP: sd.Host, Port: port, AdvHost: sd.AdvHost, Workers: sd.Workers, Tag: sd.Tag}
		if sd.AdvPort != "" {
			s.AdvPort, _ = strconv.Atoi(sd.AdvPort)
		}
		_, err := e.tr.Listen(s)
		if err != nil {
			e.tr.Close()
			return fmt.Errorf("cannot listen on %s:%s:%d: %w", sd.Proto, sd.Host, port, err)
		}
	}
	// Modules that originate requests outside the receive path (tm's
	// local requests) need the runtime services from the start.
	for _, m := range e.script.Modules {
		if b, ok := m.Inst.(interface{ SetCore(api.Core) }); ok {
			b.SetCore(e)
		}
	}
	if err := e.startEvents(); err != nil {
		e.tr.Close()
		return fmt.Errorf("event interface: %w", err)
	}
	for _, m := range e.script.Modules {
		if st, ok := m.Inst.(api.Starter); ok {
			if err := st.Start(e.ctx); err != nil {
				e.tr.Close()
				return fmt.Errorf("starting module %s: %w", m.Name, err)
			}
		}
	}
	e.registerRuntimeStats()
	if r := e.Program().Route(ast.RouteStartup, ""); r != nil {
		t := e.acquire(api.StartupRoute, nil)
		t.RunRoute(r)
		e.release(t)
	}
	for _, r := range e.script.Routes.All() {
		if r.Kind == ast.RouteTimer && e.opts.Record == nil {
			e.startTimer(r.Name, r.Interval)
		}
	}
	return nil
}

// transportConfig maps the core's network parameters onto the
// transport's configuration.
func (e *Engine) transportConfig(udpWorkers int) sip.Config {
	keepSet := false
	for _, k := range []string{"tcp_keepcount", "tcp_keepidle", "tcp_keepinterval"} {
		if e.globalInt(k, 0) > 0 {
			keepSet = true // setting any of them enables keepalive, as in OpenSIPS
		}
	}
	cfg := sip.Config{
		OnMessage:  e.onMessage,
		OnError:    e.onError,
		Logger:     e.log,
		UDPWorkers: udpWorkers,
		Mhomed:     e.globalInt("mhomed", 0) != 0,
		// tcp_workers: goroutines running the script for stream messages
		// (each connection has its own reader goroutine that only frames).
		TCPWorkers:        int(e.globalInt("tcp_workers", 8)),
		TCPLifetime:       time.Duration(e.globalInt("tcp_connection_lifetime", 120)) * time.Second,
		TCPConnectTimeout: time.Duration(e.globalInt("tcp_connect_timeout", 100)) * time.Millisecond,
		TCPMaxConns:       int(e.globalInt("tcp_max_connections", 2048)),
		TCPMaxMsgTime:     time.Duration(e.globalInt("tcp_max_msg_time", 4)) * time.Second,
		TCPKeepalive:      e.globalInt("tcp_keepalive", 1) != 0 || keepSet,
		TCPKeepIdle:       time.Duration(e.globalInt("tcp_keepidle", 0)) * time.Second,
		TCPKeepInterval:   time.Duration(e.globalInt("tcp_keepinterval", 0)) * time.Second,
		TCPKeepCount:      int(e.globalInt("tcp_keepcount", 0)),
		TCPAcceptAliases:  e.globalInt("tcp_accept_aliases", 0) != 0,
		UDPMTU:            int(e.globalInt("udp_mtu", 0)),
	}
	cfg.TLS, cfg.TLSHandshakeTimeout = e.tlsProvider()
	if cfg.TCPLifetime <= 0 {
		cfg.TCPLifetime = time.Second // 0 closes connections quickly
	}
	if v, ok := e.script.Globals["udp_mtu_try_proto"]; ok && v.IsStr() {
		cfg.UDPMTUTryProto = sip.ParseProto(v.S)
	}
	return cfg
}

// setupResolver configures name resolution: SRV for names without a port
// (as OpenSIPS' sip_resolvehost), a per-lookup timeout from dns_retr_time
// and dns_retr_no, and the servers of GOSIPS_DNS_SERVERS
// ("ip:port,...") instead of the system's when set.
func (e *Engine) setupResolver() {
	e.res.SRV = true
	retr, tries := e.globalInt("dns_retr_time", 0), e.globalInt("dns_retr_no", 0)
	if retr > 0 {
		e.res.Timeout = time.Duration(retr*max(tries, 1)) * time.Second
	}
	if v := os.Getenv("GOSIPS_DNS_SERVERS"); v != "" {
		servers := strings.Split(v, ",")
		var next atomic.Uint32
		e.res.R = &net.Resolver{PreferGo: true, Dial: func(ctx context.Context, network, _ string) (net.Conn, error) {
			var d net.Dialer
			srv := strings.TrimSpace(servers[int(next.Add(1))%len(servers)])
			return d.DialContext(ctx, network, srv)
		}}
	}
}

// tlsProvider finds the loaded module that configures TLS (tls_mgm) and
// the handshake timeout a transport module asks for (proto_tls).
func (e *Engine) tlsProvider() (sip.TLSConfigs, time.Duration) {
	var confs sip.TLSConfigs
	var timeout time.Duration
	for _, m := range e.script.Modules {
		if c, ok := m.Inst.(sip.TLSConfigs); ok && confs == nil {
			confs = c
		}
		if h, ok := m.Inst.(interface{ TLSHandshakeTimeout() time.Duration }); ok {
			timeout = h.TLSHandshakeTimeout()
		}
	}
	return confs, timeout
}

// globalInt returns an integer core parameter, or def when unset.
func (e *Engine) globalInt(name string, def int64) int64 {
	if v, ok := e.script.Globals[name]; ok && v.IsInt() {
		return v.I
	}
	return def
}

func parseListenFlag(s string) (SocketDef, error) {
	proto, rest, ok := strings.Cut(s, ":")
	if !ok {
		return SocketDef{}, fmt.Errorf("-l %q: want proto:ip:port", s)
	}
	host, port := rest, ""
	if i := strings.LastIndexByte(rest, ':'); i > 0 && !strings.HasSuffix(rest, "]") {
		host, port = rest[:i], rest[i+1:]
	}
	proto = strings.ToLower(proto)
	if proto != "udp" && proto != "tcp" && proto != "tls" {
		return SocketDef{}, fmt.Errorf("-l %q: protocol %q is not supported (udp, tcp, tls)", s, proto)
	}
	return SocketDef{Proto: proto, Host: strings.Trim(host, "[]"), Port: port}, nil
}

// startTimer runs timer_route[name] every interval, from the program
// running at each tick (reload_routes may replace its body).
func (e *Engine) startTimer(name string, every int64) {
	if every <= 0 {
		return
	}
	e.wg.Add(1)
	go func() {
		defer e.wg.Done()
		tk := time.NewTicker(time.Duration(every) * time.Second)
		defer tk.Stop()
		for {
			select {
			case <-e.ctx.Done():
				return
			case <-tk.C:
				t := e.acquire(api.TimerRoute, nil)
				if r := t.prog.Route(ast.RouteTimer, name); r != nil {
					t.RunRoute(r)
				}
				e.release(t)
			}
		}
	}()
}

// Reload swaps the running routes for those of s (compiled with
// Options.Reuse = the running script) atomically: messages in progress
// finish with the routes they started with, transactions keep their state
// and later routes (failure_route, onreply_route) come from the new
// program by name.
func (e *Engine) Reload(s *Script, p *Program) {
	e.prog.Store(p)
	e.log.Log(context.Background(), slog.Level(2), "routes reloaded", "routes", len(s.Routes.All()))
}

// drainTimeout bounds how long Shutdown waits for messages in progress.
const drainTimeout = 10 * time.Second

// Shutdown stops as OpenSIPS does: it stops accepting requests, waits for
// the messages in progress (their replies are sent, their changes made),
// stops the timers, closes the modules in reverse order while the sockets
// are still open (tm answers or cancels what is in flight, usrloc flushes
// to its database), then closes the transport.
func (e *Engine) Shutdown() error {
	e.Drain(drainTimeout)
	if e.cancel != nil {
		e.cancel()
	}
	e.wg.Wait()
	var errs []error
	errs = append(errs, e.script.Close())
	if e.tr != nil {
		errs = append(errs, e.tr.Close())
	}
	return errors.Join(errs...)
}

// Drain stops accepting new requests (they are dropped; clients
// retransmit to the next instance) and waits up to timeout for the
// messages being processed. Replies still go through so that transactions
// in progress can complete. It reports whether everything finished.
func (e *Engine) Drain(timeout time.Duration) bool {
	e.stopping.Store(true)
	deadline := time.Now().Add(timeout)
	for e.inflight.Load() > 0 {
		if time.Now().After(deadline) {
			e.log.Warn("shutdown: messages still in progress", "count", e.inflight.Load())
			return false
		}
		time.Sleep(5 * time.Millisecond)
	}
	return true
}

// acquire takes a worker thread (or a spare one) and prepares it.
func (e *Engine) acquire(rt api.RouteType, m *sip.Msg) *Thread {
	var t *Thread
	select {
	case t = <-e.threads:
	default:
		t = e.spare.Get().(*Thread)
	}
	t.reset()
	t.msgID = e.msgSeq.Add(1)
	t.prog = e.prog.Load()
	t.Ctx.RouteType = rt
	t.Ctx.Core = e
	t.Ctx.Context = e.ctx
	t.Ctx.Log = e.log
	t.Ctx.Msg = m
	t.Ctx.Priv = t
	return t
}

func (e *Engine) release(t *Thread) {
	t.Ctx.Msg, t.Ctx.Req, t.Ctx.Reply, t.Ctx.Tx, t.Ctx.AVPs = nil, nil, nil, nil, nil
	if t.alt.Msg != nil {
		t.alt = api.Ctx{}
	}
	select {
	case e.threads <- t:
	default:
		e.spare.Put(t)
	}
}

// Dispatch runs a message through the script as if it had been received;
// tests and benchmarks use it.
func (e *Engine) Dispatch(m *sip.Msg) { e.onMessage(m, m.Recv()) }

// onMessage is the receive path for every parsed message.
func (e *Engine) onMessage(m *sip.Msg, rcv *sip.RecvInfo) {
	// Count first, then look at stopping: Drain sets stopping before it
	// reads the count, so it either waits for this message or we drop it.
	e.inflight.Add(1)
	defer e.inflight.Add(-1)
	if e.slowAfter > 0 {
		defer e.timeMessage(time.Now(), m)
	}
	if m.IsRequest() {
		if e.stopping.Load() {
			return
		}
		e.onRequest(m)
		return
	}
	e.onReply(m)
}

func (e *Engine) onRequest(m *sip.Msg) {
	t := e.acquire(api.RequestRoute, m)
	defer e.release(t)
	defer e.recoverPanic(m)
	t.Ctx.Req = m
	e.stats.rcvRequests.Inc()
	for _, f := range e.filters {
		if !f.FilterRequest(&t.Ctx) {
			return
		}
	}
	// A filter may have run a route of its own (pike's check_route) that
	// dropped: that drop was its answer, not the request route's.
	t.drop = false
	if r := t.prog.Route(ast.RouteRequest, ""); r != nil {
		t.RunRoute(r)
		if t.drop {
			e.stats.dropRequests.Inc()
		}
	}
}

func (e *Engine) onReply(m *sip.Msg) {
	t := e.acquire(api.OnReplyRoute, m)
	defer e.release(t)
	defer e.recoverPanic(m)
	t.Ctx.Reply = m
	e.stats.rcvReplies.Inc()
	if r := t.prog.Route(ast.RouteOnReply, ""); r != nil {
		t.RunRoute(r)
		if t.drop {
			e.stats.dropReplies.Inc()
			return
		}
	}
	for _, rr := range e.replyRcv {
		if rr.ReceiveReply(&t.Ctx) {
			return
		}
	}
	e.forwardReplyStateless(m)
}

// forwardReplyStateless relays a reply no transaction claimed: our Via is
// removed and the reply goes to the next Via (RFC 3261 §16.7 / stateless).
func (e *Engine) forwardReplyStateless(m *sip.Msg) {
	v, err := m.TopVia()
	if err != nil {
		e.stats.errReplies.Inc()
		e.log.Debug("dropping reply with a bad Via", "err", err)
		return
	}
	if !e.IsMyself(v.Host, v.Port) {
		e.log.Debug("dropping reply: top Via is not ours", "via", v.Host)
		return
	}
	if err := m.RemoveTopVia(); err != nil {
		e.log.Debug("dropping reply: cannot remove our Via", "err", err)
		return
	}
	m.ApplyChanges()
	d, err := sip.ReplyDest(m)
	if err != nil {
		e.log.Debug("dropping reply: no destination", "err", err)
		return
	}
	if err := e.tr.Send(d, m.Bytes()); err != nil {
		e.stats.dropReplies.Inc()
		e.log.Warn("stateless reply forward failed", "err", err)
		return
	}
	e.stats.fwdReplies.Inc()
}

// onError handles a message that does not parse: error_route runs when the
// script has one, else a request gets 400 when enough of it is readable.
func (e *Engine) onError(raw []byte, partial *sip.Msg, rcv *sip.RecvInfo, perr error) {
	e.inflight.Add(1)
	defer e.inflight.Add(-1)
	if e.stopping.Load() {
		return
	}
	if ok, suppressed := e.badLog.Allow(time.Now()); ok {
		if suppressed > 0 {
			e.log.Warn("malformed SIP messages not logged", "count", suppressed, "window", badLogWindow.String())
		}
		e.log.Warn("malformed SIP message", "src", rcv.Src.String(), "err", perr)
	}
	e.stats.badMsgHdr.Inc()
	if strings.Contains(perr.Error(), "uri") {
		e.stats.badURIs.Inc()
	}
	if partial != nil && !partial.IsRequest() {
		e.stats.errReplies.Inc()
		return
	}
	e.stats.errRequests.Inc()
	if partial == nil || !partial.CanReply() {
		return
	}
	code, reason := 400, "Bad Request"
	if errors.Is(perr, sip.ErrBadVersion) {
		code, reason = 505, "Version Not Supported"
	}
	if r := e.Program().Route(ast.RouteError, ""); r != nil {
		t := e.acquire(api.ErrorRoute, partial)
		t.Ctx.Req = partial
		t.Ctx.Err = &api.ErrInfo{Class: 1, Level: 1, Info: perr.Error(), RCode: code, RReply: reason}
		func() {
			defer e.recoverPanic(partial)
			t.RunRoute(r)
		}()
		e.release(t)
		return
	}
	b := sip.AppendReply(nil, partial, &sip.ReplySpec{Code: code, Reason: reason, ToTag: localTag(partial), Server: e.serverHdr})
	if err := e.tr.SendReply(partial, b); err != nil {
		e.log.Debug("cannot send 400", "err", err)
	}
}

// localTag derives a stable To-tag for local replies to a request.
func localTag(m *sip.Msg) string {
	h := uint64(14695981039346656037)
	for _, s := range []string{m.CallID(), m.FromTag()} {
		for i := 0; i < len(s); i++ {
			h ^= uint64(s[i])
			h *= 1099511628211
		}
	}
	return strconv.FormatUint(h, 36)
}

func (e *Engine) recoverPanic(m *sip.Msg) {
	if r := recover(); r != nil {
		callid := ""
		if m != nil {
			callid = m.CallID()
		}
		e.log.Error("panic while processing a message", "panic", fmt.Sprint(r), "callid", callid,
			"stack", string(debug.Stack()))
	}
}

// ---- api.Core

// Send implements api.Core.
func (e *Engine) Send(dst sip.Dest, b []byte) error { return e.tr.Send(dst, b) }

// Resolve implements api.Core.
func (e *Engine) Resolve(ctx context.Context, uri string, forced *sip.Socket) (sip.Dest, error) {
	u, err := sip.ParseURI(uri)
	if err != nil {
		return sip.Dest{}, err
	}
	tg, err := sip.TargetOf(&u)
	if err != nil {
		return sip.Dest{}, err
	}
	if ctx == nil {
		ctx = e.ctx
	}
	d, err := e.res.Resolve(ctx, tg)
	if err != nil {
		return d, err
	}
	d.Socket = forced
	return d, nil
}

// SendReply implements api.Core.
func (e *Engine) SendReply(req *sip.Msg, reply []byte) error { return e.tr.SendReply(req, reply) }

// OutSocket implements api.Core.
func (e *Engine) OutSocket(d sip.Dest) *sip.Socket {
	if d.Socket != nil || e.tr == nil {
		return d.Socket
	}
	s, err := e.tr.PickSocket(d)
	if err != nil {
		return nil
	}
	return s
}

// IsMyself implements api.Core.
func (e *Engine) IsMyself(host string, port int) bool {
	host = strings.Trim(strings.ToLower(host), "[]")
	if e.tr != nil {
		if e.tr.IsLocal(host, port) {
			return true
		}
		// A wildcard socket answers on every local address.
		for _, s := range e.tr.Sockets() {
			if port != 0 && port != s.Port && port != s.AdvertisedPort() {
				continue
			}
			if s.IP == "0.0.0.0" || s.IP == "*" || s.IP == "::" {
				if a, err := netip.ParseAddr(host); err == nil && (a.IsLoopback() || isLocalAddr(a)) {
					return true
				}
			}
		}
	}
	for _, a := range e.aliases {
		if strings.EqualFold(host, a.host) && (port == 0 || a.port == 0 || port == a.port) {
			return true
		}
	}
	return false
}

// RunRoute implements api.Core.
func (e *Engine) RunRoute(c *api.Ctx, kind api.RouteType, name string) (api.Ret, bool) {
	t, ok := c.Priv.(*Thread)
	if !ok {
		return 0, false
	}
	r := t.prog.Route(routeKindOf(kind), name)
	if r == nil {
		return 0, false
	}
	saved := t.Ctx.RouteType
	t.Ctx.RouteType = kind
	defer func() { t.Ctx.RouteType = saved }()
	defer e.recoverPanic(c.Msg)
	t.drop = false
	ret := t.RunRoute(r)
	if t.drop {
		return 0, true
	}
	return ret, true
}

// NewCtx implements api.Core.
func (e *Engine) NewCtx(ctx context.Context, kind api.RouteType, msg *sip.Msg) *api.Ctx {
	t := e.acquire(kind, msg)
	if ctx != nil {
		t.Ctx.Context = ctx
	}
	return &t.Ctx
}

// ReleaseCtx implements api.Core.
func (e *Engine) ReleaseCtx(c *api.Ctx) {
	if t, ok := c.Priv.(*Thread); ok {
		e.release(t)
	}
}

// Dropped reports whether the last route run on c executed drop.
func Dropped(c *api.Ctx) bool {
	if t, ok := c.Priv.(*Thread); ok {
		return t.drop
	}
	return false
}

// MsgFlagBit gives pv the bit of a message flag name.
func (e *Engine) MsgFlagBit(name string) (int, bool) {
	b, ok := e.Program().script.MsgFlags.names[name]
	return b, ok
}

// BranchFlagBit gives pv the bit of a branch flag name.
func (e *Engine) BranchFlagBit(name string) (int, bool) {
	b, ok := e.Program().script.BrFlags.names[name]
	return b, ok
}

// FindSocket returns the listening socket matching proto, host and port
// (port 0 = any), or nil.
func (e *Engine) FindSocket(proto sip.Proto, host string, port int) *sip.Socket {
	if e.tr == nil {
		return nil
	}
	return e.tr.FindSocket(proto, host, port)
}

// MsgFlagName implements api.Core.
func (e *Engine) MsgFlagName(bit int) string { return e.Program().script.MsgFlags.Name(bit) }

// BranchFlagName implements api.Core.
func (e *Engine) BranchFlagName(bit int) string { return e.Program().script.BrFlags.Name(bit) }

// Module implements api.Core.
func (e *Engine) Module(name string) api.Module {
	if m := e.script.Module(name); m != nil {
		return m.Inst
	}
	return nil
}

// ServerHeader implements api.Core.
func (e *Engine) ServerHeader() string { return e.serverHdr }

// UserAgentHeader implements api.UserAgenter.
func (e *Engine) UserAgentHeader() string { return e.uaHdr }

// Uptime is how long the engine has been running.
func (e *Engine) Uptime() time.Duration { return time.Since(e.started) }

// localAddrs are the machine's interface addresses, for IsMyself on
// wildcard sockets.
var localAddrs = sync.OnceValue(func() []netip.Addr {
	var out []netip.Addr
	addrs, err := net.InterfaceAddrs()
	if err != nil {
		return nil
	}
	for _, a := range addrs {
		if p, err := netip.ParsePrefix(a.String()); err == nil {
			out = append(out, p.Addr().Unmap())
		}
	}
	return out
})

func isLocalAddr(a netip.Addr) bool {
	a = a.Unmap()
	for _, l := range localAddrs() {
		if l == a {
			return true
		}
	}
	return false
}
