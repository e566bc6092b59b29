package e2e

import (
	"fmt"
	"net"
	"strconv"
	"strings"
	"testing"
	"time"
)

// natMediaCfg registers NATed phones (fix_nated_register) and relays the
// calls to them through rtpengine, taking media addresses from the SIP
// source rather than the (private) SDP.
const natMediaCfg = `
log_level = 3
stderror_enabled = yes
socket = udp:127.0.0.1:PORT

loadmodule "proto_udp.so"
loadmodule "signaling.so"
loadmodule "sl.so"
loadmodule "tm.so"
loadmodule "rr.so"
loadmodule "sipmsgops.so"
loadmodule "usrloc.so"
loadmodule "registrar.so"
loadmodule "nathelper.so"
loadmodule "rtpengine.so"

modparam("nathelper", "received_avp", "$avp(rcv)")
modparam("registrar", "received_avp", "$avp(rcv)")
modparam("rtpengine", "rtpengine_sock", "udp:127.0.0.1:NGPORT")

route {
	force_rport();
	if (is_method("REGISTER")) {
		if (nat_uac_test("private-contact"))
			fix_nated_register();
		save("location");
		exit;
	}
	if (has_totag()) {
		if (loose_route()) {
			if (is_method("BYE"))
				rtpengine_delete();
			t_relay();
			exit;
		}
		if (is_method("ACK") && t_check_trans())
			t_relay();
		exit;
	}
	if (is_method("INVITE")) {
		if (!lookup("location")) {
			sl_send_reply(404, "Not Found");
			exit;
		}
		record_route();
		rtpengine_offer("SIP-source-address replace-origin replace-session-connection");
		t_on_reply("media");
	}
	t_relay();
}

onreply_route[media] {
	if (nat_uac_test("private-contact"))
		fix_nated_contact();
	if (has_body("application/sdp"))
		rtpengine_answer("SIP-source-address replace-origin replace-session-connection");
}
`

// TestNATSippRegisterCallRtpengine: a sipp phone on 127.0.0.2 claiming
// 10.0.0.7 registers and is called; the INVITE reaches 127.0.0.2, its
// private SDP is replaced by rtpengine's, RTP from the caller flows through
// rtpengine to the phone's -rtp_echo and back, and after the BYE rtpengine
// holds no session.
func TestNATSippRegisterCallRtpengine(t *testing.T) {
	e := startRtpengine(t)
	srv := startServer(t, strings.ReplaceAll(natMediaCfg, "NGPORT", strconv.Itoa(e.NG)))
	callID := fmt.Sprintf("natcall-%d", time.Now().UnixNano())
	phonePort, phoneMedia := freePort(t), freePort(t)
	phone := startSippPeer(t, "nat_callee.xml", phonePort, 1, 30*time.Second,
		fmt.Sprintf("127.0.0.1:%d", srv.Port), "-i", "127.0.0.2", "-mi", "127.0.0.2",
		"-mp", strconv.Itoa(phoneMedia), "-rtp_echo", "-cid_str", callID)
	caller := newUDPClient(t)
	a := newMediaPeer(t)
	offer := sdpOffer(a.port(), "3001")
	invite := fmt.Sprintf("INVITE sip:bob@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:LPORT;branch=z9hG4bK-%s-1\r\n"+
		"From: <sip:alice@127.0.0.1>;tag=at1\r\nTo: <sip:bob@127.0.0.1>\r\nCall-ID: %s\r\nCSeq: 1 INVITE\r\n"+
		"Contact: <sip:alice@127.0.0.1:LPORT>\r\nMax-Forwards: 70\r\nContent-Type: application/sdp\r\nContent-Length: %d\r\n\r\n%s",
		callID, callID, len(offer), offer)
	// The phone registers first; until then the proxy answers 404.
	var ok string
	if !eventually(10*time.Second, func() bool {
		caller.Send(srv.Port, invite)
		for {
			r := caller.Recv(time.Second)
			switch code := statusCode(r); {
			case code == "404":
				return false
			case code == "200":
				ok = r
				return true
			case code == "" || code >= "300":
				return false
			}
		}
	}) {
		t.Fatalf("the call never reached the phone:\n%s", phone.stop().Output)
	}
	ip, relayToA := sdpAddr(ok)
	if ip != "127.0.0.1" || relayToA < e.PortMin || relayToA > e.PortMax {
		t.Fatalf("200 OK SDP not rewritten to rtpengine (c=%s m=%d):\n%s", ip, relayToA, ok)
	}
	route := header(ok, "Record-Route")
	contact := strings.Trim(header(ok, "Contact"), "<>")
	if !strings.HasPrefix(contact, "sip:bob@127.0.0.2:") {
		t.Fatalf("200 OK Contact %q: fix_nated_contact() should give the phone's source address", contact)
	}
	caller.Send(srv.Port, fmt.Sprintf("ACK %s SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:LPORT;branch=z9hG4bK-%s-2\r\nRoute: %s\r\n"+
		"From: <sip:alice@127.0.0.1>;tag=at1\r\nTo: %s\r\nCall-ID: %s\r\nCSeq: 1 ACK\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n",
		contact, callID, route, header(ok, "To"), callID))

	// RTP: caller → rtpengine → phone (127.0.0.2, echo) → rtpengine → caller.
	relay := &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1), Port: relayToA}
	buf := make([]byte, 2048)
	echoed := 0
	for seq := uint16(1); seq <= 50 && echoed < 5; seq++ {
		a.conn.WriteToUDP(rtp(seq, 0x4242), relay)
		a.conn.SetReadDeadline(time.Now().Add(100 * time.Millisecond))
		if n, from, err := a.conn.ReadFromUDP(buf); err == nil && n == 172 && from.Port == relayToA {
			echoed++
		}
	}
	if echoed < 5 {
		t.Errorf("only %d RTP packets came back through rtpengine from the phone's echo", echoed)
	}

	caller.Send(srv.Port, fmt.Sprintf("BYE %s SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:LPORT;branch=z9hG4bK-%s-3\r\nRoute: %s\r\n"+
		"From: <sip:alice@127.0.0.1>;tag=at1\r\nTo: %s\r\nCall-ID: %s\r\nCSeq: 2 BYE\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n",
		contact, callID, route, header(ok, "To"), callID))
	if r := caller.RecvFinal(5 * time.Second); statusCode(r) != "200" {
		t.Fatalf("BYE: caller got %q", r)
	}
	if calls := e.calls(t); len(calls) != 0 {
		t.Errorf("rtpengine still holds %v after the BYE", calls)
	}
	res := phone.wait(5 * time.Second)
	if res.Exit != 0 {
		t.Fatalf("sipp phone exit %d:\n%s", res.Exit, res.Output)
	}
	inv := received(res.Messages, "INVITE")
	if len(inv) != 1 {
		t.Fatalf("phone got %d INVITEs:\n%s", len(inv), res.Messages)
	}
	if ruri := strings.Fields(inv[0])[1]; ruri != "sip:bob@10.0.0.7:5080" {
		t.Errorf("INVITE R-URI %q, want the registered private Contact", ruri)
	}
	body := strings.ReplaceAll(inv[0], "\r", "")
	if !strings.Contains(body, "\nc=IN IP4 127.0.0.1\n") || !strings.Contains(body, "\nm=audio ") || strings.Contains(body, fmt.Sprintf("m=audio %d ", a.port())) {
		t.Errorf("INVITE SDP not rewritten to rtpengine:\n%s", inv[0])
	}
}
