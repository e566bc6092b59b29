package sip

import "testing"

func TestLookupHdr(t *testing.T) {
	tests := []struct {
		name string
		want Hdr
	}{
		{"Via", HdrVia}, {"v", HdrVia}, {"V", HdrVia}, {"VIA", HdrVia},
		{"f", HdrFrom}, {"t", HdrTo}, {"i", HdrCallID}, {"call-id", HdrCallID},
		{"m", HdrContact}, {"l", HdrContentLength}, {"c", HdrContentType},
		{"k", HdrSupported}, {"s", HdrSubject}, {"e", HdrContentEncoding},
		{"o", HdrEvent}, {"r", HdrReferTo}, {"b", HdrReferredBy}, {"u", HdrAllowEvents},
		{"x", HdrSessionExpires}, {"a", HdrAcceptContact}, {"j", HdrRejectContact},
		{"d", HdrRequestDisposition}, {"y", HdrIdentity},
		{"Record-Route", HdrRecordRoute}, {"P-Asserted-Identity", HdrPAssertedIdentity},
		{"Max-Forwards", HdrMaxForwards}, {"WWW-Authenticate", HdrWWWAuthenticate},
		{"X-Custom", HdrOther}, {"", HdrOther}, {"z", HdrOther}, {"1", HdrOther},
		{"Call\rID", HdrOther}, {"Very-Long-Header-Name-Beyond-Index", HdrOther},
	}
	for _, tt := range tests {
		if got := LookupHdr(tt.name); got != tt.want {
			t.Errorf("LookupHdr(%q) = %v, want %v", tt.name, got, tt.want)
		}
	}
	for h := HdrVia; h < hdrCount; h++ {
		if LookupHdr(h.String()) != h {
			t.Errorf("round trip of %v", h)
		}
	}
	if CanonicalName("i") != "Call-ID" || CanonicalName("X-A") != "X-A" {
		t.Error("CanonicalName")
	}
}

func TestLookupMethod(t *testing.T) {
	if LookupMethod("INVITE") != MethodInvite || LookupMethod("invite") != MethodInvite || LookupMethod("FOO") != MethodOther {
		t.Error("LookupMethod")
	}
	m := mustParse(t, crlf("invite sip:a@b SIP/2.0\nVia: SIP/2.0/UDP h;branch=z9hG4bK1\nFrom: <sip:a@b>;tag=1\nTo: <sip:a@b>\nCall-ID: x\nCSeq: 1 invite\n\n"))
	if m.MethodID() != MethodOther {
		t.Error("lower-case method treated as INVITE")
	}
}
