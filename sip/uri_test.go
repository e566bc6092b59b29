package sip

import "testing"

func TestParseURI(t *testing.T) {
	tests := []struct {
		in                                  string
		scheme, user, pass, host, port      string
		params, headers, transport, wantOut string
		hasPass                             bool
		wantErr                             bool
	}{
		{in: "sip:bob@biloxi.example.com", scheme: "sip", user: "bob", host: "biloxi.example.com"},
		{in: "sip:biloxi.example.com:5070", scheme: "sip", host: "biloxi.example.com", port: "5070"},
		{in: "SIP:Bob@Example.COM;Transport=TCP", scheme: "SIP", user: "Bob", host: "Example.COM", params: "Transport=TCP", transport: "tcp"},
		{in: "sips:alice:secret@[2001:db8::1]:5061;transport=tcp;lr?subject=x&h=y", scheme: "sips", user: "alice", pass: "secret",
			hasPass: true, host: "[2001:db8::1]", port: "5061", params: "transport=tcp;lr", headers: "subject=x&h=y", transport: "tcp"},
		{in: "sip:%61lice;par=1@atlanta.com", scheme: "sip", user: "%61lice;par=1", host: "atlanta.com"},
		{in: "sip:user:@host", scheme: "sip", user: "user", hasPass: true, host: "host"},
		{in: "<sip:10.0.0.1;lr>", scheme: "sip", host: "10.0.0.1", params: "lr", wantOut: "sip:10.0.0.1;lr"},
		{in: "tel:+1-201-555-0123;phone-context=example.com", scheme: "tel", user: "+1-201-555-0123", params: "phone-context=example.com"},
		{in: "sip:host?Route=%3Csip:x%3E", scheme: "sip", host: "host", headers: "Route=%3Csip:x%3E"},
		{in: "", wantErr: true},
		{in: "http://example.com", wantErr: true},
		{in: "sip:", wantErr: true},
		{in: "sip:bob@", wantErr: true},
		{in: "sip:host:99999", wantErr: true},
		{in: "sip:host:12a", wantErr: true},
		{in: "sip:[::1", wantErr: true},
		{in: "sip:ho st", wantErr: true},
		{in: "tel:", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			u, err := ParseURI(tt.in)
			if tt.wantErr {
				if err == nil {
					t.Fatalf("ParseURI(%q) = %+v, want error", tt.in, u)
				}
				return
			}
			if err != nil {
				t.Fatalf("ParseURI(%q): %v", tt.in, err)
			}
			if u.Scheme != tt.scheme || u.User != tt.user || u.Password != tt.pass || u.HasPassword != tt.hasPass ||
				u.Host != tt.host || u.PortStr != tt.port || u.Params != tt.params || u.Headers != tt.headers {
				t.Errorf("ParseURI(%q) = %+v", tt.in, u)
			}
			if got := u.Transport(); got != tt.transport {
				t.Errorf("Transport = %q, want %q", got, tt.transport)
			}
			want := tt.wantOut
			if want == "" {
				want = tt.in
			}
			if got := u.String(); got != want {
				t.Errorf("String = %q, want %q", got, want)
			}
		})
	}
}

func TestURIEdit(t *testing.T) {
	u, err := ParseURI("sip:alice@atlanta.com;transport=udp")
	if err != nil {
		t.Fatal(err)
	}
	u.User = "bob"
	u.Host = "2001:db8::2"
	u.SetPort(5080)
	if got, want := u.String(), "sip:bob@[2001:db8::2]:5080;transport=udp"; got != want {
		t.Errorf("String = %q, want %q", got, want)
	}
	u.SetPort(0)
	u.Params = ""
	u.Host = "example.com"
	if got, want := u.String(), "sip:bob@example.com"; got != want {
		t.Errorf("String = %q, want %q", got, want)
	}
	if v, ok := Param("lr;maddr=10.0.0.1;ttl=5", "MADDR"); !ok || v != "10.0.0.1" {
		t.Errorf("Param maddr = %q %v", v, ok)
	}
	if v, ok := Param("lr;maddr=10.0.0.1", "lr"); !ok || v != "" {
		t.Errorf("Param lr = %q %v", v, ok)
	}
	if _, ok := Param("lr;maddr=10.0.0.1", "ttl"); ok {
		t.Error("Param ttl found")
	}
}

func TestURIAllocs(t *testing.T) {
	n := testing.AllocsPerRun(100, func() {
		u, _ := ParseURI("sip:alice:pw@example.com:5060;transport=tcp?x=y")
		_ = u.Transport()
	})
	if n != 0 {
		t.Errorf("ParseURI allocates %v times, want 0", n)
	}
}
