package e2e

import (
	"fmt"
	"os"
	"strings"
	"testing"
	"time"
)

// TestResidentialPolicyExample runs examples/residential-policy.cfg: the
// domain table decides what is local, alias_db turns "sales" into bob,
// and group membership decides who may call an international number
// (sent to a gateway).
func TestResidentialPolicyExample(t *testing.T) {
	src, err := os.ReadFile("../examples/residential-policy.cfg")
	if err != nil {
		t.Fatal(err)
	}
	url, conn := newSQLiteDB(t, "domain", "dbaliases", "grp")
	addRow(t, conn, "domain", "domain", "example.com", "attrs", "residential")
	addRow(t, conn, "dbaliases", "alias_username", "sales", "alias_domain", "example.com", "username", "bob", "domain", "example.com")
	addRow(t, conn, "grp", "username", "carol", "domain", "example.com", "grp", "international")
	gw := newUDPClient(t)
	cfg := strings.NewReplacer("127.0.0.1:5060", "127.0.0.1:PORT", "sip:127.0.0.1:5090", fmt.Sprintf("sip:127.0.0.1:%d", gw.Port()),
		"sqlite:///var/lib/opensips/opensips.db", url).Replace(string(src))
	srv := startServer(t, cfg)

	bob := newUDPClient(t)
	bob.Send(srv.Port, `REGISTER sip:example.com SIP/2.0
Via: SIP/2.0/UDP 127.0.0.1:LPORT;branch=z9hG4bK-rp-reg1
Max-Forwards: 70
From: <sip:bob@example.com>;tag=r1
To: <sip:bob@example.com>
Call-ID: rp-reg-1
CSeq: 1 REGISTER
Contact: <sip:bob@127.0.0.1:LPORT>
Expires: 600
Content-Length: 0

`)
	if r := bob.RecvFinal(3 * time.Second); statusCode(r) != "200" {
		t.Fatalf("REGISTER: %s\n%s", r, srv.Logs())
	}

	invite := func(c *udpClient, from, to, id string) {
		c.Send(srv.Port, fmt.Sprintf(`INVITE sip:%s SIP/2.0
Via: SIP/2.0/UDP 127.0.0.1:LPORT;branch=z9hG4bK-rp-%s
Max-Forwards: 70
From: <sip:%s>;tag=%s
To: <sip:%s>
Call-ID: rp-%s
CSeq: 1 INVITE
Contact: <sip:caller@127.0.0.1:LPORT>
Content-Length: 0

`, to, id, from, id, to, id))
	}

	// An alias reaches the registered user behind it.
	alice := newUDPClient(t)
	invite(alice, "alice@example.com", "sales@example.com", "alias")
	got := bob.Recv(3 * time.Second)
	if !strings.HasPrefix(got, fmt.Sprintf("INVITE sip:bob@127.0.0.1:%d SIP/2.0", bob.Port())) {
		t.Fatalf("bob did not get the call to sales@:\n%s\n%s", got, srv.Logs())
	}

	// alice is not in "international": refused; carol is: sent to the gateway.
	invite(alice, "alice@example.com", "004912345@example.com", "intl-alice")
	if r := alice.RecvFinal(3 * time.Second); !strings.HasPrefix(r, "SIP/2.0 403 International Calls Not Allowed") {
		t.Errorf("alice calling abroad: %q", strings.SplitN(r, "\r\n", 2)[0])
	}
	carol := newUDPClient(t)
	invite(carol, "carol@example.com", "004912345@example.com", "intl-carol")
	if got := gw.Recv(3 * time.Second); !strings.HasPrefix(got, "INVITE sip:004912345@example.com SIP/2.0") {
		t.Errorf("the gateway did not get carol's call:\n%s", got)
	}

	// A foreign sender may not relay through us to a foreign domain.
	mallory := newUDPClient(t)
	invite(mallory, "mallory@evil.example.net", "x@elsewhere.example.org", "relay")
	if r := mallory.RecvFinal(3 * time.Second); !strings.HasPrefix(r, "SIP/2.0 403 Relaying Denied") {
		t.Errorf("relay attempt: %q", strings.SplitN(r, "\r\n", 2)[0])
	}
}
