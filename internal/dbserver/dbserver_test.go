package dbserver

import (
	"os"
	"path/filepath"
	"regexp"
	"testing"
)

func TestReadEnvFile(t *testing.T) {
	p := filepath.Join(t.TempDir(), "env")
	data := "# servers\nGOSIPS_TEST_MYSQL_URL=mysql://u:p@127.0.0.1:13306/opensips\n\nGOSIPS_TEST_MYSQL_STOP=\"/x/dbservers.sh stop mysql\"\nbroken line\n"
	if err := os.WriteFile(p, []byte(data), 0o600); err != nil {
		t.Fatal(err)
	}
	env, err := ReadEnvFile(p)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		"GOSIPS_TEST_MYSQL_URL":  "mysql://u:p@127.0.0.1:13306/opensips",
		"GOSIPS_TEST_MYSQL_STOP": "/x/dbservers.sh stop mysql",
	}
	if len(env) != len(want) {
		t.Errorf("env = %v", env)
	}
	for k, v := range want {
		if env[k] != v {
			t.Errorf("%s = %q, want %q", k, env[k], v)
		}
	}
	if env, err := ReadEnvFile(filepath.Join(t.TempDir(), "missing")); err != nil || len(env) != 0 {
		t.Errorf("missing file: %v, %v", env, err)
	}
}

func TestWithDatabase(t *testing.T) {
	tests := []struct{ in, name, want string }{
		{"mysql://u:p@h:1/opensips", "t1", "mysql://u:p@h:1/t1"},
		{"postgres://u:p/w@h/opensips", "t2", "postgres://u:p/w@h/t2"},
		{"mysql://u:p@h", "t3", "mysql://u:p@h/t3"},
	}
	for _, tc := range tests {
		got, err := WithDatabase(tc.in, tc.name)
		if err != nil || got != tc.want {
			t.Errorf("WithDatabase(%q) = %q, %v; want %q", tc.in, got, err, tc.want)
		}
	}
	if _, err := WithDatabase("sqlite:x", "y"); err == nil {
		t.Error("no error for a URL without authority")
	}
}

func TestUniqueName(t *testing.T) {
	a, b := UniqueName("gosips_t_"), UniqueName("gosips_t_")
	if a == b || !regexp.MustCompile(`^gosips_t_[0-9a-f]{12}$`).MatchString(a) {
		t.Errorf("names %q, %q", a, b)
	}
}
