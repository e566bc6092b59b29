package e2e

import (
	"encoding/json"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

const syslogCfg = `
log_level = 3
stderror_enabled = yes
syslog_enabled = yes
syslog_facility = LOG_LOCAL0
syslog_name = "edge-sips"
FORMAT
socket = udp:127.0.0.1:PORT
loadmodule "proto_udp.so"
loadmodule "sl.so"
route {
	xlog("L_NOTICE", "request $rm from $si\n");
	sl_send_reply(200, "OK");
}
`

// syslogSink is a local syslog socket made by the test.
func syslogSink(t *testing.T) (string, *net.UnixConn) {
	t.Helper()
	dir, err := os.MkdirTemp("", "slog")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	path := filepath.Join(dir, "log.sock")
	c, err := net.ListenUnixgram("unixgram", &net.UnixAddr{Name: path, Net: "unixgram"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return path, c
}

// readSyslog collects datagrams until one contains want or the timeout.
func readSyslog(t *testing.T, c *net.UnixConn, want string) (string, []string) {
	t.Helper()
	var all []string
	deadline := time.Now().Add(5 * time.Second)
	buf := make([]byte, 8192)
	for time.Now().Before(deadline) {
		c.SetReadDeadline(deadline)
		n, err := c.Read(buf)
		if err != nil {
			break
		}
		m := string(buf[:n])
		all = append(all, m)
		if strings.Contains(m, want) {
			return m, all
		}
	}
	t.Fatalf("no syslog message with %q; got %q", want, all)
	return "", nil
}

// TestSyslog checks that syslog_enabled, syslog_facility and syslog_name
// really send to the local syslog socket, in OpenSIPS' plain-text and json
// formats, with the priority of the facility and the level.
func TestSyslog(t *testing.T) {
	t.Run("plain_text", func(t *testing.T) {
		sock, c := syslogSink(t)
		srv := startServerArgs(t, strings.Replace(syslogCfg, "FORMAT", "", 1), freePort(t), "--syslog-socket", sock)
		m, _ := readSyslog(t, c, "gosips started")
		// LOG_LOCAL0 (16) << 3 | NOTICE (5) = 133.
		re := regexp.MustCompile(`^<133>[A-Z][a-z]{2} [ 0-9]\d \d\d:\d\d:\d\d edge-sips\[(\d+)\]: NOTICE:core: gosips started`)
		if !re.MatchString(m) {
			t.Errorf("syslog line %q does not match %s", m, re)
		}
		cl := newUDPClient(t)
		cl.Send(srv.Port, strings.ReplaceAll(strings.ReplaceAll(optionsReq, "%d", "1"), "\n", "\r\n"))
		if r := cl.RecvFinal(2 * time.Second); statusCode(r) != "200" {
			t.Fatalf("no 200: %q", r)
		}
		// xlog lines have no module part, as OpenSIPS' (LM_GEN).
		m, _ = readSyslog(t, c, "request OPTIONS")
		if !strings.HasPrefix(m, "<133>") || !strings.Contains(m, "]: NOTICE:request OPTIONS from 127.0.0.1") {
			t.Errorf("xlog line on syslog: %q", m)
		}
		// stderr keeps OpenSIPS' stream format: "Mmm dd hh:mm:ss [pid] LEVEL:module: msg".
		if !regexp.MustCompile(`(?m)^[A-Z][a-z]{2} [ 0-9]\d \d\d:\d\d:\d\d \[\d+\] NOTICE:core: gosips started`).MatchString(srv.Logs()) {
			t.Errorf("stderr line format:\n%s", srv.Logs())
		}
	})
	t.Run("json", func(t *testing.T) {
		sock, c := syslogSink(t)
		startServerArgs(t, strings.Replace(syslogCfg, "FORMAT", `syslog_log_format = "json"
stderror_log_format = "json"`, 1), freePort(t), "--syslog-socket", sock)
		m, _ := readSyslog(t, c, "gosips started")
		_, body, ok := strings.Cut(m, "]: ")
		if !ok {
			t.Fatalf("no syslog header: %q", m)
		}
		var obj map[string]any
		if err := json.Unmarshal([]byte(body), &obj); err != nil {
			t.Fatalf("not json: %q: %v", body, err)
		}
		if obj["level"] != "NOTICE" || !strings.HasPrefix(obj["message"].(string), "gosips started") || obj["pid"] == nil || obj["time"] == nil {
			t.Errorf("json fields: %v", obj)
		}
	})
}

// TestCheckWarnsWithoutLogs: check warns when neither stderr nor syslog
// is enabled, and rejects an unknown log format.
func TestCheckWarnsWithoutLogs(t *testing.T) {
	dir := t.TempDir()
	cases := []struct{ cfg, want string }{
		{"stderror_enabled = no\nloadmodule \"sl.so\"\nroute { exit; }\n", "warning: no log destination is enabled"},
		{"syslog_log_format = \"xml\"\nloadmodule \"sl.so\"\nroute { exit; }\n", `unknown log format "xml"`},
	}
	for _, tc := range cases {
		p := filepath.Join(dir, "c.cfg")
		os.WriteFile(p, []byte(tc.cfg), 0o644)
		out, _ := exec.Command(gosipsBin(t), "check", "-f", p).CombinedOutput()
		if !strings.Contains(string(out), tc.want) {
			t.Errorf("check output for %q misses %q:\n%s", tc.cfg, tc.want, out)
		}
	}
}
