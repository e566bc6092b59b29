package e2e

import (
	"fmt"
	"net"
	"strings"
	"syscall"
	"testing"
	"time"
	"unsafe"
)

// tcpLimitsSetNofile sets a running process's soft descriptor limit
// (prlimit(2)); the hard one stays ours, so it can be raised again.
func tcpLimitsSetNofile(t *testing.T, pid int, n uint64) {
	t.Helper()
	var own syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &own); err != nil {
		t.Fatal(err)
	}
	rl := syscall.Rlimit{Cur: min(n, own.Max), Max: own.Max}
	if _, _, e := syscall.Syscall6(syscall.SYS_PRLIMIT64, uintptr(pid), syscall.RLIMIT_NOFILE,
		uintptr(unsafe.Pointer(&rl)), 0, 0, 0); e != 0 {
		t.Fatalf("prlimit: %v", e)
	}
}

// TestTCPAcceptAtFDLimit: out of file descriptors, the server stops
// accepting, says so once rather than every 10 ms, keeps serving UDP, and
// accepts again once descriptors are freed.
func TestTCPAcceptAtFDLimit(t *testing.T) {
	httpPort := freePort(t)
	srv := proxyWith2(t, tcpLimitsCfg("", httpPort), 9, 9)
	addr := fmt.Sprintf("127.0.0.1:%d", srv.Port)
	// Warm up: threads and descriptors the runtime needs exist already.
	if c, err := net.Dial("tcp", addr); err == nil {
		tcpLimitsOptions(c, "warm")
		c.Close()
	}
	tcpLimitsSetNofile(t, srv.cmd.Process.Pid, 64)
	var conns []net.Conn
	defer func() {
		for _, c := range conns {
			c.Close()
		}
	}()
	for range 100 {
		c, err := net.DialTimeout("tcp", addr, 2*time.Second)
		if err != nil {
			break // the backlog is full
		}
		conns = append(conns, c)
	}
	time.Sleep(2 * time.Second)
	logs := srv.Logs()
	// One line per episode: a descriptor the runtime frees for a moment can
	// end an episode (an accept succeeds and says so) and the next accept
	// starts another, so count episodes, and few of them.
	n := strings.Count(logs, "out of file descriptors")
	resumed := strings.Count(logs, "file descriptors available again")
	t.Logf("%d connections dialled; %d log lines about the fd limit and %d about resuming in 2s", len(conns), n, resumed)
	if n != resumed+1 || n > 3 {
		t.Errorf("%d log lines about the descriptor limit for %d resumptions, want one per episode and at most 3", n, resumed)
	}
	uac := newUDPClient(t)
	uac.Send(srv.Port, fmt.Sprintf("OPTIONS sip:ping@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:%d;branch=z9hG4bKfd\r\n"+
		"Max-Forwards: 70\r\nFrom: <sip:a@127.0.0.1>;tag=1\r\nTo: <sip:ping@127.0.0.1>\r\nCall-ID: fd\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n", uac.Port()))
	if r := uac.RecvFinal(3 * time.Second); statusCode(r) != "200" {
		t.Errorf("UDP OPTIONS at the fd limit: %q", r)
	}
	// Free descriptors: close our side and raise the limit again.
	for _, c := range conns {
		c.Close()
	}
	conns = nil
	tcpLimitsSetNofile(t, srv.cmd.Process.Pid, 4096)
	deadline := time.Now().Add(5 * time.Second)
	for !strings.Contains(srv.Logs(), "accepting") || strings.Count(srv.Logs(), "file descriptors available again") == 0 {
		if time.Now().After(deadline) {
			t.Fatal("accepting not resumed")
		}
		time.Sleep(50 * time.Millisecond)
	}
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if st := tcpLimitsOptions(c, "after-fd"); !strings.HasPrefix(st, "SIP/2.0 200") {
		t.Errorf("OPTIONS after the fd limit: %q", st)
	}
}
