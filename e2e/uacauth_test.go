package e2e

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

// uacAuthCfg relays every call to the UAS and answers its 401/407
// challenges with uac_auth(), the credentials coming from AVPs filled
// from the challenge with the $(<reply>...) context.
const uacAuthCfg = `
log_level = 3
stderror_enabled = yes
udp_workers = 2
socket = udp:127.0.0.1:PORT

loadmodule "proto_udp.so"
loadmodule "signaling.so"
loadmodule "sl.so"
loadmodule "tm.so"
loadmodule "rr.so"
loadmodule "sipmsgops.so"
loadmodule "uac_auth.so"
loadmodule "uac.so"

modparam("uac_auth", "auth_username_avp", "$avp(auser)")
modparam("uac_auth", "auth_realm_avp", "$avp(arealm)")
modparam("uac_auth", "auth_password_avp", "$avp(apass)")

route {
	if (has_totag()) {
		if (loose_route()) {
			t_on_failure("auth");
			t_relay();
			exit;
		}
		sl_send_reply(404, "Not here");
		exit;
	}
	record_route();
	$du = "sip:127.0.0.1:UAS";
	t_on_failure("auth");
	t_relay();
}

failure_route[auth] {
	if (t_check_status("401|407")) {
		$avp(arealm) = $(<reply>challenge.realm);
		$avp(auser) = "alice";
		$avp(apass) = "secret";
		xlog("L_NOTICE", "challenged by $(<reply>challenge.realm) for $(<request>rm) CSeq $(<request>cs)\n");
		if (uac_auth())
			t_relay();
	}
}
`

const uacRealm = "callee.test"

// uacChallenge is a 401 for req.
func uacChallenge(req, nonce string) string {
	return sipReply(req, "401 Unauthorized", "uas",
		fmt.Sprintf(`WWW-Authenticate: Digest realm="%s", nonce="%s", qop="auth", algorithm=MD5`, uacRealm, nonce))
}

// checkUACDigest verifies the Authorization of req against user alice,
// password secret, the nonce given and req's method.
func checkUACDigest(t *testing.T, req, nonce string) {
	t.Helper()
	hv := header(req, "Authorization")
	if hv == "" {
		t.Fatalf("no Authorization in the retried request:\n%s", req)
	}
	if n := len(headers(req, "Authorization")); n != 1 {
		t.Errorf("%d Authorization headers, want 1", n)
	}
	scheme, p := digestParams(hv)
	if scheme != "Digest" || p["username"] != "alice" || p["realm"] != uacRealm || p["nonce"] != nonce {
		t.Fatalf("Authorization %q: wrong scheme, username, realm or nonce", hv)
	}
	method, _, _ := strings.Cut(requestLine(req), " ")
	ha1 := md5hex("alice:" + uacRealm + ":secret")
	ha2 := md5hex(method + ":" + p["uri"])
	want := md5hex(ha1 + ":" + nonce + ":" + ha2)
	if p["qop"] != "" {
		want = md5hex(ha1 + ":" + nonce + ":" + p["nc"] + ":" + p["cnonce"] + ":" + p["qop"] + ":" + ha2)
	}
	if p["response"] != want {
		t.Errorf("Authorization %q: response %s, want %s", hv, p["response"], want)
	}
	ruri := strings.Fields(requestLine(req))[1]
	if p["uri"] != ruri {
		t.Errorf("digest uri %q, request-URI %q", p["uri"], ruri)
	}
}

// uacDialog holds what a test caller needs to send in-dialog requests.
type uacDialog struct {
	callID, ftag, ttag, target, route string
}

func (d *uacDialog) request(method string, cseq int, branch string) string {
	return fmt.Sprintf("%s %s SIP/2.0\nVia: SIP/2.0/UDP 127.0.0.1:LPORT;branch=z9hG4bK-%s\nFrom: <sip:caller@127.0.0.1>;tag=%s\nTo: <sip:callee@127.0.0.1>;tag=%s\nCall-ID: %s\nCSeq: %d %s\n%s\nMax-Forwards: 70\nContent-Length: 0\n\n",
		method, d.target, branch, d.ftag, d.ttag, d.callID, cseq, method, d.route)
}

func cseqOf(msg string) string { return header(msg, "CSeq") }

