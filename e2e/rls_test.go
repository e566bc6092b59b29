package e2e

import (
	"context"
	"encoding/json"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"gosips/db"
)

// rlsCfg is a resource list server collocated with the presence server
// (OpenSIPS' rls sample): list SUBSCRIBEs go to rls, the others (and the
// resource SUBSCRIBEs rls sends to itself) to presence.
const rlsCfg = `
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
loadmodule "pua.so"
loadmodule "rls.so"

modparam("httpd", "port", HTTPPORT)
modparam("tm", "fr_timeout", 2)
modparam("presence", "db_url", "DBURL")
modparam("xcap", "db_url", "DBURL")
modparam("xcap", "integrated_xcap_server", 1)
modparam("presence_xml", "force_active", 1)
modparam("rls", "presence_server", "sip:127.0.0.1:PORT")
modparam("rls", "to_presence_code", 10)
modparam("rls", "waitn_time", 1)
modparam("rls", "clean_period", 1)

route {
	if (is_method("NOTIFY")) {
		rls_handle_notify();
		if ($rc == 2)
			sl_send_reply(481, "Subscription does not exist");
		exit;
	}
	if (is_method("PUBLISH")) {
		handle_publish();
		exit;
	}
	if (is_method("SUBSCRIBE")) {
		rls_handle_subscribe();
		if ($rc == 10)
			handle_subscribe();
		exit;
	}
	sl_send_reply(404, "Not Found");
}
`

var rlsTables = []string{"presentity", "active_watchers", "watchers", "xcap", "pua", "rls_presentity", "rls_watchers"}

// rlsServices is the watcher's rls-services document: the list
// sip:friends@127.0.0.1 holds bob inline and, by reference to the
// resource-lists document "index", alice.
const rlsServices = `<?xml version="1.0" encoding="UTF-8"?>
<rls-services xmlns="urn:ietf:params:xml:ns:rls-services" xmlns:rl="urn:ietf:params:xml:ns:resource-lists">
<service uri="sip:friends@127.0.0.1">
<list name="friends"><rl:entry uri="sip:bob@127.0.0.1"/></list>
<resource-list>http://127.0.0.1/xcap-root/resource-lists/users/sip:watcher@127.0.0.1/index/~~/resource-lists/list%5b@name=%22work%22%5d</resource-list>
<packages><package>presence</package></packages>
</service>
</rls-services>`

const rlsResourceLists = `<?xml version="1.0" encoding="UTF-8"?>
<resource-lists xmlns="urn:ietf:params:xml:ns:resource-lists">
<list name="other"><entry uri="sip:carol@127.0.0.1"/></list>
<list name="work"><entry uri="sip:alice@127.0.0.1"/></list>
</resource-lists>`

// rlsDB makes a database with the watcher's documents.
func rlsDB(t *testing.T) string {
	t.Helper()
	url := sqliteDB(t, rlsTables...)
	for _, d := range []struct {
		typ      int64
		doc, uri string
	}{{8, rlsServices, "index"}, {4, rlsResourceLists, "index"}} {
		insertRow(t, url, "xcap", map[string]db.Value{"username": db.StringValue("watcher"),
			"domain": db.StringValue("127.0.0.1"), "doc": db.BlobValue([]byte(d.doc)), "doc_type": db.IntValue(d.typ),
			"etag": db.StringValue("e" + strconv.FormatInt(d.typ, 10)), "source": db.IntValue(1),
			"doc_uri": db.StringValue(d.uri), "port": db.IntValue(0)})
	}
	return url
}

// rlsStart starts the list server with the watcher's documents.
func rlsStart(t *testing.T) (*server, string, int) {
	t.Helper()
	url := rlsDB(t)
	mi := freePort(t)
	cfg := strings.NewReplacer("DBURL", url, "HTTPPORT", strconv.Itoa(mi)).Replace(rlsCfg)
	return startServer(t, cfg), url, mi
}

