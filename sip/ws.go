package sip

import (
	"bufio"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gorilla/websocket"
)

// WebSocket transports (RFC 6455, RFC 7118) plugged into the stream
// connection layer through a StreamHook: the connection table, limits,
// lifetime, aliases and listing are the TCP ones; gorilla/websocket does
// the handshake and the framing (fragments, masking, ping/pong, close).

// WSOptions tune one WebSocket protocol (the proto_ws or proto_wss
// parameters).
type WSOptions struct {
	// RequireOrigin refuses a handshake without an Origin header
	// (require_origin).
	RequireOrigin bool
	// MaxMsgChunks closes a connection on which one message took more
	// reads than this to arrive (ws_max_msg_chunks); 0 = no limit.
	MaxMsgChunks int
	// SendTimeout bounds a blocked write; the connection is closed when
	// it expires (ws_send_timeout).
	SendTimeout time.Duration
	// HandshakeTimeout bounds the upgrade of a connection we open
	// (ws_handshake_timeout).
	HandshakeTimeout time.Duration
	// TLSHandshakeTimeout bounds the TLS handshake of wss connections
	// (wss_tls_handshake_timeout); 0 = the transport's TLS default.
	TLSHandshakeTimeout time.Duration
	// Resource is the path asked for on connections we open (ws_resource).
	Resource string
	// DefaultPort is the port of sockets that give none (ws_port); 0 =
	// the protocol's default.
	DefaultPort int
}

// DefaultWSOptions are OpenSIPS 3.6's defaults.
func DefaultWSOptions() WSOptions {
	return WSOptions{
		RequireOrigin:    true,
		MaxMsgChunks:     4,
		SendTimeout:      100 * time.Millisecond,
		HandshakeTimeout: 100 * time.Millisecond,
		Resource:         "/",
	}
}

// EnableWS makes p (ProtoWS or ProtoWSS) available with options o: ws
// and wss sockets can then listen, and ws/wss destinations be reached.
// wss takes its certificates from Config.TLS. Call it before Listen.
func (t *Transport) EnableWS(p Proto, o WSOptions) {
	t.mu.Lock()
	if t.wsOpts == nil {
		t.wsOpts = make(map[Proto]WSOptions)
	}
	t.wsOpts[p] = o
	t.mu.Unlock()
	t.SetStreamHook(p, StreamHook{
		Accept: func(ctx context.Context, c net.Conn, s *Socket) (net.Conn, error) {
			return t.wsAccept(ctx, c, s, p, o)
		},
		Dial: func(ctx context.Context, c net.Conn, d Dest) (net.Conn, error) {
			return t.wsDial(ctx, c, d, o)
		},
	})
}

// DefaultPort is the port of a p socket declared without one: the
// protocol module's setting, else p.DefaultPort().
func (t *Transport) DefaultPort(p Proto) int {
	t.mu.RLock()
	defer t.mu.RUnlock()
	if o, ok := t.wsOpts[p]; ok && o.DefaultPort > 0 {
		return o.DefaultPort
	}
	return p.DefaultPort()
}

// wsBufPool shares write buffers between connections: an idle
// connection holds none.
var wsBufPool = &sync.Pool{}

// wsReadBuffer is the read buffer of a connection, and so the size of
// the reads ws_max_msg_chunks counts.
const wsReadBuffer = 4096

// wsAccept runs the server side: TLS for wss, then the upgrade.
func (t *Transport) wsAccept(ctx context.Context, raw net.Conn, s *Socket, p Proto, o WSOptions) (net.Conn, error) {
	cc := &wsCountConn{Conn: raw}
	var c net.Conn = cc
	if p == ProtoWSS {
		conf, err := t.tlsServerConfig(s)
		if err != nil {
			return nil, err
		}
		tc := tls.Server(cc, conf)
		hctx, cancel := context.WithTimeout(ctx, t.wsTLSTimeout(o))
		err = tc.HandshakeContext(hctx)
		cancel()
		if err != nil {
			return nil, fmt.Errorf("tls handshake: %w", err)
		}
		c = tc
	}
	br := bufio.NewReaderSize(c, wsReadBuffer)
	req, err := http.ReadRequest(br)
	if err != nil {
		return nil, fmt.Errorf("websocket handshake: %w", err)
	}
	w := &wsHijack{c: c, br: br, hdr: http.Header{}}
	if err := wsCheck(req, o); err != nil {
		w.Header().Set("Sec-WebSocket-Version", "13")
		w.WriteHeader(http.StatusBadRequest)
		return nil, fmt.Errorf("websocket handshake refused: %w", err)
	}
	up := websocket.Upgrader{
		Subprotocols:    []string{"sip"},
		WriteBufferPool: wsBufPool,
		// Origin is checked (or not) by wsCheck as OpenSIPS does: a
		// browser phone's page is rarely served by the proxy.
		CheckOrigin: func(*http.Request) bool { return true },
	}
	ws, err := up.Upgrade(w, req, nil)
	if err != nil {
		// Upgrade has answered 400.
		return nil, fmt.Errorf("websocket handshake refused: %w", err)
	}
	return newWSConn(ws, c, cc, o), nil
}

