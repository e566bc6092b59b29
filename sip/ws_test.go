package sip

import (
	"bufio"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"fmt"
	"io"
	"math/big"
	"net"
	"net/http"
	"net/netip"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"
)

// wsTestDial opens a WebSocket client connection to s offering "sip".
func wsTestDial(t *testing.T, s *Socket, hdr http.Header, d *websocket.Dialer) (*websocket.Conn, *http.Response, error) {
	t.Helper()
	if d == nil {
		d = &websocket.Dialer{HandshakeTimeout: testTimeout}
	}
	if hdr == nil {
		hdr = http.Header{"Origin": {"http://127.0.0.1"}, "Sec-WebSocket-Protocol": {"sip"}}
	}
	scheme := "ws"
	if s.Proto == ProtoWSS {
		scheme = "wss"
	}
	c, resp, err := d.Dial(fmt.Sprintf("%s://127.0.0.1:%d/", scheme, s.Port), hdr)
	if c != nil {
		t.Cleanup(func() { _ = c.Close() })
	}
	return c, resp, err
}

func wsTestRead(t *testing.T, c *websocket.Conn) (int, *Msg) {
	t.Helper()
	_ = c.SetReadDeadline(time.Now().Add(testTimeout))
	typ, b, err := c.ReadMessage()
	if err != nil {
		t.Fatalf("read: %v", err)
	}
	m, err := Parse(b)
	if err != nil {
		t.Fatalf("parse %q: %v", b, err)
	}
	return typ, m
}

