package uacregistrant

import (
	"strings"
	"testing"

	"gosips/api"
)

func set(t *testing.T, m *Module, name string, v api.ParamValue) error {
	t.Helper()
	for _, p := range m.Params() {
		if p.Name == name {
			return p.Set(v)
		}
	}
	t.Fatalf("param %s not declared", name)
	return nil
}

func num(n int64) api.ParamValue { return api.ParamValue{IsInt: true, Int: n} }

func TestParams(t *testing.T) {
	tests := []struct {
		name    string
		v       api.ParamValue
		wantErr string
	}{
		{"timer_interval", num(9), "timer_interval 9 too short (at least 10)"},
		{"timer_interval", num(10), ""},
		{"hash_size", num(0), "out of range"},
		{"hash_size", num(21), "out of range"},
		{"default_expires", num(14), "too short"},
		{"failure_retry_interval", num(-1), "negative"},
		{"binding_URI_column", api.ParamValue{Str: "contact"}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := set(t, New(), tt.name, tt.v)
			if tt.wantErr == "" && err != nil || tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)) {
				t.Errorf("err = %v, want %q", err, tt.wantErr)
			}
		})
	}
}

func TestValidate(t *testing.T) {
	tests := []struct {
		name     string
		hashSize int64
		timer    int64
		url      string
		wantErr  string
	}{
		{name: "ok", hashSize: 1, timer: 100, url: "sqlite:///var/db/reg.db"},
		{name: "buckets", hashSize: 7, timer: 100, url: "sqlite:///x", wantErr: "at least the bucket count 128"},
		{name: "no url", hashSize: 1, timer: 100, wantErr: "db_url is not set"},
		{name: "mysql", hashSize: 1, timer: 100, url: "mysql://a/b", wantErr: "db_mysql"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := New()
			for name, v := range map[string]api.ParamValue{"hash_size": num(tt.hashSize),
				"timer_interval": num(tt.timer), "db_url": {Str: tt.url}} {
				if err := set(t, m, name, v); err != nil {
					t.Fatal(err)
				}
			}
			err := m.Validate(&api.ValidateCtx{Loaded: func(n string) bool { return n == "db_sqlite" }})
			if tt.wantErr == "" && err != nil || tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)) {
				t.Errorf("err = %v, want %q", err, tt.wantErr)
			}
		})
	}
}

func TestMICommands(t *testing.T) {
	want := map[string]int{"reg_list": 2, "reg_reload": 2, "reg_enable": 1, "reg_disable": 1, "reg_force_register": 1,
		"clusterer_shtag_set_active": 2, "clusterer_list_shtags": 1}
	cmds := New().MICommands()
	if len(cmds) != len(want) {
		t.Errorf("%d commands", len(cmds))
	}
	for _, c := range cmds {
		if n, ok := want[c.Name]; !ok || len(c.Recipes) != n {
			t.Errorf("%+v", c)
		}
		if strings.HasPrefix(c.Name, "reg_") && !strings.HasPrefix(c.Aliases[0], "uac_registrant:") {
			t.Errorf("%+v", c)
		}
	}
}
