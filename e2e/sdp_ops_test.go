package e2e

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"gosips/internal/testenv"
)

// sdpOpsCfg edits the caller's offer with the SDP variables on the way to
// the callee, and the callee's answer in an onreply route. EXTRA is
// replaced by more script before the relay.
const sdpOpsCfg = `
log_level = 3
stderror_enabled = yes
socket = udp:127.0.0.1:PORT

loadmodule "proto_udp.so"
loadmodule "signaling.so"
loadmodule "sl.so"
loadmodule "tm.so"
loadmodule "rr.so"
loadmodule "sipmsgops.so"

route {
	if (has_totag()) {
		if (loose_route()) {
			t_relay();
			exit;
		}
		if (is_method("ACK") && t_check_trans())
			t_relay();
		exit;
	}
	if (is_method("INVITE")) {
		record_route();
		EXTRA
		append_hf("X-SDP-T: $(sdp{sdp.stream,video}{s.len}) $(sdp{sdp.stream-delete,video}{s.len})\r\n");
		$sdp.session(c=) = "c=IN IP4 127.0.0.2";
		$(sdp.stream(audio[0]/a=rtpmap[1])[insertAfter]) = "a=rtpmap:9 G722/8000";
		$sdp.stream(audio[1]/a=rtpmap[2]) = "a=rtpmap:100 G726-40/16000";
		$sdp.stream(video/a=control) = NULL;
		$(sdp.session([4])[insertAfter]) = "a=tool:proxy";
		append_hf("X-SDP: $sdp.stream.idx(video/a=rtpmap:97) $sdp.line(m=video/[1]) $sdp.session([1]/[5])\r\n");
		t_on_reply("SDP");
	}
	$du = "sip:127.0.0.1:UASPORT";
	t_relay();
}

onreply_route[SDP] {
	if ($rs == 200) {
		$sdp.session(c=) = "c=IN IP4 127.0.0.3";
		$(sdp.stream(audio/a=sendrecv)[insert]) = "a=ptime:30";
		$sdp.line(a=rtpmap:101) = NULL;
	}
}
`

// sdpOpsOffer is the SDP the callee gets: the caller's offer as the
// proxy edited it.
var sdpOpsOffer = strings.Join([]string{
	"v=0",
	"o=Sonus_UAC 14892 145022 IN IP4 1.2.3.4",
	"s=SIP Media Capabilities",
	"c=IN IP4 127.0.0.2",
	"t=0 0",
	"a=tool:proxy",
	"m=audio 46938 RTP/AVP 0 8 18 101",
	"a=rtpmap:0 PCMU/8000",
	"a=rtpmap:8 PCMA/8000",
	"a=rtpmap:9 G722/8000",
	"a=rtpmap:18 G729/8000",
	"a=fmtp:18 annexb=no",
	"a=rtpmap:101 telephone-event/8000",
	"a=fmtp:101 0-15",
	"a=sendrecv",
	"m=video 8000 RTP/AVP 96 97",
	"a=rtpmap:96 H264/90000",
	"a=rtpmap:97 H264/90000",
	"m=audio 27292 RTP/AVP 2 102 100 99",
	"a=rtpmap:2 G726-32/8000",
	"a=rtpmap:102 G726-32/8000",
	"a=rtpmap:100 G726-40/16000",
	"a=rtpmap:99 G726-24/8000",
	"a=ptime:20",
	""}, "\r\n")

// sdpOpsAnswer is the SDP the caller gets: the callee's answer as the
// onreply route edited it.
var sdpOpsAnswer = strings.Join([]string{
	"v=0",
	"o=callee 53655765 2353687637 IN IP4 5.6.7.8",
	"s=-",
	"c=IN IP4 127.0.0.3",
	"t=0 0",
	"m=audio 7000 RTP/AVP 0 101",
	"a=rtpmap:0 PCMU/8000",
	"a=ptime:30",
	"a=sendrecv",
	""}, "\r\n")

