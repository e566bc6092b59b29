package e2e

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// helpersCfg exercises uuid, mathops and statistics: every OPTIONS gets a
// 200 whose headers carry what the script computed.
const helpersCfg = `
log_level = 3
stderror_enabled = yes
socket = udp:127.0.0.1:PORT

loadmodule "proto_udp.so"
loadmodule "sl.so"
loadmodule "sipmsgops.so"
loadmodule "uuid.so"
loadmodule "mathops.so"
loadmodule "statistics.so"

modparam("mathops", "decimal_digits", 3)
modparam("statistics", "variable", "calls")
modparam("statistics", "variable", "pkt:total/no_reset")
modparam("statistics", "stat_groups", "pkt")
modparam("statistics", "stat_series_profile", "avg: algorithm=average window=60 slots=6")

route {
	if (!is_method("OPTIONS")) {
		sl_send_reply(405, "Method Not Allowed");
		exit;
	}
	uuid($var(u5), 5, "6ba7b810-9dad-11d1-80b4-00c04fd430c8", "example.com");
	uuid($var(u4));
	math_eval("$hdr(X-A) * (2 + 1)", $var(m));
	math_rpn("1 3 swap swap dup drop / exp ln 1 swap /", $var(rpn));
	math_round_sf("17892.987", $var(sf), 3);
	math_round("2.5", $var(r));
	math_floor("-2.9", $var(fl));
	math_compare("1 + 8", "7/2", $var(cmp));
	if (!math_eval("1 +", $var(bad)))
		$var(bad) = "refused";
	update_stat("calls", 2);
	update_stat("pkt:total", 1);
	update_stat("pkt:$rU", 1);
	update_stat_series("avg", "pdd", $(hdr(X-A){s.int}));
	if ($rU == "reset") {
		reset_stat("calls");
		$stat(pkt:total) = 0;
	}
	$var(list) = "";
	stat_iter_init("pkt", "it");
	while (stat_iter_next($var(k), $var(v), "it"))
		$var(list) = $var(list) + $var(k) + "=" + $var(v) + ";";
	append_to_reply("X-U5: $var(u5)\r\nX-U4: $var(u4)\r\nX-PV: $uuid\r\nX-Math: $var(m)\r\nX-RPN: $var(rpn)\r\nX-SF: $var(sf)\r\nX-Round: $var(r)\r\nX-Floor: $var(fl)\r\nX-Cmp: $var(cmp)\r\nX-Bad: $var(bad)\r\nX-Calls: $stat(calls)\r\nX-Pkt: $var(list)\r\nX-Avg: $stat(avg:pdd)\r\nX-None: $stat(nosuch)\r\n");
	sl_send_reply(200, "OK");
}
`

func helpersOptions(t *testing.T, c *udpClient, port int, user string, n, a int) string {
	t.Helper()
	c.Send(port, fmt.Sprintf(`OPTIONS sip:%s@127.0.0.1 SIP/2.0
Via: SIP/2.0/UDP 127.0.0.1:LPORT;branch=z9hG4bK-helpers-%d
From: <sip:a@127.0.0.1>;tag=h%d
To: <sip:%s@127.0.0.1>
Call-ID: helpers-%d
CSeq: 1 OPTIONS
X-A: %d
Max-Forwards: 70
Content-Length: 0

`, user, n, n, user, n, a))
	r := c.Recv(3 * time.Second)
	if statusCode(r) != "200" {
		t.Fatalf("want 200, got:\n%s", r)
	}
	return r
}

func TestUUIDMathopsStatistics(t *testing.T) {
	srv := startServer(t, helpersCfg)
	c := newUDPClient(t)
	r := helpersOptions(t, c, srv.Port, "alice", 1, 4)
	want := map[string]string{
		"X-U5":    "cfbff0d1-9375-5685-968c-48ce8b15ae17", // RFC 4122 DNS namespace, "example.com"
		"X-Math":  "12.000",
		"X-RPN":   "3.000",
		"X-SF":    "17900.000",
		"X-Round": "3",
		"X-Floor": "-3",
		"X-Cmp":   "1",
		"X-Bad":   "refused",
		"X-Calls": "2",
		"X-Pkt":   "total=1;alice=1;",
		"X-Avg":   "4",
		"X-None":  "<null>",
	}
	for h, w := range want {
		if got := header(r, h); got != w {
			t.Errorf("%s = %q, want %q", h, got, w)
		}
	}
	v4 := regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)
	if !v4.MatchString(header(r, "X-U4")) || !v4.MatchString(header(r, "X-PV")) || header(r, "X-U4") == header(r, "X-PV") {
		t.Errorf("version 4 UUIDs: %q %q", header(r, "X-U4"), header(r, "X-PV"))
	}

	r = helpersOptions(t, c, srv.Port, "bob", 2, 8)
	if header(r, "X-Calls") != "4" || header(r, "X-Pkt") != "total=2;alice=1;bob=1;" || header(r, "X-Avg") != "6" {
		t.Errorf("second message: calls %q pkt %q avg %q", header(r, "X-Calls"), header(r, "X-Pkt"), header(r, "X-Avg"))
	}
	// reset_stat zeroes a counter; a no_reset statistic keeps its value.
	r = helpersOptions(t, c, srv.Port, "reset", 3, 0)
	if header(r, "X-Calls") != "0" || !strings.HasPrefix(header(r, "X-Pkt"), "total=3;") {
		t.Errorf("after reset: calls %q pkt %q", header(r, "X-Calls"), header(r, "X-Pkt"))
	}
}

func TestStatisticsUndeclaredGroupRefused(t *testing.T) {
	out, err := runCheck(t, strings.Replace(helpersCfg, `update_stat("calls", 2);`, `update_stat("nogroup:x", 2);`, 1))
	if err == nil || !strings.Contains(out, `stat group "nogroup" is not declared`) {
		t.Fatalf("check accepted an undeclared group:\n%s", out)
	}
}

// runCheck runs `gosips check` on cfg and returns its output; err is set
// when it exits non-zero.
func runCheck(t *testing.T, cfg string) (string, error) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "opensips.cfg")
	if err := os.WriteFile(path, []byte(strings.ReplaceAll(cfg, "PORT", "5060")), 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(gosipsBin(t), "check", "-f", path).CombinedOutput()
	return string(out), err
}
