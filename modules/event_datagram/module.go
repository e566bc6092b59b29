// Package eventdatagram delivers events of the event interface as
// JSON-RPC 2.0 notifications in UDP or Unix datagrams (OpenSIPS'
// event_datagram): subscribers are "udp:host:port" and "unix:/path".
package eventdatagram

import (
	"errors"
	"fmt"
	"log/slog"
	"net"
	"strconv"
	"strings"
	"sync"

	"gosips/api"
)

func init() {
	api.Register(api.ModuleInfo{Name: "event_datagram", Doc: "event interface over UDP and Unix datagrams",
		New: func() api.Module { return &Module{} }})
}

// Module is one instance of event_datagram.
type Module struct {
	log *slog.Logger

	mu  sync.Mutex
	udp *net.UDPConn // unbound sender, opened on first use
}

// Params: event_datagram has none.
func (*Module) Params() []api.Param { return nil }

// Funcs: event_datagram exports no script function.
func (*Module) Funcs() []api.Func { return nil }

// Init registers the "udp" and "unix" transports.
func (m *Module) Init(ic *api.InitCtx) error {
	m.log = ic.Log
	if ic.Events == nil {
		return errors.New("no event interface")
	}
	if err := ic.Events.RegisterTransport(api.EventTransport{Proto: "udp", Expires: true, Parse: m.parseUDP}); err != nil {
		return err
	}
	return ic.Events.RegisterTransport(api.EventTransport{Proto: "unix", Expires: true, Parse: m.parseUnix})
}

// Close releases the sending socket.
func (m *Module) Close() error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.udp != nil {
		err := m.udp.Close()
		m.udp = nil
		return err
	}
	return nil
}

// sock is one datagram subscriber.
type sock struct {
	m    *Module
	unix bool
	host string // as written (the address or the path)
	port int
	addr *net.UDPAddr
}

func (m *Module) parseUDP(s string) (api.EventSocket, error) {
	i := strings.LastIndexByte(s, ':')
	if i <= 0 {
		return nil, fmt.Errorf("invalid udp socket %q (host:port expected)", s)
	}
	port, err := strconv.Atoi(s[i+1:])
	if err != nil || port <= 0 || port > 65535 {
		return nil, fmt.Errorf("invalid port %q", s[i+1:])
	}
	host := s[:i]
	ua, err := net.ResolveUDPAddr("udp4", net.JoinHostPort(host, strconv.Itoa(port)))
	if err != nil {
		return nil, fmt.Errorf("cannot resolve %s: %w", host, err)
	}
	return &sock{m: m, host: host, port: port, addr: ua}, nil
}

func (m *Module) parseUnix(s string) (api.EventSocket, error) {
	if s == "" {
		return nil, errors.New("empty unix socket path")
	}
	return &sock{m: m, unix: true, host: s}, nil
}

func (s *sock) Match(o api.EventSocket) bool {
	x, ok := o.(*sock)
	return ok && x.unix == s.unix && x.port == s.port && x.host == s.host
}

func (s *sock) String() string {
	if s.unix {
		return s.host
	}
	return s.host + ":" + strconv.Itoa(s.port)
}

// Raise sends one notification; a datagram never blocks for long.
func (s *sock) Raise(ev *api.Event, params api.EventParams) error {
	payload := api.EventJSON(ev.Name, 0, params, "", "")
	var err error
	if s.unix {
		var c *net.UnixConn
		c, err = net.DialUnix("unixgram", nil, &net.UnixAddr{Name: s.host, Net: "unixgram"})
		if err == nil {
			_, err = c.Write(payload)
			c.Close()
		}
	} else {
		var c *net.UDPConn
		c, err = s.m.conn()
		if err == nil {
			_, err = c.WriteToUDP(payload, s.addr)
		}
	}
	if err != nil && s.m.log != nil {
		s.m.log.Error("cannot send event", "event", ev.Name, "to", s.String(), "err", err)
	}
	return err
}

func (m *Module) conn() (*net.UDPConn, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.udp == nil {
		c, err := net.ListenUDP("udp4", nil)
		if err != nil {
			return nil, err
		}
		m.udp = c
	}
	return m.udp, nil
}

var (
	_ api.Initer = (*Module)(nil)
	_ api.Closer = (*Module)(nil)
)
