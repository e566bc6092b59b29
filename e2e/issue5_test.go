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
	url := sqliteDB(t, "silo")
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

// TestMsiloFailedDeliveryKept registers a user agent that answers 503:
// the message stays stored and goes out again, and is deleted, on the
// next registration to a user agent that takes it.
func TestMsiloFailedDeliveryKept(t *testing.T) {
	needSipp(t)
	t.Parallel()
	url := sqliteDB(t, "silo")
	srv := startServer(t, strings.ReplaceAll(msiloCfg, "DBURL", url))
	storeMessages(t, srv.Port, "erin", 1, 3600)
	busy := startSippPeer(t, "i5_uas_503.xml", 0, 1, 15*time.Second)
	if res := runSipp(t, "i5_register.xml", srv.Port, "-s", "erin", "-set", "ctport", strconv.Itoa(busy.Port)); res.Exit != 0 {
		t.Fatalf("REGISTER failed (exit %d):\n%s", res.Exit, res.Output)
	}
	if r := busy.wait(5 * time.Second); r.Exit != 0 || len(received(r.Messages, "MESSAGE")) != 1 {
		t.Fatalf("busy user agent (exit %d) did not get the MESSAGE:\n%s", r.Exit, r.Output)
	}
	time.Sleep(2500 * time.Millisecond) // two check timer runs
	if got := siloRows(t, url, "erin"); len(got) != 1 {
		t.Fatalf("message refused with 503 not kept: %v", got)
	}
	user := startSippPeer(t, "i5_msilo_user.xml", 0, 1, 15*time.Second)
	if res := runSipp(t, "i5_register.xml", srv.Port, "-s", "erin", "-set", "ctport", strconv.Itoa(user.Port)); res.Exit != 0 {
		t.Fatalf("second REGISTER failed (exit %d):\n%s", res.Exit, res.Output)
	}
	if r := user.wait(5 * time.Second); r.Exit != 0 {
		t.Fatalf("user agent did not get the kept message (exit %d):\n%s\n%s", r.Exit, r.Output, r.Messages)
	}
	if !eventually(5*time.Second, func() bool { return len(siloRows(t, url, "erin")) == 0 }) {
		t.Fatalf("delivered message still stored: %v", siloRows(t, url, "erin"))
	}
}

