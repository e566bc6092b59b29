package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"gosips/db"
	"gosips/internal/dbserver"
	"gosips/internal/testenv"
)

// b2bpCfg persists the B2BUA (db_mode DBMODE) in DBURL and runs three
// kinds of calls chosen by the R-URI user: top hiding to the callee that
// is put on hold later (hold), top hiding to a callee that hangs up
// (bye), and a script-driven prepaid flow (the media server hangs up, the
// caller is bridged to the callee).
const b2bpCfg = `
socket = udp:127.0.0.1:PORT
log_level = 3
loadmodule "proto_udp.so"
loadmodule "signaling.so"
loadmodule "sl.so"
loadmodule "tm.so"
loadmodule "sipmsgops.so"
loadmodule "DBMOD.so"
loadmodule "b2b_entities.so"
loadmodule "b2b_logic.so"
loadmodule "httpd.so"
loadmodule "mi_http.so"
modparam("httpd", "port", HTTP)
modparam("b2b_entities", "db_url", "DBURL")
modparam("b2b_entities", "db_mode", DBMODE)
modparam("b2b_logic", "db_url", "DBURL")
modparam("b2b_logic", "db_mode", DBMODE)
modparam("b2b_logic", "script_req_route", "b2b_req")
modparam("b2b_logic", "script_reply_route", "b2b_rpl")
route {
	if (is_method("INVITE") && !has_totag()) {
		if ($rU == "hold") {
			$ru = "sip:bob@127.0.0.1:HOLDPORT";
			b2b_init_request("top hiding");
			exit;
		}
		if ($rU == "bye") {
			$ru = "sip:bob@127.0.0.1:BYEPORT";
			b2b_init_request("top hiding");
			exit;
		}
		b2b_server_new("caller");
		b2b_client_new("media", "sip:media@127.0.0.1:MEDIAPORT");
		b2b_init_request("prepaid");
		exit;
	}
	send_reply(404, "Not here");
}
route[b2b_req] {
	if ($rm == "BYE" && $b2b_logic.entity(id) == "media") {
		b2b_send_reply(200, "OK");
		b2b_client_new("callee", "sip:carol@127.0.0.1:CAROLPORT");
		b2b_bridge("peer", "callee");
		exit;
	}
	b2b_pass_request();
}
route[b2b_rpl] {
	b2b_handle_reply();
}
`

// b2bpDB makes a database with every table for url's backend.
func b2bpSqlite(t *testing.T) string {
	t.Helper()
	url := "sqlite://" + filepath.Join(t.TempDir(), "opensips.db")
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if out, err := exec.CommandContext(ctx, gosipsBin(t), "db", "create", "--url", url).CombinedOutput(); err != nil {
		t.Fatalf("gosips db create: %v\n%s", err, out)
	}
	return url
}

// TestB2BPersistSqlite: with db_mode 1 and SQLite, calls established
// before gosips is killed and started again continue: a re-INVITE and
// the caller's BYE (top hiding), the callee's BYE (top hiding) and the
// caller's BYE after a script bridge reach the other side and are
// answered; MI shows the restored sessions and the tables end empty.
func TestB2BPersistSqlite(t *testing.T) { b2bpRestart(t, "db_sqlite", b2bpSqlite(t)) }

// TestB2BPersistMySQL is TestB2BPersistSqlite on MariaDB/MySQL.
func TestB2BPersistMySQL(t *testing.T) {
	b2bpRestart(t, "db_mysql", scaleDB(t, dbserver.Find(t, dbserver.MySQL)))
}

// TestB2BPersistPostgres is TestB2BPersistSqlite on PostgreSQL.
func TestB2BPersistPostgres(t *testing.T) {
	b2bpRestart(t, "db_postgres", scaleDB(t, dbserver.Find(t, dbserver.Postgres)))
}

// b2bpEnv is a running B2B config with its peers' ports.
type b2bpEnv struct {
	cfg  string
	srv  *server
	http int
}

func (e *b2bpEnv) start(t *testing.T, port int) {
	t.Helper()
	e.http = freePort(t)
	cfg := strings.ReplaceAll(e.cfg, "HTTP)", strconv.Itoa(e.http)+")")
	if port == 0 {
		e.srv = startServer(t, cfg)
	} else {
		e.srv = startServerOn(t, cfg, port)
	}
}

