package e2e

import (
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"gosips/internal/testenv"
)

// presenceDiffCfg is presenceCfg without MI (and with the default timers),
// for both engines.
var presenceDiffCfg = strings.NewReplacer(`loadmodule "httpd.so"`+"\n", "", `loadmodule "mi_http.so"`+"\n", "",
	`modparam("httpd", "port", HTTPPORT)`+"\n", "", `modparam("tm", "fr_timeout", 2)`+"\n", "",
	`modparam("presence", "clean_period", 1)`+"\n", "").Replace(presenceCfg)

var (
	presSpaces  = regexp.MustCompile(`\s+`)
	presXMLDecl = regexp.MustCompile(`<\?xml[^>]*\?>`)
)

// presNormalize keeps what must be equal in a message: the first line,
// the headers that carry presence semantics and the body with XML
// serialisation details (declaration, spacing, namespace declarations
// repeated on copied tuples) removed.
func presNormalize(msg string) string {
	if msg == "" {
		return "(nothing)"
	}
	msg = strings.ReplaceAll(msg, "\r\n", "\n")
	head, body, _ := strings.Cut(msg, "\n\n")
	lines := strings.Split(head, "\n")
	first := lines[0]
	if strings.HasPrefix(first, "NOTIFY ") {
		first = "NOTIFY"
	}
	out := []string{first}
	for _, h := range []string{"CSeq", "Expires", "Event", "Subscription-State", "Content-Type", "Allow-Events"} {
		if v := header(msg, h); v != "" {
			out = append(out, h+": "+v)
		}
	}
	if tag := header(msg, "SIP-ETag"); tag != "" {
		out = append(out, "SIP-ETag: present")
	}
	body = presXMLDecl.ReplaceAllString(body, "")
	body = strings.ReplaceAll(body, `<tuple xmlns="urn:ietf:params:xml:ns:pidf" `, "<tuple ")
	body = strings.TrimSpace(presSpaces.ReplaceAllString(body, " "))
	body = strings.ReplaceAll(body, "> <", "><")
	if body != "" {
		out = append(out, body)
	}
	return strings.Join(out, " | ")
}

// presExchange runs the same presence dialogue against a server on port
// and returns the normalised messages the watcher and the publisher got.
func presExchange(t *testing.T, port int) []string {
	t.Helper()
	w, p := newUDPClient(t), newUDPClient(t)
	var out []string
	recv := func(c *udpClient) string {
		m := c.Recv(2 * time.Second)
		if strings.HasPrefix(m, "NOTIFY ") {
			c.Send(port, sipReply(m, "200 OK", ""))
		}
		out = append(out, presNormalize(m))
		return m
	}
	rep, n := presSubscribe(t, w, port, "bob", "presence", "diff-pres")
	out = append(out, presNormalize(rep), presNormalize(n))
	totag := header(rep, "To")
	rep = presPublish(p, port, "bob", "presence", "application/pidf+xml", "", presPIDF("bob", "open"), 1)
	out = append(out, presNormalize(rep))
	etag := header(rep, "SIP-ETag")
	recv(w)
	rep = presPublish(p, port, "bob", "presence", "", etag, "", 2)
	out = append(out, presNormalize(rep))
	etag2 := header(rep, "SIP-ETag")
	out = append(out, presNormalize(presPublish(p, port, "bob", "presence", "", etag, "", 3)))
	out = append(out, presNormalize(presPublish(p, port, "bob", "presence", "application/pidf+xml", etag2, presPIDF("bob", "closed"), 4)))
	recv(w)
	_, tag, _ := strings.Cut(totag, "tag=")
	w.Send(port, "SUBSCRIBE sip:bob@127.0.0.1 SIP/2.0\nVia: SIP/2.0/UDP 127.0.0.1:LPORT;branch=z9hG4bKunsub\n"+
		"From: <sip:watcher@127.0.0.1>;tag=wdiff-pres\nTo: <sip:bob@127.0.0.1>;tag="+tag+"\nCall-ID: diff-pres\n"+
		"CSeq: 2 SUBSCRIBE\nContact: <sip:watcher@127.0.0.1:LPORT>\nEvent: presence\nExpires: 0\nMax-Forwards: 70\nContent-Length: 0\n\n")
	recv(w)
	recv(w)
	w.Send(port, "SUBSCRIBE sip:bob@127.0.0.1 SIP/2.0\nVia: SIP/2.0/UDP 127.0.0.1:LPORT;branch=z9hG4bKbad\n"+
		"From: <sip:watcher@127.0.0.1>;tag=wbad\nTo: <sip:bob@127.0.0.1>\nCall-ID: diff-bad\n"+
		"CSeq: 1 SUBSCRIBE\nContact: <sip:watcher@127.0.0.1:LPORT>\nEvent: foo\nExpires: 60\nMax-Forwards: 70\nContent-Length: 0\n\n")
	recv(w)
	out = append(out, presNormalize(presPublish(p, port, "bob", "presence", "application/pidf+xml", "", "<presence", 5)))

	// message-summary and dialog
	rep, n = presSubscribe(t, w, port, "bob", "message-summary", "diff-mwi")
	out = append(out, presNormalize(rep), presNormalize(n))
	out = append(out, presNormalize(presPublish(p, port, "bob", "message-summary", "application/simple-message-summary", "",
		"Messages-Waiting: yes\nVoice-Message: 2/8 (0/2)\n", 6)))
	recv(w)
	rep, n = presSubscribe(t, w, port, "bob", "dialog", "diff-dlg")
	out = append(out, presNormalize(rep), presNormalize(n))
	di := `<?xml version="1.0"?><dialog-info xmlns="urn:ietf:params:xml:ns:dialog-info" version="1" state="full" entity="sip:bob@127.0.0.1">` +
		`<dialog id="d1" call-id="c1" direction="recipient"><state>STATE</state></dialog></dialog-info>`
	out = append(out, presNormalize(presPublish(p, port, "bob", "dialog", "application/dialog-info+xml", "", strings.Replace(di, "STATE", "early", 1), 7)))
	recv(w)
	out = append(out, presNormalize(presPublish(p, port, "bob", "dialog", "application/dialog-info+xml", "",
		strings.Replace(strings.Replace(di, "STATE", "confirmed", 1), `"d1"`, `"d2"`, 1), 8)))
	recv(w)
	rep, n = presSubscribe(t, w, port, "bob", "presence.winfo", "diff-winfo")
	out = append(out, presNormalize(rep), presNormalize(n))
	return out
}

