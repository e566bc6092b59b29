package e2e

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"gosips/db"
	"gosips/internal/testenv"
)

// ublCfg checks the caller's own blacklist (check_user_blacklist, the
// R-URI or X-Number as number) or the global one (check_blacklist), and
// answers 200 or 403.
const ublCfg = `
socket=udp:127.0.0.1:PORT
loadmodule "proto_udp.so"
loadmodule "sl.so"
loadmodule "signaling.so"
loadmodule "sipmsgops.so"
loadmodule "db_sqlite.so"
loadmodule "httpd.so"
loadmodule "mi_http.so"
loadmodule "userblacklist.so"
modparam("httpd", "port", HTTPPORT)
modparam("userblacklist", "db_url", "DBURL")
modparam("userblacklist", "use_domain", USEDOMAIN)
route {
	if ($hdr(X-Check) == "global") {
		if (!check_blacklist("globalblacklist")) {
			send_reply(403, "Globally Blacklisted");
			exit;
		}
	} else if ($hdr(X-Check) == "number") {
		if (!check_user_blacklist("$fU", "$fd", "$hdr(X-Number)")) {
			send_reply(403, "Blacklisted Number");
			exit;
		}
	} else if (!check_user_blacklist("$fU", "$fd")) {
		send_reply(403, "Blacklisted");
		exit;
	}
	send_reply(200, "Allowed");
}
`

// ublFill writes the README's example rows.
func ublFill(t *testing.T, url string) {
	t.Helper()
	c := ublConn(t, url)
	withDBExec := func(table string, kv ...any) {
		t.Helper()
		addRow(t, c, table, kv...)
	}
	for _, r := range [][]any{
		{"49721123456788", "", "1234", 0}, {"49721123456788", "", "123456788", 1},
		{"49721123456789", "", "12345", 0}, {"494675231", "", "499034133", 1},
		{"494675231", "test", "499034132", 0}, {"494675453", "test.domain", "49901", 0},
		{"494675454", "", "49900", 0},
	} {
		withDBExec("userblacklist", "username", r[0], "domain", r[1], "prefix", r[2], "whitelist", r[3])
	}
	for _, r := range [][]any{{"", 0}, {"1", 1}, {"123456", 0}, {"123455787", 0}} {
		withDBExec("globalblacklist", "prefix", r[0], "whitelist", r[1])
	}
}

