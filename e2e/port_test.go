package e2e

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"gosips/db"
	_ "gosips/db/all"
	"gosips/internal/testenv"
	_ "gosips/modules/all"
	"gosips/port"
)

// The two worked examples of the porting guide, ported with the porter
// and run: only the environment (database, socket, paths) is adapted, the
// routing logic is exactly what the porter wrote.

// msiloSample is the msilo module documentation's sample, read from the
// corpus (not kept in this repository).
var msiloSample = filepath.Join("..", "..", "shared", "corpus", "legacy", "seed__msilo_doc_example.cfg")

// articleSample is our reconstruction of the db_text article's script.
const articleSample = "../testdata/port/example_dbtext_article.cfg"

// portEdit is one environment adaptation of a ported script.
type portEdit struct {
	what     string
	re       *regexp.Regexp
	repl     string
	optional bool // the line may be absent
}

// portAdapt applies the edits, each of which must match unless optional.
func portAdapt(t *testing.T, cfg []byte, edits []portEdit) string {
	t.Helper()
	for _, e := range edits {
		if !e.optional && !e.re.Match(cfg) {
			t.Fatalf("adapting the ported script: %s: no match for %s in:\n%s", e.what, e.re, cfg)
		}
		cfg = e.re.ReplaceAll(cfg, []byte(e.repl))
	}
	return string(cfg)
}

// portDBCreate creates every table at url with "gosips db create".
func portDBCreate(t *testing.T, url string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, gosipsBin(t), "db", "create", "--url", url).CombinedOutput()
	if err != nil {
		t.Fatalf("gosips db create: %v\n%s", err, out)
	}
}

// portRows reads cols of table where username is user.
func portRows(t *testing.T, url, table, user string, cols ...string) []db.Row {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	conn, err := db.Open(ctx, url)
	if err != nil {
		t.Fatalf("open %s: %v", url, err)
	}
	defer conn.Close()
	res, err := conn.Query(ctx, table, cols, []db.Cond{db.Eq("username", db.StringValue(user))}, "", 0)
	if err != nil {
		t.Fatalf("query %s: %v", table, err)
	}
	return res.Rows
}

// portSample ports a legacy script and checks that the only manual work
// left is what matches envOnly (the parts the test adapts).
func portSample(t *testing.T, path string, src []byte, envOnly *regexp.Regexp) []byte {
	t.Helper()
	res := port.Port(filepath.Base(path), src, port.Options{})
	for _, f := range res.Findings {
		if f.Manual && (envOnly == nil || !envOnly.MatchString(f.Msg)) {
			t.Errorf("manual work left by the port: %s", f)
		}
	}
	if t.Failed() {
		t.FailNow()
	}
	return res.Output
}

// dropStrayBrace removes the extra "{" the msilo documentation has right
// after "if (uri==myself) {" (legacy.md §5).
func dropStrayBrace(t *testing.T, src []byte) []byte {
	t.Helper()
	const head = "if (uri==myself) {"
	i := bytes.Index(src, []byte(head))
	if i < 0 {
		t.Fatalf("msilo sample: %q not found", head)
	}
	j := i + len(head)
	k := j + len(src[j:]) - len(bytes.TrimLeft(src[j:], " \t\r\n"))
	if k >= len(src) || src[k] != '{' {
		t.Fatalf("msilo sample: no stray brace after %q", head)
	}
	out := append([]byte{}, src[:k]...)
	return append(out, src[k+1:]...)
}

// portReply builds a reply to a request received by the UDP client.
func portReply(req, code string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "SIP/2.0 %s\n", code)
	for _, v := range headers(req, "Via") {
		fmt.Fprintf(&b, "Via: %s\n", v)
	}
	to := header(req, "To")
	if !strings.Contains(to, "tag=") {
		to += ";tag=uas1"
	}
	fmt.Fprintf(&b, "From: %s\nTo: %s\nCall-ID: %s\nCSeq: %s\nContent-Length: 0\n\n",
		header(req, "From"), to, header(req, "Call-ID"), header(req, "CSeq"))
	return b.String()
}

// portBody returns the body of a SIP message.
func portBody(msg string) string {
	_, b, _ := strings.Cut(msg, "\r\n\r\n")
	return b
}

