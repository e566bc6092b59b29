package sip

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gorilla/websocket"
)

// WebSocket transports (RFC 6455, RFC 7118). gorilla/websocket does the
// handshake and the framing (fragments, masking, ping/pong, close); this
// file plugs its connections into the stream connection table, so that
// replies, aliasing and list_tcp_conns treat them as any other stream.

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
	// ServerHandshakeTimeout bounds reading a client's upgrade request,
	// TLS handshake included.
	ServerHandshakeTimeout time.Duration
	// Resource is the path asked for on connections we open (ws_resource).
	Resource string
	// DefaultPort is the port of sockets that give none (ws_port); 0 =
	// the protocol's default.
	DefaultPort int
	// ServerTLS returns the TLS settings of a wss socket; wss sockets
	// cannot listen without it.
	ServerTLS func(sock *Socket) (*tls.Config, error)
	// ClientTLS returns the TLS settings of a wss connection we open
	// from sock to dst; without it wss destinations cannot be reached.
	ClientTLS func(sock *Socket, dst Dest) (*tls.Config, error)
}

// DefaultWSOptions are OpenSIPS 3.6's defaults.
func DefaultWSOptions() WSOptions {
	return WSOptions{
		RequireOrigin:          true,
		MaxMsgChunks:           4,
		SendTimeout:            100 * time.Millisecond,
		HandshakeTimeout:       100 * time.Millisecond,
		ServerHandshakeTimeout: 5 * time.Second,
		Resource:               "/",
	}
}

// SetWSOptions sets the options of p (ProtoWS or ProtoWSS). Call it
// before Listen: listeners read them when they are bound.
func (t *Transport) SetWSOptions(p Proto, o WSOptions) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.wsOpts == nil {
		t.wsOpts = make(map[Proto]WSOptions)
	}
	t.wsOpts[p] = o
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

func (t *Transport) wsOptions(p Proto) WSOptions {
	t.mu.RLock()
	defer t.mu.RUnlock()
	if o, ok := t.wsOpts[p]; ok {
		return o
	}
	return DefaultWSOptions()
}

// wsListener is the HTTP server answering the upgrade requests of one
// ws or wss socket.
type wsListener struct {
	srv  *http.Server
	ln   net.Listener
	opts WSOptions
	up   websocket.Upgrader
}

// wsBufPool shares write buffers between connections: an idle
// connection holds none.
var wsBufPool = &sync.Pool{}

// wsPrepare builds l's handshake server (TLS settings are fetched now, so
// that a wss socket without them fails to bind).
func (t *Transport) wsPrepare(l *listener) error {
	opts := t.wsOptions(l.sock.Proto)
	var tcfg *tls.Config
	if l.sock.Proto == ProtoWSS {
		if opts.ServerTLS == nil {
			return errors.New("wss needs TLS settings (loadmodule \"tls_mgm.so\" with a server domain)")
		}
		var err error
		if tcfg, err = opts.ServerTLS(&l.sock); err != nil {
			return fmt.Errorf("tls settings: %w", err)
		}
		if tcfg == nil {
			return errors.New("no tls server domain matches this socket")
		}
	}
	wl := &wsListener{
		opts: opts,
		ln:   &wsNetListener{TCPListener: l.tcp, tls: tcfg},
		up: websocket.Upgrader{
			HandshakeTimeout: opts.ServerHandshakeTimeout,
			Subprotocols:     []string{"sip"},
			WriteBufferPool:  wsBufPool,
			// Origin is checked (or not) by wsCheck, as OpenSIPS does:
			// a browser phone's page is rarely served by the proxy.
			CheckOrigin: func(*http.Request) bool { return true },
		},
	}
	wl.srv = &http.Server{
		Handler:           http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { t.wsAccept(l, w, r) }),
		ReadHeaderTimeout: opts.ServerHandshakeTimeout,
		ErrorLog:          slog.NewLogLogger(t.log.Handler(), slog.LevelDebug),
	}
	l.ws = wl
	return nil
}

// wsServe answers upgrade requests on l until the socket closes.
func (t *Transport) wsServe(l *listener) {
	defer t.wg.Done()
	err := l.ws.srv.Serve(l.ws.ln)
	if err != nil && !errors.Is(err, http.ErrServerClosed) && !errors.Is(err, net.ErrClosed) && t.ctx.Err() == nil {
		t.log.Warn("websocket listener stopped", "socket", l.sock.String(), "err", err)
	}
	// Drop handshakes still in progress; upgraded connections are ours.
	_ = l.ws.srv.Close()
}

