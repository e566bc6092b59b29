package e2e

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

// tmCancelCfg relays calls to UAS; CANCELs for user "custom" get their
// Reason from t_add_cancel_reason.
const tmCancelCfg = `
log_level = 3
socket = udp:127.0.0.1:PORT
loadmodule "proto_udp.so"
loadmodule "sl.so"
loadmodule "tm.so"
loadmodule "sipmsgops.so"
route {
	if (is_method("CANCEL")) {
		if ($rU == "custom")
			t_add_cancel_reason("Reason: SIP ;cause=600 ;text=\"Busy Everywhere\"\r\n");
		t_relay();
		exit;
	}
	if (is_method("ACK")) {
		t_check_trans();
		exit;
	}
	t_relay("udp:127.0.0.1:UASPORT");
}
`

// TestTMCancelReason checks the Reason header of the CANCEL gosips sends
// downstream when the caller cancels: t_add_cancel_reason's when set,
// else OpenSIPS 3.6's ORIGINATOR_CANCEL.
func TestTMCancelReason(t *testing.T) {
	for _, tc := range []struct{ user, want string }{
		{"custom", `Reason: SIP ;cause=600 ;text="Busy Everywhere"`},
		{"plain", `Reason: SIP;cause=487;text="ORIGINATOR_CANCEL"`},
	} {
		t.Run(tc.user, func(t *testing.T) {
			uas, wait := startSippUAS(t, "uas_ring_cancel.xml")
			srv := startServer(t, strings.ReplaceAll(tmCancelCfg, "UASPORT", fmt.Sprint(uas)))
			res := runSipp(t, "uac_cancel.xml", srv.Port, "-s", tc.user)
			if res.Exit != 0 {
				t.Fatalf("caller failed (exit %d):\n%s\n%s", res.Exit, res.Output, srv.Logs())
			}
			u := wait()
			if u.Exit != 0 {
				t.Fatalf("callee failed (exit %d):\n%s", u.Exit, u.Output)
			}
			cancel := tmSippMessage(u.Messages, "CANCEL ")
			if got := header(cancel, "Reason"); "Reason: "+got != tc.want {
				t.Errorf("CANCEL Reason %q, want %q:\n%s", got, tc.want, cancel)
			}
		})
	}
}

// tmSippMessage returns the first message of a sipp -trace_msg log that
// starts with prefix.
func tmSippMessage(log, prefix string) string {
	for _, m := range strings.Split(log, "----------------------------------------------- ") {
		if i := strings.Index(m, prefix); i >= 0 {
			return m[i:]
		}
	}
	return ""
}

// tmParkCfg parks INVITEs with a 180, as the t_reply_by_callid example of
// OpenSIPS 3.6: a CANCEL or BYE ends the parked INVITE with a 487.
const tmParkCfg = `
log_level = 3
socket = udp:127.0.0.1:PORT
loadmodule "proto_udp.so"
loadmodule "sl.so"
loadmodule "tm.so"
loadmodule "sipmsgops.so"
route {
	if (is_method("INVITE")) {
		t_reply(180, "Ringing");
		exit;
	}
	if (is_method("CANCEL")) {
		if (!t_reply_by_callid(487, "Request Terminated"))
			sl_send_reply(481, "Call Leg/Transaction Does Not Exist");
		else
			sl_send_reply(200, "OK");
		exit;
	}
	if (is_method("BYE")) {
		$var(prev_cseq) = $cs - 1;
		if (!t_reply_by_callid(486, "Busy Here", $ci, $var(prev_cseq)))
			sl_send_reply(481, "Call Leg/Transaction Does Not Exist");
		else
			sl_send_reply(200, "OK");
		exit;
	}
	if (is_method("ACK")) {
		t_check_trans();
		exit;
	}
}
`