// TestMsiloExpiry stores a message whose Expires header lowers its
// lifetime to 1 s: the clean timer purges it and a later REGISTER
// delivers nothing, while a message without a short Expires stays.
func TestMsiloExpiry(t *testing.T) {
	needSipp(t)
	t.Parallel()
	url := sqliteDB(t, "silo")
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

// dispatcherCfg relays by the R-URI user: "rr" round-robin over set 1,
// "hash" by Call-ID over set 1, "fo" through set 2 in order with failover
// on 503 and timeouts (marking the failed ones Probing), "probe" to the
// first active entry of set 3.
const dispatcherCfg = `
log_level = 3
xlog_level = 3
stderror_enabled = yes
socket = udp:127.0.0.1:PORT

loadmodule "proto_udp.so"
loadmodule "signaling.so"
loadmodule "sl.so"
loadmodule "tm.so"
loadmodule "db_sqlite.so"
loadmodule "dispatcher.so"
loadmodule "httpd.so"
loadmodule "mi_http.so"

modparam("httpd", "port", HTTPPORT)
modparam("tm", "fr_timeout", 1)
modparam("dispatcher", "db_url", "DBURL")
PARAMS

route {
	if ($rU == "rr") {
		$var(ok) = ds_select_dst(1, 4);
	} else if ($rU == "hash") {
		$var(ok) = ds_select_dst(1, 0);
	} else if ($rU == "fo") {
		$var(ok) = ds_select_dst(2, 8, "f");
		t_on_failure("next");
	} else {
		$var(ok) = ds_select_dst(3, 8);
	}
	if (!$var(ok)) {
		sl_send_reply(503, "No Destination");
		exit;
	}
	xlog("L_NOTICE", "$rU $ci -> $du\n");
	t_relay();
	exit;
}

failure_route[next] {
	xlog("L_NOTICE", "failover: $du failed with $T_reply_code\n");
	ds_mark_dst("p");
	if (t_check_status("503|408") && ds_next_dst()) {
		t_on_failure("next");
		t_relay();
	}
}
`

// dispatcherEnv is a running dispatcher with its database and MI port.
type dispatcherEnv struct {
	srv      *server
	url      string
	httpPort int
}

// dest is one dispatcher row.
type dest struct {
	set, port, priority, state int
}

func startDispatcher(t *testing.T, params string, dests ...dest) *dispatcherEnv {
	t.Helper()
	e := &dispatcherEnv{url: sqliteDB(t, "dispatcher"), httpPort: freePort(t)}
	for _, d := range dests {
		insertRow(t, e.url, "dispatcher", map[string]db.Value{
			"setid":       db.IntValue(int64(d.set)),
			"destination": db.StringValue(fmt.Sprintf("sip:127.0.0.1:%d", d.port)),
			"priority":    db.IntValue(int64(d.priority)),
			"state":       db.IntValue(int64(d.state)),
			"weight":      db.StringValue("1"),
		})
	}
	cfg := strings.NewReplacer("DBURL", e.url, "HTTPPORT", strconv.Itoa(e.httpPort), "PARAMS", params).Replace(dispatcherCfg)
	e.srv = startServer(t, cfg)
	return e
}

// states returns the ds_list state of every destination URI.
func (e *dispatcherEnv) states(t *testing.T) map[string]string {
	t.Helper()
	raw, err := miCall(t, e.httpPort, "ds_list", nil)
	if err != nil {
		t.Fatalf("ds_list: %v", err)
	}
	var res struct {
		Partitions []struct {
			Sets []struct {
				Destinations []struct{ URI, State string } `json:"Destinations"`
			} `json:"SETS"`
		} `json:"PARTITIONS"`
	}
	if err := json.Unmarshal(raw, &res); err != nil {
		t.Fatalf("ds_list %s: %v", raw, err)
	}
	out := map[string]string{}
	for _, p := range res.Partitions {
		for _, s := range p.Sets {
			for _, d := range s.Destinations {
				out[d.URI] = d.State
			}
		}
	}
	return out
}

// startUASes starts n sipp destinations answering 200.
func startUASes(t *testing.T, n int) []*sippPeer {
	t.Helper()
	out := make([]*sippPeer, n)
	for i := range out {
		out[i] = startSippPeer(t, "i5_uas_ok.xml", 0, 1000, 30*time.Second)
	}
	return out
}

// spread stops the destinations and returns the Call-IDs each received.
func spread(peers []*sippPeer) [][]string {
	out := make([][]string, len(peers))
	for i, p := range peers {
		out[i] = callIDs(p.stop().Messages, "MESSAGE")
	}
	return out
}

// TestDispatcherRoundRobin sends nine MESSAGEs through algorithm 4 over
// three destinations: each gets three.
func TestDispatcherRoundRobin(t *testing.T) {
	needSipp(t)
	t.Parallel()
	uas := startUASes(t, 3)
	e := startDispatcher(t, "", dest{set: 1, port: uas[0].Port}, dest{set: 1, port: uas[1].Port},
		dest{set: 1, port: uas[2].Port})
	res := runSipp(t, "i5_uac_message.xml", e.srv.Port, "-s", "rr", "-m", "9", "-cid_str", "i5rr-%u@%s")
	if res.Exit != 0 {
		t.Fatalf("caller failed (exit %d):\n%s", res.Exit, res.Output)
	}
	got := spread(uas)
	for i, ids := range got {
		if len(ids) != 3 {
			t.Errorf("destination %d got %d MESSAGEs, want 3: %v", i, len(ids), ids)
		}
	}
}

// TestDispatcherHash sends twelve Call-IDs through algorithm 0: every
// destination gets some, and a second round with the same Call-IDs (to
// fresh sipp instances on the same ports) picks the same destinations.
func TestDispatcherHash(t *testing.T) {
	needSipp(t)
	t.Parallel()
	uas := startUASes(t, 3)
	e := startDispatcher(t, "", dest{set: 1, port: uas[0].Port}, dest{set: 1, port: uas[1].Port},
		dest{set: 1, port: uas[2].Port})
	var rounds [2]map[string]int
	for round := range rounds {
		if round > 0 {
			for i, p := range uas {
				uas[i] = startSippPeer(t, "i5_uas_ok.xml", p.Port, 1000, 30*time.Second)
			}
		}
		res := runSipp(t, "i5_uac_message.xml", e.srv.Port, "-s", "hash", "-m", "12", "-cid_str", "i5hash-%u@%s")
		if res.Exit != 0 {
			t.Fatalf("caller failed in round %d (exit %d):\n%s", round, res.Exit, res.Output)
		}
		owner := map[string]int{}
		for i, ids := range spread(uas) {
			if len(ids) == 0 {
				t.Errorf("round %d: destination %d got no MESSAGE", round, i)
			}
			for _, id := range ids {
				if j, dup := owner[id]; dup {
					t.Errorf("round %d: Call-ID %s went to destinations %d and %d", round, id, j, i)
				}
				owner[id] = i
			}
		}
		if len(owner) != 12 {
			t.Errorf("round %d: %d distinct Call-IDs arrived, want 12", round, len(owner))
		}
		rounds[round] = owner
	}
	for id, i := range rounds[0] {
		if j, ok := rounds[1][id]; !ok || j != i {
			t.Errorf("Call-ID %s went to destination %d, then %d", id, i, j)
		}
	}
}

// TestDispatcherFailover relays through a destination answering 503, one
// that never answers and one answering 200, in that order: the caller
// gets the 200 after both failovers, and the two failed destinations are
// marked Probing, in memory and, after shutdown, in the table.
func TestDispatcherFailover(t *testing.T) {
	needSipp(t)
	t.Parallel()
	busy := startSippPeer(t, "i5_uas_503.xml", 0, 1, 20*time.Second)
	silent := startSippPeer(t, "i5_uas_silent.xml", 0, 1, 20*time.Second)
	ok := startSippPeer(t, "i5_uas_ok.xml", 0, 1, 20*time.Second)
	e := startDispatcher(t, `modparam("dispatcher", "ds_probing_threshold", 1)`, dest{set: 2, port: busy.Port, priority: 3}, dest{set: 2, port: silent.Port, priority: 2},
		dest{set: 2, port: ok.Port, priority: 1})
	start := time.Now()
	res := runSipp(t, "i5_uac_message.xml", e.srv.Port, "-s", "fo", "-cid_str", "i5fo-%u@%s")
	if res.Exit != 0 {
		t.Fatalf("caller failed (exit %d):\n%s\n%s", res.Exit, res.Output, e.srv.Logs())
	}
	if d := time.Since(start); d < time.Second {
		t.Errorf("answered after %v: the silent destination was not waited for (fr_timeout 1 s)", d)
	}
	for name, p := range map[string]*sippPeer{"503": busy, "ok": ok} {
		if r := p.wait(5 * time.Second); r.Exit != 0 || len(received(r.Messages, "MESSAGE")) == 0 {
			t.Errorf("%s destination (exit %d) got no MESSAGE:\n%s", name, r.Exit, r.Output)
		}
	}
	if r := silent.stop(); len(received(r.Messages, "MESSAGE")) == 0 {
		t.Errorf("silent destination got no MESSAGE:\n%s", r.Output)
	}
	logs := e.srv.Logs()
	for _, want := range []string{fmt.Sprintf("failover: sip:127.0.0.1:%d failed with 503", busy.Port),
		fmt.Sprintf("failover: sip:127.0.0.1:%d failed with 408", silent.Port)} {
		if !strings.Contains(logs, want) {
			t.Errorf("log lacks %q:\n%s", want, logs)
		}
	}
	want := map[string]string{fmt.Sprintf("sip:127.0.0.1:%d", busy.Port): "Probing",
		fmt.Sprintf("sip:127.0.0.1:%d", silent.Port): "Probing", fmt.Sprintf("sip:127.0.0.1:%d", ok.Port): "Active"}
	if got := e.states(t); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("states after failover %v, want %v", got, want)
	}
	// persistent_state (on by default) writes the states back at shutdown:
	// 2 probing, 0 active.
	e.srv.stop(t)
	code := map[string]int64{"Probing": 2, "Active": 0}
	for _, r := range queryRows(t, e.url, "dispatcher", "destination", "state") {
		if got, w := r[1].Int64(), code[want[r[0].Str()]]; got != w {
			t.Errorf("table state of %s = %d, want %d", r[0].Str(), got, w)
		}
	}
}

