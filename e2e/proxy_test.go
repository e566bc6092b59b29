package e2e

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

// proxyCfg is a stateful record-routing proxy. Requests for user "busy"
// and "silent" go to UAS1 first and fail over to UAS2 in failure_route.
const proxyCfg = `
log_level = 3
xlog_level = 3
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

modparam("tm", "fr_timeout", 2)
modparam("tm", "fr_inv_timeout", 3)

route {
	if (!mf_process_maxfwd_header(10)) {
		sl_send_reply(483, "Too Many Hops");
		exit;
	}
	if (is_method("OPTIONS") && $rU == "ping") {
		sl_send_reply(200, "OK");
		exit;
	}
	if (has_totag()) {
		if (loose_route()) {
			t_relay();
			exit;
		}
		if (is_method("ACK")) {
			if (t_check_trans())
				t_relay();
			exit;
		}
		sl_send_reply(404, "Not here");
		exit;
	}
	if (is_method("CANCEL")) {
		if (t_check_trans())
			t_relay();
		exit;
	}
	t_check_trans();
	record_route();
	if ($rU == "busy" || $rU == "silent") {
		t_on_failure("next");
	}
	$du = "sip:127.0.0.1:UAS1";
	if ($(hdr(X-Transport)) == "tcp") {
		$du = "sip:127.0.0.1:UAS1;transport=tcp";
	}
	route(relay);
}

route[relay] {
	if (!t_relay()) {
		send_reply(500, "Relay Failed");
	}
	exit;
}

failure_route[next] {
	if (t_was_cancelled()) {
		exit;
	}
	xlog("L_NOTICE", "failure_route: branch failed with $T_reply_code\n");
	if (t_check_status("486|408")) {
		$du = "sip:127.0.0.1:UAS2";
		t_relay();
		exit;
	}
}
`

func proxyWith(t *testing.T, uas1, uas2 int) *server {
	return proxyWith2(t, proxyCfg, uas1, uas2)
}

// proxyWith2 starts a variant of proxyCfg.
func proxyWith2(t *testing.T, cfg string, uas1, uas2 int) *server {
	cfg = strings.ReplaceAll(cfg, "UAS1", fmt.Sprint(uas1))
	cfg = strings.ReplaceAll(cfg, "UAS2", fmt.Sprint(uas2))
	return startServer(t, cfg)
}

func TestStatelessReply(t *testing.T) {
	needSipp(t)
	srv := proxyWith(t, 1, 1)
	res := runSipp(t, "uac_options.xml", srv.Port, "-s", "ping")
	if res.Exit != 0 {
		t.Fatalf("sipp exit %d:\n%s", res.Exit, res.Output)
	}
	// Precise checks with a raw client.
	c := newUDPClient(t)
	c.Send(srv.Port, `OPTIONS sip:ping@127.0.0.1 SIP/2.0
Via: SIP/2.0/UDP 127.0.0.1:LPORT;branch=z9hG4bK-e2e-1
From: <sip:a@127.0.0.1>;tag=abc
To: <sip:ping@127.0.0.1>
Call-ID: e2e-stateless-1
CSeq: 7 OPTIONS
Max-Forwards: 70
Content-Length: 0

`)
	r := c.Recv(3 * time.Second)
	if statusCode(r) != "200" {
		t.Fatalf("want 200, got:\n%s", r)
	}
	if header(r, "Call-ID") != "e2e-stateless-1" || header(r, "CSeq") != "7 OPTIONS" {
		t.Errorf("Call-ID/CSeq not copied:\n%s", r)
	}
	if !strings.Contains(header(r, "To"), ";tag=") {
		t.Errorf("reply To has no tag:\n%s", r)
	}
	if !strings.Contains(header(r, "Via"), "branch=z9hG4bK-e2e-1") {
		t.Errorf("reply Via does not carry the request's branch:\n%s", r)
	}
	if header(r, "Content-Length") != "0" {
		t.Errorf("Content-Length %q", header(r, "Content-Length"))
	}
}

func TestMaxForwardsZero(t *testing.T) {
	srv := proxyWith(t, 1, 1)
	c := newUDPClient(t)
	c.Send(srv.Port, `INVITE sip:bob@127.0.0.1 SIP/2.0
Via: SIP/2.0/UDP 127.0.0.1:LPORT;branch=z9hG4bK-mf0
From: <sip:a@127.0.0.1>;tag=abc
To: <sip:bob@127.0.0.1>
Call-ID: e2e-mf0
CSeq: 1 INVITE
Max-Forwards: 0
Content-Length: 0

`)
	r := c.RecvFinal(3 * time.Second)
	if statusCode(r) != "483" {
		t.Fatalf("want 483, got:\n%s", r)
	}
	if !strings.Contains(r, "Too Many Hops") {
		t.Errorf("reason phrase missing:\n%s", r)
	}
}

