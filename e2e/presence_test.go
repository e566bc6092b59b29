package e2e

import (
	"encoding/json"
	"strconv"
	"strings"
	"testing"
	"time"

	"gosips/db"
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

// presSubscribe sends an initial SUBSCRIBE from c to user's presentity
// and returns the reply and the NOTIFY that follows (answered 200).
func presSubscribe(t *testing.T, c *udpClient, port int, user, event, callID string) (string, string) {
	t.Helper()
	c.Send(port, "SUBSCRIBE sip:"+user+"@127.0.0.1 SIP/2.0\n"+
		"Via: SIP/2.0/UDP 127.0.0.1:LPORT;branch=z9hG4bK"+callID+"\n"+
		"From: <sip:watcher@127.0.0.1>;tag=w"+callID+"\nTo: <sip:"+user+"@127.0.0.1>\n"+
		"Call-ID: "+callID+"\nCSeq: 1 SUBSCRIBE\nContact: <sip:watcher@127.0.0.1:LPORT>\n"+
		"Event: "+event+"\nExpires: 600\nMax-Forwards: 70\nContent-Length: 0\n\n")
	// Under load a NOTIFY of an earlier subscription on c can be
	// retransmitted (our 200 came late) and arrive before this reply: it is
	// answered again and skipped; this dialog's NOTIFY may also overtake
	// the reply.
	var rep, notify string
	deadline := time.Now().Add(3 * time.Second)
	for rep == "" && time.Now().Before(deadline) {
		m := c.Recv(time.Until(deadline))
		switch {
		case m == "":
			return "", ""
		case strings.HasPrefix(m, "NOTIFY "):
			c.Send(port, sipReply(m, "200 OK", ""))
			if header(m, "Call-ID") == callID && notify == "" {
				notify = m
			}
		case header(m, "Call-ID") == callID && !strings.HasPrefix(m, "SIP/2.0 1"):
			rep = m
		}
	}
	if notify == "" {
		notify = presAnswerNotify(t, c, port)
	}
	return rep, notify
}

// presAnswerNotify waits for a NOTIFY on c and answers it 200.
func presAnswerNotify(t *testing.T, c *udpClient, port int) string {
	t.Helper()
	n := c.Recv(3 * time.Second)
	if !strings.HasPrefix(n, "NOTIFY ") {
		t.Fatalf("want a NOTIFY, got:\n%s", n)
	}
	c.Send(port, sipReply(n, "200 OK", ""))
	return n
}

// presPublish sends a PUBLISH (body "" for a refresh) and returns the
// reply.
func presPublish(c *udpClient, port int, user, event, ctype, etag, body string, n int) string {
	msg := "PUBLISH sip:" + user + "@127.0.0.1 SIP/2.0\n" +
		"Via: SIP/2.0/UDP 127.0.0.1:LPORT;branch=z9hG4bKpub" + strconv.Itoa(n) + "\n" +
		"From: <sip:" + user + "@127.0.0.1>;tag=p" + strconv.Itoa(n) + "\nTo: <sip:" + user + "@127.0.0.1>\n" +
		"Call-ID: pub-" + strconv.Itoa(n) + "\nCSeq: 1 PUBLISH\nEvent: " + event + "\nExpires: 600\nMax-Forwards: 70\n"
	if etag != "" {
		msg += "SIP-If-Match: " + etag + "\n"
	}
	if body != "" {
		msg += "Content-Type: " + ctype + "\n"
	}
	msg += "Content-Length: " + strconv.Itoa(len(strings.ReplaceAll(body, "\n", "\r\n"))) + "\n\n" + body
	c.Send(port, msg)
	return c.RecvFinal(3 * time.Second)
}

func presPIDF(user, basic string) string {
	return `<?xml version="1.0"?>` + "\n" + `<presence xmlns="urn:ietf:params:xml:ns:pidf" entity="sip:` + user +
		`@127.0.0.1"><tuple id="t1"><status><basic>` + basic + `</basic></status></tuple></presence>`
}

// TestPresenceRestartKeepsState subscribes and publishes, restarts the
// server and checks that the presentity and the subscription were kept
// in the database: the entity tag still matches, and a change reaches
// the watcher in the same dialog with the next CSeq.
func TestPresenceRestartKeepsState(t *testing.T) {
	t.Parallel()
	srv, url, _, cfg := presStart(t, presenceCfg)
	w, p := newUDPClient(t), newUDPClient(t)
	rep, n := presSubscribe(t, w, srv.Port, "carol", "presence", "restart-sub")
	if statusCode(rep) != "200" || header(n, "CSeq") != "1 NOTIFY" {
		t.Fatalf("subscribe: %s\n%s", rep, n)
	}
	rep = presPublish(p, srv.Port, "carol", "presence", "application/pidf+xml", "", presPIDF("carol", "open"), 1)
	etag := header(rep, "SIP-ETag")
	if statusCode(rep) != "200" || etag == "" {
		t.Fatalf("publish: %s", rep)
	}
	if n := presAnswerNotify(t, w, srv.Port); !strings.Contains(n, "<basic>open</basic>") {
		t.Fatalf("NOTIFY after publish:\n%s", n)
	}

	srv.stop(t)
	if rows := queryRows(t, url, "active_watchers", "presentity_uri", "callid", "local_cseq", "status", "event"); len(rows) != 1 ||
		rows[0][0].Str() != "sip:carol@127.0.0.1" || rows[0][1].Str() != "restart-sub" || rows[0][2].Int64() != 2 ||
		rows[0][3].Int64() != 1 || rows[0][4].Str() != "presence" {
		t.Fatalf("active_watchers after shutdown: %v", rows)
	}
	if rows := queryRows(t, url, "watchers", "presentity_uri", "watcher_username", "status"); len(rows) != 1 ||
		rows[0][1].Str() != "watcher" || rows[0][2].Int64() != 1 {
		t.Fatalf("watchers: %v", rows)
	}
	if rows := queryRows(t, url, "presentity", "username", "etag"); len(rows) != 1 || rows[0][1].Str() != etag {
		t.Fatalf("presentity after shutdown: %v (etag %s)", rows, etag)
	}

	srv = startServerOn(t, cfg, srv.Port)
	rep = presPublish(p, srv.Port, "carol", "presence", "application/pidf+xml", etag, presPIDF("carol", "closed"), 2)
	if statusCode(rep) != "200" {
		t.Fatalf("modify after restart: %s\n%s", rep, srv.Logs())
	}
	n = presAnswerNotify(t, w, srv.Port)
	if header(n, "CSeq") != "3 NOTIFY" || header(n, "Call-ID") != "restart-sub" || !strings.Contains(n, "<basic>closed</basic>") {
		t.Fatalf("NOTIFY after restart:\n%s", n)
	}
}

// TestPresenceMWI: a message-summary PUBLISH from a voicemail server
// (sipp) reaches the phone subscribed to the mailbox.
func TestPresenceMWI(t *testing.T) {
	needSipp(t)
	t.Parallel()
	srv, _, _, _ := presStart(t, presenceCfg)
	phone := newUDPClient(t)
	rep, n := presSubscribe(t, phone, srv.Port, "dave", "message-summary", "mwi-sub")
	if statusCode(rep) != "200" || header(n, "Event") != "message-summary" || presBody(n) != "" {
		t.Fatalf("subscribe: %s\n%s", rep, n)
	}
	if res := runSipp(t, "pres_mwi_publish.xml", srv.Port, "-s", "dave"); res.Exit != 0 {
		t.Fatalf("voicemail publish failed (exit %d):\n%s\n%s", res.Exit, res.Output, res.Messages)
	}
	n = presAnswerNotify(t, phone, srv.Port)
	if header(n, "Content-Type") != "application/simple-message-summary" ||
		!strings.Contains(n, "Messages-Waiting: yes") || !strings.Contains(n, "Voice-Message: 2/8 (0/2)") {
		t.Fatalf("MWI NOTIFY:\n%s", n)
	}
}

// presenceBLFCfg is a proxy that publishes the dialogs it relays
// (pua_dialoginfo through pua, to itself) and serves them to
// busy-lamp-field subscribers.
const presenceBLFCfg = `
log_level = 3
stderror_enabled = yes
socket = udp:127.0.0.1:PORT

loadmodule "proto_udp.so"
loadmodule "signaling.so"
loadmodule "sl.so"
loadmodule "tm.so"
loadmodule "rr.so"
loadmodule "sipmsgops.so"
loadmodule "dialog.so"
loadmodule "db_sqlite.so"
loadmodule "presence.so"
loadmodule "presence_dialoginfo.so"
loadmodule "pua.so"
loadmodule "pua_dialoginfo.so"

modparam("tm", "fr_timeout", 2)
modparam("presence", "db_url", "DBURL")
modparam("pua", "db_url", "DBURL")
modparam("pua_dialoginfo", "presence_server", "sip:127.0.0.1:PORT")

route {
	if (is_method("PUBLISH")) {
		handle_publish();
		exit;
	}
	if (is_method("SUBSCRIBE")) {
		handle_subscribe();
		exit;
	}
	if (has_totag()) {
		if (loose_route()) {
			t_relay();
			exit;
		}
		if (is_method("ACK") && t_check_trans()) {
			t_relay();
			exit;
		}
		sl_send_reply(404, "Not here");
		exit;
	}
	if (is_method("INVITE")) {
		record_route();
		dialoginfo_set();
	}
	$du = "sip:127.0.0.1:UAS";
	t_relay();
}
`

// presBLFCall subscribes a busy lamp field to bob's dialog state on the
// proxy started by start (from presenceBLFCfg with the callee port), runs
// a call through it and returns the NOTIFYs the field got after the
// initial one.
func presBLFCall(t *testing.T, start func(cfg string) int) []string {
	t.Helper()
	uasPort, uasWait := startSippUAS(t, "uas_call.xml")
	url := sqliteDB(t, "presentity", "active_watchers", "watchers", "pua")
	port := start(strings.NewReplacer("UAS", strconv.Itoa(uasPort), "DBURL", url).Replace(presenceBLFCfg))
	blf := newUDPClient(t)
	rep, n := presSubscribe(t, blf, port, "bob", "dialog", "blf-sub")
	if statusCode(rep) != "200" || header(n, "Content-Type") != "application/dialog-info+xml" ||
		!strings.Contains(n, `state="full"`) || strings.Contains(n, "<dialog ") {
		t.Fatalf("BLF subscribe: %s\n%s", rep, n)
	}
	if res := runSipp(t, "uac_call.xml", port, "-s", "bob"); res.Exit != 0 {
		t.Fatalf("call failed (exit %d):\n%s", res.Exit, res.Output)
	}
	if r := uasWait(); r.Exit != 0 {
		t.Fatalf("callee failed (exit %d):\n%s", r.Exit, r.Output)
	}
	var out []string
	for len(out) < 3 {
		m := blf.Recv(5 * time.Second)
		if m == "" {
			break
		}
		if strings.HasPrefix(m, "NOTIFY ") {
			blf.Send(port, sipReply(m, "200 OK", ""))
			out = append(out, m)
		}
	}
	return out
}

// TestPresenceDialogInfoBLF: a call through the proxy with
// pua_dialoginfo makes the busy lamp field of the callee go early,
// confirmed and terminated.
func TestPresenceDialogInfoBLF(t *testing.T) {
	needSipp(t)
	t.Parallel()
	var srv *server
	notifies := presBLFCall(t, func(cfg string) int {
		port := freePort(t)
		srv = startServerOn(t, strings.ReplaceAll(cfg, "PORT", strconv.Itoa(port)), port)
		return port
	})
	var states []string
	for _, m := range notifies {
		body := presBody(m)
		if !strings.Contains(body, `entity="sip:bob@127.0.0.1"`) || !strings.Contains(body, `direction="recipient"`) ||
			!strings.Contains(body, `<identity>sip:caller@127.0.0.1:`) {
			t.Errorf("dialog NOTIFY:\n%s", m)
		}
		i := strings.Index(body, "<state>")
		j := strings.Index(body, "</state>")
		if i < 0 || j < i {
			t.Fatalf("NOTIFY without a dialog state:\n%s", m)
		}
		states = append(states, body[i+7:j])
	}
	if strings.Join(states, ",") != "early,confirmed,terminated" {
		t.Fatalf("BLF states %v, want early,confirmed,terminated\n%s", states, srv.Logs())
	}
}

// presenceULCfg publishes registrations (pua_usrloc) to its own
// presence server.
const presenceULCfg = `
log_level = 3
stderror_enabled = yes
socket = udp:127.0.0.1:PORT

loadmodule "proto_udp.so"
loadmodule "signaling.so"
loadmodule "sl.so"
loadmodule "tm.so"
loadmodule "sipmsgops.so"
loadmodule "usrloc.so"
loadmodule "registrar.so"
loadmodule "presence.so"
loadmodule "xcap.so"
loadmodule "presence_xml.so"
loadmodule "pua.so"
loadmodule "pua_usrloc.so"

modparam("tm", "fr_timeout", 2)
modparam("presence_xml", "force_active", 1)
modparam("pua_usrloc", "presence_server", "sip:127.0.0.1:PORT")
modparam("pua_usrloc", "default_domain", "127.0.0.1")

route {
	if (is_method("PUBLISH")) {
		handle_publish();
		exit;
	}
	if (is_method("SUBSCRIBE")) {
		handle_subscribe();
		exit;
	}
	if (is_method("REGISTER")) {
		pua_set_publish();
		if (!save("location"))
			sl_reply_error();
		exit;
	}
	sl_send_reply(404, "Not Found");
}
`

// TestPresenceRegistrationPublished: with pua_usrloc, registering makes
// the user "open" for its watchers and unregistering "closed".
func TestPresenceRegistrationPublished(t *testing.T) {
	t.Parallel()
	port := freePort(t)
	srv := startServerOn(t, strings.ReplaceAll(presenceULCfg, "PORT", strconv.Itoa(port)), port)
	w, ua := newUDPClient(t), newUDPClient(t)
	rep, n := presSubscribe(t, w, srv.Port, "erin", "presence", "ul-sub")
	if statusCode(rep) != "200" || presBody(n) != "" {
		t.Fatalf("subscribe: %s\n%s", rep, n)
	}
	register := func(expires, cseq int) string {
		ua.Send(srv.Port, "REGISTER sip:127.0.0.1 SIP/2.0\nVia: SIP/2.0/UDP 127.0.0.1:LPORT;branch=z9hG4bKreg"+strconv.Itoa(cseq)+"\n"+
			"From: <sip:erin@127.0.0.1>;tag=r1\nTo: <sip:erin@127.0.0.1>\nCall-ID: ul-reg\nCSeq: "+strconv.Itoa(cseq)+" REGISTER\n"+
			"Contact: <sip:erin@127.0.0.1:LPORT>\nExpires: "+strconv.Itoa(expires)+"\nMax-Forwards: 70\nContent-Length: 0\n\n")
		return ua.RecvFinal(3 * time.Second)
	}
	if r := register(600, 1); statusCode(r) != "200" {
		t.Fatalf("REGISTER: %s", r)
	}
	n = presAnswerNotify(t, w, srv.Port)
	if !strings.Contains(n, "<basic>open</basic>") || !strings.Contains(n, `entity="sip:erin@127.0.0.1"`) {
		t.Fatalf("NOTIFY after REGISTER:\n%s\n%s", n, srv.Logs())
	}
	if r := register(0, 2); statusCode(r) != "200" {
		t.Fatalf("unREGISTER: %s", r)
	}
	n = presAnswerNotify(t, w, srv.Port)
	if !strings.Contains(n, "<basic>closed</basic>") {
		t.Fatalf("NOTIFY after unREGISTER:\n%s", n)
	}
}

// TestPresenceDBWriteModes: with fallback2db a subscription is in
// active_watchers as soon as it is answered and gone with the
// unSUBSCRIBE; otherwise the db_update_period timer writes it.
func TestPresenceDBWriteModes(t *testing.T) {
	t.Parallel()
	rows := func(url string) int { return len(queryRows(t, url, "active_watchers", "callid")) }

	srv, url, _, _ := presStart(t, strings.Replace(presenceCfg, `modparam("presence", "clean_period", 1)`,
		`modparam("presence", "fallback2db", 1)`, 1))
	w := newUDPClient(t)
	rep, _ := presSubscribe(t, w, srv.Port, "frank", "presence", "fb-sub")
	if n := rows(url); statusCode(rep) != "200" || n != 1 {
		t.Fatalf("fallback2db: %d rows after SUBSCRIBE (%s)", n, statusCode(rep))
	}
	_, tag, _ := strings.Cut(header(rep, "To"), "tag=")
	w.Send(srv.Port, "SUBSCRIBE sip:frank@127.0.0.1 SIP/2.0\nVia: SIP/2.0/UDP 127.0.0.1:LPORT;branch=z9hG4bKfb2\n"+
		"From: <sip:watcher@127.0.0.1>;tag=wfb-sub\nTo: <sip:frank@127.0.0.1>;tag="+tag+"\nCall-ID: fb-sub\n"+
		"CSeq: 2 SUBSCRIBE\nContact: <sip:watcher@127.0.0.1:LPORT>\nEvent: presence\nExpires: 0\nMax-Forwards: 70\nContent-Length: 0\n\n")
	if r := w.RecvFinal(3 * time.Second); statusCode(r) != "200" {
		t.Fatalf("unSUBSCRIBE: %s", r)
	}
	presAnswerNotify(t, w, srv.Port)
	if n := rows(url); n != 0 {
		t.Fatalf("fallback2db: %d rows after unSUBSCRIBE", n)
	}

	srv2, url2, _, _ := presStart(t, strings.Replace(presenceCfg, `modparam("presence", "clean_period", 1)`,
		`modparam("presence", "db_update_period", 1)`, 1))
	w2 := newUDPClient(t)
	presSubscribe(t, w2, srv2.Port, "frank", "presence", "upd-sub")
	if !eventually(4*time.Second, func() bool { return rows(url2) == 1 }) {
		t.Fatalf("db_update_period: subscription not written")
	}
}

// TestPresenceXCAPRules: without force_active the pres-rules document of
// the presentity in the xcap table decides: an allowed watcher is active
// (200 and the state), another is pending (202, NOTIFY without body),
// and with no document every watcher is pending.
func TestPresenceXCAPRules(t *testing.T) {
	t.Parallel()
	srv, url, _, _ := presStart(t, strings.Replace(presenceCfg, `modparam("presence_xml", "force_active", 1)`, "", 1))
	rules := `<?xml version="1.0" encoding="UTF-8"?>
<cr:ruleset xmlns:cr="urn:ietf:params:xml:ns:common-policy" xmlns:pr="urn:ietf:params:xml:ns:pres-rules">
<cr:rule id="a"><cr:conditions><cr:identity><cr:one id="sip:watcher@127.0.0.1"/></cr:identity></cr:conditions>
<cr:actions><pr:sub-handling>allow</pr:sub-handling></cr:actions></cr:rule></cr:ruleset>`
	insertRow(t, url, "xcap", map[string]db.Value{"username": db.StringValue("gina"), "domain": db.StringValue("127.0.0.1"),
		"doc": db.BlobValue([]byte(rules)), "doc_type": db.IntValue(2), "etag": db.StringValue("x1"),
		"source": db.IntValue(1), "doc_uri": db.StringValue("/pres-rules/users/sip:gina@127.0.0.1/index"), "port": db.IntValue(0)})
	p := newUDPClient(t)
	if rep := presPublish(p, srv.Port, "gina", "presence", "application/pidf+xml", "", presPIDF("gina", "open"), 1); statusCode(rep) != "200" {
		t.Fatalf("publish: %s", rep)
	}
	w := newUDPClient(t)
	rep, n := presSubscribe(t, w, srv.Port, "gina", "presence", "xcap-allowed")
	if statusCode(rep) != "200" || !strings.HasPrefix(header(n, "Subscription-State"), "active;") || !strings.Contains(n, "<basic>open</basic>") {
		t.Fatalf("allowed watcher: %s\n%s\n%s", rep, n, srv.Logs())
	}
	rep, n = presSubscribe(t, w, srv.Port, "hank", "presence", "xcap-nodoc")
	if statusCode(rep) != "202" || !strings.HasPrefix(header(n, "Subscription-State"), "pending;") || presBody(n) != "" {
		t.Fatalf("watcher without rules: %s\n%s", rep, n)
	}
	if rows := queryRows(t, url, "watchers", "presentity_uri", "status"); len(rows) != 2 {
		t.Fatalf("watchers rows: %v", rows)
	}
}
