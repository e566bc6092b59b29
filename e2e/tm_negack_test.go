package e2e

import (
	"fmt"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"gosips/internal/testenv"
)

// tmackCfg answers an INVITE with 486 in four ways chosen by the R-URI
// user: relayed by t_relay from a callee, t_reply, sl_send_reply, and
// through b2b_init_request("top hiding"). ACKs with a To tag go to
// t_check_trans; the log says which ones the script saw.
const tmackCfg = `
log_level = 3
stderror_enabled = yes
socket = udp:127.0.0.1:PORT
loadmodule "proto_udp.so"
loadmodule "signaling.so"
loadmodule "sl.so"
loadmodule "tm.so"
loadmodule "sipmsgops.so"
loadmodule "b2b_entities.so"
loadmodule "b2b_logic.so"

route {
	xlog("L_NOTICE", "TMACK script $rm $ci\n");
	if (has_totag()) {
		if (is_method("ACK")) {
			if (t_check_trans()) {
				xlog("L_NOTICE", "TMACK matched $ci\n");
				t_relay();
			}
			exit;
		}
		send_reply(404, "Not here");
		exit;
	}
	switch ($rU) {
	case "relay":
		$du = "sip:127.0.0.1:" + $hdr(X-Callee);
		t_relay();
		exit;
	case "treply":
		t_newtran();
		t_reply(486, "Busy Here");
		exit;
	case "sl":
		sl_send_reply(486, "Busy Here");
		exit;
	case "b2b":
		$ru = "sip:bob@127.0.0.1:" + $hdr(X-Callee);
		b2b_init_request("top hiding");
		exit;
	}
	send_reply(404, "Not here");
}
`

// tmackResult is what one call saw: the 486s the caller received within
// five seconds, the ACKs the callee received and the times the script
// saw the caller's ACK.
type tmackResult struct {
	Replies, CalleeACKs, ScriptACKs int
}

// tmackCall sends an INVITE for user to the server on port, answers the
// relayed INVITE (if any) with 486 from callee, and acknowledges the
// first 486 with a Via branch equal to the INVITE's (same) or not.
func tmackCall(t *testing.T, port int, callee *wireUAS, user string, same bool, logs func() string) tmackResult {
	t.Helper()
	caller := newUDPClient(t)
	callID := fmt.Sprintf("tmack-%s-%v-%d", user, same, caller.Port())
	ruri := "sip:" + user + "@127.0.0.1:" + strconv.Itoa(port)
	extra := []string{"Contact: <sip:caller@127.0.0.1:LPORT>"}
	if callee != nil {
		extra = append(extra, "X-Callee: "+strconv.Itoa(callee.Port()))
	}
	inv := strings.ReplaceAll(wireRequest("INVITE", ruri, extra...), "CALLID", callID)
	caller.Send(port, inv)
	var mu sync.Mutex
	res := tmackResult{}
	var wg sync.WaitGroup
	if callee != nil {
		wg.Add(1)
		go func() {
			defer wg.Done()
			req := callee.recv("INVITE")
			if req == "" {
				t.Errorf("%s: the callee got no INVITE", callID)
				return
			}
			callee.reply(req, 486, "Busy Here", "callee-"+callID)
			deadline := time.Now().Add(5 * time.Second)
			for time.Now().Before(deadline) {
				m := callee.Recv(time.Until(deadline))
				if strings.HasPrefix(m, "ACK ") {
					mu.Lock()
					res.CalleeACKs++
					mu.Unlock()
				}
			}
		}()
	}
	var first time.Time
	deadline := time.Now().Add(8 * time.Second)
	for time.Now().Before(deadline) {
		m := caller.Recv(time.Until(deadline))
		if m == "" {
			break
		}
		if header(m, "Call-ID") != callID || statusCode(m) != "486" {
			continue
		}
		res.Replies++
		if res.Replies > 1 {
			continue
		}
		first = time.Now()
		deadline = first.Add(5 * time.Second)
		branch := "z9hG4bK-" + callID
		if !same {
			branch = "z9hG4bK-ack-" + callID
		}
		ack := fmt.Sprintf("ACK %s SIP/2.0\nVia: SIP/2.0/UDP 127.0.0.1:LPORT;branch=%s;rport\nMax-Forwards: 70\n"+
			"From: <sip:caller@127.0.0.1>;tag=ft-%s\nTo: %s\nCall-ID: %s\nCSeq: 1 ACK\nContent-Length: 0\n\n",
			ruri, branch, callID, header(m, "To"), callID)
		caller.Send(port, ack)
	}
	if first.IsZero() {
		t.Errorf("%s: no 486", callID)
	}
	wg.Wait()
	res.ScriptACKs = strings.Count(logs(), "TMACK script ACK "+callID)
	return res
}

