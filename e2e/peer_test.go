package e2e

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"gosips/internal/testenv"
)

// tcpPeer is a SIP peer on one TCP connection (dialled or accepted) that
// frames messages by Content-Length.
type tcpPeer struct {
	t    *testing.T
	conn net.Conn
	rd   *bufio.Reader
	msgs chan string
}

// dialTCPPeer connects to 127.0.0.1:port.
func dialTCPPeer(t *testing.T, port int) *tcpPeer {
	t.Helper()
	c, err := net.DialTimeout("tcp", fmt.Sprintf("127.0.0.1:%d", port), 3*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	return newTCPPeer(t, c)
}

func newTCPPeer(t *testing.T, c net.Conn) *tcpPeer {
	p := &tcpPeer{t: t, conn: c, rd: bufio.NewReader(c), msgs: make(chan string, 64)}
	t.Cleanup(func() { c.Close() })
	go p.readLoop()
	return p
}

// Port is the local port of the connection.
func (p *tcpPeer) Port() int { return p.conn.LocalAddr().(*net.TCPAddr).Port }

func (p *tcpPeer) readLoop() {
	defer close(p.msgs)
	for {
		var b strings.Builder
		cl := 0
		for {
			line, err := p.rd.ReadString('\n')
			if err != nil {
				return
			}
			if b.Len() == 0 && strings.TrimSpace(line) == "" {
				continue // keepalive
			}
			b.WriteString(line)
			l := strings.TrimRight(line, "\r\n")
			if l == "" {
				break
			}
			if k, v, ok := strings.Cut(l, ":"); ok {
				k = strings.ToLower(strings.TrimSpace(k))
				if k == "content-length" || k == "l" {
					cl, _ = strconv.Atoi(strings.TrimSpace(v))
				}
			}
		}
		body := make([]byte, cl)
		if _, err := io.ReadFull(p.rd, body); err != nil {
			return
		}
		b.Write(body)
		p.msgs <- b.String()
	}
}

// Send writes a message with CRLF line ends; LPORT is the local port.
func (p *tcpPeer) Send(msg string) {
	p.t.Helper()
	msg = strings.ReplaceAll(msg, "LPORT", fmt.Sprint(p.Port()))
	msg = strings.ReplaceAll(strings.ReplaceAll(msg, "\r\n", "\n"), "\n", "\r\n")
	p.conn.SetWriteDeadline(time.Now().Add(3 * time.Second))
	if _, err := io.WriteString(p.conn, msg); err != nil {
		p.t.Fatal(err)
	}
}

// Recv waits for one message ("" after the timeout or on close).
func (p *tcpPeer) Recv(timeout time.Duration) string {
	select {
	case m := <-p.msgs:
		return m
	case <-time.After(timeout):
		return ""
	}
}

// RecvFinal skips provisional replies.
func (p *tcpPeer) RecvFinal(timeout time.Duration) string {
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		m := p.Recv(time.Until(deadline))
		if m == "" || !strings.HasPrefix(m, "SIP/2.0 1") {
			return m
		}
	}
	return ""
}

// sipReply builds a reply to req copying Via, From, To (with totag when
// given), Call-ID, CSeq and Record-Route; extra lines are added as they
// are.
func sipReply(req, code, totag string, extra ...string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "SIP/2.0 %s\r\n", code)
	sc := bufio.NewScanner(strings.NewReader(req))
	first := true
	for sc.Scan() {
		line := sc.Text()
		if first {
			first = false
			continue
		}
		if line == "" {
			break
		}
		k, _, _ := strings.Cut(line, ":")
		switch strings.ToLower(strings.TrimSpace(k)) {
		case "via", "v", "from", "f", "call-id", "i", "cseq", "record-route":
			b.WriteString(line + "\r\n")
		case "to", "t":
			if totag != "" && !strings.Contains(line, "tag=") {
				line += ";tag=" + totag
			}
			b.WriteString(line + "\r\n")
		}
	}
	for _, e := range extra {
		b.WriteString(e + "\r\n")
	}
	b.WriteString("Content-Length: 0\r\n\r\n")
	return b.String()
}

