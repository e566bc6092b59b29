package sip

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"os"
	"sync"
	"sync/atomic"
	"time"
)

// Config configures a Transport.
type Config struct {
	// OnMessage is called for every parsed message, on the goroutine that
	// read it (a UDP worker or the TCP connection reader). It may block:
	// that worker then reads nothing else, as in OpenSIPS.
	OnMessage func(m *Msg, rcv *RecvInfo)
	// OnError is called for a message that could not be parsed. partial is
	// nil or what was understood (partial.CanReply tells whether a 400 can
	// be sent). A nil OnError logs and drops.
	OnError func(raw []byte, partial *Msg, rcv *RecvInfo, err error)
	Logger  *slog.Logger
	// UDPWorkers is the number of reader goroutines per UDP socket when
	// the socket does not say (udp_workers; default 8).
	UDPWorkers int
	// TCPLifetime closes stream connections idle (nothing read or
	// written) for that long (default 120s, tcp_connection_lifetime).
	TCPLifetime time.Duration
	// TCPConnectTimeout bounds outgoing connects (default 5s; OpenSIPS'
	// tcp_connect_timeout is given in ms).
	TCPConnectTimeout time.Duration
	// TCPMaxConns is the most accepted stream connections open at once;
	// more are closed as soon as accepted (tcp_max_connections, default
	// 2048; negative: no limit). Dialled connections are not counted.
	TCPMaxConns int
	// TCPMaxMsgTime is how long one message may take to arrive once its
	// first byte has (tcp_max_msg_time, default 4s): a sender trickling
	// bytes cannot hold the connection open longer.
	TCPMaxMsgTime time.Duration
	// TCPKeepalive enables TCP keepalive probes (tcp_keepalive); zero
	// TCPKeepIdle, TCPKeepInterval and TCPKeepCount keep the OS defaults.
	TCPKeepalive                 bool
	TCPKeepIdle, TCPKeepInterval time.Duration
	TCPKeepCount                 int
	// TCPAcceptAliases honours a Via ";alias" (RFC 5923): requests to the
	// sender's address and Via port reuse its connection
	// (tcp_accept_aliases).
	TCPAcceptAliases bool
	// UDPMTU and UDPMTUTryProto: a request larger than UDPMTU bytes
	// that would go out over UDP goes over UDPMTUTryProto instead, its
	// top Via rewritten (RFC 3261 §18.1.1; udp_mtu, udp_mtu_try_proto).
	// 0 or ProtoNone: off.
	UDPMTU         int
	UDPMTUTryProto Proto
	// TLS provides the configuration of tls sockets and outgoing tls
	// connections; without it tls sockets cannot be bound.
	TLS TLSConfigs
	// TLSHandshakeTimeout bounds a TLS handshake (default 10s).
	TLSHandshakeTimeout time.Duration
	// UDPPoller makes UDP workers read through Go's netpoller instead of
	// blocking recvfrom calls on their own threads (the Linux default).
	UDPPoller bool
	// WriteTimeout bounds a blocked stream write (default 10s).
	WriteTimeout time.Duration
	// Mhomed picks the outgoing UDP socket by asking the kernel which
	// local address reaches the destination (OpenSIPS mhomed=yes).
	Mhomed bool
	// TCPWorkers is the number of goroutines running OnMessage for
	// stream messages (default 8). Connection readers only frame and hand
	// over, so a handler that blocks (waiting for a transaction) does not
	// stop its connection from delivering the CANCEL or ACK that follows.
	TCPWorkers int
	// Record makes a transport that opens no socket: Listen only declares
	// the socket, and every message Send would write is handed to Record
	// with the socket it would leave from (gosips trace).
	Record func(from *Socket, d Dest, b []byte)
}

// Transport owns the listening sockets and the stream connections. It is
// safe for concurrent use.
type Transport struct {
	cfg Config
	log *slog.Logger

	mu        sync.RWMutex
	listeners []*listener
	conns     map[connKey]*tcpConn // by protocol and remote address or alias
	connByID  map[uint64]*tcpConn
	hooks     map[Proto]StreamHook
	wsOpts    map[Proto]WSOptions // see EnableWS
	closed    bool

	accepted    atomic.Int64  // open accepted stream connections
	refused     atomic.Uint64 // closed at accept: tcp_max_connections reached
	janitorOnce sync.Once
	acceptLog   LogLimit
	refuseLog   LogLimit
	slowLog     LogLimit

	nextConnID atomic.Uint64
	wg         sync.WaitGroup // readers and accept loops
	tcpq       chan tcpJob    // framed stream messages for the workers
	tcpOnce    sync.Once
	workers    sync.WaitGroup
	ctx        context.Context
	cancel     context.CancelFunc
}

