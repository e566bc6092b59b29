package e2e

import (
	"encoding/json"
	"fmt"
	"net"
	"strconv"
	"strings"
	"testing"
	"time"

	"gosips/internal/testenv"
)

// rtprelayCfg is a proxy handing every call to rtp_relay with ENGINE;
// SOCKS loads and configures the engine module.
const rtprelayCfg = `
log_level = 3
stderror_enabled = yes
socket = udp:127.0.0.1:PORT

loadmodule "proto_udp.so"
loadmodule "signaling.so"
loadmodule "sl.so"
loadmodule "tm.so"
loadmodule "rr.so"
loadmodule "dialog.so"
loadmodule "sipmsgops.so"
loadmodule "httpd.so"
loadmodule "mi_http.so"
loadmodule "rtp_relay.so"
SOCKS

modparam("httpd", "port", HTTPPORT)

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
		create_dialog();
		$rtp_relay = "CALLER";
		$rtp_relay_peer = "CALLEE";
		$rtp_relay_ctx(flags) = "CTXFLAGS";
		EXTRA
		if (!rtp_relay_engage("ENGINE")) {
			sl_send_reply(500, "No media relay");
			exit;
		}
		xlog("L_INFO", "rtp_relay caller=[$rtp_relay] callee=[$rtp_relay_peer] ctx=[$rtp_relay_ctx(flags)]\n");
	}
	$du = "sip:127.0.0.1:UASPORT";
	t_relay();
}
`

// startRtprelayServer runs rtprelayCfg; it returns the server, a caller,
// a UAS and the mi_http port.
func startRtprelayServer(t *testing.T, engine, socks, callerFlags, calleeFlags, ctxFlags string) (*server, *udpClient, *udpClient, int) {
	t.Helper()
	uas := newUDPClient(t)
	httpPort := freePort(t)
	cfg := strings.NewReplacer("ENGINE", engine, "SOCKS", socks, "CALLER", callerFlags, "CALLEE", calleeFlags,
		"CTXFLAGS", ctxFlags, "EXTRA", "", "UASPORT", strconv.Itoa(uas.Port()), "HTTPPORT", strconv.Itoa(httpPort)).Replace(rtprelayCfg)
	return startServer(t, cfg), newUDPClient(t), uas, httpPort
}

// rtprelayList runs MI rtp_relay_list and decodes its array.
func rtprelayList(t *testing.T, httpPort int, params any) []map[string]any {
	t.Helper()
	raw, err := miCall(t, httpPort, "rtp_relay_list", params)
	if err != nil {
		t.Fatalf("rtp_relay_list: %v", err)
	}
	var out []map[string]any
	if err := json.Unmarshal(raw, &out); err != nil {
		t.Fatalf("rtp_relay_list answer %s: %v", raw, err)
	}
	return out
}

// TestRtpRelayEngageRtpengine relays calls with rtp_relay_engage("rtpengine")
// alone: the offer in the INVITE and the answer in the 200 OK are
// rewritten to the real rtpengine, RTP flows both ways through it, and
// the session is deleted after the BYE and after a failed call.
func TestRtpRelayEngageRtpengine(t *testing.T) {
	e := startRtpengine(t)
	socks := fmt.Sprintf(`loadmodule "rtpengine.so"
modparam("rtpengine", "rtpengine_sock", "udp:127.0.0.1:%d")`, e.NG)
	srv, caller, uas, httpPort := startRtprelayServer(t, "rtpengine", socks, "replace-origin", "replace-session-connection", "")
	id := "rtprelay-1@test"
	relayCall(t, srv.Port, caller, uas, id, func(p int) {
		if p < e.PortMin || p > e.PortMax {
			t.Errorf("relay port %d outside rtpengine's range %d-%d", p, e.PortMin, e.PortMax)
		}
		if calls := e.calls(t); len(calls) != 1 || calls[0] != id {
			t.Errorf("rtpengine holds %v, want [%s]", calls, id)
		}
	})
	if !eventually(2*time.Second, func() bool { return len(e.calls(t)) == 0 }) {
		t.Errorf("rtpengine still holds %v after the BYE", e.calls(t))
	}
	if l := rtprelayList(t, httpPort, nil); len(l) != 0 {
		t.Errorf("rtp_relay_list after the BYE = %v", l)
	}

	// A call turned down: the relay session goes with the failed branch.
	id = "rtprelay-2@test"
	relayRejectedCall(t, e, srv.Port, caller, uas, id, "z9hG4bK-rr2")
}

