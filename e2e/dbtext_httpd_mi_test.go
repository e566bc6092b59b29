package e2e

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// dbtextMICfg checks R-URI domains against a db_text domain table read on
// every request (db_mode 0) and serves MI and metrics over httpd.
const dbtextMICfg = `
log_level = 3
socket = udp:127.0.0.1:PORT
loadmodule "proto_udp.so"
loadmodule "sl.so"
loadmodule "db_text.so"
loadmodule "domain.so"
loadmodule "httpd.so"
loadmodule "mi_http.so"
loadmodule "prometheus.so"
modparam("httpd", "port", MIHTTP)
modparam("domain", "db_url", "text://DBDIR")
modparam("domain", "db_mode", 0)
route {
	if (is_domain_local("$rd")) {
		sl_send_reply(200, "Local");
		exit;
	}
	sl_send_reply(404, "Not Local");
}
`

const dbtextDomainHeader = "id(int,auto) domain(string) attrs(string,null) accept_subdomain(int) last_modified(string)\n"

// TestDBTextMI drives dbt_dump and dbt_reload over mi_http against a
// database a module has open, with OpenSIPS 3.6's answers: "OK", 400 "Bad
// parameter value" for a database or table not cached, 500 "Internal
// error" when a table file no longer parses.
func TestDBTextMI(t *testing.T) {
	httpPort := freePort(t)
	dbDir := t.TempDir()
	write := func(name, content string) {
		t.Helper()
		if err := os.WriteFile(filepath.Join(dbDir, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("version", "table_name(string) table_version(int)\ndomain:4\n")
	write("domain", dbtextDomainHeader+"1:a.example::0:2020-01-01 00\\:00\\:00\n")
	cfg := strings.NewReplacer("MIHTTP", strconv.Itoa(httpPort), "DBDIR", dbDir).Replace(dbtextMICfg)
	srv := startServer(t, cfg)
	c := newUDPClient(t)
	options := func(host string) string {
		t.Helper()
		c.Send(srv.Port, fmt.Sprintf("OPTIONS sip:u@%s SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:%d;branch=z9hG4bK%s%d\r\n"+
			"Max-Forwards: 70\r\nFrom: <sip:a@127.0.0.1>;tag=1\r\nTo: <sip:u@%s>\r\nCall-ID: dbt-%s-%d\r\nCSeq: 1 OPTIONS\r\n"+
			"Content-Length: 0\r\n\r\n", host, c.Port(), host, time.Now().UnixNano(), host, host, time.Now().UnixNano()))
		return statusCode(c.Recv(3 * time.Second))
	}
	if got := options("a.example"); got != "200" {
		t.Fatalf("a.example: %s, want 200", got)
	}
	call := func(method string, params any) (string, error) {
		raw, err := miCall(t, httpPort, method, params)
		return string(raw), err
	}
	for _, tc := range []struct {
		method string
		params any
	}{
		{"dbt_dump", nil},
		{"dbt_reload", nil},
		{"dbt_reload", map[string]any{"db_name": dbDir}},
		{"dbt_reload", map[string]any{"db_name": "text://" + dbDir}},
		{"dbt_reload", map[string]any{"db_name": dbDir, "table_name": "domain"}},
		{"db_text:reload", []any{dbDir, "domain"}},
	} {
		if got, err := call(tc.method, tc.params); err != nil || got != `"OK"` {
			t.Errorf("%s %v: %s %v, want \"OK\"", tc.method, tc.params, got, err)
		}
	}
	for _, p := range []map[string]any{
		{"db_name": "/nonexistent/db"},
		{"db_name": dbDir, "table_name": "subscriber"},
	} {
		_, err := call("dbt_reload", p)
		expectMIError(t, err, 400, "Bad parameter value")
	}

	// A new row is seen after a reload; a broken file is a 500.
	write("domain", dbtextDomainHeader+"1:a.example::0:2020-01-01 00\\:00\\:00\n2:b.example::0:2020-01-01 00\\:00\\:00\n")
	if got, err := call("dbt_reload", map[string]any{"db_name": dbDir, "table_name": "domain"}); err != nil || got != `"OK"` {
		t.Errorf("dbt_reload after an edit: %s %v", got, err)
	}
	if got := options("b.example"); got != "200" {
		t.Errorf("b.example after dbt_reload: %s, want 200", got)
	}
	write("domain", "id(int,auto) domain(\n")
	_, err := call("dbt_reload", nil)
	expectMIError(t, err, 500, "Internal error")
}

// TestHttpdListRootPath lists the roots mi_http and prometheus serve, as
// OpenSIPS 3.6 does: newest registration first, {"http_root", "module"}.
func TestHttpdListRootPath(t *testing.T) {
	httpPort := freePort(t)
	dbDir := t.TempDir()
	os.WriteFile(filepath.Join(dbDir, "version"), []byte("table_name(string) table_version(int)\ndomain:4\n"), 0o644)
	os.WriteFile(filepath.Join(dbDir, "domain"), []byte(dbtextDomainHeader), 0o644)
	cfg := strings.NewReplacer("MIHTTP", strconv.Itoa(httpPort), "DBDIR", dbDir).Replace(dbtextMICfg)
	startServer(t, cfg)
	raw, err := miCall(t, httpPort, "httpd_list_root_path", nil)
	want := `[{"http_root":"metrics","module":"prometheus"},{"http_root":"mi","module":"mi_http"}]`
	if err != nil || string(raw) != want {
		t.Errorf("httpd_list_root_path: %s %v, want %s", raw, err, want)
	}
}
