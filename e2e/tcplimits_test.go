package e2e

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"gosips/internal/testenv"
)

// tcpLimitsCfg is proxyCfg with the TCP engine's limits set and MI over
// HTTP for list_tcp_conns.
func tcpLimitsCfg(globals string, httpPort int) string {
	cfg := globals + proxyCfg
	return strings.Replace(cfg, `loadmodule "sipmsgops.so"`, fmt.Sprintf(`loadmodule "sipmsgops.so"
loadmodule "httpd.so"
loadmodule "mi_http.so"
modparam("httpd", "port", %d)`, httpPort), 1)
}

// tcpLimitsConns asks list_tcp_conns for the open connections.
func tcpLimitsConns(t *testing.T, httpPort int) []map[string]any {
	t.Helper()
	raw, err := miCall(t, httpPort, "list_tcp_conns", nil)
	if err != nil {
		t.Fatalf("list_tcp_conns: %v", err)
	}
	var o struct{ Connections []map[string]any }
	if err := json.Unmarshal(raw, &o); err != nil {
		t.Fatalf("list_tcp_conns: %s", raw)
	}
	return o.Connections
}

// tcpLimitsOptions sends an OPTIONS ping over c and returns the status
// line of the answer.
func tcpLimitsOptions(c net.Conn, callID string) string {
	lp := c.LocalAddr().(*net.TCPAddr).Port
	fmt.Fprintf(c, "OPTIONS sip:ping@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/TCP 127.0.0.1:%d;branch=z9hG4bK%s\r\nMax-Forwards: 70\r\n"+
		"From: <sip:a@127.0.0.1>;tag=1\r\nTo: <sip:ping@127.0.0.1>\r\nCall-ID: %s\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n", lp, callID, callID)
	_ = c.SetReadDeadline(time.Now().Add(5 * time.Second))
	line, _ := bufio.NewReader(c).ReadString('\n')
	return strings.TrimSpace(line)
}

// tcpLimitsRaiseNofile lets the test process (and the server it starts)
// hold n descriptors.
func tcpLimitsRaiseNofile(t *testing.T, n uint64) {
	t.Helper()
	var rl syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &rl); err != nil {
		t.Fatal(err)
	}
	if rl.Max < n {
		t.Fatalf("RLIMIT_NOFILE hard limit %d is under the %d descriptors this test needs", rl.Max, n)
	}
	if rl.Cur < n {
		rl.Cur = n
	}
	// Set explicitly so that child processes inherit it (Go restores the
	// original soft limit in children otherwise).
	if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &rl); err != nil {
		t.Fatal(err)
	}
}