// TestPresenceOracle runs the same presence dialogue against real
// OpenSIPS (OPENSIPS_BIN) and gosips and compares what the watcher and
// the publisher received.
func TestPresenceOracle(t *testing.T) {
	bin := testenv.Oracle(t)
	gurl, ourl := sqliteDB(t, presenceTables...), sqliteDB(t, presenceTables...)
	g := presExchange(t, startServer(t, strings.ReplaceAll(presenceDiffCfg, "DBURL", gurl)).Port)
	o := presExchange(t, natOracleStart(t, bin, strings.ReplaceAll(presenceDiffCfg, "DBURL", ourl)))
	t.Logf("gosips transcript:\n%s", strings.Join(g, "\n"))
	if len(g) != len(o) {
		t.Fatalf("gosips got %d messages, opensips %d:\n%s\n---\n%s", len(g), len(o), strings.Join(g, "\n"), strings.Join(o, "\n"))
	}
	for i := range g {
		if g[i] != o[i] {
			t.Errorf("message %d differs:\n gosips:   %s\n opensips: %s", i, g[i], o[i])
		}
	}
}

// TestPresenceDialogInfoOracle makes the same call through real OpenSIPS
// (OPENSIPS_BIN) and gosips with pua_dialoginfo and compares the busy
// lamp field's NOTIFY bodies (tags and Call-IDs of the call aside).
func TestPresenceDialogInfoOracle(t *testing.T) {
	bin := testenv.Oracle(t)
	needSipp(t)
	// The parties' ports differ between runs, the tags and ids are the
	// call's and the Subscription-State expires may tick.
	port := regexp.MustCompile(`(@127\.0\.0\.1):[0-9]+`)
	ids := regexp.MustCompile(`(id|call-id|local-tag|remote-tag|expires)(="[^"]*"|=[0-9]+)`)
	norm := func(ms []string) []string {
		var out []string
		for _, m := range ms {
			out = append(out, port.ReplaceAllString(ids.ReplaceAllString(presNormalize(m), `$1=X`), "$1:P"))
		}
		return out
	}
	g := norm(presBLFCall(t, func(cfg string) int {
		port := freePort(t)
		startServerOn(t, strings.ReplaceAll(cfg, "PORT", strconv.Itoa(port)), port)
		return port
	}))
	o := norm(presBLFCall(t, func(cfg string) int {
		return natOracleStart(t, bin, cfg)
	}))
	if strings.Join(g, "\n") != strings.Join(o, "\n") {
		t.Errorf("busy lamp field NOTIFYs differ:\ngosips:\n%s\nopensips:\n%s", strings.Join(g, "\n"), strings.Join(o, "\n"))
	}
}