// sdpOpsCall runs sdpops_uac.xml → proxy → sdpops_uas.xml, the proxy
// started by start from the config, and returns the INVITE the callee
// received and the 200 OK the caller received.
func sdpOpsCall(t *testing.T, extra string, start func(cfg string) int) (inv, ok string) {
	t.Helper()
	gosipsBin(t) // built before the callee starts its timeout
	uasPort, uasWait := startSippUAS(t, "sdpops_uas.xml")
	cfg := strings.ReplaceAll(sdpOpsCfg, "UASPORT", strconv.Itoa(uasPort))
	port := start(strings.ReplaceAll(cfg, "EXTRA", extra))
	uac := runSipp(t, "sdpops_uac.xml", port, "-s", "bob")
	uas := uasWait()
	if uac.Exit != 0 || uas.Exit != 0 {
		t.Fatalf("sipp uac exit %d:\n%s\nuas exit %d:\n%s", uac.Exit, uac.Output, uas.Exit, uas.Output)
	}
	invs := received(uas.Messages, "INVITE")
	if len(invs) != 1 {
		t.Fatalf("UAS got %d INVITEs:\n%s", len(invs), uas.Messages)
	}
	var oks []string
	for _, m := range received(uac.Messages, "SIP/2.0") {
		if strings.HasPrefix(m, "SIP/2.0 200 ") && strings.Contains(m, "CSeq: 1 INVITE") {
			oks = append(oks, m)
		}
	}
	if len(oks) == 0 {
		t.Fatalf("UAC got no 200 OK to its INVITE:\n%s", uac.Messages)
	}
	return invs[0], oks[0]
}

// sdpOpsBody returns the body of a message from a sipp log and checks
// that its Content-Length counts it exactly.
func sdpOpsBody(t *testing.T, who, msg string) string {
	t.Helper()
	i := strings.Index(msg, "\r\n\r\n")
	if i < 0 {
		t.Fatalf("%s: no end of headers:\n%q", who, msg)
	}
	body := msg[i+4:]
	cl := header(msg, "Content-Length")
	if n, err := strconv.Atoi(cl); err != nil || n > len(body) {
		t.Fatalf("%s: Content-Length %q for a %d-byte body:\n%s", who, cl, len(body), msg)
	} else {
		body = body[:n]
	}
	return body
}

// TestSDPOpsSipp checks on the wire what the SDP variables and
// transformations did to an offer and to an answer, and that
// Content-Length follows.
func TestSDPOpsSipp(t *testing.T) {
	inv, ok := sdpOpsCall(t, "", func(cfg string) int { return startServer(t, cfg).Port })
	if got := sdpOpsBody(t, "INVITE", inv); got != sdpOpsOffer {
		t.Errorf("SDP at the callee:\n%s\nwant:\n%s", got, sdpOpsOffer)
	}
	// The length of the video stream and of the body without it, before
	// the edits; then the video line index, the video port
	// and the o= address after them.
	if got, want := header(inv, "X-SDP-T"), "97 436"; got != want {
		t.Errorf("X-SDP-T = %q, want %q", got, want)
	}
	if got, want := header(inv, "X-SDP"), "17 8000 1.2.3.4"; got != want {
		t.Errorf("X-SDP = %q, want %q", got, want)
	}
	if got := sdpOpsBody(t, "200 OK", ok); got != sdpOpsAnswer {
		t.Errorf("SDP at the caller:\n%s\nwant:\n%s", got, sdpOpsAnswer)
	}
}

