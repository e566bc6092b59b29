// Package e2e runs the gosips binary on loopback against real SIP peers
// (sipp and small Go clients) and checks what goes over the wire.
package e2e

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"gosips/internal/testenv"
)

var (
	buildOnce sync.Once
	binPath   string
	buildErr  error
)

// gosipsBin builds the binary once per test run.
func gosipsBin(t *testing.T) string {
	t.Helper()
	buildOnce.Do(func() {
		// GOSIPS_BIN runs a prebuilt binary instead of building one.
		if p := os.Getenv("GOSIPS_BIN"); p != "" {
			binPath = p
			return
		}
		dir, err := os.MkdirTemp("", "gosips-e2e")
		if err != nil {
			buildErr = err
			return
		}
		binPath = filepath.Join(dir, "gosips")
		out, err := exec.Command("go", "build", "-o", binPath, "../cmd/gosips").CombinedOutput()
		if err != nil {
			buildErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return binPath
}

// freePort returns a loopback port free for both UDP and TCP.
func freePort(t *testing.T) int {
	t.Helper()
	for i := 0; i < 50; i++ {
		l, err := net.ListenPacket("udp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		port := l.LocalAddr().(*net.UDPAddr).Port
		l.Close()
		tl, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", port))
		if err != nil {
			continue
		}
		tl.Close()
		return port
	}
	t.Fatal("no free port")
	return 0
}

// server is a running gosips process.
type server struct {
	Port int
	cmd  *exec.Cmd
	logs *syncBuffer
	done chan struct{}
}

// syncBuffer collects a process's output. With file set the process
// writes into that file itself, so a line it logged before answering a
// request is there when the answer arrives (a pipe read by a goroutine
// may lag behind).
type syncBuffer struct {
	mu   sync.Mutex
	b    bytes.Buffer
	file string
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	if s.file != "" {
		b, _ := os.ReadFile(s.file)
		return string(b)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// Logs returns what the server logged so far.
func (s *server) Logs() string { return s.logs.String() }

// startServer writes cfg (with PORT replaced by a free port) and runs
// gosips on it until the test ends. It waits until the server answers an
// OPTIONS or logs that it started.
func startServer(t *testing.T, cfg string) *server {
	t.Helper()
	port := freePort(t)
	return startServerOn(t, cfg, port)
}

func startServerOn(t *testing.T, cfg string, port int) *server {
	t.Helper()
	return startServerArgs(t, cfg, port)
}

// startServerArgs is startServerOn with extra "gosips run" arguments
// (TMPDIR in them is the config's directory).
func startServerArgs(t *testing.T, cfg string, port int, args ...string) *server {
	t.Helper()
	bin := gosipsBin(t)
	dir := t.TempDir()
	cfg = strings.ReplaceAll(cfg, "PORT", fmt.Sprint(port))
	cfg = strings.ReplaceAll(cfg, "TMPDIR", dir)
	path := filepath.Join(dir, "opensips.cfg")
	if err := os.WriteFile(path, []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	s := &server{Port: port, logs: &syncBuffer{}, done: make(chan struct{})}
	for i := range args {
		args[i] = strings.ReplaceAll(args[i], "TMPDIR", dir)
	}
	s.cmd = exec.Command(bin, append([]string{"run", "-f", path}, args...)...)
	s.cmd.Dir = dir
	logf, err := os.Create(filepath.Join(dir, "stdio.log"))
	if err != nil {
		t.Fatal(err)
	}
	s.logs.file = logf.Name()
	s.cmd.Stdout = logf
	s.cmd.Stderr = logf
	if err := s.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	logf.Close() // the child has its own descriptor
	go func() { s.cmd.Wait(); close(s.done) }()
	t.Cleanup(func() { s.stop(t) })
	s.waitStarted(t, func() bool { return s.started(dir) })
	return s
}

// waitStarted waits until the server logs that it started, or ready
// (when given) says so.
func (s *server) waitStarted(t *testing.T, ready func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case <-s.done:
			t.Fatalf("gosips exited early:\n%s", s.Logs())
		default:
		}
		if strings.Contains(s.Logs(), "gosips started") || ready != nil && ready() {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("gosips did not start:\n%s", s.Logs())
}

// started reports whether a log file in dir (run --log-file) says the
// server started.
func (s *server) started(dir string) bool {
	b, err := os.ReadFile(filepath.Join(dir, "gosips.log"))
	return err == nil && bytes.Contains(b, []byte("gosips started"))
}

func (s *server) stop(t *testing.T) {
	select {
	case <-s.done:
		return
	default:
	}
	s.cmd.Process.Signal(os.Interrupt)
	select {
	case <-s.done:
	case <-time.After(5 * time.Second):
		s.cmd.Process.Kill()
		<-s.done
		t.Errorf("gosips did not stop on SIGINT")
	}
	if t.Failed() {
		t.Logf("gosips logs:\n%s", s.Logs())
	}
}

// needSipp returns sipp's path; without it the test skips, or fails in
// strict mode (.ci/run installs it).
func needSipp(t *testing.T) string {
	t.Helper()
	return testenv.Tool(t, "sipp", "sip-tester")
}

// sippResult is the outcome of one sipp run.
type sippResult struct {
	Exit     int
	Output   string
	Messages string // the -trace_msg log
}

// runSipp runs a scenario file from testdata against 127.0.0.1:port with a
// bounded number of calls and a timeout.
func runSipp(t *testing.T, scenario string, target int, args ...string) sippResult {
	t.Helper()
	sipp := needSipp(t)
	dir := t.TempDir()
	scen, err := filepath.Abs(filepath.Join("testdata", scenario))
	if err != nil {
		t.Fatal(err)
	}
	base := []string{"-sf", scen, fmt.Sprintf("127.0.0.1:%d", target), "-i", "127.0.0.1",
		"-m", "1", "-timeout", "20s", "-timeout_error", "-nostdin", "-trace_msg", "-trace_err",
		"-message_file", filepath.Join(dir, "msg.log"), "-error_file", filepath.Join(dir, "err.log")}
	full := append(base, args...)
	ctx, cancel := context.WithTimeout(context.Background(), 40*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, sipp, full...)
	cmd.Dir = dir
	out, _ := cmd.CombinedOutput()
	res := sippResult{Exit: cmd.ProcessState.ExitCode(), Output: string(out)}
	if b, err := os.ReadFile(filepath.Join(dir, "msg.log")); err == nil {
		res.Messages = string(b)
	}
	if res.Exit != 0 {
		if b, err := os.ReadFile(filepath.Join(dir, "err.log")); err == nil {
			res.Output += "\n--- sipp errors:\n" + string(b)
		}
	}
	return res
}

// startSippUAS runs a sipp server scenario in the background on a free port
// and returns the port; it is stopped when the test ends.
func startSippUAS(t *testing.T, scenario string, args ...string) (int, func() sippResult) {
	t.Helper()
	sipp := needSipp(t)
	port := freePort(t)
	dir := t.TempDir()
	scen, _ := filepath.Abs(filepath.Join("testdata", scenario))
	full := append([]string{"-sf", scen, "-p", fmt.Sprint(port), "-i", "127.0.0.1", "-m", "1",
		"-timeout", "30s", "-nostdin", "-trace_msg", "-message_file", filepath.Join(dir, "msg.log")}, args...)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	cmd := exec.CommandContext(ctx, sipp, full...)
	cmd.Dir = dir
	var out syncBuffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		cancel()
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() { cmd.Wait(); close(done) }()
	var once sync.Once
	var res sippResult
	wait := func() sippResult {
		once.Do(func() {
			select {
			case <-done:
			case <-time.After(35 * time.Second):
				cmd.Process.Kill()
				<-done
			}
			cancel()
			res = sippResult{Exit: cmd.ProcessState.ExitCode(), Output: out.String()}
			if b, err := os.ReadFile(filepath.Join(dir, "msg.log")); err == nil {
				res.Messages = string(b)
			}
		})
		return res
	}
	t.Cleanup(func() {
		select {
		case <-done:
		default:
			cmd.Process.Kill()
		}
		wait()
	})
	time.Sleep(150 * time.Millisecond) // let sipp bind
	return port, wait
}

// udpClient is a minimal SIP client for precise assertions.
type udpClient struct {
	conn *net.UDPConn
	t    *testing.T
}

func newUDPClient(t *testing.T) *udpClient {
	t.Helper()
	c, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return &udpClient{conn: c, t: t}
}

// Port is the client's local port.
func (c *udpClient) Port() int { return c.conn.LocalAddr().(*net.UDPAddr).Port }

// Send writes a message, replacing LPORT with the client's port and CRLF
// line ends.
func (c *udpClient) Send(port int, msg string) {
	c.t.Helper()
	msg = strings.ReplaceAll(msg, "LPORT", fmt.Sprint(c.Port()))
	msg = strings.ReplaceAll(strings.ReplaceAll(msg, "\r\n", "\n"), "\n", "\r\n")
	if _, err := c.conn.WriteToUDP([]byte(msg), &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1), Port: port}); err != nil {
		c.t.Fatal(err)
	}
}

// SendRaw writes bytes as they are.
func (c *udpClient) SendRaw(port int, b []byte) {
	c.t.Helper()
	if _, err := c.conn.WriteToUDP(b, &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1), Port: port}); err != nil {
		c.t.Fatal(err)
	}
}

// Recv waits for one message (or returns "" after the timeout).
func (c *udpClient) Recv(timeout time.Duration) string {
	c.conn.SetReadDeadline(time.Now().Add(timeout))
	buf := make([]byte, 65535)
	n, _, err := c.conn.ReadFromUDP(buf)
	if err != nil {
		return ""
	}
	return string(buf[:n])
}

// RecvFinal skips provisional replies and returns the first final one.
func (c *udpClient) RecvFinal(timeout time.Duration) string {
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		m := c.Recv(time.Until(deadline))
		if m == "" {
			return ""
		}
		if !strings.HasPrefix(m, "SIP/2.0 1") {
			return m
		}
	}
	return ""
}

// statusCode returns the status code of a reply ("" when not a reply).
func statusCode(msg string) string {
	if !strings.HasPrefix(msg, "SIP/2.0 ") || len(msg) < 11 {
		return ""
	}
	return msg[8:11]
}

// header returns the first value of a header (case-insensitive name).
func header(msg, name string) string {
	sc := bufio.NewScanner(strings.NewReader(msg))
	for sc.Scan() {
		line := sc.Text()
		if line == "" {
			break
		}
		if k, v, ok := strings.Cut(line, ":"); ok && strings.EqualFold(strings.TrimSpace(k), name) {
			return strings.TrimSpace(v)
		}
	}
	return ""
}

// headers returns every value of a header.
func headers(msg, name string) []string {
	var out []string
	sc := bufio.NewScanner(strings.NewReader(msg))
	for sc.Scan() {
		line := sc.Text()
		if line == "" {
			break
		}
		if k, v, ok := strings.Cut(line, ":"); ok && strings.EqualFold(strings.TrimSpace(k), name) {
			out = append(out, strings.TrimSpace(v))
		}
	}
	return out
}
