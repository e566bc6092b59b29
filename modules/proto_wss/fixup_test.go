package protowss

import (
	"slices"
	"strings"
	"testing"
	"time"

	"gosips/api"
)

// The export table is OpenSIPS 3.6's (modules/proto_wss/proto_wss.c).
func TestExports(t *testing.T) {
	var names []string
	for _, p := range New().Params() {
		names = append(names, p.Name)
	}
	slices.Sort(names)
	want := strings.Fields(`cert_check_on_conn_reusage require_origin trace_destination trace_filter_route trace_on
		wss_handshake_timeout wss_max_msg_chunks wss_port wss_resource wss_send_timeout wss_tls_handshake_timeout`)
	if !slices.Equal(names, want) {
		t.Errorf("params = %v\nwant %v", names, want)
	}
	if mi := New().MICommands(); len(mi) != 1 || mi[0].Name != "wss_trace" {
		t.Errorf("MI = %+v", mi)
	}
}

func TestOptions(t *testing.T) {
	p := New()
	set := func(name string, v int64) {
		for _, x := range p.Params() {
			if x.Name == name {
				if err := x.Set(api.ParamValue{IsInt: true, Int: v}); err != nil {
					t.Fatal(err)
				}
				return
			}
		}
		t.Fatalf("%s not declared", name)
	}
	o := p.P.Options()
	if o.DefaultPort != 443 || o.TLSHandshakeTimeout != 2*time.Second || !o.RequireOrigin {
		t.Errorf("defaults %+v", o)
	}
	set("wss_port", 8443)
	set("wss_tls_handshake_timeout", 5000)
	set("wss_send_timeout", 300)
	o = p.P.Options()
	if o.DefaultPort != 8443 || o.TLSHandshakeTimeout != 5*time.Second || o.SendTimeout != 300*time.Millisecond {
		t.Errorf("options %+v", o)
	}
}
