package nathelper

import (
	"bytes"
	"testing"
)

func BenchmarkFixSDP(b *testing.B) {
	o := SDPFixOptions{Flags: sdpFixMediaIP | sdpFixOriginIP | sdpAddNoRTPProxy, IP: "203.0.113.7", NoRTPProxy: "a=nortpproxy:yes"}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := FixSDP(offer, o); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkNATUACTest(b *testing.B) {
	m := New()
	msg := msgWithBody(offer)
	var logs bytes.Buffer
	c := ctxFor(msg, &logs)
	args := []any{testContact1918 | testViaRcvd | testSDP1918 | testContactRPort}
	b.ReportAllocs()
	for b.Loop() {
		m.natUACTest(c, args)
	}
}