func TestPortMsiloSample(t *testing.T) {
	src, err := os.ReadFile(msiloSample)
	if err != nil {
		testenv.Missing(t, "shared corpus", err.Error())
	}
	// As published, the braces do not balance: the port reports it and
	// guesses nothing.
	raw := port.Port(filepath.Base(msiloSample), src, port.Options{})
	if !raw.Manual() || !strings.Contains(fmt.Sprint(raw.Findings), "unbalanced braces") {
		t.Fatalf("porting the sample with its stray brace: want an unbalanced-braces report, got %v", raw.Findings)
	}
	ported := portSample(t, msiloSample, dropStrayBrace(t, src), regexp.MustCompile(`mysql`))

	dir := t.TempDir()
	url := "sqlite://" + filepath.Join(dir, "msilo.db")
	portDBCreate(t, url)
	cfg := portAdapt(t, ported, []portEdit{
		{what: "MySQL driver", re: regexp.MustCompile(`(?m)^loadmodule "db_mysql.so"`), repl: `loadmodule "db_sqlite.so"`},
		{what: "MySQL url", re: regexp.MustCompile(`"mysql://[^"]*"`), repl: fmt.Sprintf("%q", url)},
		{what: "socket", re: regexp.MustCompile(`(?m)^socket=\S+`), repl: "socket=udp:127.0.0.1:PORT"},
		{what: "module path", re: regexp.MustCompile(`(?m)^mpath=.*\n`), repl: "", optional: true},
	})
	srv := startServer(t, cfg)

	// A MESSAGE for a user who never registered is stored.
	alice := newUDPClient(t)
	const text = "are you there?"
	alice.Send(srv.Port, fmt.Sprintf(`MESSAGE sip:bob@127.0.0.1:%d SIP/2.0
Via: SIP/2.0/UDP 127.0.0.1:LPORT;branch=z9hG4bK-msg-1
From: <sip:alice@127.0.0.1>;tag=a1
To: <sip:bob@127.0.0.1:%d>
Call-ID: port-msilo-1
CSeq: 1 MESSAGE
Max-Forwards: 70
Content-Type: text/plain
Content-Length: %d

%s`, srv.Port, srv.Port, len(text), text))
	reply := alice.RecvFinal(5 * time.Second)
	if statusCode(reply) != "202" {
		t.Fatalf("MESSAGE to an offline user: want 202, got:\n%s", reply)
	}
	rows := portRows(t, url, "silo", "bob", "src_addr", "body")
	if len(rows) != 1 || !strings.Contains(rows[0][0].Str(), "alice") || rows[0][1].Str() != text {
		t.Fatalf("silo rows for bob: %v, want one from alice with %q", rows, text)
	}

	// Bob registers: the stored MESSAGE goes to his contact.
	bob := newUDPClient(t)
	bob.Send(srv.Port, fmt.Sprintf(`REGISTER sip:127.0.0.1:%d SIP/2.0
Via: SIP/2.0/UDP 127.0.0.1:LPORT;branch=z9hG4bK-reg-1
From: <sip:bob@127.0.0.1:%d>;tag=b1
To: <sip:bob@127.0.0.1:%d>
Call-ID: port-msilo-2
CSeq: 1 REGISTER
Contact: <sip:bob@127.0.0.1:LPORT>
Expires: 300
Max-Forwards: 70
Content-Length: 0

`, srv.Port, srv.Port, srv.Port))
	var regReply, delivered string
	deadline := time.Now().Add(8 * time.Second)
	for (regReply == "" || delivered == "") && time.Now().Before(deadline) {
		m := bob.Recv(time.Until(deadline))
		switch {
		case m == "":
		case strings.HasPrefix(m, "SIP/2.0 1"):
		case strings.HasPrefix(m, "SIP/2.0 "):
			regReply = m
		case strings.HasPrefix(m, "MESSAGE "):
			delivered = m
			bob.Send(srv.Port, portReply(m, "200 OK"))
		}
	}
	if statusCode(regReply) != "200" {
		t.Fatalf("REGISTER: want 200, got:\n%s", regReply)
	}
	if delivered == "" {
		t.Fatalf("the stored MESSAGE was not delivered to the registered contact")
	}
	if !strings.Contains(portBody(delivered), text) || !strings.Contains(header(delivered, "From"), "alice") {
		t.Errorf("delivered MESSAGE does not carry the stored one:\n%s", delivered)
	}

	// A delivered message leaves the silo (at the latest when gosips
	// stops: the check timer or the shutdown deletes it).
	time.Sleep(300 * time.Millisecond)
	srv.stop(t)
	if rows := portRows(t, url, "silo", "bob", "id"); len(rows) != 0 {
		t.Errorf("silo still holds %d message(s) for bob after delivery; logs:\n%s", len(rows), srv.Logs())
	}
}