// tmackRun plays every case at once against the server on port whose
// callee is callee and returns the results by case name.
func tmackRun(t *testing.T, port int, logs func() string) map[string]tmackResult {
	t.Helper()
	out := map[string]tmackResult{}
	var mu sync.Mutex
	var wg sync.WaitGroup
	for _, user := range []string{"relay", "treply", "sl", "b2b"} {
		for _, same := range []bool{true, false} {
			wg.Add(1)
			go func() {
				defer wg.Done()
				name := user + "/same-branch"
				if !same {
					name = user + "/other-branch"
				}
				var callee *wireUAS
				if user == "relay" || user == "b2b" {
					callee = &wireUAS{newUDPClient(t), port}
				}
				r := tmackCall(t, port, callee, user, same, logs)
				mu.Lock()
				out[name] = r
				mu.Unlock()
			}()
		}
	}
	wg.Wait()
	return out
}

// TestTMNegativeACKBranchOracle runs the cases of TestTMNegativeACKBranch
// against OpenSIPS and gosips and compares the counts.
func TestTMNegativeACKBranchOracle(t *testing.T) {
	bin := testenv.Oracle(t)
	ologs := &syncBuffer{}
	oport := natOracleStartLogs(t, bin, tmackCfg, ologs)
	o := tmackRun(t, oport, ologs.String)
	srv := startServer(t, tmackCfg)
	g := tmackRun(t, srv.Port, srv.Logs)
	for name, or := range o {
		t.Logf("%-20s opensips %+v gosips %+v", name, or, g[name])
		if g[name] != or {
			t.Errorf("%s: gosips %+v, opensips %+v", name, g[name], or)
		}
	}
}

// TestTMNegativeACKBranch: an ACK for a 486 whose Via branch is not its
// INVITE's is matched neither by tm (t_relay, t_reply, b2b top hiding:
// the 486 is retransmitted, 4 copies in 5 s) nor by sl (the ACK reaches
// the script), as in OpenSIPS 3.6 (TestTMNegativeACKBranchOracle). With
// the INVITE's branch the ACK stops the retransmissions, tm relays it
// to the script only for t_relay/t_reply and sl and b2b absorb it.
func TestTMNegativeACKBranch(t *testing.T) {
	srv := startServer(t, tmackCfg)
	got := tmackRun(t, srv.Port, srv.Logs)
	want := map[string]tmackResult{
		"relay/same-branch":   {Replies: 1, CalleeACKs: 1, ScriptACKs: 1},
		"relay/other-branch":  {Replies: 4, CalleeACKs: 1, ScriptACKs: 1},
		"treply/same-branch":  {Replies: 1, ScriptACKs: 1},
		"treply/other-branch": {Replies: 4, ScriptACKs: 1},
		"sl/same-branch":      {Replies: 1},
		"sl/other-branch":     {Replies: 1, ScriptACKs: 1},
		"b2b/same-branch":     {Replies: 1, CalleeACKs: 1},
		"b2b/other-branch":    {Replies: 4, CalleeACKs: 1},
	}
	for name, w := range want {
		if got[name] != w {
			t.Errorf("%s: got %+v, want %+v", name, got[name], w)
		}
	}
}
