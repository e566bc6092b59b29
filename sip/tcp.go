package sip

import (
	"bytes"
	"cmp"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"net/netip"
	"slices"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

// tcpConn is one stream connection, accepted or dialled, of any protocol
// carried over TCP (tcp, and tls, ws, wss through a StreamHook). On plain
// byte streams messages are framed by Content-Length (RFC 3261 §18.3); CRLF
// keepalives are skipped and a double-CRLF ping gets a CRLF pong (RFC 5626
// §3.5.1).
type tcpConn struct {
	id       uint64
	proto    Proto
	raw      *net.TCPConn
	c        net.Conn // raw, or the hook's wrapper once set up
	t        *Transport
	l        *listener
	remote   netip.AddrPort
	local    netip.AddrPort
	accepted bool // counts against tcp_max_connections
	// tlsState is set once the TLS handshake is done (before the first
	// message is framed, so readers of a message see it).
	tlsState *tls.ConnectionState

	// last is the time of the last read or write (unix ns); the janitor
	// closes the connection lifetime after it.
	last     atomic.Int64
	lifetime atomic.Int64 // ns; 0 = the transport's tcp_connection_lifetime
	// aliases are the remote ports (on the remote address) requests to
	// which reuse this connection; the first is the source port
	// (guarded by Transport.mu).
	aliases []uint16

	wmu       sync.Mutex
	closeOnce sync.Once

	// whole: the connection delivers whole messages (a MessageConn); set
	// by the reader before it queues any.
	whole bool
}

// connKey indexes connections by protocol and remote address (or alias).
type connKey struct {
	proto Proto
	addr  netip.AddrPort
}

func keyOf(p Proto, a netip.AddrPort) connKey {
	return connKey{p, netip.AddrPortFrom(a.Addr().Unmap(), a.Port())}
}

// StreamHook plugs a protocol carried over TCP (TLS, WebSocket) into the
// stream transport. The connection layer (limits, lifetime, aliases,
// listing, framing) stays in the transport; the hook only wraps each
// connection. Register it with SetStreamHook before Listen.
type StreamHook struct {
	// Accept wraps an accepted connection (TLS handshake, WebSocket
	// upgrade). It runs on the connection's reader goroutine with a
	// deadline of tcp_max_msg_time set on c (the hook may change it); an
	// error closes the connection.
	Accept func(ctx context.Context, c net.Conn, s *Socket) (net.Conn, error)
	// Dial wraps a connection dialled to d; it runs on the sending
	// goroutine, ctx bounded by tcp_connect_timeout.
	Dial func(ctx context.Context, c net.Conn, d Dest) (net.Conn, error)
}

// MessageConn is implemented by wrapped connections that deliver whole
// messages (WebSocket): the transport then skips Content-Length framing
// and each ReadMessage is one SIP message; each Write sends one. Such a
// connection guards against slow senders itself.
type MessageConn interface {
	ReadMessage() ([]byte, error)
}

// SetStreamHook registers the hook for protocol p (tls, ws, wss): Listen
// then accepts sockets of that protocol and Send dials them.
func (t *Transport) SetStreamHook(p Proto, h StreamHook) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.hooks == nil {
		t.hooks = make(map[Proto]StreamHook)
	}
	t.hooks[p] = h
}

func (t *Transport) hook(p Proto) (StreamHook, bool) {
	t.mu.RLock()
	defer t.mu.RUnlock()
	h, ok := t.hooks[p]
	return h, ok
}

// isStream reports whether p can be served: tcp always, others once a
// hook is registered.
func (t *Transport) isStream(p Proto) bool {
	if p == ProtoTCP || p == ProtoTLS && t.cfg.TLS != nil {
		return true
	}
	_, ok := t.hook(p)
	return ok
}

// fdLimitBackoff bounds the pause between accepts while the process is
// out of file descriptors.
const fdLimitBackoff = time.Second