// TestSDPOpsWithCodecFuncs mixes sipmsgops' codec functions with the SDP
// variables: every change applies, in script order.
func TestSDPOpsWithCodecFuncs(t *testing.T) {
	extra := `codec_delete("PCMA");
		if ($sdp.stream(audio/a=rtpmap[1]) != "a=rtpmap:18 G729/8000") { sl_send_reply(500, "codec_delete not seen"); exit; }`
	inv, _ := sdpOpsCall(t, extra, func(cfg string) int {
		return startServer(t, strings.ReplaceAll(cfg, `t_on_reply("SDP");`, `t_on_reply("SDP"); codec_move_up("G729");`)).Port
	})
	got := sdpOpsBody(t, "INVITE", inv)
	for _, want := range []string{
		"c=IN IP4 127.0.0.2\r\n",
		"m=audio 46938 RTP/AVP 18 0 101\r\n",
		"a=fmtp:18 annexb=no\r\na=rtpmap:9 G722/8000\r\na=rtpmap:101 telephone-event/8000\r\n",
		"a=tool:proxy\r\n",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("SDP at the callee lacks %q:\n%s", want, got)
		}
	}
	if strings.Contains(got, "PCMA") {
		t.Errorf("codec_delete(\"PCMA\") was lost:\n%s", got)
	}
}

// TestSDPOpsOracle runs the same call through real OpenSIPS (OPENSIPS_BIN)
// and gosips and compares the SDP the callee received and the values read.
// Some uses are left out because OpenSIPS 3.6.8 fails on them: the
// {sdp.stream} transformations run before the edits and {sdp.stream-delete}
// removes a single stream (it crashes with SIGSEGV applying them to a body
// the SDP variables edited, or deleting several streams of one type), and
// the answer is not edited (an edit in onreply_route makes it fail to
// build the relayed reply: "not enough free pkg memory", 500).
func TestSDPOpsOracle(t *testing.T) {
	bin := testenv.Oracle(t)
	noReply := func(cfg string) string { return strings.ReplaceAll(cfg, `t_on_reply("SDP");`, "") }
	gInv, gOK := sdpOpsCall(t, "", func(cfg string) int { return startServer(t, noReply(cfg)).Port })
	oInv, oOK := sdpOpsCall(t, "", func(cfg string) int { return natOracleStart(t, bin, noReply(cfg)) })
	if g, o := sdpOpsBody(t, "gosips INVITE", gInv), sdpOpsBody(t, "opensips INVITE", oInv); g != o {
		t.Errorf("SDP at the callee differs:\ngosips:\n%s\nopensips:\n%s", g, o)
	}
	for _, h := range []string{"X-SDP-T", "X-SDP"} {
		if g, o := header(gInv, h), header(oInv, h); g != o {
			t.Errorf("%s differs: gosips %q, opensips %q", h, g, o)
		}
	}
	if g, o := sdpOpsBody(t, "gosips 200", gOK), sdpOpsBody(t, "opensips 200", oOK); g != o {
		t.Errorf("SDP at the caller differs:\ngosips:\n%s\nopensips:\n%s", g, o)
	}
}

// TestSDPOpsConfig runs OpenSIPS' own test of the SDP variables
// (test/test-sdp-ops.cfg, in the corpus): its startup_route asserts every
// read and write, with "\r\n" and "\n" bodies, then logs that all passed.
func TestSDPOpsConfig(t *testing.T) {
	b, err := os.ReadFile(filepath.Join(testenv.Corpus(t), "modern", "head__test__test-sdp-ops.cfg"))
	if err != nil {
		t.Fatal(err)
	}
	cfg := strings.Replace(string(b), "socket = udp:lo", "socket = udp:127.0.0.1:PORT", 1)
	cfg = strings.ReplaceAll(cfg, "/tmp/opensips_fifo", "TMPDIR/fifo")
	srv := startServer(t, cfg)
	if !eventually(10*time.Second, func() bool { return strings.Contains(srv.Logs(), "Passed All Tests!") }) {
		t.Fatalf("no \"Passed All Tests!\" in the logs:\n%s", srv.Logs())
	}
	logs := srv.Logs()
	if strings.Contains(logs, "assertion failed") {
		t.Errorf("assertions failed:\n%s", logs)
	}
	// The only errors are the deletes past the last line (line 234), as
	// OpenSIPS logs them too: one per separator variant.
	if n := strings.Count(logs, "ERROR"); n != 4 || strings.Count(logs, "no SDP line 15 to delete") != 4 {
		t.Errorf("%d errors logged, want the 4 out-of-bounds deletes:\n%s", n, logs)
	}
}
