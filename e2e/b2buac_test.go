package e2e

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"gosips/internal/testenv"
)

// b2buCfg is a top-hiding B2BUA with MI; EXTRA takes module loads and
// parameters of a test.
const b2buCfg = `
socket = udp:127.0.0.1:PORT
log_level = 3
loadmodule "proto_udp.so"
loadmodule "signaling.so"
loadmodule "sl.so"
loadmodule "tm.so"
loadmodule "sipmsgops.so"
EXTRA
loadmodule "b2b_entities.so"
loadmodule "b2b_logic.so"
loadmodule "httpd.so"
loadmodule "mi_http.so"
modparam("httpd", "ip", "127.0.0.1")
modparam("httpd", "port", HTTPPORT)
modparam("b2b_entities", "db_mode", 0)
modparam("b2b_logic", "db_mode", 0)
PARAMS
route {
	if (is_method("INVITE") && !has_totag()) {
		$ru = "sip:bob@127.0.0.1:UASPORT";
		b2b_init_request("top hiding");
		exit;
	}
	send_reply(404, "Not here");
}
`

// b2buCall is one call through a B2BUA: the caller's and the callee's
// sipp outcomes.
type b2buCall struct {
	caller, callee sippResult
	logs           string
}

// b2buRun starts cfg (EXTRA and PARAMS filled in) on engine e, runs one
// call from a sipp caller to a sipp callee and checks that both end
// their scenarios and that no B2B state is left.
func b2buRun(t *testing.T, e b2bEngine, extra, params, uac, uas string, uacArgs, uasArgs []string) b2buCall {
	t.Helper()
	callee := startSippPeer(t, uas, 0, 1, 30*time.Second, uasArgs...)
	cfg := strings.NewReplacer("EXTRA", extra, "PARAMS", params, "UASPORT", strconv.Itoa(callee.Port)).Replace(b2buCfg)
	sipPort, mi := e.start(t, cfg)
	caller := b2bStartUAC(t, uac, sipPort, append([]string{"-s", "bob"}, uacArgs...)...)
	r := b2buCall{caller: caller.wait(40 * time.Second), callee: callee.wait(40 * time.Second)}
	if r.caller.Exit != 0 || r.callee.Exit != 0 {
		t.Fatalf("%s: caller exit %d, callee exit %d\n--- caller:\n%s\n%s\n--- callee:\n%s\n%s", e.name,
			r.caller.Exit, r.callee.Exit, r.caller.Output, r.caller.Messages, r.callee.Output, r.callee.Messages)
	}
	b2bCheckEmpty(t, mi)
	return r
}

// b2buCSeqs lists "METHOD cseq" for every request a sipp log shows as
// received, in order.
func b2buCSeqs(log string) []string {
	var out []string
	for _, part := range strings.Split(log, "-----------------------------------------------") {
		_, msg, ok := strings.Cut(part, "message received")
		if !ok {
			continue
		}
		if i := strings.Index(msg, "\n\n"); i >= 0 {
			msg = strings.TrimLeft(msg[i:], "\r\n")
		}
		if strings.HasPrefix(msg, "SIP/2.0") {
			continue
		}
		out = append(out, header(msg, "CSeq"))
	}
	return out
}

// b2buWantCSeqs are the CSeqs a callee sees from a client entity in a
// call put on hold by the caller: the first INVITE has CSeq 2.
var b2buWantCSeqs = []string{"2 INVITE", "2 ACK", "3 INVITE", "3 ACK", "4 BYE"}

// TestB2BUACCSeq: the INVITE of a client entity has CSeq 2, as in
// OpenSIPS, and its later requests count on from there (re-INVITE 3,
// BYE 4; each ACK repeats its INVITE's number).
func TestB2BUACCSeq(t *testing.T) {
	gosipsBin(t)
	r := b2buRun(t, b2bGosips(), "", "", "b2bc_uac_hold.xml", "b2bc_uas_hold.xml", nil, nil)
	if got := b2buCSeqs(r.callee.Messages); !slices.Equal(got, b2buWantCSeqs) {
		t.Errorf("callee got CSeqs %q, want %q", got, b2buWantCSeqs)
	}
}

// TestB2BUACCSeqOracle: the callee sees the same CSeq numbers from
// gosips as from OpenSIPS 3.6 in a call with a hold re-INVITE.
func TestB2BUACCSeqOracle(t *testing.T) {
	bin := testenv.Oracle(t)
	gosipsBin(t)
	got := map[string][]string{}
	for _, e := range []b2bEngine{b2bGosips(), b2bOpenSIPS(bin)} {
		r := b2buRun(t, e, "", "", "b2bc_uac_hold.xml", "b2bc_uas_hold.xml", nil, nil)
		got[e.name] = b2buCSeqs(r.callee.Messages)
	}
	if !slices.Equal(got["gosips"], got["opensips"]) {
		t.Errorf("callee CSeqs differ\ngosips   %q\nopensips %q", got["gosips"], got["opensips"])
	}
	if !slices.Equal(got["opensips"], b2buWantCSeqs) {
		t.Errorf("OpenSIPS sent %q, the test expects %q", got["opensips"], b2buWantCSeqs)
	}
}

var _ = fmt.Sprint
