package sip

import (
	"net/netip"
	"testing"
)

func TestNotes(t *testing.T) {
	type keyA struct{}
	type keyB struct{}
	m := mustParse(t, "OPTIONS sip:a@example.com SIP/2.0\r\nVia: SIP/2.0/UDP 192.0.2.1;branch=z9hG4bK1\r\n"+
		"From: <sip:b@example.com>;tag=1\r\nTo: <sip:a@example.com>\r\nCall-ID: n1\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n")
	m.SetNote(keyA{}, 1)
	m.SetNote(keyB{}, "b")
	m.SetNote(keyA{}, 2)
	m.AppendHeader("X-Edit", "1")
	m.ApplyChanges()
	for _, tc := range []struct {
		key    any
		want   any
		wantOK bool
	}{{keyA{}, 2, true}, {keyB{}, "b", true}, {struct{}{}, nil, false}} {
		if v, ok := m.Note(tc.key); v != tc.want || ok != tc.wantOK {
			t.Errorf("Note(%T) = %v, %v; want %v, %v", tc.key, v, ok, tc.want, tc.wantOK)
		}
	}
	if _, ok := m.Clone().Note(keyA{}); ok {
		t.Error("Clone copied the notes")
	}
}

func TestCloneOwnsRecvInfo(t *testing.T) {
	m := mustParse(t, "OPTIONS sip:a@example.com SIP/2.0\r\nVia: SIP/2.0/UDP 192.0.2.1;branch=z9hG4bK1\r\n"+
		"From: <sip:b@example.com>;tag=1\r\nTo: <sip:a@example.com>\r\nCall-ID: n2\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n")
	m.rcvVal = RecvInfo{Proto: ProtoUDP, Src: netip.MustParseAddrPort("192.0.2.1:5060")}
	m.rcv = &m.rcvVal
	c := m.Clone()
	if c.Recv() == m.Recv() || *c.Recv() != *m.Recv() {
		t.Errorf("clone Recv = %p %+v, original %p %+v", c.Recv(), c.Recv(), m.Recv(), m.Recv())
	}
}