// TestTCPMaxConnectionsIdle3000 opens 3,000 idle TCP connections against
// tcp_max_connections=2048: 2,048 stay open, the others are closed at
// accept (logged a bounded number of times), a call over UDP still flows,
// an open connection still gets answers, memory per idle connection is
// bounded, and once connections close new ones (a TCP call) are accepted.
func TestTCPMaxConnectionsIdle3000(t *testing.T) {
	const (
		total   = 3000
		max     = 2048
		perConn = 40 // KB of RSS per idle connection at most
	)
	tcpLimitsRaiseNofile(t, 3*total)
	httpPort := freePort(t)
	uas, wait := startSippUAS(t, "uas_call.xml")
	srv := proxyWith2(t, tcpLimitsCfg("tcp_max_connections = 2048\ntcp_connection_lifetime = 600\n", httpPort), uas, uas)
	pid := srv.cmd.Process.Pid
	addr := fmt.Sprintf("127.0.0.1:%d", srv.Port)

	// Warm up the TCP path once, then take the baseline.
	warm, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	if st := tcpLimitsOptions(warm, "warm"); !strings.HasPrefix(st, "SIP/2.0 200") {
		t.Fatalf("warm-up OPTIONS: %q", st)
	}
	warm.Close()
	time.Sleep(300 * time.Millisecond)
	before := rssKB(pid)

	conns := make([]net.Conn, total)
	var dialErrs atomic.Int64
	var wg sync.WaitGroup
	sem := make(chan struct{}, 64)
	start := time.Now()
	for i := range total {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			c, err := net.DialTimeout("tcp", addr, 5*time.Second)
			if err != nil {
				dialErrs.Add(1) // reset before the dial returned: refused
				return
			}
			conns[i] = c
		}()
	}
	wg.Wait()
	defer func() {
		for _, c := range conns {
			if c != nil {
				c.Close()
			}
		}
	}()
	t.Logf("%d connections dialled in %v (%d reset during the dial)", total, time.Since(start).Round(time.Millisecond), dialErrs.Load())

	// Each connection is either closed by the server or still open.
	var open, closed atomic.Int64
	for _, c := range conns {
		if c == nil {
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			_ = c.SetReadDeadline(time.Now().Add(2 * time.Second))
			_, err := c.Read(make([]byte, 1))
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				open.Add(1)
			} else {
				closed.Add(1)
			}
		}()
	}
	wg.Wait()
	refused := closed.Load() + dialErrs.Load()
	t.Logf("open %d, refused %d", open.Load(), refused)
	if open.Load() != max || refused != total-max {
		t.Errorf("open %d refused %d, want %d and %d", open.Load(), refused, max, total-max)
	}
	listed := tcpLimitsConns(t, httpPort)
	if len(listed) != max {
		t.Errorf("list_tcp_conns lists %d connections, want %d", len(listed), max)
	}
	for _, c := range listed[:1] {
		if c["Type"] != "tcp" || c["State"] != float64(0) || c["Alias port"] == nil {
			t.Errorf("list_tcp_conns entry %v", c)
		}
	}

	time.Sleep(500 * time.Millisecond)
	after := rssKB(pid)
	per := float64(after-before) / max
	t.Logf("RSS %d KB before, %d KB with %d idle connections: %.1f KB per connection", before, after, max, per)
	if per > perConn {
		t.Errorf("%.1f KB of RSS per idle connection, bound %d KB", per, perConn)
	}

	// Refusals are logged a bounded number of times, not once each.
	if n := strings.Count(srv.Logs(), "maximum number of connections reached"); n == 0 || n > 20 {
		t.Errorf("%d log lines about refused connections for %d refusals", n, refused)
	}

	// A call over UDP flows.
	res := runSipp(t, "uac_call.xml", srv.Port, "-s", "bob")
	if res.Exit != 0 {
		t.Fatalf("UDP call at the connection limit failed (exit %d):\n%s", res.Exit, res.Output)
	}
	if u := wait(); u.Exit != 0 {
		t.Fatalf("callee failed (exit %d):\n%s", u.Exit, u.Output)
	}
	// An open connection is still served.
	var some net.Conn
	for _, c := range conns {
		if c != nil && !closedConn(c) {
			some = c
			break
		}
	}
	if some == nil {
		t.Fatal("no open connection left")
	}
	if st := tcpLimitsOptions(some, "at-limit"); !strings.HasPrefix(st, "SIP/2.0 200") {
		t.Errorf("OPTIONS over an open connection at the limit: %q", st)
	}

	// Below the limit again, a TCP call is accepted.
	n := 0
	for i, c := range conns {
		if c != nil && c != some && n < 100 {
			c.Close()
			conns[i] = nil
			n++
		}
	}
	deadline := time.Now().Add(5 * time.Second)
	for len(tcpLimitsConns(t, httpPort)) > max-50 && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
	}
	fresh, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer fresh.Close()
	if st := tcpLimitsOptions(fresh, "below-limit"); !strings.HasPrefix(st, "SIP/2.0 200") {
		t.Errorf("new TCP connection after the limit eased: %q", st)
	}
}