func (t *Transport) wsTLSTimeout(o WSOptions) time.Duration {
	if o.TLSHandshakeTimeout > 0 {
		return o.TLSHandshakeTimeout
	}
	return t.handshakeTimeout()
}

// wsCheck applies RFC 7118's requirements that the library leaves to us:
// the "sip" subprotocol, and Origin when require_origin is set.
func wsCheck(r *http.Request, o WSOptions) error {
	sip := false
	for _, p := range websocket.Subprotocols(r) {
		if strings.EqualFold(p, "sip") {
			sip = true
		}
	}
	if !sip {
		return fmt.Errorf("Sec-WebSocket-Protocol %q does not offer sip", r.Header.Get("Sec-WebSocket-Protocol"))
	}
	if o.RequireOrigin && r.Header.Get("Origin") == "" {
		return errors.New("no Origin header (require_origin is set)")
	}
	return nil
}

// wsDial runs the client side on a connection dialled to d (OpenSIPS
// acts as a WebSocket client too): TLS for wss, then the upgrade asking
// for o.Resource.
func (t *Transport) wsDial(ctx context.Context, raw net.Conn, d Dest, o WSOptions) (net.Conn, error) {
	cc := &wsCountConn{Conn: raw}
	var c net.Conn = cc
	if d.Proto == ProtoWSS {
		if t.cfg.TLS == nil {
			return nil, errors.New("no tls configuration (load tls_mgm)")
		}
		sock, err := t.PickSocket(d)
		if err != nil {
			return nil, err
		}
		conf, err := t.cfg.TLS.ClientConfig(sock, d.Addr, d.Host)
		if err != nil {
			return nil, err
		}
		if conf == nil {
			return nil, errors.New("no tls client domain")
		}
		tc := tls.Client(cc, conf)
		hctx, cancel := context.WithTimeout(ctx, t.wsTLSTimeout(o))
		err = tc.HandshakeContext(hctx)
		cancel()
		if err != nil {
			return nil, fmt.Errorf("tls handshake: %w", err)
		}
		c = tc
	}
	dialer := websocket.Dialer{
		HandshakeTimeout: o.HandshakeTimeout,
		Subprotocols:     []string{"sip"},
		WriteBufferPool:  wsBufPool,
		ReadBufferSize:   wsReadBuffer,
		// The connection is already open (and under TLS for wss).
		NetDialContext: func(context.Context, string, string) (net.Conn, error) { return c, nil },
	}
	res := o.Resource
	if !strings.HasPrefix(res, "/") {
		res = "/" + res
	}
	// Origin names the destination, as OpenSIPS sends it.
	hdr := http.Header{"Origin": {d.Addr.String()}}
	ws, resp, err := dialer.DialContext(ctx, "ws://"+d.Addr.String()+res, hdr)
	if resp != nil && resp.Body != nil {
		_ = resp.Body.Close()
	}
	if err != nil {
		return nil, fmt.Errorf("websocket handshake: %w", err)
	}
	if ws.Subprotocol() != "sip" {
		return nil, errors.New("websocket handshake: the server did not accept the sip subprotocol")
	}
	return newWSConn(ws, c, cc, o), nil
}

// wsConn is a WebSocket connection as the stream layer sees it: a
// MessageConn whose ReadMessage returns one SIP message and whose Write
// sends one as a text message, as OpenSIPS does (RFC 7118 allows text or
// binary).
type wsConn struct {
	ws   *websocket.Conn
	c    net.Conn     // below the WebSocket: *tls.Conn for wss
	cc   *wsCountConn // the raw connection's reads, for ws_max_msg_chunks
	opts WSOptions
}

func newWSConn(ws *websocket.Conn, c net.Conn, cc *wsCountConn, o WSOptions) *wsConn {
	ws.SetReadLimit(MaxMessageSize)
	return &wsConn{ws: ws, c: c, cc: cc, opts: o}
}