func (t *Transport) tcpAccept(l *listener) {
	defer t.wg.Done()
	var pause time.Duration
	atLimit := false
	for {
		c, err := l.tcp.AcceptTCP()
		if err != nil {
			if errors.Is(err, net.ErrClosed) || t.ctx.Err() != nil {
				return
			}
			if isFDLimit(err) {
				// Accepting again at once would spin: back off, and say it
				// once per episode rather than once per attempt.
				if !atLimit {
					atLimit = true
					t.log.Error("tcp accept: out of file descriptors, accepting paused until some are freed",
						"socket", l.sock.String(), "err", err)
				}
				pause = min(max(2*pause, 10*time.Millisecond), fdLimitBackoff)
			} else {
				if ok, n := t.acceptLog.Allow(time.Now()); ok {
					t.log.Warn("tcp accept", "socket", l.sock.String(), "err", err, "suppressed", n)
				}
				pause = 10 * time.Millisecond
			}
			select {
			case <-time.After(pause):
			case <-t.ctx.Done():
				return
			}
			continue
		}
		if atLimit {
			atLimit = false
			t.log.Info("tcp accept: file descriptors available again, accepting", "socket", l.sock.String())
		}
		pause = 0
		if max := t.cfg.TCPMaxConns; max > 0 && t.accepted.Load() >= int64(max) {
			// As OpenSIPS: accept, then close at once (the client sees
			// the end of the stream).
			_ = c.Close()
			t.refused.Add(1)
			if ok, n := t.refuseLog.Allow(time.Now()); ok {
				t.log.Error("tcp: maximum number of connections reached, refusing new ones",
					"socket", l.sock.String(), "max", max, "refused_since_last_log", n)
			}
			continue
		}
		if _, err := t.register(c, l, l.sock.Proto, nil); err != nil {
			_ = c.Close()
			return
		}
	}
}

func isFDLimit(err error) bool {
	return errors.Is(err, syscall.EMFILE) || errors.Is(err, syscall.ENFILE)
}

// Refused is the number of connections closed at accept because
// tcp_max_connections was reached.
func (t *Transport) Refused() uint64 { return t.refused.Load() }

// setKeepalive applies tcp_keepalive and its tuning to a new connection
// (Go enables keepalive on its own otherwise).
func (t *Transport) setKeepalive(c *net.TCPConn) {
	if !t.cfg.TCPKeepalive {
		_ = c.SetKeepAlive(false)
		return
	}
	osDefault := func(d time.Duration) time.Duration {
		if d <= 0 {
			return -1
		}
		return d
	}
	cnt := t.cfg.TCPKeepCount
	if cnt <= 0 {
		cnt = -1
	}
	_ = c.SetKeepAliveConfig(net.KeepAliveConfig{Enable: true, Idle: osDefault(t.cfg.TCPKeepIdle),
		Interval: osDefault(t.cfg.TCPKeepInterval), Count: cnt})
}

// dialled is what a connection we opened carries: the protocol hook's
// wrapper (nil: none) and the TLS state.
type dialled struct {
	c   net.Conn
	tls *tls.ConnectionState
}

// register tracks a new connection and starts its reader; d is nil for
// accepted connections.
func (t *Transport) register(c *net.TCPConn, l *listener, p Proto, d *dialled) (*tcpConn, error) {
	accepted := d == nil
	tc := &tcpConn{
		id:       t.nextConnID.Add(1),
		proto:    p,
		raw:      c,
		c:        c,
		t:        t,
		l:        l,
		remote:   c.RemoteAddr().(*net.TCPAddr).AddrPort(),
		local:    c.LocalAddr().(*net.TCPAddr).AddrPort(),
		accepted: accepted,
	}
	if d != nil && d.c != nil {
		tc.c, tc.tlsState = d.c, d.tls
	}
	tc.remote = netip.AddrPortFrom(tc.remote.Addr().Unmap(), tc.remote.Port())
	tc.aliases = []uint16{tc.remote.Port()}
	tc.touch()
	t.setKeepalive(c)
	t.mu.Lock()
	if t.closed {
		t.mu.Unlock()
		return nil, ErrClosed
	}
	t.conns[keyOf(p, tc.remote)] = tc
	t.connByID[tc.id] = tc
	t.wg.Add(1)
	t.mu.Unlock()
	if accepted {
		t.accepted.Add(1)
	}
	t.startTCPWorkers()
	t.janitorOnce.Do(func() {
		t.wg.Add(1)
		go t.janitor()
	})
	go tc.readLoop()
	return tc, nil
}

func (tc *tcpConn) touch() { tc.last.Store(time.Now().UnixNano()) }

// expires is when the connection is closed if it stays idle.
func (tc *tcpConn) expires() time.Time {
	life := time.Duration(tc.lifetime.Load())
	if life <= 0 {
		life = tc.t.cfg.TCPLifetime
	}
	return time.Unix(0, tc.last.Load()).Add(life)
}