func TestWSLoopback(t *testing.T) {
	tr, socks, errs := wsEchoServer(t)
	c, resp, err := wsTestDial(t, socks[ProtoWS], nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if got := resp.Header.Get("Sec-WebSocket-Protocol"); got != "sip" {
		t.Errorf("Sec-WebSocket-Protocol = %q", got)
	}
	// Text, binary, and a message without Content-Length (RFC 7118: the
	// WebSocket message delimits it).
	reqs := []struct {
		typ int
		msg string
	}{
		{websocket.TextMessage, request("OPTIONS", "WS df7jal23ls0d.invalid;branch=z9hG4bK1", "ws1")},
		{websocket.BinaryMessage, request("OPTIONS", "WS df7jal23ls0d.invalid;branch=z9hG4bK2", "ws2")},
		{websocket.TextMessage, strings.Replace(request("OPTIONS", "WS df7jal23ls0d.invalid;branch=z9hG4bK3", "ws3"), "Content-Length: 0\r\n", "", 1)},
	}
	for _, r := range reqs {
		if err := c.WriteMessage(r.typ, []byte(r.msg)); err != nil {
			t.Fatal(err)
		}
		typ, m := wsTestRead(t, c)
		if typ != websocket.TextMessage || m.StatusCode() != 200 {
			t.Fatalf("reply type %d status %d", typ, m.StatusCode())
		}
	}
	conns := tr.Conns()
	if len(conns) != 1 || conns[0].Proto != ProtoWS {
		t.Fatalf("Conns = %+v", conns)
	}
	select {
	case err := <-errs:
		t.Fatal(err)
	default:
	}
}

func TestWSRecvInfo(t *testing.T) {
	got := make(chan RecvInfo, 1)
	tr := NewTransport(Config{OnMessage: func(m *Msg, rcv *RecvInfo) { got <- *rcv }})
	defer tr.Close()
	tr.EnableWS(ProtoWS, DefaultWSOptions())
	s, err := tr.Listen(Socket{Proto: ProtoWS, IP: "127.0.0.1"})
	if err != nil {
		t.Fatal(err)
	}
	c, _, err := wsTestDial(t, s, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	_ = c.WriteMessage(websocket.TextMessage, []byte(request("OPTIONS", "WS x.invalid;branch=z9hG4bK1", "ri")))
	select {
	case r := <-got:
		if r.Proto != ProtoWS || r.ConnID() == 0 || r.Src.Port() == 0 || r.Socket.Proto != ProtoWS {
			t.Fatalf("RecvInfo = %+v", r)
		}
	case <-time.After(testTimeout):
		t.Fatal("no message")
	}
}

// Fragmented messages are reassembled, pings answered, and a request to
// the client's address goes back over its connection.
func TestWSFragmentsPingAndReuse(t *testing.T) {
	tr, socks, _ := wsEchoServer(t)
	// A tiny write buffer makes the client split messages in frames.
	c, _, err := wsTestDial(t, socks[ProtoWS], nil, &websocket.Dialer{HandshakeTimeout: testTimeout, WriteBufferSize: 64})
	if err != nil {
		t.Fatal(err)
	}
	w, err := c.NextWriter(websocket.TextMessage)
	if err != nil {
		t.Fatal(err)
	}
	req := request("OPTIONS", "WS x.invalid;branch=z9hG4bKfrag", "frag")
	for i := 0; i < len(req); i += 50 {
		if _, err := io.WriteString(w, req[i:min(i+50, len(req))]); err != nil {
			t.Fatal(err)
		}
	}
	_ = w.Close()
	if _, m := wsTestRead(t, c); m.StatusCode() != 200 {
		t.Fatalf("status %d", m.StatusCode())
	}

	pong := make(chan string, 1)
	c.SetPongHandler(func(s string) error { pong <- s; return nil })
	if err := c.WriteControl(websocket.PingMessage, []byte("hi"), time.Now().Add(testTimeout)); err != nil {
		t.Fatal(err)
	}
	go func() { _, _, _ = c.ReadMessage() }() // runs the control handlers
	select {
	case s := <-pong:
		if s != "hi" {
			t.Errorf("pong %q", s)
		}
	case <-time.After(testTimeout):
		t.Fatal("no pong")
	}

	// Send to the client's address: the connection is found by remote
	// address, none is dialled.
	conns := tr.Conns()
	if len(conns) != 1 {
		t.Fatalf("conns %+v", conns)
	}
	if err := tr.Send(Dest{Proto: ProtoWS, Addr: conns[0].Remote}, []byte("x")); err != nil {
		t.Fatal(err)
	}
	if n := len(tr.Conns()); n != 1 {
		t.Fatalf("%d connections after send", n)
	}
}

func TestWSHandshakeRefused(t *testing.T) {
	_, socks, _ := wsEchoServer(t)
	for name, hdr := range map[string]http.Header{
		"no sip subprotocol": {"Origin": {"http://x"}, "Sec-WebSocket-Protocol": {"chat"}},
		"no subprotocol":     {"Origin": {"http://x"}},
		"no origin":          {"Sec-WebSocket-Protocol": {"sip"}},
	} {
		t.Run(name, func(t *testing.T) {
			_, resp, err := wsTestDial(t, socks[ProtoWS], hdr, nil)
			if err == nil || resp == nil || resp.StatusCode != 400 {
				t.Fatalf("err=%v resp=%v", err, resp)
			}
			if v := resp.Header.Get("Sec-WebSocket-Version"); v != "13" {
				t.Errorf("Sec-WebSocket-Version = %q", v)
			}
		})
	}
	// A plain HTTP request is refused too.
	resp, err := http.Get(fmt.Sprintf("http://127.0.0.1:%d/", socks[ProtoWS].Port))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 400 {
		t.Fatalf("GET status %d", resp.StatusCode)
	}
}

func TestWSRequireOriginOff(t *testing.T) {
	tr := NewTransport(Config{})
	defer tr.Close()
	o := DefaultWSOptions()
	o.RequireOrigin = false
	tr.EnableWS(ProtoWS, o)
	s, err := tr.Listen(Socket{Proto: ProtoWS, IP: "127.0.0.1"})
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := wsTestDial(t, s, http.Header{"Sec-WebSocket-Protocol": {"sip"}}, nil); err != nil {
		t.Fatal(err)
	}
}

// A message dribbled in more pieces than ws_max_msg_chunks closes the
// connection; one in a single piece is fine.
func TestWSMaxMsgChunks(t *testing.T) {
	got := make(chan string, 4)
	tr := NewTransport(Config{OnMessage: func(m *Msg, _ *RecvInfo) { got <- m.CallID() }})
	defer tr.Close()
	o := DefaultWSOptions()
	o.MaxMsgChunks = 3
	tr.EnableWS(ProtoWS, o)
	s, err := tr.Listen(Socket{Proto: ProtoWS, IP: "127.0.0.1"})
	if err != nil {
		t.Fatal(err)
	}
	nc, err := net.Dial("tcp", fmt.Sprintf("127.0.0.1:%d", s.Port))
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	fmt.Fprintf(nc, "GET / HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"+
		"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n"+
		"Sec-WebSocket-Protocol: sip\r\nOrigin: http://x\r\n\r\n")
	br := bufio.NewReader(nc)
	resp, err := http.ReadResponse(br, nil)
	if err != nil || resp.StatusCode != 101 {
		t.Fatalf("handshake: %v %v", resp, err)
	}
	frame := func(payload string) []byte {
		// Masked text frame (clients must mask, RFC 6455 §5.3).
		b := []byte{0x81, 0x80 | 126, byte(len(payload) >> 8), byte(len(payload)), 1, 2, 3, 4}
		for i := range len(payload) {
			b = append(b, payload[i]^[]byte{1, 2, 3, 4}[i%4])
		}
		return b
	}
	if _, err := nc.Write(frame(request("OPTIONS", "WS x.invalid;branch=z9hG4bK1", "whole"))); err != nil {
		t.Fatal(err)
	}
	select {
	case id := <-got:
		if id != "whole" {
			t.Fatal(id)
		}
	case <-time.After(testTimeout):
		t.Fatal("whole message not delivered")
	}
	f := frame(request("OPTIONS", "WS x.invalid;branch=z9hG4bK2", "dribbled"))
	for i := 0; i < len(f); i += len(f)/6 + 1 {
		if _, err := nc.Write(f[i:min(i+len(f)/6+1, len(f))]); err != nil {
			break // closed by the server
		}
		time.Sleep(30 * time.Millisecond)
	}
	_ = nc.SetReadDeadline(time.Now().Add(testTimeout))
	if _, err := io.ReadAll(br); err != nil && !errors.Is(err, net.ErrClosed) && !strings.Contains(err.Error(), "reset") {
		t.Fatalf("connection not closed: %v", err)
	}
	select {
	case id := <-got:
		t.Fatalf("fragmented message %q delivered", id)
	default:
	}
}

// wsTestTLS serves a self-signed certificate and trusts anything.
type wsTestTLS struct{ cert tls.Certificate }

func (w wsTestTLS) ServerConfig(*Socket) (*tls.Config, error) {
	return &tls.Config{Certificates: []tls.Certificate{w.cert}}, nil
}

func (w wsTestTLS) ClientConfig(*Socket, netip.AddrPort, string) (*tls.Config, error) {
	return &tls.Config{InsecureSkipVerify: true}, nil
}

// A wss socket without TLS settings does not bind; a ws one without
// EnableWS neither.
func TestWSSNeedsTLS(t *testing.T) {
	tr := NewTransport(Config{})
	defer tr.Close()
	if _, err := tr.Listen(Socket{Proto: ProtoWS, IP: "127.0.0.1"}); err == nil {
		t.Fatal("ws listens without EnableWS")
	}
	tr.EnableWS(ProtoWSS, DefaultWSOptions())
	if _, err := tr.Listen(Socket{Proto: ProtoWSS, IP: "127.0.0.1"}); err == nil || !strings.Contains(err.Error(), "tls") {
		t.Fatalf("Listen = %v", err)
	}
}

// wss both ways: a transport connects out over wss to another, which
// sees the TLS state of the connection.
func TestWSSLoopbackAndDial(t *testing.T) {
	prov := wsTestTLS{testCert(t)}
	o := DefaultWSOptions()
	o.HandshakeTimeout = testTimeout
	got := make(chan *Msg, 4)
	srv := NewTransport(Config{TLS: prov, OnMessage: func(m *Msg, rcv *RecvInfo) {
		if rcv.Proto == ProtoWSS {
			got <- m
		}
	}})
	defer srv.Close()
	srv.EnableWS(ProtoWSS, o)
	s, err := srv.Listen(Socket{Proto: ProtoWSS, IP: "127.0.0.1"})
	if err != nil {
		t.Fatal(err)
	}
	cli := NewTransport(Config{TLS: prov})
	defer cli.Close()
	cli.EnableWS(ProtoWSS, o)
	if _, err := cli.Listen(Socket{Proto: ProtoWSS, IP: "127.0.0.1"}); err != nil {
		t.Fatal(err)
	}
	dst := Dest{Proto: ProtoWSS, Addr: mustAddrPort(t, fmt.Sprintf("127.0.0.1:%d", s.Port))}
	if err := cli.Send(dst, []byte(request("OPTIONS", "WSS 127.0.0.1;branch=z9hG4bK1", "wssdial"))); err != nil {
		t.Fatal(err)
	}
	select {
	case m := <-got:
		if m.CallID() != "wssdial" {
			t.Fatal(m.CallID())
		}
		if st := m.Recv().TLS(); st == nil || !st.HandshakeComplete {
			t.Errorf("no TLS state on a wss message: %+v", st)
		}
	case <-time.After(testTimeout):
		t.Fatal("nothing received over wss")
	}
	if c := cli.Conns(); len(c) != 1 || c[0].Proto != ProtoWSS {
		t.Fatalf("client conns %+v", c)
	}
	// A browser-like client over wss.
	c, resp, err := wsTestDial(t, s, nil, &websocket.Dialer{HandshakeTimeout: testTimeout,
		TLSClientConfig: &tls.Config{InsecureSkipVerify: true}})
	if err != nil {
		t.Fatal(err, resp)
	}
	_ = c.WriteMessage(websocket.TextMessage, []byte(request("OPTIONS", "WSS x.invalid;branch=z9hG4bK2", "wssbrowser")))
	select {
	case m := <-got:
		if m.CallID() != "wssbrowser" {
			t.Fatal(m.CallID())
		}
	case <-time.After(testTimeout):
		t.Fatal("nothing received from the wss client")
	}
	// A request to that client as transport=ws (what browsers put in
	// their Contact, RFC 7118 having one URI transport) takes its wss
	// connection: nothing is dialled.
	local := mustAddrPort(t, c.LocalAddr().String())
	if err := srv.Send(Dest{Proto: ProtoWS, Addr: local}, []byte(request("OPTIONS", "WSS 127.0.0.1;branch=z9hG4bK3", "tows"))); err != nil {
		t.Fatal(err)
	}
	_ = c.SetReadDeadline(time.Now().Add(testTimeout))
	if _, b, err := c.ReadMessage(); err != nil || !strings.Contains(string(b), "tows") {
		t.Fatalf("read %q: %v", b, err)
	}
	if n := len(srv.Conns()); n != 2 {
		t.Errorf("%d server connections, want 2", n)
	}
}

// wsEchoServer is echoServer with a ws socket.
func wsEchoServer(t *testing.T) (*Transport, map[Proto]*Socket, chan error) {
	t.Helper()
	tr, socks, errs := echoServer(t)
	tr.EnableWS(ProtoWS, DefaultWSOptions())
	s, err := tr.Listen(Socket{Proto: ProtoWS, IP: "127.0.0.1"})
	if err != nil {
		t.Fatal(err)
	}
	socks[ProtoWS] = s
	return tr, socks, errs
}

// testCert is a self-signed certificate for 127.0.0.1.
func testCert(t *testing.T) tls.Certificate {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: "127.0.0.1"},
		IPAddresses:  []net.IP{net.IPv4(127, 0, 0, 1)},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(time.Hour),
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}
}