// rtprelayInDialog is what rtprelayReinvite saw.
type rtprelayInDialog struct {
	established, reinvited, ended []map[string]any
}

// rtprelayAnswer is the UAS's 200 OK with SDP to a request it received.
func rtprelayAnswer(req, toTag string, rr bool, port int, sdp string) []byte {
	var b strings.Builder
	b.WriteString("SIP/2.0 200 OK\r\nVia: " + strings.Join(headers(req, "Via"), "\r\nVia: ") + "\r\n")
	b.WriteString("From: " + header(req, "From") + "\r\n")
	to := header(req, "To")
	if !strings.Contains(to, ";tag=") {
		to += ";tag=" + toTag
	}
	b.WriteString("To: " + to + "\r\nCall-ID: " + header(req, "Call-ID") + "\r\nCSeq: " + header(req, "CSeq") + "\r\n")
	if rr {
		for _, v := range headers(req, "Record-Route") {
			b.WriteString("Record-Route: " + v + "\r\n")
		}
	}
	fmt.Fprintf(&b, "Contact: <sip:uas@127.0.0.1:%d>\r\nContent-Type: application/sdp\r\nContent-Length: %d\r\n\r\n%s", port, len(sdp), sdp)
	return []byte(b.String())
}

// rtprelayMedia sends RTP from a to the relay port toA and expects it at
// b; it reports how many of 20 packets arrived.
func rtprelayMedia(a, b *mediaPeer, toA int) int {
	relay := &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1), Port: toA}
	buf := make([]byte, 2048)
	got := 0
	for seq := uint16(1); seq <= 20 && got < 3; seq++ {
		a.conn.WriteToUDP(rtp(seq, 0x5151), relay)
		b.conn.SetReadDeadline(time.Now().Add(200 * time.Millisecond))
		if n, _, err := b.conn.ReadFromUDP(buf); err == nil && n == 172 {
			got++
		}
	}
	return got
}