// kill ends gosips without a clean shutdown (SIGKILL).
func (e *b2bpEnv) kill(t *testing.T) {
	t.Helper()
	_ = e.srv.cmd.Process.Kill()
	select {
	case <-e.srv.done:
	case <-time.After(5 * time.Second):
		t.Fatal("gosips did not die")
	}
}

// term ends gosips cleanly (SIGTERM) and waits.
func (e *b2bpEnv) term(t *testing.T) {
	t.Helper()
	_ = e.srv.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-e.srv.done:
	case <-time.After(10 * time.Second):
		t.Fatalf("gosips did not stop on SIGTERM:\n%s", e.srv.Logs())
	}
}

// keys returns the sorted keys b2be_list and b2b_list show.
func (e *b2bpEnv) keys(t *testing.T) (ents, tuples []string) {
	t.Helper()
	res, err := miCall(t, e.http, "b2be_list", nil)
	if err != nil {
		t.Fatalf("b2be_list: %v", err)
	}
	var el []map[string]any
	if err := json.Unmarshal(res, &el); err != nil {
		t.Fatalf("b2be_list %s: %v", res, err)
	}
	for _, x := range el {
		k := fmt.Sprint(x["to_tag"])
		if !strings.HasPrefix(k, "B2B.") {
			k = fmt.Sprint(x["callid"])
		}
		ents = append(ents, k+" state="+fmt.Sprint(x["state"]))
	}
	res, err = miCall(t, e.http, "b2b_list", nil)
	if err != nil {
		t.Fatalf("b2b_list: %v", err)
	}
	var tl struct{ Tuples []map[string]any }
	if err := json.Unmarshal(res, &tl); err != nil {
		t.Fatalf("b2b_list %s: %v", res, err)
	}
	for _, x := range tl.Tuples {
		tuples = append(tuples, fmt.Sprint(x["key"], " ", x["scenario"], " state=", x["state"]))
	}
	sort.Strings(ents)
	sort.Strings(tuples)
	return ents, tuples
}

// b2bpRows returns the rows of a table as "col=value" lists.
func b2bpRows(t *testing.T, url, table string, cols ...string) []map[string]string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	conn, err := db.Open(ctx, url)
	if err != nil {
		t.Fatalf("open %s: %v", db.MaskURL(url), err)
	}
	defer conn.Close()
	res, err := conn.Query(ctx, table, cols, nil, "id", 0)
	if err != nil {
		t.Fatalf("query %s: %v", table, err)
	}
	var out []map[string]string
	for _, r := range res.Rows {
		m := map[string]string{}
		for i, c := range res.Cols {
			if r[i].Null {
				m[c] = "NULL"
			} else {
				m[c] = r[i].Str()
			}
		}
		out = append(out, m)
	}
	return out
}

