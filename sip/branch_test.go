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
		{"all", recv, nil, BranchEdits{Via: via, RURI: "sip:bob@198.51.100.2", Route: "Route: <sip:p1;lr>\r\n", Bottom: "X-B: 1\r\n"}},
		{"with script edits", recv, func(m *Msg) {
			m.InsertHeader("Record-Route", "<sip:rr;lr>")
			m.AppendHeader("X-S", "s")
			m.RemoveHeader("Max-Forwards")
			m.SetRURI("sip:script@example.org")
		}, BranchEdits{Via: via, Route: "Route: <sip:p2;lr>\r\n", Bottom: "X-B: 2\r\n"}},
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
			if tc.be.Route != "" {
				c.ensure()
				at := c.pathRoutePos()
				c.ReplaceRange(at, at, tc.be.Route)
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

// A branch's headers are where OpenSIPS' lumps put them: the script's
// top insertions first, our Via right above the top Via (which need not
// be the first header), a Path's Route before the first Route or else
// after the last Via.
func TestAppendBranchHeaderOrder(t *testing.T) {
	via := FormatVia("UDP", "203.0.113.1", 5060, "z9hG4bKabc.0", false)
	tests := []struct {
		name, in, want string
	}{
		{"via not first",
			"Max-Forwards: 70\nVia: SIP/2.0/UDP 10.0.0.9;branch=z9hG4bK-1\nv: SIP/2.0/UDP 10.0.0.8;branch=z9hG4bK-0\nFrom: <sip:a@x>;tag=1\n",
			"Record-Route: <sip:rr;lr>\nX-Top: 1\nMax-Forwards: 70\nVia: SIP/2.0/UDP 203.0.113.1:5060;branch=z9hG4bKabc.0\n" +
				"Via: SIP/2.0/UDP 10.0.0.9;branch=z9hG4bK-1\nv: SIP/2.0/UDP 10.0.0.8;branch=z9hG4bK-0\nRoute: <sip:path;lr>\nFrom: <sip:a@x>;tag=1\n"},
		{"path before route",
			"Via: SIP/2.0/UDP 10.0.0.9;branch=z9hG4bK-1\nFrom: <sip:a@x>;tag=1\nRoute: <sip:r1;lr>\n",
			"Record-Route: <sip:rr;lr>\nX-Top: 1\nVia: SIP/2.0/UDP 203.0.113.1:5060;branch=z9hG4bKabc.0\nVia: SIP/2.0/UDP 10.0.0.9;branch=z9hG4bK-1\n" +
				"From: <sip:a@x>;tag=1\nRoute: <sip:path;lr>\nRoute: <sip:r1;lr>\n"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tail := "To: <sip:b@x>\nCall-ID: c1\nCSeq: 1 INVITE\nContent-Length: 0\n\n"
			m := mustParse(t, crlf("INVITE sip:b@x SIP/2.0\n"+tc.in+tail))
			m.AddRecordRoute("<sip:rr;lr>")
			m.InsertHeader("X-Top", "1")
			be := BranchEdits{Via: via, Route: "Route: <sip:path;lr>\r\n"}
			got := string(m.AppendBranch(nil, &be))
			if want := crlf("INVITE sip:b@x SIP/2.0\n" + tc.want + tail); got != want {
				t.Errorf("got:\n%s\nwant:\n%s", got, want)
			}
		})
	}
}