// TestUACAuthInvite: the callee challenges the INVITE with 401; the
// failure route reads the realm with $(<reply>challenge.realm), and
// uac_auth() + t_relay() send it again with valid credentials and CSeq+1.
// The caller sees the 200 with its own CSeq, and its ACK and BYE reach
// the callee with the CSeq shifted by one (OpenSIPS' cseq_offset Route
// parameter). With a wrong password the caller gets the callee's second
// 401 with one WWW-Authenticate.
func TestUACAuthInvite(t *testing.T) {
	uas := newUDPClient(t)
	srv := startServer(t, strings.ReplaceAll(uacAuthCfg, "UAS", fmt.Sprint(uas.Port())))
	caller := newUDPClient(t)
	caller.Send(srv.Port, fmt.Sprintf(`INVITE sip:callee@127.0.0.1:%d SIP/2.0
Via: SIP/2.0/UDP 127.0.0.1:LPORT;branch=z9hG4bK-ua-1
From: <sip:caller@127.0.0.1>;tag=ua1
To: <sip:callee@127.0.0.1>
Call-ID: uac-auth-1
CSeq: 1 INVITE
Contact: <sip:caller@127.0.0.1:LPORT>
Max-Forwards: 70
Content-Length: 0

`, srv.Port))
	inv := uas.Recv(3 * time.Second)
	if !strings.HasPrefix(inv, "INVITE ") {
		t.Fatalf("callee got no INVITE: %q\n%s", inv, srv.Logs())
	}
	uas.Send(srv.Port, uacChallenge(inv, "n1"))
	// The ACK for the 401 (hop by hop), then the new INVITE.
	var inv2 string
	for deadline := time.Now().Add(3 * time.Second); time.Now().Before(deadline); {
		m := uas.Recv(time.Until(deadline))
		if strings.HasPrefix(m, "INVITE ") {
			inv2 = m
			break
		}
	}
	if inv2 == "" {
		t.Fatalf("no authenticated INVITE:\n%s", srv.Logs())
	}
	checkUACDigest(t, inv2, "n1")
	if got := cseqOf(inv2); got != "2 INVITE" {
		t.Errorf("retried INVITE CSeq %q, want 2 INVITE", got)
	}
	if !eventually(2*time.Second, func() bool { return strings.Contains(srv.Logs(), "challenged by "+uacRealm+" for INVITE CSeq 1") }) {
		t.Errorf("failure_route did not read the reply and request contexts:\n%s", srv.Logs())
	}
	uas.Send(srv.Port, sipReply(inv2, "200 OK", "uas", fmt.Sprintf("Contact: <sip:callee@127.0.0.1:%d>", uas.Port())))
	ok := caller.RecvFinal(3 * time.Second)
	if statusCode(ok) != "200" {
		t.Fatalf("caller got %q", ok)
	}
	if got := cseqOf(ok); got != "1 INVITE" {
		t.Errorf("200 relayed to the caller with CSeq %q, want 1 INVITE", got)
	}
	d := &uacDialog{callID: "uac-auth-1", ftag: "ua1", ttag: "uas",
		target: fmt.Sprintf("sip:callee@127.0.0.1:%d", uas.Port()),
		route:  "Route: " + strings.Join(reversed(routeSet(ok)), ", ")}
	caller.Send(srv.Port, d.request("ACK", 1, "ua-ack"))
	ack := uas.Recv(3 * time.Second)
	if !strings.HasPrefix(ack, "ACK ") || cseqOf(ack) != "2 ACK" {
		t.Errorf("callee got ACK %q, want CSeq 2 ACK", cseqOf(ack))
	}
	caller.Send(srv.Port, d.request("BYE", 2, "ua-bye"))
	bye := uas.Recv(3 * time.Second)
	if !strings.HasPrefix(bye, "BYE ") || cseqOf(bye) != "3 BYE" {
		t.Fatalf("callee got BYE %q (CSeq %q), want CSeq 3 BYE", requestLine(bye), cseqOf(bye))
	}
	uas.Send(srv.Port, sipReply(bye, "200 OK", ""))
	if r := caller.RecvFinal(3 * time.Second); statusCode(r) != "200" || cseqOf(r) != "2 BYE" {
		t.Errorf("caller got %q CSeq %q for its BYE, want 200 with CSeq 2 BYE", statusCode(r), cseqOf(r))
	}

	// Wrong credentials: the callee challenges again and the caller gets
	// that 401, with its one WWW-Authenticate.
	caller.Send(srv.Port, fmt.Sprintf(`INVITE sip:callee@127.0.0.1:%d SIP/2.0
Via: SIP/2.0/UDP 127.0.0.1:LPORT;branch=z9hG4bK-ua-2
From: <sip:caller@127.0.0.1>;tag=ua2
To: <sip:callee@127.0.0.1>
Call-ID: uac-auth-2
CSeq: 1 INVITE
Contact: <sip:caller@127.0.0.1:LPORT>
Max-Forwards: 70
Content-Length: 0

`, srv.Port))
	n := 0
	for deadline := time.Now().Add(3 * time.Second); time.Now().Before(deadline) && n < 2; {
		m := uas.Recv(time.Until(deadline))
		if strings.HasPrefix(m, "INVITE ") {
			n++
			uas.Send(srv.Port, uacChallenge(m, fmt.Sprintf("m%d", n)))
		}
	}
	r := caller.RecvFinal(3 * time.Second)
	if statusCode(r) != "401" {
		t.Fatalf("caller got %q, want the 401", r)
	}
	if w := headers(r, "WWW-Authenticate"); len(w) != 1 {
		t.Errorf("401 relayed with %d WWW-Authenticate headers, want 1: %q", len(w), w)
	}
	if got := cseqOf(r); got != "1 INVITE" {
		t.Errorf("401 relayed with CSeq %q, want 1 INVITE", got)
	}
}