// janitor closes connections idle for longer than their lifetime.
func (t *Transport) janitor() {
	defer t.wg.Done()
	every := min(max(t.cfg.TCPLifetime/4, 10*time.Millisecond), time.Second)
	tick := time.NewTicker(every)
	defer tick.Stop()
	var idle []*tcpConn
	for {
		select {
		case <-t.ctx.Done():
			return
		case now := <-tick.C:
			idle = idle[:0]
			t.mu.RLock()
			for _, c := range t.connByID {
				if now.After(c.expires()) {
					idle = append(idle, c)
				}
			}
			t.mu.RUnlock()
			for _, c := range idle {
				t.log.Debug("tcp connection idle, closing", "proto", c.proto.String(), "remote", c.remote.String())
				c.close()
			}
		}
	}
}

// SetConnLifetime changes how long connection id may stay idle (0: the
// tcp_connection_lifetime default); false when it is gone.
func (t *Transport) SetConnLifetime(id uint64, d time.Duration) bool {
	t.mu.RLock()
	c := t.connByID[id]
	t.mu.RUnlock()
	if c == nil {
		return false
	}
	c.lifetime.Store(int64(d))
	c.touch()
	return true
}

func (tc *tcpConn) close() {
	tc.closeOnce.Do(func() {
		_ = tc.raw.Close()
		t := tc.t
		t.mu.Lock()
		for _, p := range tc.aliases {
			k := keyOf(tc.proto, netip.AddrPortFrom(tc.remote.Addr(), p))
			if t.conns[k] == tc {
				delete(t.conns, k)
			}
		}
		delete(t.connByID, tc.id)
		t.mu.Unlock()
		if tc.accepted {
			t.accepted.Add(-1)
		}
	})
}

// maxAliases bounds the ports one connection answers for (OpenSIPS
// keeps 4 per connection).
const maxAliases = 4

// addAlias makes requests to the connection's remote address and port
// (0: the protocol's default port) reuse this connection (RFC 5923).
func (tc *tcpConn) addAlias(port int) error {
	if port == 0 {
		port = tc.proto.DefaultPort()
	}
	if port <= 0 || port > 65535 {
		return fmt.Errorf("tcp alias: bad port %d", port)
	}
	t := tc.t
	k := keyOf(tc.proto, netip.AddrPortFrom(tc.remote.Addr(), uint16(port)))
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.connByID[tc.id] != tc {
		return fmt.Errorf("tcp alias: connection %d is closed", tc.id)
	}
	if o := t.conns[k]; o != nil {
		if o == tc {
			return nil
		}
		if slices.Contains(o.aliases, uint16(port)) {
			return fmt.Errorf("tcp alias %s: already points to connection %d (possible port hijack)", k.addr, o.id)
		}
	}
	if len(tc.aliases) >= maxAliases {
		return fmt.Errorf("tcp alias %s: too many aliases for connection %d", k.addr, tc.id)
	}
	tc.aliases = append(tc.aliases, uint16(port))
	t.conns[k] = tc
	return nil
}

// AddAlias makes requests to the source address of the message's
// connection and port (0: the protocol's default port) go over that
// connection (force_tcp_alias). It does nothing for datagrams.
func (r *RecvInfo) AddAlias(port int) error {
	if r == nil || r.conn == nil {
		return nil
	}
	return r.conn.addAlias(port)
}

// SetConnLifetime makes the message's stream connection stay open for d
// of inactivity instead of tcp_connection_lifetime (registrar's
// tcp_persistent_flag); false for datagrams or a closed connection.
func (r *RecvInfo) SetConnLifetime(d time.Duration) bool {
	if r == nil || r.conn == nil {
		return false
	}
	return r.conn.t.SetConnLifetime(r.conn.id, d)
}

// Conn returns the stream connection the message came on as the
// protocol hook wrapped it (a *tls.Conn for tls), or nil for datagrams.
func (r *RecvInfo) Conn() net.Conn {
	if r == nil || r.conn == nil {
		return nil
	}
	r.conn.wmu.Lock()
	defer r.conn.wmu.Unlock()
	return r.conn.c
}

func (tc *tcpConn) write(b []byte, timeout time.Duration) error {
	tc.wmu.Lock()
	defer tc.wmu.Unlock()
	_ = tc.c.SetWriteDeadline(time.Now().Add(timeout))
	if _, err := tc.c.Write(b); err != nil {
		tc.close()
		return fmt.Errorf("send to %s:%s: %w", tc.proto, tc.remote, err)
	}
	tc.touch()
	return nil
}

