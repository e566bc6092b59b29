package e2e

import (
	"strconv"
	"strings"
	"testing"
	"time"

	"gosips/internal/testenv"
)

// b2bEarlyCfg parks a caller on a media server that only plays early
// media (183), then bridges a second call to the still unanswered caller
// with b2b_bridge_request (b2bl_early_update EARLY).
const b2bEarlyCfg = `
socket = udp:127.0.0.1:PORT
log_level = 3
loadmodule "proto_udp.so"
loadmodule "signaling.so"
loadmodule "sl.so"
loadmodule "tm.so"
loadmodule "rr.so"
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
modparam("b2b_logic", "b2bl_early_update", EARLY)
modparam("b2b_logic", "server_address", "sip:127.0.0.1:PORT")
modparam("b2b_logic", "script_req_route", "b2b_request")
modparam("b2b_logic", "script_reply_route", "b2b_reply")

route {
	if (!is_method("INVITE") || has_totag()) {
		send_reply(404, "Not here");
		exit;
	}
	if ($rU == "pickup") {
		cache_fetch("local", "parked", $var(key));
		if (!b2b_bridge_request($var(key), 0)) {
			send_reply(480, "Not Bridged");
		}
		exit;
	}
	b2b_server_new("caller");
	b2b_client_new("media", "sip:early@127.0.0.1:MEDIAPORT");
	b2b_init_request("early");
	cache_store("local", "parked", "$b2b_logic.key");
	exit;
}

route[b2b_request] {
	b2b_pass_request();
}

route[b2b_reply] {
	b2b_handle_reply();
}
`

// b2bEarlyRun runs the early bridge on engine e with b2bl_early_update
// set to early and returns what the caller and the picker saw. On gosips
// every party must end its scenario and no B2B state is left; OpenSIPS
// neither answers the picker nor cleans up, its parties are stopped.
func b2bEarlyRun(t *testing.T, e b2bEngine, early int) (caller, picker sippResult) {
	t.Helper()
	mport := freePort(t)
	cfg := strings.NewReplacer("MEDIAPORT", strconv.Itoa(mport), "EARLY", strconv.Itoa(early)).Replace(b2bEarlyCfg)
	sip, mi := e.start(t, cfg)
	mp := startSippPeer(t, "b2be_uas_early.xml", mport, 1, 20*time.Second)
	callerScen, pickScen := "b2be_uac_early.xml", "b2be_uac_pick.xml"
	if early == 0 {
		callerScen, pickScen = "b2be_uac_early_cancel.xml", "b2be_uac_refused.xml"
	}
	cp := b2bStartUAC(t, callerScen, sip, "-s", "park")
	time.Sleep(700 * time.Millisecond)
	pp := b2bStartUAC(t, pickScen, sip, "-s", "pickup")
	if e.name != "gosips" {
		time.Sleep(3 * time.Second)
		picker, caller = pp.stop(), cp.stop()
		mp.stop()
		return
	}
	picker = pp.wait(30 * time.Second)
	caller = cp.wait(30 * time.Second)
	media := mp.wait(30 * time.Second)
	for _, r := range []struct {
		n string
		r sippResult
	}{{"caller", caller}, {"media", media}, {"picker", picker}} {
		if r.r.Exit != 0 {
			t.Errorf("%s: %s exited %d\n%s\n%s", e.name, r.n, r.r.Exit, r.r.Output, r.r.Messages)
		}
	}
	b2bCheckEmpty(t, mi)
	return
}

