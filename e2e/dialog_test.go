package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"gosips/db"
	"gosips/internal/dbserver"
	"gosips/mi"
)

// dialogCfg is a proxy creating a dialog for every INVITE, with profiles
// and MI over HTTP. UAS is the callee port, HTTP the MI port, DLGPARAMS
// extra modparam lines and FLAGS the create_dialog flags.
const dialogCfg = `
log_level=LOGLEVEL
socket=udp:127.0.0.1:PORT
loadmodule "proto_udp.so"
loadmodule "tm.so"
loadmodule "sl.so"
loadmodule "rr.so"
loadmodule "sipmsgops.so"
loadmodule "dialog.so"
loadmodule "httpd.so"
loadmodule "mi_http.so"
modparam("httpd", "port", HTTP)
modparam("dialog", "profiles_with_value", "caller")
modparam("dialog", "profiles_no_value", "calls")
DLGPARAMS

route {
	if (has_totag()) {
		if (loose_route()) {
			if (is_method("BYE")) {
				validate_dialog();
				xlog("in-dialog $rm dir=$DLG_dir status=$DLG_status did=$DLG_did validate=$rc\n");
			}
			t_relay();
			exit;
		}
		if (is_method("ACK") && t_check_trans()) { t_relay(); exit; }
		sl_send_reply(404, "Not here");
		exit;
	}
	if (is_method("INVITE")) {
		create_dialog("FLAGS");
		TIMEOUT
		set_dlg_profile("calls");
		set_dlg_profile("caller", $fU);
		$dlg_val(caller) = $fU;
		get_profile_size("calls", , $var(n));
		xlog("dialog $DLG_did created, status=$DLG_status calls=$var(n)\n");
		record_route();
	}
	$du = "sip:127.0.0.1:UAS";
	t_relay();
}

route[dlg_timeout] {
	xlog("dlg_timeout $DLG_did status=$DLG_status\n");
}
`

type dlgEnv struct {
	srv      *server
	httpPort int
}

func startDialogProxy(t *testing.T, uas int, flags, params string) *dlgEnv {
	t.Helper()
	timeout := ""
	if strings.Contains(flags, "B") {
		timeout = `$DLG_timeout = 2; dlg_on_timeout("dlg_timeout");`
	}
	hp := freePort(t)
	cfg := strings.NewReplacer("LOGLEVEL", logLevel(), "UAS", fmt.Sprint(uas), "HTTP", fmt.Sprint(hp), "TIMEOUT", timeout,
		"FLAGS", flags, "DLGPARAMS", params).Replace(dialogCfg)
	return &dlgEnv{srv: startServer(t, cfg), httpPort: hp}
}

func (e *dlgEnv) mi(t *testing.T, method string, params any) (json.RawMessage, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	return mi.CallHTTP(ctx, nil, fmt.Sprintf("http://127.0.0.1:%d/mi", e.httpPort), method, params)
}

func (e *dlgEnv) stat(t *testing.T, name string) int {
	t.Helper()
	res, err := e.mi(t, "get_statistics", map[string]any{"statistics": []string{"dialog:" + name}})
	if err != nil {
		t.Fatalf("get_statistics: %v", err)
	}
	var m map[string]int
	if err := json.Unmarshal(res, &m); err != nil {
		t.Fatalf("get_statistics answer %s: %v", res, err)
	}
	return m["dialog:"+name]
}

func TestDialogCompletedCall(t *testing.T) {
	uas, wait := startSippUAS(t, "uas_call.xml")
	env := startDialogProxy(t, uas, "", "")
	res := runSipp(t, "uac_call.xml", env.srv.Port, "-s", "bob")
	if res.Exit != 0 {
		t.Fatalf("caller failed (exit %d):\n%s\n%s", res.Exit, res.Output, env.srv.Logs())
	}
	if u := wait(); u.Exit != 0 {
		t.Fatalf("callee failed (exit %d):\n%s", u.Exit, u.Output)
	}
	logs := env.srv.Logs()
	if !strings.Contains(logs, "status=1 calls=1") {
		t.Errorf("dialog not created as unconfirmed with profile size 1:\n%s", logs)
	}
	if !strings.Contains(logs, "in-dialog BYE dir=downstream status=5") || !strings.Contains(logs, "validate=1") {
		t.Errorf("BYE not matched to the confirmed dialog:\n%s", logs)
	}
	if !strings.Contains(res.Messages, ";did=") {
		t.Errorf("Record-Route has no did parameter:\n%s", res.Messages)
	}
	for name, want := range map[string]int{"processed_dialogs": 1, "active_dialogs": 0, "early_dialogs": 0, "failed_dialogs": 0} {
		if got := env.stat(t, name); got != want {
			t.Errorf("%s = %d, want %d", name, got, want)
		}
	}
	res2, err := env.mi(t, "profile_get_size", map[string]any{"profile": "calls"})
	if err != nil || !strings.Contains(string(res2), `"count":0`) {
		t.Errorf("profile_get_size after the call: %s %v", res2, err)
	}
}