// requestLine returns the first line of a message.
func requestLine(msg string) string {
	l, _, _ := strings.Cut(msg, "\r\n")
	return l
}

// routeSet returns the Record-Route URIs of a message in order, split
// at commas.
func routeSet(msg string) []string {
	var out []string
	for _, h := range headers(msg, "Record-Route") {
		for _, e := range strings.Split(h, ",") {
			out = append(out, strings.TrimSpace(e))
		}
	}
	return out
}

// reversed returns s in reverse order.
func reversed(s []string) []string {
	out := make([]string, len(s))
	for i, v := range s {
		out[len(s)-1-i] = v
	}
	return out
}

// udpPeer is a UDP peer bound to a given address (inside a test network
// namespace).
type udpPeer struct {
	t    *testing.T
	conn *net.UDPConn
}

func newUDPPeerOn(t *testing.T, addr string) *udpPeer {
	t.Helper()
	a, err := net.ResolveUDPAddr("udp", addr)
	if err != nil {
		t.Fatal(err)
	}
	c, err := net.ListenUDP("udp", a)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return &udpPeer{t: t, conn: c}
}

// SendTo writes msg (CRLF line ends) to addr.
func (p *udpPeer) SendTo(addr, msg string) {
	p.t.Helper()
	a, err := net.ResolveUDPAddr("udp", addr)
	if err != nil {
		p.t.Fatal(err)
	}
	msg = strings.ReplaceAll(strings.ReplaceAll(msg, "\r\n", "\n"), "\n", "\r\n")
	if _, err := p.conn.WriteToUDP([]byte(msg), a); err != nil {
		p.t.Fatal(err)
	}
}

// RecvFrom waits for one message and returns it with its source.
func (p *udpPeer) RecvFrom(timeout time.Duration) (string, string) {
	p.conn.SetReadDeadline(time.Now().Add(timeout))
	buf := make([]byte, 65535)
	n, src, err := p.conn.ReadFromUDP(buf)
	if err != nil {
		return "", ""
	}
	return string(buf[:n]), src.String()
}

// RecvFinal skips provisional replies.
func (p *udpPeer) RecvFinal(timeout time.Duration) string {
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		m, _ := p.RecvFrom(time.Until(deadline))
		if m == "" || !strings.HasPrefix(m, "SIP/2.0 1") {
			return m
		}
	}
	return ""
}

// runInNetns runs the test named name again in a new network namespace
// (unshare -n) whose loopback carries addrs, with GOSIPS_IN_NETNS set,
// and fails when it fails. A namespace needs root: without it the test is
// skipped with that reason (a failure under GOSIPS_E2E_REQUIRED=1).
func runInNetns(t *testing.T, name string, addrs ...string) {
	t.Helper()
	if os.Geteuid() != 0 {
		testenv.Missing(t, "root", "a network namespace (unshare -n) needs it")
	}
	unshare, err := exec.LookPath("unshare")
	if err != nil {
		t.Fatalf("unshare (util-linux) is needed for network namespace tests: %v", err)
	}
	bin := gosipsBin(t)
	// Addresses go on the namespace's loopback: a dummy interface needs a
	// kernel module that containers often lack, and the kernel picks the
	// source address per prefix the same way.
	script := "ip link set lo up"
	for _, a := range addrs {
		script += " && ip addr add " + a + " dev lo"
	}
	script += ` && exec "$0" -test.run '^` + name + `$' -test.count=1 -test.v`
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, unshare, "-n", "sh", "-c", script, os.Args[0])
	cmd.Env = append(os.Environ(), "GOSIPS_IN_NETNS=1", "GOSIPS_BIN="+bin)
	out, err := cmd.CombinedOutput()
	t.Logf("in the network namespace:\n%s", out)
	if err != nil {
		t.Fatalf("test in the network namespace failed: %v", err)
	}
	if !strings.Contains(string(out), "--- PASS: "+name) {
		t.Fatal("test in the network namespace did not pass")
	}
}