// TestTMReplyByCallID parks a call and ends it from the CANCEL (default
// Call-ID and CSeq) and from a BYE (explicit Call-ID and CSeq - 1); an
// unknown call gets the script's 481.
func TestTMReplyByCallID(t *testing.T) {
	srv := startServer(t, tmParkCfg)
	res := runSipp(t, "tm_park_cancel_uac.xml", srv.Port, "-s", "park")
	if res.Exit != 0 {
		t.Fatalf("caller failed (exit %d):\n%s\n%s", res.Exit, res.Output, srv.Logs())
	}
	if inv := tmSippMessage(res.Messages, "SIP/2.0 487"); !strings.Contains(inv, "CSeq: 1 INVITE") {
		t.Errorf("487 not on the INVITE:\n%s", inv)
	}

	c := newUDPClient(t)
	req := func(method string, cseq int, callid string) string {
		return fmt.Sprintf("%s sip:park@127.0.0.1:%d SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:%d;branch=z9hG4bK-rbc-%s-%d\r\n"+
			"Max-Forwards: 70\r\nFrom: <sip:a@127.0.0.1>;tag=rbc\r\nTo: <sip:park@127.0.0.1>\r\nCall-ID: %s\r\n"+
			"CSeq: %d %s\r\nContent-Length: 0\r\n\r\n", method, srv.Port, c.Port(), callid, cseq, callid, cseq, method)
	}
	c.Send(srv.Port, req("INVITE", 7, "rbc-bye"))
	if r := c.Recv(3 * time.Second); statusCode(r) != "180" {
		t.Fatalf("INVITE: %q", r)
	}
	c.Send(srv.Port, req("BYE", 8, "rbc-bye"))
	got := map[string]string{}
	for i := 0; i < 2; i++ {
		r := c.Recv(3 * time.Second)
		got[header(r, "CSeq")] = statusCode(r)
	}
	if got["7 INVITE"] != "486" || got["8 BYE"] != "200" {
		t.Errorf("replies by CSeq %v, want 7 INVITE 486 and 8 BYE 200", got)
	}
	c.Send(srv.Port, req("CANCEL", 1, "rbc-none"))
	if r := c.Recv(3 * time.Second); statusCode(r) != "481" {
		t.Errorf("CANCEL of an unknown call: %q", r)
	}
}

// tmBranchAttrCfg forks to two callees, tags each branch with an
// attribute in branch_route and, when both fail, names the branches
// t_get_branch_idx_by_attr finds in the reason phrase.
const tmBranchAttrCfg = `
log_level = 3
socket = udp:127.0.0.1:PORT
loadmodule "proto_udp.so"
loadmodule "sl.so"
loadmodule "tm.so"
loadmodule "sipmsgops.so"
route {
	if (is_method("ACK")) {
		t_check_trans();
		exit;
	}
	$ru = "sip:a@127.0.0.1:UASONE";
	append_msg_branch("sip:b@127.0.0.1:UASTWO");
	t_on_branch("tag");
	t_on_failure("find");
	t_relay();
}
branch_route[tag] {
	if ($rU == "b") {
		$tm.branch.attr(kind) = "pstn";
		$tm.branch.attr(prio) = 7;
	} else {
		$tm.branch.attr(kind) = "sip";
	}
}
failure_route[find] {
	$var(r) = "";
	if (t_get_branch_idx_by_attr("kind", "pstn", , $var(i)))
		$var(r) = $var(r) + " pstn=" + $var(i);
	if (t_get_branch_idx_by_attr("kind", , , $var(i)))
		$var(r) = $var(r) + " any=" + $var(i);
	if (t_get_branch_idx_by_attr("kind", , , $var(i), 1))
		$var(r) = $var(r) + " from1=" + $var(i);
	if (t_get_branch_idx_by_attr("prio", , 7, $var(i)))
		$var(r) = $var(r) + " prio=" + $var(i);
	if (!t_get_branch_idx_by_attr("kind", "gsm"))
		$var(r) = $var(r) + " nogsm";
	t_reply(480, "Found$var(r)");
}
`