func b2bpRestart(t *testing.T, dbmod, url string) {
	gosipsBin(t)
	holdPort, holdWait := startSippUAS(t, "b2bc_uas_hold.xml")
	byePort, byeWait := startSippUAS(t, "b2bc_uas_bye.xml", "-d", "9000")
	mediaPort, mediaWait := startSippUAS(t, "b2bc_uas_bye.xml", "-d", "300")
	carolPort, carolWait := startSippUAS(t, "b2bc_uas_late.xml")
	env := &b2bpEnv{cfg: strings.NewReplacer("DBMODE", "1", "DBMOD", dbmod, "DBURL", url,
		"HOLDPORT", strconv.Itoa(holdPort), "BYEPORT", strconv.Itoa(byePort),
		"MEDIAPORT", strconv.Itoa(mediaPort), "CAROLPORT", strconv.Itoa(carolPort)).Replace(b2bpCfg)}
	env.start(t, 0)
	port := env.srv.Port
	holdCaller := startSippUAC(t, "b2bp_uac_hold_late.xml", port, "-s", "hold", "-d", "9000")
	byeCaller := startSippUAC(t, "b2bc_uac_wait.xml", port, "-s", "bye")
	prepaidCaller := startSippUAC(t, "b2bc_uac_bridged.xml", port, "-s", "prepaid", "-d", "9000")

	// The three sessions are stored once established (the prepaid one
	// once bridged to the callee).
	var ents, tuples []map[string]string
	ok := eventually(8*time.Second, func() bool {
		ents = b2bpRows(t, url, "b2b_entities", "type", "state", "tag1", "callid", "param")
		tuples = b2bpRows(t, url, "b2b_logic", "si_key", "scenario", "e1_sid", "e2_sid")
		bridged := false
		for _, r := range tuples {
			bridged = bridged || r["e2_sid"] == "callee"
		}
		return len(ents) == 6 && len(tuples) == 3 && bridged
	})
	if !ok {
		t.Fatalf("rows before the restart:\nentities %v\nsessions %v\n%s", ents, tuples, env.srv.Logs())
	}
	entsBefore, tuplesBefore := env.keys(t)

	env.kill(t)
	env.start(t, port)
	entsAfter, tuplesAfter := env.keys(t)
	if fmt.Sprint(entsAfter) != fmt.Sprint(entsBefore) || fmt.Sprint(tuplesAfter) != fmt.Sprint(tuplesBefore) {
		t.Errorf("after the restart MI shows\n%v\n%v\nwant\n%v\n%v", entsAfter, tuplesAfter, entsBefore, tuplesBefore)
	}

	for _, p := range []struct {
		name string
		res  sippResult
	}{{"hold caller", holdCaller()}, {"hold callee", holdWait()}, {"bye caller", byeCaller()}, {"bye callee", byeWait()},
		{"prepaid caller", prepaidCaller()}, {"media", mediaWait()}, {"prepaid callee", carolWait()}} {
		if p.res.Exit != 0 {
			t.Errorf("%s: sipp exit %d\n%s\n%s", p.name, p.res.Exit, p.res.Output, p.res.Messages)
		}
	}
	holdCallerMsgs := holdCaller().Messages
	receivedReply(t, holdCallerMsgs, "200", "BYE")
	if inv := received(holdWait().Messages, "INVITE"); len(inv) != 2 || !strings.Contains(inv[1], "a=sendonly") {
		t.Errorf("the callee did not get the re-INVITE sent after the restart: %q", inv)
	}
	receivedReply(t, byeWait().Messages, "200", "BYE")
	receivedReply(t, prepaidCaller().Messages, "200", "BYE")
	if len(received(carolWait().Messages, "BYE")) != 1 {
		t.Errorf("the bridged callee got no BYE after the restart")
	}
	env2 := &b2bcEnv{srv: env.srv, httpPort: env.http}
	env2.b2bcEmpty(t)
	if !eventually(5*time.Second, func() bool {
		ents = b2bpRows(t, url, "b2b_entities", "type", "state", "tag1", "callid", "param")
		tuples = b2bpRows(t, url, "b2b_logic", "si_key", "scenario", "e1_sid", "e2_sid")
		return len(ents) == 0 && len(tuples) == 0
	}) {
		t.Errorf("rows left after the calls:\nentities %v\nsessions %v", ents, tuples)
	}
	if t.Failed() {
		t.Logf("gosips after the restart:\n%s", env.srv.Logs())
	}
}

// TestB2BPersistWriteBack: with db_mode 2 nothing is written before the
// update_period; a clean shutdown (SIGTERM) flushes the established call,
// which continues after the restart (the callee's BYE reaches the caller)
// and leaves no row behind.
func TestB2BPersistWriteBack(t *testing.T) {
	gosipsBin(t)
	url := b2bpSqlite(t)
	byePort, byeWait := startSippUAS(t, "b2bc_uas_bye.xml", "-d", "9000")
	env := &b2bpEnv{cfg: strings.NewReplacer("DBMODE", "2", "DBMOD", "db_sqlite", "DBURL", url,
		"HOLDPORT", "1", "BYEPORT", strconv.Itoa(byePort), "MEDIAPORT", "1", "CAROLPORT", "1").Replace(b2bpCfg)}
	env.start(t, 0)
	port := env.srv.Port
	caller := startSippUAC(t, "b2bc_uac_wait.xml", port, "-s", "bye")
	if !eventually(8*time.Second, func() bool {
		ents, tuples := env.keys(t)
		return len(ents) == 2 && len(tuples) == 1 && strings.HasSuffix(tuples[0], "state=4") &&
			strings.HasSuffix(ents[0], "state=5") && strings.HasSuffix(ents[1], "state=5")
	}) {
		t.Fatalf("the call was not established:\n%s", env.srv.Logs())
	}
	entsBefore, tuplesBefore := env.keys(t)
	if n, m := len(b2bpRows(t, url, "b2b_entities")), len(b2bpRows(t, url, "b2b_logic")); n != 0 || m != 0 {
		t.Errorf("db_mode 2 wrote %d entities and %d sessions before the update period", n, m)
	}
	env.term(t)
	ents := b2bpRows(t, url, "b2b_entities", "type", "state", "tag1", "callid")
	tuples := b2bpRows(t, url, "b2b_logic", "si_key", "scenario", "sstate")
	if len(ents) != 2 || len(tuples) != 1 || tuples[0]["scenario"] != "top hiding" || tuples[0]["sstate"] != "4" {
		t.Fatalf("SIGTERM flushed\nentities %v\nsessions %v\n%s", ents, tuples, env.srv.Logs())
	}
	env.start(t, port)
	entsAfter, tuplesAfter := env.keys(t)
	if fmt.Sprint(entsAfter) != fmt.Sprint(entsBefore) || fmt.Sprint(tuplesAfter) != fmt.Sprint(tuplesBefore) {
		t.Errorf("after the restart MI shows\n%v\n%v\nwant\n%v\n%v", entsAfter, tuplesAfter, entsBefore, tuplesBefore)
	}
	if r := caller(); r.Exit != 0 {
		t.Errorf("caller: sipp exit %d\n%s\n%s", r.Exit, r.Output, r.Messages)
	}
	if r := byeWait(); r.Exit != 0 {
		t.Errorf("callee: sipp exit %d\n%s\n%s", r.Exit, r.Output, r.Messages)
	}
	receivedReply(t, byeWait().Messages, "200", "BYE")
	(&b2bcEnv{srv: env.srv, httpPort: env.http}).b2bcEmpty(t)
	if !eventually(5*time.Second, func() bool {
		return len(b2bpRows(t, url, "b2b_entities")) == 0 && len(b2bpRows(t, url, "b2b_logic")) == 0
	}) {
		t.Errorf("rows left after the call: %v %v", b2bpRows(t, url, "b2b_entities"), b2bpRows(t, url, "b2b_logic"))
	}
	if t.Failed() {
		t.Logf("gosips after the restart:\n%s", env.srv.Logs())
	}
}

