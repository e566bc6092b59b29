package e2e

import (
	"context"
	"crypto/md5"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/hex"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"gosips/db"
	_ "gosips/db/all"
	"gosips/internal/testenv"
)

// regCfg is a registrar with digest authentication for users whose name
// starts with "sec", a lookup-and-relay path for everything else and MI
// over HTTP and FIFO. ULPARAMS (usrloc mode and db_url), AUTHURL,
// HTTPPORT, FIFO and REPLYDIR are filled per storage backend.
const regCfg = `
log_level = 3
stderror_enabled = yes
udp_workers = 2
socket = udp:127.0.0.1:PORT
socket = tcp:127.0.0.1:PORT

loadmodule "proto_udp.so"
loadmodule "proto_tcp.so"
loadmodule "signaling.so"
loadmodule "sl.so"
loadmodule "tm.so"
loadmodule "rr.so"
loadmodule "maxfwd.so"
loadmodule "sipmsgops.so"
loadmodule "db_sqlite.so"
loadmodule "db_text.so"
loadmodule "usrloc.so"
loadmodule "registrar.so"
loadmodule "auth.so"
loadmodule "auth_db.so"
loadmodule "httpd.so"
loadmodule "mi_http.so"
loadmodule "mi_fifo.so"

modparam("httpd", "port", HTTPPORT)
modparam("mi_fifo", "fifo_name", "FIFO")
modparam("mi_fifo", "reply_dir", "REPLYDIR")
ULPARAMS
modparam("usrloc", "timer_interval", 1)
modparam("registrar", "min_expires", 30)
modparam("registrar", "max_expires", 3600)
modparam("registrar", "max_contacts", 3)
modparam("auth", "nonce_expire", 2)
modparam("auth_db", "db_url", "AUTHURL")
modparam("auth_db", "load_credentials", "")

route {
	if (!mf_process_maxfwd_header(10)) {
		sl_send_reply(483, "Too Many Hops");
		exit;
	}
	if (has_totag()) {
		if (loose_route()) {
			t_relay();
			exit;
		}
		if (is_method("ACK")) {
			if (t_check_trans())
				t_relay();
			exit;
		}
		sl_send_reply(404, "Not here");
		exit;
	}
	if (is_method("CANCEL")) {
		if (t_check_trans())
			t_relay();
		exit;
	}
	if (is_method("REGISTER")) {
		if ($tU =~ "^sec") {
			if (!www_authorize("", "subscriber")) {
				switch ($rc) {
				case -2:
					sl_send_reply(403, "Forbidden");
					exit;
				}
				www_challenge("", "auth");
				exit;
			}
			consume_credentials();
		}
		if ($tU == "short") {
			if (!save("location", "min-expires=1"))
				xlog("L_NOTICE", "failed to register $tu\n");
			exit;
		}
		# save() sends the reply, errors included
		if (!save("location"))
			xlog("L_NOTICE", "failed to register $tu\n");
		exit;
	}
	t_check_trans();
	record_route();
	if (!lookup("location")) {
		send_reply(404, "Not Found");
		exit;
	}
	if (!t_relay())
		send_reply(500, "Relay Failed");
	exit;
}
`

// Subscriber credentials inserted in every backend.
const (
	regRealm    = "127.0.0.1"
	regSecUser  = "secure"
	regSecPass  = "s3cret"
	regMinExp   = 30
	regMaxExp   = 3600
	regMaxConts = 3
)

// regBackend is where usrloc keeps contacts and auth_db reads subscribers.
type regBackend struct {
	name   string
	scheme string // "sqlite" or "text"
	preset string // usrloc working_mode_preset
}

var regBackends = []regBackend{
	{"memory", "sqlite", "single-instance-no-db"},
	{"sqlite", "sqlite", "single-instance-sql-write-through"},
	{"text", "text", "single-instance-sql-write-through"},
	{"sqlite-write-back", "sqlite", "single-instance-sql-write-back"},
}

// regEnv is a running registrar with its database.
type regEnv struct {
	b        regBackend
	dir      string
	url      string
	port     int
	httpPort int
	srv      *server
}

func (e *regEnv) usesDB() bool { return e.b.preset != "single-instance-no-db" }

// rowsNow reports whether the location table follows each change at once
// and can be read while gosips runs (db_text writes its files at exit).
func (e *regEnv) rowsNow() bool {
	return e.b.scheme == "sqlite" && e.b.preset == "single-instance-sql-write-through"
}

