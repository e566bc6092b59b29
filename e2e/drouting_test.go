package e2e

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

const droutingCfg = `
log_level = 3
xlog_level = 3
stderror_enabled = yes
socket = udp:127.0.0.1:PORT

loadmodule "proto_udp.so"
loadmodule "signaling.so"
loadmodule "sl.so"
loadmodule "tm.so"
loadmodule "rr.so"
loadmodule "sipmsgops.so"
loadmodule "db_sqlite.so"
loadmodule "httpd.so"
loadmodule "mi_http.so"
loadmodule "drouting.so"

modparam("tm", "fr_timeout", 2)
modparam("tm", "fr_inv_timeout", 2)
modparam("httpd", "port", HTTPPORT)
modparam("drouting", "db_url", "DBURL")
modparam("drouting", "gw_id_avp", "$avp(gw_id)")

route {
	if (is_method("OPTIONS")) {
		if (is_from_gw(-1, "n", $var(gw_attrs)))
			send_reply(200, "From GW $var(gw_attrs)");
		else
			send_reply(403, "Not A Gateway");
		exit;
	}
	if (has_totag()) {
		if (loose_route()) {
			t_relay();
			exit;
		}
		if (is_method("ACK") && t_check_trans())
			t_relay();
		exit;
	}
	if (is_method("CANCEL")) {
		if (t_check_trans())
			t_relay();
		exit;
	}
	t_check_trans();
	record_route();
	if (!do_routing(1, , , $var(rule_attrs))) {
		send_reply(404, "No Route");
		exit;
	}
	xlog("L_INFO", "routing $rU to $avp(gw_id) rule $var(rule_attrs)\n");
	t_on_failure("next_gw");
	t_relay();
}

failure_route[next_gw] {
	if (t_check_status("503|408")) {
		if (use_next_gw()) {
			xlog("L_INFO", "failing over to $avp(gw_id)\n");
			t_on_failure("next_gw");
			t_relay();
		}
	}
}
`

