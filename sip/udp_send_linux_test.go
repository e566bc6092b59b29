//go:build linux

package sip

import (
	"net"
	"net/netip"
	"testing"

	"gosips/internal/testenv"
)

// TestRawSend checks the direct sendto path for each socket family,
// including IPv4 peers of a dual-stack socket (sent as mapped addresses).
func TestRawSend(t *testing.T) {
	for _, tc := range []struct {
		name, listen, client, via string
	}{
		{"v4", "127.0.0.1", "127.0.0.1", "UDP 127.0.0.1;rport"},
		{"v6", "::1", "::1", "UDP [::1];rport"},
		{"dual-stack v4 peer", "::", "127.0.0.1", "UDP 127.0.0.1;rport"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var tr *Transport
			tr = NewTransport(Config{UDPWorkers: 1, OnMessage: func(m *Msg, rcv *RecvInfo) {
				_ = tr.SendReply(m, AppendReply(nil, m, &ReplySpec{Code: 200, ToTag: "raw"}))
			}})
			defer tr.Close()
			s, err := tr.Listen(Socket{Proto: ProtoUDP, IP: tc.listen})
			if err != nil {
				testenv.Missing(t, "listen on "+tc.listen, err.Error())
			}
			l, _ := tr.pick(Dest{Proto: ProtoUDP, Socket: s})
			if l == nil || !l.raw.ok {
				t.Fatal("direct send not set up")
			}
			c, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.ParseIP(tc.client)})
			if err != nil {
				testenv.Missing(t, "client socket on "+tc.client, err.Error())
			}
			defer c.Close()
			dst := &net.UDPAddr{IP: net.ParseIP(tc.client), Port: s.Port}
			if _, err := c.WriteToUDP([]byte(request("OPTIONS", tc.via, "raw-"+tc.name)), dst); err != nil {
				t.Fatal(err)
			}
			if r := readUDP(t, c); r.StatusCode() != 200 || r.ToTag() != "raw" {
				t.Errorf("reply:\n%s", r.String())
			}
		})
	}
}

// TestSendAfterClose checks that a closed transport refuses to send
// rather than writing to a descriptor number that may be reused.
func TestSendAfterClose(t *testing.T) {
	tr := NewTransport(Config{UDPWorkers: 1})
	s, err := tr.Listen(Socket{Proto: ProtoUDP, IP: "127.0.0.1"})
	if err != nil {
		t.Fatal(err)
	}
	tr.Close()
	d := Dest{Proto: ProtoUDP, Addr: netip.AddrPortFrom(netip.MustParseAddr("127.0.0.1"), uint16(s.Port))}
	if err := tr.Send(d, []byte("x")); err == nil {
		t.Fatal("send after Close succeeded")
	}
}