// b2bpOracleCfg is a top hiding call persisted with db_mode 1 in SQLite,
// the same for gosips and OpenSIPS.
const b2bpOracleCfg = `
socket = udp:127.0.0.1:PORT
log_level = 3
loadmodule "proto_udp.so"
loadmodule "signaling.so"
loadmodule "sl.so"
loadmodule "tm.so"
loadmodule "sipmsgops.so"
loadmodule "db_sqlite.so"
loadmodule "b2b_entities.so"
loadmodule "b2b_logic.so"
modparam("b2b_entities", "db_url", "DBURL")
modparam("b2b_entities", "db_mode", 1)
modparam("b2b_logic", "db_url", "DBURL")
modparam("b2b_logic", "db_mode", 1)
route {
	if (is_method("INVITE") && !has_totag()) {
		$ru = "sip:bob@127.0.0.1:BYEPORT";
		b2b_init_request("top hiding");
		exit;
	}
	send_reply(404, "Not here");
}
`

// b2bpShape masks what differs from run to run in a stored value: keys,
// tags, Call-IDs, ports, times.
func b2bpShape(col, v string) string {
	switch {
	case v == "NULL" || v == "":
		return v
	case col == "lm" || col == "lic" || col == "cseq0" || col == "state" || col == "type":
		return v // protocol values, the same on every run
	case col == "lifetime":
		n, _ := strconv.ParseInt(v, 10, 64)
		if d := n - time.Now().Unix(); d > 43100 && d <= 43200 {
			return "now+43200"
		}
		return "bad lifetime " + v
	case strings.HasPrefix(v, "B2B."):
		return "B2B.<hash>.<id>.<time>.<rand>"
	case len(v) == 32 && strings.Trim(v, "0123456789abcdef") == "":
		return "<hex32>"
	}
	v = b2bpPortRe.ReplaceAllString(v, ":<port>")
	v = b2bpDigitsRe.ReplaceAllString(v, "<n>")
	return v
}

var (
	b2bpPortRe   = regexp.MustCompile(`:\d{2,5}\b`)
	b2bpDigitsRe = regexp.MustCompile(`\d+`)
)

