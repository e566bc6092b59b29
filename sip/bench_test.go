package sip

import (
	"net"
	"net/netip"
	"testing"
	"time"

	sipgo "github.com/emiago/sipgo/sip"
)

var benchFiles = []struct{ name, file string }{
	{"INVITE", "invite.sip"},
	{"REGISTER", "register.sip"},
	{"OPTIONS", "options.sip"},
}

// BenchmarkSIPParse compares Parse with sipgo's parser on the same input.
// Both copy the datagram first, as a UDP reader must.
func BenchmarkSIPParse(b *testing.B) {
	for _, f := range benchFiles {
		raw := readMsgFile(b, "valid", f.file)
		b.Run(f.name+"/gosips", func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(raw)))
			cpu := startCPU()
			for b.Loop() {
				buf := make([]byte, len(raw))
				copy(buf, raw)
				if _, err := Parse(buf); err != nil {
					b.Fatal(err)
				}
			}
			cpu.report(b)
		})
		b.Run(f.name+"/gosips+access", func(b *testing.B) {
			// Parse plus the typed lookups a script does for most requests.
			b.ReportAllocs()
			for b.Loop() {
				buf := make([]byte, len(raw))
				copy(buf, raw)
				m, err := Parse(buf)
				if err != nil {
					b.Fatal(err)
				}
				_, _ = m.TopVia()
				_, _ = m.From()
				_, _ = m.To()
				_ = m.CallID()
				_, _ = m.MaxForwards()
				_, _ = ParseURI(m.RURI())
			}
		})
		b.Run(f.name+"/sipgo", func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(raw)))
			p := sipgo.NewParser()
			cpu := startCPU()
			for b.Loop() {
				buf := make([]byte, len(raw))
				copy(buf, raw)
				if _, err := p.ParseSIP(buf); err != nil {
					b.Fatal(err)
				}
			}
			cpu.report(b)
		})
	}
}

func BenchmarkReply(b *testing.B) {
	raw := readMsgFile(b, "valid", "options.sip")
	req, err := Parse(raw)
	if err != nil {
		b.Fatal(err)
	}
	req.SetRecv(&RecvInfo{Proto: ProtoUDP, Src: netip.MustParseAddrPort("192.0.2.7:5062")})
	b.Run("NewReply", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			r := NewReply(req, 200, "", "abc123")
			_ = r.Bytes()
		}
	})
	b.Run("AppendReply", func(b *testing.B) {
		b.ReportAllocs()
		buf := make([]byte, 0, 2048)
		spec := &ReplySpec{Code: 200, ToTag: "abc123"}
		for b.Loop() {
			buf = AppendReply(buf[:0], req, spec)
		}
	})
}

func BenchmarkSerialize(b *testing.B) {
	raw := readMsgFile(b, "valid", "invite.sip")
	b.Run("unchanged", func(b *testing.B) {
		m, _ := Parse(raw)
		b.ReportAllocs()
		for b.Loop() {
			_ = m.Bytes()
		}
	})
	b.Run("proxy", func(b *testing.B) {
		// What a stateful proxy does to an INVITE: new R-URI, Max-Forwards,
		// Record-Route, our Via.
		b.ReportAllocs()
		via := FormatVia("UDP", "10.0.0.1", 5060, "z9hG4bKabcdef0123456789", true)
		cpu := startCPU()
		defer cpu.report(b)
		for b.Loop() {
			m, _ := Parse(raw)
			m.SetRURI("sip:bob@192.0.2.44:5060")
			m.DecMaxForwards(70)
			m.AddRecordRoute("<sip:10.0.0.1;lr>")
			m.SetVia(via)
			_ = m.Bytes()
		}
	})
}

func BenchmarkURIParse(b *testing.B) {
	for _, u := range []string{
		"sip:bob@biloxi.example.com",
		"sips:alice:secret@[2001:db8::1]:5061;transport=tcp;lr?subject=x",
		"tel:+1-201-555-0123;phone-context=example.com",
	} {
		b.Run(u[:4], func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := ParseURI(u); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
	b.Run("sipgo", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			var u sipgo.Uri
			if err := sipgo.ParseUri("sip:bob@biloxi.example.com", &u); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkOptionsServerPath is the CPU a stateless OPTIONS→200 costs this
// package without the socket calls: copy the datagram, parse, build the
// reply, compute where it goes.
func BenchmarkOptionsServerPath(b *testing.B) {
	raw := readMsgFile(b, "valid", "options.sip")
	rcv := RecvInfo{Proto: ProtoUDP, Src: netip.MustParseAddrPort("192.0.2.7:5062")}
	out := make([]byte, 0, 2048)
	spec := &ReplySpec{Code: 200, ToTag: "abc123", Server: "gosips"}
	b.ReportAllocs()
	cpu := startCPU()
	for b.Loop() {
		buf := make([]byte, len(raw))
		copy(buf, raw)
		m, err := Parse(buf)
		if err != nil {
			b.Fatal(err)
		}
		m.SetRecv(&rcv)
		out = AppendReply(out[:0], m, spec)
		if _, err := ReplyDest(m); err != nil {
			b.Fatal(err)
		}
	}
	cpu.report(b)
}

// BenchmarkUDPRoundTrip sends OPTIONS over loopback and waits for the 200:
// latency of one transaction including both sides' system calls.
func BenchmarkUDPRoundTrip(b *testing.B) {
	var tr *Transport
	tr = NewTransport(Config{UDPWorkers: 1, OnMessage: func(m *Msg, rcv *RecvInfo) {
		_ = tr.SendReply(m, AppendReply(make([]byte, 0, 1024), m, &ReplySpec{Code: 200, ToTag: "t"}))
	}})
	defer tr.Close()
	s, err := tr.Listen(Socket{Proto: ProtoUDP, IP: "127.0.0.1"})
	if err != nil {
		b.Fatal(err)
	}
	c, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		b.Fatal(err)
	}
	defer c.Close()
	dst := &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1), Port: s.Port}
	req := []byte(request("OPTIONS", "UDP 127.0.0.1;rport", "bench-1"))
	buf := make([]byte, 4096)
	b.ReportAllocs()
	cpu := startCPU()
	for b.Loop() {
		if _, err := c.WriteToUDP(req, dst); err != nil {
			b.Fatal(err)
		}
		_ = c.SetReadDeadline(time.Now().Add(2 * time.Second))
		if _, _, err := c.ReadFromUDP(buf); err != nil {
			b.Fatal(err)
		}
	}
	// Client and server share the process: this is the CPU of both.
	cpu.report(b)
}
