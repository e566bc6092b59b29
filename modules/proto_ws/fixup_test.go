package protows

import (
	"strings"
	"testing"
	"time"

	"gosips/api"
	"gosips/sip"
)

func set(t *testing.T, p *ProtoWS, name string, v api.ParamValue) error {
	t.Helper()
	for _, x := range p.Params() {
		if x.Name == name {
			return x.Set(v)
		}
	}
	t.Fatalf("%s not declared", name)
	return nil
}

// The export table is OpenSIPS 3.6's (modules/proto_ws/proto_ws.c).
func TestExports(t *testing.T) {
	var names []string
	for _, p := range New().Params() {
		names = append(names, p.Name)
	}
	want := "ws_port ws_max_msg_chunks ws_send_timeout ws_resource require_origin ws_handshake_timeout trace_destination trace_on trace_filter_route"
	if got := strings.Join(names, " "); got != want {
		t.Errorf("params = %s\nwant %s", got, want)
	}
	if mi := New().MICommands(); len(mi) != 1 || mi[0].Name != "ws_trace" {
		t.Errorf("MI = %+v", mi)
	}
}

func TestParams(t *testing.T) {
	p := New()
	for _, tc := range []struct {
		name    string
		v       api.ParamValue
		wantErr string
	}{
		{"ws_port", api.ParamValue{IsInt: true, Int: 8080}, ""},
		{"ws_port", api.ParamValue{IsInt: true, Int: 70000}, "out of range"},
		{"ws_send_timeout", api.ParamValue{IsInt: true, Int: 250}, ""},
		{"ws_send_timeout", api.ParamValue{IsInt: true, Int: -1}, "negative"},
		{"ws_max_msg_chunks", api.ParamValue{IsInt: true, Int: 8}, ""},
		{"ws_resource", api.ParamValue{Str: "/sip"}, ""},
		{"ws_resource", api.ParamValue{Str: ""}, "empty"},
		{"require_origin", api.ParamValue{IsInt: true, Int: 0}, ""},
		{"ws_handshake_timeout", api.ParamValue{IsInt: true, Int: 300}, ""},
	} {
		err := set(t, p, tc.name, tc.v)
		if tc.wantErr == "" && err != nil || tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)) {
			t.Errorf("%s=%+v: err %v, want %q", tc.name, tc.v, err, tc.wantErr)
		}
	}
	tr := sip.NewTransport(sip.Config{})
	defer tr.Close()
	if err := p.SetupTransport(tr); err != nil {
		t.Fatal(err)
	}
	if got := tr.DefaultPort(sip.ProtoWS); got != 8080 {
		t.Errorf("default port %d", got)
	}
	o := p.P.Options()
	if o.SendTimeout != 250*time.Millisecond || o.MaxMsgChunks != 8 || o.Resource != "/sip" || o.RequireOrigin ||
		o.HandshakeTimeout != 300*time.Millisecond {
		t.Errorf("options %+v", o)
	}
}

func TestValidateTrace(t *testing.T) {
	p := New()
	p.P.TraceDestination = "hep"
	if err := p.Validate(&api.ValidateCtx{Loaded: func(string) bool { return false }}); err == nil || !strings.Contains(err.Error(), "proto_hep") {
		t.Fatalf("Validate = %v", err)
	}
}
