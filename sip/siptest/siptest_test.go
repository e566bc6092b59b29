package siptest

import (
	"testing"

	"gosips/sip"
)

func TestRecorder(t *testing.T) {
	req := Parse(`OPTIONS sip:x@127.0.0.1 SIP/2.0
Via: SIP/2.0/UDP 10.0.0.1;branch=z9hG4bK1;rport
From: <sip:a@b>;tag=1
To: <sip:x@127.0.0.1>
Call-ID: rec-1
CSeq: 1 OPTIONS
Content-Length: 99

body
`, sip.ProtoUDP, "10.0.0.1:5070")
	if req.Body() != "body\r\n" {
		t.Errorf("Body = %q", req.Body())
	}
	var r Recorder
	if err := r.SendReply(req, sip.AppendReply(nil, req, &sip.ReplySpec{Code: 200, ToTag: "t"})); err != nil {
		t.Fatal(err)
	}
	if err := r.Send(sip.Dest{Proto: sip.ProtoUDP}, req.Bytes()); err != nil {
		t.Fatal(err)
	}
	sent := r.Sent()
	if len(sent) != 2 || !sent[0].Reply || sent[0].Msg.StatusCode() != 200 || sent[0].Dest.Addr.String() != "10.0.0.1:5070" {
		t.Fatalf("sent = %+v", sent)
	}
	if sent[1].Reply || sent[1].Msg.CallID() != "rec-1" {
		t.Errorf("second = %+v", sent[1])
	}
	if s, _ := r.PickSocket(sip.Dest{}); s.Port != 5060 {
		t.Errorf("PickSocket = %v", s)
	}
	r.Reset()
	if len(r.Sent()) != 0 {
		t.Error("Reset kept messages")
	}
}
