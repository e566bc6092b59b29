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
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if out, err := exec.CommandContext(ctx, gosipsBin(t), args...).CombinedOutput(); err != nil {
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

// msiloCfg stores MESSAGEs for everyone and delivers them on REGISTER;
// the check timer runs every second and purges expired rows on each run.
const msiloCfg = `
log_level = 3
stderror_enabled = yes
socket = udp:127.0.0.1:PORT

loadmodule "proto_udp.so"
loadmodule "signaling.so"
loadmodule "sl.so"
loadmodule "tm.so"
loadmodule "sipmsgops.so"
loadmodule "db_sqlite.so"
loadmodule "usrloc.so"
loadmodule "registrar.so"
loadmodule "msilo.so"

modparam("tm", "fr_timeout", 2)
modparam("msilo", "db_url", "DBURL")
modparam("msilo", "check_time", 1)
modparam("msilo", "clean_period", 1)
modparam("msilo", "expire_time", 3600)

route {
	if (is_method("MESSAGE")) {
		if (!t_newtran()) {
			sl_reply_error();
			exit;
		}
		if (m_store()) {
			t_reply(202, "Accepted");
		} else {
			t_reply(503, "Service Unavailable");
		}
		exit;
	}
	if (is_method("REGISTER")) {
		if (!save("location"))
			sl_reply_error();
		m_dump();
		exit;
	}
	sl_send_reply(404, "Not Found");
}
`

// siloRows returns the stored messages of user: body → exp_time.
func siloRows(t *testing.T, url, user string) map[string]int64 {
	t.Helper()
	out := map[string]int64{}
	for _, r := range queryRows(t, url, "silo", "username", "body", "exp_time") {
		if r[0].Str() == user {
			out[r[1].Str()] = r[2].Int64()
		}
	}
	return out
}

// storeMessages sends n MESSAGEs for user through sipp and expects 202s.
func storeMessages(t *testing.T, port int, user string, n int, expires int) {
	t.Helper()
	res := runSipp(t, "i5_uac_store.xml", port, "-s", user, "-m", strconv.Itoa(n), "-set", "exp", strconv.Itoa(expires))
	if res.Exit != 0 {
		t.Fatalf("storing for %s failed (exit %d):\n%s", user, res.Exit, res.Output)
	}
}

// TestMsiloStoreRestartDeliver stores two messages, restarts the server,
// registers the user and checks that both are delivered, answered 2xx and
// then deleted from the silo table.
func TestMsiloStoreRestartDeliver(t *testing.T) {
	needSipp(t)
	t.Parallel()
	url := sqliteDB(t, "silo", "location")
	cfg := strings.ReplaceAll(msiloCfg, "DBURL", url)
	port := freePort(t)
	srv := startServerOn(t, cfg, port)
	storeMessages(t, port, "bob", 2, 3600)
	rows := siloRows(t, url, "bob")
	if len(rows) != 2 {
		t.Fatalf("want 2 stored messages, got %v", rows)
	}
	for body := range rows {
		if !strings.HasPrefix(body, "note ") {
			t.Errorf("stored body %q", body)
		}
	}

	srv.stop(t)
	srv = startServerOn(t, cfg, port)
	if got := siloRows(t, url, "bob"); len(got) != 2 {
		t.Fatalf("restart lost stored messages: %v", got)
	}

	user := startSippPeer(t, "i5_msilo_user.xml", 0, 2, 15*time.Second)
	res := runSipp(t, "i5_register.xml", port, "-s", "bob", "-set", "ctport", strconv.Itoa(user.Port))
	if res.Exit != 0 {
		t.Fatalf("REGISTER failed (exit %d):\n%s", res.Exit, res.Output)
	}
	u := user.wait(10 * time.Second)
	if u.Exit != 0 {
		t.Fatalf("user agent did not get both messages (exit %d):\n%s\n%s", u.Exit, u.Output, u.Messages)
	}
	msgs := received(u.Messages, "MESSAGE")
	if len(msgs) != 2 {
		t.Fatalf("want 2 MESSAGEs delivered, got %d:\n%s", len(msgs), u.Messages)
	}
	for _, m := range msgs {
		if !strings.HasPrefix(m, "MESSAGE sip:bob@127.0.0.1") || header(m, "From") == "" ||
			!strings.Contains(header(m, "From"), "sip:alice@127.0.0.1") {
			t.Errorf("delivered MESSAGE:\n%s", m)
		}
	}
	if !eventually(5*time.Second, func() bool { return len(siloRows(t, url, "bob")) == 0 }) {
		t.Fatalf("delivered messages still stored: %v\n%s", siloRows(t, url, "bob"), srv.Logs())
	}
}

// TestMsiloExpiry stores a message whose Expires header lowers its
// lifetime to 1 s: the clean timer purges it and a later REGISTER
// delivers nothing, while a message without a short Expires stays.
func TestMsiloExpiry(t *testing.T) {
	needSipp(t)
	t.Parallel()
	url := sqliteDB(t, "silo", "location")
	srv := startServer(t, strings.ReplaceAll(msiloCfg, "DBURL", url))
	before := time.Now().Unix()
	storeMessages(t, srv.Port, "carol", 1, 1)
	storeMessages(t, srv.Port, "dave", 1, 3600)
	rows := siloRows(t, url, "carol")
	if len(rows) != 1 {
		t.Fatalf("want 1 stored message, got %v", rows)
	}
	for _, exp := range rows {
		if exp < before+1 || exp > time.Now().Unix()+1 {
			t.Errorf("exp_time %d, want about now+1 (%d)", exp, before+1)
		}
	}
	if !eventually(6*time.Second, func() bool { return len(siloRows(t, url, "carol")) == 0 }) {
		t.Fatalf("expired message not purged: %v", siloRows(t, url, "carol"))
	}
	if got := siloRows(t, url, "dave"); len(got) != 1 {
		t.Errorf("unexpired message purged too: %v", got)
	}
	c := newUDPClient(t)
	c.Send(srv.Port, `REGISTER sip:127.0.0.1 SIP/2.0
Via: SIP/2.0/UDP 127.0.0.1:LPORT;branch=z9hG4bK-i5-exp
From: <sip:carol@127.0.0.1>;tag=i5exp
To: <sip:carol@127.0.0.1>
Call-ID: i5-expiry-reg
CSeq: 1 REGISTER
Contact: <sip:carol@127.0.0.1:LPORT>
Expires: 60
Max-Forwards: 70
Content-Length: 0

`)
	if r := c.RecvFinal(3 * time.Second); statusCode(r) != "200" {
		t.Fatalf("REGISTER: want 200, got:\n%s", r)
	}
	if m := c.Recv(1500 * time.Millisecond); m != "" {
		t.Errorf("expired message delivered:\n%s", m)
	}
}
