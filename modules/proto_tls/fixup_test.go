package prototls

import (
	"strings"
	"testing"
	"time"

	"gosips/api"
)

func TestParams(t *testing.T) {
	set := func(p *ProtoTLS, name string, v int64) error {
		for _, x := range p.Params() {
			if x.Name == name {
				return x.Set(api.ParamValue{IsInt: true, Int: v})
			}
		}
		t.Fatalf("%s not declared", name)
		return nil
	}
	p := New()
	if p.Port != 5061 || p.HandshakeTimeout != 100 || p.SendTimeout != 100 {
		t.Errorf("defaults = %+v", p)
	}
	if err := set(p, "tls_port", 70000); err == nil || !strings.Contains(err.Error(), "out of range") {
		t.Errorf("tls_port 70000: %v", err)
	}
	if err := set(p, "tls_handshake_timeout", -1); err == nil {
		t.Error("negative tls_handshake_timeout accepted")
	}
	if got := p.TLSHandshakeTimeout(); got != minHandshake {
		t.Errorf("100 ms handshake timeout -> %v, want the %v floor", got, minHandshake)
	}
	if err := set(p, "tls_handshake_timeout", 5000); err != nil || p.TLSHandshakeTimeout() != 5*time.Second {
		t.Errorf("5000 ms -> %v (%v)", p.TLSHandshakeTimeout(), err)
	}
}