// rlsParts splits a multipart body into its parts (headers and body).
func rlsParts(t *testing.T, n string) (boundary string, parts []string) {
	t.Helper()
	ct := header(n, "Content-Type")
	_, b, ok := strings.Cut(ct, `boundary="`)
	if !ok {
		t.Fatalf("no boundary in %q", ct)
	}
	boundary = strings.TrimSuffix(b, `"`)
	body := strings.TrimSuffix(n[strings.Index(n, "\r\n\r\n")+4:], "\n") // sipp's log adds a newline
	if !strings.HasSuffix(body, "--"+boundary+"--\r\n") {
		t.Errorf("body does not end with the closing boundary:\n%q", body)
	}
	for _, p := range strings.Split(body, "--"+boundary+"\r\n")[1:] {
		parts = append(parts, strings.TrimSuffix(p, "--"+boundary+"--\r\n"))
	}
	return boundary, parts
}

// TestRLSListSubscription subscribes with sipp to a resource list: the
// SUBSCRIBE gets 200 with "Require: eventlist", the first NOTIFY is a
// multipart/related RLMI document (fullState) listing both resources
// (one inline, one through a <resource-list> reference); rls subscribes
// to them through pua (presence, collocated, then holds two
// subscriptions of the watcher); their NOTIFYs fill rls_presentity; a
// PUBLISH of bob reaches the watcher in a partial RLMI NOTIFY with
// bob's PIDF as a part; the unSUBSCRIBE ends with a terminated NOTIFY.
func TestRLSListSubscription(t *testing.T) {
	needSipp(t)
	t.Parallel()
	srv, url, mi := rlsStart(t)
	w := startSippPeer(t, "rls_watcher.xml", 0, 1, 60*time.Second, "127.0.0.1:"+strconv.Itoa(srv.Port),
		"-s", "friends", "-set", "ev", "presence")
	// Both resources answered (rls_presentity rows) and sent on.
	if !eventually(10*time.Second, func() bool {
		rows := queryRows(t, url, "rls_presentity", "resource_uri", "updated", "auth_state")
		return len(rows) == 2 && rows[0][1].Int64() == -1 && rows[1][1].Int64() == -1
	}) {
		t.Fatalf("rls_presentity: %v\n%s", queryRows(t, url, "rls_presentity", "resource_uri", "updated", "auth_state"), srv.Logs())
	}
	raw, err := miCall(t, mi, "subs_phtable_list", nil)
	if err != nil {
		t.Fatal(err)
	}
	var subs []map[string]any
	if err := json.Unmarshal(raw, &subs); err != nil || len(subs) != 2 {
		t.Errorf("presence should hold the 2 resource subscriptions of rls: %s", raw)
	}
	for _, s := range subs {
		if s["from_user"] != "watcher" || s["event"] == nil {
			t.Errorf("resource subscription %v", s)
		}
	}
	if !eventually(5*time.Second, func() bool { return len(queryRows(t, url, "rls_watchers", "presentity_uri")) == 1 }) {
		t.Errorf("no rls_watchers row")
	}
	rw := queryRows(t, url, "rls_watchers", "presentity_uri", "watcher_username", "watcher_domain", "event", "status", "local_contact")
	if len(rw) == 1 && (rw[0][0].Str() != "sip:friends@127.0.0.1" || rw[0][1].Str() != "watcher" || rw[0][3].Str() != "presence" ||
		rw[0][4].Int64() != 1 || rw[0][5].Str() != "sip:rls@127.0.0.1:"+strconv.Itoa(srv.Port)) {
		t.Errorf("rls_watchers row %v", rw[0])
	}
	if res := runSipp(t, "pres_publish.xml", srv.Port, "-s", "bob"); res.Exit != 0 {
		t.Fatalf("publisher failed (exit %d):\n%s\n%s", res.Exit, res.Output, res.Messages)
	}
	res := w.wait(40 * time.Second)
	if res.Exit != 0 {
		t.Fatalf("watcher failed (exit %d):\n%s\n%s\n%s", res.Exit, res.Output, res.Messages, srv.Logs())
	}
	var ok200 string
	for _, part := range strings.Split(res.Messages, "-----------------------------------------------") {
		if _, msg, found := strings.Cut(part, "message received"); found && strings.Contains(msg, "SIP/2.0 200 OK") &&
			strings.Contains(msg, "CSeq: 1 SUBSCRIBE") {
			ok200 = msg[strings.Index(msg, "SIP/2.0 200 OK"):]
		}
	}
	if header(ok200, "Require") != "eventlist" || header(ok200, "Expires") != "300" ||
		header(ok200, "Contact") != "<sip:rls@127.0.0.1:"+strconv.Itoa(srv.Port)+">" {
		t.Errorf("200 to the list SUBSCRIBE:\n%s", ok200)
	}
	notifies := received(res.Messages, "NOTIFY")
	if len(notifies) < 4 {
		t.Fatalf("want the full state, the resources' states, bob's changes and the final NOTIFY, got %d:\n%s",
			len(notifies), res.Messages)
	}
	for i, n := range notifies {
		if header(n, "Event") != "presence" || header(n, "Require") != "eventlist" ||
			header(n, "CSeq") != strconv.Itoa(i+1)+" NOTIFY" || !strings.Contains(header(n, "From"), "sip:friends@127.0.0.1") {
			t.Errorf("NOTIFY %d headers:\n%s", i, n)
		}
		if !strings.HasPrefix(header(n, "Content-Type"), `multipart/related;type="application/rlmi+xml";start="<`) {
			t.Errorf("NOTIFY %d Content-Type %q", i, header(n, "Content-Type"))
		}
	}
	// The full state: both resources, no instance yet.
	first := notifies[0]
	if st := header(first, "Subscription-State"); st != "active;expires=300" {
		t.Errorf("first Subscription-State %q", st)
	}
	_, parts := rlsParts(t, first)
	want := `<list uri="sip:friends@127.0.0.1" xmlns="urn:ietf:params:xml:ns:rlmi" version="0" fullState="true">` +
		`<resource uri="sip:bob@127.0.0.1"/><resource uri="sip:alice@127.0.0.1"/></list>`
	if len(parts) != 1 || !strings.Contains(parts[0], "Content-Type: application/rlmi+xml;charset=\"UTF-8\"\r\n\r\n<?xml version=\"1.0\"?>\n"+want+"\n") {
		t.Errorf("full-state RLMI:\n%q", parts)
	}
	// Partial NOTIFYs: versions count up; bob's state reaches the watcher
	// as a PIDF part named by the instance cid (the PUBLISHes come within
	// one waitn_time, so the last one, closed, may be all that is sent).
	var sawClosed bool
	for i, n := range notifies[1 : len(notifies)-1] {
		_, parts := rlsParts(t, n)
		if !strings.Contains(parts[0], `version="`+strconv.Itoa(i+1)+`" fullState="false"`) {
			t.Errorf("NOTIFY %d RLMI:\n%s", i+1, parts[0])
		}
		for _, p := range parts[1:] {
			if strings.Contains(p, "Content-Type: application/pidf+xml") {
				cid := header(p, "Content-ID")
				if !strings.Contains(parts[0], `<resource uri="sip:bob@127.0.0.1"><instance id="Scf8UhwQ" state="active" cid="`+
					strings.Trim(cid, "<>")+`"/></resource>`) {
					t.Errorf("part %s not in the RLMI:\n%s", cid, parts[0])
				}
				sawClosed = sawClosed || strings.Contains(p, "<basic>closed</basic>")
			}
		}
	}
	if !sawClosed {
		t.Errorf("bob's closed state should reach the watcher:\n%s", strings.Join(notifies, "\n====\n"))
	}
	last := notifies[len(notifies)-1]
	if st := header(last, "Subscription-State"); st != "terminated;reason=timeout" {
		t.Errorf("final Subscription-State %q", st)
	}
	// The resource subscriptions end with the list's.
	if !eventually(5*time.Second, func() bool {
		raw, err := miCall(t, mi, "subs_phtable_list", nil)
		return err == nil && string(raw) == "[]"
	}) {
		raw, _ := miCall(t, mi, "subs_phtable_list", nil)
		t.Errorf("resource subscriptions left: %s", raw)
	}
}