// ublConn opens url for the test.
func ublConn(t *testing.T, url string) db.Conn {
	t.Helper()
	c, err := db.Open(context.Background(), url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// ublCheck sends one request and returns the reply's status line.
func ublCheck(t *testing.T, c *udpClient, port int, from, fromDom, ruser, check, number string) string {
	t.Helper()
	extra := ""
	if check != "" {
		extra += "X-Check: " + check + "\n"
	}
	if number != "" {
		extra += "X-Number: " + number + "\n"
	}
	id := fmt.Sprintf("%s-%s-%s-%s", from, ruser, check, number)
	c.Send(port, fmt.Sprintf("INVITE sip:%s@127.0.0.1 SIP/2.0\nVia: SIP/2.0/UDP 127.0.0.1:LPORT;branch=z9hG4bK-ubl-%s\n"+
		"From: <sip:%s@%s>;tag=u1\nTo: <sip:%s@127.0.0.1>\nCall-ID: ubl-%s\nCSeq: 1 INVITE\n%sMax-Forwards: 70\nContent-Length: 0\n\n",
		ruser, id, from, fromDom, ruser, id, extra))
	r := c.Recv(3 * time.Second)
	first, _, _ := strings.Cut(r, "\r\n")
	return first
}

type ublCase struct{ from, dom, ruser, check, number, want string }

var ublCases = []ublCase{
	{"49721123456788", "x", "1234999", "", "", "SIP/2.0 403 Blacklisted"},
	{"49721123456788", "x", "123456788", "", "", "SIP/2.0 200 Allowed"}, // whitelisted longer prefix
	{"49721123456788", "x", "1234567889", "", "", "SIP/2.0 200 Allowed"},
	{"49721123456788", "x", "999", "", "", "SIP/2.0 200 Allowed"},
	{"49721123456789", "x", "+1-234.56", "", "", "SIP/2.0 403 Blacklisted"}, // digits only: 123456
	{"494675231", "test", "499034132", "", "", "SIP/2.0 403 Blacklisted"},   // domain ignored by default
	{"494675231", "x", "4990341339", "", "", "SIP/2.0 200 Allowed"},
	{"494675454", "x", "x", "number", "49900123", "SIP/2.0 403 Blacklisted Number"},
	{"494675454", "x", "49900123", "number", "12", "SIP/2.0 200 Allowed"},
	{"nobody", "x", "1234", "", "", "SIP/2.0 200 Allowed"},
	{"a", "x", "1555", "global", "", "SIP/2.0 200 Allowed"},
	{"a", "x", "4930", "global", "", "SIP/2.0 403 Globally Blacklisted"}, // the empty prefix blocks all
	{"a", "x", "1234567", "global", "", "SIP/2.0 403 Globally Blacklisted"},
	{"a", "x", "123455787", "global", "", "SIP/2.0 403 Globally Blacklisted"},
	{"a", "x", "12345578", "global", "", "SIP/2.0 200 Allowed"},
	{"a", "x", "12345678901234567890123456789012", "global", "", "SIP/2.0 403 Globally Blacklisted"}, // too long: error
}

func ublRun(t *testing.T, port int, cases []ublCase) []string {
	t.Helper()
	c := newUDPClient(t)
	var out []string
	for _, tc := range cases {
		out = append(out, ublCheck(t, c, port, tc.from, tc.dom, tc.ruser, tc.check, tc.number))
	}
	return out
}

func ublStart(t *testing.T, url string, useDomain int) (*server, int) {
	t.Helper()
	httpPort := freePort(t)
	return startServer(t, strings.NewReplacer("DBURL", url, "HTTPPORT", fmt.Sprint(httpPort),
		"USEDOMAIN", fmt.Sprint(useDomain)).Replace(ublCfg)), httpPort
}

func TestUserBlacklist(t *testing.T) {
	url := sqliteDB(t, "userblacklist", "globalblacklist")
	ublFill(t, url)
	srv, httpPort := ublStart(t, url, 0)
	for i, got := range ublRun(t, srv.Port, ublCases) {
		if tc := ublCases[i]; got != tc.want {
			t.Errorf("%+v: got %q", tc, got)
		}
	}
	// The global list is cached: a new row counts after reload_blacklist,
	// a user's list is read on every check.
	c := ublConn(t, url)
	addRow(t, c, "globalblacklist", "prefix", "1555", "whitelist", 0)
	addRow(t, c, "userblacklist", "username", "nobody", "domain", "", "prefix", "12", "whitelist", 0)
	cl := newUDPClient(t)
	if got := ublCheck(t, cl, srv.Port, "a", "x", "1555", "global", ""); got != "SIP/2.0 200 Allowed" {
		t.Errorf("before reload: %q", got)
	}
	if got := ublCheck(t, cl, srv.Port, "nobody", "x", "1234", "", ""); got != "SIP/2.0 403 Blacklisted" {
		t.Errorf("user list not read again: %q", got)
	}
	if out, err := miHTTP(t, httpPort, "reload_blacklist", nil); err != nil || string(out) != `"OK"` {
		t.Fatalf("reload_blacklist: %s %v", out, err)
	}
	if got := ublCheck(t, cl, srv.Port, "a", "x", "1555", "global", ""); got != "SIP/2.0 403 Globally Blacklisted" {
		t.Errorf("after reload: %q", got)
	}
}

func TestUserBlacklistUseDomain(t *testing.T) {
	url := sqliteDB(t, "userblacklist", "globalblacklist")
	ublFill(t, url)
	srv, _ := ublStart(t, url, 1)
	cases := []ublCase{
		{"494675231", "test", "499034132", "", "", "SIP/2.0 403 Blacklisted"},
		{"494675231", "other", "499034132", "", "", "SIP/2.0 200 Allowed"},
		{"494675453", "test.domain", "4990155", "", "", "SIP/2.0 403 Blacklisted"},
		{"49721123456788", "x", "1234999", "", "", "SIP/2.0 200 Allowed"}, // its rows have domain ""
	}
	for i, got := range ublRun(t, srv.Port, cases) {
		if got != cases[i].want {
			t.Errorf("%+v: got %q", cases[i], got)
		}
	}
}

// TestUserBlacklistOracle runs the same checks against real OpenSIPS
// (OPENSIPS_BIN) with the same sqlite database and compares the replies.
func TestUserBlacklistOracle(t *testing.T) {
	bin := testenv.Oracle(t)
	gurl, ourl := sqliteDB(t, "userblacklist", "globalblacklist"), sqliteDB(t, "userblacklist", "globalblacklist")
	ublFill(t, gurl)
	ublFill(t, ourl)
	srv, _ := ublStart(t, gurl, 0)
	g := ublRun(t, srv.Port, ublCases)
	cfg := strings.NewReplacer("DBURL", ourl, "USEDOMAIN", "0", `loadmodule "httpd.so"`+"\n", "",
		`loadmodule "mi_http.so"`+"\n", "", `modparam("httpd", "port", HTTPPORT)`+"\n", "").Replace(ublCfg)
	o := ublRun(t, natOracleStart(t, bin, cfg), ublCases)
	for i := range g {
		if g[i] != o[i] {
			t.Errorf("%+v:\n gosips   %q\n opensips %q", ublCases[i], g[i], o[i])
		}
	}
}
