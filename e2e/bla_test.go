package e2e

import (
	"strconv"
	"strings"
	"testing"
	"time"
)

// blaCfg is a registrar and presence server for a shared line: REGISTERs
// from the phones are marked with bla_set_flag(), their dialog;sla
// NOTIFYs handed to bla_handle_notify() and the PUBLISHes this makes
// handled by presence with the Sender header as sender.
const blaCfg = `
log_level = 3
stderror_enabled = yes
socket = udp:127.0.0.1:PORT

loadmodule "proto_udp.so"
loadmodule "signaling.so"
loadmodule "sl.so"
loadmodule "tm.so"
loadmodule "sipmsgops.so"
loadmodule "db_sqlite.so"
loadmodule "usrloc.so"
loadmodule "registrar.so"
loadmodule "presence.so"
loadmodule "presence_xml.so"
loadmodule "xcap.so"
loadmodule "pua.so"
loadmodule "pua_bla.so"

modparam("tm", "fr_timeout", 2)
modparam("presence", "db_url", "DBURL")
modparam("xcap", "db_url", "DBURL")
modparam("presence_xml", "force_active", 1)
modparam("pua_bla", "server_address", "sip:bla@127.0.0.1:PORT")
modparam("pua_bla", "default_domain", "127.0.0.1")
modparam("pua_bla", "header_name", "Sender")
modparam("pua_bla", "presence_server", "sip:127.0.0.1:PORT")

route {
	if (is_method("NOTIFY") && $hdr(Event) == "dialog;sla") {
		$var(rc) = bla_handle_notify();
		xlog("bla_handle_notify returned $var(rc)\n");
		sl_send_reply(200, "OK");
		exit;
	}
	if (is_method("REGISTER")) {
		if ($hdr(User-Agent) =~ "PolycomSoundPointIP")
			bla_set_flag();
		save("location");
		exit;
	}
	if (is_method("PUBLISH")) {
		handle_publish("$hdr(Sender)");
		exit;
	}
	if (is_method("SUBSCRIBE")) {
		handle_subscribe();
		exit;
	}
	sl_send_reply(404, "Not Found");
}
`

// TestBLASharedLine registers a phone of a shared line with sipp: the
// server subscribes to its contact for dialog;sla (From the line, To
// the REGISTER's From, Contact server_address), and the phone's NOTIFY
// within that subscription is published for the line, with the phone's
// Contact in the Sender header (presence stores it as the sender).
func TestBLASharedLine(t *testing.T) {
	needSipp(t)
	t.Parallel()
	url := sqliteDB(t, presenceTables...)
	srv := startServer(t, strings.ReplaceAll(blaCfg, "DBURL", url))
	phone := startSippPeer(t, "bla_phone.xml", 0, 1, 30*time.Second, "127.0.0.1:"+strconv.Itoa(srv.Port))
	if reg := runSipp(t, "bla_register.xml", srv.Port, "-key", "phoneport", strconv.Itoa(phone.Port)); reg.Exit != 0 {
		t.Fatalf("REGISTER failed (exit %d):\n%s\n%s", reg.Exit, reg.Output, reg.Messages)
	}
	res := phone.wait(20 * time.Second)
	if res.Exit != 0 {
		t.Fatalf("phone failed (exit %d):\n%s\n%s\n%s", res.Exit, res.Output, res.Messages, srv.Logs())
	}
	subs := received(res.Messages, "SUBSCRIBE")
	if len(subs) != 1 {
		t.Fatalf("want 1 SUBSCRIBE, got %d:\n%s", len(subs), res.Messages)
	}
	s := subs[0]
	port := strconv.Itoa(srv.Port)
	if !strings.HasPrefix(s, "SUBSCRIBE sip:phone@127.0.0.1:") || header(s, "Event") != "dialog;sla" ||
		!strings.HasPrefix(header(s, "From"), "<sip:line@127.0.0.1>;tag=") || header(s, "To") != "<sip:line@127.0.0.1>" ||
		header(s, "Contact") != "<sip:bla@127.0.0.1:"+port+">" {
		t.Errorf("SUBSCRIBE to the phone:\n%s", s)
	}
	if e, err := strconv.Atoi(header(s, "Expires")); err != nil || e < 590 || e > 600 {
		t.Errorf("SUBSCRIBE Expires %q", header(s, "Expires"))
	}
	var rows [][]string
	if !eventually(5*time.Second, func() bool {
		rows = nil
		for _, r := range queryRows(t, url, "presentity", "username", "domain", "event", "sender", "body") {
			rows = append(rows, []string{r[0].Str(), r[1].Str(), r[2].Str(), r[3].Str(), string(r[4].Bytes())})
		}
		return len(rows) == 1
	}) {
		t.Fatalf("presentity rows %v\n%s", rows, srv.Logs())
	}
	r := rows[0]
	if r[0] != "line" || r[1] != "127.0.0.1" || r[2] != "dialog;sla" || !strings.HasPrefix(r[3], "sip:phone@127.0.0.1:") ||
		!strings.Contains(r[4], "<state>confirmed</state>") {
		t.Errorf("published BLA state %q", r)
	}
	if !strings.Contains(srv.Logs(), "bla_handle_notify returned 1") {
		t.Errorf("bla_handle_notify:\n%s", srv.Logs())
	}
}