func TestMalformedRequest(t *testing.T) {
	srv := proxyWith(t, 1, 1)
	c := newUDPClient(t)
	// A CSeq that is not a number: parseable enough to answer.
	c.Send(srv.Port, `OPTIONS sip:ping@127.0.0.1 SIP/2.0
Via: SIP/2.0/UDP 127.0.0.1:LPORT;branch=z9hG4bK-bad1
From: <sip:a@127.0.0.1>;tag=abc
To: <sip:ping@127.0.0.1>
Call-ID: e2e-bad-1
CSeq: abc OPTIONS
Max-Forwards: 70
Content-Length: 0

`)
	r := c.Recv(3 * time.Second)
	if r != "" && statusCode(r) != "400" {
		t.Fatalf("want 400 or nothing, got:\n%s", r)
	}
	// Garbage: dropped and logged.
	c.SendRaw(srv.Port, []byte("\x00\x01garbage that is not SIP\r\n\r\n"))
	if r := c.Recv(500 * time.Millisecond); r != "" {
		t.Errorf("garbage got an answer:\n%s", r)
	}
	// The server still answers.
	c.Send(srv.Port, `OPTIONS sip:ping@127.0.0.1 SIP/2.0
Via: SIP/2.0/UDP 127.0.0.1:LPORT;branch=z9hG4bK-bad2
From: <sip:a@127.0.0.1>;tag=abc
To: <sip:ping@127.0.0.1>
Call-ID: e2e-bad-2
CSeq: 1 OPTIONS
Max-Forwards: 70
Content-Length: 0

`)
	if r := c.Recv(3 * time.Second); statusCode(r) != "200" {
		t.Fatalf("server stopped answering after malformed input:\n%s\nlogs:\n%s", r, srv.Logs())
	}
	if !strings.Contains(srv.Logs(), "malformed") {
		t.Errorf("malformed message not logged:\n%s", srv.Logs())
	}
}

func TestFullCallThroughProxy(t *testing.T) {
	uas, wait := startSippUAS(t, "uas_call.xml")
	srv := proxyWith(t, uas, uas)
	res := runSipp(t, "uac_call.xml", srv.Port, "-s", "bob")
	if res.Exit != 0 {
		t.Fatalf("caller failed (exit %d):\n%s", res.Exit, res.Output)
	}
	if u := wait(); u.Exit != 0 {
		t.Fatalf("callee failed (exit %d):\n%s", u.Exit, u.Output)
	}
}

func TestFailureRouteSerialForkOnBusy(t *testing.T) {
	busy, waitBusy := startSippUAS(t, "uas_busy.xml")
	ok, waitOK := startSippUAS(t, "uas_call.xml")
	srv := proxyWith(t, busy, ok)
	res := runSipp(t, "uac_call.xml", srv.Port, "-s", "busy")
	if res.Exit != 0 {
		t.Fatalf("caller failed (exit %d):\n%s", res.Exit, res.Output)
	}
	if u := waitBusy(); u.Exit != 0 {
		t.Errorf("busy callee failed:\n%s", u.Output)
	}
	if u := waitOK(); u.Exit != 0 {
		t.Errorf("second callee failed:\n%s", u.Output)
	}
	if !strings.Contains(srv.Logs(), "failure_route: branch failed with 486") {
		t.Errorf("failure_route did not see 486:\n%s", srv.Logs())
	}
}

func TestFailureRouteOnTimeout(t *testing.T) {
	silent, _ := startSippUAS(t, "uas_silent.xml")
	ok, waitOK := startSippUAS(t, "uas_call.xml")
	srv := proxyWith(t, silent, ok)
	res := runSipp(t, "uac_call.xml", srv.Port, "-s", "silent")
	if res.Exit != 0 {
		t.Fatalf("caller failed (exit %d):\n%s", res.Exit, res.Output)
	}
	if u := waitOK(); u.Exit != 0 {
		t.Errorf("second callee failed:\n%s", u.Output)
	}
	if !strings.Contains(srv.Logs(), "failure_route: branch failed with 408") {
		t.Errorf("failure_route did not see 408:\n%s", srv.Logs())
	}
}

func TestTimeoutGives408(t *testing.T) {
	silent, _ := startSippUAS(t, "uas_silent.xml")
	srv := proxyWith(t, silent, silent)
	c := newUDPClient(t)
	c.Send(srv.Port, `INVITE sip:nobody@127.0.0.1 SIP/2.0
Via: SIP/2.0/UDP 127.0.0.1:LPORT;branch=z9hG4bK-to1
From: <sip:a@127.0.0.1>;tag=abc
To: <sip:nobody@127.0.0.1>
Call-ID: e2e-timeout-1
CSeq: 1 INVITE
Max-Forwards: 70
Content-Length: 0

`)
	r := c.RecvFinal(10 * time.Second)
	if statusCode(r) != "408" {
		t.Fatalf("want 408, got:\n%s\nlogs:\n%s", r, srv.Logs())
	}
}

func TestCancelBeforeAnswer(t *testing.T) {
	uas, wait := startSippUAS(t, "uas_ring_cancel.xml")
	srv := proxyWith(t, uas, uas)
	res := runSipp(t, "uac_cancel.xml", srv.Port, "-s", "bob")
	if res.Exit != 0 {
		t.Fatalf("caller failed (exit %d):\n%s", res.Exit, res.Output)
	}
	if u := wait(); u.Exit != 0 {
		t.Fatalf("callee failed (exit %d):\n%s", u.Exit, u.Output)
	}
}

func TestTCPCall(t *testing.T) {
	uas, wait := startSippUAS(t, "uas_call.xml", "-t", "t1")
	srv := proxyWith(t, uas, uas)
	res := runSipp(t, "uac_call_tcp.xml", srv.Port, "-s", "bob", "-t", "t1")
	if res.Exit != 0 {
		t.Fatalf("caller failed (exit %d):\n%s", res.Exit, res.Output)
	}
	if u := wait(); u.Exit != 0 {
		t.Fatalf("callee failed (exit %d):\n%s", u.Exit, u.Output)
	}
}
