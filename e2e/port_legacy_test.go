package e2e

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// Legacy configs of the corpus, of different eras, that load only modules
// gosips has: ported with "gosips port" and run unedited on loopback with
// "gosips run -l", they answer as their script says.
var portedLegacy = []struct {
	file   string // under the corpus's legacy/
	method string // REGISTER or OPTIONS
	want   string // status code
	// contact is a substring of the reply's Contact header: the saved
	// binding, or the redirect target.
	contact string
	why     string
}{
	{"openser-0.9.3__etc__openser.cfg", "REGISTER", "200", "alice@127.0.0.1", "save(\"location\") for a REGISTER to myself"},
	{"openser-1.0.0__etc__openser.cfg", "REGISTER", "200", "alice@127.0.0.1", "save(\"location\")"},
	{"openser-1.2.0__etc__openser.cfg", "REGISTER", "200", "alice@127.0.0.1", "save(\"location\")"},
	{"openser-1.3.0__etc__openser.cfg", "REGISTER", "200", "alice@127.0.0.1", "save(\"location\"), acc log flag turned into do_accounting()"},
	{"1.4.5__etc__opensips.cfg", "REGISTER", "200", "alice@127.0.0.1", "save(\"location\") after the uri_db checks were dropped"},
	{"1.6.3__etc__opensips.cfg", "REGISTER", "200", "alice@127.0.0.1", "save(\"location\")"},
	{"1.8.8__etc__opensips.cfg", "REGISTER", "200", "alice@127.0.0.1", "save(\"location\")"},
	{"2.1.5__etc__opensips.cfg", "REGISTER", "200", "alice@127.0.0.1", "save(\"location\")"},
	{"2.4.11__etc__opensips.cfg", "REGISTER", "200", "alice@127.0.0.1", "save(\"location\")"},
	{"1.4.5__examples__redirect.cfg", "OPTIONS", "300", "parallel@siphub.net", "sl_send_reply(300) after rewriting the R-URI and adding a branch"},
	{"1.4.5__examples__redirect.cfg", "REGISTER", "200", "", "sl_send_reply(200) for REGISTER"},
	{"m4-1.8.8__residential__default.cfg", "REGISTER", "200", "alice@127.0.0.1", "the menuconfig residential template saves the contact"},
	{"m4-2.4.11__residential__default.cfg", "REGISTER", "200", "alice@127.0.0.1", "the menuconfig residential template saves the contact"},
}

func TestPortedLegacyConfigsRun(t *testing.T) {
	corpus := filepath.Join("..", "..", "shared", "corpus", "legacy")
	if _, err := os.Stat(corpus); err != nil {
		t.Fatalf("corpus: %v", err)
	}
	bin := gosipsBin(t)
	for _, tc := range portedLegacy {
		t.Run(tc.file+"/"+tc.method, func(t *testing.T) {
			dir := t.TempDir()
			out := filepath.Join(dir, "opensips.cfg")
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			rep, err := exec.CommandContext(ctx, bin, "port", "-o", out, filepath.Join(corpus, tc.file)).CombinedOutput()
			if err != nil {
				if _, ok := err.(*exec.ExitError); !ok {
					t.Fatalf("gosips port: %v\n%s", err, rep)
				}
			}
			if res, err := exec.CommandContext(ctx, bin, "check", "-f", out).CombinedOutput(); err != nil {
				t.Fatalf("the ported config does not check: %v\n%s\nport report:\n%s", err, res, rep)
			}
			port := freePort(t)
			s := startListening(t, bin, out, dir, port)
			c := newUDPClient(t)
			c.Send(port, legacyRequest(tc.method, port))
			got := c.RecvFinal(3 * time.Second)
			if code := statusCode(got); code != tc.want {
				t.Fatalf("%s answered %q, want %s (%s)\nreply:\n%s\nlogs:\n%s", tc.method, code, tc.want, tc.why, got, s.Logs())
			}
			if ct := strings.Join(headers(got, "Contact"), ", "); !strings.Contains(ct, tc.contact) {
				t.Errorf("Contact %q lacks %q (%s)", ct, tc.contact, tc.why)
			}
		})
	}
}

// startListening runs "gosips run -f cfg -l udp:127.0.0.1:port" from dir.
func startListening(t *testing.T, bin, cfg, dir string, port int) *server {
	t.Helper()
	s := &server{Port: port, logs: &syncBuffer{}, done: make(chan struct{})}
	s.cmd = exec.Command(bin, "run", "-f", cfg, "-l", fmt.Sprintf("udp:127.0.0.1:%d", port))
	s.cmd.Dir = dir
	s.cmd.Stdout, s.cmd.Stderr = s.logs, s.logs
	if err := s.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { s.cmd.Wait(); close(s.done) }()
	t.Cleanup(func() { s.stop(t) })
	// Old configs often log to syslog only: the bound port tells.
	s.waitStarted(t, func() bool { return udpBound(port) })
	return s
}

// udpBound reports whether a loopback UDP port is taken.
func udpBound(port int) bool {
	c, err := net.ListenPacket("udp", fmt.Sprintf("127.0.0.1:%d", port))
	if err != nil {
		return true
	}
	c.Close()
	return false
}

// legacyRequest is a REGISTER or an OPTIONS from a loopback phone to the
// server's address.
func legacyRequest(method string, port int) string {
	ruri := fmt.Sprintf("sip:127.0.0.1:%d", port)
	to := fmt.Sprintf("<sip:alice@127.0.0.1:%d>", port)
	if method == "OPTIONS" {
		ruri = fmt.Sprintf("sip:bob@127.0.0.1:%d", port)
		to = "<" + ruri + ">"
	}
	return method + " " + ruri + ` SIP/2.0
Via: SIP/2.0/UDP 127.0.0.1:LPORT;branch=z9hG4bK-` + method + `-1;rport
Max-Forwards: 70
From: <sip:alice@127.0.0.1>;tag=legacy1
To: ` + to + `
Call-ID: legacy-` + method + `@127.0.0.1
CSeq: 1 ` + method + `
Contact: <sip:alice@127.0.0.1:LPORT>
Expires: 60
Content-Length: 0

`
}

// TestRunListenReplacesScriptSockets: -l replaces the script's sockets,
// so a config written for an address this host does not have starts on
// loopback.
func TestRunListenReplacesScriptSockets(t *testing.T) {
	bin := gosipsBin(t)
	dir := t.TempDir()
	cfg := filepath.Join(dir, "opensips.cfg")
	// 192.0.2.1 (TEST-NET-1) is never a local address: binding it fails.
	src := "socket=udp:192.0.2.1:5060\nloadmodule \"proto_udp.so\"\nloadmodule \"sl.so\"\n" +
		"route { sl_send_reply(200, \"here\"); }\n"
	if err := os.WriteFile(cfg, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	port := freePort(t)
	s := startListening(t, bin, cfg, dir, port)
	c := newUDPClient(t)
	c.Send(port, legacyRequest("OPTIONS", port))
	if got := c.RecvFinal(3 * time.Second); statusCode(got) != "200" {
		t.Fatalf("OPTIONS on the -l socket: %q\nlogs:\n%s", got, s.Logs())
	}
}
