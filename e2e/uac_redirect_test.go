package e2e

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

const redirectCfg = `
log_level = 3
stderror_enabled = yes
socket = udp:127.0.0.1:PORT

loadmodule "proto_udp.so"
loadmodule "signaling.so"
loadmodule "sl.so"
loadmodule "tm.so"
loadmodule "sipmsgops.so"
loadmodule "uac_redirect.so"

route {
	if (is_method("ACK")) {
		t_check_trans();
		exit;
	}
	t_on_failure("redirect");
	$du = "sip:127.0.0.1:FIRST";
	t_relay();
}

failure_route[redirect] {
	set_deny_filter("DENIED", "");
	if (get_redirects(2))
		t_relay();
}
`

// redirectReply answers a request with a 302 listing contacts.
func redirectReply(req string, contacts string) string {
	var b strings.Builder
	b.WriteString("SIP/2.0 302 Moved Temporarily\r\n")
	for _, line := range strings.Split(req, "\r\n") {
		name, _, _ := strings.Cut(line, ":")
		switch strings.ToLower(name) {
		case "via", "from", "call-id", "cseq":
			b.WriteString(line + "\r\n")
		case "to":
			b.WriteString(line + ";tag=rd1\r\n")
		}
	}
	b.WriteString("Contact: " + contacts + "\r\nContent-Length: 0\r\n\r\n")
	return b.String()
}

func TestUACRedirectBranches(t *testing.T) {
	first, second, third := newUDPClient(t), newUDPClient(t), newUDPClient(t)
	srv := startServer(t, strings.ReplaceAll(redirectCfg, "FIRST", fmt.Sprint(first.Port())))
	caller := newUDPClient(t)
	caller.Send(srv.Port, "INVITE sip:bob@127.0.0.1 SIP/2.0\nVia: SIP/2.0/UDP 127.0.0.1:LPORT;branch=z9hG4bK-rd1\n"+
		"From: <sip:alice@127.0.0.1>;tag=a1\nTo: <sip:bob@127.0.0.1>\nCall-ID: rd-1\nCSeq: 1 INVITE\nMax-Forwards: 70\nContent-Length: 0\n\n")
	inv := first.Recv(3 * time.Second)
	if !strings.HasPrefix(inv, "INVITE ") {
		t.Fatalf("first hop got:\n%s\n%s", inv, srv.Logs())
	}
	first.SendRaw(srv.Port, []byte(redirectReply(inv, fmt.Sprintf(
		"<sip:bob@127.0.0.1:%d>;q=0.5, <sip:DENIED@127.0.0.1:%d>;q=0.9, <sip:carol@127.0.0.1:%d>;q=0.7",
		second.Port(), third.Port(), third.Port()))))
	// The denied contact is filtered out; the others are tried, best q first.
	got3 := third.Recv(3 * time.Second)
	got2 := second.Recv(3 * time.Second)
	if !strings.HasPrefix(got3, fmt.Sprintf("INVITE sip:carol@127.0.0.1:%d SIP/2.0", third.Port())) {
		t.Errorf("carol's contact did not get the INVITE:\n%s", got3)
	}
	if !strings.HasPrefix(got2, fmt.Sprintf("INVITE sip:bob@127.0.0.1:%d SIP/2.0", second.Port())) {
		t.Errorf("bob's contact did not get the INVITE:\n%s", got2)
	}
	if extra := third.Recv(300 * time.Millisecond); strings.Contains(extra, "DENIED") {
		t.Errorf("the denied contact was used:\n%s", extra)
	}
}

// TestUACRedirectEveryBranch: a parallel fork whose two branches both
// answer 302; get_redirects(4, 1) takes the best contact of each 3xx
// branch, not only of the reply the failure route sees.
func TestUACRedirectEveryBranch(t *testing.T) {
	first, second, third, fourth := newUDPClient(t), newUDPClient(t), newUDPClient(t), newUDPClient(t)
	cfg := strings.NewReplacer("FIRST", fmt.Sprint(first.Port()), "SECOND", fmt.Sprint(second.Port())).Replace(`
log_level = 3
stderror_enabled = yes
socket = udp:127.0.0.1:PORT
loadmodule "proto_udp.so"
loadmodule "signaling.so"
loadmodule "sl.so"
loadmodule "tm.so"
loadmodule "sipmsgops.so"
loadmodule "uac_redirect.so"
route {
	if (is_method("ACK")) {
		t_check_trans();
		exit;
	}
	t_on_failure("redirect");
	$ru = "sip:first@127.0.0.1:FIRST";
	append_branch("sip:second@127.0.0.1:SECOND");
	t_relay();
}
failure_route[redirect] {
	if (get_redirects(4, 1))
		t_relay();
}
`)
	srv := startServer(t, cfg)
	caller := newUDPClient(t)
	caller.Send(srv.Port, "INVITE sip:bob@127.0.0.1 SIP/2.0\nVia: SIP/2.0/UDP 127.0.0.1:LPORT;branch=z9hG4bK-rd2\n"+
		"From: <sip:alice@127.0.0.1>;tag=a2\nTo: <sip:bob@127.0.0.1>\nCall-ID: rd-2\nCSeq: 1 INVITE\nMax-Forwards: 70\nContent-Length: 0\n\n")
	inv1, inv2 := first.Recv(3*time.Second), second.Recv(3*time.Second)
	if !strings.HasPrefix(inv1, "INVITE ") || !strings.HasPrefix(inv2, "INVITE ") {
		t.Fatalf("the fork did not reach both:\n%s\n%s\n%s", inv1, inv2, srv.Logs())
	}
	first.SendRaw(srv.Port, []byte(redirectReply(inv1, fmt.Sprintf(
		"<sip:carol@127.0.0.1:%d>;q=0.9, <sip:carol-low@127.0.0.1:%d>;q=0.1", third.Port(), third.Port()))))
	second.SendRaw(srv.Port, []byte(redirectReply(inv2, fmt.Sprintf(
		"<sip:dave-low@127.0.0.1:%d>;q=0.2, <sip:dave@127.0.0.1:%d>;q=0.8", fourth.Port(), fourth.Port()))))
	got3, got4 := third.Recv(3*time.Second), fourth.Recv(3*time.Second)
	if !strings.HasPrefix(got3, fmt.Sprintf("INVITE sip:carol@127.0.0.1:%d SIP/2.0", third.Port())) {
		t.Errorf("the first branch's best contact did not get the INVITE:\n%s\n%s", got3, srv.Logs())
	}
	if !strings.HasPrefix(got4, fmt.Sprintf("INVITE sip:dave@127.0.0.1:%d SIP/2.0", fourth.Port())) {
		t.Errorf("the second branch's best contact did not get the INVITE:\n%s\n%s", got4, srv.Logs())
	}
	for _, c := range []*udpClient{third, fourth} {
		if extra := c.Recv(300 * time.Millisecond); strings.Contains(extra, "-low@") {
			t.Errorf("max_branch 1 exceeded:\n%s", extra)
		}
	}
}
