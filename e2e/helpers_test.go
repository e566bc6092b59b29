package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"gosips/db"
	_ "gosips/db/all"
	"gosips/mi"
)

// sqliteDB creates a database with "gosips db create" in a temp dir and
// returns its URL.
func sqliteDB(t *testing.T, tables ...string) string {
	t.Helper()
	url := "sqlite://" + filepath.Join(t.TempDir(), "opensips.db")
	args := []string{"db", "create", "--url", url}
	if len(tables) > 0 {
		args = append(args, "--tables", strings.Join(tables, ","))
	}
	bin := gosipsBin(t) // built before the clock starts
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if out, err := exec.CommandContext(ctx, bin, args...).CombinedOutput(); err != nil {
		t.Fatalf("gosips db create: %v\n%s", err, out)
	}
	return url
}

// withDB runs f on an open connection to url.
func withDB(t *testing.T, url string, f func(ctx context.Context, c db.Conn)) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	c, err := db.Open(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	f(ctx, c)
}

// insertRow adds one row given as column → value.
func insertRow(t *testing.T, url, table string, row map[string]db.Value) {
	t.Helper()
	cols := make([]string, 0, len(row))
	for k := range row {
		cols = append(cols, k)
	}
	sort.Strings(cols)
	vals := make([]db.Value, len(cols))
	for i, k := range cols {
		vals[i] = row[k]
	}
	withDB(t, url, func(ctx context.Context, c db.Conn) {
		if _, err := c.Insert(ctx, table, cols, vals); err != nil {
			t.Fatalf("insert into %s: %v", table, err)
		}
	})
}

// queryRows returns the named columns of every row of table.
func queryRows(t *testing.T, url, table string, cols ...string) []db.Row {
	t.Helper()
	var rows []db.Row
	withDB(t, url, func(ctx context.Context, c db.Conn) {
		res, err := c.Query(ctx, table, cols, nil, "", 0)
		if err != nil {
			t.Fatalf("query %s: %v", table, err)
		}
		rows = res.Rows
	})
	return rows
}

// eventually polls cond every 100 ms until it holds or d passes.
func eventually(d time.Duration, cond func() bool) bool {
	deadline := time.Now().Add(d)
	for {
		if cond() {
			return true
		}
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// miCall runs a management command over mi_http.
func miCall(t *testing.T, httpPort int, method string, params any) (json.RawMessage, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	return mi.CallHTTP(ctx, nil, fmt.Sprintf("http://127.0.0.1:%d/mi", httpPort), method, params)
}

// sippPeer is a sipp server scenario running in the background on a
// chosen port until stop (or the end of the test).
type sippPeer struct {
	Port int
	cmd  *exec.Cmd
	dir  string
	out  *syncBuffer
	done chan struct{}
	once sync.Once
	res  sippResult
}

// startSippPeer runs scenario on port (0: a free one) with at most calls
// calls; it ends by itself after timeout.
func startSippPeer(t *testing.T, scenario string, port, calls int, timeout time.Duration, args ...string) *sippPeer {
	t.Helper()
	sipp := needSipp(t)
	if port == 0 {
		port = freePort(t)
	}
	p := &sippPeer{Port: port, dir: t.TempDir(), out: &syncBuffer{}, done: make(chan struct{})}
	scen, err := filepath.Abs(filepath.Join("testdata", scenario))
	if err != nil {
		t.Fatal(err)
	}
	full := append([]string{"-sf", scen, "-p", strconv.Itoa(port), "-i", "127.0.0.1", "-m", strconv.Itoa(calls),
		"-timeout", fmt.Sprintf("%ds", int(timeout.Seconds())), "-timeout_error", "-nostdin", "-trace_msg", "-trace_err",
		"-message_file", filepath.Join(p.dir, "msg.log"), "-error_file", filepath.Join(p.dir, "err.log")}, args...)
	p.cmd = exec.Command(sipp, full...)
	p.cmd.Dir = p.dir
	p.cmd.Stdout, p.cmd.Stderr = p.out, p.out
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { p.cmd.Wait(); close(p.done) }()
	t.Cleanup(func() { p.stop() })
	time.Sleep(150 * time.Millisecond) // let sipp bind
	return p
}

// wait waits up to d for sipp to end on its own, then stops it.
func (p *sippPeer) wait(d time.Duration) sippResult {
	select {
	case <-p.done:
	case <-time.After(d):
	}
	return p.stop()
}

// stop ends sipp (if still running) and returns its outcome; a killed
// sipp has exit code -1.
func (p *sippPeer) stop() sippResult {
	p.once.Do(func() {
		select {
		case <-p.done:
		default:
			p.cmd.Process.Kill()
			<-p.done
		}
		p.res = sippResult{Exit: p.cmd.ProcessState.ExitCode(), Output: p.out.String()}
		if b, err := os.ReadFile(filepath.Join(p.dir, "msg.log")); err == nil {
			p.res.Messages = string(b)
		}
		if b, err := os.ReadFile(filepath.Join(p.dir, "err.log")); err == nil && len(b) > 0 {
			p.res.Output += "\n--- sipp errors:\n" + string(b)
		}
	})
	return p.res
}

// received returns the requests of method in a sipp message log, in order.
func received(log, method string) []string {
	var out []string
	for _, part := range strings.Split(log, "-----------------------------------------------") {
		_, msg, ok := strings.Cut(part, "message received")
		if !ok {
			continue
		}
		if i := strings.Index(msg, "\n\n"); i >= 0 {
			msg = strings.TrimLeft(msg[i:], "\r\n")
		}
		if strings.HasPrefix(msg, method+" ") {
			out = append(out, msg)
		}
	}
	return out
}

// callIDs returns the distinct Call-IDs of the method requests in a sipp
// message log.
func callIDs(log, method string) []string {
	seen := map[string]bool{}
	var out []string
	for _, m := range received(log, method) {
		id := header(m, "Call-ID")
		if id != "" && !seen[id] {
			seen[id] = true
			out = append(out, id)
		}
	}
	return out
}
