package mihttp

import (
	"strings"
	"testing"

	"gosips/api"
)

func TestParams(t *testing.T) {
	tests := []struct{ in, want, wantErr string }{
		{in: "mi", want: "mi"},
		{in: "/json/", want: "json"},
		{in: "/", wantErr: "not a usable URL path segment"},
		{in: "a b", wantErr: "not a usable"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			m := New()
			var err error
			for _, p := range m.Params() {
				if p.Name == "root" {
					err = p.Set(api.ParamValue{Str: tt.in})
				}
			}
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil || m.Root != tt.want {
				t.Errorf("root %q (err %v), want %q", m.Root, err, tt.want)
			}
		})
	}
}

func TestValidateTraceWarns(t *testing.T) {
	m := New()
	m.TraceDestination = "hep_dest"
	var warns []string
	err := m.Validate(&api.ValidateCtx{Loaded: func(string) bool { return false },
		Warn: func(msg, hint string) { warns = append(warns, msg) }})
	if err != nil || len(warns) != 1 {
		t.Errorf("err %v, warns %q", err, warns)
	}
}