// TestRLSUpdateSubscriptions changes the watcher's resource-lists
// document during a list subscription: rls_update_subscriptions
// subscribes to the resource added and ends the subscription of the one
// removed (presence then holds bob and carol, no longer alice).
func TestRLSUpdateSubscriptions(t *testing.T) {
	needSipp(t)
	t.Parallel()
	srv, url, mi := rlsStart(t)
	w := startSippPeer(t, "rls_watcher.xml", 0, 1, 60*time.Second, "127.0.0.1:"+strconv.Itoa(srv.Port),
		"-s", "friends", "-set", "ev", "presence")
	presURIs := func() []string {
		raw, err := miCall(t, mi, "subs_phtable_list", nil)
		if err != nil {
			t.Fatal(err)
		}
		var subs []map[string]any
		if err := json.Unmarshal(raw, &subs); err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, s := range subs {
			out = append(out, s["pres_uri"].(string))
		}
		sort.Strings(out)
		return out
	}
	if !eventually(10*time.Second, func() bool { return len(presURIs()) == 2 }) {
		t.Fatalf("resource subscriptions %v\n%s", presURIs(), srv.Logs())
	}
	withDB(t, url, func(ctx context.Context, c db.Conn) {
		doc := strings.Replace(rlsResourceLists, `<list name="work"><entry uri="sip:alice@127.0.0.1"/>`,
			`<list name="work"><entry uri="sip:carol@127.0.0.1"/>`, 1)
		if _, err := c.Update(ctx, "xcap", []db.Cond{db.Eq("doc_type", db.IntValue(4))}, []string{"doc"},
			[]db.Value{db.BlobValue([]byte(doc))}); err != nil {
			t.Fatal(err)
		}
	})
	if raw, err := miCall(t, mi, "rls_update_subscriptions", map[string]any{"presentity_uri": "sip:watcher@127.0.0.1"}); err != nil ||
		string(raw) != `"OK"` {
		t.Fatalf("rls_update_subscriptions: %s %v", raw, err)
	}
	want := []string{"sip:bob@127.0.0.1", "sip:carol@127.0.0.1"}
	if !eventually(10*time.Second, func() bool { return slices.Equal(presURIs(), want) }) {
		t.Errorf("resource subscriptions %v, want %v\n%s", presURIs(), want, srv.Logs())
	}
	if raw, err := miCall(t, mi, "rls_update_subscriptions", map[string]any{"presentity_uri": ""}); err == nil {
		t.Errorf("empty URI accepted: %s", raw)
	}
	w.stop()
}