// rtprelayReinvite runs a call through a proxy using rtp_relay with a
// re-INVITE from the caller that moves both sides' media; it checks the
// SDP rewriting and the RTP flow at each step and lists the sessions
// when established, after the re-INVITE and after the BYE. inRange
// tells a relay port.
func rtprelayReinvite(t *testing.T, srvPort, httpPort int, caller, uas *udpClient, callID string, inRange func(int) bool) rtprelayInDialog {
	t.Helper()
	var out rtprelayInDialog
	a1, b1 := newMediaPeer(t), newMediaPeer(t)
	offer := sdpOffer(a1.port(), "1001")
	caller.Send(srvPort, fmt.Sprintf("INVITE sip:uas@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:LPORT;branch=z9hG4bK-%s-1\r\n"+
		"From: <sip:caller@127.0.0.1>;tag=ct1\r\nTo: <sip:uas@127.0.0.1>\r\nCall-ID: %s\r\nCSeq: 1 INVITE\r\n"+
		"Contact: <sip:caller@127.0.0.1:LPORT>\r\nMax-Forwards: 70\r\nContent-Type: application/sdp\r\nContent-Length: %d\r\n\r\n%s",
		callID, callID, len(offer), offer))
	inv := uas.Recv(8 * time.Second)
	if !strings.HasPrefix(inv, "INVITE ") {
		t.Fatalf("UAS got %q, want the INVITE", inv)
	}
	if _, p := sdpAddr(inv); !inRange(p) {
		t.Fatalf("offer not rewritten to the relay (m=%d):\n%s", p, inv)
	}
	uas.SendRaw(srvPort, rtprelayAnswer(inv, "ut1", true, uas.Port(), sdpOffer(b1.port(), "2002")))
	ok := caller.RecvFinal(5 * time.Second)
	_, toA := sdpAddr(ok)
	if statusCode(ok) != "200" || !inRange(toA) {
		t.Fatalf("caller got %q, want a 200 OK with the relay's SDP", ok)
	}
	route := header(ok, "Record-Route")
	inDialog := func(method string, cseq int, body string) {
		ct := ""
		if body != "" {
			ct = "Content-Type: application/sdp\r\n"
		}
		caller.Send(srvPort, fmt.Sprintf("%s sip:uas@127.0.0.1:%d SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:LPORT;branch=z9hG4bK-%s-%d\r\n"+
			"Route: %s\r\nFrom: <sip:caller@127.0.0.1>;tag=ct1\r\nTo: <sip:uas@127.0.0.1>;tag=ut1\r\nCall-ID: %s\r\nCSeq: %d %s\r\n"+
			"Contact: <sip:caller@127.0.0.1:LPORT>\r\nMax-Forwards: 70\r\n%sContent-Length: %d\r\n\r\n%s",
			method, uas.Port(), callID, cseq*10+len(method), route, callID, cseq, method, ct, len(body), body))
	}
	inDialog("ACK", 1, "")
	if ack := uas.Recv(3 * time.Second); !strings.HasPrefix(ack, "ACK ") {
		t.Fatalf("UAS got %q, want the ACK", ack)
	}
	if n := rtprelayMedia(a1, b1, toA); n < 3 {
		t.Errorf("RTP did not flow through the relay (%d packets)", n)
	}
	out.established = rtprelayList(t, httpPort, nil)

	// The caller moves its media: the re-INVITE's offer and the answer
	// both go through the relay again.
	a2, b2 := newMediaPeer(t), newMediaPeer(t)
	inDialog("INVITE", 2, strings.Replace(sdpOffer(a2.port(), "1001"), " 1 IN IP4", " 2 IN IP4", 1))
	re := uas.Recv(5 * time.Second)
	if !strings.HasPrefix(re, "INVITE ") {
		t.Fatalf("UAS got %q, want the re-INVITE", re)
	}
	if _, p := sdpAddr(re); !inRange(p) || p == a2.port() {
		t.Errorf("re-INVITE offer not rewritten to the relay (m=%d):\n%s", p, re)
	}
	uas.SendRaw(srvPort, rtprelayAnswer(re, "ut1", false, uas.Port(), strings.Replace(sdpOffer(b2.port(), "2002"), " 1 IN IP4", " 2 IN IP4", 1)))
	ok2 := caller.RecvFinal(5 * time.Second)
	_, toA2 := sdpAddr(ok2)
	if statusCode(ok2) != "200" || !inRange(toA2) || toA2 == b2.port() {
		t.Fatalf("re-INVITE: caller got %q, want a 200 OK with the relay's SDP", ok2)
	}
	inDialog("ACK", 2, "")
	if ack := uas.Recv(3 * time.Second); !strings.HasPrefix(ack, "ACK ") {
		t.Fatalf("UAS got %q, want the second ACK", ack)
	}
	if n := rtprelayMedia(a2, b2, toA2); n < 3 {
		t.Errorf("RTP did not flow to the new media addresses after the re-INVITE (%d packets)", n)
	}
	out.reinvited = rtprelayList(t, httpPort, nil)

	inDialog("BYE", 3, "")
	bye := uas.Recv(5 * time.Second)
	if !strings.HasPrefix(bye, "BYE ") {
		t.Fatalf("UAS got %q, want the BYE", bye)
	}
	uas.SendRaw(srvPort, []byte(fmt.Sprintf("SIP/2.0 200 OK\r\nVia: %s\r\nFrom: %s\r\nTo: %s\r\nCall-ID: %s\r\nCSeq: 3 BYE\r\nContent-Length: 0\r\n\r\n",
		strings.Join(headers(bye, "Via"), "\r\nVia: "), header(bye, "From"), header(bye, "To"), callID)))
	if r := caller.RecvFinal(5 * time.Second); statusCode(r) != "200" {
		t.Fatalf("BYE: caller got %q", r)
	}
	out.ended = rtprelayList(t, httpPort, nil)
	return out
}