func testB2BEarlyUpdate(t *testing.T, e b2bEngine) {
	t.Run("on", func(t *testing.T) {
		caller, picker := b2bEarlyRun(t, e, 1)
		upd := b2beMsg(caller.Messages, "UPDATE sip:alice-private@")
		if upd == "" || !strings.Contains(upd, "m=audio 8000") || !strings.Contains(upd, "o=carol") {
			t.Errorf("%s: the early caller should get an UPDATE with the picker's offer:\n%s", e.name, caller.Messages)
		}
		if strings.Contains(caller.Messages, "\nINVITE sip:alice") {
			t.Errorf("%s: the early caller got a re-INVITE:\n%s", e.name, caller.Messages)
		}
		if e.name == "gosips" {
			// OpenSIPS 3.6 fails to pass the UPDATE's answer on ("Tm
			// transaction not saved"); gosips answers the picker with it.
			ok := b2beMsg(picker.Messages, "SIP/2.0 200 OK")
			if !strings.Contains(ok, "m=audio 6002") {
				t.Errorf("the picker's 200 OK should carry the caller's answer to the UPDATE:\n%s", picker.Messages)
			}
		}
	})
	t.Run("off", func(t *testing.T) {
		caller, picker := b2bEarlyRun(t, e, 0)
		if !strings.Contains(picker.Messages, "SIP/2.0 480 Not Bridged") {
			t.Errorf("%s: b2b_bridge_request should refuse the early entity:\n%s", e.name, picker.Messages)
		}
		if strings.Contains(caller.Messages, "UPDATE sip:") || strings.Contains(caller.Messages, "\nINVITE sip:alice") {
			t.Errorf("%s: the early caller should get no offer:\n%s", e.name, caller.Messages)
		}
	})
}

func TestB2BEarlyUpdate(t *testing.T) { testB2BEarlyUpdate(t, b2bGosips()) }

func TestB2BEarlyUpdateOracle(t *testing.T) {
	testB2BEarlyUpdate(t, b2bOpenSIPS(testenv.Oracle(t)))
}

// b2beMsg returns the first message of a sipp -trace_msg log that starts
// with prefix.
func b2beMsg(log, prefix string) string {
	i := strings.Index(log, "\n"+prefix)
	if i < 0 {
		return ""
	}
	rest := log[i+1:]
	if j := strings.Index(rest, "\n-----"); j >= 0 {
		rest = rest[:j]
	}
	return rest
}

// TestB2BEarlyUpdateHangup bridges a picker to a still unanswered caller
// (b2bl_early_update) and lets the picker hang up first: the caller's
// call is still in early state, so it must end with a final reply to its
// INVITE (487), never with a BYE (RFC 3261 15: no BYE from the callee
// on an early dialog). OpenSIPS 3.6 never answers the picker in this
// flow (see TestB2BEarlyUpdateOracle), so there is no oracle variant.
func TestB2BEarlyUpdateHangup(t *testing.T) {
	mport := freePort(t)
	cfg := strings.NewReplacer("MEDIAPORT", strconv.Itoa(mport), "EARLY", "1").Replace(b2bEarlyCfg)
	sip, mi := b2bGosips().start(t, cfg)
	mp := startSippPeer(t, "b2be_uas_early.xml", mport, 1, 20*time.Second)
	cp := b2bStartUAC(t, "b2be_uac_early_ended.xml", sip, "-s", "park")
	time.Sleep(700 * time.Millisecond)
	pp := b2bStartUAC(t, "b2be_uac_pick_bye.xml", sip, "-s", "pickup")
	picker := pp.wait(30 * time.Second)
	caller := cp.wait(30 * time.Second)
	media := mp.wait(30 * time.Second)
	for _, r := range []struct {
		n string
		r sippResult
	}{{"caller", caller}, {"media", media}, {"picker", picker}} {
		if r.r.Exit != 0 {
			t.Errorf("%s exited %d\n%s\n%s", r.n, r.r.Exit, r.r.Output, r.r.Messages)
		}
	}
	if strings.Contains(caller.Messages, "\nBYE sip:") {
		t.Errorf("the unanswered caller got a BYE:\n%s", caller.Messages)
	}
	if b2beMsg(caller.Messages, "SIP/2.0 487") == "" {
		t.Errorf("the unanswered caller should get a 487 to its INVITE:\n%s", caller.Messages)
	}
	b2bCheckEmpty(t, mi)
}