// b2bpDump runs one top hiding call on an engine and returns the rows
// stored while it is established, masked.
func b2bpDump(t *testing.T, engine string, start func(cfg string) *syncBuffer) []string {
	t.Helper()
	url := b2bpSqlite(t)
	byePort, byeWait := startSippUAS(t, "b2bc_uas_bye.xml", "-d", "3000")
	cfg := strings.NewReplacer("DBURL", url, "BYEPORT", strconv.Itoa(byePort)).Replace(b2bpOracleCfg)
	logs := start(cfg)
	var out []string
	var ents, tuples []map[string]string
	if !eventually(8*time.Second, func() bool {
		ents = b2bpRows(t, url, "b2b_entities")
		tuples = b2bpRows(t, url, "b2b_logic")
		return len(ents) == 2 && len(tuples) == 1 && ents[0]["state"] == "5" && ents[1]["state"] == "5"
	}) {
		t.Fatalf("%s stored\nentities %v\nsessions %v\n%s", engine, ents, tuples, logs.String())
	}
	// The session's entities are the stored ones.
	if tuples[0]["e1_key"] != ents[0]["tag1"] || tuples[0]["e2_key"] != ents[1]["callid"] ||
		ents[0]["param"] != tuples[0]["si_key"] || ents[1]["param"] != tuples[0]["si_key"] {
		t.Errorf("%s: the stored session does not name its stored entities:\n%v\n%v", engine, ents, tuples)
	}
	for _, r := range append(ents, tuples...) {
		var cols []string
		for c := range r {
			// storage holds OpenSIPS' serialized b2b_logic state, which
			// gosips does not write (NULL).
			if c != "id" && c != "storage" {
				cols = append(cols, c)
			}
		}
		sort.Strings(cols)
		typ := "b2b_logic"
		if _, ok := r["tag0"]; ok {
			typ = "b2b_entities type " + r["type"]
		}
		for _, c := range cols {
			out = append(out, typ+" "+c+"="+b2bpShape(c, r[c]))
		}
	}
	if r := byeWait(); r.Exit != 0 {
		t.Errorf("%s: callee sipp exit %d\n%s", engine, r.Exit, r.Output)
	}
	if !eventually(5*time.Second, func() bool {
		return len(b2bpRows(t, url, "b2b_entities")) == 0 && len(b2bpRows(t, url, "b2b_logic")) == 0
	}) {
		t.Errorf("%s left rows: %v %v", engine, b2bpRows(t, url, "b2b_entities"), b2bpRows(t, url, "b2b_logic"))
	}
	return out
}

// TestB2BPersistOracle: OpenSIPS 3.6 and gosips store the same rows for
// the same top hiding call with db_mode 1 (keys, tags, ports and times
// masked), and both delete them when the call ends.
func TestB2BPersistOracle(t *testing.T) {
	bin := testenv.Oracle(t)
	var callers []func() sippResult
	run := func(port int) {
		callers = append(callers, startSippUAC(t, "b2bc_uac_wait.xml", port, "-s", "bob"))
	}
	want := b2bpDump(t, "opensips", func(cfg string) *syncBuffer {
		logs := &syncBuffer{}
		run(natOracleStartLogs(t, bin, cfg, logs))
		return logs
	})
	got := b2bpDump(t, "gosips", func(cfg string) *syncBuffer {
		srv := startServer(t, cfg)
		run(srv.Port)
		return srv.logs
	})
	for _, c := range callers {
		if r := c(); r.Exit != 0 {
			t.Errorf("caller sipp exit %d\n%s", r.Exit, r.Output)
		}
	}
	if diff := b2bpDiff(want, got); diff != "" {
		t.Errorf("rows differ (-opensips +gosips):\n%s", diff)
	}
}

// b2bpDiff lists the lines only one side has.
func b2bpDiff(want, got []string) string {
	w, g := map[string]bool{}, map[string]bool{}
	for _, s := range want {
		w[s] = true
	}
	for _, s := range got {
		g[s] = true
	}
	var out []string
	for _, s := range want {
		if !g[s] {
			out = append(out, "-"+s)
		}
	}
	for _, s := range got {
		if !w[s] {
			out = append(out, "+"+s)
		}
	}
	return strings.Join(out, "\n")
}

