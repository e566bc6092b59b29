package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"gosips/db"
	"gosips/db/schema"
)

const pdtCfg = `
log_level = 3
stderror_enabled = yes
socket = udp:127.0.0.1:PORT

loadmodule "proto_udp.so"
loadmodule "signaling.so"
loadmodule "sl.so"
loadmodule "db_sqlite.so"
loadmodule "httpd.so"
loadmodule "mi_http.so"
loadmodule "sipmsgops.so"
loadmodule "pdt.so"

modparam("httpd", "port", HTTPPORT)
modparam("pdt", "db_url", "DBURL")
modparam("pdt", "prefix", "00")

route {
	if (prefix2domain("$hdr(X-Mode)", "$hdr(X-SD)")) {
		append_to_reply("X-RURI: $ru\r\n");
		send_reply(200, "Translated");
		exit;
	}
	send_reply(404, "No Prefix");
}
`

// pdtTable is the pdt table of OpenSIPS 2.1 (scripts/mysql/pdt-create.sql),
// which later releases no longer ship.
var pdtTable = &schema.Table{Name: "pdt", Version: 2, Module: "pdt", Columns: []schema.Column{
	{Name: "id", Type: schema.Int, Size: "10", Unsigned: true, Auto: true},
	{Name: "sdomain", Type: schema.String, Size: "128"},
	{Name: "prefix", Type: schema.String, Size: "32"},
	{Name: "domain", Type: schema.String, Size: "128", Default: "''"},
}, Indexes: []schema.Index{{Name: "sdomain_prefix_idx", Cols: []string{"sdomain", "prefix"}, Unique: true}}}

// pdtDB makes a sqlite database holding the pdt table.
func pdtDB(t *testing.T) (string, db.Conn) {
	t.Helper()
	url := "sqlite://" + filepath.Join(t.TempDir(), "pdt.db")
	c, err := db.Open(context.Background(), url, db.WithCreate())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	if _, err := c.(db.TableCreator).CreateTable(context.Background(), pdtTable); err != nil {
		t.Fatal(err)
	}
	return url, c
}

