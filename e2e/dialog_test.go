package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"gosips/mi"
)

// dialogCfg is a proxy creating a dialog for every INVITE, with profiles
// and MI over HTTP. UAS is the callee port, HTTP the MI port, DLGPARAMS
// extra modparam lines and FLAGS the create_dialog flags.
const dialogCfg = `
log_level=3
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
			if (is_method("BYE")) xlog("in-dialog $rm dir=$DLG_dir status=$DLG_status did=$DLG_did\n");
			t_relay();
			exit;
		}
		if (is_method("ACK") && t_check_trans()) { t_relay(); exit; }
		sl_send_reply(404, "Not here");
		exit;
	}
	if (is_method("INVITE")) {
		create_dialog("FLAGS");
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
`

type dlgEnv struct {
	srv      *server
	httpPort int
}

func startDialogProxy(t *testing.T, uas int, flags, params string) *dlgEnv {
	t.Helper()
	hp := freePort(t)
	cfg := strings.NewReplacer("UAS", fmt.Sprint(uas), "HTTP", fmt.Sprint(hp),
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
	if !strings.Contains(logs, "in-dialog BYE dir=downstream status=5") {
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
