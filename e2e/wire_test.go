package e2e

import (
	"fmt"
	"os"
	"strings"
	"testing"
	"time"
)

// stockCfg is OpenSIPS' stock routing logic (etc/opensips.cfg) with a UDP
// and a TCP socket.
const stockCfg = `
log_level = 3
stderror_enabled = yes
udp_workers = 2
socket = udp:127.0.0.1:PORT
socket = tcp:127.0.0.1:PORT

loadmodule "proto_udp.so"
loadmodule "proto_tcp.so"
loadmodule "signaling.so"
loadmodule "sl.so"
loadmodule "tm.so"
loadmodule "rr.so"
loadmodule "maxfwd.so"
loadmodule "sipmsgops.so"
loadmodule "usrloc.so"
loadmodule "registrar.so"

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
		route(relay);
		exit;
	}
	if (is_method("CANCEL")) {
		if (t_check_trans())
			t_relay();
		exit;
	}
	t_check_trans();
	if (loose_route()) {
		if (!is_method("ACK"))
			send_reply(403, "Preload Route denied");
		exit;
	}
	if (!is_method("REGISTER|MESSAGE"))
		record_route();
	if (is_method("REGISTER")) {
		if (!save("location"))
			xlog("failed to register AoR $tu\n");
		exit;
	}
	if (!lookup("location", "method-filtering")) {
		t_reply(404, "Not Found");
		exit;
	}
	route(relay);
}

route[relay] {
	if (!t_relay())
		send_reply(500, "Internal Error");
	exit;
}
`

// TestUDPToTCPRecordRoutedCall: a caller on UDP calls a callee registered
// over TCP through a record-routing proxy. The INVITE leaves over TCP, so
// it carries two Record-Route headers (r2=on); the ACK and BYE from both
// sides follow the route set and reach the other party.
func TestUDPToTCPRecordRoutedCall(t *testing.T) {
	srv := startServer(t, stockCfg)
	callee := dialTCPPeer(t, srv.Port)
	callee.Send(fmt.Sprintf(`REGISTER sip:127.0.0.1:%d;transport=tcp SIP/2.0
Via: SIP/2.0/TCP 127.0.0.1:LPORT;branch=z9hG4bK-reg-1
From: <sip:callee@127.0.0.1>;tag=r1
To: <sip:callee@127.0.0.1>
Call-ID: wire-reg-1
CSeq: 1 REGISTER
Contact: <sip:callee@127.0.0.1:LPORT;transport=tcp>
Expires: 600
Max-Forwards: 70
Content-Length: 0

`, srv.Port))
	if r := callee.RecvFinal(3 * time.Second); statusCode(r) != "200" {
		t.Fatalf("REGISTER over TCP: %q\n%s", r, srv.Logs())
	}
	caller := newUDPClient(t)
	for i, byeFromCallee := range []bool{false, true} {
		callID := fmt.Sprintf("wire-call-%d", i)
		caller.Send(srv.Port, fmt.Sprintf(`INVITE sip:callee@127.0.0.1:%d SIP/2.0
Via: SIP/2.0/UDP 127.0.0.1:LPORT;branch=z9hG4bK-inv-%d
From: <sip:caller@127.0.0.1>;tag=c%d
To: <sip:callee@127.0.0.1>
Call-ID: %s
CSeq: 1 INVITE
Contact: <sip:caller@127.0.0.1:LPORT>
Max-Forwards: 70
Content-Length: 0

`, srv.Port, i, i, callID))
		inv := callee.Recv(3 * time.Second)
		if !strings.HasPrefix(inv, "INVITE ") {
			t.Fatalf("callee did not get the INVITE: %q\n%s", inv, srv.Logs())
		}
		rr := routeSet(inv)
		if len(rr) != 2 || !strings.Contains(rr[0], "transport=tcp") || !strings.Contains(rr[0], "r2=on") || !strings.Contains(rr[1], "r2=on") {
			t.Errorf("want a double Record-Route (tcp side on top, r2=on), got %q", rr)
		}
		calleeCt := fmt.Sprintf("Contact: <sip:callee@127.0.0.1:%d;transport=tcp>", callee.Port())
		callee.Send(sipReply(inv, "200 OK", "e"+callID, calleeCt))
		ok := caller.RecvFinal(3 * time.Second)
		if statusCode(ok) != "200" {
			t.Fatalf("caller did not get the 200: %q\n%s", ok, srv.Logs())
		}
		route := "Route: " + strings.Join(reversed(routeSet(ok)), ", ")
		calleeURI := fmt.Sprintf("sip:callee@127.0.0.1:%d;transport=tcp", callee.Port())
		dlg := fmt.Sprintf("From: <sip:caller@127.0.0.1>;tag=c%d\nTo: <sip:callee@127.0.0.1>;tag=e%s\nCall-ID: %s\n", i, callID, callID)
		caller.Send(srv.Port, fmt.Sprintf("ACK %s SIP/2.0\nVia: SIP/2.0/UDP 127.0.0.1:LPORT;branch=z9hG4bK-ack-%d\n%sCSeq: 1 ACK\n%s\nMax-Forwards: 70\nContent-Length: 0\n\n", calleeURI, i, dlg, route))
		if ack := callee.Recv(3 * time.Second); !strings.HasPrefix(ack, "ACK ") {
			t.Fatalf("callee did not get the ACK: %q\n%s", ack, srv.Logs())
		}
		if !byeFromCallee {
			caller.Send(srv.Port, fmt.Sprintf("BYE %s SIP/2.0\nVia: SIP/2.0/UDP 127.0.0.1:LPORT;branch=z9hG4bK-bye-%d\n%sCSeq: 2 BYE\n%s\nMax-Forwards: 70\nContent-Length: 0\n\n", calleeURI, i, dlg, route))
			bye := callee.Recv(3 * time.Second)
			if !strings.HasPrefix(bye, "BYE ") {
				t.Fatalf("callee did not get the BYE: %q\n%s", bye, srv.Logs())
			}
			callee.Send(sipReply(bye, "200 OK", ""))
			if r := caller.RecvFinal(3 * time.Second); statusCode(r) != "200" {
				t.Fatalf("caller did not get the BYE's 200: %q\n%s", r, srv.Logs())
			}
			continue
		}
		// The callee hangs up: its route set is the Record-Route in order.
		croute := "Route: " + strings.Join(routeSet(inv), ", ")
		callerURI := fmt.Sprintf("sip:caller@127.0.0.1:%d", caller.Port())
		callee.Send(fmt.Sprintf("BYE %s SIP/2.0\nVia: SIP/2.0/TCP 127.0.0.1:LPORT;branch=z9hG4bK-cbye-%d\nFrom: <sip:callee@127.0.0.1>;tag=e%s\nTo: <sip:caller@127.0.0.1>;tag=c%d\nCall-ID: %s\nCSeq: 1 BYE\n%s\nMax-Forwards: 70\nContent-Length: 0\n\n", callerURI, i, callID, i, callID, croute))
		bye := caller.Recv(3 * time.Second)
		if !strings.HasPrefix(bye, "BYE ") {
			t.Fatalf("caller did not get the BYE: %q\n%s", bye, srv.Logs())
		}
		caller.Send(srv.Port, sipReply(bye, "200 OK", ""))
		if r := callee.RecvFinal(3 * time.Second); statusCode(r) != "200" {
			t.Fatalf("callee did not get the BYE's 200: %q\n%s", r, srv.Logs())
		}
	}
	if strings.Contains(srv.Logs(), "panic") {
		t.Errorf("server logged a panic:\n%s", srv.Logs())
	}
}

