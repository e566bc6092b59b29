package dbpostgres

import (
	"strings"
	"testing"
	"time"

	"gosips/api"
)

func TestParams(t *testing.T) {
	tests := []struct {
		name    string
		v       api.ParamValue
		wantErr string
		check   func(*Module) bool
	}{
		{name: "timeout", v: api.ParamValue{IsInt: true, Int: 10},
			check: func(m *Module) bool { return m.Timeout == 10 && m.CallTimeout() == 10*time.Second }},
		{name: "timeout", v: api.ParamValue{IsInt: true, Int: -1}, wantErr: "negative"},
		{name: "exec_query_threshold", v: api.ParamValue{IsInt: true, Int: 500}, check: func(m *Module) bool { return m.ExecQueryThreshold == 500 }},
		{name: "exec_query_threshold", v: api.ParamValue{IsInt: true, Int: -5}, wantErr: "negative"},
		{name: "max_db_queries", v: api.ParamValue{IsInt: true, Int: 0}, wantErr: "at least 1"},
		{name: "max_db_queries", v: api.ParamValue{IsInt: true, Int: 3}, check: func(m *Module) bool { return m.MaxDBQueries == 3 }},
		{name: "use_tls", v: api.ParamValue{IsInt: true, Int: 1}, wantErr: "not supported"},
		{name: "use_tls", v: api.ParamValue{IsInt: true, Int: 0}, check: func(m *Module) bool { return m.UseTLS == 0 }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := New()
			var err error
			found := false
			for _, p := range m.Params() {
				if p.Name == tt.name {
					found = true
					err = p.Set(tt.v)
				}
			}
			if !found {
				t.Fatalf("no parameter %s", tt.name)
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

func TestDefaults(t *testing.T) {
	if m := New(); m.MaxDBQueries != 2 || m.Timeout != 5 || m.ExecQueryThreshold != 0 || m.UseTLS != 0 {
		t.Errorf("defaults %+v", m)
	}
}
