package prototcp

import (
	"strings"
	"testing"

	"gosips/api"
)

func TestParams(t *testing.T) {
	tests := []struct {
		name    string
		val     api.ParamValue
		wantErr string
		check   func(p *ProtoTCP) bool
	}{
		{name: "tcp_port", val: api.ParamValue{IsInt: true, Int: 5080}, check: func(p *ProtoTCP) bool { return p.Port == 5080 }},
		{name: "tcp_port", val: api.ParamValue{IsInt: true, Int: 0}, wantErr: "out of range"},
		{name: "tcp_async", val: api.ParamValue{IsInt: true, Int: 0}, check: func(p *ProtoTCP) bool { return p.Async == 0 }},
		{name: "tcp_send_timeout", val: api.ParamValue{IsInt: true, Int: -5}, wantErr: "must not be negative"},
		{name: "trace_destination", val: api.ParamValue{Str: "hep_dst"}, check: func(p *ProtoTCP) bool { return p.TraceDestination == "hep_dst" }},
	}
	for _, tc := range tests {
		p := New()
		var prm *api.Param
		for _, x := range p.Params() {
			if x.Name == tc.name {
				prm = &x
			}
		}
		if prm == nil {
			t.Fatalf("%s not declared", tc.name)
		}
		err := prm.Set(tc.val)
		if tc.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Errorf("%s: error = %v, want %q", tc.name, err, tc.wantErr)
			}
			continue
		}
		if err != nil || !tc.check(p) {
			t.Errorf("%s: err=%v state=%+v", tc.name, err, p)
		}
	}
}

func TestValidateTrace(t *testing.T) {
	p := New()
	p.TraceDestination = "hep"
	err := p.Validate(&api.ValidateCtx{Loaded: func(string) bool { return false }})
	if err == nil || !strings.Contains(err.Error(), "proto_hep") {
		t.Fatalf("Validate = %v", err)
	}
	if err := New().Validate(&api.ValidateCtx{Loaded: func(string) bool { return false }}); err != nil {
		t.Fatal(err)
	}
}
