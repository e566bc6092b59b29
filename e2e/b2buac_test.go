package e2e

import (
	"crypto/md5"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
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
// their scenarios and, on gosips, that no B2B state is left.
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
	if e.name == "gosips" {
		b2bCheckEmpty(t, mi)
	} else if left := b2bTuplesOf(b2bMI(t, mi, "b2b_list", nil)); len(left) > 0 {
		// OpenSIPS keeps some sessions (after a glare); gosips must not.
		t.Logf("%s keeps %d B2B sessions after the call", e.name, len(left))
	}
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

// b2buPrack runs a 100rel call (reliable 183, PRACK) through engine e
// with passthru_prack set to passthru and checks where each PRACK was
// answered: the callee always gets a PRACK acknowledging its 183 (RAck
// 7 2 INVITE); with passthru_prack it is the caller's (its X-Prack
// header passed as a custom header) and the caller gets the callee's
// 200, without it gosips sends its own and answers the caller's.
func b2buPrack(t *testing.T, e b2bEngine, passthru int) b2buCall {
	t.Helper()
	params := fmt.Sprintf("modparam(\"b2b_entities\", \"passthru_prack\", %d)\nmodparam(\"b2b_logic\", \"custom_headers\", \"X-Prack\")", passthru)
	r := b2buRun(t, e, "", params, "b2bu_uac_prack.xml", "b2bu_uas_prack.xml", nil, nil)
	pracks := received(r.callee.Messages, "PRACK")
	if len(pracks) != 1 {
		t.Fatalf("%s: callee got %d PRACKs, want 1:\n%s", e.name, len(pracks), r.callee.Messages)
	}
	if rack := header(pracks[0], "RAck"); rack != "7 2 INVITE" {
		t.Errorf("%s: callee's PRACK has RAck %q, want \"7 2 INVITE\"", e.name, rack)
	}
	ok := receivedReply(t, r.caller.Messages, "200", "PRACK")
	fromCaller, fromCallee := header(pracks[0], "X-Prack"), header(ok, "X-Prack")
	if passthru != 0 && (fromCaller != "caller" || fromCallee != "callee") {
		t.Errorf("%s: PRACK not passed through: callee's PRACK X-Prack %q, caller's 200 X-Prack %q", e.name, fromCaller, fromCallee)
	}
	if passthru == 0 && (fromCaller != "" || fromCallee != "") {
		t.Errorf("%s: PRACK passed through: callee's PRACK X-Prack %q, caller's 200 X-Prack %q", e.name, fromCaller, fromCallee)
	}
	return r
}

// TestB2BUACPrack: reliable provisional replies through "top hiding",
// with passthru_prack 0 (each leg acknowledged by gosips) and 1 (the
// caller's PRACK passed to the callee and its answer back).
func TestB2BUACPrack(t *testing.T) {
	gosipsBin(t)
	for _, passthru := range []int{0, 1} {
		t.Run(fmt.Sprintf("passthru_prack=%d", passthru), func(t *testing.T) { b2buPrack(t, b2bGosips(), passthru) })
	}
}

// TestB2BUACPrackOracle: with passthru_prack 0 OpenSIPS 3.6 passes the
// checks of TestB2BUACPrack on the same scenarios, and the callee and the
// caller see the same requests with the same CSeqs from both. (With
// passthru_prack 1 OpenSIPS 3.6.8 passes the PRACK but then loses the
// callee's 200 to the INVITE, which the callee retransmits until it
// gives up; gosips completes that call.)
func TestB2BUACPrackOracle(t *testing.T) {
	bin := testenv.Oracle(t)
	gosipsBin(t)
	seen := map[string][2][]string{}
	for _, e := range []b2bEngine{b2bGosips(), b2bOpenSIPS(bin)} {
		r := b2buPrack(t, e, 0)
		seen[e.name] = [2][]string{b2buCSeqs(r.caller.Messages), b2buCSeqs(r.callee.Messages)}
	}
	for i, side := range []string{"caller", "callee"} {
		if g, o := seen["gosips"][i], seen["opensips"][i]; !slices.Equal(g, o) {
			t.Errorf("%s got\ngosips   %q\nopensips %q", side, g, o)
		}
	}
}

// b2buAuthParams are the uac_auth module and credential of the
// authentication tests.
const (
	b2buAuthExtra  = `loadmodule "uac_auth.so"`
	b2buAuthParams = `modparam("uac_auth", "credential", "gw-user:gw.example:secret")`
)

// b2buDigestOK checks a Digest credentials header value against the
// password: the response matches the method, uri, nonce and qop fields
// the header shows.
func b2buDigestOK(v, method, password string) (string, bool) {
	v = strings.TrimPrefix(strings.TrimSpace(v), "Digest ")
	f := map[string]string{}
	for _, p := range strings.Split(v, ",") {
		k, val, _ := strings.Cut(strings.TrimSpace(p), "=")
		f[k] = strings.Trim(val, `"`)
	}
	md := func(s string) string { h := md5.Sum([]byte(s)); return hex.EncodeToString(h[:]) }
	ha1 := md(f["username"] + ":" + f["realm"] + ":" + password)
	ha2 := md(method + ":" + f["uri"])
	want := md(ha1 + ":" + f["nonce"] + ":" + ha2)
	if f["qop"] != "" {
		want = md(ha1 + ":" + f["nonce"] + ":" + f["nc"] + ":" + f["cnonce"] + ":" + f["qop"] + ":" + ha2)
	}
	return f["username"] + "@" + f["realm"] + " nonce " + f["nonce"], f["response"] == want
}

// b2buWantAuthCSeqs are the requests a challenging callee sees: each
// challenged INVITE is sent again with the next CSeq.
var b2buWantAuthCSeqs = []string{"2 INVITE", "2 ACK", "3 INVITE", "3 ACK", "4 INVITE", "4 ACK", "5 INVITE", "5 ACK", "6 BYE"}

// b2buAuth runs a call whose callee challenges the INVITE (401) and the
// hold re-INVITE (407) through engine e with uac_auth's credential for
// the realm, and checks that the callee got each INVITE again with valid
// credentials and the next CSeq, and that the caller saw no challenge.
func b2buAuth(t *testing.T, e b2bEngine) b2buCall {
	t.Helper()
	r := b2buRun(t, e, b2buAuthExtra, b2buAuthParams, "b2bc_uac_hold.xml", "b2bu_uas_auth.xml", nil, nil)
	if got := b2buCSeqs(r.callee.Messages); !slices.Equal(got, b2buWantAuthCSeqs) {
		t.Errorf("%s: callee got CSeqs %q, want %q", e.name, got, b2buWantAuthCSeqs)
	}
	invs := received(r.callee.Messages, "INVITE")
	if len(invs) != 4 {
		t.Fatalf("%s: callee got %d INVITEs, want 4", e.name, len(invs))
	}
	for i, hdr := range []string{"", "Authorization", "", "Proxy-Authorization"} {
		for _, h := range []string{"Authorization", "Proxy-Authorization"} {
			v := header(invs[i], h)
			switch {
			case h != hdr && v != "":
				t.Errorf("%s: INVITE %d has %s: %s", e.name, i+1, h, v)
			case h == hdr:
				who, ok := b2buDigestOK(v, "INVITE", "secret")
				if !ok {
					t.Errorf("%s: INVITE %d has wrong credentials %s: %s", e.name, i+1, h, v)
				}
				nonce := map[int]string{1: "n0nce-invite", 3: "n0nce-reinvite"}[i]
				if who != "gw-user@gw.example nonce "+nonce {
					t.Errorf("%s: INVITE %d answers %q", e.name, i+1, who)
				}
			}
		}
	}
	for _, m := range received(r.caller.Messages, "SIP/2.0 40") {
		t.Errorf("%s: the caller saw the challenge:\n%s", e.name, m)
	}
	return r
}

// TestB2BUACAuth: a client entity answers its callee's 401 to the INVITE
// and 407 to a re-INVITE with uac_auth's credentials, sending each INVITE
// again with the next CSeq; the caller sees neither challenge and the
// call goes on to its BYE.
func TestB2BUACAuth(t *testing.T) {
	gosipsBin(t)
	b2buAuth(t, b2bGosips())
}

// b2buAuthUnknown runs a call whose callee answers 401 for a realm
// uac_auth has no credential for: the challenge reaches the caller and
// the INVITE is not sent again.
func b2buAuthUnknown(t *testing.T, e b2bEngine) b2buCall {
	t.Helper()
	params := strings.ReplaceAll(b2buAuthParams, "gw.example", "other.example")
	r := b2buRun(t, e, b2buAuthExtra, params, "b2bu_uac_challenged.xml", "b2bu_uas_401.xml", nil, nil)
	receivedReply(t, r.caller.Messages, "401", "INVITE")
	if n := len(received(r.callee.Messages, "INVITE")); n != 1 {
		t.Errorf("%s: callee got %d INVITEs, want 1", e.name, n)
	}
	return r
}

// TestB2BUACAuthUnknownRealm: without a credential for the challenge's
// realm the 401 goes on to the caller.
func TestB2BUACAuthUnknownRealm(t *testing.T) {
	gosipsBin(t)
	b2buAuthUnknown(t, b2bGosips())
}

// TestB2BUACAuthOracle: OpenSIPS 3.6 passes the same checks on the same
// scenarios (credentials for the realm, and none), and the caller and
// the callee receive the same messages from both.
func TestB2BUACAuthOracle(t *testing.T) {
	bin := testenv.Oracle(t)
	gosipsBin(t)
	seen := map[string][4][]string{}
	for _, e := range []b2bEngine{b2bGosips(), b2bOpenSIPS(bin)} {
		a, u := b2buAuth(t, e), b2buAuthUnknown(t, e)
		seen[e.name] = [4][]string{b2buSeq(a.caller.Messages), b2buSeq(a.callee.Messages),
			b2buSeq(u.caller.Messages), b2buSeq(u.callee.Messages)}
	}
	for i, side := range []string{"caller (credentials)", "callee (credentials)", "caller (no credential)", "callee (no credential)"} {
		if g, o := seen["gosips"][i], seen["opensips"][i]; !slices.Equal(g, o) {
			t.Errorf("%s got\ngosips   %q\nopensips %q", side, g, o)
		}
	}
}

// b2buSeq lists the messages a sipp log shows as received, as "METHOD
// cseq" for requests and "code cseq" for final replies.
func b2buSeq(log string) []string {
	var out []string
	for _, part := range strings.Split(log, "-----------------------------------------------") {
		_, msg, ok := strings.Cut(part, "message received")
		if !ok {
			continue
		}
		if i := strings.Index(msg, "\n\n"); i >= 0 {
			msg = strings.TrimLeft(msg[i:], "\r\n")
		}
		first, _, _ := strings.Cut(msg, "\n")
		f := strings.Fields(first)
		if len(f) < 2 {
			continue
		}
		what := f[0]
		if what == "SIP/2.0" {
			if what = f[1]; what[0] == '1' {
				continue // provisional replies depend on timing
			}
		}
		out = append(out, what+" "+header(msg, "CSeq"))
	}
	return out
}

// b2buGlare runs a bridged call in which the callee sends a re-INVITE
// while the caller's re-INVITE reaches it: the B2BUA refuses the
// callee's with 491 (the client entity has a re-INVITE of its own
// pending), the callee refuses the caller's with 491, which reaches the
// caller. Then the caller hangs up, or (variant "glare") first sends
// another re-INVITE that goes through.
func b2buGlare(t *testing.T, e b2bEngine, variant string) b2buCall {
	t.Helper()
	r := b2buRun(t, e, "", "", "b2bu_uac_"+variant+".xml", "b2bu_uas_"+variant+".xml", nil, nil)
	receivedReply(t, r.callee.Messages, "491", "1 INVITE")
	receivedReply(t, r.caller.Messages, "491", "2 INVITE")
	return r
}

// TestB2BUACGlare: crossing re-INVITEs in a bridged call get 491 and the
// call survives: a later re-INVITE is taken, a BYE ends it.
func TestB2BUACGlare(t *testing.T) {
	gosipsBin(t)
	for _, v := range []string{"glare", "glare_bye"} {
		t.Run(v, func(t *testing.T) { b2buGlare(t, b2bGosips(), v) })
	}
}

// TestB2BUACGlareOracle: both peers of the glare call ending with a BYE
// receive the same messages, with the same CSeqs, from gosips as from
// OpenSIPS 3.6.
func TestB2BUACGlareOracle(t *testing.T) {
	bin := testenv.Oracle(t)
	gosipsBin(t)
	seen := map[string][2][]string{}
	for _, e := range []b2bEngine{b2bGosips(), b2bOpenSIPS(bin)} {
		r := b2buGlare(t, e, "glare_bye")
		seen[e.name] = [2][]string{b2buSeq(r.caller.Messages), b2buSeq(r.callee.Messages)}
	}
	for i, side := range []string{"caller", "callee"} {
		if g, o := seen["gosips"][i], seen["opensips"][i]; !slices.Equal(g, o) {
			t.Errorf("%s got\ngosips   %q\nopensips %q", side, g, o)
		}
	}
}

// TestB2BUACOverlap: a request the caller sends between the 200 to its
// INVITE and its ACK is refused with 500 Overlapping Requests and a
// Retry-After (the INVITE transaction lasts until the ACK); the ACK and
// the BYE then go through.
func TestB2BUACOverlap(t *testing.T) {
	gosipsBin(t)
	r := b2buRun(t, b2bGosips(), "", "", "b2bu_uac_overlap.xml", "b2bc_uas_wait.xml", nil, nil)
	receivedReply(t, r.caller.Messages, "500", "2 INFO")
	if got := received(r.callee.Messages, "INFO"); len(got) != 0 {
		t.Errorf("the INFO reached the callee: %q", got)
	}
}

// TestB2BUACOverlapOracle: the caller and the callee of TestB2BUACOverlap
// receive the same messages from gosips as from OpenSIPS 3.6.
func TestB2BUACOverlapOracle(t *testing.T) {
	bin := testenv.Oracle(t)
	gosipsBin(t)
	seen := map[string][2][]string{}
	for _, e := range []b2bEngine{b2bGosips(), b2bOpenSIPS(bin)} {
		r := b2buRun(t, e, "", "", "b2bu_uac_overlap.xml", "b2bc_uas_wait.xml", nil, nil)
		seen[e.name] = [2][]string{b2buSeq(r.caller.Messages), b2buSeq(r.callee.Messages)}
	}
	for i, side := range []string{"caller", "callee"} {
		if g, o := seen["gosips"][i], seen["opensips"][i]; !slices.Equal(g, o) {
			t.Errorf("%s got\ngosips   %q\nopensips %q", side, g, o)
		}
	}
}

// b2buUACCfg is a stateful proxy with dialog tracking and MI, for the
// requests tm and dialog build themselves.
const b2buUACCfg = `
socket = udp:127.0.0.1:PORT
log_level = 3
user_agent_header = "User-Agent: uac-ua-test"
loadmodule "proto_udp.so"
loadmodule "signaling.so"
loadmodule "sl.so"
loadmodule "tm.so"
loadmodule "rr.so"
loadmodule "sipmsgops.so"
loadmodule "dialog.so"
loadmodule "httpd.so"
loadmodule "mi_http.so"
modparam("httpd", "ip", "127.0.0.1")
modparam("httpd", "port", HTTPPORT)
modparam("dialog", "db_mode", 0)
route {
	if (has_totag()) {
		loose_route();
		t_relay();
		exit;
	}
	create_dialog();
	record_route();
	$du = "sip:127.0.0.1:UASPORT";
	t_relay();
}
`

// b2buUserAgents runs, on engine e, an MI t_uac_dlg OPTIONS and a call
// ended by MI dlg_end_dlg, and returns the User-Agent headers of the
// OPTIONS and of the BYEs the caller and the callee got.
func b2buUserAgents(t *testing.T, e b2bEngine) []string {
	t.Helper()
	uas := startSippPeer(t, "b2bu_uas_options.xml", 0, 1, 20*time.Second)
	callee := startSippPeer(t, "b2bc_uas_wait.xml", 0, 1, 30*time.Second)
	sipPort, mi := e.start(t, strings.ReplaceAll(b2buUACCfg, "UASPORT", strconv.Itoa(callee.Port)))
	hdrs := "From: <sip:mi@127.0.0.1>;tag=mi-ua-1\r\nTo: <sip:ua@127.0.0.1>\r\n"
	if _, err := miCall(t, mi, "t_uac_dlg", map[string]any{"method": "OPTIONS",
		"ruri": fmt.Sprintf("sip:ua@127.0.0.1:%d", uas.Port), "headers": hdrs}); err != nil {
		t.Fatalf("%s: t_uac_dlg: %v", e.name, err)
	}
	opt := uas.wait(10 * time.Second)
	caller := b2bStartUAC(t, "b2bc_uac_wait.xml", sipPort, "-s", "bob")
	var callID string
	if !eventually(10*time.Second, func() bool {
		inv := received(b2buPeerLog(callee), "INVITE")
		if len(inv) == 0 {
			return false
		}
		callID = header(inv[0], "Call-ID")
		return true
	}) {
		t.Fatalf("%s: the call did not reach the callee", e.name)
	}
	time.Sleep(500 * time.Millisecond) // the ACK
	if _, err := miCall(t, mi, "dlg_end_dlg", map[string]any{"dialog_id": callID}); err != nil {
		t.Fatalf("%s: dlg_end_dlg: %v", e.name, err)
	}
	cr, ce := caller.wait(20*time.Second), callee.wait(20*time.Second)
	if opt.Exit != 0 || cr.Exit != 0 || ce.Exit != 0 {
		t.Fatalf("%s: uas %d caller %d callee %d\n%s\n%s\n%s", e.name, opt.Exit, cr.Exit, ce.Exit, opt.Output, cr.Output, ce.Output)
	}
	var out []string
	for _, m := range []string{b2buFirst(opt.Messages, "OPTIONS"), b2buFirst(cr.Messages, "BYE"), b2buFirst(ce.Messages, "BYE")} {
		out = append(out, header(m, "User-Agent"))
	}
	return out
}

// b2buPeerLog reads the message log of a sipp peer still running.
func b2buPeerLog(p *sippPeer) string {
	b, _ := os.ReadFile(filepath.Join(p.dir, "msg.log"))
	return string(b)
}

// b2buFirst returns the first request of method in a sipp log ("" when
// none).
func b2buFirst(log, method string) string {
	if r := received(log, method); len(r) > 0 {
		return r[0]
	}
	return ""
}

// TestUACUserAgent: the requests tm builds (MI t_uac_dlg) and the BYEs
// dialog sends (dlg_end_dlg) carry the user_agent_header.
func TestUACUserAgent(t *testing.T) {
	gosipsBin(t)
	got := b2buUserAgents(t, b2bGosips())
	want := []string{"uac-ua-test", "uac-ua-test", "uac-ua-test"}
	if !slices.Equal(got, want) {
		t.Errorf("User-Agent of the OPTIONS, the caller's BYE, the callee's BYE: %q, want %q", got, want)
	}
}

// TestUACUserAgentOracle: OpenSIPS 3.6 signs the same requests with the
// same User-Agent.
func TestUACUserAgentOracle(t *testing.T) {
	bin := testenv.Oracle(t)
	gosipsBin(t)
	g, o := b2buUserAgents(t, b2bGosips()), b2buUserAgents(t, b2bOpenSIPS(bin))
	if !slices.Equal(g, o) {
		t.Errorf("User-Agent of the OPTIONS, the caller's BYE, the callee's BYE\ngosips   %q\nopensips %q", g, o)
	}
}
