package e2e

import (
	"os"
	"strings"
	"testing"
	"time"
)

// TestExampleConfig runs examples/opensips.cfg (on a free port): a user
// registers, a call to it is relayed to the registered contact, an unknown
// user gets 404.
func TestExampleConfig(t *testing.T) {
	src, err := os.ReadFile("../examples/opensips.cfg")
	if err != nil {
		t.Fatal(err)
	}
	cfg := strings.ReplaceAll(string(src), "127.0.0.1:5060", "127.0.0.1:PORT")
	srv := startServer(t, cfg)

	bob := newUDPClient(t)
	bob.Send(srv.Port, `REGISTER sip:127.0.0.1 SIP/2.0
Via: SIP/2.0/UDP 127.0.0.1:LPORT;branch=z9hG4bK-ex-reg1
Max-Forwards: 70
From: <sip:bob@127.0.0.1>;tag=r1
To: <sip:bob@127.0.0.1>
Call-ID: ex-reg-1
CSeq: 1 REGISTER
Contact: <sip:bob@127.0.0.1:LPORT>
Expires: 600
Content-Length: 0

`)
	r := bob.RecvFinal(3 * time.Second)
	if statusCode(r) != "200" {
		t.Fatalf("REGISTER: want 200, got:\n%s", r)
	}
	if !strings.Contains(header(r, "Contact"), "expires=") {
		t.Errorf("200 OK does not list the contact with its expires:\n%s", r)
	}

	alice := newUDPClient(t)
	alice.Send(srv.Port, `INVITE sip:bob@127.0.0.1 SIP/2.0
Via: SIP/2.0/UDP 127.0.0.1:LPORT;branch=z9hG4bK-ex-inv1
Max-Forwards: 70
From: <sip:alice@127.0.0.1>;tag=a1
To: <sip:bob@127.0.0.1>
Call-ID: ex-call-1
CSeq: 1 INVITE
Contact: <sip:alice@127.0.0.1:LPORT>
Content-Length: 0

`)
	inv := bob.Recv(3 * time.Second)
	if !strings.HasPrefix(inv, "INVITE sip:bob@127.0.0.1:") {
		t.Fatalf("the registered contact did not get the INVITE:\n%s\nlogs:\n%s", inv, srv.Logs())
	}
	if len(headers(inv, "Via")) < 2 || len(headers(inv, "Record-Route")) < 1 {
		t.Errorf("relayed INVITE lacks our Via or Record-Route:\n%s", inv)
	}
	if got := header(inv, "Max-Forwards"); got != "69" {
		t.Errorf("Max-Forwards %q, want 69", got)
	}

	alice.Send(srv.Port, `INVITE sip:nobody@127.0.0.1 SIP/2.0
Via: SIP/2.0/UDP 127.0.0.1:LPORT;branch=z9hG4bK-ex-inv2
Max-Forwards: 70
From: <sip:alice@127.0.0.1>;tag=a2
To: <sip:nobody@127.0.0.1>
Call-ID: ex-call-2
CSeq: 1 INVITE
Content-Length: 0

`)
	if r := alice.RecvFinal(3 * time.Second); statusCode(r) != "404" {
		t.Fatalf("unknown user: want 404, got:\n%s", r)
	}
}