// lookupConnLocked finds the connection for d: by id, else by protocol
// and remote address (aliases included).
func (t *Transport) lookupConnLocked(d Dest) *tcpConn {
	if c := t.connByID[d.ConnID]; c != nil {
		return c
	}
	if c := t.conns[keyOf(d.Proto, d.Addr)]; c != nil {
		return c
	}
	if d.Proto == ProtoWS {
		// RFC 7118 has one URI transport, ws, for both: a browser on wss
		// puts transport=ws in its Contact.
		return t.conns[keyOf(ProtoWSS, d.Addr)]
	}
	return nil
}

// streamConn returns a connection for d: by id, by remote address, or a
// new one dialled from the chosen socket's address.
func (t *Transport) streamConn(d Dest) (*tcpConn, error) {
	t.mu.RLock()
	if t.closed {
		t.mu.RUnlock()
		return nil, ErrClosed
	}
	c := t.lookupConnLocked(d)
	t.mu.RUnlock()
	if c != nil {
		return c, nil
	}
	h, hooked := t.hook(d.Proto)
	if !t.isStream(d.Proto) {
		return nil, fmt.Errorf("send to %s: protocol not supported", d)
	}
	l, err := t.pick(d)
	if err != nil {
		return nil, err
	}
	dialer := net.Dialer{Timeout: t.cfg.TCPConnectTimeout}
	if la := l.local.Addr(); !la.IsUnspecified() {
		dialer.LocalAddr = &net.TCPAddr{IP: la.AsSlice()}
	}
	nc, err := dialer.DialContext(t.ctx, "tcp", d.Addr.String())
	if err != nil {
		return nil, fmt.Errorf("connect to %s: %w", d, err)
	}
	raw := nc.(*net.TCPConn)
	var wrapped net.Conn = raw
	var tlsState *tls.ConnectionState
	if d.Proto == ProtoTLS && !hooked {
		if wrapped, err = t.tlsClient(raw, l, d); err != nil {
			return nil, err
		}
		cs := wrapped.(*tls.Conn).ConnectionState()
		tlsState = &cs
	} else if hooked && h.Dial != nil {
		ctx, cancel := context.WithTimeout(t.ctx, max(t.cfg.TCPConnectTimeout, t.cfg.TCPMaxMsgTime))
		wrapped, err = h.Dial(ctx, raw, d)
		cancel()
		if err != nil {
			_ = raw.Close()
			return nil, fmt.Errorf("connect to %s: %w", d, err)
		}
		tlsState = hookTLSState(wrapped)
	}
	tc, err := t.register(raw, l, d.Proto, &dialled{wrapped, tlsState})
	if err != nil {
		_ = raw.Close()
		return nil, err
	}
	return tc, nil
}

// readPool holds the buffers of connections in the middle of a message;
// idle connections hold none.
var readPool = sync.Pool{New: func() any { b := make([]byte, 16384); return &b }}

// idleRead is what an idle connection reads into: the start of the next
// message (a pooled buffer takes over once one arrives).
const idleRead = 512

