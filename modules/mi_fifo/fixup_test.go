package mififo

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
		check   func(*Module) bool
	}{
		{name: "fifo_mode", v: api.ParamValue{IsInt: true, Int: 0o666}, check: func(m *Module) bool { return m.FIFOMode == 0o666 }},
		{name: "fifo_mode", v: api.ParamValue{IsInt: true, Int: 6660}, wantErr: "write it in octal"},
		{name: "fifo_name", v: api.ParamValue{Str: "/tmp/opensips_fifo"}, check: func(m *Module) bool { return m.FIFOName == "/tmp/opensips_fifo" }},
		{name: "fifo_name", v: api.ParamValue{Str: ""}, wantErr: "empty"},
		{name: "fifo_user", v: api.ParamValue{Str: "opensips"}, check: func(m *Module) bool { return m.FIFOUser == "opensips" && m.FIFOUID == -1 }},
		{name: "fifo_user", v: api.ParamValue{IsInt: true, Int: 1000}, check: func(m *Module) bool { return m.FIFOUID == 1000 }},
		{name: "fifo_group", v: api.ParamValue{Str: "42"}, check: func(m *Module) bool { return m.FIFOGID == 42 }},
		{name: "reply_indent", v: api.ParamValue{Str: "\t"}, check: func(m *Module) bool { return m.legacyIndent == "\t" }},
	}
	for _, tt := range tests {
		t.Run(tt.name+tt.v.Str, func(t *testing.T) {
			m := New()
			var err error
			found := false
			for _, p := range m.Params() {
				if p.Name == tt.name {
					found = true
					err = p.Set(tt.v)
					if tt.name == "fifo_user" && p.Type != api.ParamInt|api.ParamStr {
						t.Errorf("fifo_user type = %v", p.Type)
					}
					if tt.name == "reply_indent" && p.Legacy == "" {
						t.Error("reply_indent not marked legacy")
					}
				}
			}
			if !found {
				t.Fatalf("param %s not declared", tt.name)
			}
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil || !tt.check(m) {
				t.Errorf("err %v, module %+v", err, m)
			}
		})
	}
	if New().FIFOMode != 0o660 {
		t.Error("default fifo_mode is not 0660")
	}
}