func mustAddrPort(t *testing.T, s string) netip.AddrPort {
	t.Helper()
	a, err := netip.ParseAddrPort(s)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// Idle WebSocket connections are cheap: this holds 500 open (raw clients
// that did the handshake) and reports the server-side memory per
// connection (heap and goroutine stacks; the clients' few hundred bytes
// each are included), then checks a new client is still served.
func TestWSIdleConnections(t *testing.T) {
	const n = 500
	tr, socks, _ := wsEchoServer(t)
	addr := fmt.Sprintf("127.0.0.1:%d", socks[ProtoWS].Port)
	mem := func() uint64 {
		runtime.GC()
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		return ms.HeapInuse + ms.StackInuse
	}
	before := mem()
	conns := make([]net.Conn, 0, n)
	defer func() {
		for _, c := range conns {
			c.Close()
		}
	}()
	for range n {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		conns = append(conns, c)
		fmt.Fprintf(c, "GET / HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"+
			"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n"+
			"Sec-WebSocket-Protocol: sip\r\nOrigin: http://x\r\n\r\n")
		resp, err := http.ReadResponse(bufio.NewReaderSize(c, 256), nil)
		if err != nil || resp.StatusCode != 101 {
			t.Fatalf("handshake: %v %v", resp, err)
		}
	}
	for deadline := time.Now().Add(testTimeout); len(tr.Conns()) != n; time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("%d connections open, want %d", len(tr.Conns()), n)
		}
	}
	after := mem()
	per := (int64(after) - int64(before)) / n
	t.Logf("%d idle websocket connections: %d KiB heap+stacks in all, %.1f KiB per connection",
		n, (int64(after)-int64(before))/1024, float64(per)/1024)
	if per > 64<<10 {
		t.Errorf("%d bytes per idle connection", per)
	}
	c, _, err := wsTestDial(t, socks[ProtoWS], nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	_ = c.WriteMessage(websocket.TextMessage, []byte(request("OPTIONS", "WS x.invalid;branch=z9hG4bKidle", "idle")))
	if _, m := wsTestRead(t, c); m.StatusCode() != 200 {
		t.Fatalf("status %d", m.StatusCode())
	}
}