var errTooManyChunks = errors.New("websocket message arrived in too many chunks (ws_max_msg_chunks)")

// ReadMessage returns the next text or binary message; the library
// answers pings and close frames meanwhile.
func (w *wsConn) ReadMessage() ([]byte, error) {
	for {
		w.cc.startMessage(w.opts.MaxMsgChunks)
		typ, r, err := w.ws.NextReader()
		var data []byte
		if err == nil {
			data, err = io.ReadAll(r)
		}
		if err != nil {
			var ce *websocket.CloseError
			if errors.As(err, &ce) {
				return nil, io.EOF
			}
			return nil, err
		}
		if typ != websocket.TextMessage && typ != websocket.BinaryMessage || isBlank(data) {
			continue // keepalive
		}
		return data, nil
	}
}

func (w *wsConn) Write(b []byte) (int, error) {
	_ = w.ws.SetWriteDeadline(time.Now().Add(w.opts.SendTimeout))
	if err := w.ws.WriteMessage(websocket.TextMessage, b); err != nil {
		return 0, err
	}
	return len(b), nil
}

// Read is not used: the stream layer reads messages.
func (w *wsConn) Read([]byte) (int, error) {
	return 0, errors.New("websocket: read messages with ReadMessage")
}

func (w *wsConn) Close() error                       { return w.ws.Close() }
func (w *wsConn) LocalAddr() net.Addr                { return w.c.LocalAddr() }
func (w *wsConn) RemoteAddr() net.Addr               { return w.c.RemoteAddr() }
func (w *wsConn) SetDeadline(t time.Time) error      { return w.c.SetDeadline(t) }
func (w *wsConn) SetReadDeadline(t time.Time) error  { return w.c.SetReadDeadline(t) }
func (w *wsConn) SetWriteDeadline(t time.Time) error { return w.c.SetWriteDeadline(t) }

// ConnectionState is the TLS state of a wss connection (zero for ws).
func (w *wsConn) ConnectionState() tls.ConnectionState {
	if tc, ok := w.c.(*tls.Conn); ok {
		return tc.ConnectionState()
	}
	return tls.ConnectionState{}
}

var _ MessageConn = (*wsConn)(nil)

// hookTLSState is the TLS state of a connection a StreamHook wrapped,
// when it runs over TLS (wss), else nil.
func hookTLSState(c net.Conn) *tls.ConnectionState {
	if s, ok := c.(interface{ ConnectionState() tls.ConnectionState }); ok {
		if cs := s.ConnectionState(); cs.HandshakeComplete {
			return &cs
		}
	}
	return nil
}

func isBlank(b []byte) bool {
	for _, c := range b {
		if c != '\r' && c != '\n' && c != ' ' && c != '\t' {
			return false
		}
	}
	return true
}

// wsCountConn counts the reads that carry one message. The first read
// of a message may wait for it as long as the connection lives; the
// following ones are the message arriving in pieces.
type wsCountConn struct {
	net.Conn
	reads atomic.Int32
	max   atomic.Int32
}

func (c *wsCountConn) startMessage(max int) {
	c.reads.Store(0)
	c.max.Store(int32(max))
}

func (c *wsCountConn) Read(b []byte) (int, error) {
	if m := c.max.Load(); m > 0 && c.reads.Add(1) > m {
		return 0, errTooManyChunks
	}
	return c.Conn.Read(b)
}

// wsHijack is the http.ResponseWriter the upgrade runs on: the request
// was read from the connection by hand, without an HTTP server.
type wsHijack struct {
	c      net.Conn
	br     *bufio.Reader
	hdr    http.Header
	status int
}

func (w *wsHijack) Header() http.Header { return w.hdr }

func (w *wsHijack) WriteHeader(code int) {
	if w.status != 0 {
		return
	}
	w.status = code
	var b strings.Builder
	b.WriteString("HTTP/1.1 " + strconv.Itoa(code) + " " + http.StatusText(code) + "\r\n")
	w.hdr.Set("Connection", "close")
	if w.hdr.Get("Content-Length") == "" {
		w.hdr.Set("Content-Length", "0")
	}
	_ = w.hdr.Write(&b)
	b.WriteString("\r\n")
	_, _ = io.WriteString(w.c, b.String())
}

// Write drops error bodies (Content-Length is 0): the status says it.
func (w *wsHijack) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.WriteHeader(http.StatusOK)
	}
	return len(b), nil
}

func (w *wsHijack) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	return w.c, bufio.NewReadWriter(w.br, bufio.NewWriterSize(w.c, 512)), nil
}