// TestRtpRelayReinviteRtpengine: a re-INVITE of a call engaged with
// rtp_relay goes through rtpengine both ways without any script help;
// rtp_relay_list shows the call with the flags of both peers while it
// lasts, and nothing once it ended.
func TestRtpRelayReinviteRtpengine(t *testing.T) {
	e := startRtpengine(t)
	socks := fmt.Sprintf(`loadmodule "rtpengine.so"
modparam("rtpengine", "rtpengine_sock", "udp:127.0.0.1:%d")`, e.NG)
	srv, caller, uas, httpPort := startRtprelayServer(t, "rtpengine", socks, "replace-origin", "replace-session-connection", "ICE=remove")
	id := "rtprelay-re@test"
	inRange := func(p int) bool { return p >= e.PortMin && p <= e.PortMax }
	got := rtprelayReinvite(t, srv.Port, httpPort, caller, uas, id, inRange)
	if len(got.established) != 1 {
		t.Fatalf("rtp_relay_list while the call lasts = %v", got.established)
	}
	l := got.established[0]
	node := fmt.Sprintf("udp:127.0.0.1:%d", e.NG)
	cr, _ := l["caller"].(map[string]any)
	ce, _ := l["callee"].(map[string]any)
	cx, _ := l["ctx"].(map[string]any)
	if l["callid"] != id || l["relay"] != "rtpengine" || l["node"] != node || l["set"] != float64(0) ||
		cr["tag"] != "ct1" || cr["flags"] != "replace-origin" || ce["tag"] != "ut1" || ce["flags"] != "replace-session-connection" ||
		cx["flags"] != "ICE=remove" || cx["from-tag"] != "ct1" || cx["to-tag"] != "ut1" {
		t.Errorf("rtp_relay_list entry = %v", l)
	}
	if len(got.reinvited) != 1 {
		t.Errorf("rtp_relay_list after the re-INVITE = %v", got.reinvited)
	}
	if len(got.ended) != 0 {
		t.Errorf("rtp_relay_list after the BYE = %v", got.ended)
	}
	if !eventually(2*time.Second, func() bool { return len(e.calls(t)) == 0 }) {
		t.Errorf("rtpengine still holds %v after the BYE", e.calls(t))
	}
	if l := rtprelayList(t, httpPort, map[string]any{"engine": "rtpengine", "node": "udp:127.0.0.1:1"}); len(l) != 0 {
		t.Errorf("rtp_relay_list of another node = %v", l)
	}
	if _, err := miCall(t, httpPort, "rtp_relay_list", map[string]any{"engine": "mediaproxy"}); err == nil ||
		!strings.Contains(err.Error(), "unknown RTP  Relay engine") {
		t.Errorf("rtp_relay_list of an unknown engine: %v", err)
	}
}

// TestRtpRelayListOracle runs the same call with a re-INVITE through
// gosips and through OpenSIPS 3.6, both engaging the same rtpengine with
// rtp_relay, and compares what rtp_relay_list shows at each step.
func TestRtpRelayListOracle(t *testing.T) {
	bin := testenv.Oracle(t)
	e := startRtpengine(t)
	inRange := func(p int) bool { return p >= e.PortMin && p <= e.PortMax }
	socks := fmt.Sprintf(`loadmodule "rtpengine.so"
modparam("rtpengine", "rtpengine_sock", "udp:127.0.0.1:%d")`, e.NG)
	run := func(t *testing.T, oracle bool, callID string) rtprelayInDialog {
		uas, caller := newUDPClient(t), newUDPClient(t)
		httpPort := freePort(t)
		cfg := strings.NewReplacer("ENGINE", "rtpengine", "SOCKS", socks, "CALLER", "replace-origin",
			"CALLEE", "replace-session-connection", "CTXFLAGS", "ICE=remove", "EXTRA", "", "UASPORT", strconv.Itoa(uas.Port()),
			"HTTPPORT", strconv.Itoa(httpPort)).Replace(rtprelayCfg)
		var port int
		if oracle {
			port = natOracleStart(t, bin, cfg)
		} else {
			port = startServer(t, cfg).Port
		}
		return rtprelayReinvite(t, port, httpPort, caller, uas, callID, inRange)
	}
	var got [2]rtprelayInDialog
	for i, name := range []string{"gosips", "opensips"} {
		t.Run(name, func(t *testing.T) {
			got[i] = run(t, i == 1, "rtprelay-oracle-"+name+"@test")
			if !eventually(2*time.Second, func() bool { return len(e.calls(t)) == 0 }) {
				t.Errorf("rtpengine still holds %v after the BYE", e.calls(t))
			}
		})
	}
	norm := func(l []map[string]any) string {
		for _, x := range l {
			delete(x, "callid")
		}
		b, _ := json.Marshal(l)
		return string(b)
	}
	for _, step := range []struct {
		name       string
		gs, oracle []map[string]any
	}{
		{"established", got[0].established, got[1].established},
		{"after the re-INVITE", got[0].reinvited, got[1].reinvited},
		{"after the BYE", got[0].ended, got[1].ended},
	} {
		g, o := norm(step.gs), norm(step.oracle)
		t.Logf("rtp_relay_list %s: %s", step.name, g)
		if g != o {
			t.Errorf("rtp_relay_list %s:\ngosips   %s\nopensips %s", step.name, g, o)
		}
	}
}

