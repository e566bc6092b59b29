package dbsqlite

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
		{name: "load_extension", v: api.ParamValue{Str: "/usr/lib/mod_spatialite.so;sqlite3_init"},
			check: func(m *Module) bool {
				return len(m.Extensions) == 1 && m.Extensions[0] == Extension{"/usr/lib/mod_spatialite.so", "sqlite3_init"}
			}},
		{name: "load_extension", v: api.ParamValue{Str: ";entry"}, wantErr: "no library"},
		{name: "exec_pragma", v: api.ParamValue{Str: "PRAGMA foreign_keys = 1"},
			check: func(m *Module) bool { return len(m.Pragmas) == 1 && m.Pragmas[0] == "foreign_keys = 1" }},
		{name: "exec_pragma", v: api.ParamValue{Str: " "}, wantErr: "empty"},
		{name: "busy_timeout", v: api.ParamValue{IsInt: true, Int: 2000}, check: func(m *Module) bool { return m.BusyTimeout == 2000 }},
		{name: "alloc_limit", v: api.ParamValue{IsInt: true, Int: 0}, wantErr: "positive"},
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
			if err != nil || !tt.check(m) {
				t.Errorf("err %v, module %+v", err, m)
			}
		})
	}
}
