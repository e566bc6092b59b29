package dbmysql

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
		{name: "timeout_interval", v: api.ParamValue{IsInt: true, Int: 5},
			check: func(m *Module) bool { return m.TimeoutInterval == 5 && m.CallTimeout() == 15*time.Second }},
		{name: "timeout_interval", v: api.ParamValue{IsInt: true, Int: 0}, wantErr: "positive"},
		{name: "exec_query_threshold", v: api.ParamValue{IsInt: true, Int: 60000}, check: func(m *Module) bool { return m.ExecQueryThreshold == 60000 }},
		{name: "exec_query_threshold", v: api.ParamValue{IsInt: true, Int: -1}, wantErr: "negative"},
		{name: "max_db_retries", v: api.ParamValue{IsInt: true, Int: 0}, check: func(m *Module) bool { return m.MaxDBRetries == 0 }},
		{name: "max_db_queries", v: api.ParamValue{IsInt: true, Int: 0}, wantErr: "at least 1"},
		{name: "max_db_queries", v: api.ParamValue{IsInt: true, Int: 4}, check: func(m *Module) bool { return m.MaxDBQueries == 4 }},
		{name: "ps_max_col_size", v: api.ParamValue{IsInt: true, Int: 100}, wantErr: "at least 256"},
		{name: "ps_max_col_size", v: api.ParamValue{IsInt: true, Int: 4096}, check: func(m *Module) bool { return m.PSMaxColSize == 4096 }},
		{name: "use_tls", v: api.ParamValue{IsInt: true, Int: 0}, check: func(m *Module) bool { return m.UseTLS == 0 }},
		{name: "use_tls", v: api.ParamValue{IsInt: true, Int: 1}, wantErr: "not supported"},
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
	m := New()
	if m.TimeoutInterval != 2 || m.MaxDBRetries != 3 || m.MaxDBQueries != 2 || m.PSMaxColSize != 1024 || m.CallTimeout() != 6*time.Second {
		t.Errorf("defaults %+v", m)
	}
}