// closedConn reports whether the server has closed c (without waiting).
func closedConn(c net.Conn) bool {
	_ = c.SetReadDeadline(time.Now().Add(time.Millisecond))
	_, err := c.Read(make([]byte, 1))
	var ne net.Error
	return err != nil && !(errors.As(err, &ne) && ne.Timeout()) || errors.Is(err, io.EOF)
}

// TestTCPSlowLorisMaxMsgTime: a client trickling a request one byte every
// 100 ms is disconnected tcp_max_msg_time after its first byte, while
// another connection is served meanwhile.
func TestTCPSlowLorisMaxMsgTime(t *testing.T) {
	httpPort := freePort(t)
	srv := proxyWith2(t, tcpLimitsCfg("tcp_max_msg_time = 1\n", httpPort), 9, 9)
	addr := fmt.Sprintf("127.0.0.1:%d", srv.Port)
	slow, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer slow.Close()
	msg := "OPTIONS sip:ping@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/TCP 127.0.0.1:9;branch=z9hG4bKslow\r\nMax-Forwards: 70\r\n" +
		"From: <sip:a@127.0.0.1>;tag=1\r\nTo: <sip:ping@127.0.0.1>\r\nCall-ID: slow\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n"
	start := time.Now()
	var cut time.Duration
	served := false
	for i := 0; i < len(msg)-1 && time.Since(start) < 10*time.Second; i++ {
		if _, err := slow.Write([]byte{msg[i]}); err != nil || closedConn(slow) {
			cut = time.Since(start)
			break
		}
		if i == 3 {
			other, err := net.Dial("tcp", addr)
			if err != nil {
				t.Fatal(err)
			}
			served = strings.HasPrefix(tcpLimitsOptions(other, "other"), "SIP/2.0 200")
			other.Close()
		}
		time.Sleep(100 * time.Millisecond)
	}
	if cut == 0 {
		t.Fatalf("a request trickled over %v kept its connection", time.Since(start).Round(time.Millisecond))
	}
	t.Logf("slow sender cut off after %v", cut.Round(time.Millisecond))
	if cut < 900*time.Millisecond || cut > 3*time.Second {
		t.Errorf("cut off after %v, tcp_max_msg_time is 1s", cut)
	}
	if !served {
		t.Error("another connection was not served while the slow one trickled")
	}
	if !strings.Contains(srv.Logs(), "not complete within tcp_max_msg_time") {
		t.Error("the cut-off is not logged")
	}
}