// TestTMBranchIdxByAttr finds branches by attribute in failure_route: by
// string value, by name only (from the start and from an offset), by
// integer value, and a value no branch has.
func TestTMBranchIdxByAttr(t *testing.T) {
	one, waitOne := startSippUAS(t, "uas_busy.xml")
	two, waitTwo := startSippUAS(t, "uas_busy.xml")
	cfg := strings.NewReplacer("UASONE", fmt.Sprint(one), "UASTWO", fmt.Sprint(two)).Replace(tmBranchAttrCfg)
	srv := startServer(t, cfg)
	c := newUDPClient(t)
	c.Send(srv.Port, fmt.Sprintf("INVITE sip:x@127.0.0.1:%d SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:%d;branch=z9hG4bK-attr1\r\n"+
		"Max-Forwards: 70\r\nFrom: <sip:a@127.0.0.1>;tag=attr\r\nTo: <sip:x@127.0.0.1>\r\nCall-ID: tm-attr-1\r\n"+
		"CSeq: 1 INVITE\r\nContent-Length: 0\r\n\r\n", srv.Port, c.Port()))
	r := c.RecvFinal(10 * time.Second)
	want := "SIP/2.0 480 Found pstn=1 any=0 from1=1 prio=1 nogsm"
	if line, _, _ := strings.Cut(r, "\r\n"); line != want {
		t.Errorf("final reply %q, want %q\n%s", line, want, srv.Logs())
	}
	c.Send(srv.Port, fmt.Sprintf("ACK sip:x@127.0.0.1:%d SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:%d;branch=z9hG4bK-attr1\r\n"+
		"Max-Forwards: 70\r\nFrom: <sip:a@127.0.0.1>;tag=attr\r\nTo: %s\r\nCall-ID: tm-attr-1\r\n"+
		"CSeq: 1 ACK\r\nContent-Length: 0\r\n\r\n", srv.Port, c.Port(), header(r, "To")))
	for _, w := range []func() sippResult{waitOne, waitTwo} {
		if u := w(); u.Exit != 0 {
			t.Errorf("callee failed (exit %d):\n%s", u.Exit, u.Output)
		}
	}
}

// tmNewRequestCfg sends a MESSAGE with t_new_request when an OPTIONS
// arrives; local_route shows the context AVP in a header.
const tmNewRequestCfg = `
log_level = 3
socket = udp:127.0.0.1:PORT
loadmodule "proto_udp.so"
loadmodule "sl.so"
loadmodule "tm.so"
loadmodule "sipmsgops.so"
route {
	if (is_method("OPTIONS")) {
		if (t_new_request("MESSAGE", "sip:alice@127.0.0.1:UASPORT", "BOB sip:userB@mydomain.net",
				"ALICE sip:userA@mydomain.net", "text/plain Hello Alice!", "ctx-$ci"))
			sl_send_reply(200, "Sent");
		else
			sl_send_reply(500, "Not Sent");
		exit;
	}
}
local_route {
	append_hf("X-Ctx: $avp(uac_ctx)\r\n");
}
`

// TestTMNewRequest checks the request t_new_request sends on the wire:
// method, R-URI, From/To with display names, a From tag, Content-Type and
// body split from the body argument, and the context AVP in local_route.
func TestTMNewRequest(t *testing.T) {
	uas, wait := startSippUAS(t, "uas_ok.xml")
	srv := startServer(t, strings.ReplaceAll(tmNewRequestCfg, "UASPORT", fmt.Sprint(uas)))
	c := newUDPClient(t)
	c.Send(srv.Port, fmt.Sprintf("OPTIONS sip:x@127.0.0.1:%d SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:%d;branch=z9hG4bK-newreq\r\n"+
		"Max-Forwards: 70\r\nFrom: <sip:a@127.0.0.1>;tag=nr\r\nTo: <sip:x@127.0.0.1>\r\nCall-ID: newreq-1\r\n"+
		"CSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n", srv.Port, c.Port()))
	if r := c.Recv(3 * time.Second); statusCode(r) != "200" {
		t.Fatalf("OPTIONS: %q\n%s", r, srv.Logs())
	}
	u := wait()
	if u.Exit != 0 {
		t.Fatalf("callee failed (exit %d):\n%s\n%s", u.Exit, u.Output, srv.Logs())
	}
	m := tmSippMessage(u.Messages, "MESSAGE ")
	if line, _, _ := strings.Cut(m, "\n"); strings.TrimSpace(line) != fmt.Sprintf("MESSAGE sip:alice@127.0.0.1:%d SIP/2.0", uas) {
		t.Errorf("request line %q", line)
	}
	from := header(m, "From")
	if !strings.HasPrefix(from, "BOB <sip:userB@mydomain.net>;tag=") {
		t.Errorf("From %q", from)
	}
	for name, want := range map[string]string{
		"To": "ALICE <sip:userA@mydomain.net>", "Content-Type": "text/plain", "X-Ctx": "ctx-newreq-1",
		"Content-Length": "12", "CSeq": "1 MESSAGE",
	} {
		if got := header(m, name); got != want {
			t.Errorf("%s %q, want %q", name, got, want)
		}
	}
	if !strings.Contains(m, "\r\n\r\nHello Alice!") && !strings.Contains(m, "\n\nHello Alice!") {
		t.Errorf("body missing:\n%s", m)
	}
}
