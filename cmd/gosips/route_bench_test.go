package main

import (
	"context"
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"gosips/lang"
	"gosips/runtime"
	"gosips/sip"
)

// benchEngine starts an engine for cfg on an ephemeral loopback socket.
func benchEngine(tb testing.TB, cfg string) *runtime.Engine {
	tb.Helper()
	f, diags := lang.ParseFile(cfg, lang.Options{})
	if diags.HasErrors() {
		tb.Fatalf("parse: %v", diags)
	}
	s, diags := runtime.Compile(f, runtime.Options{ConfigDir: filepath.Dir(cfg)})
	if diags.HasErrors() {
		tb.Fatalf("compile: %v", diags.Errors())
	}
	p, err := s.Build(nil)
	if err != nil {
		tb.Fatal(err)
	}
	eng := runtime.NewEngine(s, p, runtime.EngineOptions{Listen: []string{"udp:127.0.0.1:0"}, OnlyListen: true, Version: "bench"})
	if err := eng.Start(context.Background()); err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { eng.Shutdown() })
	return eng
}

// sink is a UDP socket that swallows whatever the engine sends.
func sink(tb testing.TB) netip.AddrPort {
	c, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { c.Close() })
	go func() {
		buf := make([]byte, 65535)
		for {
			if _, _, err := c.ReadFromUDP(buf); err != nil {
				return
			}
		}
	}()
	return c.LocalAddr().(*net.UDPAddr).AddrPort()
}

const benchInvite = "INVITE sip:bob@127.0.0.1:5060 SIP/2.0\r\n" +
	"Via: SIP/2.0/UDP 127.0.0.1:SPORT;branch=z9hG4bK-bench-BRANCH\r\n" +
	"Max-Forwards: 70\r\n" +
	"From: <sip:alice@127.0.0.1>;tag=1928301774\r\n" +
	"To: <sip:bob@127.0.0.1>\r\n" +
	"Call-ID: a84b4c76e66710-BRANCH\r\n" +
	"CSeq: 314159 INVITE\r\n" +
	"Contact: <sip:alice@127.0.0.1:SPORT>\r\n" +
	"Content-Type: application/sdp\r\n" +
	"Content-Length: 0\r\n\r\n"

const benchRegister = "REGISTER sip:127.0.0.1:5060 SIP/2.0\r\n" +
	"Via: SIP/2.0/UDP 127.0.0.1:SPORT;branch=z9hG4bK-reg-BRANCH\r\n" +
	"Max-Forwards: 70\r\n" +
	"From: <sip:uBRANCH@127.0.0.1>;tag=456248\r\n" +
	"To: <sip:uBRANCH@127.0.0.1>\r\n" +
	"Call-ID: reg-BRANCH\r\n" +
	"CSeq: 1826 REGISTER\r\n" +
	"Contact: <sip:uBRANCH@127.0.0.1:SPORT>\r\n" +
	"Expires: 3600\r\n" +
	"Content-Length: 0\r\n\r\n"

const benchOptions = "OPTIONS sip:ping@127.0.0.1:5060 SIP/2.0\r\n" +
	"Via: SIP/2.0/UDP 127.0.0.1:SPORT;branch=z9hG4bK-opt-BRANCH\r\n" +
	"Max-Forwards: 70\r\n" +
	"From: <sip:alice@127.0.0.1>;tag=1928301774\r\n" +
	"To: <sip:ping@127.0.0.1>\r\n" +
	"Call-ID: opt-BRANCH\r\n" +
	"CSeq: 1 OPTIONS\r\n" +
	"Content-Length: 0\r\n\r\n"

func benchMsg(tb testing.TB, tmpl string, src netip.AddrPort, n int) *sip.Msg {
	raw := strings.ReplaceAll(tmpl, "SPORT", strconv.Itoa(int(src.Port())))
	raw = strings.ReplaceAll(raw, "BRANCH", strconv.Itoa(n))
	m, err := sip.ParseString(raw)
	if err != nil {
		tb.Fatal(err)
	}
	m.SetRecv(&sip.RecvInfo{Proto: sip.ProtoUDP, Src: src})
	return m
}

// BenchmarkRoute runs the request route of examples/opensips.cfg for new
// INVITEs (lookup fails: a stateful 404) and REGISTERs (save + 200), each
// message parsed beforehand; the figure is the executor plus the reply.
func BenchmarkRoute(b *testing.B) {
	for _, tc := range []struct{ name, tmpl string }{{"INVITE", benchInvite}, {"REGISTER", benchRegister}} {
		b.Run(tc.name, func(b *testing.B) {
			eng := benchEngine(b, "../../examples/opensips.cfg")
			src := sink(b)
			msgs := make([]*sip.Msg, 0, 4096)
			for i := 0; i < cap(msgs); i++ {
				msgs = append(msgs, benchMsg(b, tc.tmpl, src, i))
			}
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				if i%len(msgs) == 0 && i > 0 {
					b.StopTimer()
					for j := range msgs {
						msgs[j] = benchMsg(b, tc.tmpl, src, i+j)
					}
					b.StartTimer()
				}
				eng.Dispatch(msgs[i%len(msgs)])
			}
		})
	}
}

// readOnlyCfg is a request route that only reads the message.
const readOnlyCfg = `
loadmodule "proto_udp.so"
loadmodule "maxfwd.so"
loadmodule "sipmsgops.so"
route {
	if (!is_method("OPTIONS|INVITE|REGISTER")) {
		exit;
	}
	if (has_totag()) {
		exit;
	}
	if ($rU == "ping" && $si == "127.0.0.1" && $fd =~ "^127\\.") {
		$var(n) = $var(n) + 1;
	}
	if (is_maxfwd_lt(5)) {
		exit;
	}
	exit;
}
`

// BenchmarkRouteReadOnly measures a route that only reads the message: it
// must not allocate.
func BenchmarkRouteReadOnly(b *testing.B) {
	path := filepath.Join(b.TempDir(), "ro.cfg")
	if err := writeFile(path, readOnlyCfg); err != nil {
		b.Fatal(err)
	}
	eng := benchEngine(b, path)
	m := benchMsg(b, benchOptions, netip.MustParseAddrPort("127.0.0.1:5999"), 1)
	eng.Dispatch(m)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		eng.Dispatch(m)
	}
}

func writeFile(path, s string) error { return os.WriteFile(path, []byte(s), 0o644) }