// startSippUAC runs a client scenario in the background against port and
// returns a function waiting for its end.
func startSippUAC(t *testing.T, scenario string, target int, args ...string) func() sippResult {
	t.Helper()
	done := make(chan sippResult, 1)
	go func() { done <- runSipp(t, scenario, target, args...) }()
	var res *sippResult
	return func() sippResult {
		if res == nil {
			r := <-done
			res = &r
		}
		return *res
	}
}

// dialogs returns dlg_list's dialogs.
func (e *dlgEnv) dialogs(t *testing.T) []map[string]any {
	t.Helper()
	res, err := e.mi(t, "dlg_list", nil)
	if err != nil {
		t.Fatalf("dlg_list: %v", err)
	}
	var out struct{ Dialogs []map[string]any }
	if err := json.Unmarshal(res, &out); err != nil {
		t.Fatalf("dlg_list answer %s: %v", res, err)
	}
	return out.Dialogs
}

// waitState polls dlg_list until one dialog has state want.
func (e *dlgEnv) waitState(t *testing.T, want int) map[string]any {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		for _, d := range e.dialogs(t) {
			if s, _ := d["state"].(float64); int(s) == want {
				return d
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("no dialog in state %d:\n%s", want, e.srv.Logs())
	return nil
}

func TestDialogLifetimeTimeoutSendsBye(t *testing.T) {
	uas, waitUAS := startSippUAS(t, "uas_call.xml")
	env := startDialogProxy(t, uas, "B", "")
	waitUAC := startSippUAC(t, "dlg_uac_wait_bye.xml", env.srv.Port, "-s", "bob")
	d := env.waitState(t, 4)
	if _, err := env.mi(t, "dlg_list", map[string]any{"callid": d["callid"]}); err != nil {
		t.Fatalf("dlg_list by callid: %v", err)
	}
	if u := waitUAC(); u.Exit != 0 {
		t.Fatalf("caller did not get the BYE (exit %d):\n%s\n%s", u.Exit, u.Output, env.srv.Logs())
	}
	if u := waitUAS(); u.Exit != 0 {
		t.Fatalf("callee did not get the BYE (exit %d):\n%s", u.Exit, u.Output)
	}
	logs := env.srv.Logs()
	if !strings.Contains(logs, "timeout route: Lifetime") && !strings.Contains(logs, "dlg_timeout ") {
		t.Errorf("dlg_on_timeout route did not run:\n%s", logs)
	}
	if got := env.stat(t, "expired_dialogs"); got != 1 {
		t.Errorf("expired_dialogs = %d, want 1", got)
	}
	if got := env.stat(t, "active_dialogs"); got != 0 {
		t.Errorf("active_dialogs = %d, want 0", got)
	}
	if n := len(env.dialogs(t)); n != 0 {
		t.Errorf("%d dialogs left after the timeout", n)
	}
}

func TestDialogSurvivesRestartDBMode1(t *testing.T) {
	bin := gosipsBin(t)
	dir := t.TempDir()
	url := "sqlite://" + dir + "/opensips.db"
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if out, err := exec.CommandContext(ctx, bin, "db", "create", "--url", url, "--tables", "dialog").CombinedOutput(); err != nil {
		t.Fatalf("gosips db create: %v\n%s", err, out)
	}
	testDialogRestart(t, "db_sqlite", url)
}

func TestDialogSurvivesRestartMySQL(t *testing.T) {
	testDialogRestart(t, "db_mysql", scaleDB(t, dbserver.Find(t, dbserver.MySQL)))
}

// testDialogRestart keeps a confirmed call across a restart with db_mode 1
// and ends it with dlg_end_dlg: both sipp peers get their BYE.
func testDialogRestart(t *testing.T, dbmod, url string) {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	params := `loadmodule "` + dbmod + `.so"
modparam("dialog", "db_mode", 1)
modparam("dialog", "db_url", "` + url + `")`
	uas, waitUAS := startSippUAS(t, "uas_call.xml")
	env := startDialogProxy(t, uas, "", params)
	waitUAC := startSippUAC(t, "dlg_uac_wait_bye.xml", env.srv.Port, "-s", "bob")
	before := env.waitState(t, 4)

	// Restart on the same port and database.
	env.srv.stop(t)
	hp := freePort(t)
	cfg := strings.NewReplacer("LOGLEVEL", logLevel(), "UAS", fmt.Sprint(uas), "HTTP", fmt.Sprint(hp), "TIMEOUT", "",
		"FLAGS", "", "DLGPARAMS", params).Replace(dialogCfg)
	env2 := &dlgEnv{srv: startServerOn(t, cfg, env.srv.Port), httpPort: hp}
	ds := env2.dialogs(t)
	if len(ds) != 1 {
		t.Fatalf("after restart: %d dialogs, want 1:\n%s", len(ds), env2.srv.Logs())
	}
	after := ds[0]
	for _, k := range []string{"ID", "db_id", "state", "callid", "from_uri", "to_uri", "caller_tag", "caller_contact", "timestart"} {
		if fmt.Sprint(after[k]) != fmt.Sprint(before[k]) {
			t.Errorf("after restart %s = %v, want %v", k, after[k], before[k])
		}
	}
	res, err := env2.mi(t, "dlg_list_ctx", nil)
	if err != nil || !strings.Contains(string(res), `"caller":"caller"`) || !strings.Contains(string(res), `"calls":""`) {
		t.Errorf("values/profiles lost in the restart: %s %v", res, err)
	}
	res, err = env2.mi(t, "profile_get_size", map[string]any{"profile": "calls"})
	if err != nil || !strings.Contains(string(res), `"count":1`) {
		t.Errorf("profile size after restart: %s %v", res, err)
	}
	if _, err := env2.mi(t, "dlg_end_dlg", map[string]any{"dialog_id": after["ID"]}); err != nil {
		t.Fatalf("dlg_end_dlg: %v", err)
	}
	if u := waitUAC(); u.Exit != 0 {
		t.Fatalf("caller did not get the BYE (exit %d):\n%s\n%s", u.Exit, u.Output, env2.srv.Logs())
	}
	if u := waitUAS(); u.Exit != 0 {
		t.Fatalf("callee did not get the BYE (exit %d):\n%s", u.Exit, u.Output)
	}
	deadline := time.Now().Add(5 * time.Second)
	for len(env2.dialogs(t)) != 0 && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
	}
	if n := len(env2.dialogs(t)); n != 0 {
		t.Errorf("%d dialogs left after dlg_end_dlg", n)
	}
	conn, err := db.Open(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	rows, err := conn.Query(ctx, "dialog", nil, nil, "", 0)
	if err != nil || len(rows.Rows) != 0 {
		t.Errorf("dialog rows left: %v %v", rows, err)
	}
}

func TestDialogProfile100Concurrent(t *testing.T) {
	uas, waitUAS := startSippUAS(t, "uas_call.xml", "-m", "100")
	env := startDialogProxy(t, uas, "", "")
	waitUAC := startSippUAC(t, "dlg_uac_long.xml", env.srv.Port, "-s", "bob", "-m", "100", "-l", "100", "-r", "100")
	size := func(params map[string]any) int {
		res, err := env.mi(t, "profile_get_size", params)
		if err != nil {
			t.Fatalf("profile_get_size: %v", err)
		}
		var out struct{ Profile struct{ Count int } }
		if err := json.Unmarshal(res, &out); err != nil {
			t.Fatalf("profile_get_size answer %s: %v", res, err)
		}
		return out.Profile.Count
	}
	peak := 0
	deadline := time.Now().Add(15 * time.Second)
	for time.Now().Before(deadline) && peak < 100 {
		peak = max(peak, size(map[string]any{"profile": "calls"}))
		time.Sleep(20 * time.Millisecond)
	}
	if peak != 100 {
		t.Errorf("profile calls peaked at %d, want 100", peak)
	}
	if n := size(map[string]any{"profile": "caller", "value": "caller"}); n != 100 {
		t.Errorf("profile caller/caller = %d, want 100", n)
	}
	if got := env.stat(t, "active_dialogs"); got != 100 {
		t.Errorf("active_dialogs = %d during the calls, want 100", got)
	}
	if u := waitUAC(); u.Exit != 0 {
		t.Fatalf("callers failed (exit %d):\n%s", u.Exit, u.Output)
	}
	if u := waitUAS(); u.Exit != 0 {
		t.Fatalf("callees failed (exit %d):\n%s", u.Exit, u.Output)
	}
	if n := size(map[string]any{"profile": "calls"}); n != 0 {
		t.Errorf("profile calls = %d after the calls, want 0", n)
	}
	if got := env.stat(t, "processed_dialogs"); got != 100 {
		t.Errorf("processed_dialogs = %d, want 100", got)
	}
	if got := env.stat(t, "active_dialogs"); got != 0 {
		t.Errorf("active_dialogs = %d after the calls, want 0", got)
	}
}

func TestDialogUACReplaceFromStoredInDialog(t *testing.T) {
	needSipp(t)
	uas, wait := startSippUAS(t, "dlg_uac_restore_uas.xml")
	cfg := strings.ReplaceAll(uacCfg, "UAS", fmt.Sprint(uas))
	cfg = strings.Replace(cfg, `loadmodule "uac.so"`, `loadmodule "dialog.so"
loadmodule "uac.so"`, 1)
	cfg = strings.Replace(cfg, `		uac_replace_from(`, `		create_dialog();
		uac_replace_from(`, 1)
	srv := startServer(t, cfg)
	res := runSipp(t, "uac_restore_call.xml", srv.Port, "-s", "bob")
	if res.Exit != 0 {
		t.Fatalf("caller failed (exit %d):\n%s\nlogs:\n%s", res.Exit, res.Output, srv.Logs())
	}
	if u := wait(); u.Exit != 0 {
		t.Fatalf("callee failed (exit %d):\n%s\nlogs:\n%s", u.Exit, u.Output, srv.Logs())
	}
}

func TestDialogByeFromCallee(t *testing.T) {
	uas, waitUAS := startSippUAS(t, "dlg_uas_bye.xml")
	env := startDialogProxy(t, uas, "", "")
	res := runSipp(t, "dlg_uac_wait_bye.xml", env.srv.Port, "-s", "bob")
	if res.Exit != 0 {
		t.Fatalf("caller failed (exit %d):\n%s\n%s", res.Exit, res.Output, env.srv.Logs())
	}
	if u := waitUAS(); u.Exit != 0 {
		t.Fatalf("callee failed (exit %d):\n%s\n%s", u.Exit, u.Output, env.srv.Logs())
	}
	if logs := env.srv.Logs(); !strings.Contains(logs, "in-dialog BYE dir=upstream status=5") || !strings.Contains(logs, "validate=1") {
		t.Errorf("callee's BYE not matched upstream:\n%s", logs)
	}
	if got := env.stat(t, "active_dialogs"); got != 0 {
		t.Errorf("active_dialogs = %d, want 0", got)
	}
}

func TestDialogPingEndsDeadCallee(t *testing.T) {
	uas, waitUAS := startSippUAS(t, "dlg_uas_ping481.xml")
	env := startDialogProxy(t, uas, "p", `modparam("dialog", "options_ping_interval", 1)`)
	defer func() {
		if t.Failed() {
			t.Logf("callee:\n%s", waitUAS().Output)
		}
	}()
	res := runSipp(t, "dlg_uac_wait_bye.xml", env.srv.Port, "-s", "bob")
	if res.Exit != 0 {
		t.Fatalf("caller did not get the BYE (exit %d):\n%s\n%s", res.Exit, res.Output, env.srv.Logs())
	}
	if u := waitUAS(); u.Exit != 0 {
		t.Fatalf("callee failed (exit %d):\n%s\n%s", u.Exit, u.Output, env.srv.Logs())
	}
	if got := env.stat(t, "active_dialogs"); got != 0 {
		t.Errorf("active_dialogs = %d, want 0", got)
	}
}

// logLevel is the log_level of the dialog configs (GOSIPS_E2E_LOG_LEVEL
// raises it when debugging).
func logLevel() string {
	if l := os.Getenv("GOSIPS_E2E_LOG_LEVEL"); l != "" {
		return l
	}
	return "3"
}

func TestDialogReinvitePing(t *testing.T) {
	uas, waitUAS := startSippUAS(t, "dlg_uas_reinvite_ping.xml")
	env := startDialogProxy(t, uas, "r", `modparam("dialog", "reinvite_ping_interval", 3)`)
	res := runSipp(t, "dlg_uac_long.xml", env.srv.Port, "-s", "bob")
	if res.Exit != 0 {
		t.Fatalf("caller failed (exit %d):\n%s\n%s", res.Exit, res.Output, env.srv.Logs())
	}
	if u := waitUAS(); u.Exit != 0 {
		t.Fatalf("callee failed (exit %d):\n%s\n%s", u.Exit, u.Output, env.srv.Logs())
	}
	if strings.Contains(res.Messages, "CSeq: 3 BYE") {
		t.Errorf("the raised CSeq leaked to the caller in the 200 to its BYE:\n%s", res.Messages)
	}
}

// TestDialogIncCSeq: dlg_inc_cseq() on the ACK raises the CSeq of the
// caller's later requests towards the callee (its BYE: 2 → 7) and lowers
// the reply back for the caller.
func TestDialogIncCSeq(t *testing.T) {
	uas, wait := startSippUAS(t, "uas_call.xml")
	cfg := strings.NewReplacer("LOGLEVEL", logLevel(), "UAS", fmt.Sprint(uas)).Replace(`
log_level=LOGLEVEL
socket=udp:127.0.0.1:PORT
loadmodule "proto_udp.so"
loadmodule "tm.so"
loadmodule "sl.so"
loadmodule "rr.so"
loadmodule "sipmsgops.so"
loadmodule "dialog.so"
route {
	if (has_totag()) {
		if (loose_route()) {
			if (is_method("ACK")) {
				dlg_inc_cseq(, 5);
				if ($rc != 1) xlog("L_ERR", "dlg_inc_cseq returned $rc\n");
			}
			t_relay();
			exit;
		}
		sl_send_reply(404, "Not here");
		exit;
	}
	# no dialog yet: -2
	dlg_inc_cseq("x");
	xlog("no dialog rc=$rc\n");
	create_dialog();
	# the callee leg has no tag yet: -1
	dlg_inc_cseq("x");
	xlog("no leg rc=$rc\n");
	record_route();
	$du = "sip:127.0.0.1:UAS";
	t_relay();
}
`)
	srv := startServer(t, cfg)
	caller := runSipp(t, "uac_call.xml", srv.Port, "-s", "bob")
	callee := wait()
	if caller.Exit != 0 || callee.Exit != 0 {
		t.Fatalf("caller exit %d, callee exit %d\n%s\n%s", caller.Exit, callee.Exit, caller.Output, callee.Output)
	}
	bye := received(callee.Messages, "BYE")
	if len(bye) != 1 || header(bye[0], "CSeq") != "7 BYE" {
		t.Fatalf("callee got BYE %q, want CSeq 7", bye)
	}
	if r := receivedReply(t, caller.Messages, "200", "BYE"); header(r, "CSeq") != "2 BYE" {
		t.Errorf("caller got CSeq %q for its BYE, want 2", header(r, "CSeq"))
	}
	logs := srv.Logs()
	for _, want := range []string{"no dialog rc=-2", "no leg rc=-1"} {
		if !strings.Contains(logs, want) {
			t.Errorf("log lacks %q", want)
		}
	}
	if strings.Contains(logs, "dlg_inc_cseq returned") {
		t.Errorf("dlg_inc_cseq failed on the ACK:\n%s", logs)
	}
}

// TestDialogEndOnRaceCondition: with create_dialog's E flag, a call the
// callee answers although the caller cancelled it or already sent an
// early BYE (RFC 5407 races) is ended by the proxy after
// race_condition_timeout: both sides get a BYE and the dialog is gone.
func TestDialogEndOnRaceCondition(t *testing.T) {
	for _, race := range []string{"cancel", "bye"} {
		t.Run(race, func(t *testing.T) {
			uas, waitUAS := startSippUAS(t, "dlg_uas_race_"+race+".xml")
			env := startDialogProxy(t, uas, "BE", `modparam("dialog", "race_condition_timeout", 1)`)
			start := time.Now()
			res := runSipp(t, "dlg_uac_race_"+race+".xml", env.srv.Port, "-s", "bob")
			if res.Exit != 0 {
				u := waitUAS()
				t.Logf("callee messages:\n%s", u.Messages)
				t.Fatalf("caller failed (exit %d):\n%s\n%s", res.Exit, res.Output, env.srv.Logs())
			}
			if u := waitUAS(); u.Exit != 0 {
				t.Fatalf("callee failed (exit %d):\n%s\n%s", u.Exit, u.Output, env.srv.Logs())
			}
			// The race timeout (1 s) replaced the script's $DLG_timeout (2 s).
			if took := time.Since(start); took > 1900*time.Millisecond {
				t.Errorf("the BYEs came after %v, want about race_condition_timeout (1 s)", took)
			}
			if n := len(received(res.Messages, "BYE")); n != 1 {
				t.Errorf("caller got %d BYEs, want 1:\n%s", n, res.Messages)
			}
			// The log pipe is read concurrently: the line may trail the BYEs.
			if !eventually(2*time.Second, func() bool { return strings.Contains(env.srv.Logs(), "dlg_timeout ") }) {
				t.Errorf("dlg_on_timeout route did not run:\n%s", env.srv.Logs())
			}
			for name, want := range map[string]int{"active_dialogs": 0, "expired_dialogs": 1} {
				if got := env.stat(t, name); got != want {
					t.Errorf("%s = %d, want %d", name, got, want)
				}
			}
		})
	}
}