// TestUACAuthSequential: the callee challenges requests inside the
// dialog (a re-INVITE, then the BYE). Each is sent again with credentials
// and CSeq+1, the caller gets the final reply with its own CSeq, and
// without the dialog module the caller's other requests keep their CSeq
// (OpenSIPS only shifts the dialog when the initial INVITE was
// challenged), still matched and relayed.
func TestUACAuthSequential(t *testing.T) {
	uas := newUDPClient(t)
	srv := startServer(t, strings.ReplaceAll(uacAuthCfg, "UAS", fmt.Sprint(uas.Port())))
	caller := newUDPClient(t)
	caller.Send(srv.Port, fmt.Sprintf(`INVITE sip:callee@127.0.0.1:%d SIP/2.0
Via: SIP/2.0/UDP 127.0.0.1:LPORT;branch=z9hG4bK-us-1
From: <sip:caller@127.0.0.1>;tag=us1
To: <sip:callee@127.0.0.1>
Call-ID: uac-auth-seq
CSeq: 1 INVITE
Contact: <sip:caller@127.0.0.1:LPORT>
Max-Forwards: 70
Content-Length: 0

`, srv.Port))
	inv := uas.Recv(3 * time.Second)
	if !strings.HasPrefix(inv, "INVITE ") {
		t.Fatalf("callee got no INVITE: %q\n%s", inv, srv.Logs())
	}
	uas.Send(srv.Port, sipReply(inv, "200 OK", "uas", fmt.Sprintf("Contact: <sip:callee@127.0.0.1:%d>", uas.Port())))
	ok := caller.RecvFinal(3 * time.Second)
	if statusCode(ok) != "200" {
		t.Fatalf("caller got %q", ok)
	}
	d := &uacDialog{callID: "uac-auth-seq", ftag: "us1", ttag: "uas",
		target: fmt.Sprintf("sip:callee@127.0.0.1:%d", uas.Port()),
		route:  "Route: " + strings.Join(reversed(routeSet(ok)), ", ")}
	caller.Send(srv.Port, d.request("ACK", 1, "us-ack1"))
	if ack := uas.Recv(3 * time.Second); cseqOf(ack) != "1 ACK" {
		t.Fatalf("callee got %q, want the ACK with CSeq 1", requestLine(ack))
	}
	// challenged sends method with cseq, answers the callee's 401 and
	// returns the authenticated request the callee gets.
	challenged := func(method string, cseq int, nonce string) string {
		t.Helper()
		caller.Send(srv.Port, d.request(method, cseq, fmt.Sprintf("us-%s-%d", method, cseq)))
		first := uas.Recv(3 * time.Second)
		if !strings.HasPrefix(first, method+" ") || cseqOf(first) != fmt.Sprintf("%d %s", cseq, method) {
			t.Fatalf("callee got %q CSeq %q, want %s with CSeq %d", requestLine(first), cseqOf(first), method, cseq)
		}
		uas.Send(srv.Port, uacChallenge(first, nonce))
		for deadline := time.Now().Add(3 * time.Second); time.Now().Before(deadline); {
			m := uas.Recv(time.Until(deadline))
			if strings.HasPrefix(m, method+" ") {
				checkUACDigest(t, m, nonce)
				if got, want := cseqOf(m), fmt.Sprintf("%d %s", cseq+1, method); got != want {
					t.Errorf("authenticated %s has CSeq %q, want %q", method, got, want)
				}
				uas.Send(srv.Port, sipReply(m, "200 OK", ""))
				r := caller.RecvFinal(3 * time.Second)
				if statusCode(r) != "200" || cseqOf(r) != fmt.Sprintf("%d %s", cseq, method) {
					t.Errorf("caller got %q with CSeq %q for its %s, want 200 with CSeq %d", statusCode(r), cseqOf(r), method, cseq)
				}
				return m
			}
		}
		t.Fatalf("no authenticated %s:\n%s", method, srv.Logs())
		return ""
	}
	challenged("INVITE", 2, "r1")
	caller.Send(srv.Port, d.request("ACK", 2, "us-ack2"))
	if ack := uas.Recv(3 * time.Second); cseqOf(ack) != "2 ACK" {
		t.Errorf("callee got %q CSeq %q, want the ACK with CSeq 2", requestLine(ack), cseqOf(ack))
	}
	challenged("BYE", 3, "b1")
	if strings.Contains(srv.Logs(), "panic") {
		t.Errorf("server logged a panic:\n%s", srv.Logs())
	}
}
