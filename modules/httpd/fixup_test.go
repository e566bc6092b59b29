package httpd

import (
	"strings"
	"testing"

	"gosips/api"
)

func TestParams(t *testing.T) {
	tests := []struct {
		name    string
		v       api.ParamValue
		wantErr string
		addr    string
	}{
		{name: "port", v: api.ParamValue{IsInt: true, Int: 8080}, addr: "127.0.0.1:8080"},
		{name: "port", v: api.ParamValue{IsInt: true, Int: 0}, wantErr: "out of range"},
		{name: "ip", v: api.ParamValue{Str: "127.0.0.1"}, addr: "127.0.0.1:8888"},
		{name: "ip", v: api.ParamValue{Str: "*"}, addr: ":8888"},
		{name: "ip", v: api.ParamValue{Str: "::1"}, addr: "[::1]:8888"},
		{name: "ip", v: api.ParamValue{Str: "localhost"}, wantErr: "not an IP address"},
		{name: "post_buf_size", v: api.ParamValue{IsInt: true, Int: 100}, wantErr: "at least 256"},
	}
	for _, tt := range tests {
		t.Run(tt.name+tt.v.Str, func(t *testing.T) {
			m := New()
			var err error
			for _, p := range m.Params() {
				if p.Name == tt.name {
					err = p.Set(tt.v)
				}
			}
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil || m.Addr() != tt.addr {
				t.Errorf("addr %q (err %v), want %q", m.Addr(), err, tt.addr)
			}
		})
	}
	m := New()
	m.TLSCertFile = "/etc/cert.pem"
	if err := m.Validate(&api.ValidateCtx{}); err == nil {
		t.Error("cert without key accepted")
	}
	if c := m.MICommands(); len(c) != 1 || c[0].Aliases[0] != "httpd:list_root_path" {
		t.Errorf("MI = %+v", c)
	}
}
