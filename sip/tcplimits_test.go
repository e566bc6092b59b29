package sip

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/netip"
	"strings"
	"sync"
	"testing"
	"time"
)

// listenTCP starts a transport with cfg on a tcp socket of 127.0.0.1.
func listenTCP(t *testing.T, cfg Config, protos ...Proto) (*Transport, map[Proto]*Socket) {
	t.Helper()
	tr := NewTransport(cfg)
	t.Cleanup(func() { _ = tr.Close() })
	socks := map[Proto]*Socket{}
	for _, p := range append([]Proto{ProtoTCP}, protos...) {
		s, err := tr.Listen(Socket{Proto: p, IP: "127.0.0.1"})
		if err != nil {
			t.Fatal(err)
		}
		socks[p] = s
	}
	return tr, socks
}

// closedWithin reports whether the server closes c within d (EOF or
// reset), false when c stays open; what it sends meanwhile is read and
// dropped.
func closedWithin(c net.Conn, d time.Duration) bool {
	_ = c.SetReadDeadline(time.Now().Add(d))
	buf := make([]byte, 64)
	for {
		_, err := c.Read(buf)
		if err == nil {
			continue
		}
		var ne net.Error
		return !(errors.As(err, &ne) && ne.Timeout())
	}
}

// TestTCPMaxConnections: past tcp_max_connections accepted connections
// are closed at once; dialled ones do not count; once one closes, a new
// one is accepted.
func TestTCPMaxConnections(t *testing.T) {
	tr, socks := listenTCP(t, Config{TCPMaxConns: 3, TCPLifetime: time.Minute})
	addr := fmt.Sprintf("127.0.0.1:%d", socks[ProtoTCP].Port)
	var conns []net.Conn
	for i := range 5 {
		c, err := net.DialTimeout("tcp", addr, testTimeout)
		if err != nil {
			// A refused connection may be reset before the dial returns.
			if i < 3 {
				t.Fatal(err)
			}
			conns = append(conns, nil)
			continue
		}
		defer c.Close()
		conns = append(conns, c)
		time.Sleep(20 * time.Millisecond) // accepted in order
	}
	for i, c := range conns {
		closed := c == nil || closedWithin(c, 300*time.Millisecond)
		if closed != (i >= 3) {
			t.Errorf("connection %d: closed=%v", i, closed)
		}
	}
	if n := tr.Refused(); n != 2 {
		t.Errorf("Refused() = %d, want 2", n)
	}
	if n := len(tr.Conns()); n != 3 {
		t.Errorf("%d connections listed, want 3", n)
	}
	conns[0].Close()
	deadline := time.Now().Add(testTimeout)
	for len(tr.Conns()) != 2 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	c, err := net.DialTimeout("tcp", addr, testTimeout)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if closedWithin(c, 300*time.Millisecond) {
		t.Error("a connection was refused after one slot was freed")
	}
}

// TestTCPSlowLoris: a message whose bytes trickle in is cut off
// tcp_max_msg_time after its first byte, however often bytes arrive; an
// idle connection is not.
func TestTCPSlowLoris(t *testing.T) {
	const maxMsg = 300 * time.Millisecond
	_, socks := listenTCP(t, Config{TCPMaxMsgTime: maxMsg, TCPLifetime: time.Minute})
	addr := fmt.Sprintf("127.0.0.1:%d", socks[ProtoTCP].Port)
	idle, err := net.DialTimeout("tcp", addr, testTimeout)
	if err != nil {
		t.Fatal(err)
	}
	defer idle.Close()
	c, err := net.DialTimeout("tcp", addr, testTimeout)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	msg := request("OPTIONS", "TCP 127.0.0.1", "loris")
	start := time.Now()
	var closedAt time.Duration
	for i := 0; i < len(msg)-1; i++ {
		if _, err := c.Write([]byte{msg[i]}); err != nil {
			closedAt = time.Since(start)
			break
		}
		if closedWithin(c, 20*time.Millisecond) {
			closedAt = time.Since(start)
			break
		}
	}
	if closedAt == 0 {
		t.Fatalf("a trickled message kept the connection for %v", time.Since(start))
	}
	if closedAt < maxMsg-50*time.Millisecond || closedAt > maxMsg+time.Second {
		t.Errorf("closed after %v, want about %v", closedAt, maxMsg)
	}
	if closedWithin(idle, 50*time.Millisecond) {
		t.Error("the idle connection was closed too")
	}
}

// TestTCPLifetimeCountsWrites: a connection we keep writing to is not
// idle, one nobody uses is closed after the lifetime.
func TestTCPLifetimeCountsWrites(t *testing.T) {
	const life = 300 * time.Millisecond
	tr, socks := listenTCP(t, Config{TCPLifetime: life})
	addr := fmt.Sprintf("127.0.0.1:%d", socks[ProtoTCP].Port)
	busy, err := net.DialTimeout("tcp", addr, testTimeout)
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	deadline := time.Now().Add(testTimeout)
	for len(tr.Conns()) != 1 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	cl := busy.LocalAddr().(*net.TCPAddr).AddrPort()
	go func() {
		for range 8 {
			_ = tr.Send(Dest{Proto: ProtoTCP, Addr: cl}, []byte("\r\n"))
			time.Sleep(life / 3)
		}
	}()
	if closedWithin(busy, 2*life) {
		t.Error("a connection written to every lifetime/3 was closed")
	}
	ci := tr.Conns()
	if len(ci) != 1 || time.Until(ci[0].Expires) <= 0 || time.Until(ci[0].Expires) > life {
		t.Errorf("Conns() = %+v", ci)
	}
	if !closedWithin(busy, 3*life+time.Second) {
		t.Error("the connection outlived its lifetime once idle")
	}
}

