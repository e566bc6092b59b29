package sip

import (
	"strings"
	"testing"
)

func TestAccessors(t *testing.T) {
	m, err := Parse(readMsgFile(t, "valid", "reply.sip"))
	if err != nil {
		t.Fatal(err)
	}
	if m.FirstLine() != "SIP/2.0 200 OK" || m.Reason() != "OK" || m.Version() != "SIP/2.0" || m.MethodID() != MethodInvite {
		t.Errorf("first line %q reason %q version %q method %v", m.FirstLine(), m.Reason(), m.Version(), m.MethodID())
	}
	if m.ContentType() != "application/sdp" {
		t.Errorf("ContentType = %q", m.ContentType())
	}
	fs := m.Fields()
	if len(fs) != m.HeaderCount() || fs[0].Name != "Via" || fs[0].Type != HdrVia || fs[0].IsCompact() {
		t.Errorf("Fields[0] = %+v", fs[0])
	}
	for i, f := range fs {
		if f != m.Field(i) {
			t.Errorf("Field(%d) = %+v, want %+v", i, m.Field(i), f)
		}
		if got := m.String()[f.VStart:f.VEnd]; got != f.Value {
			t.Errorf("field %d value span %q != %q", i, got, f.Value)
		}
		if !strings.HasSuffix(m.String()[f.Start:f.End], "\r\n") {
			t.Errorf("field %d line span %q", i, m.String()[f.Start:f.End])
		}
	}
	if got := m.String()[m.BodyStart():]; got != m.Body() || m.String()[m.HeadersEnd():m.BodyStart()] != "\r\n" {
		t.Errorf("body span %q", got)
	}
	rr, err := m.RecordRoutes()
	if err != nil || len(rr) != 2 || rr[1].URI != "sip:p2.example.com;lr" {
		t.Errorf("RecordRoutes = %+v %v", rr, err)
	}
	v, _ := m.TopVia()
	if r, ok := v.Param("received"); !ok || r != "192.0.2.3" {
		t.Errorf("Via received = %q", r)
	}

	req := mustParse(t, crlf(editBase))
	if req.RURIChanged() {
		t.Error("RURIChanged before SetRURI")
	}
	req.SetRURI("sip:x@y")
	if !req.RURIChanged() || req.RURI() != "sip:x@y" || req.OrigRURI() != "sip:bob@example.com" {
		t.Errorf("RURI %q orig %q", req.RURI(), req.OrigRURI())
	}
	req.ResetRURI()
	if req.RURIChanged() || req.RURI() != "sip:bob@example.com" || req.HasEdits() {
		t.Errorf("after ResetRURI: %q", req.RURI())
	}
	u, _ := ParseURI("sip:a@[::1]:5070")
	if u.HostPort() != "[::1]:5070" || u.HostNoBrackets() != "::1" {
		t.Errorf("HostPort %q", u.HostPort())
	}
	if StatusText(404) != "Not Found" || StatusText(799) != "" {
		t.Error("StatusText")
	}
	if ProtoTCP.ViaName() != "TCP" || ParseProto("WSS") != ProtoWSS || ProtoUDP.Reliable() || !ProtoTLS.Reliable() {
		t.Error("Proto helpers")
	}
	s := Socket{Proto: ProtoUDP, IP: "10.0.0.1", Port: 5060}
	if s.AdvertisedHost() != "10.0.0.1" || s.AdvertisedPort() != 5060 {
		t.Error("advertised defaults")
	}
	s.AdvHost, s.AdvPort = "1.2.3.4", 5080
	if s.AdvertisedHost() != "1.2.3.4" || s.AdvertisedPort() != 5080 {
		t.Error("advertised override")
	}
}

func TestSipgoAdapters(t *testing.T) {
	m := mustParse(t, crlf(editBase))
	m.AppendHeader("X-Added", "yes")
	sm, err := ToSipgo(m)
	if err != nil {
		t.Fatal(err)
	}
	if hs := sm.GetHeaders("X-Added"); len(hs) != 1 || hs[0].Value() != "yes" {
		t.Errorf("sipgo X-Added = %v", hs)
	}
	back, err := FromSipgo(sm)
	if err != nil {
		t.Fatal(err)
	}
	if back.CallID() != "edit-1" || back.Body() != "hello" {
		t.Errorf("round trip:\n%s", back.String())
	}
}
