package uac

import (
	"strings"
	"testing"

	"gosips/api"
	"gosips/internal/digest"
)

func TestDisplayFixup(t *testing.T) {
	tests := []struct{ in, want, wantErr string }{
		{in: "", want: ""}, // removes the display name
		{in: "Anonymous", want: "Anonymous"},
		{in: `"Bob Smith"`, want: `"Bob Smith"`},
		{in: "Bob Smith", want: `"Bob Smith"`},
		{in: "a\"b c", wantErr: "contains a quote"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			a := &api.FixArg{Const: true, Str: tt.in}
			err := DisplayFixup(&api.FixupCtx{}, a)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil || a.Fixed != tt.want {
				t.Errorf("Fixed = %v (err %v), want %q", a.Fixed, err, tt.want)
			}
		})
	}
}

func TestFuncTable(t *testing.T) {
	routes := api.RequestRoute | api.BranchRoute | api.FailureRoute
	names := map[string]int{"uac_replace_from": 2, "uac_replace_to": 2, "uac_restore_from": 0,
		"uac_restore_to": 0, "uac_auth": 1, "uac_inc_cseq": 1}
	fs := New().Funcs()
	if len(fs) != len(names) {
		t.Errorf("%d funcs, want %d", len(fs), len(names))
	}
	for _, f := range fs {
		if n, ok := names[f.Name]; !ok || len(f.Args) != n || f.Routes != routes {
			t.Errorf("%s: %d args, routes %v", f.Name, len(f.Args), f.Routes)
		}
		if f.Name == "uac_replace_from" && (!f.Args[0].Optional || f.Args[1].Optional) {
			t.Error("uac_replace_from: display must be optional and uri mandatory")
		}
		if f.Name == "uac_auth" {
			a := &api.FixArg{Const: true, Str: "MD5,SHA-256"}
			if err := f.Args[0].Fixup(&api.FixupCtx{}, a); err != nil || !a.Fixed.(digest.Algorithms).Has(digest.SHA256) {
				t.Errorf("uac_auth algorithms: %v %v", a.Fixed, err)
			}
		}
	}
}

func TestParams(t *testing.T) {
	tests := []struct {
		name    string
		v       api.ParamValue
		want    string
		wantErr string
	}{
		{name: "restore_mode", v: api.ParamValue{Str: "Manual"}, want: "manual"},
		{name: "restore_mode", v: api.ParamValue{Str: "off"}, wantErr: "unsupported restore_mode"},
		{name: "from_restore_mode", v: api.ParamValue{IsInt: true, Int: 0}, want: "none"},
		{name: "from_restore_mode", v: api.ParamValue{Str: "auto"}, want: "auto"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
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
			if err != nil || m.RestoreMode != tt.want {
				t.Errorf("restore mode %q (err %v), want %q", m.RestoreMode, err, tt.want)
			}
		})
	}
}

func TestValidate(t *testing.T) {
	m := New()
	none := &api.ValidateCtx{Loaded: func(string) bool { return false }}
	if err := m.Validate(none); err != nil {
		t.Errorf("default restore mode needs nothing: %v", err)
	}
	m.RestoreMode, m.restoreModeSet = RestoreAuto, true
	if err := m.Validate(none); err == nil || !strings.Contains(err.Error(), "rr.so") {
		t.Errorf("explicit auto without rr: err = %v", err)
	}
	m = New()
	m.Legacy["credential"] = api.ParamValue{Str: "a:b:c"}
	if err := m.Validate(none); err == nil || !strings.Contains(err.Error(), "uac_auth") {
		t.Errorf("legacy credential: err = %v", err)
	}
}