// mhomedCfg listens on two networks and record-routes every INVITE to
// the callee on the second one.
const mhomedCfg = `
log_level = 3
stderror_enabled = yes
udp_workers = 2
mhomed = MHOMED
socket = udp:10.10.0.1:5060
socket = udp:10.11.0.1:5060

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
		sl_send_reply(404, "Not here");
		exit;
	}
	record_route();
	$du = "sip:10.11.0.2:5062";
	t_relay();
}
`

// TestMhomedOutgoingSocket runs in a network namespace with addresses on
// two networks (10.10.0.0/24 for the caller, 10.11.0.0/24 for the
// callee): with mhomed=yes the INVITE leaves from the socket on the
// callee's network, as the kernel's route lookup says, and gets a double
// Record-Route; with mhomed=no it leaves from the first socket with one.
func TestMhomedOutgoingSocket(t *testing.T) {
	if os.Getenv("GOSIPS_IN_NETNS") == "" {
		runInNetns(t, "TestMhomedOutgoingSocket",
			"10.10.0.1/24", "10.10.0.2/24", "10.11.0.1/24", "10.11.0.2/24")
		return
	}
	for _, tc := range []struct {
		mhomed   string
		via      string
		rrCount  int
		rrTopArg string
	}{
		{"yes", "10.11.0.1", 2, "10.11.0.1"},
		{"no", "10.10.0.1", 1, "10.10.0.1"},
	} {
		t.Run("mhomed="+tc.mhomed, func(t *testing.T) {
			srv := startServerOn(t, strings.ReplaceAll(mhomedCfg, "MHOMED", tc.mhomed), 5060)
			caller := newUDPPeerOn(t, "10.10.0.2:5061")
			callee := newUDPPeerOn(t, "10.11.0.2:5062")
			caller.SendTo("10.10.0.1:5060", `INVITE sip:callee@10.10.0.1 SIP/2.0
Via: SIP/2.0/UDP 10.10.0.2:5061;branch=z9hG4bK-mh-`+tc.mhomed+`
From: <sip:caller@10.10.0.2>;tag=mh
To: <sip:callee@10.10.0.1>
Call-ID: mhomed-`+tc.mhomed+`
CSeq: 1 INVITE
Contact: <sip:caller@10.10.0.2:5061>
Max-Forwards: 70
Content-Length: 0

`)
			inv, from := callee.RecvFrom(3 * time.Second)
			if !strings.HasPrefix(inv, "INVITE ") {
				t.Fatalf("callee got no INVITE: %q\n%s", inv, srv.Logs())
			}
			if from != tc.via+":5060" {
				t.Errorf("INVITE came from %s, want %s:5060", from, tc.via)
			}
			if v := header(inv, "Via"); !strings.HasPrefix(v, "SIP/2.0/UDP "+tc.via+":5060;") && !strings.HasPrefix(v, "SIP/2.0/UDP "+tc.via+";") {
				t.Errorf("top Via %q, want our %s socket", v, tc.via)
			}
			rr := routeSet(inv)
			if len(rr) != tc.rrCount || !strings.Contains(rr[0], tc.rrTopArg) {
				t.Errorf("Record-Route %q, want %d header(s), the top one for %s", rr, tc.rrCount, tc.rrTopArg)
			}
			if tc.rrCount == 2 && (!strings.Contains(rr[1], "10.10.0.1") || !strings.Contains(rr[0], "r2=on")) {
				t.Errorf("Record-Route %q: want the inbound socket second, both with r2=on", rr)
			}
			callee.SendTo(from, sipReply(inv, "200 OK", "cal", "Contact: <sip:callee@10.11.0.2:5062>"))
			if r := caller.RecvFinal(3 * time.Second); statusCode(r) != "200" {
				t.Fatalf("caller got %q", r)
			}
		})
	}
}