// TestTCPForceAlias: after force_tcp_alias() on a client's connection, a
// request the proxy relays to the client's address and Via port over TCP
// reuses that connection (nobody listens on the Via port), and
// list_tcp_conns shows both alias ports.
func TestTCPForceAlias(t *testing.T) {
	httpPort := freePort(t)
	// A port on which nothing listens: only the alias reaches the client.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	viaPort := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	cfg := tcpLimitsCfg("", httpPort)
	cfg = strings.Replace(cfg, `	if (is_method("OPTIONS") && $rU == "ping") {`, `	if (is_method("OPTIONS") && $rU == "alias") {
		force_tcp_alias();
		sl_send_reply(200, "OK");
		exit;
	}
	if (is_method("OPTIONS") && $rU == "ping") {`, 1)
	srv := proxyWith2(t, cfg, viaPort, viaPort)
	c, err := net.Dial("tcp", fmt.Sprintf("127.0.0.1:%d", srv.Port))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	srcPort := c.LocalAddr().(*net.TCPAddr).Port
	fmt.Fprintf(c, "OPTIONS sip:alias@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/TCP 127.0.0.1:%d;branch=z9hG4bKalias\r\nMax-Forwards: 70\r\n"+
		"From: <sip:a@127.0.0.1>;tag=1\r\nTo: <sip:alias@127.0.0.1>\r\nCall-ID: alias\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n", viaPort)
	br := bufio.NewReader(c)
	_ = c.SetReadDeadline(time.Now().Add(5 * time.Second))
	if line, _ := br.ReadString('\n'); !strings.HasPrefix(line, "SIP/2.0 200") {
		t.Fatalf("OPTIONS alias: %q", line)
	}
	for { // rest of the reply
		if line, err := br.ReadString('\n'); err != nil || line == "\r\n" {
			break
		}
	}
	raw, err := miCall(t, httpPort, "list_tcp_conns", nil)
	if err != nil {
		t.Fatal(err)
	}
	if s := string(raw); !strings.Contains(s, fmt.Sprintf(`"Alias port":%d`, srcPort)) || !strings.Contains(s, fmt.Sprintf(`"Alias port":%d`, viaPort)) {
		t.Errorf("list_tcp_conns: %s", s)
	}

	// A MESSAGE from a UDP client relayed to 127.0.0.1:viaPort over TCP.
	uac := newUDPClient(t)
	uac.Send(srv.Port, fmt.Sprintf("MESSAGE sip:bob@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:%d;branch=z9hG4bKmsg;rport\r\n"+
		"Max-Forwards: 70\r\nFrom: <sip:c@127.0.0.1>;tag=2\r\nTo: <sip:bob@127.0.0.1>\r\nCall-ID: alias-msg\r\nCSeq: 1 MESSAGE\r\n"+
		"X-Transport: tcp\r\nContent-Length: 0\r\n\r\n", uac.Port()))
	_ = c.SetReadDeadline(time.Now().Add(5 * time.Second))
	var req strings.Builder
	for {
		line, err := br.ReadString('\n')
		if err != nil {
			t.Fatalf("relayed MESSAGE not received on the aliased connection: %v (%q)", err, req.String())
		}
		req.WriteString(line)
		if line == "\r\n" {
			break
		}
	}
	if !strings.HasPrefix(req.String(), "MESSAGE sip:bob@127.0.0.1") {
		t.Fatalf("got %q", req.String())
	}
	fmt.Fprint(c, miReplyTo(req.String(), 200, "OK", "bob"))
	if r := uac.RecvFinal(5 * time.Second); statusCode(r) != "200" {
		t.Errorf("UDP caller got %q", r)
	}
}

// TestUDPMTUToTCP: with udp_mtu = 1300 and udp_mtu_try_proto = TCP, a
// 3 KB MESSAGE that would be relayed over UDP goes to the callee over TCP
// (a sipp UAS listening on TCP only) and its 200 comes back to the UDP
// caller.
func TestUDPMTUToTCP(t *testing.T) {
	uas, wait := startSippUAS(t, "uas_ok.xml", "-t", "t1")
	srv := proxyWith2(t, "udp_mtu = 1300\nudp_mtu_try_proto = TCP\n"+proxyCfg, uas, uas)
	uac := newUDPClient(t)
	body := strings.Repeat("x", 3000)
	uac.Send(srv.Port, fmt.Sprintf("MESSAGE sip:bob@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:%d;branch=z9hG4bKmtu;rport\r\n"+
		"Max-Forwards: 70\r\nFrom: <sip:c@127.0.0.1>;tag=3\r\nTo: <sip:bob@127.0.0.1>\r\nCall-ID: mtu\r\nCSeq: 1 MESSAGE\r\n"+
		"Content-Type: text/plain\r\nContent-Length: %d\r\n\r\n%s", uac.Port(), len(body), body))
	if r := uac.RecvFinal(8 * time.Second); statusCode(r) != "200" {
		t.Fatalf("caller got %q\n%s", r, srv.Logs())
	}
	res := wait()
	if !strings.Contains(res.Messages, "SIP/2.0/TCP 127.0.0.1:"+fmt.Sprint(srv.Port)) {
		t.Errorf("the callee did not see our Via over TCP:\n%s", res.Messages)
	}
}

