package sip

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"net/netip"
	"sync"
	"time"
)

// tcpConn is one stream connection, accepted or dialled. Messages are
// framed by Content-Length (RFC 3261 §18.3); CRLF keepalives are skipped
// and a double-CRLF ping gets a CRLF pong (RFC 5626 §3.5.1).
type tcpConn struct {
	id     uint64
	c      net.Conn
	t      *Transport
	l      *listener
	remote netip.AddrPort
	local  netip.AddrPort

	wmu       sync.Mutex
	closeOnce sync.Once

	proto Proto
	// ws carries the messages of a WebSocket connection (ws, wss); nil
	// on plain streams.
	ws *wsConn
}

func (t *Transport) tcpAccept(l *listener) {
	defer t.wg.Done()
	for {
		c, err := l.tcp.AcceptTCP()
		if err != nil {
			if errors.Is(err, net.ErrClosed) || t.ctx.Err() != nil {
				return
			}
			t.log.Warn("tcp accept", "socket", l.sock.String(), "err", err)
			time.Sleep(10 * time.Millisecond)
			continue
		}
		if _, err := t.register(c, l); err != nil {
			_ = c.Close()
			return
		}
	}
}

// register tracks a new connection and starts its reader.
func (t *Transport) register(c net.Conn, l *listener) (*tcpConn, error) {
	return t.registerConn(&tcpConn{c: c, proto: ProtoTCP}, l)
}

// registerConn tracks a new connection of any stream protocol (tc has c,
// proto and, for WebSocket, ws set) and starts its reader.
func (t *Transport) registerConn(tc *tcpConn, l *listener) (*tcpConn, error) {
	tc.id = t.nextConnID.Add(1)
	tc.t, tc.l = t, l
	tc.remote = tc.c.RemoteAddr().(*net.TCPAddr).AddrPort()
	tc.local = tc.c.LocalAddr().(*net.TCPAddr).AddrPort()
	tc.remote = netip.AddrPortFrom(tc.remote.Addr().Unmap(), tc.remote.Port())
	t.mu.Lock()
	if t.closed {
		t.mu.Unlock()
		return nil, ErrClosed
	}
	t.conns[tc.remote] = tc
	t.connByID[tc.id] = tc
	t.wg.Add(1)
	t.mu.Unlock()
	t.startTCPWorkers()
	go tc.readLoop()
	return tc, nil
}

func (tc *tcpConn) close() {
	tc.closeOnce.Do(func() {
		_ = tc.c.Close()
		t := tc.t
		t.mu.Lock()
		if t.conns[tc.remote] == tc {
			delete(t.conns, tc.remote)
		}
		delete(t.connByID, tc.id)
		t.mu.Unlock()
	})
}

func (tc *tcpConn) write(b []byte, timeout time.Duration) error {
	if tc.ws != nil {
		return tc.wsWrite(b)
	}
	tc.wmu.Lock()
	defer tc.wmu.Unlock()
	_ = tc.c.SetWriteDeadline(time.Now().Add(timeout))
	if _, err := tc.c.Write(b); err != nil {
		tc.close()
		return fmt.Errorf("send to tcp:%s: %w", tc.remote, err)
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
	c := t.connByID[d.ConnID]
	if c == nil {
		c = t.conns[netip.AddrPortFrom(d.Addr.Addr().Unmap(), d.Addr.Port())]
	}
	t.mu.RUnlock()
	if c != nil {
		return c, nil
	}
	l, err := t.pick(d)
	if err != nil {
		return nil, err
	}
	if d.Proto == ProtoWS || d.Proto == ProtoWSS {
		return t.wsDial(d, l)
	}
	dialer := net.Dialer{Timeout: t.cfg.TCPConnectTimeout}
	if la := l.local.Addr(); !la.IsUnspecified() {
		dialer.LocalAddr = &net.TCPAddr{IP: la.AsSlice()}
	}
	nc, err := dialer.DialContext(t.ctx, "tcp", d.Addr.String())
	if err != nil {
		return nil, fmt.Errorf("connect to %s: %w", d, err)
	}
	tc, err := t.register(nc.(*net.TCPConn), l)
	if err != nil {
		_ = nc.Close()
		return nil, err
	}
	return tc, nil
}

func (tc *tcpConn) readLoop() {
	t := tc.t
	defer t.wg.Done()
	defer tc.close()
	if tc.ws != nil {
		tc.wsReadLoop()
		return
	}
	buf := make([]byte, 0, 4096)
	tmp := make([]byte, 16384)
	for {
		_ = tc.c.SetReadDeadline(time.Now().Add(t.cfg.TCPLifetime))
		n, err := tc.c.Read(tmp)
		if n > 0 {
			buf = append(buf, tmp[:n]...)
			var ferr error
			buf, ferr = tc.frames(buf)
			if ferr != nil {
				rcv := tc.recvInfo()
				t.reportError(buf, nil, &rcv, ferr)
				return
			}
		}
		if err != nil {
			if !errors.Is(err, io.EOF) && !errors.Is(err, net.ErrClosed) && t.ctx.Err() == nil {
				t.log.Debug("tcp read", "remote", tc.remote.String(), "err", err)
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
	// A WebSocket message is one whole SIP message (RFC 7118 §5.2).
	err := m.parse(raw, tc.ws != nil)
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
}

// Conns lists the open stream connections.
func (t *Transport) Conns() []ConnInfo {
	t.mu.RLock()
	defer t.mu.RUnlock()
	out := make([]ConnInfo, 0, len(t.connByID))
	for _, c := range t.connByID {
		out = append(out, ConnInfo{ID: c.id, Proto: c.proto, Remote: c.remote, Local: c.local})
	}
	return out
}

// ConnLifetime is how long an idle stream connection stays open.
func (t *Transport) ConnLifetime() time.Duration { return t.cfg.TCPLifetime }