// TestRtpRelayEngageRtpproxy: rtp_relay_engage("rtpproxy") against
// rtpengine's rtpproxy-protocol socket relays a call, then a call with a
// re-INVITE, with the flags of $rtp_relay/$rtp_relay_peer; nothing is
// left on the relay after the BYEs.
func TestRtpRelayEngageRtpproxy(t *testing.T) {
	e := startRtpengine(t)
	socks := fmt.Sprintf(`loadmodule "rtpproxy.so"
modparam("rtpproxy", "rtpproxy_sock", "udp:127.0.0.1:%d")`, e.UDP)
	srv, caller, uas, httpPort := startRtprelayServer(t, "rtpproxy", socks, "co", "co", "")
	inRange := func(p int) bool { return p >= e.PortMin && p <= e.PortMax }
	id := "rtprelay-rtpp-1@test"
	relayCall(t, srv.Port, caller, uas, id, func(p int) {
		if !inRange(p) {
			t.Errorf("relay port %d outside rtpengine's range %d-%d", p, e.PortMin, e.PortMax)
		}
		if calls := e.calls(t); len(calls) != 1 || calls[0] != id {
			t.Errorf("the relay holds %v, want [%s]", calls, id)
		}
	})
	if !eventually(2*time.Second, func() bool { return len(e.calls(t)) == 0 }) {
		t.Errorf("the relay still holds %v after the BYE", e.calls(t))
	}
	got := rtprelayReinvite(t, srv.Port, httpPort, caller, uas, "rtprelay-rtpp-2@test", inRange)
	if len(got.established) != 1 || got.established[0]["relay"] != "rtpproxy" ||
		got.established[0]["node"] != fmt.Sprintf("udp:127.0.0.1:%d", e.UDP) {
		t.Errorf("rtp_relay_list while the call lasts = %v", got.established)
	}
	if len(got.ended) != 0 {
		t.Errorf("rtp_relay_list after the BYE = %v", got.ended)
	}
	if !eventually(2*time.Second, func() bool { return len(e.calls(t)) == 0 }) {
		t.Errorf("the relay still holds %v after the second BYE", e.calls(t))
	}
}

