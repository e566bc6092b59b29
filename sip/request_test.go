package sip

import (
	"errors"
	"strings"
	"testing"
)

func TestNewRequest(t *testing.T) {
	m, err := NewRequest(&RequestSpec{
		Method: "REGISTER", RURI: "sip:registrar.example.com",
		From: "<sip:acc@example.com>;tag=r1", To: "<sip:acc@example.com>", CallID: "reg-1", CSeq: 3,
		Headers: "Contact: <sip:acc@192.0.2.1>\r\nExpires: 3600\r\n",
	})
	if err != nil {
		t.Fatal(err)
	}
	if m.Method() != "REGISTER" || m.CallID() != "reg-1" || m.FromTag() != "r1" {
		t.Errorf("request:\n%s", m.String())
	}
	if mf, _ := m.MaxForwards(); mf != 70 {
		t.Errorf("Max-Forwards = %d", mf)
	}
	if e, _ := m.Expires(); e != 3600 {
		t.Errorf("Expires = %d", e)
	}
	// The Via is added at send time.
	m.SetVia(FormatVia("UDP", "192.0.2.1", 5060, "z9hG4bKr", true))
	out, err := Parse(m.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	if v, _ := out.TopVia(); v.Branch != "z9hG4bKr" {
		t.Errorf("Via = %+v", v)
	}
	if _, err := NewRequest(&RequestSpec{Method: "BAD METHOD", RURI: "sip:x"}); err == nil {
		t.Error("bad method accepted")
	}
}

func TestNewCancelAndAck(t *testing.T) {
	inv := mustParse(t, crlf(`INVITE sip:bob@192.0.2.4 SIP/2.0
Via: SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bKinv1, SIP/2.0/UDP 10.0.0.9;branch=z9hG4bKup
Route: <sip:p1.example.com;lr>
Max-Forwards: 69
From: <sip:alice@example.com>;tag=a1
To: <sip:bob@example.com>
Call-ID: cancel-1
CSeq: 42 INVITE
Contact: <sip:alice@10.0.0.9>
Content-Type: application/sdp
Content-Length: 4

v=0
`))
	c, err := NewCancel(inv, "")
	if err != nil {
		t.Fatal(err)
	}
	vias, _ := c.Vias()
	num, meth, _ := c.CSeq()
	if c.Method() != "CANCEL" || c.RURI() != "sip:bob@192.0.2.4" || len(vias) != 1 || vias[0].Branch != "z9hG4bKinv1" ||
		num != 42 || meth != "CANCEL" || c.CallID() != "cancel-1" || c.FromTag() != "a1" || c.Body() != "" {
		t.Errorf("CANCEL:\n%s", c.String())
	}
	if rs, _ := c.Routes(); len(rs) != 1 {
		t.Errorf("CANCEL routes = %v", rs)
	}
	if strings.Contains(c.String(), "Contact") {
		t.Error("CANCEL carries Contact")
	}
	// The CANCEL matches the INVITE's transaction.
	ki, _ := ClientTxKey(inv)
	kc, _ := CancelTargetKey(c)
	if ki.Branch != kc.Branch || kc.Method != "INVITE" {
		t.Errorf("keys %+v / %+v", ki, kc)
	}

	reply := NewReply(inv, 486, "", "b9")
	a, err := NewAck(inv, reply, "")
	if err != nil {
		t.Fatal(err)
	}
	num, meth, _ = a.CSeq()
	if a.Method() != "ACK" || a.ToTag() != "b9" || num != 42 || meth != "ACK" {
		t.Errorf("ACK:\n%s", a.String())
	}
	if _, err := NewCancel(reply, ""); !errors.Is(err, ErrNotRequest) {
		t.Errorf("NewCancel(reply) = %v", err)
	}
}

// The extra lines (Reason, User-Agent) of a CANCEL or ACK go before
// Content-Length, in OpenSIPS' header order for the requests tm builds.
func TestHopRequestExtraOrder(t *testing.T) {
	inv := mustParse(t, crlf("INVITE sip:bob@192.0.2.4 SIP/2.0\n"+
		"Via: SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bKinv1\nRoute: <sip:p1;lr>\nMax-Forwards: 69\n"+
		"From: <sip:a@x>;tag=a1\nTo: <sip:b@x>\nCall-ID: c1\nCSeq: 7 INVITE\nContent-Length: 0\n\n"))
	c, err := NewCancel(inv, "Reason: SIP;cause=200;text=\"Call completed elsewhere\"\r\nUser-Agent: gosips\r\n")
	if err != nil {
		t.Fatal(err)
	}
	want := crlf("CANCEL sip:bob@192.0.2.4 SIP/2.0\nVia: SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bKinv1\n" +
		"From: <sip:a@x>;tag=a1\nCall-ID: c1\nTo: <sip:b@x>\nCSeq: 7 CANCEL\nMax-Forwards: 70\nRoute: <sip:p1;lr>\n" +
		"Reason: SIP;cause=200;text=\"Call completed elsewhere\"\nUser-Agent: gosips\nContent-Length: 0\n\n")
	if c.String() != want {
		t.Errorf("CANCEL:\n%s\nwant:\n%s", c.String(), want)
	}
	a, err := NewAck(inv, NewReply(inv, 486, "", "t9"), "User-Agent: gosips\r\n")
	if err != nil {
		t.Fatal(err)
	}
	if s := a.String(); !strings.HasSuffix(s, "Route: <sip:p1;lr>\r\nUser-Agent: gosips\r\nContent-Length: 0\r\n\r\n") {
		t.Errorf("ACK:\n%s", s)
	}
}