// listener is one bound socket.
type listener struct {
	sock  Socket // Port filled in when bound to port 0
	local netip.AddrPort
	udp   *net.UDPConn
	tcp   *net.TCPListener
	// tlsConf is the server configuration of a tls socket.
	tlsConf *tls.Config
	dup     *os.File // blocking duplicate of udp used by blocking readers
	// raw is the duplicate's descriptor for direct sendto (see sendRaw);
	// written under Transport.mu, valid until Close takes that lock.
	raw rawSock
}

// udpReadBuffer is the receive buffer asked for on UDP sockets.
const udpReadBuffer = 4 << 20

// ErrClosed is returned by operations on a closed Transport.
var ErrClosed = errors.New("transport closed")

// ErrNoSocket is returned when no listening socket can send to a
// destination.
var ErrNoSocket = errors.New("no suitable socket")

// NewTransport returns a Transport without sockets; call Listen for each.
func NewTransport(cfg Config) *Transport {
	if cfg.UDPWorkers <= 0 {
		cfg.UDPWorkers = 8
	}
	if cfg.TCPLifetime <= 0 {
		cfg.TCPLifetime = 120 * time.Second
	}
	if cfg.TCPConnectTimeout <= 0 {
		cfg.TCPConnectTimeout = 5 * time.Second
	}
	if cfg.WriteTimeout <= 0 {
		cfg.WriteTimeout = 10 * time.Second
	}
	if cfg.TCPWorkers <= 0 {
		cfg.TCPWorkers = 8
	}
	if cfg.TCPMaxConns == 0 {
		cfg.TCPMaxConns = 2048
	}
	if cfg.TCPMaxMsgTime <= 0 {
		cfg.TCPMaxMsgTime = 4 * time.Second
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	ctx, cancel := context.WithCancel(context.Background())
	return &Transport{
		cfg:      cfg,
		log:      cfg.Logger,
		conns:    make(map[connKey]*tcpConn),
		connByID: make(map[uint64]*tcpConn),
		tcpq:     make(chan tcpJob, 256),
		ctx:      ctx,
		cancel:   cancel,
	}
}

// Listen binds a socket and starts its readers. It returns the socket as
// bound (with the real port when s.Port was 0).
func (t *Transport) Listen(s Socket) (*Socket, error) {
	t.mu.Lock()
	closed := t.closed
	t.mu.Unlock()
	if closed {
		return nil, ErrClosed
	}
	ip, err := listenIP(s.IP)
	if err != nil {
		return nil, fmt.Errorf("listen %s: %w", s, err)
	}
	addr := net.JoinHostPort(ip, itoa(s.Port))
	l := &listener{sock: s}
	if t.cfg.Record != nil {
		return t.declare(l, addr)
	}
	switch s.Proto {
	case ProtoUDP:
		ua, err := net.ResolveUDPAddr("udp", addr)
		if err != nil {
			return nil, fmt.Errorf("listen %s: %w", s, err)
		}
		c, err := net.ListenUDP("udp", ua)
		if err != nil {
			return nil, fmt.Errorf("listen %s: %w", s, err)
		}
		// A larger receive buffer absorbs bursts while a worker is busy
		// (the kernel caps it at net.core.rmem_max).
		_ = c.SetReadBuffer(udpReadBuffer)
		l.udp = c
		l.local = c.LocalAddr().(*net.UDPAddr).AddrPort()
	case ProtoTCP, ProtoTLS, ProtoWS, ProtoWSS:
		if s.Proto == ProtoTLS || s.Proto == ProtoWSS && t.isStream(s.Proto) {
			// wss asks again per connection (tls_reload); this checks a
			// server domain matches.
			if l.tlsConf, err = t.tlsServerConfig(&s); err != nil {
				return nil, fmt.Errorf("listen %s: %w", s, err)
			}
		} else if !t.isStream(s.Proto) {
			return nil, fmt.Errorf("listen %s: protocol %s not supported", s, s.Proto)
		}
		ta, err := net.ResolveTCPAddr("tcp", addr)
		if err != nil {
			return nil, fmt.Errorf("listen %s: %w", s, err)
		}
		c, err := net.ListenTCP("tcp", ta)
		if err != nil {
			return nil, fmt.Errorf("listen %s: %w", s, err)
		}
		l.tcp = c
		l.local = c.Addr().(*net.TCPAddr).AddrPort()
	default:
		return nil, fmt.Errorf("listen %s: protocol %s not supported", s, s.Proto)
	}
	l.sock.Port = int(l.local.Port())
	t.mu.Lock()
	t.listeners = append(t.listeners, l)
	t.mu.Unlock()
	switch {
	case l.udp != nil:
		n := s.Workers
		if n <= 0 {
			n = t.cfg.UDPWorkers
		}
		if !t.cfg.UDPPoller && t.startBlockingReaders(l, n) {
			break
		}
		for range n {
			t.wg.Add(1)
			go t.udpReader(l)
		}
	case l.tcp != nil:
		t.wg.Add(1)
		go t.tcpAccept(l)
	}
	t.log.Debug("listening", "socket", l.sock.String())
	return &l.sock, nil
}

// declare adds a listener that is never bound (a recording transport).
func (t *Transport) declare(l *listener, addr string) (*Socket, error) {
	ap, err := netip.ParseAddrPort(addr)
	if err != nil {
		ua, rerr := net.ResolveUDPAddr("udp", addr)
		if rerr != nil {
			return nil, fmt.Errorf("listen %s: %w", l.sock, rerr)
		}
		ap = ua.AddrPort()
	}
	if ap.Port() == 0 {
		ap = netip.AddrPortFrom(ap.Addr(), uint16(l.sock.Proto.DefaultPort()))
	}
	l.local = ap
	l.sock.Port = int(ap.Port())
	t.mu.Lock()
	t.listeners = append(t.listeners, l)
	t.mu.Unlock()
	return &l.sock, nil
}

// Sockets returns the bound sockets in Listen order.
func (t *Transport) Sockets() []*Socket {
	t.mu.RLock()
	defer t.mu.RUnlock()
	out := make([]*Socket, len(t.listeners))
	for i, l := range t.listeners {
		out[i] = &l.sock
	}
	return out
}

// FindSocket returns the bound socket matching proto, ip and port (port 0
// matches any), or nil. It backs force_send_socket and is_myself.
func (t *Transport) FindSocket(proto Proto, ip string, port int) *Socket {
	t.mu.RLock()
	defer t.mu.RUnlock()
	want, werr := netip.ParseAddr(ip)
	for _, l := range t.listeners {
		if l.sock.Proto != proto || (port != 0 && l.sock.Port != port) {
			continue
		}
		if l.sock.IP == ip || l.sock.AdvHost == ip || (werr == nil && l.local.Addr().Unmap() == want.Unmap()) {
			return &l.sock
		}
	}
	return nil
}

// IsLocal reports whether host (an IP, or a name used in a socket
// definition or its "as" address) and port (0 = any) name one of our
// sockets, for any protocol. Aliases are the caller's business.
func (t *Transport) IsLocal(host string, port int) bool {
	if len(host) > 1 && host[0] == '[' {
		host = host[1 : len(host)-1]
	}
	want, werr := netip.ParseAddr(host)
	t.mu.RLock()
	defer t.mu.RUnlock()
	for _, l := range t.listeners {
		s := &l.sock
		if port != 0 && s.Port != port && s.AdvertisedPort() != port {
			continue
		}
		if eqFoldASCII(s.IP, host) || eqFoldASCII(s.AdvHost, host) {
			return true
		}
		if werr == nil && l.local.Addr().Unmap() == want.Unmap() {
			return true
		}
	}
	return false
}

// PickSocket returns the socket Send would use for d, so that the caller
// can put its address in Via and Record-Route before sending.
func (t *Transport) PickSocket(d Dest) (*Socket, error) {
	if d.Proto == ProtoNone {
		d.Proto = ProtoUDP
	}
	if d.Proto.Reliable() && d.Socket == nil {
		t.mu.RLock()
		c := t.lookupConnLocked(d)
		t.mu.RUnlock()
		if c != nil {
			return &c.l.sock, nil
		}
	}
	l, err := t.pick(d)
	if err != nil {
		return nil, err
	}
	return &l.sock, nil
}

// TLSConfigs returns the TLS configuration provider (nil without tls_mgm).
func (t *Transport) TLSConfigs() TLSConfigs { return t.cfg.TLS }

// Context is cancelled when the Transport closes; per-message contexts
// derive from it.
func (t *Transport) Context() context.Context { return t.ctx }

// pick chooses the listener to send from: the forced socket, else the
// first one with the protocol and the destination's address family.
func (t *Transport) pick(d Dest) (*listener, error) {
	t.mu.RLock()
	defer t.mu.RUnlock()
	return t.pickLocked(d)
}

// pickLocked is pick with t.mu held. It follows OpenSIPS'
// get_send_socket: a forced socket of another protocol is replaced by our
// socket of the right protocol on the same address and port (or ignored
// when there is none), a forced socket of another address family is
// ignored; with mhomed, UDP goes out of the socket on the address the
// kernel would use to reach the destination; else the first socket of the
// protocol and address family.
func (t *Transport) pickLocked(d Dest) (*listener, error) {
	if t.closed {
		return nil, ErrClosed
	}
	v4 := d.Addr.Addr().Unmap().Is4()
	if d.Socket != nil {
		var forced *listener
		for _, l := range t.listeners {
			if &l.sock == d.Socket || (l.sock.Proto == d.Socket.Proto && l.sock.Port == d.Socket.Port &&
				(l.sock.IP == d.Socket.IP)) {
				forced = l
				break
			}
		}
		if forced == nil {
			return nil, fmt.Errorf("forced socket %s: %w", d.Socket, ErrNoSocket)
		}
		if forced.sock.Proto != d.Proto {
			forced = t.sameAddrLocked(forced, d.Proto)
		}
		switch {
		case forced == nil:
			t.log.Debug("forced socket has another protocol", "socket", d.Socket.String(), "dest", d.String())
		case d.Addr.IsValid() && !familyOK(forced.local.Addr(), v4):
			t.log.Debug("forced socket has another address family", "socket", d.Socket.String(), "dest", d.String())
		default:
			return forced, nil
		}
	}
	if t.cfg.Mhomed && t.cfg.Record == nil && d.Proto == ProtoUDP && d.Addr.IsValid() {
		if l := t.routedLocked(d.Addr); l != nil {
			return l, nil
		}
	}
	var fallback *listener
	for _, l := range t.listeners {
		if l.sock.Proto != d.Proto {
			continue
		}
		if familyOK(l.local.Addr(), v4) {
			return l, nil
		}
		if fallback == nil {
			fallback = l
		}
	}
	if fallback != nil {
		return fallback, nil
	}
	return nil, fmt.Errorf("%s: %w", d, ErrNoSocket)
}

// familyOK reports whether a socket bound to la can send to an IPv4 (v4)
// or IPv6 destination.
func familyOK(la netip.Addr, v4 bool) bool {
	return la.Unmap().Is4() == v4 || (la.IsUnspecified() && la.Is6())
}

// sameAddrLocked returns our socket of protocol p bound to l's address
// and port, or nil.
func (t *Transport) sameAddrLocked(l *listener, p Proto) *listener {
	for _, o := range t.listeners {
		if o.sock.Proto == p && o.local.Addr().Unmap() == l.local.Addr().Unmap() && o.local.Port() == l.local.Port() {
			return o
		}
	}
	return nil
}

// routedLocked returns the UDP socket on the source address the kernel
// picks to reach dst (a connected UDP socket's local address, as
// OpenSIPS' mhomed does), or nil.
func (t *Transport) routedLocked(dst netip.AddrPort) *listener {
	src, err := routeSource(dst)
	if err != nil {
		t.log.Debug("mhomed: no route", "dest", dst.String(), "err", err)
		return nil
	}
	for _, l := range t.listeners {
		if l.sock.Proto == ProtoUDP && l.local.Addr().Unmap() == src {
			return l
		}
	}
	t.log.Debug("mhomed: outbound address is not a listener", "dest", dst.String(), "src", src.String())
	return nil
}

// routeSource asks the kernel which local address it would send from to
// reach dst: connecting a UDP socket sends nothing and binds the source.
func routeSource(dst netip.AddrPort) (netip.Addr, error) {
	c, err := net.DialUDP("udp", nil, net.UDPAddrFromAddrPort(dst))
	if err != nil {
		return netip.Addr{}, err
	}
	defer c.Close()
	return c.LocalAddr().(*net.UDPAddr).AddrPort().Addr().Unmap(), nil
}

// Send writes one message to d.
func (t *Transport) Send(d Dest, b []byte) error {
	if d.Proto == ProtoNone {
		d.Proto = ProtoUDP
	}
	if d.Proto == ProtoUDP && t.cfg.UDPMTU > 0 && len(b) > t.cfg.UDPMTU && t.cfg.UDPMTUTryProto.Reliable() &&
		!bytes.HasPrefix(b, []byte("SIP/")) {
		if nb, nd, err := t.overMTU(d, b); err == nil {
			b, d = nb, nd
		} else {
			t.log.Debug("udp_mtu: staying on udp", "dest", d.String(), "err", err)
		}
	}
	if t.cfg.Record != nil {
		l, err := t.pick(d)
		if err != nil {
			return err
		}
		t.cfg.Record(&l.sock, d, b)
		return nil
	}
	switch d.Proto {
	case ProtoUDP:
		// The direct send runs under the read lock: Close takes the write
		// lock before the descriptor can be closed and its number reused.
		t.mu.RLock()
		l, err := t.pickLocked(d)
		if err != nil {
			t.mu.RUnlock()
			return err
		}
		sent, err := l.raw.send(b, d.Addr)
		t.mu.RUnlock()
		if sent {
			if err != nil {
				return fmt.Errorf("send to %s: %w", d, err)
			}
			return nil
		}
		if _, err := l.udp.WriteToUDPAddrPort(b, d.Addr); err != nil {
			return fmt.Errorf("send to %s: %w", d, err)
		}
		return nil
	case ProtoTCP, ProtoTLS, ProtoWS, ProtoWSS:
		c, err := t.streamConn(d)
		if err != nil {
			return err
		}
		return c.write(b, t.cfg.WriteTimeout)
	}
	return fmt.Errorf("send to %s: protocol not supported", d)
}

// overMTU moves a request too large for udp_mtu to the udp_mtu_try_proto
// transport: our top Via gets that transport and the sent-by of the
// socket it leaves from.
func (t *Transport) overMTU(d Dest, b []byte) ([]byte, Dest, error) {
	nd := Dest{Proto: t.cfg.UDPMTUTryProto, Addr: d.Addr}
	if d.Socket != nil {
		// A forced UDP socket becomes ours of the new protocol on the same
		// address, as get_send_socket does.
		nd.Socket = d.Socket
	}
	sock, err := t.PickSocket(nd)
	if err != nil {
		return nil, d, err
	}
	m, err := Parse(b)
	if err != nil {
		return nil, d, err
	}
	v, err := m.TopVia()
	if err != nil {
		return nil, d, err
	}
	via := make([]byte, 0, 64+len(v.Params))
	via = append(via, "SIP/2.0/"...)
	via = append(via, t.cfg.UDPMTUTryProto.ViaName()...)
	via = append(via, ' ')
	via = appendHost(via, sock.AdvertisedHost())
	if p := sock.AdvertisedPort(); p != 0 {
		via = append(via, ':')
		via = append(via, itoa(p)...)
	}
	if v.Params != "" {
		via = append(via, ';')
		via = append(via, v.Params...)
	}
	out := make([]byte, 0, len(b)+8)
	out = append(out, b[:v.Start]...)
	out = append(out, via...)
	out = append(out, b[v.End:]...)
	nd.Socket = sock
	return out, nd, nil
}

// ReplyDest computes where a reply to req goes (RFC 3261 §18.2.2, RFC
// 3581): on streams, back over the request's connection; on UDP to the
// source address when the request came with rport, else to the received
// address (or sent-by host) and the Via port. Given a reply being relayed
// upstream (its own Via removed), it uses that reply's top Via alone:
// received, rport, sent-by.
func ReplyDest(req *Msg) (Dest, error) {
	v, err := req.TopVia()
	rcv := req.Recv()
	if err != nil {
		// A request whose Via does not parse is answered (400) where it
		// came from.
		if req.IsRequest() && rcv != nil && rcv.Src.IsValid() {
			return Dest{Proto: rcv.Proto, Socket: rcv.Socket, ConnID: rcv.ConnID(), Addr: rcv.Src}, nil
		}
		return Dest{}, err
	}
	if !req.IsRequest() {
		rcv = nil // where the reply came from is not where it goes
	}
	d := Dest{Proto: ParseProto(v.Transport)}
	if rcv != nil {
		d.Proto = rcv.Proto
		d.Socket = rcv.Socket
		d.ConnID = rcv.ConnID()
		if rcv.Src.IsValid() && (d.Proto.Reliable() || v.HasRPort) {
			d.Addr = rcv.Src
			return d, nil
		}
	}
	port := v.Port
	if v.RPort != "" {
		if p, ok := atoiSpan(v.RPort); ok && p > 0 && p < 65536 {
			port = p
		}
	}
	if port == 0 {
		port = d.Proto.DefaultPort()
	}
	// The source address is what "received" holds (or would hold).
	var a netip.Addr
	switch {
	case rcv != nil && rcv.Src.IsValid():
		a = rcv.Src.Addr()
	case v.Received != "":
		var ok bool
		if a, ok = parseIP(v.Received); !ok {
			return d, fmt.Errorf("reply destination: received %q is not an ip address", v.Received)
		}
	default:
		var ok bool
		if a, ok = parseIP(v.Host); !ok {
			return d, fmt.Errorf("reply destination %q: not an ip address", v.Host)
		}
	}
	d.Addr = netip.AddrPortFrom(a, uint16(port))
	return d, nil
}

// SendReply sends a reply to req (see ReplyDest). When the stream
// connection the request came on is gone, it connects to the source
// address and the Via port instead (RFC 3261 §18.2.2).
func (t *Transport) SendReply(req *Msg, reply []byte) error {
	d, err := ReplyDest(req)
	if err != nil {
		return err
	}
	if d.Proto.Reliable() && d.ConnID != 0 {
		t.mu.RLock()
		_, alive := t.connByID[d.ConnID]
		t.mu.RUnlock()
		if !alive {
			v, _ := req.TopVia()
			port := v.Port
			if port == 0 {
				port = d.Proto.DefaultPort()
			}
			d.Addr = netip.AddrPortFrom(d.Addr.Addr(), uint16(port))
			d.ConnID = 0
		}
	}
	return t.Send(d, reply)
}

// Close stops the readers, closes sockets and connections, and waits for
// the reader goroutines (handlers in progress finish first).
func (t *Transport) Close() error {
	t.mu.Lock()
	if t.closed {
		t.mu.Unlock()
		return nil
	}
	t.closed = true
	t.cancel()
	var errs []error
	for _, l := range t.listeners {
		if l.udp != nil {
			wakeBlockingReaders(l)
			errs = append(errs, l.udp.Close())
		}
		if l.tcp != nil {
			errs = append(errs, l.tcp.Close())
		}
	}
	conns := make([]*tcpConn, 0, len(t.connByID))
	for _, c := range t.connByID {
		conns = append(conns, c)
	}
	t.mu.Unlock()
	for _, c := range conns {
		c.close()
	}
	t.wg.Wait()
	for _, l := range t.listeners {
		if l.dup != nil {
			errs = append(errs, l.dup.Close())
		}
	}
	// Readers are gone: nothing sends on tcpq any more.
	close(t.tcpq)
	t.workers.Wait()
	return errors.Join(errs...)
}

func (t *Transport) reportError(raw []byte, partial *Msg, rcv *RecvInfo, err error) {
	if t.cfg.OnError != nil {
		t.cfg.OnError(raw, partial, rcv, err)
		return
	}
	t.log.Debug("dropping malformed message", "src", rcv.Src.String(), "proto", rcv.Proto.String(), "err", err)
}

func itoa(n int) string {
	var b [20]byte
	i := len(b)
	if n == 0 {
		return "0"
	}
	neg := n < 0
	if neg {
		n = -n
	}
	for n > 0 {
		i--
		b[i] = byte('0' + n%10)
		n /= 10
	}
	if neg {
		i--
		b[i] = '-'
	}
	return string(b[i:])
}

// Sender is what the runtime and modules need to send: Transport
// implements it, siptest.Recorder records instead.
type Sender interface {
	Send(d Dest, b []byte) error
	SendReply(req *Msg, reply []byte) error
	PickSocket(d Dest) (*Socket, error)
}

var _ Sender = (*Transport)(nil)
