package sip

import (
	"bufio"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"gosips/internal/testenv"
)

func TestParseSocket(t *testing.T) {
	tests := []struct {
		in      string
		want    Socket
		wantErr bool
	}{
		{in: "udp:127.0.0.1:5060", want: Socket{Proto: ProtoUDP, IP: "127.0.0.1", Port: 5060}},
		{in: "tcp:10.0.0.1", want: Socket{Proto: ProtoTCP, IP: "10.0.0.1", Port: 5060}},
		{in: "tls:10.0.0.1", want: Socket{Proto: ProtoTLS, IP: "10.0.0.1", Port: 5061}},
		{in: "udp:*:5060", want: Socket{Proto: ProtoUDP, IP: "*", Port: 5060}},
		{in: "udp:[::1]:5070 use_workers 4", want: Socket{Proto: ProtoUDP, IP: "::1", Port: 5070, Workers: 4}},
		{in: "tcp:eth0-host:5060 as 1.2.3.4:5080", want: Socket{Proto: ProtoTCP, IP: "eth0-host", Port: 5060, AdvHost: "1.2.3.4", AdvPort: 5080}},
		{in: "udp:10.0.0.1:5060 AS 1.2.3.4 tag edge", want: Socket{Proto: ProtoUDP, IP: "10.0.0.1", Port: 5060, AdvHost: "1.2.3.4", Tag: "edge"}},
		{in: "10.0.0.2", want: Socket{IP: "10.0.0.2", Port: 5060}},
		{in: "127.0.0.1:5080", want: Socket{IP: "127.0.0.1", Port: 5080}},
		{in: "udp:lo", want: Socket{Proto: ProtoUDP, IP: "lo", Port: 5060}},
		{in: "", wantErr: true},
		{in: "udp:", wantErr: true},
		{in: "udp:1.2.3.4:70000", wantErr: true},
		{in: "udp:1.2.3.4 use_workers", wantErr: true},
		{in: "udp:1.2.3.4 use_workers x", wantErr: true},
		{in: "udp:1.2.3.4 bogus 1", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			s, err := ParseSocket(tt.in)
			if tt.wantErr {
				if err == nil {
					t.Fatalf("ParseSocket = %+v, want error", s)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if s != tt.want {
				t.Errorf("ParseSocket = %+v, want %+v", s, tt.want)
			}
		})
	}
	s, _ := ParseSocket("udp:[::1]:5070")
	if s.String() != "udp:[::1]:5070" {
		t.Errorf("String = %q", s.String())
	}
}

// TestParseSocketCorpus parses every socket=/listen= value of the real
// configurations.
func TestParseSocketCorpus(t *testing.T) {
	dir := testenv.Corpus(t)
	files, _ := filepath.Glob(filepath.Join(dir, "*", "*.cfg"))
	re := regexp.MustCompile(`^\s*(?:socket|listen)\s*=\s*(.*)$`)
	n := 0
	for _, f := range files {
		fh, err := os.Open(f)
		if err != nil {
			t.Fatal(err)
		}
		sc := bufio.NewScanner(fh)
		for sc.Scan() {
			m := re.FindStringSubmatch(sc.Text())
			if m == nil {
				continue
			}
			val, _, _ := strings.Cut(m[1], "#")
			val = strings.TrimSpace(val)
			if strings.ContainsAny(val, `"{$`) || val == "" {
				continue // quoted, bond or templated values are the script parser's business
			}
			n++
			if _, err := ParseSocket(val); err != nil {
				t.Errorf("%s: %v", filepath.Base(f), err)
			}
		}
		fh.Close()
	}
	if n == 0 {
		t.Error("no socket definitions found")
	}
	t.Logf("%d socket definitions", n)
}
