package e2e

import (
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"gosips/internal/testenv"
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
modparam("pua", "db_url", "DBURL")
modparam("xcap", "db_url", "DBURL")
modparam("presence_xml", "force_active", 1)
modparam("pua_bla", "server_address", "sip:bla@127.0.0.1:PORT")
modparam("pua_bla", "default_domain", "127.0.0.1")
modparam("pua_bla", "header_name", "Sender")
modparam("pua_bla", "presence_server", "sip:127.0.0.1:PORT")
modparam("pua_bla", "outbound_proxy", "sip:127.0.0.1:PHONEPORT")

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
	url := sqliteDB(t, blaTables...)
	phonePort := freePort(t)
	srv := startServer(t, blaConfig(url, phonePort))
	s, r := blaRun(t, srv.Port, phonePort, url, srv.Logs)
	port := strconv.Itoa(srv.Port)
	if !strings.HasPrefix(s, "SUBSCRIBE sip:phone@127.0.0.1:") || header(s, "Event") != "dialog;sla" ||
		!strings.HasPrefix(header(s, "From"), "<sip:line@127.0.0.1>;tag=") || header(s, "To") != "<sip:line@127.0.0.1>" ||
		header(s, "Contact") != "<sip:bla@127.0.0.1:"+port+">" {
		t.Errorf("SUBSCRIBE to the phone:\n%s", s)
	}
	if e, err := strconv.Atoi(header(s, "Expires")); err != nil || e < 590 || e > 600 {
		t.Errorf("SUBSCRIBE Expires %q", header(s, "Expires"))
	}
	if r[0] != "line" || r[1] != "127.0.0.1" || r[2] != "dialog;sla" || !strings.HasPrefix(r[3], "sip:phone@127.0.0.1:") ||
		!strings.Contains(r[4], "<state>confirmed</state>") {
		t.Errorf("published BLA state %q", r)
	}
	if !strings.Contains(srv.Logs(), "bla_handle_notify returned 1") {
		t.Errorf("bla_handle_notify:\n%s", srv.Logs())
	}
}

var blaTables = append(append([]string{}, presenceTables...), "pua", "location")

// blaConfig is blaCfg on database url with the phone on phonePort (the
// outbound proxy of the SUBSCRIBEs).
func blaConfig(url string, phonePort int) string {
	return strings.NewReplacer("DBURL", url, "PHONEPORT", strconv.Itoa(phonePort)).Replace(blaCfg)
}

// blaRun registers the phone (on phonePort) with the server on port and
// returns the SUBSCRIBE the phone got and the presentity row (username,
// domain, event, sender, body) the phone's NOTIFY led to.
func blaRun(t *testing.T, port, phonePort int, url string, logs func() string) (string, []string) {
	t.Helper()
	phone := startSippPeer(t, "bla_phone.xml", phonePort, 1, 30*time.Second, "127.0.0.1:"+strconv.Itoa(port))
	if reg := runSipp(t, "bla_register.xml", port, "-key", "phoneport", strconv.Itoa(phone.Port)); reg.Exit != 0 {
		t.Fatalf("REGISTER failed (exit %d):\n%s\n%s", reg.Exit, reg.Output, reg.Messages)
	}
	res := phone.wait(20 * time.Second)
	if res.Exit != 0 {
		t.Fatalf("phone failed (exit %d):\n%s\n%s\n%s", res.Exit, res.Output, res.Messages, logs())
	}
	subs := received(res.Messages, "SUBSCRIBE")
	if len(subs) != 1 {
		t.Fatalf("want 1 SUBSCRIBE, got %d:\n%s", len(subs), res.Messages)
	}
	var rows [][]string
	if !eventually(5*time.Second, func() bool {
		rows = nil
		for _, r := range queryRows(t, url, "presentity", "username", "domain", "event", "sender", "body") {
			rows = append(rows, []string{r[0].Str(), r[1].Str(), r[2].Str(), r[3].Str(), string(r[4].Bytes())})
		}
		return len(rows) == 1
	}) {
		t.Fatalf("presentity rows %v\n%s", rows, logs())
	}
	return subs[0], rows[0]
}

// TestBLASharedLineOracle registers the same phone with real OpenSIPS
// (OPENSIPS_BIN, with pua_bla.so) and gosips: the SUBSCRIBE the phone
// gets (request-URI, Event, From, To, Contact, Expires) and the state
// presence stores from the phone's NOTIFY must match.
func TestBLASharedLineOracle(t *testing.T) {
	bin := testenv.Oracle(t)
	needSipp(t)
	norm := func(s string, row []string) string {
		out := []string{strings.SplitN(s, " ", 3)[1]}
		for _, h := range []string{"Event", "From", "To", "Contact", "Expires"} {
			out = append(out, h+": "+header(s, h))
		}
		out = append(out, row...)
		j := strings.Join(out, " | ")
		j = regexp.MustCompile(`tag=[^ |]+`).ReplaceAllString(j, "tag=T")
		j = regexp.MustCompile(`Expires: 59[0-9]|Expires: 600`).ReplaceAllString(j, "Expires: ~600")
		return regexp.MustCompile(`127\.0\.0\.1:[0-9]+`).ReplaceAllString(j, "127.0.0.1:P")
	}
	gurl, ourl := sqliteDB(t, blaTables...), sqliteDB(t, blaTables...)
	gphone, ophone := freePort(t), freePort(t)
	srv := startServer(t, blaConfig(gurl, gphone))
	g := norm(blaRun(t, srv.Port, gphone, gurl, srv.Logs))
	logs := &syncBuffer{}
	o := norm(blaRun(t, natOracleStartLogs(t, bin, blaConfig(ourl, ophone), logs), ophone, ourl, logs.String))
	if g != o {
		t.Errorf("BLA differs:\n gosips:   %s\n opensips: %s", g, o)
	}
}
