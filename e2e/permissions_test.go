package e2e

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

const permissionsCfg = `
log_level = 3
stderror_enabled = yes
socket = udp:127.0.0.1:PORT

loadmodule "proto_udp.so"
loadmodule "db_sqlite.so"
loadmodule "sl.so"
loadmodule "signaling.so"
loadmodule "httpd.so"
loadmodule "mi_http.so"
loadmodule "permissions.so"

modparam("httpd", "port", HTTPPORT)
modparam("permissions", "db_url", "DBURL")

route {
	if (!check_source_address(1, $avp(ctx))) {
		send_reply(403, "Forbidden");
		exit;
	}
	send_reply(200, "OK $avp(ctx)");
}
`

func permRequest(t *testing.T, c *udpClient, port int) string {
	t.Helper()
	ip := c.conn.LocalAddr().String()
	ip = ip[:strings.LastIndexByte(ip, ':')]
	c.Send(port, fmt.Sprintf("OPTIONS sip:ping@127.0.0.1:%d SIP/2.0\n"+
		"Via: SIP/2.0/UDP %s:LPORT;branch=z9hG4bK-%d\n"+
		"From: <sip:a@%s>;tag=1\nTo: <sip:ping@127.0.0.1>\nCall-ID: perm-%d@%s\nCSeq: 1 OPTIONS\n"+
		"Max-Forwards: 70\nContent-Length: 0\n\n", port, ip, time.Now().UnixNano(), ip, time.Now().UnixNano(), ip))
	r := c.RecvFinal(3 * time.Second)
	if r == "" {
		t.Fatalf("no reply to the request from %s", ip)
	}
	return strings.SplitN(r, "\r\n", 2)[0]
}

func TestPermissionsAddressGroup(t *testing.T) {
	url, conn := newSQLiteDB(t, "address")
	addRow(t, conn, "address", "grp", 1, "ip", "127.0.0.2", "mask", 32, "port", 0, "proto", "any", "context_info", "host")
	addRow(t, conn, "address", "grp", 1, "ip", "127.0.0.64", "mask", 26, "port", 0, "proto", "udp", "context_info", "subnet")
	addRow(t, conn, "address", "grp", 2, "ip", "127.0.0.3", "mask", 32, "port", 0, "proto", "any")
	httpPort := freePort(t)
	srv := startServer(t, strings.NewReplacer("DBURL", url, "HTTPPORT", fmt.Sprint(httpPort)).Replace(permissionsCfg))

	for _, tc := range []struct{ ip, want string }{
		{"127.0.0.2", "SIP/2.0 200 OK host"},
		{"127.0.0.70", "SIP/2.0 200 OK subnet"},
		{"127.0.0.127", "SIP/2.0 200 OK subnet"},
		{"127.0.0.3", "SIP/2.0 403 Forbidden"}, // listed, but in group 2
		{"127.0.0.128", "SIP/2.0 403 Forbidden"},
		{"127.0.0.1", "SIP/2.0 403 Forbidden"},
	} {
		if got := permRequest(t, newUDPClientOn(t, tc.ip), srv.Port); got != tc.want {
			t.Errorf("from %s: %q, want %q", tc.ip, got, tc.want)
		}
	}

	// address_dump and subnet_dump show the cached rows as OpenSIPS does.
	res, err := miHTTP(t, httpPort, "address_dump", nil)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"Partitions":[{"name":"default","Destinations":[{"grp":1,"ip":"127.0.0.2","mask":"32","port":0,"proto":"any","pattern":"","context_info":"host"},{"grp":2,"ip":"127.0.0.3","mask":"32","port":0,"proto":"any","pattern":"","context_info":""}]}]}`
	if string(res) != want {
		t.Errorf("address_dump:\n got %s\nwant %s", res, want)
	}
	res, err = miHTTP(t, httpPort, "subnet_dump", map[string]any{"partition": "default"})
	if err != nil {
		t.Fatal(err)
	}
	want = `{"part":"default","Destinations":[{"grp":1,"ip":"127.0.0.64","mask":"255.255.255.192","port":0,"proto":"udp","pattern":"","context_info":"subnet"}]}`
	if string(res) != want {
		t.Errorf("subnet_dump:\n got %s\nwant %s", res, want)
	}

	// A row added in the database is used after address_reload, without a
	// restart.
	addRow(t, conn, "address", "grp", 1, "ip", "127.0.0.1", "mask", 32, "port", 0, "proto", "any", "context_info", "added")
	if got := permRequest(t, newUDPClientOn(t, "127.0.0.1"), srv.Port); got != "SIP/2.0 403 Forbidden" {
		t.Errorf("before reload: %q", got)
	}
	if _, err := miHTTP(t, httpPort, "address_reload", nil); err != nil {
		t.Fatal(err)
	}
	if got := permRequest(t, newUDPClientOn(t, "127.0.0.1"), srv.Port); got != "SIP/2.0 200 OK added" {
		t.Errorf("after reload: %q", got)
	}

	// A bad row makes the reload fail naming the table and row; the old
	// data stay in use.
	addRow(t, conn, "address", "grp", 1, "ip", "not-an-ip", "mask", 32, "port", 0, "proto", "any")
	_, err = miHTTP(t, httpPort, "address_reload", nil)
	if err == nil || !strings.Contains(err.Error(), "table address, id 5") {
		t.Errorf("reload with a bad row: %v", err)
	}
	if got := permRequest(t, newUDPClientOn(t, "127.0.0.1"), srv.Port); got != "SIP/2.0 200 OK added" {
		t.Errorf("after the failed reload: %q", got)
	}
}
