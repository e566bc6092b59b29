package sip

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net"
	"net/netip"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"gosips/internal/testenv"
)

const testTimeout = 3 * time.Second

// echoServer starts a Transport on 127.0.0.1 that answers every request
// with 200 (and reports malformed messages on errs).
func echoServer(t *testing.T, protos ...Proto) (*Transport, map[Proto]*Socket, chan error) {
	t.Helper()
	errs := make(chan error, 10)
	var tr *Transport
	tr = NewTransport(Config{
		UDPWorkers: 2,
		OnMessage: func(m *Msg, rcv *RecvInfo) {
			if !m.IsRequest() || m.MethodID() == MethodAck {
				return
			}
			r := NewReplyWith(m, &ReplySpec{Code: 200, ToTag: "srv", Headers: "X-Conn: " + fmt.Sprint(rcv.ConnID()) + "\r\n"})
			if err := tr.SendReply(m, r.Bytes()); err != nil {
				errs <- err
			}
		},
		OnError: func(raw []byte, partial *Msg, rcv *RecvInfo, err error) {
			if partial.CanReply() {
				_ = tr.SendReply(partial, AppendReply(nil, partial, &ReplySpec{Code: 400, ToTag: "bad"}))
			}
			errs <- err
		},
	})
	socks := map[Proto]*Socket{}
	for _, p := range protos {
		s, err := tr.Listen(Socket{Proto: p, IP: "127.0.0.1"})
		if err != nil {
			t.Fatal(err)
		}
		if s.Port == 0 {
			t.Fatal("port not filled in")
		}
		socks[p] = s
	}
	t.Cleanup(func() {
		if err := tr.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return tr, socks, errs
}

func request(method, via, callID string) string {
	return crlf(fmt.Sprintf(`%s sip:test@127.0.0.1 SIP/2.0
Via: SIP/2.0/%s;branch=z9hG4bK-%s
From: <sip:a@example.com>;tag=1
To: <sip:test@127.0.0.1>
Call-ID: %s
CSeq: 1 %s
Max-Forwards: 70
Content-Length: 0

`, method, via, callID, callID, method))
}

func TestUDPLoopback(t *testing.T) {
	_, socks, errs := echoServer(t, ProtoUDP)
	c, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	srv := &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1), Port: socks[ProtoUDP].Port}
	// The Via names another host and asks for rport: the reply must come
	// back to the source with received and rport filled (RFC 3581).
	if _, err := c.WriteToUDP([]byte(request("OPTIONS", "UDP 10.9.9.9:5099;rport", "udp-1")), srv); err != nil {
		t.Fatal(err)
	}
	r := readUDP(t, c)
	myPort := c.LocalAddr().(*net.UDPAddr).Port
	if r.StatusCode() != 200 || r.CallID() != "udp-1" || r.ToTag() != "srv" {
		t.Errorf("reply:\n%s", r.String())
	}
	v, _ := r.TopVia()
	if v.Received != "127.0.0.1" || v.RPort != fmt.Sprint(myPort) {
		t.Errorf("Via = %+v, want received=127.0.0.1 rport=%d", v, myPort)
	}

	// Keepalives are ignored; a malformed request that can be answered
	// gets a 400 and is reported.
	_, _ = c.WriteToUDP([]byte("\r\n\r\n"), srv)
	bad := strings.Replace(request("OPTIONS", "UDP 127.0.0.1;rport", "udp-2"), "CSeq: 1 OPTIONS", "CSeq: 1 INFO", 1)
	_, _ = c.WriteToUDP([]byte(bad), srv)
	r = readUDP(t, c)
	if r.StatusCode() != 400 || r.CallID() != "udp-2" {
		t.Errorf("reply to malformed:\n%s", r.String())
	}
	select {
	case err := <-errs:
		if !errors.Is(err, ErrCSeqMethod) {
			t.Errorf("OnError got %v", err)
		}
	case <-time.After(testTimeout):
		t.Fatal("OnError not called")
	}
	// Garbage is reported, not answered.
	_, _ = c.WriteToUDP([]byte("hello world"), srv)
	select {
	case err := <-errs:
		if !errors.Is(err, ErrNoEnd) {
			t.Errorf("OnError got %v", err)
		}
	case <-time.After(testTimeout):
		t.Fatal("OnError not called for garbage")
	}
}

