package e2e

import (
	"encoding/json"
	"strconv"
	"strings"
	"testing"
	"time"
)

// captureDialogCfg traces whole dialogs from their initial INVITE (scope
// d): the sequential requests are traced through the dialog.
const captureDialogCfg = `
log_level=3
socket=udp:127.0.0.1:PORT
loadmodule "proto_udp.so"
loadmodule "tm.so"
loadmodule "sl.so"
loadmodule "rr.so"
loadmodule "sipmsgops.so"
loadmodule "dialog.so"
loadmodule "db_sqlite.so"
loadmodule "tracer.so"
loadmodule "httpd.so"
loadmodule "mi_http.so"
modparam("httpd", "port", MIHTTP)
modparam("tracer", "trace_id", "[tid]uri=DBURL;table=sip_trace")
route {
	if (has_totag()) {
		loose_route();
		$du = "sip:127.0.0.1:UASPORT";
		t_relay();
		exit;
	}
	record_route();
	trace("tid", "d");
	$du = "sip:127.0.0.1:UASPORT";
	t_relay();
}
`

// TestCaptureTraceDialogAndMI traces a dialog from its INVITE only (the
// ACK and BYE are traced through the dialog), then turns tracing off and
// on over MI ("trace" command) and checks that a call made while it is
// off leaves no rows.
func TestCaptureTraceDialogAndMI(t *testing.T) {
	needSipp(t)
	traceDB := sqliteDB(t, "sip_trace")
	mport := freePort(t)
	call := func(uasPort int, proxyPort int) string {
		res := runSipp(t, "uac_call.xml", proxyPort)
		if res.Exit != 0 {
			t.Fatalf("sipp uac: %d\n%s", res.Exit, res.Output)
		}
		return captureCallID(t, res.Messages)
	}
	uasPort, uasDone := startSippUAS(t, "capture_uas_call.xml", "-m", "2")
	cfg := strings.NewReplacer("DBURL", traceDB, "UASPORT", strconv.Itoa(uasPort), "MIHTTP", strconv.Itoa(mport)).Replace(captureDialogCfg)
	proxy := startServer(t, cfg)

	raw, err := miCall(t, mport, "trace", nil)
	if err != nil {
		t.Fatal(err)
	}
	var st struct {
		Global string `json:"global"`
		IDs    []struct {
			ID, State    string
			Destinations []map[string]string
		} `json:"ids"`
	}
	if err := json.Unmarshal(raw, &st); err != nil || st.Global != "on" || len(st.IDs) != 1 || st.IDs[0].ID != "tid" || st.IDs[0].State != "on" ||
		st.IDs[0].Destinations[0]["type"] != "database" || st.IDs[0].Destinations[0]["table"] != "sip_trace" {
		t.Fatalf("trace: %s (%v)", raw, err)
	}

	cid := call(uasPort, proxy.Port)
	cols := []string{"direction", "method", "status"}
	var rows [][]string
	want := "in INVITE,out INVITE 100,out INVITE,in INVITE 180,out INVITE 180,in INVITE 200,out INVITE 200," +
		"in ACK,out ACK,in BYE,out BYE,in BYE 200,out BYE 200"
	got := func() string {
		var parts []string
		for _, r := range rows {
			parts = append(parts, strings.TrimSpace(strings.Join(r, " ")))
		}
		return strings.Join(parts, ",")
	}
	captureWait(13, func() int { rows = captureRows(t, traceDB, "sip_trace", "callid", cid, cols); return len(rows) })
	time.Sleep(200 * time.Millisecond)
	rows = captureRows(t, traceDB, "sip_trace", "callid", cid, cols)
	if got() != want {
		t.Errorf("dialog trace:\n got %s\nwant %s", got(), want)
	}

	if _, err := miCall(t, mport, "trace", map[string]any{"mode": "off"}); err != nil {
		t.Fatal(err)
	}
	if raw, _ := miCall(t, mport, "trace", map[string]any{"id": "tid"}); !strings.Contains(string(raw), `"state":"on"`) {
		t.Errorf("trace id=tid: %s", raw)
	}
	cid2 := call(uasPort, proxy.Port)
	time.Sleep(300 * time.Millisecond)
	if n := len(captureRows(t, traceDB, "sip_trace", "callid", cid2, cols)); n != 0 {
		t.Errorf("tracing off over MI, yet %d rows for %s", n, cid2)
	}
	if _, err := miCall(t, mport, "trace", map[string]any{"id": "nope", "mode": "on"}); err == nil {
		t.Errorf("trace id=nope accepted")
	}
	if r := uasDone(); r.Exit != 0 {
		t.Errorf("sipp uas: %d\n%s", r.Exit, r.Output)
	}
}
