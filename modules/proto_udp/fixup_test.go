package protoudp

import (
	"testing"

	"gosips/api"
)

func TestUDPPort(t *testing.T) {
	tests := []struct {
		port int64
		ok   bool
	}{{5070, true}, {1, true}, {0, false}, {70000, false}}
	for _, tc := range tests {
		p := New()
		err := p.Params()[0].Set(api.ParamValue{IsInt: true, Int: tc.port})
		if (err == nil) != tc.ok || (tc.ok && p.Port != int(tc.port)) {
			t.Errorf("udp_port %d: err=%v port=%d", tc.port, err, p.Port)
		}
	}
	if New().Port != 5060 {
		t.Error("default udp_port must be 5060")
	}
}