func TestPDTPrefix2Domain(t *testing.T) {
	url, conn := pdtDB(t)
	addRow(t, conn, "pdt", "sdomain", "*", "prefix", "123", "domain", "alpha.org")
	addRow(t, conn, "pdt", "sdomain", "*", "prefix", "1234", "domain", "beta.org:5070")
	addRow(t, conn, "pdt", "sdomain", "siphub.org", "prefix", "55", "domain", "gamma.org")
	// check_domain: a second prefix for alpha.org under "*" is refused.
	addRow(t, conn, "pdt", "sdomain", "*", "prefix", "999", "domain", "alpha.org")
	httpPort := freePort(t)
	srv := startServer(t, strings.NewReplacer("DBURL", url, "HTTPPORT", fmt.Sprint(httpPort)).Replace(pdtCfg))
	c := newUDPClient(t)
	n := 0
	call := func(user, from string, mode, sd int) string {
		n++
		c.Send(srv.Port, fmt.Sprintf("INVITE sip:%s@127.0.0.1 SIP/2.0\nVia: SIP/2.0/UDP 127.0.0.1:LPORT;branch=z9hG4bK-pdt-%d\n"+
			"From: <sip:a@%s>;tag=p%d\nTo: <sip:%s@127.0.0.1>\nCall-ID: pdt-%d\nCSeq: 1 INVITE\nX-Mode: %d\nX-SD: %d\n"+
			"Max-Forwards: 70\nContent-Length: 0\n\n", user, n, from, n, user, n, mode, sd))
		r := c.Recv(3 * time.Second)
		if statusCode(r) == "200" {
			return header(r, "X-RURI")
		}
		return statusCode(r)
	}
	for _, tc := range []struct {
		user, from string
		mode, sd   int
		want       string
	}{
		{"0012391001", "x.org", 0, 0, "sip:91001@alpha.org"},
		{"00123491001", "x.org", 0, 0, "sip:91001@beta.org:5070"},
		{"0012391001", "x.org", 1, 0, "sip:12391001@alpha.org"},
		{"0012391001", "x.org", 2, 0, "sip:0012391001@alpha.org"},
		{"0012391001", "x.org", 7, 0, "sip:91001@alpha.org"}, // unknown modes are 0
		{"0055777", "siphub.org", 0, 1, "sip:777@gamma.org"},
		{"0012391001", "siphub.org", 0, 1, "404"},
		{"0012391001", "siphub.org", 0, 2, "sip:91001@alpha.org"},
		{"0055777", "x.org", 0, 0, "404"},
		{"0099912", "x.org", 0, 0, "404"},  // the duplicated row was not loaded
		{"12391001", "x.org", 0, 0, "404"}, // no leading prefix
		{"00", "x.org", 0, 0, "404"},
		{"00abc", "x.org", 0, 0, "404"}, // outside char_list
	} {
		if got := call(tc.user, tc.from, tc.mode, tc.sd); got != tc.want {
			t.Errorf("%s from %s mode %d/%d: got %q, want %q", tc.user, tc.from, tc.mode, tc.sd, got, tc.want)
		}
	}

	mi := func(cmd string, params any) string {
		out, err := miHTTP(t, httpPort, cmd, params)
		if err != nil {
			return "error: " + err.Error()
		}
		var v any
		json.Unmarshal(out, &v)
		b, _ := json.Marshal(v)
		return string(b)
	}
	if got, want := mi("pdt_list", nil), `{"PDT":[{"DOMAIN":"alpha.org","PREFIX":"123","SDOMAIN":"*"},{"DOMAIN":"beta.org:5070","PREFIX":"1234","SDOMAIN":"*"},{"DOMAIN":"gamma.org","PREFIX":"55","SDOMAIN":"siphub.org"}]}`; got != want {
		t.Errorf("pdt_list:\n got %s\nwant %s", got, want)
	}
	if got, want := mi("pdt_list", map[string]any{"sdomain": ".", "prefix": "12", "domain": "be"}), `{"PDT":[{"DOMAIN":"beta.org:5070","PREFIX":"1234","SDOMAIN":"*"}]}`; got != want {
		t.Errorf("pdt_list filtered:\n got %s\nwant %s", got, want)
	}
	if got := mi("pdt_add", map[string]any{"sdomain": "*", "prefix": "77", "domain": "delta.org"}); got != `"OK"` {
		t.Fatalf("pdt_add: %s", got)
	}
	if got := call("007712", "x.org", 0, 0); got != "sip:12@delta.org" {
		t.Errorf("after pdt_add: %q", got)
	}
	for _, bad := range []map[string]any{
		{"sdomain": "*", "prefix": "77", "domain": "other.org"},
		{"sdomain": "*", "prefix": "7a", "domain": "other.org"},
		{"sdomain": ".", "prefix": "78", "domain": "other.org"},
	} {
		if got := mi("pdt_add", bad); !strings.HasPrefix(got, "error: ") {
			t.Errorf("pdt_add %v accepted: %s", bad, got)
		}
	}
	rows := queryRows(t, url, "pdt", "sdomain", "prefix", "domain")
	if len(rows) != 5 {
		t.Errorf("pdt rows after pdt_add: %v", rows)
	}
	if got := mi("pdt_delete", map[string]any{"sdomain": "*", "domain": "delta.org"}); got != `"OK"` {
		t.Fatalf("pdt_delete: %s", got)
	}
	if got := call("007712", "x.org", 0, 0); got != "404" {
		t.Errorf("after pdt_delete: %q", got)
	}
	if rows := queryRows(t, url, "pdt", "domain"); len(rows) != 4 {
		t.Errorf("pdt rows after pdt_delete: %v", rows)
	}
	// A row written behind the server's back counts after pdt_reload.
	addRow(t, conn, "pdt", "sdomain", "*", "prefix", "4", "domain", "epsilon.org")
	if got := call("0049", "x.org", 0, 0); got != "404" {
		t.Errorf("before pdt_reload: %q", got)
	}
	if got := mi("pdt_reload", nil); got != `"OK"` {
		t.Fatalf("pdt_reload: %s", got)
	}
	if got := call("0049", "x.org", 0, 0); got != "sip:9@epsilon.org" {
		t.Errorf("after pdt_reload: %q", got)
	}
}
