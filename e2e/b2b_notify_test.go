package e2e

import (
	"strconv"
	"strings"
	"testing"
	"time"
)

// b2bnCfg parks a caller on a media server; an OPTIONS to "c2d" then
// starts a call from the middle whose progress is told to the parked
// caller (b2b_trigger_scenario params "n,key,0").
const b2bnCfg = `
socket = udp:127.0.0.1:PORT
log_level = 3
loadmodule "proto_udp.so"
loadmodule "signaling.so"
loadmodule "sl.so"
loadmodule "tm.so"
loadmodule "sipmsgops.so"
loadmodule "cachedb_local.so"
loadmodule "b2b_entities.so"
loadmodule "b2b_logic.so"
loadmodule "httpd.so"
loadmodule "mi_http.so"
modparam("httpd", "ip", "127.0.0.1")
modparam("httpd", "port", HTTPPORT)
modparam("b2b_entities", "db_mode", 0)
modparam("b2b_logic", "db_mode", 0)
modparam("b2b_logic", "server_address", "sip:127.0.0.1:PORT")
modparam("b2b_logic", "script_req_route", "b2b_request")
modparam("b2b_logic", "script_reply_route", "b2b_reply")

route {
	if (is_method("OPTIONS") && $rU == "c2d") {
		cache_fetch("local", "parked", $var(key));
		b2b_trigger_scenario("c2d", "n,$var(key),0", "first,sip:first@127.0.0.1:FIRSTPORT", , , "second,sip:second@127.0.0.1:SECONDPORT");
		send_reply(202, "Accepted");
		exit;
	}
	if (is_method("INVITE") && !has_totag()) {
		b2b_server_new("caller");
		b2b_client_new("media", "sip:media@127.0.0.1:MEDIAPORT");
		b2b_init_request("park");
		cache_store("local", "parked", "$b2b_logic.key");
		exit;
	}
	send_reply(404, "Not here");
}

route[b2b_request] {
	b2b_pass_request();
}

route[b2b_reply] {
	b2b_handle_reply();
}
`

// TestB2BTriggerNotify: b2b_trigger_scenario with params "n,key,0"
// sends the bridge entity 0 of session key (a parked caller) REFER
// progress NOTIFYs on the wire: "100 Trying" (subscription active) as the
// call starts, then the second peer's final answer (terminated); both
// sessions end cleanly.
func TestB2BTriggerNotify(t *testing.T) {
	ports := map[string]int{"first": freePort(t), "second": freePort(t), "media": freePort(t)}
	cfg := strings.NewReplacer("FIRSTPORT", strconv.Itoa(ports["first"]), "SECONDPORT", strconv.Itoa(ports["second"]),
		"MEDIAPORT", strconv.Itoa(ports["media"])).Replace(b2bnCfg)
	sip, mi := b2bGosips().start(t, cfg)
	media := startSippPeer(t, "b2bc_uas_wait.xml", ports["media"], 1, 30*time.Second)
	first := startSippPeer(t, "b2bt_uas_first.xml", ports["first"], 1, 30*time.Second)
	second := startSippPeer(t, "b2bt_uas_second.xml", ports["second"], 1, 30*time.Second, "-d", "1500")
	caller := b2bStartUAC(t, "b2bn_uac_notified.xml", sip, "-s", "park")
	time.Sleep(700 * time.Millisecond)
	if r := runSipp(t, "b2bt_uac_trigger.xml", sip, "-s", "c2d"); r.Exit != 0 {
		t.Fatalf("trigger request: exit %d\n%s", r.Exit, r.Output)
	}
	res := map[string]sippResult{"caller": caller.wait(30 * time.Second), "media": media.wait(10 * time.Second),
		"first": first.wait(20 * time.Second), "second": second.wait(20 * time.Second)}
	for role, r := range res {
		if r.Exit != 0 {
			t.Fatalf("%s exited %d\n%s\n%s", role, r.Exit, r.Output, r.Messages)
		}
	}
	notes := received(res["caller"].Messages, "NOTIFY")
	if len(notes) != 2 {
		t.Fatalf("the parked caller should get 2 NOTIFYs, got %d:\n%s", len(notes), res["caller"].Messages)
	}
	for i, want := range []struct{ state, frag string }{
		{"Subscription-State: active", "SIP/2.0 100 Trying"},
		{"Subscription-State: terminated", "SIP/2.0 200 OK"},
	} {
		n := notes[i]
		if !strings.Contains(n, "Event: refer") || !strings.Contains(n, want.state) ||
			!strings.Contains(n, "Content-Type: message/sipfrag") || b2bBody(n) != want.frag {
			t.Errorf("NOTIFY %d: want %q and body %q:\n%s", i+1, want.state, want.frag, n)
		}
	}
	b2bCheckEmpty(t, mi)
}