func readUDP(t *testing.T, c *net.UDPConn) *Msg {
	t.Helper()
	buf := make([]byte, 65535)
	_ = c.SetReadDeadline(time.Now().Add(testTimeout))
	n, _, err := c.ReadFromUDP(buf)
	if err != nil {
		t.Fatalf("read reply: %v", err)
	}
	m, err := Parse(buf[:n])
	if err != nil {
		t.Fatalf("parse reply: %v\n%s", err, buf[:n])
	}
	return m
}

func TestTCPLoopback(t *testing.T) {
	_, socks, _ := echoServer(t, ProtoTCP)
	c, err := net.DialTimeout("tcp", fmt.Sprintf("127.0.0.1:%d", socks[ProtoTCP].Port), testTimeout)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(testTimeout))
	// Two requests in one write, a ping, and a third request split across
	// writes.
	third := request("OPTIONS", "TCP 127.0.0.1", "tcp-3")
	if _, err := io.WriteString(c, request("OPTIONS", "TCP 127.0.0.1", "tcp-1")+request("INFO", "TCP 127.0.0.1", "tcp-2")+"\r\n\r\n"+third[:20]); err != nil {
		t.Fatal(err)
	}
	br := bufio.NewReader(c)
	// Workers answer concurrently: replies and the pong come in any order.
	got := map[string]bool{}
	pongs := 0
	next := func() *Msg {
		for {
			b, err := br.Peek(2)
			if err != nil {
				t.Fatalf("read: %v", err)
			}
			if string(b) != "\r\n" {
				break
			}
			_, _ = br.Discard(2)
			pongs++
		}
		m := readStream(t, br)
		got[m.CallID()] = true
		return m
	}
	next()
	next()
	time.Sleep(20 * time.Millisecond)
	if _, err := io.WriteString(c, third[20:]); err != nil {
		t.Fatal(err)
	}
	m := next()
	if !got["tcp-1"] || !got["tcp-2"] || !got["tcp-3"] || pongs != 1 {
		t.Errorf("replies = %v, pongs = %d", got, pongs)
	}
	if v, _ := m.Header("X-Conn"); v == "0" {
		t.Error("tcp message without a connection id")
	}
}

func readStream(t *testing.T, br *bufio.Reader) *Msg {
	t.Helper()
	var sb strings.Builder
	cl := 0
	for {
		line, err := br.ReadString('\n')
		if err != nil {
			t.Fatalf("read: %v (so far %q)", err, sb.String())
		}
		sb.WriteString(line)
		if line == "\r\n" {
			break
		}
		if v, ok := strings.CutPrefix(line, "Content-Length: "); ok {
			fmt.Sscan(v, &cl)
		}
	}
	body := make([]byte, cl)
	if _, err := io.ReadFull(br, body); err != nil {
		t.Fatal(err)
	}
	sb.Write(body)
	m, err := ParseString(sb.String())
	if err != nil {
		t.Fatalf("parse: %v", err)
	}
	return m
}

// TestTCPSendReusesConnection sends two messages to a plain TCP server: one
// connection must carry both, framed by Content-Length.
func TestTCPSendReusesConnection(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	var accepted atomic.Int32
	msgs := make(chan string, 4)
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			accepted.Add(1)
			go func() {
				defer c.Close()
				br := bufio.NewReader(c)
				for {
					var sb strings.Builder
					for {
						line, err := br.ReadString('\n')
						if err != nil {
							return
						}
						sb.WriteString(line)
						if line == "\r\n" {
							break
						}
					}
					msgs <- sb.String()
				}
			}()
		}
	}()
	tr, _, _ := echoServer(t, ProtoTCP)
	dst := Dest{Proto: ProtoTCP, Addr: ln.Addr().(*net.TCPAddr).AddrPort()}
	for i := range 2 {
		if err := tr.Send(dst, []byte(request("OPTIONS", "TCP 127.0.0.1", fmt.Sprint("out-", i)))); err != nil {
			t.Fatal(err)
		}
	}
	for i := range 2 {
		select {
		case m := <-msgs:
			if !strings.Contains(m, fmt.Sprint("Call-ID: out-", i)) {
				t.Errorf("message %d:\n%s", i, m)
			}
		case <-time.After(testTimeout):
			t.Fatal("message not delivered")
		}
	}
	if n := accepted.Load(); n != 1 {
		t.Errorf("%d connections, want 1", n)
	}
}

