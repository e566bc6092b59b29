// Package eventstream delivers events of the event interface as JSON-RPC
// 2.0 over TCP (OpenSIPS' event_stream): subscribers are
// "tcp:host:port[/method]". Each destination has one connection, kept
// open and written by its own goroutine, so raising never waits for the
// network.
package eventstream

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"gosips/api"
)

func init() {
	api.Register(api.ModuleInfo{Name: "event_stream", Doc: "event interface as JSON-RPC over TCP",
		New: func() api.Module { return &Module{Timeout: 1000} }})
}

// queueLen bounds the events waiting for one destination; beyond it new
// events are dropped and logged, as a full pipe drops them in OpenSIPS.
const queueLen = 1024

// Module is one instance of event_stream.
type Module struct {
	Reliable   int
	EventParam string
	Timeout    int // milliseconds

	log    *slog.Logger
	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup
	ids    atomic.Int64

	mu    sync.Mutex
	conns map[string]*dest
}

// Params are event_stream's parameters.
func (m *Module) Params() []api.Param {
	return []api.Param{
		api.IntParam("reliable_mode", &m.Reliable),
		api.StrParam("event_param", &m.EventParam),
		api.PositiveParam("timeout", &m.Timeout),
	}
}

// Funcs: event_stream exports no script function.
func (*Module) Funcs() []api.Func { return nil }

// Init registers the "tcp" transport.
func (m *Module) Init(ic *api.InitCtx) error {
	m.log = ic.Log
	m.conns = map[string]*dest{}
	m.ctx, m.cancel = context.WithCancel(context.Background())
	m.ids.Store(time.Now().UnixNano() & 0xffffff)
	if ic.Events == nil {
		return errors.New("no event interface")
	}
	return ic.Events.RegisterTransport(api.EventTransport{Proto: "tcp", Expires: true, Parse: m.parse})
}

// Close stops the senders and closes the connections.
func (m *Module) Close() error {
	if m.cancel != nil {
		m.cancel()
	}
	m.wg.Wait()
	return nil
}

// sock is one stream subscriber.
type sock struct {
	m      *Module
	host   string
	port   int
	method string
	addr   string // resolved ip:port
}

func (m *Module) parse(s string) (api.EventSocket, error) {
	i := strings.IndexByte(s, ':')
	if i <= 0 {
		return nil, fmt.Errorf("port not specified in %q", s)
	}
	host, rest := s[:i], s[i+1:]
	portStr, method, _ := strings.Cut(rest, "/")
	port, err := strconv.Atoi(portStr)
	if err != nil || port <= 0 || port > 65535 {
		return nil, fmt.Errorf("invalid port %q", portStr)
	}
	ta, err := net.ResolveTCPAddr("tcp", net.JoinHostPort(host, portStr))
	if err != nil {
		return nil, fmt.Errorf("cannot resolve %s: %w", host, err)
	}
	return &sock{m: m, host: host, port: port, method: method, addr: ta.String()}, nil
}

func (s *sock) Match(o api.EventSocket) bool {
	x, ok := o.(*sock)
	return ok && x.host == s.host && x.port == s.port && x.method == s.method
}

func (s *sock) String() string {
	out := s.host + ":" + strconv.Itoa(s.port)
	if s.method != "" {
		out += "/" + s.method
	}
	return out
}

// Raise queues the JSON-RPC request for the destination's sender.
func (s *sock) Raise(ev *api.Event, params api.EventParams) error {
	m := s.m
	method := ev.Name
	if s.method != "" {
		method = s.method
	}
	id := 0
	if m.Reliable != 0 {
		id = int(m.ids.Add(1) & 0x7fffffff)
	}
	extraVal := ""
	if m.EventParam != "" {
		extraVal = ev.Name
	}
	payload := api.EventJSON(method, id, params, m.EventParam, extraVal)
	d := m.dest(s.addr)
	select {
	case d.q <- payload:
		return nil
	default:
		m.log.Error("event queue full, event dropped", "event", ev.Name, "to", s.String())
		return errors.New("event queue full")
	}
}

// dest is one destination's connection and queue.
type dest struct {
	addr string
	q    chan []byte
}

func (m *Module) dest(addr string) *dest {
	m.mu.Lock()
	defer m.mu.Unlock()
	if d := m.conns[addr]; d != nil {
		return d
	}
	d := &dest{addr: addr, q: make(chan []byte, queueLen)}
	m.conns[addr] = d
	m.wg.Add(1)
	go m.send(d)
	return d
}

// send writes the queued events of d, connecting (again) when needed.
func (m *Module) send(d *dest) {
	defer m.wg.Done()
	timeout := time.Duration(m.Timeout) * time.Millisecond
	var conn net.Conn
	var dec *json.Decoder
	defer func() {
		if conn != nil {
			conn.Close()
		}
	}()
	for {
		var payload []byte
		select {
		case <-m.ctx.Done():
			return
		case payload = <-d.q:
		}
		for try := 0; try < 2; try++ {
			if conn == nil {
				c, err := (&net.Dialer{Timeout: timeout}).DialContext(m.ctx, "tcp", d.addr)
				if err != nil {
					m.log.Error("cannot connect to event subscriber", "to", d.addr, "err", err)
					break
				}
				conn, dec = c, json.NewDecoder(c)
			}
			conn.SetWriteDeadline(time.Now().Add(timeout))
			_, err := conn.Write(payload)
			if err == nil && m.Reliable != 0 {
				err = m.awaitReply(conn, dec, timeout)
			}
			if err == nil {
				break
			}
			m.log.Error("cannot send event", "to", d.addr, "err", err)
			conn.Close()
			conn = nil
		}
	}
}

// awaitReply reads the JSON-RPC reply of a reliable-mode request and
// logs an error reply.
func (m *Module) awaitReply(conn net.Conn, dec *json.Decoder, timeout time.Duration) error {
	conn.SetReadDeadline(time.Now().Add(timeout))
	var reply struct {
		ID    any             `json:"id"`
		Error json.RawMessage `json:"error"`
	}
	if err := dec.Decode(&reply); err != nil {
		return fmt.Errorf("reading reply: %w", err)
	}
	if len(reply.Error) > 0 && string(reply.Error) != "null" {
		m.log.Error("event subscriber answered with an error", "error", string(reply.Error))
	}
	return nil
}

var (
	_ api.Initer = (*Module)(nil)
	_ api.Closer = (*Module)(nil)
)