// wsAccept checks and completes one upgrade request.
func (t *Transport) wsAccept(l *listener, w http.ResponseWriter, r *http.Request) {
	if err := wsCheck(r, l.ws.opts); err != nil {
		t.log.Warn("websocket handshake refused", "socket", l.sock.String(), "remote", r.RemoteAddr, "err", err)
		w.Header().Set("Sec-WebSocket-Version", "13")
		w.WriteHeader(http.StatusBadRequest)
		return
	}
	ws, err := l.ws.up.Upgrade(w, r, nil)
	if err != nil {
		// Upgrade has answered 400 already.
		t.log.Warn("websocket handshake refused", "socket", l.sock.String(), "remote", r.RemoteAddr, "err", err)
		return
	}
	nc := ws.NetConn()
	if tc, ok := nc.(*tls.Conn); ok {
		nc = tc.NetConn()
	}
	cc, _ := nc.(*wsCountConn)
	tc := &tcpConn{c: ws.NetConn(), proto: l.sock.Proto, ws: newWSConn(ws, cc, l.ws.opts)}
	if _, err := t.registerConn(tc, l); err != nil {
		_ = ws.Close()
	}
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

// wsDial opens a WebSocket connection to d from listener l (OpenSIPS
// acts as a WebSocket client too).
func (t *Transport) wsDial(d Dest, l *listener) (*tcpConn, error) {
	opts := t.wsOptions(d.Proto)
	nd := &net.Dialer{Timeout: t.cfg.TCPConnectTimeout}
	if la := l.local.Addr(); !la.IsUnspecified() {
		nd.LocalAddr = &net.TCPAddr{IP: la.AsSlice()}
	}
	var cc *wsCountConn
	dialer := websocket.Dialer{
		HandshakeTimeout: opts.HandshakeTimeout,
		Subprotocols:     []string{"sip"},
		WriteBufferPool:  wsBufPool,
		NetDialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			c, err := nd.DialContext(ctx, network, addr)
			if err != nil {
				return nil, err
			}
			cc = &wsCountConn{Conn: c}
			return cc, nil
		},
	}
	scheme := "ws"
	if d.Proto == ProtoWSS {
		if opts.ClientTLS == nil {
			return nil, fmt.Errorf("connect to %s: wss needs TLS settings (tls_mgm)", d)
		}
		cfg, err := opts.ClientTLS(&l.sock, d)
		if err != nil {
			return nil, fmt.Errorf("connect to %s: tls settings: %w", d, err)
		}
		dialer.TLSClientConfig = cfg
		scheme = "wss"
	}
	res := opts.Resource
	if !strings.HasPrefix(res, "/") {
		res = "/" + res
	}
	ctx, cancel := context.WithTimeout(t.ctx, t.cfg.TCPConnectTimeout+opts.HandshakeTimeout)
	defer cancel()
	// Origin names the destination, as OpenSIPS sends it.
	hdr := http.Header{"Origin": {d.Addr.String()}}
	ws, resp, err := dialer.DialContext(ctx, scheme+"://"+d.Addr.String()+res, hdr)
	if err != nil {
		return nil, fmt.Errorf("connect to %s: %w", d, err)
	}
	if resp != nil && resp.Body != nil {
		_ = resp.Body.Close()
	}
	if ws.Subprotocol() != "sip" {
		_ = ws.Close()
		return nil, fmt.Errorf("connect to %s: server did not accept the sip subprotocol", d)
	}
	// The TLS layer, when any, sits above the counted connection.
	tc := &tcpConn{c: ws.NetConn(), proto: d.Proto, ws: newWSConn(ws, cc, opts)}
	return t.registerConn(tc, l)
}

// wsConn is the WebSocket side of a stream connection.
type wsConn struct {
	c    *websocket.Conn
	cc   *wsCountConn // reads of the raw connection, for ws_max_msg_chunks
	opts WSOptions
}

func newWSConn(c *websocket.Conn, cc *wsCountConn, o WSOptions) *wsConn {
	c.SetReadLimit(MaxMessageSize)
	return &wsConn{c: c, cc: cc, opts: o}
}

// wsWrite sends one SIP message as one text message, as OpenSIPS does
// (RFC 7118 allows text or binary).
func (tc *tcpConn) wsWrite(b []byte) error {
	tc.wmu.Lock()
	defer tc.wmu.Unlock()
	ws := tc.ws
	_ = ws.c.SetWriteDeadline(time.Now().Add(ws.opts.SendTimeout))
	if err := ws.c.WriteMessage(websocket.TextMessage, b); err != nil {
		tc.close()
		return fmt.Errorf("send to %s:%s: %w", tc.proto, tc.remote, err)
	}
	return nil
}

// wsReadLoop hands every text or binary message to the workers; the
// library answers pings and close frames itself.
func (tc *tcpConn) wsReadLoop() {
	t := tc.t
	ws := tc.ws
	for {
		if ws.cc != nil {
			ws.cc.startMessage(ws.opts.MaxMsgChunks)
		}
		_ = ws.c.SetReadDeadline(time.Now().Add(t.cfg.TCPLifetime))
		typ, r, err := ws.c.NextReader()
		var data []byte
		if err == nil {
			data, err = io.ReadAll(r)
		}
		if err != nil {
			var ce *websocket.CloseError
			switch {
			case errors.As(err, &ce):
				t.log.Debug("websocket closed by peer", "remote", tc.remote.String(), "code", ce.Code)
			case errors.Is(err, errTooManyChunks):
				t.log.Warn("websocket message too fragmented, closing", "remote", tc.remote.String(),
					"ws_max_msg_chunks", ws.opts.MaxMsgChunks)
			case !errors.Is(err, io.EOF) && !errors.Is(err, net.ErrClosed) && t.ctx.Err() == nil:
				t.log.Debug("websocket read", "remote", tc.remote.String(), "err", err)
			}
			return
		}
		if typ != websocket.TextMessage && typ != websocket.BinaryMessage {
			continue
		}
		if len(data) == 0 || isBlank(data) {
			continue // keepalive
		}
		t.tcpq <- tcpJob{tc, data}
	}
}

func isBlank(b []byte) bool {
	for _, c := range b {
		if c != '\r' && c != '\n' && c != ' ' && c != '\t' {
			return false
		}
	}
	return true
}

var errTooManyChunks = errors.New("websocket message arrived in too many chunks")

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

// wsNetListener accepts TCP connections for the handshake server, under
// TLS for wss, each wrapped to count its reads.
type wsNetListener struct {
	*net.TCPListener
	tls *tls.Config
}

func (l *wsNetListener) Accept() (net.Conn, error) {
	c, err := l.TCPListener.Accept()
	if err != nil {
		return nil, err
	}
	if l.tls == nil {
		return &wsCountConn{Conn: c}, nil
	}
	return tls.Server(&wsCountConn{Conn: c}, l.tls), nil
}