// TestB2BPersistDBDown: with db_mode 1 on MySQL, the database server
// stops while a call is established: the callee's BYE still reaches the
// caller and both are answered, a call made while the server is down is
// set up, put on hold and ended, the failed writes are logged, and nothing
// is left in MI.
func TestB2BPersistDBDown(t *testing.T) {
	gosipsBin(t)
	srv := dbserver.Find(t, dbserver.MySQL)
	url := scaleDB(t, srv)
	byePort, byeWait := startSippUAS(t, "b2bc_uas_bye.xml", "-d", "4000")
	holdPort, holdWait := startSippUAS(t, "b2bc_uas_hold.xml")
	env := &b2bpEnv{cfg: strings.NewReplacer("DBMODE", "1", "DBMOD", "db_mysql", "DBURL", url,
		"HOLDPORT", strconv.Itoa(holdPort), "BYEPORT", strconv.Itoa(byePort), "MEDIAPORT", "1", "CAROLPORT", "1").Replace(b2bpCfg)}
	env.start(t, 0)
	caller := startSippUAC(t, "b2bc_uac_wait.xml", env.srv.Port, "-s", "bye")
	if !eventually(8*time.Second, func() bool {
		return len(b2bpRows(t, url, "b2b_entities")) == 2 && len(b2bpRows(t, url, "b2b_logic")) == 1
	}) {
		t.Fatalf("the call was not stored:\n%s", env.srv.Logs())
	}
	srv.Stop(t)
	started := false
	t.Cleanup(func() {
		if !started {
			srv.Start(t)
		}
	})
	hold := runSipp(t, "b2bp_uac_hold_late.xml", env.srv.Port, "-s", "hold", "-d", "300")
	if r := caller(); r.Exit != 0 {
		t.Errorf("caller: sipp exit %d\n%s\n%s", r.Exit, r.Output, r.Messages)
	}
	if r := byeWait(); r.Exit != 0 {
		t.Errorf("callee: sipp exit %d\n%s\n%s", r.Exit, r.Output, r.Messages)
	}
	if hold.Exit != 0 {
		t.Errorf("call while the database is down: sipp exit %d\n%s\n%s", hold.Exit, hold.Output, hold.Messages)
	}
	if r := holdWait(); r.Exit != 0 {
		t.Errorf("callee of the call while the database is down: sipp exit %d\n%s", r.Exit, r.Output)
	}
	receivedReply(t, byeWait().Messages, "200", "BYE")
	(&b2bcEnv{srv: env.srv, httpPort: env.http}).b2bcEmpty(t)
	srv.Start(t)
	started = true
	logs := env.srv.Logs()
	if !strings.Contains(logs, "cannot delete the entity from the database") ||
		!strings.Contains(logs, "cannot write the entity to the database") {
		t.Errorf("the failed database writes were not logged:\n%s", logs)
	}
	select {
	case <-env.srv.done:
		t.Errorf("gosips exited:\n%s", logs)
	default:
	}
}

// TestB2BPersistLoad: 1,000 top hiding calls with db_mode 1 in SQLite
// (every change written at once): none fails, the tables end empty; the
// gosips CPU per call is logged next to the same calls without a
// database.
func TestB2BPersistLoad(t *testing.T) {
	const calls = 1000
	gosipsBin(t)
	for _, mode := range []string{"0", "1"} {
		t.Run("db_mode "+mode, func(t *testing.T) {
			url := b2bpSqlite(t)
			n := strconv.Itoa(calls)
			uasPort, uasWait := startSippUAS(t, "b2bc_uas_wait.xml", "-m", n)
			env := &b2bpEnv{cfg: strings.NewReplacer("DBMODE", mode, "DBMOD", "db_sqlite", "DBURL", url,
				"HOLDPORT", "1", "BYEPORT", strconv.Itoa(uasPort), "MEDIAPORT", "1", "CAROLPORT", "1").Replace(b2bpCfg)}
			env.start(t, 0)
			pid := env.srv.cmd.Process.Pid
			before := b2bcCPU(t, pid)
			start := time.Now()
			caller := runSipp(t, "b2bc_uac_bye.xml", env.srv.Port, "-s", "bye", "-d", "100",
				"-m", n, "-r", "100", "-l", "200", "-timeout", "35s")
			callee := uasWait()
			cpu := b2bcCPU(t, pid) - before
			if caller.Exit != 0 || callee.Exit != 0 {
				t.Fatalf("caller exit %d, callee exit %d\n--- caller:\n%s\n--- callee:\n%s", caller.Exit, callee.Exit,
					b2bcTail(caller.Output), b2bcTail(callee.Output))
			}
			t.Logf("db_mode %s: %d calls in %v, gosips CPU %v, %.3f ms per call", mode, calls,
				time.Since(start).Round(time.Millisecond), cpu, float64(cpu)/float64(time.Millisecond)/calls)
			(&b2bcEnv{srv: env.srv, httpPort: env.http}).b2bcEmpty(t)
			if e, s := b2bpRows(t, url, "b2b_entities"), b2bpRows(t, url, "b2b_logic"); len(e)+len(s) != 0 {
				t.Errorf("%d entity and %d session rows left", len(e), len(s))
			}
		})
	}
}