// TestRtpRelaySippRtpengine: sipp calls sipp through rtp_relay and
// rtpengine; the caller streams RTP to the relay address of the 200 OK,
// the callee (-rtp_echo) sends it back, and rtpengine counts the packets
// both ways while the call lasts and holds nothing after the BYE.
func TestRtpRelaySippRtpengine(t *testing.T) {
	e := startRtpengine(t)
	uasPort, uasWait := startSippUAS(t, "uas_call.xml", "-mp", strconv.Itoa(freePort(t)), "-rtp_echo")
	cfg := strings.NewReplacer("ENGINE", "rtpengine", "SOCKS", fmt.Sprintf(`loadmodule "rtpengine.so"
modparam("rtpengine", "rtpengine_sock", "udp:127.0.0.1:%d")`, e.NG), "CALLER", "replace-origin",
		"CALLEE", "replace-origin", "CTXFLAGS", "", "EXTRA", "", "UASPORT", strconv.Itoa(uasPort),
		"HTTPPORT", strconv.Itoa(freePort(t))).Replace(rtprelayCfg)
	srv := startServer(t, cfg)
	callID := fmt.Sprintf("rtprelay-sipp-%d@test", time.Now().UnixNano())
	done := make(chan sippResult, 1)
	go func() {
		done <- runSipp(t, "rtprelay_uac.xml", srv.Port, "-s", "uas", "-mp", strconv.Itoa(freePort(t)),
			"-cid_str", callID)
	}()
	// While the caller streams, rtpengine relays both directions.
	var packets [2]int64
	eventually(6*time.Second, func() bool {
		r, err := e.ng(map[string]any{"command": "query", "call-id": callID})
		if err != nil || r["result"] != "ok" {
			return false
		}
		tags, _ := r["tags"].(map[string]any)
		i := 0
		for _, tv := range tags {
			td, _ := tv.(map[string]any)
			medias, _ := td["medias"].([]any)
			for _, mv := range medias {
				md, _ := mv.(map[string]any)
				streams, _ := md["streams"].([]any)
				for _, sv := range streams {
					sd, _ := sv.(map[string]any)
					st, _ := sd["stats"].(map[string]any)
					if n, ok := st["packets"].(int64); ok && i < 2 && sd["endpoint"] != nil {
						packets[i] += n
					}
				}
			}
			i++
		}
		return packets[0] > 10 && packets[1] > 10
	})
	res := <-done
	if res.Exit != 0 {
		t.Fatalf("sipp caller exit %d:\n%s\n%s", res.Exit, res.Output, res.Messages)
	}
	t.Logf("rtpengine relayed %d and %d RTP packets", packets[0], packets[1])
	if packets[0] <= 10 || packets[1] <= 10 {
		t.Errorf("RTP through rtpengine: %d and %d packets, want both directions", packets[0], packets[1])
	}
	if r := uasWait(); r.Exit != 0 {
		t.Errorf("sipp callee exit %d:\n%s", r.Exit, r.Output)
	}
	if !eventually(2*time.Second, func() bool { return len(e.calls(t)) == 0 }) {
		t.Errorf("rtpengine still holds %v after the BYE", e.calls(t))
	}
}

// TestRtpRelayLateNegotiation: an INVITE without SDP gets the callee's
// offer from the 200 OK relayed, and the caller's answer in the ACK, so
// that media flows through rtpengine; the BYE deletes the session.
func TestRtpRelayLateNegotiation(t *testing.T) {
	e := startRtpengine(t)
	socks := fmt.Sprintf(`loadmodule "rtpengine.so"
modparam("rtpengine", "rtpengine_sock", "udp:127.0.0.1:%d")`, e.NG)
	srv, caller, uas, _ := startRtprelayServer(t, "rtpengine", socks, "", "", "")
	inRange := func(p int) bool { return p >= e.PortMin && p <= e.PortMax }
	id := "rtprelay-late@test"
	a, b := newMediaPeer(t), newMediaPeer(t)
	caller.Send(srv.Port, fmt.Sprintf("INVITE sip:uas@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:LPORT;branch=z9hG4bK-late-1\r\n"+
		"From: <sip:caller@127.0.0.1>;tag=ct1\r\nTo: <sip:uas@127.0.0.1>\r\nCall-ID: %s\r\nCSeq: 1 INVITE\r\n"+
		"Contact: <sip:caller@127.0.0.1:LPORT>\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n", id))
	inv := uas.Recv(5 * time.Second)
	if !strings.HasPrefix(inv, "INVITE ") || header(inv, "Content-Length") != "0" {
		t.Fatalf("UAS got %q, want the INVITE without SDP", inv)
	}
	uas.SendRaw(srv.Port, rtprelayAnswer(inv, "ut1", true, uas.Port(), sdpOffer(b.port(), "2002")))
	ok := caller.RecvFinal(5 * time.Second)
	_, toA := sdpAddr(ok)
	if statusCode(ok) != "200" || !inRange(toA) {
		t.Fatalf("caller got %q, want a 200 OK with the relay's offer", ok)
	}
	answer := sdpOffer(a.port(), "1001")
	caller.Send(srv.Port, fmt.Sprintf("ACK sip:uas@127.0.0.1:%d SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:LPORT;branch=z9hG4bK-late-2\r\n"+
		"Route: %s\r\nFrom: <sip:caller@127.0.0.1>;tag=ct1\r\nTo: <sip:uas@127.0.0.1>;tag=ut1\r\nCall-ID: %s\r\nCSeq: 1 ACK\r\n"+
		"Max-Forwards: 70\r\nContent-Type: application/sdp\r\nContent-Length: %d\r\n\r\n%s",
		uas.Port(), header(ok, "Record-Route"), id, len(answer), answer))
	ack := uas.Recv(3 * time.Second)
	if _, p := sdpAddr(ack); !strings.HasPrefix(ack, "ACK ") || !inRange(p) {
		t.Fatalf("UAS got %q, want the ACK with the relay's answer", ack)
	}
	if n := rtprelayMedia(a, b, toA); n < 3 {
		t.Errorf("RTP did not flow through the relay after the late negotiation (%d packets)", n)
	}
	caller.Send(srv.Port, fmt.Sprintf("BYE sip:uas@127.0.0.1:%d SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:LPORT;branch=z9hG4bK-late-3\r\n"+
		"Route: %s\r\nFrom: <sip:caller@127.0.0.1>;tag=ct1\r\nTo: <sip:uas@127.0.0.1>;tag=ut1\r\nCall-ID: %s\r\nCSeq: 2 BYE\r\n"+
		"Max-Forwards: 70\r\nContent-Length: 0\r\n\r\n", uas.Port(), header(ok, "Record-Route"), id))
	bye := uas.Recv(5 * time.Second)
	if !strings.HasPrefix(bye, "BYE ") {
		t.Fatalf("UAS got %q, want the BYE", bye)
	}
	uas.SendRaw(srv.Port, []byte(fmt.Sprintf("SIP/2.0 200 OK\r\nVia: %s\r\nFrom: %s\r\nTo: %s\r\nCall-ID: %s\r\nCSeq: 2 BYE\r\nContent-Length: 0\r\n\r\n",
		strings.Join(headers(bye, "Via"), "\r\nVia: "), header(bye, "From"), header(bye, "To"), id)))
	if !eventually(2*time.Second, func() bool { return len(e.calls(t)) == 0 }) {
		t.Errorf("rtpengine still holds %v after the BYE", e.calls(t))
	}
}