func TestSendErrors(t *testing.T) {
	tr, socks, _ := echoServer(t, ProtoUDP)
	dst := Dest{Proto: ProtoTCP, Addr: netip.MustParseAddrPort("127.0.0.1:9")}
	if err := tr.Send(dst, []byte("x")); !errors.Is(err, ErrNoSocket) {
		t.Errorf("Send over tcp without a tcp socket: %v", err)
	}
	forced := &Socket{Proto: ProtoUDP, IP: "127.0.0.2", Port: 1}
	if err := tr.Send(Dest{Proto: ProtoUDP, Addr: netip.MustParseAddrPort("127.0.0.1:9"), Socket: forced}, []byte("x")); !errors.Is(err, ErrNoSocket) {
		t.Errorf("Send with unknown forced socket: %v", err)
	}
	if s := tr.FindSocket(ProtoUDP, "127.0.0.1", socks[ProtoUDP].Port); s != socks[ProtoUDP] {
		t.Errorf("FindSocket = %v", s)
	}
	if s := tr.FindSocket(ProtoTCP, "127.0.0.1", 0); s != nil {
		t.Errorf("FindSocket tcp = %v", s)
	}
	if err := tr.Close(); err != nil {
		t.Fatal(err)
	}
	if err := tr.Send(Dest{Proto: ProtoUDP, Addr: netip.MustParseAddrPort("127.0.0.1:9")}, []byte("x")); !errors.Is(err, ErrClosed) {
		t.Errorf("Send after Close: %v", err)
	}
	if _, err := tr.Listen(Socket{Proto: ProtoUDP, IP: "127.0.0.1"}); !errors.Is(err, ErrClosed) {
		t.Errorf("Listen after Close: %v", err)
	}
}

func TestIsLocal(t *testing.T) {
	tr := NewTransport(Config{UDPWorkers: 1})
	defer tr.Close()
	s, err := tr.Listen(Socket{Proto: ProtoUDP, IP: "127.0.0.1", AdvHost: "proxy.example.com", AdvPort: 5060})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		host string
		port int
		want bool
	}{
		{"127.0.0.1", 0, true},
		{"127.0.0.1", s.Port, true},
		{"127.0.0.1", 1, false},
		{"proxy.example.com", 5060, true},
		{"PROXY.example.com", 0, true},
		{"::ffff:127.0.0.1", 0, true},
		{"[::1]", 0, false},
		{"10.0.0.1", 0, false},
	}
	for _, tt := range tests {
		if got := tr.IsLocal(tt.host, tt.port); got != tt.want {
			t.Errorf("IsLocal(%q, %d) = %v, want %v", tt.host, tt.port, got, tt.want)
		}
	}
}

func TestPickSocket(t *testing.T) {
	tr, socks, _ := echoServer(t, ProtoUDP, ProtoTCP)
	tests := []struct {
		d    Dest
		want *Socket
	}{
		{Dest{Proto: ProtoUDP, Addr: netip.MustParseAddrPort("127.0.0.1:9")}, socks[ProtoUDP]},
		{Dest{Addr: netip.MustParseAddrPort("127.0.0.1:9")}, socks[ProtoUDP]},
		{Dest{Proto: ProtoTCP, Addr: netip.MustParseAddrPort("127.0.0.1:9")}, socks[ProtoTCP]},
		{Dest{Proto: ProtoUDP, Addr: netip.MustParseAddrPort("127.0.0.1:9"), Socket: &Socket{Proto: ProtoUDP, IP: "127.0.0.1", Port: socks[ProtoUDP].Port}}, socks[ProtoUDP]},
		// A forced socket of another protocol (the inbound TCP socket
		// forced by loose_route for a UDP next hop) is replaced by ours
		// of the right protocol.
		{Dest{Proto: ProtoUDP, Addr: netip.MustParseAddrPort("127.0.0.1:9"), Socket: socks[ProtoTCP]}, socks[ProtoUDP]},
		{Dest{Proto: ProtoTCP, Addr: netip.MustParseAddrPort("127.0.0.1:9"), Socket: socks[ProtoUDP]}, socks[ProtoTCP]},
	}
	for _, tt := range tests {
		got, err := tr.PickSocket(tt.d)
		if err != nil || got != tt.want {
			t.Errorf("PickSocket(%v) = %v %v, want %v", tt.d, got, err, tt.want)
		}
	}
	// Sending UDP with a forced TCP socket must not touch the TCP
	// listener's (absent) UDP connection.
	if err := tr.Send(Dest{Proto: ProtoUDP, Addr: netip.MustParseAddrPort("127.0.0.1:9"), Socket: socks[ProtoTCP]}, []byte("x")); err != nil {
		t.Errorf("Send udp with a forced tcp socket: %v", err)
	}
	if _, err := tr.PickSocket(Dest{Proto: ProtoTLS, Addr: netip.MustParseAddrPort("127.0.0.1:9")}); !errors.Is(err, ErrNoSocket) {
		t.Errorf("PickSocket tls: %v", err)
	}
	if tr.Context().Err() != nil {
		t.Error("context cancelled before Close")
	}
}

