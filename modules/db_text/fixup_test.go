package dbtext

import (
	"strings"
	"testing"

	"gosips/api"
)

<<<<<<< HEAD
func TestDBModule(t *testing.T) {
	tests := []struct{ url, want, wantErr string }{
		{url: "text:///etc/opensips/dbtext", want: "db_text"},
		{url: "text://dbtext", want: "db_text"},
		{url: "sqlite:///var/lib/opensips.db", want: "db_sqlite"},
		{url: "mysql://opensips:opensipsrw@localhost/opensips", want: "db_mysql"},
		{url: "postgres://u@h/db", want: "db_postgres"},
		{url: "redis://h", want: "db_redis"},
		{url: "/var/db", wantErr: "has no scheme"},
	}
	for _, tt := range tests {
		t.Run(tt.url, func(t *testing.T) {
			got, err := api.DBModule(tt.url)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Errorf("got %q (err %v), want %q", got, err, tt.want)
			}
		})
	}
}

func TestCheckDBURL(t *testing.T) {
	vc := &api.ValidateCtx{
		Loaded: func(n string) bool { return n == "db_text" },
		Global: func(n string) (api.Value, bool) { return api.StrValue("text:///default"), n == "db_default_url" },
	}
	if url, err := api.CheckDBURL(vc, "db_url", "", true); err != nil || url != "text:///default" {
		t.Errorf("default url: %q %v", url, err)
	}
	if _, err := api.CheckDBURL(vc, "db_url", "sqlite:///x", true); err == nil || !strings.Contains(err.Error(), `loadmodule "db_sqlite.so"`) {
		t.Errorf("sqlite not loaded: err = %v", err)
	}
	none := &api.ValidateCtx{}
	if url, err := api.CheckDBURL(none, "db_url", "", false); err != nil || url != "" {
		t.Errorf("optional empty: %q %v", url, err)
	}
	if _, err := api.CheckDBURL(none, "db_url", "", true); err == nil {
		t.Error("required empty url accepted")
	}
}

=======
>>>>>>> main
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
