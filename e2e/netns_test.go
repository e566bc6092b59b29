package e2e

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"gosips/internal/testenv"
)

// netns is a network namespace made for one test, with its own loopback:
// a config that names fixed sockets (udp:127.0.0.1:5060) runs there
// unchanged without meeting other processes. It needs root and iproute2.
type netns struct{ name string }

var netnsSeq, sippSeq atomic.Int64

func newNetns(t *testing.T) *netns {
	t.Helper()
	if os.Geteuid() != 0 {
		testenv.Missing(t, "root", "network namespaces need root")
	}
	testenv.Tool(t, "ip", "iproute2")
	n := &netns{name: fmt.Sprintf("gosips-e2e-%d-%d", os.Getpid(), netnsSeq.Add(1))}
	if out, err := exec.Command("ip", "netns", "add", n.name).CombinedOutput(); err != nil {
		testenv.Missing(t, "network namespaces", fmt.Sprintf("ip netns add: %v %s", err, out))
	}
	t.Cleanup(func() { exec.Command("ip", "netns", "del", n.name).Run() })
	if out, err := exec.Command("ip", "-n", n.name, "link", "set", "lo", "up").CombinedOutput(); err != nil {
		t.Fatalf("lo up: %v %s", err, out)
	}
	return n
}

// command runs args inside the namespace (and in a private mount
// namespace, which ip netns exec makes).
func (n *netns) command(ctx context.Context, args ...string) *exec.Cmd {
	return exec.CommandContext(ctx, "ip", append([]string{"netns", "exec", n.name}, args...)...)
}

// syslogSinkLines listens on a local syslog socket and collects what
// arrives.
type syslogLines struct {
	path string
	mu   sync.Mutex
	msgs []string
}

func newSyslogLines(t *testing.T) *syslogLines {
	t.Helper()
	dir, err := os.MkdirTemp("", "acclog")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	s := &syslogLines{path: filepath.Join(dir, "log.sock")}
	c, err := net.ListenUnixgram("unixgram", &net.UnixAddr{Name: s.path, Net: "unixgram"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	go func() {
		buf := make([]byte, 65536)
		for {
			k, err := c.Read(buf)
			if err != nil {
				return
			}
			s.mu.Lock()
			s.msgs = append(s.msgs, string(buf[:k]))
			s.mu.Unlock()
		}
	}()
	return s
}

// matching returns the messages containing sub.
func (s *syslogLines) matching(sub string) []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []string
	for _, m := range s.msgs {
		if strings.Contains(m, sub) {
			out = append(out, m)
		}
	}
	return out
}

func (s *syslogLines) all() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return strings.Join(s.msgs, "\n")
}

// waitFor waits until n messages contain sub.
func (s *syslogLines) waitFor(sub string, n int, d time.Duration) []string {
	var got []string
	eventually(d, func() bool { got = s.matching(sub); return len(got) >= n })
	return got
}

// nsServer runs gosips inside a namespace exactly as a user would:
// "gosips run -f FILE -l udp:127.0.0.1:PORT", its logs going to syslog.
type nsServer struct {
	cmd  *exec.Cmd
	out  *syncBuffer
	done chan struct{}
}

// startNSServer runs the config file path (unchanged) in ns. mkdirs are
// made on a private tmpfs first (the stock config's /run/opensips FIFO
// directory, which packaging creates).
func startNSServer(t *testing.T, ns *netns, path string, port int, sys *syslogLines, mkdirs ...string) *nsServer {
	t.Helper()
	bin, err := filepath.Abs(gosipsBin(t))
	if err != nil {
		t.Fatal(err)
	}
	script := ""
	for _, d := range mkdirs {
		script += fmt.Sprintf("mkdir -p %s && mount -t tmpfs gosips %s && ", d, d)
	}
	script += `exec "$@"`
	s := &nsServer{out: &syncBuffer{}, done: make(chan struct{})}
	s.cmd = ns.command(context.Background(), "sh", "-c", script, "sh", bin, "run", "-f", path,
		"-l", "udp:127.0.0.1:"+strconv.Itoa(port), "--syslog-socket", sys.path)
	s.cmd.Stdout, s.cmd.Stderr = s.out, s.out
	if err := s.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { s.cmd.Wait(); close(s.done) }()
	t.Cleanup(func() {
		select {
		case <-s.done:
		default:
			s.cmd.Process.Signal(os.Interrupt)
			select {
			case <-s.done:
			case <-time.After(5 * time.Second):
				s.cmd.Process.Kill()
				<-s.done
			}
		}
		if t.Failed() {
			t.Logf("gosips output:\n%s\nsyslog:\n%s", s.out.String(), sys.all())
		}
	})
	if len(sys.waitFor("gosips started", 1, 10*time.Second)) == 0 {
		t.Fatalf("gosips did not start:\n%s\nsyslog:\n%s", s.out.String(), sys.all())
	}
	return s
}

// nsSipp runs a sipp scenario from testdata inside ns and waits for it;
// server scenarios (no target) listen on port.
func nsSipp(t *testing.T, ns *netns, scenario string, target, port int, args ...string) func() sippResult {
	t.Helper()
	sipp := needSipp(t)
	dir := t.TempDir()
	scen, err := filepath.Abs(filepath.Join("testdata", scenario))
	if err != nil {
		t.Fatal(err)
	}
	// Each sipp gets its own media ports (default 6000 and up).
	mp := 30000 + 10*int(sippSeq.Add(1)%2000)
	full := []string{sipp, "-sf", scen, "-i", "127.0.0.1", "-p", strconv.Itoa(port), "-mp", strconv.Itoa(mp), "-m", "1",
		"-timeout", "20s", "-timeout_error", "-nostdin", "-trace_msg", "-trace_err",
		"-message_file", filepath.Join(dir, "msg.log"), "-error_file", filepath.Join(dir, "err.log")}
	if target > 0 {
		full = append(full, fmt.Sprintf("127.0.0.1:%d", target))
	}
	full = append(full, args...)
	ctx, cancel := context.WithTimeout(context.Background(), 40*time.Second)
	cmd := ns.command(ctx, full...)
	cmd.Dir = dir
	out := &syncBuffer{}
	cmd.Stdout, cmd.Stderr = out, out
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
			<-done
			cancel()
			res = sippResult{Exit: cmd.ProcessState.ExitCode(), Output: out.String()}
			if b, err := os.ReadFile(filepath.Join(dir, "msg.log")); err == nil {
				res.Messages = string(b)
			}
			if b, err := os.ReadFile(filepath.Join(dir, "err.log")); err == nil && len(b) > 0 {
				res.Output += "\n--- sipp errors:\n" + string(b)
			}
		})
		return res
	}
	t.Cleanup(func() { cancel(); wait() })
	if target == 0 {
		time.Sleep(150 * time.Millisecond) // let sipp bind
	}
	return wait
}
