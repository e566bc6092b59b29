package nathelper

import (
	"bytes"
	"log/slog"
	"strings"
	"testing"

	"gosips/api"
	"gosips/sip"
	"gosips/sip/siptest"
)

func ctxFor(msg *sip.Msg, logs *bytes.Buffer) *api.Ctx {
	return &api.Ctx{Msg: msg, Log: slog.New(slog.NewTextHandler(logs, nil))}
}

const invite = `INVITE sip:bob@example.com SIP/2.0
Via: SIP/2.0/UDP 192.168.1.10:5062;branch=z9hG4bK1
From: <sip:alice@example.com>;tag=1
To: <sip:bob@example.com>
Call-ID: c1
CSeq: 1 INVITE
Contact: <sip:alice@192.168.1.10:5062;transport=udp>;expires=60
Content-Type: application/sdp

BODY`

func msgWithBody(body string) *sip.Msg {
	s := strings.Replace(invite, "BODY", body, 1)
	return siptest.Parse(s, sip.ProtoUDP, "127.0.0.2:40000")
}

func TestFixNATedSDPMalformedLeavesMessage(t *testing.T) {
	m := New()
	for _, body := range []string{"v=0\r\nc=IN IPX zz\r\n", "garbage\r\n", "v=0\r\ns=-\r\n"} {
		msg := msgWithBody(body)
		var logs bytes.Buffer
		ret := m.fixNATedSDP(ctxFor(msg, &logs), []any{sdpFixMediaIP, nil, nil})
		if ret != api.RetFalse {
			t.Errorf("%q: ret %d, want -1", body, ret)
		}
		if msg.HasEdits() {
			t.Errorf("%q: message changed", body)
		}
		if !strings.Contains(logs.String(), "level=ERROR") {
			t.Errorf("%q: no error logged", body)
		}
	}
}

func TestFixNATedSDPUsesSource(t *testing.T) {
	m := New()
	msg := msgWithBody(offer)
	var logs bytes.Buffer
	if ret := m.fixNATedSDP(ctxFor(msg, &logs), []any{sdpFixMediaIP | sdpAddNoRTPProxy, nil, nil}); ret != api.RetTrue {
		t.Fatalf("ret %d: %s", ret, logs.String())
	}
	if b := msg.Body(); !strings.Contains(b, "c=IN IP4 127.0.0.2") || !strings.Contains(b, "a=nortpproxy:yes") {
		t.Errorf("body:\n%s", b)
	}
}

func TestFixNATedContact(t *testing.T) {
	m := New()
	msg := msgWithBody(offer)
	var logs bytes.Buffer
	c := ctxFor(msg, &logs)
	if ret := m.fixNATedContact(c, []any{nil}); ret != api.RetTrue {
		t.Fatalf("ret %d: %s", ret, logs.String())
	}
	cs, _, _ := msg.Contacts()
	if cs[0].URI != "sip:alice@127.0.0.2:40000;transport=udp" {
		t.Errorf("parsed contact %q", cs[0].URI)
	}
	out := string(msg.Bytes())
	if !strings.Contains(out, "Contact: <sip:alice@127.0.0.2:40000;transport=udp>;expires=60\r\n") {
		t.Errorf("message:\n%s", out)
	}
	if ret := m.fixNATedContact(c, []any{nil}); ret != api.RetFalse {
		t.Error("second fix_nated_contact accepted")
	}
}

func TestNATUACTest(t *testing.T) {
	m := New()
	for _, tc := range []struct {
		flags uint32
		want  api.Ret
	}{
		{testContact1918, api.RetTrue},
		{testViaRcvd, api.RetTrue},
		{testVia1918, api.RetTrue},
		{testSDP1918, api.RetTrue},
		{testViaRPort, api.RetTrue},
		{testContactRcvd, api.RetTrue},
		{testContactRPort, api.RetTrue},
		{testRFC6333, api.RetFalse},
	} {
		msg := msgWithBody(offer)
		var logs bytes.Buffer
		if got := m.natUACTest(ctxFor(msg, &logs), []any{tc.flags}); got != tc.want {
			t.Errorf("flags %d: %d, want %d", tc.flags, got, tc.want)
		}
	}
	// A public UA sending from the address it advertises passes no test.
	pub := strings.NewReplacer("192.168.1.10:5062", "127.0.0.2:40000", "192.168.1.10", "127.0.0.2").Replace(invite)
	pub = strings.Replace(pub, "BODY", "", 1)
	msg := siptest.Parse(pub, sip.ProtoUDP, "127.0.0.2:40000")
	var logs bytes.Buffer
	if got := m.natUACTest(ctxFor(msg, &logs), []any{testViaRcvd | testViaRPort | testContactRcvd | testContactRPort}); got != api.RetFalse {
		t.Errorf("public UA flagged as NATed")
	}
}