// TestDispatcherProbing probes every second with a threshold of 1: a
// destination with nothing listening turns Probing and is skipped, and
// turns Active again once a sipp answers on its port.
func TestDispatcherProbing(t *testing.T) {
	needSipp(t)
	t.Parallel()
	deadPort := freePort(t)
	alive := startSippPeer(t, "i5_uas_ok.xml", 0, 1000, 30*time.Second)
	e := startDispatcher(t, `modparam("dispatcher", "ds_ping_interval", 1)
modparam("dispatcher", "ds_probing_threshold", 1)
modparam("dispatcher", "ds_probing_mode", 1)`,
		dest{set: 3, port: deadPort, priority: 2}, dest{set: 3, port: alive.Port, priority: 1})
	dead := fmt.Sprintf("sip:127.0.0.1:%d", deadPort)
	live := fmt.Sprintf("sip:127.0.0.1:%d", alive.Port)
	if st := e.states(t); st[dead] != "Active" || st[live] != "Active" {
		t.Fatalf("initial states %v, want both Active", st)
	}
	if !eventually(6*time.Second, func() bool { return e.states(t)[dead] == "Probing" }) {
		t.Fatalf("dead destination not marked: %v\n%s", e.states(t), e.srv.Logs())
	}
	if st := e.states(t)[live]; st != "Active" {
		t.Errorf("answering destination is %s, want Active", st)
	}
	res := runSipp(t, "i5_uac_message.xml", e.srv.Port, "-s", "probe", "-cid_str", "i5probe-%u@%s")
	if res.Exit != 0 {
		t.Fatalf("MESSAGE not relayed to the active destination (exit %d):\n%s", res.Exit, res.Output)
	}

	revived := startSippPeer(t, "i5_uas_ok.xml", deadPort, 1000, 30*time.Second)
	if !eventually(6*time.Second, func() bool { return e.states(t)[dead] == "Active" }) {
		t.Fatalf("revived destination not active again: %v\n%s", e.states(t), e.srv.Logs())
	}
	if n := len(received(revived.stop().Messages, "OPTIONS")); n == 0 {
		t.Errorf("revived destination got no OPTIONS probe")
	}
	if ids := callIDs(alive.stop().Messages, "MESSAGE"); len(ids) != 1 {
		t.Errorf("active destination got MESSAGEs %v, want the one relayed", ids)
	}
}