func TestTCPMalformed(t *testing.T) {
	_, socks, errs := echoServer(t, ProtoTCP)
	addr := fmt.Sprintf("127.0.0.1:%d", socks[ProtoTCP].Port)
	c, err := net.DialTimeout("tcp", addr, testTimeout)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(testTimeout))
	// A framed message with a CSeq mismatch is answered with 400 on the
	// same connection.
	bad := strings.Replace(request("OPTIONS", "TCP 127.0.0.1", "tcp-bad"), "CSeq: 1 OPTIONS", "CSeq: 1 INFO", 1)
	if _, err := io.WriteString(c, bad); err != nil {
		t.Fatal(err)
	}
	br := bufio.NewReader(c)
	if r := readStream(t, br); r.StatusCode() != 400 || r.CallID() != "tcp-bad" {
		t.Errorf("reply:\n%s", r.String())
	}
	if err := <-errs; !errors.Is(err, ErrCSeqMethod) {
		t.Errorf("OnError got %v", err)
	}
	// No Content-Length on a stream cannot be framed: reported, and the
	// connection is closed.
	noCL := strings.Replace(request("OPTIONS", "TCP 127.0.0.1", "tcp-nocl"), "Content-Length: 0\r\n", "", 1)
	if _, err := io.WriteString(c, noCL); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-errs:
		if !errors.Is(err, ErrMissingHdr) {
			t.Errorf("OnError got %v", err)
		}
	case <-time.After(testTimeout):
		t.Fatal("OnError not called")
	}
	if _, err := br.ReadByte(); err == nil {
		t.Error("connection still open")
	}
}

// TestTCPBlockingHandler: a handler blocked on an INVITE must not stop the
// CANCEL behind it on the same connection.
func TestTCPBlockingHandler(t *testing.T) {
	cancelled := make(chan struct{})
	done := make(chan string, 2)
	tr := NewTransport(Config{TCPWorkers: 2, OnMessage: func(m *Msg, rcv *RecvInfo) {
		switch m.MethodID() {
		case MethodInvite:
			select {
			case <-cancelled:
				done <- "invite released"
			case <-time.After(testTimeout):
				done <- "invite timed out"
			}
		case MethodCancel:
			close(cancelled)
			done <- "cancel"
		}
	}})
	defer tr.Close()
	s, err := tr.Listen(Socket{Proto: ProtoTCP, IP: "127.0.0.1"})
	if err != nil {
		t.Fatal(err)
	}
	c, err := net.DialTimeout("tcp", fmt.Sprintf("127.0.0.1:%d", s.Port), testTimeout)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	_, _ = io.WriteString(c, request("INVITE", "TCP 127.0.0.1", "blk")+request("CANCEL", "TCP 127.0.0.1", "blk"))
	got := []string{<-done, <-done}
	if got[0] != "cancel" || got[1] != "invite released" {
		t.Errorf("events = %v", got)
	}
}

func TestUDPLoopbackIPv6(t *testing.T) {
	probe, err := net.ListenUDP("udp6", &net.UDPAddr{IP: net.IPv6loopback})
	if err != nil {
		testenv.Missing(t, "IPv6 loopback", err.Error())
	}
	probe.Close()
	for _, poller := range []bool{false, true} {
		t.Run(fmt.Sprint("poller=", poller), func(t *testing.T) {
			var tr *Transport
			tr = NewTransport(Config{UDPWorkers: 1, UDPPoller: poller, OnMessage: func(m *Msg, rcv *RecvInfo) {
				_ = tr.SendReply(m, AppendReply(nil, m, &ReplySpec{Code: 200, ToTag: "v6"}))
			}})
			defer tr.Close()
			s, err := tr.Listen(Socket{Proto: ProtoUDP, IP: "::1"})
			if err != nil {
				t.Fatal(err)
			}
			c, err := net.ListenUDP("udp6", &net.UDPAddr{IP: net.IPv6loopback})
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			dst := &net.UDPAddr{IP: net.IPv6loopback, Port: s.Port}
			if _, err := c.WriteToUDP([]byte(request("OPTIONS", "UDP [::1];rport", "v6-1")), dst); err != nil {
				t.Fatal(err)
			}
			r := readUDP(t, c)
			v, _ := r.TopVia()
			if r.StatusCode() != 200 || v.RPort != fmt.Sprint(c.LocalAddr().(*net.UDPAddr).Port) {
				t.Errorf("reply:\n%s", r.String())
			}
		})
	}
}