func TestPortDBTextArticle(t *testing.T) {
	src, err := os.ReadFile(articleSample)
	if err != nil {
		t.Fatal(err)
	}
	ported := portSample(t, articleSample, src, nil)

	dir := t.TempDir()
	url := "text://" + filepath.Join(dir, "dbtext")
	portDBCreate(t, url)
	const user, pass, realm = "alice", "secret", "127.0.0.1"
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	conn, err := db.Open(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	// calculate_ha1 is set: the hash columns must be filled but are unused.
	_, err = conn.Insert(ctx, "subscriber",
		[]string{"username", "domain", "password", "ha1", "ha1_sha256", "ha1_sha512t256"},
		[]db.Value{db.StringValue(user), db.StringValue(realm), db.StringValue(pass),
			db.StringValue("x"), db.StringValue("x"), db.StringValue("x")})
	if err != nil {
		t.Fatalf("insert subscriber: %v", err)
	}
	if err := conn.Close(); err != nil {
		t.Fatal(err)
	}

	cfg := portAdapt(t, ported, []portEdit{
		{what: "db_text directory", re: regexp.MustCompile(`"text:///tmp/opensipsdb"`), repl: fmt.Sprintf("%q", url)},
		{what: "FIFO path", re: regexp.MustCompile(`"/tmp/opensips_fifo"`), repl: fmt.Sprintf("%q", filepath.Join(dir, "fifo"))},
		{what: "socket", re: regexp.MustCompile(`(?m)^udp_workers=2\n`), repl: "udp_workers=2\nsocket=udp:127.0.0.1:PORT\n"},
	})
	srv := startServer(t, cfg)

	c := newUDPClient(t)
	ruri := fmt.Sprintf("sip:127.0.0.1:%d", srv.Port)
	register := func(cseq int, auth string) string {
		var b strings.Builder
		fmt.Fprintf(&b, "REGISTER %s SIP/2.0\n", ruri)
		fmt.Fprintf(&b, "Via: SIP/2.0/UDP 127.0.0.1:LPORT;branch=z9hG4bK-art-%d\n", cseq)
		fmt.Fprintf(&b, "From: <sip:%s@%s>;tag=art1\nTo: <sip:%s@%s>\n", user, realm, user, realm)
		fmt.Fprintf(&b, "Call-ID: port-article-1\nCSeq: %d REGISTER\n", cseq)
		b.WriteString("Contact: <sip:alice@127.0.0.1:LPORT>\nExpires: 600\nMax-Forwards: 70\n")
		if auth != "" {
			fmt.Fprintf(&b, "Authorization: %s\n", auth)
		}
		b.WriteString("Content-Length: 0\n\n")
		c.Send(srv.Port, b.String())
		return c.RecvFinal(5 * time.Second)
	}

	reply := register(1, "")
	if statusCode(reply) != "401" {
		t.Fatalf("REGISTER without credentials: want 401, got:\n%s", reply)
	}
	scheme, ch := digestParams(header(reply, "WWW-Authenticate"))
	if !strings.EqualFold(scheme, "Digest") || ch["nonce"] == "" || ch["realm"] != realm {
		t.Fatalf("401 challenge: scheme %q params %v, want a Digest challenge for realm %q", scheme, ch, realm)
	}
	reply = register(2, portDigest(user, pass, "REGISTER", ruri, ch))
	if statusCode(reply) != "200" {
		t.Fatalf("REGISTER with credentials: want 200, got:\n%s", reply)
	}
	contact := fmt.Sprintf("sip:alice@127.0.0.1:%d", c.Port())
	if h := header(reply, "Contact"); !strings.Contains(h, contact) {
		t.Errorf("200 OK Contact %q, want %s", h, contact)
	}

	// usrloc runs in write-back mode: the contact reaches the db_text
	// files on the timer flush or, at the latest, at shutdown.
	srv.stop(t)
	rows := portRows(t, url, "location", user, "contact", "expires")
	if len(rows) != 1 || rows[0][0].Str() != contact {
		t.Fatalf("location rows for %s: %v, want one with contact %s; logs:\n%s", user, rows, contact, srv.Logs())
	}
}

// portDigest answers a digest challenge, with qop=auth when offered and in
// the RFC 2069 form otherwise.
func portDigest(user, pass, method, uri string, ch map[string]string) string {
	if ch["qop"] != "" {
		return digestAuthorization(user, pass, method, uri, ch)
	}
	ha1 := md5hex(user + ":" + ch["realm"] + ":" + pass)
	ha2 := md5hex(method + ":" + uri)
	resp := md5hex(ha1 + ":" + ch["nonce"] + ":" + ha2)
	return fmt.Sprintf(`Digest username="%s", realm="%s", nonce="%s", uri="%s", response="%s", algorithm=MD5`,
		user, ch["realm"], ch["nonce"], uri, resp)
}