// registrantCfg registers the registrant table's bindings; the timer sees
// each record every 10 s.
const registrantCfg = `
log_level = 3
stderror_enabled = yes
socket = udp:127.0.0.1:PORT

loadmodule "proto_udp.so"
loadmodule "signaling.so"
loadmodule "sl.so"
loadmodule "tm.so"
loadmodule "uac_auth.so"
loadmodule "db_sqlite.so"
loadmodule "uac_registrant.so"
loadmodule "httpd.so"
loadmodule "mi_http.so"

modparam("httpd", "port", HTTPPORT)
modparam("tm", "fr_timeout", 2)
modparam("uac_registrant", "db_url", "DBURL")
modparam("uac_registrant", "hash_size", 1)
modparam("uac_registrant", "timer_interval", 10)

route {
	sl_send_reply(404, "Not Found");
}
`

// regRecord is the part of a reg_list record the test looks at.
type regRecord struct {
	AOR      string `json:"AOR"`
	Expires  int    `json:"expires"`
	State    string `json:"state"`
	Enabled  string `json:"enabled"`
	LastSent string `json:"last_register_sent"`
	Timeout  string `json:"registration_t_out"`
	Binding  string `json:"binding"`
}

// TestRegistrantRegisterRefreshDisable runs uac_registrant against a sipp
// registrar that challenges every REGISTER: the binding is registered with
// the digest, refreshed before the 15 s the registrar granted run out, and
// reg_disable un-registers it and writes state 1 to the table.
func TestRegistrantRegisterRefreshDisable(t *testing.T) {
	needSipp(t)
	t.Parallel()
	registrar := startSippPeer(t, "i5_registrar.xml", 0, 1, 60*time.Second)
	url := sqliteDB(t, "registrant")
	httpPort, port := freePort(t), freePort(t)
	aor := "sip:gw@i5.test"
	binding := fmt.Sprintf("sip:gw@127.0.0.1:%d", port)
	regURI := fmt.Sprintf("sip:127.0.0.1:%d", registrar.Port)
	insertRow(t, url, "registrant", map[string]db.Value{
		"registrar": db.StringValue(regURI), "aor": db.StringValue(aor), "username": db.StringValue("gw"),
		"password": db.StringValue("secret"), "binding_URI": db.StringValue(binding),
		"expiry": db.IntValue(30), "state": db.IntValue(0),
	})
	cfg := strings.NewReplacer("DBURL", url, "HTTPPORT", strconv.Itoa(httpPort)).Replace(registrantCfg)
	srv := startServerOn(t, cfg, port)

	list := func() regRecord {
		t.Helper()
		raw, err := miCall(t, httpPort, "reg_list", nil)
		if err != nil {
			t.Fatalf("reg_list: %v", err)
		}
		var res struct{ Records []regRecord }
		if err := json.Unmarshal(raw, &res); err != nil || len(res.Records) != 1 {
			t.Fatalf("reg_list %s: want one record (%v)", raw, err)
		}
		return res.Records[0]
	}
	if r := list(); r.AOR != aor || r.Binding != binding || r.Enabled != "yes" {
		t.Fatalf("reg_list record %+v", r)
	}
	var first regRecord
	// The first REGISTER goes out on the first check of the record's
	// bucket: within 10 s.
	if !eventually(12*time.Second, func() bool { first = list(); return first.State == "REGISTERED_STATE" }) {
		t.Fatalf("not registered: %+v\n%s", first, srv.Logs())
	}
	if first.Expires != 15 {
		t.Errorf("expires %d, want the 15 s the registrar granted", first.Expires)
	}
	sent1 := parseCtime(t, first.LastSent)
	var refreshed regRecord
	if !eventually(16*time.Second, func() bool {
		refreshed = list()
		return refreshed.State == "REGISTERED_STATE" && refreshed.LastSent != first.LastSent
	}) {
		t.Fatalf("no refresh: %+v\n%s", refreshed, srv.Logs())
	}
	if d := parseCtime(t, refreshed.LastSent).Sub(sent1); d >= 15*time.Second {
		t.Errorf("refresh sent %v after the first REGISTER, after the 15 s expiry", d)
	}

	raw, err := miCall(t, httpPort, "reg_disable", map[string]any{"aor": aor, "contact": binding, "registrar": regURI})
	if err != nil || string(raw) != `"OK"` {
		t.Fatalf("reg_disable: %s %v", raw, err)
	}
	if r := registrar.wait(5 * time.Second); r.Exit != 0 {
		t.Fatalf("registrar scenario failed (exit %d):\n%s\n%s", r.Exit, r.Output, r.Messages)
	} else if regs := received(r.Messages, "REGISTER"); len(regs) != 6 {
		t.Errorf("registrar got %d REGISTERs, want 6 (3 challenged)", len(regs))
	} else if ct := header(regs[5], "Contact"); ct != "<"+binding+">;expires=0" {
		t.Errorf("unREGISTER Contact %q", ct)
	}
	var last regRecord
	if !eventually(3*time.Second, func() bool { last = list(); return last.State == "NOT_REGISTERED_STATE" }) {
		t.Errorf("after reg_disable: %+v", last)
	}
	if last.Enabled != "no" {
		t.Errorf("enabled %q after reg_disable", last.Enabled)
	}
	rows := queryRows(t, url, "registrant", "aor", "state")
	if len(rows) != 1 || rows[0][1].Int64() != 1 {
		t.Errorf("registrant rows %v, want state 1", rows)
	}
}

