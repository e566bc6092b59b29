package e2e

import (
	"strings"
	"testing"
	"time"

	"gosips/internal/dbserver"
)

// avpopsDBCfg stores and loads an AVP through avpops on DBURL.
const avpopsDBCfg = `
log_level = 3
stderror_enabled = yes
udp_workers = 2
socket = udp:127.0.0.1:PORT

loadmodule "proto_udp.so"
loadmodule "signaling.so"
loadmodule "sl.so"
loadmodule "sipmsgops.so"
loadmodule "DBMOD.so"
loadmodule "avpops.so"

modparam("avpops", "db_url", "DBURL")

route {
	if ($rU == "store") {
		$avp(color) = "blue";
		if (!avp_db_store("$fu", "$avp(color)")) {
			sl_send_reply(500, "store failed");
			exit;
		}
		sl_send_reply(200, "stored");
		exit;
	}
	$avp(color) = null;
	if (!avp_db_load("$fu", "$avp(color)")) {
		sl_send_reply(404, "nothing");
		exit;
	}
	append_to_reply("X-Color: $avp(color)\r\n");
	sl_send_reply(200, "loaded");
}
`

// TestAvpopsMySQLPostgres: avpops takes a mysql:// or postgres:// db_url
// when db_mysql / db_postgres is loaded, and stores and loads AVPs there.
func TestAvpopsMySQLPostgres(t *testing.T) {
	for _, b := range scaleBackends {
		t.Run(b.name, func(t *testing.T) {
			srv := dbserver.Find(t, b.kind)
			url := scaleDB(t, srv)
			cfg := strings.NewReplacer("DBMOD", b.module, "DBURL", url).Replace(avpopsDBCfg)
			s := startServer(t, cfg)
			c := newUDPClient(t)
			ask := func(user string) string {
				c.Send(s.Port, `OPTIONS sip:`+user+`@127.0.0.1 SIP/2.0
Via: SIP/2.0/UDP 127.0.0.1:LPORT;branch=z9hG4bK-avp-`+user+`
From: <sip:alice@127.0.0.1>;tag=a
To: <sip:`+user+`@127.0.0.1>
Call-ID: avpops-db-`+user+`
CSeq: 1 OPTIONS
Max-Forwards: 70
Content-Length: 0

`)
				return c.Recv(5 * time.Second)
			}
			if r := ask("store"); statusCode(r) != "200" {
				t.Fatalf("store: %q\n%s", r, s.Logs())
			}
			r := ask("load")
			if statusCode(r) != "200" || header(r, "X-Color") != "blue" {
				t.Fatalf("load: %q\n%s", r, s.Logs())
			}
		})
	}
}