func TestTCPIdleClose(t *testing.T) {
	tr := NewTransport(Config{TCPLifetime: 100 * time.Millisecond})
	defer tr.Close()
	s, err := tr.Listen(Socket{Proto: ProtoTCP, IP: "127.0.0.1"})
	if err != nil {
		t.Fatal(err)
	}
	c, err := net.DialTimeout("tcp", fmt.Sprintf("127.0.0.1:%d", s.Port), testTimeout)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	_ = c.SetReadDeadline(time.Now().Add(testTimeout))
	start := time.Now()
	if _, err := c.Read(make([]byte, 1)); !errors.Is(err, io.EOF) {
		t.Fatalf("read = %v, want EOF", err)
	}
	if d := time.Since(start); d < 80*time.Millisecond {
		t.Errorf("closed after %v", d)
	}
}

func TestListenNames(t *testing.T) {
	tr := NewTransport(Config{UDPWorkers: 1})
	defer tr.Close()
	tests := []struct {
		ip, want string
	}{
		{"lo", "127.0.0.1"},
		{"localhost", "127.0.0.1"},
	}
	for _, tt := range tests {
		if _, err := net.InterfaceByName(tt.ip); err != nil && tt.ip == "lo" {
			continue // no interface named lo here
		}
		s, err := tr.Listen(Socket{Proto: ProtoUDP, IP: tt.ip})
		if err != nil {
			t.Errorf("Listen %s: %v", tt.ip, err)
			continue
		}
		if !tr.IsLocal(tt.want, s.Port) || !tr.IsLocal(tt.ip, s.Port) {
			t.Errorf("socket %s not local as %s", s, tt.want)
		}
	}
	if _, err := tr.Listen(Socket{Proto: ProtoUDP, IP: "no-such-host.invalid"}); err == nil {
		t.Error("Listen on an unresolvable name succeeded")
	}
	if _, err := tr.Listen(Socket{Proto: ProtoTLS, IP: "127.0.0.1"}); err == nil {
		t.Error("Listen tls succeeded")
	}
}

// TestTCPReplyAfterClose: the request's connection is gone when the reply
// is ready, so the reply opens a connection to the Via's sent-by port.
func TestTCPReplyAfterClose(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	viaPort := ln.Addr().(*net.TCPAddr).Port
	got := make(chan string, 1)
	go func() {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		defer c.Close()
		line, _ := bufio.NewReader(c).ReadString('\n')
		got <- line
	}()
	held := make(chan *Msg, 1)
	tr := NewTransport(Config{OnMessage: func(m *Msg, rcv *RecvInfo) { held <- m }})
	defer tr.Close()
	s, err := tr.Listen(Socket{Proto: ProtoTCP, IP: "127.0.0.1"})
	if err != nil {
		t.Fatal(err)
	}
	c, err := net.DialTimeout("tcp", fmt.Sprintf("127.0.0.1:%d", s.Port), testTimeout)
	if err != nil {
		t.Fatal(err)
	}
	_, _ = io.WriteString(c, request("OPTIONS", fmt.Sprintf("TCP 127.0.0.1:%d", viaPort), "gone-1"))
	var req *Msg
	select {
	case req = <-held:
	case <-time.After(testTimeout):
		t.Fatal("request not received")
	}
	c.Close()
	// Wait for the server side to notice the close.
	deadline := time.Now().Add(testTimeout)
	for {
		tr.mu.RLock()
		n := len(tr.connByID)
		tr.mu.RUnlock()
		if n == 0 || time.Now().After(deadline) {
			break
		}
		time.Sleep(5 * time.Millisecond)
	}
	if err := tr.SendReply(req, AppendReply(nil, req, &ReplySpec{Code: 200, ToTag: "x"})); err != nil {
		t.Fatal(err)
	}
	select {
	case line := <-got:
		if line != "SIP/2.0 200 OK\r\n" {
			t.Errorf("got %q", line)
		}
	case <-time.After(testTimeout):
		t.Fatal("reply not delivered to the Via port")
	}
}