func (tc *tcpConn) readLoop() {
	t := tc.t
	defer t.wg.Done()
	defer tc.close()
	if tc.accepted && tc.proto == ProtoTLS && tc.l.tlsConf != nil {
		// The handshake runs here, not on the accept loop.
		tlc := tls.Server(tc.raw, tc.l.tlsConf)
		tc.wmu.Lock()
		tc.c = tlc
		tc.wmu.Unlock()
		if !tc.tlsAccept(tlc) {
			return
		}
	} else if tc.accepted {
		if h, ok := t.hook(tc.proto); ok && h.Accept != nil {
			_ = tc.raw.SetDeadline(time.Now().Add(t.cfg.TCPMaxMsgTime))
			wrapped, err := h.Accept(t.ctx, tc.raw, &tc.l.sock)
			if err != nil {
				if ok, n := t.acceptLog.Allow(time.Now()); ok {
					t.log.Warn("stream accept", "proto", tc.proto.String(), "remote", tc.remote.String(), "err", err, "suppressed", n)
				}
				return
			}
			_ = tc.raw.SetDeadline(time.Time{})
			tc.wmu.Lock()
			tc.c = wrapped
			tc.wmu.Unlock()
			tc.tlsState = hookTLSState(wrapped)
		}
	}
	tc.wmu.Lock()
	conn := tc.c
	tc.wmu.Unlock()
	if mc, ok := conn.(MessageConn); ok {
		tc.whole = true
		tc.messageLoop(mc)
		return
	}
	var (
		idle  [idleRead]byte
		buf   []byte  // unframed bytes
		big   *[]byte // pooled read buffer while a message is in progress
		begun time.Time
	)
	release := func() {
		if big != nil {
			readPool.Put(big)
			big = nil
		}
		buf = nil
	}
	defer release()
	for {
		rb := idle[:]
		if len(buf) > 0 {
			// A message has begun: it must be complete within
			// tcp_max_msg_time however slowly its bytes trickle in.
			_ = conn.SetReadDeadline(begun.Add(t.cfg.TCPMaxMsgTime))
			if big == nil {
				big = readPool.Get().(*[]byte)
			}
			rb = *big
		} else {
			_ = conn.SetReadDeadline(time.Time{})
		}
		n, err := conn.Read(rb)
		if n > 0 {
			tc.touch()
			if len(buf) == 0 {
				begun = time.Now()
			}
			buf = append(buf, rb[:n]...)
			had := len(buf)
			var ferr error
			buf, ferr = tc.frames(buf)
			if ferr != nil {
				rcv := tc.recvInfo()
				t.reportError(buf, nil, &rcv, ferr)
				return
			}
			switch {
			case len(buf) == 0:
				release()
			case len(buf) < had:
				begun = time.Now() // the rest starts the next message
			}
		}
		if err != nil {
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() && len(buf) > 0 {
				if ok, n := t.slowLog.Allow(time.Now()); ok {
					t.log.Warn("stream message not complete within tcp_max_msg_time, closing", "proto", tc.proto.String(),
						"remote", tc.remote.String(), "have", len(buf), "max_msg_time", t.cfg.TCPMaxMsgTime.String(), "suppressed", n)
				}
				return
			}
			if !errors.Is(err, io.EOF) && !errors.Is(err, net.ErrClosed) && t.ctx.Err() == nil {
				t.log.Debug("tcp read", "remote", tc.remote.String(), "err", err)
			}
			return
		}
	}
}

// messageLoop reads a message-oriented connection (WebSocket).
func (tc *tcpConn) messageLoop(mc MessageConn) {
	t := tc.t
	for {
		raw, err := mc.ReadMessage()
		if len(raw) > 0 {
			tc.touch()
			if len(raw) > MaxMessageSize {
				rcv := tc.recvInfo()
				t.reportError(raw[:0], nil, &rcv, &ParseError{len(raw), ErrTooLarge})
				return
			}
			t.tcpq <- tcpJob{tc, raw}
		}
		if err != nil {
			if !errors.Is(err, io.EOF) && !errors.Is(err, net.ErrClosed) && t.ctx.Err() == nil {
				t.log.Debug("stream read", "proto", tc.proto.String(), "remote", tc.remote.String(), "err", err)
			}
			return
		}
	}
}

func (tc *tcpConn) recvInfo() RecvInfo {
	return RecvInfo{Proto: tc.proto, Src: tc.remote, Local: tc.local, Socket: &tc.l.sock, conn: tc, lst: tc.l}
}

var crlfcrlf = []byte("\r\n\r\n")

// frames dispatches every complete message in buf and returns the unread
// rest (moved to the front of buf).
func (tc *tcpConn) frames(buf []byte) ([]byte, error) {
	start := 0
	for {
		// Keepalives: a double CRLF is a ping, lone CRLFs are ignored.
		for start < len(buf) && (buf[start] == '\r' || buf[start] == '\n') {
			if bytes.HasPrefix(buf[start:], crlfcrlf) {
				if tc.c != nil { // nil only when tests frame without a socket
					_ = tc.write([]byte("\r\n"), tc.t.cfg.WriteTimeout)
				}
				start += 4
				continue
			}
			if len(buf)-start < 4 && bytes.HasPrefix(crlfcrlf, buf[start:]) {
				// Maybe the start of a ping: wait for more.
				break
			}
			start++
		}
		rest := buf[start:]
		if len(rest) == 0 || rest[0] == '\r' || rest[0] == '\n' {
			break
		}
		he, sep := headerEnd(rest)
		if he < 0 {
			if len(rest) > MaxMessageSize {
				return nil, &ParseError{len(rest), ErrTooLarge}
			}
			break
		}
		cl, err := scanContentLength(rest[:he+sep])
		if err != nil {
			return nil, err
		}
		total := he + sep + cl
		if total > MaxMessageSize {
			return nil, &ParseError{he, ErrTooLarge}
		}
		if len(rest) < total {
			break
		}
		raw := make([]byte, total)
		copy(raw, rest[:total])
		start += total
		tc.t.tcpq <- tcpJob{tc, raw}
	}
	n := copy(buf, buf[start:])
	return buf[:n], nil
}

