package sip

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

// tortureSeeds adds the RFC 4475/5118 torture messages as seeds.
func tortureSeeds(f *testing.F) [][]byte {
	files, _ := filepath.Glob(filepath.Join("..", "testdata", "sip", "torture", "*", "*.dat"))
	var out [][]byte
	for _, p := range files {
		if b, err := os.ReadFile(p); err == nil {
			out = append(out, b)
		}
	}
	return out
}

// FuzzParseURI: no panic; a parsed URI's parts are substrings of the
// input.
func FuzzParseURI(f *testing.F) {
	for _, s := range []string{"sip:user@example.com", "sips:[2001:db8::1]:5061;transport=tls?h=v",
		"sip:user;par=u%40example.net@example.com", "sip:2001:db8::10", "tel:+1234", "sip:@", "sip:a@b:99999"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		u, err := ParseURI(s)
		if err == nil && u.Host != "" && !bytes.Contains([]byte(s), []byte(u.Host)) {
			t.Errorf("host %q not in %q", u.Host, s)
		}
	})
}

// FuzzParseVia: no panic on any via-parm.
func FuzzParseVia(f *testing.F) {
	for _, s := range []string{"SIP/2.0/UDP 192.0.2.15;;,;,,", "SIP  /   2.0 / UDP [2001:db8::9:1]:5060;received=[2001:db8::9:255];branch=z9hG4bK1",
		"SIP/2.0/TCP host.example.com;branch=z9hG4bK;rport", "SIP/7.0/UDP c.example.com"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		_, _ = ParseVia(s)
	})
}

// FuzzStreamFraming: framing a byte stream (in one piece and split in
// two) never panics and frames the same messages both ways.
func FuzzStreamFraming(f *testing.F) {
	for _, b := range tortureSeeds(f) {
		f.Add(b, 7)
	}
	f.Add([]byte("OPTIONS sip:a@b SIP/2.0\nVia: SIP/2.0/TCP h;branch=z9hG4bK1\nContent-Length: 0\n\n\r\n\r\n"), 3)
	f.Fuzz(func(t *testing.T, b []byte, cut int) {
		one := frameAll(b, len(b))
		if cut < 0 {
			cut = -cut
		}
		two := frameAll(b, cut%(len(b)+1))
		if len(one) != len(two) {
			t.Fatalf("%d messages in one read, %d in two", len(one), len(two))
		}
	})
}

// frameAll runs the stream framer over b delivered in two reads split at
// cut and returns the framed messages.
func frameAll(b []byte, cut int) [][]byte {
	tr := &Transport{tcpq: make(chan tcpJob, 1024), cfg: Config{WriteTimeout: 1}}
	tc := &tcpConn{t: tr}
	var buf []byte
	for _, part := range [][]byte{b[:cut], b[cut:]} {
		buf = append(buf, part...)
		var err error
		if buf, err = tc.frames(buf); err != nil {
			break
		}
	}
	close(tr.tcpq)
	var out [][]byte
	for j := range tr.tcpq {
		out = append(out, j.raw)
	}
	return out
}

// TestStreamBareLF: a message whose lines end in bare LF is framed on a
// stream as OpenSIPS frames it.
func TestStreamBareLF(t *testing.T) {
	msg := "OPTIONS sip:a@b SIP/2.0\nVia: SIP/2.0/TCP h;branch=z9hG4bK1\nContent-Length: 4\n\nbody"
	got := frameAll([]byte(msg+msg), len(msg)+3)
	if len(got) != 2 || string(got[0]) != msg {
		t.Fatalf("framed %q, want two copies of %q", got, msg)
	}
}