// TestRtpRelayCancelAndDisabled: a call cancelled while ringing leaves
// no session on rtpengine; with $rtp_relay(disabled) set for the caller,
// the SDP goes through untouched and rtpengine never sees the call.
func TestRtpRelayCancelAndDisabled(t *testing.T) {
	e := startRtpengine(t)
	socks := fmt.Sprintf(`loadmodule "rtpengine.so"
modparam("rtpengine", "rtpengine_sock", "udp:127.0.0.1:%d")`, e.NG)
	srv, caller, uas, _ := startRtprelayServer(t, "rtpengine", socks, "", "", "")
	id := "rtprelay-cancel@test"
	a := newMediaPeer(t)
	offer := sdpOffer(a.port(), "1001")
	invite := fmt.Sprintf("INVITE sip:uas@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:LPORT;branch=z9hG4bK-cancel-1\r\n"+
		"From: <sip:caller@127.0.0.1>;tag=ct1\r\nTo: <sip:uas@127.0.0.1>\r\nCall-ID: %s\r\nCSeq: 1 INVITE\r\n"+
		"Contact: <sip:caller@127.0.0.1:LPORT>\r\nMax-Forwards: 70\r\nContent-Type: application/sdp\r\nContent-Length: %d\r\n\r\n%s",
		id, len(offer), offer)
	caller.Send(srv.Port, invite)
	inv := uas.Recv(5 * time.Second)
	if _, p := sdpAddr(inv); !strings.HasPrefix(inv, "INVITE ") || p == a.port() {
		t.Fatalf("UAS got %q, want the INVITE with the relay's SDP", inv)
	}
	reply := func(req string, code int, reason, toTag string) []byte {
		to := header(req, "To")
		if toTag != "" {
			to += ";tag=" + toTag
		}
		return []byte(fmt.Sprintf("SIP/2.0 %d %s\r\nVia: %s\r\nFrom: %s\r\nTo: %s\r\nCall-ID: %s\r\nCSeq: %s\r\nContent-Length: 0\r\n\r\n",
			code, reason, strings.Join(headers(req, "Via"), "\r\nVia: "), header(req, "From"), to, id, header(req, "CSeq")))
	}
	uas.SendRaw(srv.Port, reply(inv, 180, "Ringing", "ut1"))
	r := caller.Recv(3 * time.Second)
	if statusCode(r) == "100" {
		r = caller.Recv(3 * time.Second)
	}
	if statusCode(r) != "180" {
		t.Fatalf("caller got %q, want 180", r)
	}
	caller.Send(srv.Port, fmt.Sprintf("CANCEL sip:uas@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:LPORT;branch=z9hG4bK-cancel-1\r\n"+
		"From: <sip:caller@127.0.0.1>;tag=ct1\r\nTo: <sip:uas@127.0.0.1>\r\nCall-ID: %s\r\nCSeq: 1 CANCEL\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n", id))
	cancel := uas.Recv(3 * time.Second)
	if !strings.HasPrefix(cancel, "CANCEL ") {
		t.Fatalf("UAS got %q, want the CANCEL", cancel)
	}
	uas.SendRaw(srv.Port, reply(cancel, 200, "OK", ""))
	uas.SendRaw(srv.Port, reply(inv, 487, "Request Terminated", "ut1"))
	if r := caller.RecvFinal(5 * time.Second); statusCode(r) != "200" && statusCode(r) != "487" {
		t.Fatalf("caller got %q after the CANCEL", r)
	}
	if !eventually(3*time.Second, func() bool { return len(e.calls(t)) == 0 }) {
		t.Errorf("rtpengine still holds %v after the CANCEL", e.calls(t))
	}

	// The caller's relaying disabled.
	uas2 := newUDPClient(t)
	cfg := strings.NewReplacer("ENGINE", "rtpengine", "SOCKS", socks, "CALLER", "", "CALLEE", "", "CTXFLAGS", "",
		"EXTRA", "$rtp_relay(disabled) = 1;", "UASPORT", strconv.Itoa(uas2.Port()), "HTTPPORT", strconv.Itoa(freePort(t))).Replace(rtprelayCfg)
	srv2 := startServer(t, cfg)
	caller.Send(srv2.Port, strings.Replace(invite, id, "rtprelay-disabled@test", 1))
	inv = uas2.Recv(5 * time.Second)
	if _, p := sdpAddr(inv); !strings.HasPrefix(inv, "INVITE ") || p != a.port() {
		t.Fatalf("UAS got %q, want the INVITE with the caller's own SDP", inv)
	}
	if calls := e.calls(t); len(calls) != 0 {
		t.Errorf("rtpengine holds %v for a disabled call", calls)
	}
}

