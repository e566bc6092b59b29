package e2e

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"gosips/db"
)

// writeBackCfg is a registrar whose usrloc keeps contacts in memory and
// writes them to SQLite every TIMER seconds and at shutdown.
const writeBackCfg = `
log_level = 2
udp_workers = 4
socket = udp:127.0.0.1:PORT
loadmodule "proto_udp.so"
loadmodule "signaling.so"
loadmodule "sl.so"
loadmodule "sipmsgops.so"
loadmodule "db_sqlite.so"
loadmodule "usrloc.so"
loadmodule "registrar.so"
modparam("usrloc", "working_mode_preset", "single-instance-sql-write-back")
modparam("usrloc", "db_url", "DBURL")
modparam("usrloc", "timer_interval", TIMER)
route {
	if (is_method("REGISTER")) {
		save("location");
		exit;
	}
	sl_send_reply(404, "Not Here");
}
`

// regLoad is a sipp REGISTER load running in the background; every call
// registers a distinct user.
type regLoad struct {
	cmd  *exec.Cmd
	dir  string
	done chan struct{}
}

func startRegLoad(t *testing.T, port, rate int) *regLoad {
	t.Helper()
	return startRegLoadKey(t, port, rate, "d")
}

// startRegLoadKey is startRegLoad with users named after key.
func startRegLoadKey(t *testing.T, port, rate int, key string) *regLoad {
	t.Helper()
	sipp := needSipp(t)
	scen, _ := filepath.Abs(filepath.Join("testdata", "register_load.xml"))
	l := &regLoad{dir: t.TempDir(), done: make(chan struct{})}
	l.cmd = exec.Command(sipp, "-sf", scen, fmt.Sprintf("127.0.0.1:%d", port), "-i", "127.0.0.1", "-p", "0",
		"-key", "run", key, "-r", fmt.Sprint(rate), "-l", "200", "-m", "50000", "-timeout", "40s",
		"-nostdin", "-nr", "-recv_timeout", "2000", "-trace_msg", "-message_file", filepath.Join(l.dir, "msg.log"))
	l.cmd.Dir = l.dir
	if err := l.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { l.cmd.Wait(); close(l.done) }()
	t.Cleanup(l.stop)
	return l
}

func (l *regLoad) stop() {
	select {
	case <-l.done:
		return
	default:
	}
	l.cmd.Process.Signal(syscall.SIGUSR1) // sipp: dump and quit
	select {
	case <-l.done:
	case <-time.After(3 * time.Second):
		l.cmd.Process.Kill()
		<-l.done
	}
}

var s7User = regexp.MustCompile(`(?m)^To: <sip:(s7r[a-z]+n\d+)@`)

// acked returns the users whose REGISTER got a 200 OK, by order of arrival.
func (l *regLoad) acked(t *testing.T) []string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(l.dir, "msg.log"))
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, blk := range strings.Split(string(b), "message received") {
		i := strings.Index(blk, "SIP/2.0 ")
		if i < 0 || !strings.HasPrefix(blk[i:], "SIP/2.0 200") {
			continue
		}
		if m := s7User.FindStringSubmatch(blk[i:]); m != nil {
			out = append(out, m[1])
		}
	}
	return out
}

// waitForAcks waits until sipp has logged at least n 200 OKs.
func (l *regLoad) waitForAcks(t *testing.T, n int) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		b, _ := os.ReadFile(filepath.Join(l.dir, "msg.log"))
		if strings.Count(string(b), "SIP/2.0 200") >= n {
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("fewer than %d registrations answered in 20s", n)
}

// locationUsers reads the usernames stored in the location table.
func locationUsers(t *testing.T, url string) map[string]bool {
	t.Helper()
	users := map[string]bool{}
	withDB(t, url, func(ctx context.Context, c db.Conn) {
		res, err := c.Query(ctx, "location", []string{"username"}, nil, "", 0)
		if err != nil {
			t.Fatalf("query location: %v", err)
		}
		for _, row := range res.Rows {
			users[row[0].S] = true
		}
	})
	return users
}

func startWriteBack(t *testing.T, url string, timer int) *server {
	t.Helper()
	cfg := strings.NewReplacer("DBURL", url, "TIMER", fmt.Sprint(timer)).Replace(writeBackCfg)
	return startServer(t, cfg)
}

// lost lists the acknowledged users missing from the table.
func lost(acked []string, rows map[string]bool) []string {
	var out []string
	for _, u := range acked {
		if !rows[u] {
			out = append(out, u)
		}
	}
	return out
}

// TestCleanStopKeepsRegistrations stops gosips with SIGTERM (then SIGINT,
// then SIGQUIT)
// in the middle of a REGISTER load on a write-back usrloc whose timer never
// fires: every registration that got a 200 OK must be in the table.
func TestCleanStopKeepsRegistrations(t *testing.T) {
	for _, sig := range []syscall.Signal{syscall.SIGTERM, syscall.SIGINT, syscall.SIGQUIT} {
		t.Run(sig.String(), func(t *testing.T) {
			url := sqliteDB(t, "location")
			srv := startWriteBack(t, url, 600)
			load := startRegLoad(t, srv.Port, 1500)
			load.waitForAcks(t, 1000)
			srv.cmd.Process.Signal(sig)
			select {
			case <-srv.done:
			case <-time.After(15 * time.Second):
				t.Fatalf("gosips did not stop on %v", sig)
			}
			load.stop()
			acked := load.acked(t)
			rows := locationUsers(t, url)
			l := lost(acked, rows)
			t.Logf("%v: %d registrations acknowledged, %d rows, %d lost", sig, len(acked), len(rows), len(l))
			if len(acked) < 1000 {
				t.Fatalf("only %d 200 OKs logged", len(acked))
			}
			if len(l) > 0 {
				t.Errorf("%d acknowledged registrations lost on a clean stop, e.g. %v", len(l), l[:min(5, len(l))])
			}
			if !strings.Contains(srv.Logs(), "shutting down") {
				t.Errorf("no shutdown notice in the logs:\n%s", srv.Logs())
			}
		})
	}
}

// TestKillNineLossWindow states what a write-back usrloc loses on SIGKILL:
// the registrations acknowledged since the last timer flush, at most
// timer_interval seconds of them. Registrations older than one
// timer_interval are on disk.
func TestKillNineLossWindow(t *testing.T) {
	const timer = 2
	url := sqliteDB(t, "location")
	srv := startWriteBack(t, url, timer)
	const rate = 300
	load := startRegLoad(t, srv.Port, rate)
	load.waitForAcks(t, 600)
	load.stop()
	quiet := load.acked(t)
	// No traffic for more than one timer_interval: everything is flushed.
	time.Sleep(time.Duration(timer)*time.Second + 1500*time.Millisecond)
	// New traffic right before the kill: this is the loss window.
	load2 := startRegLoadKey(t, srv.Port, rate, "k")
	load2.waitForAcks(t, 300)
	srv.cmd.Process.Kill()
	<-srv.done
	load2.stop()
	rows := locationUsers(t, url)
	if l := lost(quiet, rows); len(l) > 0 {
		t.Errorf("%d registrations older than timer_interval lost on SIGKILL", len(l))
	}
	recent := load2.acked(t)
	l := lost(recent, rows)
	t.Logf("SIGKILL with timer_interval=%ds at %d REGISTER/s: %d of %d recent registrations lost (window %d s = at most %d)",
		timer, rate, len(l), len(recent), timer, rate*(timer+1))
	if len(l) > rate*(timer+1) {
		t.Errorf("lost %d registrations, more than %d s of traffic", len(l), timer+1)
	}
}
