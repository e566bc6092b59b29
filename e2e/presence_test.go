package e2e

import (
	"encoding/json"
	"strconv"
	"strings"
	"testing"
	"time"
)

// presenceCfg is a presence server: PUBLISH and SUBSCRIBE are handled by
// presence with the presence (force_active), message-summary and dialog
// packages; state is kept in DBURL.
const presenceCfg = `
log_level = 3
stderror_enabled = yes
socket = udp:127.0.0.1:PORT

loadmodule "proto_udp.so"
loadmodule "signaling.so"
loadmodule "sl.so"
loadmodule "tm.so"
loadmodule "sipmsgops.so"
loadmodule "db_sqlite.so"
loadmodule "httpd.so"
loadmodule "mi_http.so"
loadmodule "presence.so"
loadmodule "xcap.so"
loadmodule "presence_xml.so"
loadmodule "presence_mwi.so"
loadmodule "presence_dialoginfo.so"

modparam("httpd", "port", HTTPPORT)
modparam("tm", "fr_timeout", 2)
modparam("presence", "db_url", "DBURL")
modparam("presence", "clean_period", 1)
modparam("xcap", "db_url", "DBURL")
modparam("presence_xml", "force_active", 1)

route {
	if (is_method("PUBLISH")) {
		handle_publish();
		exit;
	}
	if (is_method("SUBSCRIBE")) {
		handle_subscribe();
		exit;
	}
	sl_send_reply(404, "Not Found");
}
`

var presenceTables = []string{"presentity", "active_watchers", "watchers", "xcap"}

// presStart starts a presence server on a fresh database; it returns the
// server, the database URL and the MI port.
func presStart(t *testing.T, cfg string) (*server, string, int, string) {
	t.Helper()
	url := sqliteDB(t, presenceTables...)
	mi := freePort(t)
	full := strings.NewReplacer("DBURL", url, "HTTPPORT", strconv.Itoa(mi)).Replace(cfg)
	return startServer(t, full), url, mi, full
}

// presSubsCount is the number of subscriptions subs_phtable_list shows.
func presSubsCount(t *testing.T, mi int) int {
	t.Helper()
	raw, err := miCall(t, mi, "subs_phtable_list", nil)
	if err != nil {
		t.Fatalf("subs_phtable_list: %v", err)
	}
	var list []map[string]any
	if err := json.Unmarshal(raw, &list); err != nil {
		t.Fatalf("subs_phtable_list answer %s: %v", raw, err)
	}
	return len(list)
}

// presBody returns the body of a SIP message from a sipp log.
func presBody(msg string) string {
	msg = strings.ReplaceAll(msg, "\r\n", "\n")
	_, body, _ := strings.Cut(msg, "\n\n")
	return strings.TrimSpace(body)
}

// TestPresencePublishSubscribe is the presence round trip with sipp: a
// watcher subscribes (200 + an initial NOTIFY with no body, nothing being
// published), the presentity publishes open (200 + SIP-ETag) and the
// watcher gets it, a refresh with SIP-If-Match is accepted with a new
// entity tag, an unknown tag gets 412, closed reaches the watcher, and
// the unSUBSCRIBE gets a final NOTIFY with Subscription-State terminated.
func TestPresencePublishSubscribe(t *testing.T) {
	needSipp(t)
	t.Parallel()
	srv, url, mi, _ := presStart(t, presenceCfg)
	w := startSippPeer(t, "pres_watcher.xml", 0, 1, 40*time.Second, "127.0.0.1:"+strconv.Itoa(srv.Port),
		"-s", "bob", "-set", "ev", "presence")
	if !eventually(10*time.Second, func() bool { return presSubsCount(t, mi) == 1 }) {
		t.Fatalf("no subscription after SUBSCRIBE\n%s", srv.Logs())
	}
	if res := runSipp(t, "pres_publish.xml", srv.Port, "-s", "bob"); res.Exit != 0 {
		t.Fatalf("publisher failed (exit %d):\n%s\n%s", res.Exit, res.Output, res.Messages)
	}
	rows := queryRows(t, url, "presentity", "username", "domain", "event", "etag", "body")
	if len(rows) != 1 || rows[0][0].Str() != "bob" || rows[0][2].Str() != "presence" ||
		!strings.Contains(rows[0][4].Str(), "<basic>closed</basic>") {
		t.Errorf("presentity rows: %v", rows)
	}
	res := w.wait(30 * time.Second)
	if res.Exit != 0 {
		t.Fatalf("watcher failed (exit %d):\n%s\n%s\n%s", res.Exit, res.Output, res.Messages, srv.Logs())
	}
	notifies := received(res.Messages, "NOTIFY")
	if len(notifies) != 4 {
		t.Fatalf("want 4 NOTIFYs (initial, open, closed, final), got %d:\n%s", len(notifies), res.Messages)
	}
	for i, n := range notifies {
		if header(n, "Event") != "presence" || !strings.Contains(header(n, "From"), "sip:bob@127.0.0.1") ||
			!strings.HasPrefix(n, "NOTIFY sip:watcher@127.0.0.1:") {
			t.Errorf("NOTIFY %d:\n%s", i, n)
		}
		if cs := header(n, "CSeq"); cs != strconv.Itoa(i+1)+" NOTIFY" {
			t.Errorf("NOTIFY %d CSeq %q", i, cs)
		}
	}
	if b := presBody(notifies[0]); b != "" || header(notifies[0], "Subscription-State") != "active;expires=300" {
		t.Errorf("initial NOTIFY:\n%s", notifies[0])
	}
	for i, want := range map[int]string{1: "open", 2: "closed", 3: "closed"} {
		b := presBody(notifies[i])
		if header(notifies[i], "Content-Type") != "application/pidf+xml" ||
			!strings.Contains(b, "<basic>"+want+"</basic>") || !strings.Contains(b, `entity="sip:bob@127.0.0.1"`) ||
			!strings.Contains(b, `<tuple id="sipp">`) {
			t.Errorf("NOTIFY %d should carry %s:\n%s", i, want, notifies[i])
		}
	}
	if st := header(notifies[3], "Subscription-State"); st != "terminated;reason=timeout" {
		t.Errorf("final Subscription-State %q", st)
	}
	if n := presSubsCount(t, mi); n != 0 {
		t.Errorf("%d subscriptions left after unSUBSCRIBE", n)
	}
}