// TestTCPAliases: with tcp_accept_aliases a Via ";alias" makes requests to
// the sender's Via port reuse its connection; without the parameter it
// does not; AddAlias (force_tcp_alias) does it regardless.
func TestTCPAliases(t *testing.T) {
	for _, c := range []struct {
		name    string
		accept  bool
		via     string
		force   bool
		reached bool
	}{
		{"rfc5923", true, "alias", false, true},
		{"no-alias-param", true, "", false, false},
		{"not-accepted", false, "alias", false, false},
		{"forced", false, "", true, true},
	} {
		t.Run(c.name, func(t *testing.T) {
			got := make(chan *Msg, 1)
			tr, socks := listenTCP(t, Config{TCPAcceptAliases: c.accept, TCPConnectTimeout: 200 * time.Millisecond,
				OnMessage: func(m *Msg, rcv *RecvInfo) {
					if c.force {
						v, _ := m.TopVia()
						if err := rcv.AddAlias(v.Port); err != nil {
							t.Error(err)
						}
					}
					got <- m
				}})
			conn, err := net.DialTimeout("tcp", fmt.Sprintf("127.0.0.1:%d", socks[ProtoTCP].Port), testTimeout)
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close()
			// The Via port is one nobody listens on: only the alias can
			// reach the client there.
			viaPort := 5 // tcpmux: closed on loopback
			via := fmt.Sprintf("TCP 127.0.0.1:%d", viaPort)
			if c.via != "" {
				via += ";" + c.via
			}
			if _, err := io.WriteString(conn, request("OPTIONS", via, "alias-"+c.name)); err != nil {
				t.Fatal(err)
			}
			select {
			case <-got:
			case <-time.After(testTimeout):
				t.Fatal("request not received")
			}
			err = tr.Send(Dest{Proto: ProtoTCP, Addr: netip.MustParseAddrPort(fmt.Sprintf("127.0.0.1:%d", viaPort))},
				[]byte(request("OPTIONS", "TCP 127.0.0.1", "back")))
			reached := false
			if err == nil {
				_ = conn.SetReadDeadline(time.Now().Add(testTimeout))
				line, _ := bufio.NewReader(conn).ReadString('\n')
				reached = strings.HasPrefix(line, "OPTIONS ")
			}
			if reached != c.reached {
				t.Errorf("request to the Via port reached the client: %v (send: %v)", reached, err)
			}
			ci := tr.Conns()
			if len(ci) != 1 || (len(ci[0].AliasPorts) == 2) != c.reached {
				t.Errorf("Conns() = %+v", ci)
			}
		})
	}
}

// upperConn is a toy protocol wrapper for the hook test: it counts
// writes and reads through.
type upperConn struct {
	net.Conn
	mu     sync.Mutex
	writes int
}

func (u *upperConn) Write(b []byte) (int, error) {
	u.mu.Lock()
	u.writes++
	u.mu.Unlock()
	return u.Conn.Write(b)
}