// TestRtpRelayBranchRoute: rtp_relay_engage() in a branch route relays
// that branch only, with the branch's own $rtp_relay; rtp_relay_list
// shows the branch index, and the re-INVITE and BYE work as for a call
// engaged in the request route.
func TestRtpRelayBranchRoute(t *testing.T) {
	e := startRtpengine(t)
	socks := fmt.Sprintf(`loadmodule "rtpengine.so"
modparam("rtpengine", "rtpengine_sock", "udp:127.0.0.1:%d")`, e.NG)
	uas, caller := newUDPClient(t), newUDPClient(t)
	httpPort := freePort(t)
	cfg := strings.NewReplacer("ENGINE", "rtpengine", "SOCKS", socks, "UASPORT", strconv.Itoa(uas.Port()),
		"HTTPPORT", strconv.Itoa(httpPort)).Replace(rtprelayCfg)
	start := strings.Index(cfg, "\t\t$rtp_relay = ")
	end := strings.Index(cfg, "\t$du = ")
	cfg = cfg[:start] + "\t\tt_on_branch(\"media\");\n\t}\n" + cfg[end:] + `
branch_route[media] {
	$rtp_relay = "replace-origin";
	rtp_relay_engage("rtpengine");
}
`
	srv := startServer(t, cfg)
	got := rtprelayReinvite(t, srv.Port, httpPort, caller, uas, "rtprelay-branch@test",
		func(p int) bool { return p >= e.PortMin && p <= e.PortMax })
	if len(got.established) != 1 {
		t.Fatalf("rtp_relay_list while the call lasts = %v", got.established)
	}
	l := got.established[0]
	ce, _ := l["callee"].(map[string]any)
	if l["branch"] != float64(0) || ce["flags"] != "replace-origin" || ce["tag"] != "ut1" {
		t.Errorf("rtp_relay_list entry = %v", l)
	}
	if len(got.ended) != 0 {
		t.Errorf("rtp_relay_list after the BYE = %v", got.ended)
	}
	if !eventually(2*time.Second, func() bool { return len(e.calls(t)) == 0 }) {
		t.Errorf("rtpengine still holds %v after the BYE", e.calls(t))
	}
}
