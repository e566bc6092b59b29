package sip

import (
	"net/netip"
	"testing"
)

// AppendBranch writes what a clone with the same edits would, and leaves
// the message unchanged.
func TestAppendBranchMatchesClone(t *testing.T) {
	inv := crlf("INVITE sip:bob@example.org SIP/2.0\n" +
		"Via: SIP/2.0/UDP 10.0.0.9:5060;branch=z9hG4bK-1;rport\n" +
		"v: SIP/2.0/UDP 10.0.0.8;branch=z9hG4bK-0\n" +
		"Max-Forwards: 70\n" +
		"From: <sip:a@x>;tag=1\nTo: <sip:b@x>\nCall-ID: c1\nCSeq: 1 INVITE\n" +
		"Content-Type: application/sdp\nContent-Length: 5\n\nv=0\r\n")
	recv := &RecvInfo{Proto: ProtoUDP, Src: netip.MustParseAddrPort("192.0.2.1:5999")}
	via := FormatVia("UDP", "203.0.113.1", 5060, "z9hG4bKabc.0", false)
	tests := []struct {
		name  string
		recv  *RecvInfo
		edits func(m *Msg)
		be    BranchEdits
	}{
		{"via only", nil, nil, BranchEdits{Via: via}},
		{"received", recv, nil, BranchEdits{Via: via}},
		{"all", recv, nil, BranchEdits{Via: via, RURI: "sip:bob@198.51.100.2", Top: "Route: <sip:p1;lr>\r\n", Bottom: "X-B: 1\r\n"}},
		{"with script edits", recv, func(m *Msg) {
			m.InsertHeader("Record-Route", "<sip:rr;lr>")
			m.AppendHeader("X-S", "s")
			m.RemoveHeader("Max-Forwards")
			m.SetRURI("sip:script@example.org")
		}, BranchEdits{Via: via, Top: "Route: <sip:p2;lr>\r\n", Bottom: "X-B: 2\r\n"}},
		{"script uri kept", nil, func(m *Msg) { m.SetRURI("sip:script@example.org") }, BranchEdits{Via: via}},
		{"body edit", recv, func(m *Msg) { m.SetBody("v=1\r\nx\r\n", "application/sdp") }, BranchEdits{Via: via, RURI: "sip:c@d"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m := mustParse(t, inv)
			m.SetRecv(tc.recv)
			if tc.edits != nil {
				tc.edits(m)
			}
			before := string(m.Bytes())
			c := m.Clone()
			if tc.be.RURI != "" {
				c.SetRURI(tc.be.RURI)
			}
			if tc.be.Top != "" {
				c.InsertRaw(tc.be.Top)
			}
			if tc.be.Bottom != "" {
				c.AppendRaw(tc.be.Bottom)
			}
			c.SetVia(tc.be.Via)
			want := string(c.Bytes())
			got := string(m.AppendBranch(make([]byte, 0, m.BranchSizeHint(&tc.be)), &tc.be))
			if got != want {
				t.Fatalf("AppendBranch:\n%s\nclone:\n%s", got, want)
			}
			if after := string(m.Bytes()); after != before {
				t.Fatalf("message changed:\n%s", after)
			}
			if _, err := Parse([]byte(got)); err != nil {
				t.Fatalf("branch does not parse: %v", err)
			}
		})
	}
}
