package dbtext

import (
	"strings"
	"testing"

	"gosips/api"
)

func TestParams(t *testing.T) {
	tests := []struct {
		name    string
		v       int64
		wantErr string
	}{
		{"db_mode", 1, ""},
		{"db_mode", 2, "db_mode must be 0"},
		{"buffer_size", 0, "must be positive"},
		{"buffer_size", 8192, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := New()
			var err error
			for _, p := range m.Params() {
				if p.Name == tt.name {
					err = p.Set(api.ParamValue{IsInt: true, Int: tt.v})
				}
			}
			if tt.wantErr == "" && err != nil || tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)) {
				t.Errorf("err = %v, want %q", err, tt.wantErr)
			}
		})
	}
	if r := New().MICommands(); len(r) != 2 || len(r[1].Recipes) != 3 {
		t.Errorf("MI = %+v", r)
	}
}
