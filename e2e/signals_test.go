package e2e

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

const signalsCfg = `
log_level = 3
socket = udp:127.0.0.1:PORT
loadmodule "proto_udp.so"
loadmodule "sl.so"
route {
	sl_send_reply(200, "Still Here");
}
`

const optionsReq = `OPTIONS sip:127.0.0.1 SIP/2.0
Via: SIP/2.0/UDP 127.0.0.1:LPORT;branch=z9hG4bKsig-%d
Max-Forwards: 70
From: <sip:a@127.0.0.1>;tag=s1
To: <sip:b@127.0.0.1>
Call-ID: sig-%d@127.0.0.1
CSeq: 1 OPTIONS
Content-Length: 0

`

// TestSignalsDoNotKill sends SIGHUP, SIGUSR1, SIGUSR2 and SIGPIPE (which
// OpenSIPS ignores) and checks the server still answers; SIGHUP reopens
// the --log-file after a rotation; the pid file holds the pid and is
// removed at exit.
func TestSignalsDoNotKill(t *testing.T) {
	port := freePort(t)
	srv := startServerArgs(t, signalsCfg, port, "--log-file", "TMPDIR/gosips.log", "--pid-file", "TMPDIR/gosips.pid")
	dir := filepath.Dir(srv.cmd.Args[3])
	logPath, pidPath := filepath.Join(dir, "gosips.log"), filepath.Join(dir, "gosips.pid")
	b, err := os.ReadFile(pidPath)
	if err != nil {
		t.Fatalf("pid file: %v", err)
	}
	if pid, _ := strconv.Atoi(strings.TrimSpace(string(b))); pid != srv.cmd.Process.Pid {
		t.Errorf("pid file says %q, process is %d", b, srv.cmd.Process.Pid)
	}
	c := newUDPClient(t)
	ask := func(i int) {
		t.Helper()
		c.Send(port, strings.ReplaceAll(strings.ReplaceAll(optionsReq, "%d", strconv.Itoa(i)), "\n", "\r\n"))
		if r := c.RecvFinal(2 * time.Second); statusCode(r) != "200" {
			t.Fatalf("no 200 after signal %d: %q\n%s", i, r, srv.Logs())
		}
	}
	ask(0)
	// Rotate: move the file away, SIGHUP, the server writes a new one.
	if err := os.Rename(logPath, logPath+".1"); err != nil {
		t.Fatal(err)
	}
	for i, sig := range []syscall.Signal{syscall.SIGHUP, syscall.SIGUSR1, syscall.SIGUSR2, syscall.SIGPIPE} {
		if err := srv.cmd.Process.Signal(sig); err != nil {
			t.Fatal(err)
		}
		time.Sleep(100 * time.Millisecond)
		select {
		case <-srv.done:
			t.Fatalf("gosips exited on %v", sig)
		default:
		}
		ask(i + 1)
	}
	nb, err := os.ReadFile(logPath)
	if err != nil || !strings.Contains(string(nb), "log file reopened") {
		t.Errorf("no new log file after SIGHUP: %v %q", err, nb)
	}
	srv.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-srv.done:
	case <-time.After(5 * time.Second):
		t.Fatal("gosips did not stop on SIGTERM")
	}
	if _, err := os.Stat(pidPath); !os.IsNotExist(err) {
		t.Errorf("pid file left behind: %v", err)
	}
	nb, _ = os.ReadFile(logPath)
	if !strings.Contains(string(nb), "gosips stopped") {
		t.Errorf("log file misses the stop notice: %q", nb)
	}
}