// tcpLimitsOracleCfg caps accepted connections at 3 and aliases the
// connection of an OPTIONS to "alias".
const tcpLimitsOracleCfg = `
log_level = 3
stderror_enabled = yes
udp_workers = 1
tcp_workers = 1
socket = udp:127.0.0.1:PORT
socket = tcp:127.0.0.1:PORT
tcp_max_connections = 3
loadmodule "proto_udp.so"
loadmodule "proto_tcp.so"
loadmodule "sl.so"
loadmodule "httpd.so"
loadmodule "mi_http.so"
modparam("httpd", "port", HTTPPORT)
route {
	if ($rU == "alias") {
		force_tcp_alias();
	}
	sl_send_reply(200, "OK");
}
`

// tcpLimitsProbe opens 5 connections to port, aliases the first to Via
// port 5999, and returns which connections the server kept and its
// list_tcp_conns answer with ports, ids and times replaced by names.
func tcpLimitsProbe(t *testing.T, port, httpPort int) (string, string) {
	t.Helper()
	var conns []net.Conn
	for range 5 {
		c, err := net.Dial("tcp", fmt.Sprintf("127.0.0.1:%d", port))
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		conns = append(conns, c)
		time.Sleep(100 * time.Millisecond)
	}
	c := conns[0]
	fmt.Fprintf(c, "OPTIONS sip:alias@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/TCP 127.0.0.1:5999;branch=z9hG4bKor\r\nMax-Forwards: 70\r\n"+
		"From: <sip:a@127.0.0.1>;tag=1\r\nTo: <sip:alias@127.0.0.1>\r\nCall-ID: oracle\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n")
	_ = c.SetReadDeadline(time.Now().Add(3 * time.Second))
	if line, _ := bufio.NewReader(c).ReadString('\n'); !strings.HasPrefix(line, "SIP/2.0 200") {
		t.Fatalf("OPTIONS: %q", line)
	}
	var states []string
	for _, c := range conns[1:] {
		if closedConn(c) || closedWithinE2E(c, 300*time.Millisecond) {
			states = append(states, "closed")
		} else {
			states = append(states, "open")
		}
	}
	raw, err := miCall(t, httpPort, "list_tcp_conns", nil)
	if err != nil {
		t.Fatal(err)
	}
	s := string(raw)
	repl := []string{fmt.Sprint(port), "SERVER", "5999", "VIA"}
	for i, c := range conns {
		repl = append(repl, fmt.Sprint(c.LocalAddr().(*net.TCPAddr).Port), fmt.Sprintf("C%d", i))
	}
	s = strings.NewReplacer(repl...).Replace(s)
	s = regexp.MustCompile(`"ID":\d+`).ReplaceAllString(s, `"ID":N`)
	s = regexp.MustCompile(`"Lifetime":"[^"]*"`).ReplaceAllString(s, `"Lifetime":T`)
	return strings.Join(states, " "), s
}

// closedWithinE2E reports whether the server closes c within d.
func closedWithinE2E(c net.Conn, d time.Duration) bool {
	_ = c.SetReadDeadline(time.Now().Add(d))
	_, err := c.Read(make([]byte, 1))
	var ne net.Error
	return err != nil && !(errors.As(err, &ne) && ne.Timeout())
}

// TestTCPLimitsOracle compares gosips with real OpenSIPS (OPENSIPS_BIN):
// which connections past tcp_max_connections are closed, and the
// list_tcp_conns answer with force_tcp_alias() alias ports.
func TestTCPLimitsOracle(t *testing.T) {
	bin := testenv.Oracle(t)
	run := func(start func(cfg string) int) (string, string) {
		httpPort := freePort(t)
		port := start(strings.ReplaceAll(tcpLimitsOracleCfg, "HTTPPORT", fmt.Sprint(httpPort)))
		return tcpLimitsProbe(t, port, httpPort)
	}
	gs, gl := run(func(cfg string) int { return startServer(t, cfg).Port })
	ostates, ol := run(func(cfg string) int { return natOracleStart(t, bin, cfg) })
	t.Logf("opensips: %s\n%s", ostates, ol)
	if gs != ostates {
		t.Errorf("connections kept: gosips %q, opensips %q", gs, ostates)
	}
	if gl != ol {
		t.Errorf("list_tcp_conns:\ngosips   %s\nopensips %s", gl, ol)
	}
}