// TestRegistrantUnregisterOnShutdown stops the server while the binding
// is registered: it sends the unREGISTER on its way out.
func TestRegistrantUnregisterOnShutdown(t *testing.T) {
	needSipp(t)
	t.Parallel()
	registrar := startSippPeer(t, "i5_registrar_plain.xml", 0, 1, 40*time.Second)
	url := sqliteDB(t, "registrant")
	httpPort, port := freePort(t), freePort(t)
	binding := fmt.Sprintf("sip:gw2@127.0.0.1:%d", port)
	insertRow(t, url, "registrant", map[string]db.Value{
		"registrar": db.StringValue(fmt.Sprintf("sip:127.0.0.1:%d", registrar.Port)),
		"aor":       db.StringValue("sip:gw2@i5.test"), "binding_URI": db.StringValue(binding),
		"expiry": db.IntValue(30),
	})
	cfg := strings.NewReplacer("DBURL", url, "HTTPPORT", strconv.Itoa(httpPort)).Replace(registrantCfg)
	srv := startServerOn(t, cfg, port)
	var st string
	if !eventually(12*time.Second, func() bool {
		raw, err := miCall(t, httpPort, "reg_list", nil)
		st = string(raw)
		return err == nil && strings.Contains(st, `"REGISTERED_STATE"`)
	}) {
		t.Fatalf("not registered: %s\n%s", st, srv.Logs())
	}
	srv.stop(t)
	r := registrar.wait(5 * time.Second)
	if r.Exit != 0 {
		t.Fatalf("registrar scenario failed (exit %d):\n%s\n%s", r.Exit, r.Output, r.Messages)
	}
	regs := received(r.Messages, "REGISTER")
	if len(regs) != 2 || header(regs[1], "Contact") != "<"+binding+">;expires=0" {
		t.Errorf("want REGISTER then unREGISTER, got:\n%s", strings.Join(regs, "\n"))
	}
}

// parseCtime reads reg_list's ctime-style times (local time).
func parseCtime(t *testing.T, s string) time.Time {
	t.Helper()
	v, err := time.ParseInLocation("Mon Jan _2 15:04:05 2006", s, time.Local)
	if err != nil {
		t.Fatalf("time %q: %v", s, err)
	}
	return v
}
