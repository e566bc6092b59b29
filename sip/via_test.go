package sip

import "testing"

func TestParseVia(t *testing.T) {
	tests := []struct {
		in                             string
		proto, transport, host, branch string
		port                           int
		received, rport                string
		hasRPort, wantErr              bool
	}{
		{in: "SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bK1", proto: "SIP/2.0", transport: "UDP", host: "10.0.0.1", port: 5060, branch: "z9hG4bK1"},
		{in: "SIP/2.0/TCP host.example.com;rport;branch=z9hG4bK2", proto: "SIP/2.0", transport: "TCP", host: "host.example.com", branch: "z9hG4bK2", hasRPort: true},
		{in: "SIP/2.0/UDP 10.0.0.1;rport=5070;received=192.0.2.1;branch=b", proto: "SIP/2.0", transport: "UDP", host: "10.0.0.1", branch: "b", rport: "5070", received: "192.0.2.1", hasRPort: true},
		{in: "SIP / 2.0 / UDP [2001:db8::1]:5080 ; branch = z9", proto: "SIP/2.0", transport: "UDP", host: "2001:db8::1", port: 5080, branch: "z9"},
		{in: "sip/2.0/ws df7jal23ls0d.invalid;branch=z9hG4bKasudf", proto: "sip/2.0", transport: "ws", host: "df7jal23ls0d.invalid", branch: "z9hG4bKasudf"},
		{in: "SIP/2.0/UDP", wantErr: true},
		{in: "SIP/2.0 10.0.0.1", wantErr: true},
		{in: "HTTP/1.1/TCP 10.0.0.1", wantErr: true},
		{in: "SIP/2.0/UDP 10.0.0.1:99999", wantErr: true},
		{in: "SIP/2.0/UDP [::1", wantErr: true},
		{in: "SIP/2.0/UDP 10.0.0.1 junk", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			v, err := ParseVia(tt.in)
			if tt.wantErr {
				if err == nil {
					t.Fatalf("ParseVia = %+v, want error", v)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if v.Protocol != tt.proto || v.Transport != tt.transport || v.Host != tt.host || v.Port != tt.port ||
				v.Branch != tt.branch || v.Received != tt.received || v.RPort != tt.rport || v.HasRPort != tt.hasRPort {
				t.Errorf("ParseVia = %+v", v)
			}
		})
	}
	if v, err := ParseVia("SIP/2.0/UDP 2001:db8::1;branch=x"); err == nil {
		t.Errorf("unbracketed ipv6 accepted: %+v", v)
	}
	if v, _ := ParseVia("SIP/2.0/UDP [2001:db8::1]:5080;branch=x"); v.SentBy() != "[2001:db8::1]:5080" {
		t.Errorf("SentBy = %q", v.SentBy())
	}
}

func TestParseNameAddr(t *testing.T) {
	tests := []struct {
		in, display, uri, tag, params string
		wantErr                       bool
	}{
		{in: `"Alice" <sip:alice@example.com>;tag=1`, display: `"Alice"`, uri: "sip:alice@example.com", tag: "1", params: "tag=1"},
		{in: `Bob <sip:bob@example.com;transport=tcp>`, display: "Bob", uri: "sip:bob@example.com;transport=tcp"},
		{in: `sip:carol@example.com;tag=9;x=y`, uri: "sip:carol@example.com", tag: "9", params: "tag=9;x=y"},
		{in: `<sip:d@e>`, uri: "sip:d@e"},
		{in: `"a \"<b>\" c" <sip:x@y>`, display: `"a \"<b>\" c"`, uri: "sip:x@y"},
		{in: `<sip:d@e`, wantErr: true},
		{in: ``, wantErr: true},
		{in: `<sip:d@e> junk`, wantErr: true},
		{in: `"unterminated <sip:x@y>`, wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			n, err := ParseNameAddr(tt.in)
			if tt.wantErr {
				if err == nil {
					t.Fatalf("ParseNameAddr = %+v, want error", n)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if n.Display != tt.display || n.URI != tt.uri || n.Tag != tt.tag || n.Params != tt.params {
				t.Errorf("ParseNameAddr = %+v", n)
			}
		})
	}
}