// tcpPersistCfg saves REGISTERs with registrar's tcp_persistent_flag set
// when the request asks for it, under a 1 s tcp_connection_lifetime.
const tcpPersistCfg = `
log_level = 3
stderror_enabled = yes
socket = udp:127.0.0.1:PORT
socket = tcp:127.0.0.1:PORT
tcp_connection_lifetime = 1
loadmodule "proto_udp.so"
loadmodule "proto_tcp.so"
loadmodule "sl.so"
loadmodule "signaling.so"
loadmodule "usrloc.so"
loadmodule "registrar.so"
loadmodule "sipmsgops.so"
loadmodule "httpd.so"
loadmodule "mi_http.so"
modparam("httpd", "port", HTTPPORT)
modparam("registrar", "tcp_persistent_flag", "TCP_PERSIST")
route {
	if (is_method("REGISTER")) {
		if ($hdr(X-Persist) == "yes")
			setflag("TCP_PERSIST");
		save("location");
		exit;
	}
	sl_send_reply(404, "Not here");
}
`

// TestTCPPersistentFlag: a REGISTER saved with tcp_persistent_flag keeps
// its TCP connection open for the contact's expires (plus 10 s) past
// tcp_connection_lifetime; one without the flag is closed after it.
func TestTCPPersistentFlag(t *testing.T) {
	httpPort := freePort(t)
	srv := startServer(t, strings.ReplaceAll(tcpPersistCfg, "HTTPPORT", fmt.Sprint(httpPort)))
	register := func(user, persist string) net.Conn {
		c, err := net.Dial("tcp", fmt.Sprintf("127.0.0.1:%d", srv.Port))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { c.Close() })
		lp := c.LocalAddr().(*net.TCPAddr).Port
		fmt.Fprintf(c, "REGISTER sip:127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/TCP 127.0.0.1:%d;branch=z9hG4bKreg%s\r\nMax-Forwards: 70\r\n"+
			"From: <sip:%s@127.0.0.1>;tag=1\r\nTo: <sip:%s@127.0.0.1>\r\nCall-ID: reg-%s\r\nCSeq: 1 REGISTER\r\n"+
			"Contact: <sip:%s@127.0.0.1:%d;transport=tcp>;expires=600\r\nX-Persist: %s\r\nContent-Length: 0\r\n\r\n",
			lp, user, user, user, user, user, lp, persist)
		_ = c.SetReadDeadline(time.Now().Add(3 * time.Second))
		if line, _ := bufio.NewReader(c).ReadString('\n'); !strings.HasPrefix(line, "SIP/2.0 200") {
			t.Fatalf("REGISTER %s: %q", user, line)
		}
		return c
	}
	kept := register("kept", "yes")
	dropped := register("dropped", "no")
	if !closedWithinE2E(dropped, 4*time.Second) {
		t.Error("the connection without tcp_persistent_flag outlived tcp_connection_lifetime")
	}
	if closedConn(kept) {
		t.Fatal("the persistent connection was closed with the lifetime")
	}
	conns := tcpLimitsConns(t, httpPort)
	if len(conns) != 1 {
		t.Fatalf("list_tcp_conns: %v", conns)
	}
	life, err := time.ParseInLocation("2006-01-02 15:04:05", conns[0]["Lifetime"].(string), time.Local)
	if err != nil {
		t.Fatal(err)
	}
	if d := time.Until(life); d < 500*time.Second || d > 620*time.Second {
		t.Errorf("persistent connection closes in %v, want about 610s", d.Round(time.Second))
	}
}
