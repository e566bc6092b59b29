package sip

import (
	"strings"
	"testing"
)

func TestNewBranch(t *testing.T) {
	seen := map[string]bool{}
	for range 1000 {
		b := NewBranch()
		if !strings.HasPrefix(b, MagicCookie) || len(b) != len(MagicCookie)+16 {
			t.Fatalf("branch %q", b)
		}
		if seen[b] {
			t.Fatalf("duplicate branch %q", b)
		}
		seen[b] = true
	}
}

func txMsg(t *testing.T, method, branch, cseqMethod, toTag string) *Msg {
	t.Helper()
	to := "<sip:b@example.com>"
	if toTag != "" {
		to += ";tag=" + toTag
	}
	return mustParse(t, crlf(method+" sip:b@example.com SIP/2.0\nVia: SIP/2.0/UDP 10.0.0.1:5060;branch="+branch+
		"\nFrom: <sip:a@example.com>;tag=f1\nTo: "+to+"\nCall-ID: tx-1\nCSeq: 7 "+cseqMethod+"\nContent-Length: 0\n\n"))
}

func TestTxKeys(t *testing.T) {
	inv := txMsg(t, "INVITE", "z9hG4bKabc", "INVITE", "")
	ack := txMsg(t, "ACK", "z9hG4bKabc", "ACK", "totag")
	cancel := txMsg(t, "CANCEL", "z9hG4bKabc", "CANCEL", "")
	other := txMsg(t, "INVITE", "z9hG4bKother", "INVITE", "")

	ki, _ := ServerTxKey(inv)
	ka, _ := ServerTxKey(ack)
	kc, _ := ServerTxKey(cancel)
	ko, _ := ServerTxKey(other)
	kt, _ := CancelTargetKey(cancel)
	if ki != ka {
		t.Errorf("ACK key %+v != INVITE key %+v", ka, ki)
	}
	if kc == ki {
		t.Error("CANCEL shares the INVITE transaction key")
	}
	if kt != ki {
		t.Errorf("CancelTargetKey %+v != INVITE key %+v", kt, ki)
	}
	if ko == ki {
		t.Error("different branches give the same key")
	}
	// RFC 2543 fallback: no magic cookie.
	old := txMsg(t, "INVITE", "1234", "INVITE", "")
	oldAck := txMsg(t, "ACK", "1234", "ACK", "totag")
	k1, _ := ServerTxKey(old)
	k2, _ := ServerTxKey(oldAck)
	if k1.Legacy == "" || k1 != k2 {
		t.Errorf("legacy keys %+v / %+v", k1, k2)
	}
	// Client side: the reply's key equals the request's.
	r := NewReply(inv, 180, "", "t")
	kr, _ := ClientTxKey(r)
	kq, _ := ClientTxKey(inv)
	if kr != kq || kr.Method != "INVITE" {
		t.Errorf("client keys %+v / %+v", kr, kq)
	}
}

func TestStatelessBranch(t *testing.T) {
	a := txMsg(t, "INVITE", "z9hG4bKabc", "INVITE", "")
	b := txMsg(t, "INVITE", "z9hG4bKabc", "INVITE", "")
	c := txMsg(t, "INVITE", "z9hG4bKxyz", "INVITE", "")
	if StatelessBranch(a, 0) != StatelessBranch(b, 0) {
		t.Error("retransmission gets a different branch")
	}
	if StatelessBranch(a, 0) == StatelessBranch(c, 0) || StatelessBranch(a, 0) == StatelessBranch(a, 1) {
		t.Error("branches collide")
	}
	if !strings.HasPrefix(StatelessBranch(a, 0), MagicCookie) {
		t.Error("no magic cookie")
	}
}

// A bare magic cookie is no transaction id: two different requests with
// branch=z9hG4bK get different keys (RFC 2543 matching).
func TestBareCookieBranch(t *testing.T) {
	mk := func(callID string) *Msg {
		m, err := ParseString("OPTIONS sip:user@example.com SIP/2.0\r\nVia: SIP/2.0/UDP 192.0.2.1;branch=z9hG4bK\r\nTo: <sip:user@example.com>\r\nFrom: <sip:caller@example.net>;tag=1\r\nCall-ID: " + callID + "\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n")
		if err != nil {
			t.Fatal(err)
		}
		return m
	}
	a, _ := ServerTxKey(mk("a"))
	b, _ := ServerTxKey(mk("b"))
	if a == b {
		t.Errorf("two requests with a bare z9hG4bK branch share the key %+v", a)
	}
	if IsRFC3261Branch("z9hG4bK") || !IsRFC3261Branch("z9hG4bKx") {
		t.Error("IsRFC3261Branch")
	}
}