// headerEnd finds the empty line ending the headers: its offset (the
// line end before it) and the length of both line ends, accepting bare LF
// as OpenSIPS does ("\r\n\r\n", "\n\n", "\r\n\n", "\n\r\n"); -1 when
// there is none yet.
func headerEnd(b []byte) (int, int) {
	for i := 0; i < len(b); i++ {
		if b[i] != '\n' {
			continue
		}
		j := i + 1
		if j < len(b) && b[j] == '\r' {
			j++
		}
		if j < len(b) && b[j] == '\n' {
			start := i
			if i > 0 && b[i-1] == '\r' {
				start = i - 1
			}
			return start, j + 1 - start
		}
	}
	return -1, 0
}

// tcpJob is one framed message waiting for a worker.
type tcpJob struct {
	conn *tcpConn
	raw  []byte
}

// startTCPWorkers starts the stream message workers once.
func (t *Transport) startTCPWorkers() {
	t.tcpOnce.Do(func() {
		for range t.cfg.TCPWorkers {
			t.workers.Add(1)
			go func() {
				defer t.workers.Done()
				for j := range t.tcpq {
					j.conn.dispatch(j.raw)
				}
			}()
		}
	})
}

func (tc *tcpConn) dispatch(raw []byte) {
	t := tc.t
	m := &Msg{}
	m.rcvVal = tc.recvInfo()
	m.rcv = &m.rcvVal
	// A message-oriented connection delivers whole messages: no
	// Content-Length needed (RFC 7118 §5.2).
	err := m.parse(raw, tc.whole)
	if err == nil {
		err = m.Validate()
	}
	if err != nil {
		var partial *Msg
		if m.isReq || m.status != 0 {
			partial = m
		}
		t.reportError(raw, partial, m.rcv, err)
		return
	}
	if t.cfg.TCPAcceptAliases && m.isReq {
		// RFC 5923: a Via ";alias" asks that requests to the sender's
		// Via port reuse this connection.
		if v, verr := m.TopVia(); verr == nil {
			if _, ok := v.Param("alias"); ok {
				if aerr := tc.addAlias(v.Port); aerr != nil {
					t.log.Warn("tcp alias refused", "remote", tc.remote.String(), "err", aerr)
				}
			}
		}
	}
	if t.cfg.OnMessage != nil {
		t.cfg.OnMessage(m, m.rcv)
	}
}

// scanContentLength finds Content-Length (or "l") in a header block; it is
// mandatory on streams.
func scanContentLength(hdr []byte) (int, error) {
	s := bytesToString(hdr)
	// Skip the first line.
	_, pos := lineAt(s, 0)
	for pos < len(s) {
		end, next := lineAt(s, pos)
		if end < 0 {
			break
		}
		line := s[pos:end]
		pos = next
		c := indexByte(line, ':')
		if c <= 0 {
			continue
		}
		a, b := trimSpan(line, 0, c)
		if LookupHdr(line[a:b]) == HdrContentLength {
			n, ok := atoiSpan(line[c+1:])
			if !ok {
				return 0, &ParseError{pos, ErrBadCL}
			}
			return n, nil
		}
	}
	return 0, &ParseError{len(hdr), fmt.Errorf("%w: no content-length on a stream", ErrMissingHdr)}
}

// ConnInfo describes one stream connection (MI list_tcp_conns).
type ConnInfo struct {
	ID            uint64
	Proto         Proto
	Remote, Local netip.AddrPort
	// Expires is when the connection closes if it stays idle.
	Expires time.Time
	// AliasPorts are the remote ports requests reuse it for, the source
	// port first.
	AliasPorts []uint16
}

// Conns lists the open stream connections.
func (t *Transport) Conns() []ConnInfo {
	t.mu.RLock()
	defer t.mu.RUnlock()
	out := make([]ConnInfo, 0, len(t.connByID))
	for _, c := range t.connByID {
		out = append(out, ConnInfo{ID: c.id, Proto: c.proto, Remote: c.remote, Local: c.local,
			Expires: c.expires(), AliasPorts: slices.Clone(c.aliases)})
	}
	slices.SortFunc(out, func(a, b ConnInfo) int { return cmp.Compare(a.ID, b.ID) })
	return out
}

// ConnLifetime is how long an idle stream connection stays open.
func (t *Transport) ConnLifetime() time.Duration { return t.cfg.TCPLifetime }