func TestDroutingFailoverPrefixTime(t *testing.T) {
	needSipp(t)
	wrong := newUDPClient(t) // a gateway no call may reach
	gw503, wait503 := startSippUAS(t, "dr_uas_503.xml")
	silent, waitSilent := startSippUAS(t, "uas_silent.xml")
	ok1, waitOK1 := startSippUAS(t, "uas_call.xml")
	ok2, waitOK2 := startSippUAS(t, "uas_call.xml")

	url, conn := newSQLiteDB(t, "dr_gateways", "dr_rules", "dr_carriers", "dr_groups")
	gw := func(id string, port int, attrs string) {
		addRow(t, conn, "dr_gateways", "gwid", id, "address", fmt.Sprintf("127.0.0.1:%d", port), "attrs", attrs)
	}
	gw("wrong", wrong.Port(), "wrong")
	gw("gw503", gw503, "busy")
	gw("silent", silent, "silent")
	gw("ok1", ok1, "ok1")
	gw("ok2", ok2, "ok2")
	addRow(t, conn, "dr_gateways", "gwid", "pbx", "address", "127.0.0.5:5060", "attrs", "pbx-a")
	addRow(t, conn, "dr_carriers", "carrierid", "cr1", "gwlist", "silent,ok1")
	// The longest prefix wins: 49 over 4.
	addRow(t, conn, "dr_rules", "groupid", "1", "prefix", "4", "gwlist", "wrong", "attrs", "short")
	addRow(t, conn, "dr_rules", "groupid", "1", "prefix", "49", "gwlist", "gw503,#cr1", "attrs", "germany")
	// A rule whose time recurrence excludes now loses to a lower one.
	addRow(t, conn, "dr_rules", "groupid", "1", "prefix", "33", "priority", 10, "gwlist", "wrong",
		"timerec", "20200101T000000|20200102T000000", "attrs", "past")
	addRow(t, conn, "dr_rules", "groupid", "1", "prefix", "33", "priority", 1, "gwlist", "ok2", "attrs", "france")

	httpPort := freePort(t)
	srv := startServer(t, strings.NewReplacer("DBURL", url, "HTTPPORT", fmt.Sprint(httpPort)).Replace(droutingCfg))

	// 4912345: gw503 answers 503, the carrier's first gateway stays
	// silent (timeout), its second takes the call.
	res := runSipp(t, "uac_call.xml", srv.Port, "-s", "4912345")
	if res.Exit != 0 {
		t.Fatalf("call to 4912345 failed (exit %d):\n%s\nlogs:\n%s", res.Exit, res.Output, srv.Logs())
	}
	if r := wait503(); r.Exit != 0 || !strings.Contains(r.Messages, "INVITE sip:4912345@127.0.0.1") {
		t.Errorf("gw503 did not get the first INVITE (exit %d):\n%s", r.Exit, r.Messages)
	}
	if r := waitSilent(); !strings.Contains(r.Messages, "INVITE sip:4912345@127.0.0.1") {
		t.Errorf("the silent gateway did not get the second INVITE:\n%s", r.Messages)
	}
	if r := waitOK1(); r.Exit != 0 {
		t.Errorf("ok1 did not complete the call (exit %d):\n%s", r.Exit, r.Output)
	}
	logs := srv.Logs()
	for _, want := range []string{"routing 4912345 to gw503 rule germany", "failing over to silent", "failing over to ok1"} {
		if !strings.Contains(logs, want) {
			t.Errorf("logs lack %q", want)
		}
	}

	// 3312: the rule valid now is used.
	res = runSipp(t, "uac_call.xml", srv.Port, "-s", "3312")
	if res.Exit != 0 {
		t.Fatalf("call to 3312 failed (exit %d):\n%s\nlogs:\n%s", res.Exit, res.Output, srv.Logs())
	}
	if r := waitOK2(); r.Exit != 0 {
		t.Errorf("ok2 did not complete the call (exit %d):\n%s", r.Exit, r.Output)
	}
	if m := wrong.Recv(200 * time.Millisecond); m != "" {
		t.Errorf("the wrong gateway got a request:\n%s", m)
	}

	// is_from_gw() recognises a gateway by its source address.
	if got := permRequest(t, newUDPClientOn(t, "127.0.0.5"), srv.Port); got != "SIP/2.0 200 From GW pbx-a" {
		t.Errorf("OPTIONS from the pbx gateway: %q", got)
	}
	if got := permRequest(t, newUDPClientOn(t, "127.0.0.6"), srv.Port); got != "SIP/2.0 403 Not A Gateway" {
		t.Errorf("OPTIONS from elsewhere: %q", got)
	}

	// MI: dr_number_routing, dr_gw_status, and dr_reload of changed rows.
	out, err := miHTTP(t, httpPort, "dr_number_routing", map[string]any{"group_id": 1, "number": "4912345"})
	if err != nil || string(out) != `{"Matched Prefix":"49","GW List":[{"GATEWAY":"gw503"},{"CARRIER":"cr1"}],"ATTRS":"germany"}` {
		t.Errorf("dr_number_routing: %s %v", out, err)
	}
	if _, err := miHTTP(t, httpPort, "dr_gw_status", map[string]any{"gw_id": "gw503", "status": 0}); err != nil {
		t.Fatal(err)
	}
	out, err = miHTTP(t, httpPort, "dr_gw_status", map[string]any{"gw_id": "gw503"})
	if err != nil || string(out) != `{"ATTRS":"busy","State":"Disabled MI"}` {
		t.Errorf("dr_gw_status gw503: %s %v", out, err)
	}
	addRow(t, conn, "dr_rules", "groupid", "1", "prefix", "44", "gwlist", "ok2", "attrs", "uk")
	if _, err := miHTTP(t, httpPort, "dr_reload", nil); err != nil {
		t.Fatal(err)
	}
	out, err = miHTTP(t, httpPort, "dr_number_routing", map[string]any{"group_id": 1, "number": "4420"})
	if err != nil || !strings.Contains(string(out), `"Matched Prefix":"44"`) {
		t.Errorf("after dr_reload: %s %v", out, err)
	}
	out, _ = miHTTP(t, httpPort, "dr_gw_status", map[string]any{"gw_id": "gw503"})
	if string(out) != `{"ATTRS":"busy","State":"Disabled MI"}` {
		t.Errorf("state not inherited across dr_reload: %s", out)
	}
	addRow(t, conn, "dr_rules", "groupid", "1", "prefix", "45", "gwlist", "nosuchgw")
	_, err = miHTTP(t, httpPort, "dr_reload", nil)
	if err == nil || !strings.Contains(err.Error(), `table dr_rules, id 6: unknown gateway "nosuchgw"`) {
		t.Errorf("dr_reload with a bad row: %v", err)
	}
	out, _ = miHTTP(t, httpPort, "dr_number_routing", map[string]any{"group_id": 1, "number": "4420"})
	if !strings.Contains(string(out), `"Matched Prefix":"44"`) {
		t.Errorf("old data lost after a failed reload: %s", out)
	}
}