// newRegEnv creates the database with "gosips db create", adds the
// subscriber and starts gosips.
func newRegEnv(t *testing.T, b regBackend) *regEnv {
	t.Helper()
	bin := gosipsBin(t)
	dir := t.TempDir()
	e := &regEnv{b: b, dir: dir, port: freePort(t)}
	switch b.scheme {
	case "sqlite":
		e.url = "sqlite://" + filepath.Join(dir, "opensips.db")
	case "text":
		e.url = "text://" + filepath.Join(dir, "dbtext")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if out, err := exec.CommandContext(ctx, bin, "db", "create", "--url", e.url).CombinedOutput(); err != nil {
		t.Fatalf("gosips db create: %v\n%s", err, out)
	}
	conn, err := db.Open(ctx, e.url)
	if err != nil {
		t.Fatal(err)
	}
	ha1in := []byte(regSecUser + ":" + regRealm + ":" + regSecPass)
	sha, sha512t := sha256.Sum256(ha1in), sha512.Sum512_256(ha1in)
	_, err = conn.Insert(ctx, "subscriber",
		[]string{"username", "domain", "password", "ha1", "ha1_sha256", "ha1_sha512t256"},
		[]db.Value{db.StringValue(regSecUser), db.StringValue(regRealm), db.StringValue(regSecPass),
			db.StringValue(md5hex(string(ha1in))), db.StringValue(hex.EncodeToString(sha[:])),
			db.StringValue(hex.EncodeToString(sha512t[:]))})
	if err != nil {
		t.Fatalf("insert subscriber: %v", err)
	}
	if err := conn.Close(); err != nil {
		t.Fatal(err)
	}
	e.start(t)
	return e
}

// start runs gosips (again) on the same SIP port and database.
func (e *regEnv) start(t *testing.T) {
	t.Helper()
	e.httpPort = freePort(t)
	ul := fmt.Sprintf("modparam(\"usrloc\", \"working_mode_preset\", %q)", e.b.preset)
	if e.usesDB() {
		ul += fmt.Sprintf("\nmodparam(\"usrloc\", \"db_url\", %q)", e.url)
	}
	cfg := strings.NewReplacer("ULPARAMS", ul, "AUTHURL", e.url, "HTTPPORT", strconv.Itoa(e.httpPort),
		"FIFO", e.fifo(), "REPLYDIR", e.dir+"/").Replace(regCfg)
	e.srv = startServerOn(t, cfg, e.port)
}

// checkLogs fails on errors the server logged: none of the subtests
// should make one (database errors, for instance, are only logged).
func (e *regEnv) checkLogs(t *testing.T) {
	t.Helper()
	for _, line := range strings.Split(e.srv.Logs(), "\n") {
		if strings.Contains(line, "] ERROR:") || strings.Contains(line, "] WARNING:") || strings.Contains(line, "] CRITICAL:") {
			t.Errorf("server error: %s", line)
		}
	}
}

// fifo is the mi_fifo path.
func (e *regEnv) fifo() string { return filepath.Join(e.dir, "fifo") }

// stop ends gosips gracefully (db_text flushes its files then).
func (e *regEnv) stop(t *testing.T) {
	t.Helper()
	e.srv.stop(t)
}

// locationRows reads the bindings of user from the location table
// (every binding when user is ""): contact URI → row values by column
// name.
func (e *regEnv) locationRows(t *testing.T, user string) map[string]map[string]db.Value {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	conn, err := db.Open(ctx, e.url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	cols := []string{"contact_id", "username", "domain", "contact", "expires", "q", "callid", "cseq",
		"flags", "cflags", "user_agent", "socket", "methods", "last_modified"}
	var where []db.Cond
	if user != "" {
		where = []db.Cond{db.Eq("username", db.StringValue(user))}
	}
	res, err := conn.Query(ctx, "location", cols, where, "", 0)
	if err != nil {
		t.Fatalf("query location: %v", err)
	}
	out := map[string]map[string]db.Value{}
	for _, row := range res.Rows {
		m := map[string]db.Value{}
		for i, c := range cols {
			m[c] = row[i]
		}
		out[m["contact"].S] = m
	}
	return out
}

// regReq is one REGISTER sent by the UDP client.
type regReq struct {
	User     string
	CallID   string
	CSeq     int
	Contacts []string // Contact header values, one header each
	Expires  string   // Expires header; "" for none
	Auth     string   // Authorization header value
}

var regSeq atomic.Int64

// register sends a REGISTER and returns the final reply.
func (e *regEnv) register(t *testing.T, c *udpClient, r regReq) string {
	t.Helper()
	n := regSeq.Add(1)
	var b strings.Builder
	fmt.Fprintf(&b, "REGISTER sip:127.0.0.1:%d SIP/2.0\n", e.port)
	fmt.Fprintf(&b, "Via: SIP/2.0/UDP 127.0.0.1:LPORT;branch=z9hG4bK-reg-%d\n", n)
	fmt.Fprintf(&b, "From: <sip:%s@127.0.0.1>;tag=ft%d\n", r.User, n)
	fmt.Fprintf(&b, "To: <sip:%s@127.0.0.1>\n", r.User)
	fmt.Fprintf(&b, "Call-ID: %s\nCSeq: %d REGISTER\n", r.CallID, r.CSeq)
	for _, ct := range r.Contacts {
		fmt.Fprintf(&b, "Contact: %s\n", ct)
	}
	if r.Expires != "" {
		fmt.Fprintf(&b, "Expires: %s\n", r.Expires)
	}
	if r.Auth != "" {
		fmt.Fprintf(&b, "Authorization: %s\n", r.Auth)
	}
	b.WriteString("Max-Forwards: 70\nUser-Agent: gosips-e2e\nContent-Length: 0\n\n")
	c.Send(e.port, b.String())
	reply := c.RecvFinal(3 * time.Second)
	if reply == "" {
		t.Fatalf("no reply to REGISTER %s (Call-ID %s)\nlogs:\n%s", r.User, r.CallID, e.srv.Logs())
	}
	return reply
}

// replyContacts parses the Contact list of a 200 OK: URI → expires.
func replyContacts(t *testing.T, msg string) map[string]int {
	t.Helper()
	out := map[string]int{}
	for _, h := range headers(msg, "Contact") {
		for _, item := range strings.Split(h, ",") {
			item = strings.TrimSpace(item)
			if item == "" {
				continue
			}
			lt, gt := strings.IndexByte(item, '<'), strings.IndexByte(item, '>')
			if lt != 0 || gt < 0 {
				t.Fatalf("contact %q is not <uri>;params", item)
			}
			uri, exp := item[1:gt], -1
			for _, p := range strings.Split(item[gt+1:], ";") {
				if v, ok := strings.CutPrefix(strings.TrimSpace(p), "expires="); ok {
					n, err := strconv.Atoi(v)
					if err != nil {
						t.Fatalf("contact %q: bad expires", item)
					}
					exp = n
				}
			}
			if exp < 0 {
				t.Fatalf("contact %q has no expires", item)
			}
			out[uri] = exp
		}
	}
	return out
}

// near reports whether got is want or a few seconds less (time passes
// between the save and the check).
func near(got, want int) bool { return got <= want && got >= want-3 }

func expectCode(t *testing.T, reply, code string) {
	t.Helper()
	if statusCode(reply) != code {
		t.Fatalf("want %s, got:\n%s", code, reply)
	}
}

func expectContacts(t *testing.T, reply string, want map[string]int) {
	t.Helper()
	got := replyContacts(t, reply)
	if len(got) != len(want) {
		t.Fatalf("contacts %v, want %v in:\n%s", got, want, reply)
	}
	for uri, exp := range want {
		g, ok := got[uri]
		if !ok || !near(g, exp) {
			t.Fatalf("contact %s expires %d (present %v), want %d in:\n%s", uri, g, ok, exp, reply)
		}
	}
}

func md5hex(s string) string {
	sum := md5.Sum([]byte(s))
	return hex.EncodeToString(sum[:])
}

// digestParams parses a WWW-Authenticate value: scheme and parameters.
func digestParams(h string) (string, map[string]string) {
	scheme, rest, _ := strings.Cut(strings.TrimSpace(h), " ")
	out := map[string]string{}
	for _, p := range strings.Split(rest, ",") {
		k, v, ok := strings.Cut(strings.TrimSpace(p), "=")
		if !ok {
			continue
		}
		out[strings.ToLower(k)] = strings.Trim(v, `"`)
	}
	return scheme, out
}

// digestAuthorization answers a challenge with qop=auth (RFC 2617).
func digestAuthorization(user, pass, method, uri string, ch map[string]string) string {
	const nc, cnonce = "00000001", "e2ecnonce"
	ha1 := md5hex(user + ":" + ch["realm"] + ":" + pass)
	ha2 := md5hex(method + ":" + uri)
	resp := md5hex(ha1 + ":" + ch["nonce"] + ":" + nc + ":" + cnonce + ":" + ch["qop"] + ":" + ha2)
	return fmt.Sprintf(`Digest username="%s", realm="%s", nonce="%s", uri="%s", response="%s", qop=%s, nc=%s, cnonce="%s", algorithm=MD5`,
		user, ch["realm"], ch["nonce"], uri, resp, ch["qop"], nc, cnonce)
}

// TestRegistrar runs the registrar stack once per storage backend, the
// backends in parallel. The subtests of a backend share one server and
// run in order; each removes the bindings it made, so that Restart can
// expect exactly its own row in the table.
func TestRegistrar(t *testing.T) {
	for _, b := range regBackends {
		t.Run(b.name, func(t *testing.T) {
			t.Parallel()
			e := newRegEnv(t, b)
			t.Run("RegisterUnregister", e.testRegisterUnregister)
			t.Run("SippRegister", e.testSippRegister)
			t.Run("Expiry", e.testExpiry)
			t.Run("Clamp", e.testClamp)
			t.Run("MaxContacts", e.testMaxContacts)
			t.Run("Overwrite", e.testOverwrite)
			t.Run("ContactLists", e.testContactLists)
			t.Run("Concurrent", e.testConcurrent)
			t.Run("Digest", e.testDigest)
			t.Run("SippDigest", e.testSippDigest)
			t.Run("LookupRoutesInvite", e.testLookupInvite)
			t.Run("LookupForks", e.testLookupForks)
			t.Run("TCP", e.testTCP)
			t.Run("UnknownUser404", e.testUnknown)
			t.Run("MI", e.testMI)
			if e.usesDB() {
				t.Run("Restart", e.testRestart)
			}
			e.checkLogs(t)
		})
	}
}

func (e *regEnv) testRegisterUnregister(t *testing.T) {
	c := newUDPClient(t)
	ct1 := fmt.Sprintf("sip:alice@127.0.0.1:%d", c.Port())
	ct2 := "sip:alice@127.0.0.1:5999;transport=udp"
	r := e.register(t, c, regReq{User: "alice", CallID: "ru-1", CSeq: 1, Contacts: []string{"<" + ct1 + ">"}, Expires: "120"})
	expectCode(t, r, "200")
	expectContacts(t, r, map[string]int{ct1: 120})
	if !strings.Contains(header(r, "To"), ";tag=") {
		t.Errorf("200 OK To has no tag:\n%s", r)
	}
	// A second binding from another device: both are listed.
	r = e.register(t, c, regReq{User: "alice", CallID: "ru-2", CSeq: 1, Contacts: []string{"<" + ct2 + ">;expires=300"}})
	expectCode(t, r, "200")
	expectContacts(t, r, map[string]int{ct1: 120, ct2: 300})
	if e.rowsNow() {
		rows := e.locationRows(t, "alice")
		if len(rows) != 2 {
			t.Fatalf("location rows %v, want 2", rows)
		}
		row := rows[ct2]
		if row == nil {
			t.Fatalf("no row for %s in %v", ct2, rows)
		}
		now := time.Now().Unix()
		if exp := row["expires"].Int64(); exp < now+290 || exp > now+301 {
			t.Errorf("expires column %d, want about now+300 (%d)", exp, now+300)
		}
		if row["callid"].S != "ru-2" || row["cseq"].Int64() != 1 || row["user_agent"].S != "gosips-e2e" {
			t.Errorf("row callid/cseq/user_agent = %q/%d/%q", row["callid"].S, row["cseq"].Int64(), row["user_agent"].S)
		}
		if want := fmt.Sprintf("udp:127.0.0.1:%d", e.port); row["socket"].S != want {
			t.Errorf("socket column %q, want %q", row["socket"].S, want)
		}
		if row["q"].Float64() != -1 {
			t.Errorf("q column %v, want -1 (unspecified)", row["q"].Float64())
		}
	}
	// Removing one binding leaves the other.
	r = e.register(t, c, regReq{User: "alice", CallID: "ru-2", CSeq: 2, Contacts: []string{"<" + ct2 + ">"}, Expires: "0"})
	expectCode(t, r, "200")
	expectContacts(t, r, map[string]int{ct1: 120})
	// "*" removes everything; the 200 OK lists no contact.
	r = e.register(t, c, regReq{User: "alice", CallID: "ru-1", CSeq: 2, Contacts: []string{"*"}, Expires: "0"})
	expectCode(t, r, "200")
	expectContacts(t, r, map[string]int{})
	// A query (no Contact) answers the current (empty) set.
	r = e.register(t, c, regReq{User: "alice", CallID: "ru-3", CSeq: 1})
	expectCode(t, r, "200")
	expectContacts(t, r, map[string]int{})
	if e.rowsNow() {
		if rows := e.locationRows(t, "alice"); len(rows) != 0 {
			t.Errorf("location rows left after unregister: %v", rows)
		}
	}
	// "*" with a non-zero expires is a 400.
	r = e.register(t, c, regReq{User: "alice", CallID: "ru-4", CSeq: 1, Contacts: []string{"*"}, Expires: "60"})
	expectCode(t, r, "400")
	if got := header(r, "P-Registrar-Error"); got != "* used in contact and expires is not zero" {
		t.Errorf("P-Registrar-Error %q", got)
	}
}

// testSippRegister registers, queries and unregisters with sipp.
func (e *regEnv) testSippRegister(t *testing.T) {
	res := runSipp(t, "reg_register.xml", e.port, "-s", "grace")
	if res.Exit != 0 {
		t.Fatalf("sipp exit %d:\n%s", res.Exit, res.Output)
	}
	if _, err := e.mi(t, "ul_show_contact", []any{"location", "grace"}); err == nil {
		t.Errorf("grace still registered after the sipp unregistration")
	}
}

// testSippDigest registers with sipp's digest implementation.
func (e *regEnv) testSippDigest(t *testing.T) {
	res := runSipp(t, "reg_auth.xml", e.port, "-s", regSecUser, "-au", regSecUser, "-ap", regSecPass)
	if res.Exit != 0 {
		t.Fatalf("sipp exit %d:\n%s\nlogs:\n%s", res.Exit, res.Output, e.srv.Logs())
	}
	if !strings.Contains(res.Messages, "Authorization: Digest") {
		t.Errorf("sipp sent no credentials:\n%s", res.Messages)
	}
}

// testExpiry registers with a 1 s lifetime (the save flag lowers
// min_expires) and waits for the timer to drop the binding.
func (e *regEnv) testExpiry(t *testing.T) {
	c := newUDPClient(t)
	ct := fmt.Sprintf("sip:short@127.0.0.1:%d", c.Port())
	r := e.register(t, c, regReq{User: "short", CallID: "ex-1", CSeq: 1, Contacts: []string{"<" + ct + ">"}, Expires: "1"})
	expectCode(t, r, "200")
	expectContacts(t, r, map[string]int{ct: 1})
	if e.rowsNow() {
		if rows := e.locationRows(t, "short"); len(rows) != 1 {
			t.Fatalf("location rows %v, want 1", rows)
		}
	}
	deadline := time.Now().Add(4 * time.Second)
	for {
		_, err := e.mi(t, "ul_show_contact", []any{"location", "short"})
		if err != nil && strings.Contains(err.Error(), "AOR not found") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("contact still there after its expiry (err %v)", err)
		}
		time.Sleep(200 * time.Millisecond)
	}
	if e.rowsNow() {
		if rows := e.locationRows(t, "short"); len(rows) != 0 {
			t.Errorf("expired row still in the database: %v", rows)
		}
	}
	// The refreshed query lists nothing either.
	r = e.register(t, c, regReq{User: "short", CallID: "ex-2", CSeq: 1})
	expectCode(t, r, "200")
	expectContacts(t, r, map[string]int{})
}

// testClamp: OpenSIPS 3.x raises a too short expires to min_expires and
// lowers a too long one to max_expires, without a 423.
func (e *regEnv) testClamp(t *testing.T) {
	c := newUDPClient(t)
	ct1, ct2, ct3 := "sip:carol@127.0.0.1:6001", "sip:carol@127.0.0.1:6002", "sip:carol@127.0.0.1:6003"
	r := e.register(t, c, regReq{User: "carol", CallID: "cl-1", CSeq: 1, Contacts: []string{"<" + ct1 + ">"}, Expires: "5"})
	expectCode(t, r, "200")
	expectContacts(t, r, map[string]int{ct1: regMinExp})
	r = e.register(t, c, regReq{User: "carol", CallID: "cl-2", CSeq: 1, Contacts: []string{"<" + ct2 + ">;expires=99999"}})
	expectCode(t, r, "200")
	expectContacts(t, r, map[string]int{ct1: regMinExp, ct2: regMaxExp})
	// No expires at all: default_expires (3600), within the bounds.
	r = e.register(t, c, regReq{User: "carol", CallID: "cl-3", CSeq: 1, Contacts: []string{"<" + ct3 + ">"}})
	expectCode(t, r, "200")
	expectContacts(t, r, map[string]int{ct1: regMinExp, ct2: regMaxExp, ct3: 3600})
	r = e.register(t, c, regReq{User: "carol", CallID: "cl-4", CSeq: 1, Contacts: []string{"*"}, Expires: "0"})
	expectCode(t, r, "200")
}

func (e *regEnv) testMaxContacts(t *testing.T) {
	c := newUDPClient(t)
	want := map[string]int{}
	for i := 1; i <= regMaxConts; i++ {
		ct := fmt.Sprintf("sip:dave@127.0.0.1:%d", 7000+i)
		r := e.register(t, c, regReq{User: "dave", CallID: fmt.Sprintf("mc-%d", i), CSeq: 1, Contacts: []string{"<" + ct + ">"}, Expires: "600"})
		expectCode(t, r, "200")
		want[ct] = 600
		expectContacts(t, r, want)
	}
	r := e.register(t, c, regReq{User: "dave", CallID: "mc-9", CSeq: 1, Contacts: []string{"<sip:dave@127.0.0.1:7009>"}, Expires: "600"})
	expectCode(t, r, "503")
	if extra := c.Recv(300 * time.Millisecond); extra != "" {
		t.Errorf("a second reply followed the 503:\n%s", extra)
	}
	if got := header(r, "P-Registrar-Error"); got != "Too many registered contacts" {
		t.Errorf("P-Registrar-Error %q", got)
	}
	// The rejected binding was not stored; refreshing an existing one is fine.
	r = e.register(t, c, regReq{User: "dave", CallID: "mc-1", CSeq: 2, Contacts: []string{"<sip:dave@127.0.0.1:7001>"}, Expires: "900"})
	expectCode(t, r, "200")
	want["sip:dave@127.0.0.1:7001"] = 900
	expectContacts(t, r, want)
	r = e.register(t, c, regReq{User: "dave", CallID: "mc-1", CSeq: 3, Contacts: []string{"*"}, Expires: "0"})
	expectCode(t, r, "200")
}

// testOverwrite: a REGISTER for a known contact updates it in place
// (expires, Call-ID, CSeq) instead of adding a binding.
func (e *regEnv) testOverwrite(t *testing.T) {
	c := newUDPClient(t)
	ct := "sip:erin@127.0.0.1:6100"
	r := e.register(t, c, regReq{User: "erin", CallID: "ow-1", CSeq: 1, Contacts: []string{"<" + ct + ">"}, Expires: "100"})
	expectCode(t, r, "200")
	r = e.register(t, c, regReq{User: "erin", CallID: "ow-1", CSeq: 2, Contacts: []string{"<" + ct + ">"}, Expires: "200"})
	expectCode(t, r, "200")
	expectContacts(t, r, map[string]int{ct: 200})
	// The same contact after a reboot (new Call-ID) replaces the binding.
	r = e.register(t, c, regReq{User: "erin", CallID: "ow-2", CSeq: 1, Contacts: []string{"<" + ct + ">"}, Expires: "300"})
	expectCode(t, r, "200")
	expectContacts(t, r, map[string]int{ct: 300})
	got := e.showContact(t, "erin")
	if len(got) != 1 || got[0].str(t, "Callid") != "ow-2" || got[0].num(t, "Cseq") != 1 {
		t.Fatalf("after overwrite: %v", got)
	}
	// An older CSeq on the same Call-ID is out of order: 200 without change.
	r = e.register(t, c, regReq{User: "erin", CallID: "ow-2", CSeq: 1, Contacts: []string{"<" + ct + ">"}, Expires: "50"})
	expectCode(t, r, "200")
	expectContacts(t, r, map[string]int{ct: 300})
	if e.rowsNow() {
		rows := e.locationRows(t, "erin")
		if len(rows) != 1 || rows[ct]["callid"].S != "ow-2" {
			t.Errorf("location rows after overwrite: %v", rows)
		}
	}
	r = e.register(t, c, regReq{User: "erin", CallID: "ow-2", CSeq: 5, Contacts: []string{"*"}, Expires: "0"})
	expectCode(t, r, "200")
}

// testContactLists: several bindings in one REGISTER, in one header or
// in several, and the all-or-nothing max_contacts check of a new AOR.
func (e *regEnv) testContactLists(t *testing.T) {
	c := newUDPClient(t)
	a, b, d := "sip:judy@127.0.0.1:6401", "sip:judy@127.0.0.1:6402", "sip:judy@127.0.0.1:6403"
	r := e.register(t, c, regReq{User: "judy", CallID: "cls-1", CSeq: 1,
		Contacts: []string{"<" + a + ">;expires=100, <" + b + ">", "<" + d + ">;expires=0"}, Expires: "200"})
	expectCode(t, r, "200")
	expectContacts(t, r, map[string]int{a: 100, b: 200})
	// Removing one and adding one in the same request.
	r = e.register(t, c, regReq{User: "judy", CallID: "cls-1", CSeq: 2,
		Contacts: []string{"<" + a + ">;expires=0, <" + d + ">;expires=300"}})
	expectCode(t, r, "200")
	expectContacts(t, r, map[string]int{b: 200, d: 300})
	expectCode(t, e.register(t, c, regReq{User: "judy", CallID: "cls-1", CSeq: 3, Contacts: []string{"*"}, Expires: "0"}), "200")

	// An unknown AOR: removing nothing is fine.
	r = e.register(t, c, regReq{User: "kate", CallID: "cls-2", CSeq: 1, Contacts: []string{"*"}, Expires: "0"})
	expectCode(t, r, "200")
	expectContacts(t, r, map[string]int{})

	// Four new bindings at once for a new AOR, over max_contacts (3):
	// 503, and the AOR is not created.
	var four []string
	for i := 1; i <= 4; i++ {
		four = append(four, fmt.Sprintf("<sip:kate@127.0.0.1:%d>", 6500+i))
	}
	r = e.register(t, c, regReq{User: "kate", CallID: "cls-3", CSeq: 1, Contacts: four, Expires: "60"})
	expectCode(t, r, "503")
	if got := header(r, "P-Registrar-Error"); got != "Too many registered contacts" {
		t.Errorf("P-Registrar-Error %q", got)
	}
	if _, err := e.mi(t, "ul_show_contact", []any{"location", "kate"}); err == nil {
		t.Errorf("rejected AOR kate was stored")
	}
	if e.rowsNow() {
		if rows := e.locationRows(t, "kate"); len(rows) != 0 {
			t.Errorf("rejected bindings in the database: %v", rows)
		}
	}
}

// testConcurrent registers and unregisters many AORs at once (one UDP
// client each): every REGISTER gets its own answer and the store (and
// the write-through table) ends consistent.
func (e *regEnv) testConcurrent(t *testing.T) {
	const users = 30
	clients := make([]*udpClient, users)
	for i := range clients {
		clients[i] = newUDPClient(t)
	}
	run := func(step func(i int, c *udpClient) string) {
		t.Helper()
		errs := make(chan string, users)
		for i, c := range clients {
			go func() { errs <- step(i, c) }()
		}
		for range users {
			if msg := <-errs; msg != "" {
				t.Error(msg)
			}
		}
	}
	// Each goroutine checks its own reply; failures come back as text
	// because t.Fatal must not be called off the test goroutine.
	regOnce := func(c *udpClient, user, callID string, cseq int, contacts []string, exp string) string {
		n := regSeq.Add(1)
		var b strings.Builder
		fmt.Fprintf(&b, "REGISTER sip:127.0.0.1:%d SIP/2.0\nVia: SIP/2.0/UDP 127.0.0.1:LPORT;branch=z9hG4bK-cc-%d\n", e.port, n)
		fmt.Fprintf(&b, "From: <sip:%s@127.0.0.1>;tag=cc%d\nTo: <sip:%s@127.0.0.1>\nCall-ID: %s\nCSeq: %d REGISTER\n", user, n, user, callID, cseq)
		for _, ct := range contacts {
			fmt.Fprintf(&b, "Contact: %s\n", ct)
		}
		fmt.Fprintf(&b, "Expires: %s\nMax-Forwards: 70\nContent-Length: 0\n\n", exp)
		c.Send(e.port, b.String())
		return c.RecvFinal(5 * time.Second)
	}
	run(func(i int, c *udpClient) string {
		user := fmt.Sprintf("load%02d", i)
		cts := []string{fmt.Sprintf("<sip:%s@127.0.0.1:%d>", user, c.Port()), fmt.Sprintf("<sip:%s@127.0.0.1:%d>", user, 20000+i)}
		r := regOnce(c, user, "cc-"+user, 1, cts, "600")
		if statusCode(r) != "200" || header(r, "Call-ID") != "cc-"+user || strings.Count(header(r, "Contact"), "expires=") != 2 {
			return fmt.Sprintf("%s: bad answer:\n%s", user, r)
		}
		return ""
	})
	top := parseObj(t, e.miMust(t, "ul_dump", nil))
	n := 0
	for _, a := range top.objs(t, "Domains")[0].objs(t, "AORs") {
		if strings.HasPrefix(a.str(t, "AOR"), "load") {
			n++
			if got := len(a.objs(t, "Contacts")); got != 2 {
				t.Errorf("%s has %d contacts", a.str(t, "AOR"), got)
			}
		}
	}
	if n != users {
		t.Errorf("ul_dump lists %d of the %d AORs", n, users)
	}
	if e.rowsNow() {
		rows := 0
		for i := range users {
			rows += len(e.locationRows(t, fmt.Sprintf("load%02d", i)))
		}
		if rows != 2*users {
			t.Errorf("%d location rows, want %d", rows, 2*users)
		}
	}
	run(func(i int, c *udpClient) string {
		user := fmt.Sprintf("load%02d", i)
		if r := regOnce(c, user, "cc-"+user, 2, []string{"*"}, "0"); statusCode(r) != "200" || header(r, "Contact") != "" {
			return fmt.Sprintf("%s: bad unregister answer:\n%s", user, r)
		}
		return ""
	})
	if e.rowsNow() {
		for i := range users {
			if rows := e.locationRows(t, fmt.Sprintf("load%02d", i)); len(rows) != 0 {
				t.Errorf("rows left: %v", rows)
			}
		}
	}
}

func (e *regEnv) testDigest(t *testing.T) {
	c := newUDPClient(t)
	ct := fmt.Sprintf("sip:%s@127.0.0.1:%d", regSecUser, c.Port())
	uri := fmt.Sprintf("sip:127.0.0.1:%d", e.port)
	challenge := func(r string) map[string]string {
		t.Helper()
		expectCode(t, r, "401")
		h := header(r, "WWW-Authenticate")
		scheme, p := digestParams(h)
		if scheme != "Digest" || p["realm"] != regRealm || p["nonce"] == "" || p["qop"] != "auth" {
			t.Fatalf("bad challenge %q", h)
		}
		p["header"] = h
		return p
	}
	req := regReq{User: regSecUser, CallID: "dg-1", CSeq: 1, Contacts: []string{"<" + ct + ">"}, Expires: "600"}
	ch := challenge(e.register(t, c, req))
	if _, stale := ch["stale"]; stale {
		t.Errorf("first challenge is stale")
	}
	req.CSeq++
	req.Auth = digestAuthorization(regSecUser, regSecPass, "REGISTER", uri, ch)
	r := e.register(t, c, req)
	expectCode(t, r, "200")
	expectContacts(t, r, map[string]int{ct: 600})

	// The same credentials again: a nonce is good once, so it is stale.
	req.CSeq++
	if ch := challenge(e.register(t, c, req)); ch["stale"] != "true" {
		t.Errorf("replayed nonce: want stale=true, got %q", ch["header"])
	}

	// Wrong password: the script answers 403.
	req.CSeq++
	req.Auth = ""
	ch = challenge(e.register(t, c, req))
	req.CSeq++
	req.Auth = digestAuthorization(regSecUser, "wrong", "REGISTER", uri, ch)
	expectCode(t, e.register(t, c, req), "403")

	// Unknown user: a new challenge.
	bad := regReq{User: "secret-agent", CallID: "dg-2", CSeq: 1, Contacts: []string{"<sip:x@127.0.0.1:1>"}}
	ch = challenge(e.register(t, c, bad))
	bad.CSeq++
	bad.Auth = digestAuthorization("secret-agent", regSecPass, "REGISTER", uri, ch)
	challenge(e.register(t, c, bad))

	// A nonce past nonce_expire (2 s) is stale: 401 with stale=true.
	req.CSeq++
	ch = challenge(e.register(t, c, req))
	time.Sleep(2500 * time.Millisecond)
	req.CSeq++
	req.Auth = digestAuthorization(regSecUser, regSecPass, "REGISTER", uri, ch)
	ch = challenge(e.register(t, c, req))
	if ch["stale"] != "true" {
		t.Fatalf("want stale=true, got %q", ch["header"])
	}
	// The fresh nonce works.
	req.CSeq++
	req.Auth = digestAuthorization(regSecUser, regSecPass, "REGISTER", uri, ch)
	r = e.register(t, c, req)
	expectCode(t, r, "200")
	req.CSeq++
	req.Auth = ""
	req.Contacts, req.Expires = []string{"*"}, "0"
	ch = challenge(e.register(t, c, req))
	req.CSeq++
	req.Auth = digestAuthorization(regSecUser, regSecPass, "REGISTER", uri, ch)
	expectCode(t, e.register(t, c, req), "200")
}

// testLookupInvite registers a sipp UAS as "bob" and calls it with sipp
// through gosips: lookup() rewrites the R-URI to the contact.
func (e *regEnv) testLookupInvite(t *testing.T) {
	needSipp(t)
	uas, wait := startSippUAS(t, "uas_call.xml")
	c := newUDPClient(t)
	ct := fmt.Sprintf("sip:bob@127.0.0.1:%d", uas)
	r := e.register(t, c, regReq{User: "bob", CallID: "lk-1", CSeq: 1, Contacts: []string{"<" + ct + ">"}, Expires: "600"})
	expectCode(t, r, "200")
	res := runSipp(t, "uac_call.xml", e.port, "-s", "bob")
	if res.Exit != 0 {
		t.Fatalf("caller failed (exit %d):\n%s\nlogs:\n%s", res.Exit, res.Output, e.srv.Logs())
	}
	u := wait()
	if u.Exit != 0 {
		t.Fatalf("callee failed (exit %d):\n%s", u.Exit, u.Output)
	}
	if !strings.Contains(u.Messages, "INVITE "+ct+" SIP/2.0") {
		t.Errorf("the callee did not get the INVITE for its contact %s:\n%s", ct, u.Messages)
	}
	r = e.register(t, c, regReq{User: "bob", CallID: "lk-1", CSeq: 2, Contacts: []string{"*"}, Expires: "0"})
	expectCode(t, r, "200")
}

// testLookupForks registers two sipp UASes for one AOR: lookup() puts the
// higher q first and the other in a branch; the one that rings is
// cancelled when the other answers.
func (e *regEnv) testLookupForks(t *testing.T) {
	needSipp(t)
	ring, waitRing := startSippUAS(t, "uas_ring_cancel.xml")
	answer, waitAnswer := startSippUAS(t, "uas_call.xml")
	c := newUDPClient(t)
	ctRing := fmt.Sprintf("sip:ivan@127.0.0.1:%d", ring)
	ctAnswer := fmt.Sprintf("sip:ivan@127.0.0.1:%d", answer)
	expectCode(t, e.register(t, c, regReq{User: "ivan", CallID: "fk-1", CSeq: 1, Contacts: []string{"<" + ctRing + ">;q=1.0"}, Expires: "600"}), "200")
	r := e.register(t, c, regReq{User: "ivan", CallID: "fk-2", CSeq: 1, Contacts: []string{"<" + ctAnswer + ">;q=0.5"}, Expires: "600"})
	expectCode(t, r, "200")
	if !strings.Contains(r, "<"+ctRing+">;q=1;expires=") || !strings.Contains(r, "<"+ctAnswer+">;q=0.5;expires=") {
		t.Errorf("q values not listed:\n%s", r)
	}
	res := runSipp(t, "uac_call.xml", e.port, "-s", "ivan")
	if res.Exit != 0 {
		t.Fatalf("caller failed (exit %d):\n%s\nlogs:\n%s", res.Exit, res.Output, e.srv.Logs())
	}
	if u := waitAnswer(); u.Exit != 0 {
		t.Errorf("answering callee failed (exit %d):\n%s", u.Exit, u.Output)
	}
	u := waitRing()
	if u.Exit != 0 {
		t.Errorf("ringing callee failed (exit %d):\n%s", u.Exit, u.Output)
	}
	if !strings.Contains(u.Messages, "INVITE "+ctRing+" SIP/2.0") {
		t.Errorf("the q=1 callee did not get the INVITE for its contact:\n%s", u.Messages)
	}
	expectCode(t, e.register(t, c, regReq{User: "ivan", CallID: "fk-1", CSeq: 2, Contacts: []string{"*"}, Expires: "0"}), "200")
}

// testTCP registers over TCP with sipp, then calls a UAS whose contact
// asks for TCP: lookup() keeps the transport parameter and tm connects.
func (e *regEnv) testTCP(t *testing.T) {
	needSipp(t)
	res := runSipp(t, "reg_register.xml", e.port, "-s", "tina", "-t", "t1")
	if res.Exit != 0 {
		t.Fatalf("sipp over TCP exit %d:\n%s", res.Exit, res.Output)
	}
	uas, wait := startSippUAS(t, "uas_call.xml", "-t", "t1")
	c := newUDPClient(t)
	ct := fmt.Sprintf("sip:tom@127.0.0.1:%d;transport=tcp", uas)
	expectCode(t, e.register(t, c, regReq{User: "tom", CallID: "tcp-1", CSeq: 1, Contacts: []string{"<" + ct + ">"}, Expires: "600"}), "200")
	res = runSipp(t, "uac_call.xml", e.port, "-s", "tom")
	if res.Exit != 0 {
		t.Fatalf("caller failed (exit %d):\n%s\nlogs:\n%s", res.Exit, res.Output, e.srv.Logs())
	}
	if u := wait(); u.Exit != 0 {
		t.Fatalf("TCP callee failed (exit %d):\n%s", u.Exit, u.Output)
	}
	expectCode(t, e.register(t, c, regReq{User: "tom", CallID: "tcp-1", CSeq: 2, Contacts: []string{"*"}, Expires: "0"}), "200")
}

func (e *regEnv) testUnknown(t *testing.T) {
	c := newUDPClient(t)
	c.Send(e.port, `INVITE sip:nobody@127.0.0.1 SIP/2.0
Via: SIP/2.0/UDP 127.0.0.1:LPORT;branch=z9hG4bK-unk-1
From: <sip:a@127.0.0.1>;tag=abc
To: <sip:nobody@127.0.0.1>
Call-ID: e2e-unknown-1
CSeq: 1 INVITE
Contact: <sip:a@127.0.0.1:LPORT>
Max-Forwards: 70
Content-Length: 0

`)
	r := c.RecvFinal(3 * time.Second)
	expectCode(t, r, "404")
	if !strings.HasPrefix(r, "SIP/2.0 404 Not Found\r\n") {
		t.Errorf("reason phrase:\n%s", r)
	}
	if header(r, "Call-ID") != "e2e-unknown-1" || !strings.Contains(header(r, "To"), ";tag=") {
		t.Errorf("bad 404 headers:\n%s", r)
	}
}

// testRestart stops gosips and starts it again on the same database: the
// bindings come back (write-through and write-back), and a call through
// lookup() reaches the sipp UAS registered before the restart. It runs
// last: every other binding of the earlier subtests is gone by then, so
// the table must hold exactly this one.
func (e *regEnv) testRestart(t *testing.T) {
	needSipp(t)
	uas, wait := startSippUAS(t, "uas_call.xml")
	c := newUDPClient(t)
	ct := fmt.Sprintf("sip:frank@127.0.0.1:%d;transport=udp", uas)
	r := e.register(t, c, regReq{User: "frank", CallID: "rs-1", CSeq: 7, Contacts: []string{"<" + ct + ">;q=0.5"}, Expires: "900"})
	expectCode(t, r, "200")
	before := e.showContact(t, "frank")
	e.stop(t)
	e.checkLogs(t) // shutdown included: write-back and db_text flush then
	rows := e.locationRows(t, "")
	if len(rows) != 1 || rows[ct] == nil {
		t.Fatalf("location rows after stop: %v", rows)
	}
	row := rows[ct]
	now := time.Now().Unix()
	checks := []struct {
		col  string
		ok   bool
		what any
	}{
		{"username", row["username"].S == "frank", row["username"].S},
		{"q", row["q"].Float64() == 0.5, row["q"].Float64()},
		{"callid", row["callid"].S == "rs-1", row["callid"].S},
		{"cseq", row["cseq"].Int64() == 7, row["cseq"].Int64()},
		{"expires", row["expires"].Int64() > now+880 && row["expires"].Int64() <= now+900, row["expires"].Int64()},
		{"last_modified", row["last_modified"].Int64() > now-30 && row["last_modified"].Int64() <= now, row["last_modified"].Int64()},
		{"user_agent", row["user_agent"].S == "gosips-e2e", row["user_agent"].S},
		{"socket", row["socket"].S == fmt.Sprintf("udp:127.0.0.1:%d", e.port), row["socket"].S},
		{"contact_id", row["contact_id"].Int64() != 0, row["contact_id"].Int64()},
	}
	for _, ck := range checks {
		if !ck.ok {
			t.Errorf("column %s = %v", ck.col, ck.what)
		}
	}
	if id := strconv.FormatInt(row["contact_id"].Int64(), 10); `"`+id+`"` != before[0].raw("ContactID") {
		t.Errorf("contact_id column %s, MI ContactID %s", id, before[0].raw("ContactID"))
	}
	e.start(t)
	after := e.showContact(t, "frank")
	if len(after) != 1 {
		t.Fatalf("after restart: %v", after)
	}
	for _, k := range []string{"Contact", "ContactID", "Q", "Callid", "Cseq", "User-agent", "Flags", "Cflags", "Socket", "Methods"} {
		if before[0].raw(k) != after[0].raw(k) {
			t.Errorf("%s changed over the restart: %s → %s", k, before[0].raw(k), after[0].raw(k))
		}
	}
	if got := after[0].str(t, "State"); got != "CS_SYNC" {
		t.Errorf("State %q after loading from the database, want CS_SYNC", got)
	}
	if exp := after[0].num(t, "Expires"); exp > 900 || exp < 880 {
		t.Errorf("Expires %d after restart", exp)
	}
	// A new binding of the reloaded AOR gets a fresh contact id.
	ct2 := "sip:frank@127.0.0.1:6299"
	r = e.register(t, c, regReq{User: "frank", CallID: "rs-2", CSeq: 1, Contacts: []string{"<" + ct2 + ">;q=0.1"}, Expires: "900"})
	expectCode(t, r, "200")
	ids := map[string]string{}
	for _, o := range e.showContact(t, "frank") {
		ids[o.str(t, "Contact")] = o.str(t, "ContactID")
	}
	if len(ids) != 2 || ids[ct] == ids[ct2] || ids[ct] != before[0].str(t, "ContactID") {
		t.Errorf("contact ids after restart: %v (before: %s)", ids, before[0].raw("ContactID"))
	}
	if e.rowsNow() {
		rows := e.locationRows(t, "frank")
		if len(rows) != 2 || strconv.FormatInt(rows[ct2]["contact_id"].Int64(), 10) != ids[ct2] {
			t.Errorf("rows after restart: %v", rows)
		}
	}
	res := runSipp(t, "uac_call.xml", e.port, "-s", "frank")
	if res.Exit != 0 {
		t.Fatalf("call after restart failed (exit %d):\n%s\nlogs:\n%s", res.Exit, res.Output, e.srv.Logs())
	}
	if u := wait(); u.Exit != 0 {
		t.Fatalf("callee failed (exit %d):\n%s", u.Exit, u.Output)
	}
	r = e.register(t, c, regReq{User: "frank", CallID: "rs-1", CSeq: 8, Contacts: []string{"*"}, Expires: "0"})
	expectCode(t, r, "200")
	expectContacts(t, r, map[string]int{})
}

// TestDBCreateSQLiteCLI opens a database made by "gosips db create" with
// the sqlite3 shell: OpenSIPS column names and version rows.
func TestDBCreateSQLiteCLI(t *testing.T) {
	sqlite := testenv.Tool(t, "sqlite3", "sqlite3")
	bin := gosipsBin(t)
	path := filepath.Join(t.TempDir(), "opensips.db")
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if out, err := exec.CommandContext(ctx, bin, "db", "create", "--url", "sqlite://"+path).CombinedOutput(); err != nil {
		t.Fatalf("gosips db create: %v\n%s", err, out)
	}
	if _, err := os.Stat(path); err != nil {
		t.Fatalf("database file: %v", err)
	}
	query := func(sql string) string {
		t.Helper()
		out, err := exec.CommandContext(ctx, sqlite, "-batch", "-noheader", "-separator", "|", path, sql).CombinedOutput()
		if err != nil {
			t.Fatalf("sqlite3 %q: %v\n%s", sql, err, out)
		}
		return strings.TrimSpace(string(out))
	}
	versions := map[string]string{}
	for _, line := range strings.Split(query("SELECT table_name, table_version FROM version"), "\n") {
		if k, v, ok := strings.Cut(line, "|"); ok {
			versions[k] = v
		}
	}
	for tbl, v := range map[string]string{"location": "1013", "subscriber": "8", "silo": "6", "dispatcher": "9", "registrant": "3"} {
		if versions[tbl] != v {
			t.Errorf("version row of %s = %q, want %s (all: %v)", tbl, versions[tbl], v, versions)
		}
	}
	columns := func(tbl string) string {
		var names []string
		for _, line := range strings.Split(query("SELECT name FROM pragma_table_info('"+tbl+"') ORDER BY cid"), "\n") {
			names = append(names, strings.TrimSpace(line))
		}
		return strings.Join(names, " ")
	}
	for tbl, want := range map[string]string{
		"location":   "contact_id username domain contact received path expires q callid cseq last_modified flags cflags user_agent socket methods sip_instance kv_store attr",
		"subscriber": "id username domain password ha1 ha1_sha256 ha1_sha512t256",
		"version":    "table_name table_version",
	} {
		if got := columns(tbl); got != want {
			t.Errorf("columns of %s:\n got %s\nwant %s", tbl, got, want)
		}
	}
}

// TestDBCreateText checks the db_text files "gosips db create" writes:
// OpenSIPS 3.6 headers and version rows.
func TestDBCreateText(t *testing.T) {
	bin := gosipsBin(t)
	dir := filepath.Join(t.TempDir(), "dbtext")
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if out, err := exec.CommandContext(ctx, bin, "db", "create", "--url", "text://"+dir).CombinedOutput(); err != nil {
		t.Fatalf("gosips db create: %v\n%s", err, out)
	}
	read := func(name string) []string {
		t.Helper()
		b, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		return strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	}
	for tbl, want := range map[string]string{
		"version":    "table_name(string) table_version(int)",
		"location":   "contact_id(long,auto) username(string) domain(string,null) contact(string) received(string,null) path(string,null) expires(int) q(double) callid(string) cseq(int) last_modified(int) flags(int) cflags(string,null) user_agent(string) socket(string,null) methods(int,null) sip_instance(string,null) kv_store(string,null) attr(string,null)",
		"subscriber": "id(int,auto) username(string) domain(string) password(string) ha1(string) ha1_sha256(string) ha1_sha512t256(string)",
	} {
		if got := read(tbl)[0]; got != want {
			t.Errorf("header of %s:\n got %s\nwant %s", tbl, got, want)
		}
	}
	rows := read("version")[1:]
	for _, want := range []string{"location:1013", "subscriber:8"} {
		found := false
		for _, r := range rows {
			found = found || r == want
		}
		if !found {
			t.Errorf("version rows %q lack %q", rows, want)
		}
	}
}
