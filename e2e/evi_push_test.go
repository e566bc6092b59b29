package e2e

import (
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	"gosips/internal/testenv"
)

// eviPushCfg is the push-notification flow of OpenSIPS' exec sample
// (modules/exec/samples/opensips-exec.cfg) and event_routing's README: the
// INVITE for a callee without contacts waits on its transaction
// (t_wait_for_new_branches), subscribed to the callee's new contacts
// (notify_on_event on E_UL_CONTACT_INSERT); the notification route
// injects the new contact as a branch (t_inject_branches("event")).
const eviPushCfg = `
log_level=3
socket=udp:127.0.0.1:PORT
loadmodule "proto_udp.so"
loadmodule "signaling.so"
loadmodule "sl.so"
loadmodule "tm.so"
modparam("tm", "fr_inv_timeout", FRINV)
loadmodule "rr.so"
loadmodule "maxfwd.so"
loadmodule "sipmsgops.so"
loadmodule "usrloc.so"
loadmodule "registrar.so"
loadmodule "event_routing.so"

route {
	if (!mf_process_maxfwd_header(10)) {
		send_reply(483, "Too Many Hops");
		exit;
	}
	if (has_totag()) {
		if (is_method("ACK") && t_check_trans()) {
			t_relay();
			exit;
		}
		if (!loose_route()) {
			send_reply(404, "Not here");
			exit;
		}
		t_relay();
		exit;
	}
	if (is_method("CANCEL")) {
		if (t_check_trans())
			t_relay();
		exit;
	}
	if (is_method("REGISTER")) {
		save("location");
		exit;
	}
	record_route();
	t_newtran();
	t_wait_for_new_branches();
	$avp(pn_filter) = "aor=" + $rU;
	notify_on_event("E_UL_CONTACT_INSERT", $avp(pn_filter), "pn_inject_branch", 30);
	if (lookup("location"))
		t_relay();
	exit;
}

route[pn_inject_branch] {
	xlog("L_NOTICE", "user $avp(aor) registered $avp(uri), injecting it\n");
	t_inject_branches("event");
}
`

// eviPushCall calls bob, who has no contact, through the server on port;
// after wait it registers bob's contact (a sipp UAS) and returns the
// caller's outcome, the callee's and how long the caller waited after
// the REGISTER for the end of the call.
func eviPushCall(t *testing.T, port int, wait time.Duration) (caller, callee sippResult, after time.Duration) {
	t.Helper()
	uasPort, uasDone := startSippUAS(t, "uas_call.xml")
	done := make(chan sippResult, 1)
	go func() { done <- runSipp(t, "uac_call.xml", port, "-s", "bob") }()
	time.Sleep(wait)
	c := newUDPClient(t)
	c.Send(port, fmt.Sprintf("REGISTER sip:127.0.0.1 SIP/2.0\nVia: SIP/2.0/UDP 127.0.0.1:LPORT;branch=z9hG4bKpushreg\n"+
		"From: <sip:bob@127.0.0.1>;tag=push1\nTo: <sip:bob@127.0.0.1>\nCall-ID: push-reg-1\nCSeq: 1 REGISTER\n"+
		"Contact: <sip:bob@127.0.0.1:%d>;expires=60\nMax-Forwards: 70\nContent-Length: 0\n\n", uasPort))
	if r := c.RecvFinal(3 * time.Second); statusCode(r) != "200" {
		t.Fatalf("REGISTER: %q", r)
	}
	start := time.Now()
	select {
	case caller = <-done:
	case <-time.After(30 * time.Second):
		t.Fatal("the caller did not finish")
	}
	after = time.Since(start)
	return caller, uasDone(), after
}

// eviReplies lists the status lines a sipp trace received.
func eviReplies(messages string) []string {
	re := regexp.MustCompile(`(?m)^SIP/2\.0 [0-9]{3} .*$`)
	var out []string
	for _, m := range re.FindAllString(messages, -1) {
		out = append(out, strings.TrimSpace(m))
	}
	return out
}

// TestEventRoutingPushNotification: the INVITE waits for bob, who
// registers 1 s later; the new contact is injected into the waiting
// transaction and the call is answered, acknowledged and hung up.
func TestEventRoutingPushNotification(t *testing.T) {
	needSipp(t)
	s := startServer(t, strings.ReplaceAll(eviPushCfg, "FRINV", "10"))
	caller, callee, after := eviPushCall(t, s.Port, time.Second)
	if caller.Exit != 0 {
		t.Fatalf("caller failed (exit %d):\n%s\n%s", caller.Exit, caller.Output, caller.Messages)
	}
	if callee.Exit != 0 {
		t.Fatalf("callee failed (exit %d):\n%s\n%s", callee.Exit, callee.Output, callee.Messages)
	}
	t.Logf("call answered %v after the REGISTER; caller got %v", after, eviReplies(caller.Messages))
	if !strings.Contains(s.Logs(), "user bob registered sip:bob@127.0.0.1:") {
		t.Errorf("the notification route did not run:\n%s", s.Logs())
	}
}

// TestEventRoutingPushTimeout: nobody registers, the phony branch ends
// the transaction with 408 at fr_inv_timeout.
func TestEventRoutingPushTimeout(t *testing.T) {
	needSipp(t)
	s := startServer(t, strings.ReplaceAll(eviPushCfg, "FRINV", "2"))
	start := time.Now()
	res := runSipp(t, "uac_call.xml", s.Port, "-s", "bob")
	took := time.Since(start)
	got := eviReplies(res.Messages)
	if len(got) == 0 || got[len(got)-1] != "SIP/2.0 408 Request Timeout" {
		t.Fatalf("caller got %v, want a final 408", got)
	}
	if took < 1500*time.Millisecond || took > 6*time.Second {
		t.Errorf("408 after %v, want about fr_inv_timeout (2 s)", took)
	}
}

// TestEventRoutingPushOracle makes the same push-notification call
// through real OpenSIPS (OPENSIPS_BIN) and gosips and compares the
// replies the caller got.
func TestEventRoutingPushOracle(t *testing.T) {
	bin := testenv.Oracle(t)
	needSipp(t)
	cfg := strings.ReplaceAll(eviPushCfg, "FRINV", "10")
	gc, _, _ := eviPushCall(t, startServer(t, cfg).Port, time.Second)
	oc, _, _ := eviPushCall(t, natOracleStart(t, bin, cfg), time.Second)
	// 100 Trying is hop by hop (and OpenSIPS words it "Giving it a try").
	drop100 := func(in []string) []string {
		var out []string
		for _, r := range in {
			if !strings.HasPrefix(r, "SIP/2.0 100 ") {
				out = append(out, r)
			}
		}
		return out
	}
	g, o := drop100(eviReplies(gc.Messages)), drop100(eviReplies(oc.Messages))
	if strings.Join(g, "\n") != strings.Join(o, "\n") || gc.Exit != oc.Exit {
		t.Errorf("caller got, gosips (exit %d): %v\nopensips (exit %d): %v", gc.Exit, g, oc.Exit, o)
	}
}