// TestRLSNotAList sends SUBSCRIBEs rls does not handle: without
// "Supported: eventlist", and with it for a URI that is no service of the
// watcher; both return to_presence_code and presence answers them
// (Contact of presence, no Require: eventlist).
func TestRLSNotAList(t *testing.T) {
	needSipp(t)
	t.Parallel()
	srv, _, _ := rlsStart(t)
	for _, sc := range []string{"pres_watcher.xml", "rls_watcher.xml"} {
		res := runSipp(t, sc, srv.Port, "-s", "bob", "-set", "ev", "presence")
		if res.Exit != 0 {
			t.Fatalf("%s failed (exit %d):\n%s\n%s\n%s", sc, res.Exit, res.Output, res.Messages, srv.Logs())
		}
		for _, part := range strings.Split(res.Messages, "-----------------------------------------------") {
			if _, msg, found := strings.Cut(part, "message received"); found && strings.Contains(msg, "CSeq: 1 SUBSCRIBE") {
				msg = msg[strings.Index(msg, "SIP/2.0 "):]
				if !strings.HasPrefix(msg, "SIP/2.0 200 OK") || header(msg, "Require") != "" ||
					!strings.HasPrefix(header(msg, "Contact"), "<sip:presence@127.0.0.1:") {
					t.Errorf("%s: reply\n%s", sc, msg)
				}
			}
		}
		if n := received(res.Messages, "NOTIFY"); len(n) != 2 || header(n[0], "Content-Type") != "" {
			t.Errorf("%s: presence NOTIFYs %q", sc, n)
		}
	}
}

// rlsReceived returns every message a sipp log received, in order.
func rlsReceived(log string) []string {
	var out []string
	for _, part := range strings.Split(log, "-----------------------------------------------") {
		_, msg, ok := strings.Cut(part, "message received")
		if !ok {
			continue
		}
		if i := strings.Index(msg, "\n\n"); i >= 0 {
			msg = strings.TrimLeft(msg[i:], "\r\n")
		}
		out = append(out, msg)
	}
	return out
}

