package api

import (
	"strings"
	"testing"
)

func TestDBModule(t *testing.T) {
	tests := []struct{ url, want, wantErr string }{
		{url: "text:///etc/opensips/dbtext", want: "db_text"},
		{url: "sqlite:///var/lib/opensips.db", want: "db_sqlite"},
		{url: "mysql://opensips:opensipsrw@localhost/opensips", want: "db_mysql"},
		{url: "postgres://u@h/db", want: "db_postgres"},
		{url: "postgresql://u@h/db", want: "db_postgres"},
		{url: "redis://h", want: "db_redis"},
		{url: "/var/db", wantErr: "has no scheme"},
	}
	for _, tt := range tests {
		got, err := DBModule(tt.url)
		if tt.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("%s: err = %v, want %q", tt.url, err, tt.wantErr)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("%s: got %q (err %v), want %q", tt.url, got, err, tt.want)
		}
	}
}

func TestCheckDBURL(t *testing.T) {
	vc := &ValidateCtx{
		Loaded: func(n string) bool { return n == "db_text" || n == "db_mysql" },
		Global: func(n string) (Value, bool) { return StrValue("text:///default"), n == "db_default_url" },
	}
	if url, err := CheckDBURL(vc, "db_url", "", true); err != nil || url != "text:///default" {
		t.Errorf("default url: %q %v", url, err)
	}
	if _, err := CheckDBURL(vc, "db_url", "mysql://u:pw@h/db", true); err != nil {
		t.Errorf("mysql with db_mysql loaded: %v", err)
	}
	_, err := CheckDBURL(vc, "db_url", "postgres://u:secretpw@h/db", true)
	if err == nil || !strings.Contains(err.Error(), `loadmodule "db_postgres.so"`) || strings.Contains(err.Error(), "secretpw") {
		t.Errorf("postgres not loaded: err = %v (want the loadmodule hint, password masked)", err)
	}
	none := &ValidateCtx{}
	if url, err := CheckDBURL(none, "db_url", "", false); err != nil || url != "" {
		t.Errorf("optional empty: %q %v", url, err)
	}
	if _, err := CheckDBURL(none, "db_url", "", true); err == nil {
		t.Error("required empty url accepted")
	}
}
