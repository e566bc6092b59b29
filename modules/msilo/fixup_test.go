package msilo

import (
	"strings"
	"testing"

	"gosips/api"
)

func TestOwnerFixup(t *testing.T) {
	tests := []struct {
		in      string
		mode    any // expected Fixed, nil = none
		legacy  string
		wantErr string
	}{
		{in: "sip:alice@example.com"},
		{in: "tel:+4930123"},
		{in: "0", mode: ModeNewURI, legacy: "m_store()"},
		{in: "1", mode: ModeOrigURI, legacy: "m_store($ou)"},
		{in: "2", mode: ModeTo, legacy: "m_store($tu)"},
		{in: "3", wantErr: `owner "3" is not a SIP URI`},
		{in: "alice@example.com", wantErr: "not a SIP URI"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			var legacy []string
			fc := &api.FixupCtx{Legacy: func(msg, hint string) { legacy = append(legacy, hint) }}
			a := &api.FixArg{Const: true, Str: tt.in}
			err := ownerFixup(fc, a)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if a.Fixed != tt.mode {
				t.Errorf("Fixed = %v, want %v", a.Fixed, tt.mode)
			}
			if tt.legacy != "" && (len(legacy) != 1 || legacy[0] != tt.legacy) || tt.legacy == "" && len(legacy) != 0 {
				t.Errorf("legacy = %q, want %q", legacy, tt.legacy)
			}
		})
	}
}

func TestParams(t *testing.T) {
	tests := []struct {
		name    string
		v       api.ParamValue
		wantErr string
		check   func(*Module) bool
	}{
		{name: "clean_period", v: api.ParamValue{IsInt: true, Int: 3}, check: func(m *Module) bool { return m.CleanPeriod == 3 }},
		{name: "clean_period", v: api.ParamValue{IsInt: true, Int: 0}, wantErr: "must be positive"},
		{name: "registrar", v: api.ParamValue{Str: "sip:registrar@example.org"},
			check: func(m *Module) bool { return m.FromAddress == "sip:registrar@example.org" }},
		{name: "sc_mid", v: api.ParamValue{Str: "mid"}, check: func(m *Module) bool { return m.Cols.MID == "mid" }},
		{name: "max_messages", v: api.ParamValue{IsInt: true, Int: -1}, wantErr: "must not be negative"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := New()
			var p *api.Param
			for _, q := range m.Params() {
				if q.Name == tt.name {
					p = &q
					break
				}
			}
			if p == nil {
				t.Fatalf("param %s not declared", tt.name)
			}
			if p.Name == "clean_period" && p.Type != api.ParamInt {
				t.Errorf("clean_period type = %v, want integer", p.Type)
			}
			if p.Name == "registrar" && p.Legacy == "" {
				t.Error("registrar not marked legacy")
			}
			err := p.Set(tt.v)
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
}

func TestFuncTable(t *testing.T) {
	fs := New().Funcs()
	if len(fs) != 2 {
		t.Fatalf("%d funcs", len(fs))
	}
	if fs[0].Name != "m_store" || fs[0].Routes != api.RequestRoute|api.FailureRoute || !fs[0].Args[0].Optional {
		t.Errorf("m_store = %+v", fs[0])
	}
	if fs[1].Name != "m_dump" || fs[1].Routes != api.RequestRoute|api.StartupRoute|api.TimerRoute|api.EventRoute ||
		fs[1].Args[1].Type != api.ArgInt {
		t.Errorf("m_dump = %+v", fs[1])
	}
}

func TestValidate(t *testing.T) {
	m := New()
	m.DBURL = "text:///var/db"
	if err := m.Validate(&api.ValidateCtx{Loaded: func(n string) bool { return n == "db_text" }}); err != nil {
		t.Error(err)
	}
	m.DBURL = "mysql://u:p@127.0.0.1/msilo"
	if err := m.Validate(&api.ValidateCtx{Loaded: func(n string) bool { return n == "db_text" }}); err == nil ||
		!strings.Contains(err.Error(), `needs loadmodule "db_mysql.so"`) {
		t.Errorf("mysql url without db_mysql: err = %v", err)
	}
	if err := m.Validate(&api.ValidateCtx{Loaded: func(n string) bool { return n == "db_mysql" }}); err != nil {
		t.Errorf("mysql url with db_mysql: err = %v", err)
	}
}