// TestRLSRefreshStaleExpiry refreshes a list subscription in its dialog
// (CSeq 2: 200 with Expires and Require: eventlist, then a full-state
// NOTIFY), repeats CSeq 2 (401 "Stale Cseq Value", as OpenSIPS' rls),
// refreshes with Expires 2 (CSeq 3) and lets the subscription expire:
// the expiry timer ends it with a terminating NOTIFY and removes the
// rls_watchers row.
func TestRLSRefreshStaleExpiry(t *testing.T) {
	needSipp(t)
	t.Parallel()
	srv, url, _ := rlsStart(t)
	w := startSippPeer(t, "rls_refresh.xml", 0, 1, 60*time.Second, "127.0.0.1:"+strconv.Itoa(srv.Port),
		"-s", "friends", "-set", "ev", "presence")
	res := w.wait(50 * time.Second)
	if res.Exit != 0 {
		t.Fatalf("watcher failed (exit %d):\n%s\n%s\n%s", res.Exit, res.Output, res.Messages, srv.Logs())
	}
	// Split the received messages by the replies to the SUBSCRIBEs.
	phase := 0 // 1 after the 200 to CSeq 2, 2 after the 401, 3 after the 200 to CSeq 3
	var notifies [4][]string
	var all []string
	lastCSeq := 0
	for _, m := range rlsReceived(res.Messages) {
		switch {
		case strings.HasPrefix(m, "SIP/2.0 200 ") && header(m, "CSeq") == "2 SUBSCRIBE":
			phase = 1
			if header(m, "Expires") != "300" || header(m, "Require") != "eventlist" ||
				header(m, "Contact") != "<sip:rls@127.0.0.1:"+strconv.Itoa(srv.Port)+">" {
				t.Errorf("200 to the refresh:\n%s", m)
			}
		case strings.HasPrefix(m, "SIP/2.0 401 ") && header(m, "CSeq") == "2 SUBSCRIBE":
			phase = 2
			if !strings.HasPrefix(m, "SIP/2.0 401 Stale Cseq Value\r\n") {
				t.Errorf("reply to the stale CSeq:\n%s", m)
			}
		case strings.HasPrefix(m, "SIP/2.0 200 ") && header(m, "CSeq") == "3 SUBSCRIBE":
			phase = 3
			if header(m, "Expires") != "2" {
				t.Errorf("200 to the short refresh:\n%s", m)
			}
		case strings.HasPrefix(m, "NOTIFY "):
			notifies[phase] = append(notifies[phase], m)
			all = append(all, m)
			cs, _, _ := strings.Cut(header(m, "CSeq"), " ")
			n, _ := strconv.Atoi(cs)
			if n != lastCSeq+1 {
				t.Errorf("NOTIFY CSeq %d after %d", n, lastCSeq)
			}
			lastCSeq = n
		}
	}
	if phase != 3 {
		t.Fatalf("missing replies (phase %d):\n%s", phase, res.Messages)
	}
	if len(notifies[0]) == 0 || len(notifies[1]) == 0 || len(notifies[3]) < 2 || len(notifies[2]) != 0 {
		t.Fatalf("NOTIFYs per phase %d %d %d %d:\n%s", len(notifies[0]), len(notifies[1]), len(notifies[2]),
			len(notifies[3]), strings.Join(all, "\n====\n"))
	}
	// The refresh sends the full state again, with the next RLMI version.
	full := notifies[1][0]
	if st := header(full, "Subscription-State"); st != "active;expires=300" {
		t.Errorf("Subscription-State after the refresh %q", st)
	}
	_, parts := rlsParts(t, full)
	if len(parts) == 0 || !strings.Contains(parts[0], `fullState="true"`) ||
		!strings.Contains(parts[0], `<resource uri="sip:bob@127.0.0.1">`) || !strings.Contains(parts[0], `<resource uri="sip:alice@127.0.0.1">`) {
		t.Errorf("NOTIFY after the refresh:\n%s", full)
	}
	if st := header(notifies[3][0], "Subscription-State"); st != "active;expires=2" {
		t.Errorf("Subscription-State after the short refresh %q", st)
	}
	last := notifies[3][len(notifies[3])-1]
	if st := header(last, "Subscription-State"); st != "terminated;reason=timeout" {
		t.Errorf("expiry NOTIFY:\n%s", last)
	}
	for _, n := range notifies[3][:len(notifies[3])-1] {
		if strings.HasPrefix(header(n, "Subscription-State"), "terminated") {
			t.Errorf("more than one terminating NOTIFY:\n%s", strings.Join(notifies[3], "\n====\n"))
		}
	}
	if !eventually(5*time.Second, func() bool { return len(queryRows(t, url, "rls_watchers", "presentity_uri")) == 0 }) {
		t.Errorf("rls_watchers row left after the expiry: %v", queryRows(t, url, "rls_watchers", "presentity_uri"))
	}
}
