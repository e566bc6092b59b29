package e2e

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"gosips/db"
	"gosips/internal/testenv"
)

// portM4File is the OpenSIPS 1.8 residential menuconfig template with
// every feature on: 1.x TLS globals, presence with a regex db_url, auth,
// domain, dialog, acc, drouting, dialplan, nathelper and rtpproxy.
const portM4File = "legacy/m4-1.8.8__residential__allyes.cfg"

// portM4Ported runs "gosips port" on the corpus file and returns the 3.x
// text.
func portM4Ported(t *testing.T) string {
	t.Helper()
	in := filepath.Join(testenv.Corpus(t), portM4File)
	out := filepath.Join(t.TempDir(), "ported.cfg")
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	// Exit 1 means manual work is reported; the text is written anyway.
	cmd := exec.CommandContext(ctx, gosipsBin(t), "port", "-o", out, in)
	if b, err := cmd.CombinedOutput(); err != nil && cmd.ProcessState.ExitCode() > 1 {
		t.Fatalf("gosips port: %v\n%s", err, b)
	}
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// portM4Adapt points the ported config at the test's loopback ports
// (PORT for UDP and TCP, tlsPort for TLS), an SQLite database, a FIFO and
// certificates of its own, with logs on stderr. The routing script is
// left as ported.
func portM4Adapt(t *testing.T, cfg, dbURL string, tlsPort int) string {
	t.Helper()
	pki := newTLSPKI(t, "port-ca")
	_, cert, key := pki.issue(t, "127.0.0.1", 2)
	dir := t.TempDir()
	for _, r := range [][2]string{
		{"socket=udp:127.0.0.1:5060", "socket=udp:127.0.0.1:PORT"},
		{"socket=tcp:127.0.0.1:5060", "socket=tcp:127.0.0.1:PORT"},
		{"socket=tls:127.0.0.1:5061", fmt.Sprintf("socket=tls:127.0.0.1:%d", tlsPort)},
		{`$rd == "127.0.0.1:5060"`, `$rd == "127.0.0.1:PORT"`},
		{`mpath="/usr/local/lib/opensips/modules/"`, ""},
		{"stderror_enabled=no", "stderror_enabled=yes"},
		{"syslog_enabled=yes", "syslog_enabled=no"},
		{"udp_workers=4", "udp_workers=2"},
		{`loadmodule "db_mysql.so"`, `loadmodule "db_sqlite.so"`},
		{`"mysql://opensips:opensipsrw@localhost/opensips"`, fmt.Sprintf("%q", dbURL)},
		{"/tmp/opensips_fifo", filepath.Join(dir, "fifo")},
		{"/usr/local/etc/opensips/tls/user/user-cert.pem", cert},
		{"/usr/local/etc/opensips/tls/user/user-privkey.pem", key},
		{"/usr/local/etc/opensips/tls/user/user-calist.pem", pki.CAFile},
	} {
		if !strings.Contains(cfg, r[0]) {
			t.Fatalf("ported config has no %q any more:\n%s", r[0], cfg)
		}
		cfg = strings.ReplaceAll(cfg, r[0], r[1])
	}
	return cfg
}

// portM4DB is a database with every OpenSIPS table and 127.0.0.1 as a
// local domain (so alice@127.0.0.1 is a local user).
func portM4DB(t *testing.T) string {
	t.Helper()
	url := sqliteDB(t)
	insertRow(t, url, "domain", map[string]db.Value{"domain": db.StringValue("127.0.0.1")})
	return url
}

// portM4Replies sends a REGISTER and an INVITE without credentials and
// returns the final reply of each, as status line and auth header.
func portM4Replies(t *testing.T, port int) map[string]string {
	t.Helper()
	out := map[string]string{}
	for _, m := range []string{"register", "invite"} {
		r := runSipp(t, "port_uac_"+m+".xml", port)
		var final string
		for _, msg := range received(r.Messages, "SIP/2.0") {
			if !strings.HasPrefix(msg, "SIP/2.0 1") {
				final = msg
			}
		}
		if final == "" {
			t.Fatalf("%s: no final reply (exit %d)\n%s\n%s", m, r.Exit, r.Output, r.Messages)
		}
		line, _, _ := strings.Cut(strings.ReplaceAll(final, "\r\n", "\n"), "\n")
		auth := header(final, "WWW-Authenticate") + header(final, "Proxy-Authenticate")
		realm := ""
		if i := strings.Index(auth, "realm="); i >= 0 {
			realm, _, _ = strings.Cut(auth[i:], ",")
		}
		out[m] = strings.TrimSpace(line) + " | " + realm
	}
	return out
}

// TestPortedM4Run starts the ported 1.8 residential template on gosips:
// it must load every module it names, open its UDP, TCP and TLS sockets,
// and answer as its script says (a REGISTER of a local user is
// challenged with 401, an INVITE from one with 407).
func TestPortedM4Run(t *testing.T) {
	cfg := portM4Adapt(t, portM4Ported(t), portM4DB(t), freePort(t))
	srv := startServer(t, cfg)
	got := portM4Replies(t, srv.Port)
	want := map[string]string{
		"register": `SIP/2.0 401 Unauthorized | realm="127.0.0.1"`,
		"invite":   `SIP/2.0 407 Proxy Authentication Required | realm="127.0.0.1"`,
	}
	for k, w := range want {
		if got[k] != w {
			t.Errorf("%s: got %q, want %q", k, got[k], w)
		}
	}
}

// TestPortedM4Oracle runs the same ported config on OpenSIPS 3.6 and on
// gosips and compares the replies: the port must give OpenSIPS a config
// it starts and that behaves as on gosips.
func TestPortedM4Oracle(t *testing.T) {
	bin := testenv.Oracle(t)
	ported := portM4Ported(t)
	g := portM4Replies(t, startServer(t, portM4Adapt(t, ported, portM4DB(t), freePort(t))).Port)

	logs := &syncBuffer{}
	oport := natOracleStartLogs(t, bin, portM4Adapt(t, ported, portM4DB(t), freePort(t)), logs)
	o := portM4Replies(t, oport)
	for _, k := range []string{"register", "invite"} {
		if g[k] != o[k] {
			t.Errorf("%s: gosips %q, opensips %q", k, g[k], o[k])
		}
	}
	t.Logf("replies: %v", o)
}