// TestStreamHook: a protocol registered with SetStreamHook is listened
// on, its Accept wrapper carries the traffic, the connection is listed
// with its protocol, and Send dials through its Dial wrapper.
func TestStreamHook(t *testing.T) {
	var mu sync.Mutex
	var accepted, dialled []*upperConn
	tr := NewTransport(Config{})
	defer tr.Close()
	tr.SetStreamHook(ProtoWS, StreamHook{
		Accept: func(_ context.Context, c net.Conn, s *Socket) (net.Conn, error) {
			u := &upperConn{Conn: c}
			mu.Lock()
			accepted = append(accepted, u)
			mu.Unlock()
			return u, nil
		},
		Dial: func(_ context.Context, c net.Conn, d Dest) (net.Conn, error) {
			u := &upperConn{Conn: c}
			mu.Lock()
			dialled = append(dialled, u)
			mu.Unlock()
			return u, nil
		},
	})
	got := make(chan *Msg, 2)
	tr.cfg.OnMessage = func(m *Msg, rcv *RecvInfo) {
		if rcv.Proto != ProtoWS || rcv.Conn() == nil {
			t.Errorf("received over %s, conn %T", rcv.Proto, rcv.Conn())
		}
		got <- m
		if m.IsRequest() {
			_ = tr.SendReply(m, AppendReply(nil, m, &ReplySpec{Code: 200, ToTag: "ws"}))
		}
	}
	s, err := tr.Listen(Socket{Proto: ProtoWS, IP: "127.0.0.1"})
	if err != nil {
		t.Fatal(err)
	}
	c, err := net.DialTimeout("tcp", fmt.Sprintf("127.0.0.1:%d", s.Port), testTimeout)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if _, err := io.WriteString(c, request("OPTIONS", "WS 127.0.0.1", "hook-1")); err != nil {
		t.Fatal(err)
	}
	<-got
	_ = c.SetReadDeadline(time.Now().Add(testTimeout))
	if m := readStream(t, bufio.NewReader(c)); m.StatusCode() != 200 {
		t.Errorf("reply %d", m.StatusCode())
	}
	ci := tr.Conns()
	if len(ci) != 1 || ci[0].Proto != ProtoWS {
		t.Errorf("Conns() = %+v", ci)
	}
	mu.Lock()
	if len(accepted) != 1 || accepted[0].writes != 1 {
		t.Errorf("accept wrapper: %d wrapped, writes through it: %v", len(accepted), accepted)
	}
	mu.Unlock()

	// Dialling: a plain TCP server stands for the peer.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		pc, err := ln.Accept()
		if err == nil {
			defer pc.Close()
			_, _ = io.Copy(io.Discard, pc)
		}
	}()
	if err := tr.Send(Dest{Proto: ProtoWS, Addr: ln.Addr().(*net.TCPAddr).AddrPort()}, []byte(request("OPTIONS", "WS 127.0.0.1", "hook-2"))); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	if len(dialled) != 1 || dialled[0].writes != 1 {
		t.Errorf("dial wrapper: %d wrapped", len(dialled))
	}
	mu.Unlock()
	// Without a hook the protocol is refused.
	if _, err := tr.Listen(Socket{Proto: ProtoWSS, IP: "127.0.0.1"}); err == nil {
		t.Error("wss listened on without a hook")
	}
}

// TestUDPMTUTryProto: a request over udp_mtu that would go out over UDP
// goes over TCP, its top Via rewritten; a small one stays on UDP.
func TestUDPMTUTryProto(t *testing.T) {
	tr, socks := listenTCP(t, Config{UDPMTU: 1300, UDPMTUTryProto: ProtoTCP}, ProtoUDP)
	// One peer listening on the same port over UDP and TCP.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	port := ln.Addr().(*net.TCPAddr).Port
	uc, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1), Port: port})
	if err != nil {
		t.Fatal(err)
	}
	defer uc.Close()
	overTCP := make(chan *Msg, 1)
	go func() {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		defer c.Close()
		_ = c.SetReadDeadline(time.Now().Add(testTimeout))
		br := bufio.NewReader(c)
		var sb strings.Builder
		cl := 0
		for {
			line, err := br.ReadString('\n')
			if err != nil {
				return
			}
			sb.WriteString(line)
			if line == "\r\n" {
				break
			}
			if v, ok := strings.CutPrefix(line, "Content-Length: "); ok {
				fmt.Sscan(strings.TrimSpace(v), &cl)
			}
		}
		body := make([]byte, cl)
		if _, err := io.ReadFull(br, body); err != nil {
			return
		}
		sb.Write(body)
		m, _ := ParseString(sb.String())
		overTCP <- m
	}()
	udpSock := socks[ProtoUDP]
	big := func(callID string, n int) []byte {
		body := strings.Repeat("a", n)
		return []byte(crlf(fmt.Sprintf(`MESSAGE sip:peer@127.0.0.1:%d SIP/2.0
Via: SIP/2.0/UDP 127.0.0.1:%d;branch=z9hG4bK-%s;rport
From: <sip:a@127.0.0.1>;tag=1
To: <sip:peer@127.0.0.1>
Call-ID: %s
CSeq: 1 MESSAGE
Max-Forwards: 70
Content-Type: text/plain
Content-Length: %d

`, port, udpSock.Port, callID, callID, n)) + body)
	}
	dst := netip.MustParseAddrPort(fmt.Sprintf("127.0.0.1:%d", port))
	if err := tr.Send(Dest{Proto: ProtoUDP, Addr: dst, Socket: udpSock}, big("small", 100)); err != nil {
		t.Fatal(err)
	}
	_ = uc.SetReadDeadline(time.Now().Add(testTimeout))
	buf := make([]byte, 65536)
	if n, _, err := uc.ReadFrom(buf); err != nil || !strings.Contains(string(buf[:n]), "Call-ID: small") {
		t.Fatalf("small request not over udp: %v", err)
	}
	if err := tr.Send(Dest{Proto: ProtoUDP, Addr: dst, Socket: udpSock}, big("large", 3000)); err != nil {
		t.Fatal(err)
	}
	select {
	case m := <-overTCP:
		v, err := m.TopVia()
		if err != nil || v.Transport != "TCP" || v.Port != socks[ProtoTCP].Port || v.Branch != "z9hG4bK-large" || !v.HasRPort {
			t.Errorf("top Via %+v (%v)", v, err)
		}
		if len(m.Body()) != 3000 {
			t.Errorf("body of %d bytes", len(m.Body()))
		}
	case <-time.After(testTimeout):
		t.Fatal("large request not received over tcp")
	}
}
