package e2e

import (
	"fmt"
	"net"
	"strings"
	"testing"
	"time"
)

const pikeCfg = `
log_level = 3
stderror_enabled = yes
socket = udp:127.0.0.1:PORT

loadmodule "proto_udp.so"
loadmodule "sl.so"
loadmodule "pike.so"
loadmodule "httpd.so"
loadmodule "mi_http.so"

modparam("httpd", "port", HTTPPORT)
modparam("pike", "sampling_time_unit", 2)
modparam("pike", "reqs_density_per_unit", 20)
modparam("pike", "remove_latency", 4)
CHECKROUTE

route {
	MANUAL
	sl_send_reply(200, "OK");
}

route[pike_check] {
	if ($si == "127.0.0.4")
		drop;
}
`

// udpClientOn is a UDP client bound to a given loopback address.
func udpClientOn(t *testing.T, ip string) *udpClient {
	t.Helper()
	c, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.ParseIP(ip)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return &udpClient{conn: c, t: t}
}

func pikeOptions(c *udpClient, port, n int) {
	c.Send(port, fmt.Sprintf("OPTIONS sip:p@127.0.0.1 SIP/2.0\r\n"+
		"Via: SIP/2.0/UDP %s:LPORT;branch=z9hG4bK-pk%d\r\n"+
		"From: <sip:a@127.0.0.1>;tag=p%d\r\nTo: <sip:p@127.0.0.1>\r\nCall-ID: pike-%d-%d\r\nCSeq: 1 OPTIONS\r\n"+
		"Max-Forwards: 70\r\nContent-Length: 0\r\n\r\n", c.conn.LocalAddr().(*net.UDPAddr).IP, n, n, c.Port(), n))
}

// flood sends n requests and counts the 200s that come back.
func flood(c *udpClient, port, n int) int {
	for i := 0; i < n; i++ {
		pikeOptions(c, port, i)
	}
	got := 0
	for {
		r := c.Recv(500 * time.Millisecond)
		if r == "" {
			return got
		}
		if statusCode(r) == "200" {
			got++
		}
	}
}

func startPike(t *testing.T, auto bool) (*server, int) {
	httpPort := freePort(t)
	r := strings.NewReplacer("HTTPPORT", fmt.Sprint(httpPort),
		"CHECKROUTE", map[bool]string{true: `modparam("pike", "check_route", "pike_check")`, false: ""}[auto],
		"MANUAL", map[bool]string{true: "", false: "if (!pike_check_req()) { xlog(\"L_WARN\", \"flood from $si\\n\"); drop; }"}[auto])
	return startServer(t, r.Replace(pikeCfg)), httpPort
}

func TestPikeBlocksFlood(t *testing.T) {
	srv, httpPort := startPike(t, false)
	attacker := udpClientOn(t, "127.0.0.2")
	normal := udpClientOn(t, "127.0.0.3")

	if got := flood(attacker, srv.Port, 200); got < 19 || got > 40 {
		t.Errorf("flood of 200: %d answered, want about the density (20; up to 40 when a sampling unit ends mid-flood)", got)
	}
	if got := flood(normal, srv.Port, 5); got != 5 {
		t.Errorf("normal source: %d of 5 answered", got)
	}
	raw, err := miCall(t, httpPort, "pike_list", nil)
	if err != nil || !strings.Contains(string(raw), `"127.0.0.2"`) || strings.Contains(string(raw), "127.0.0.3") {
		t.Errorf("pike_list: %s %v", raw, err)
	}
	if !strings.Contains(srv.Logs(), "PIKE - BLOCKing ip") || !strings.Contains(srv.Logs(), "flood from 127.0.0.2") {
		t.Errorf("no blocking log:\n%s", srv.Logs())
	}
	// pike_rm unblocks at once.
	if _, err := miCall(t, httpPort, "pike_rm", map[string]any{"ip": "127.0.0.2"}); err != nil {
		t.Fatal(err)
	}
	if got := flood(attacker, srv.Port, 3); got != 3 {
		t.Errorf("after pike_rm: %d of 3 answered", got)
	}
	if _, err := miCall(t, httpPort, "pike_rm", map[string]any{"ip": "127.0.0.3"}); err == nil || !strings.Contains(err.Error(), "IP not blocked") {
		t.Errorf("pike_rm of an unblocked address: %v", err)
	}
	// A flood that stops is unblocked after the sampling units pass.
	flood(attacker, srv.Port, 200)
	time.Sleep(5 * time.Second)
	if got := flood(attacker, srv.Port, 3); got != 3 {
		t.Errorf("after cooling down: %d of 3 answered", got)
	}
}

func TestPikeCheckRoute(t *testing.T) {
	srv, _ := startPike(t, true)
	attacker := udpClientOn(t, "127.0.0.2")
	trusted := udpClientOn(t, "127.0.0.4")
	if got := flood(attacker, srv.Port, 200); got < 19 || got > 40 {
		t.Errorf("automatic mode: %d of 200 answered, want about 20", got)
	}
	// Well past the most a monitored source could get through (2 × 20),
	// sent in paced bursts so that a loaded machine loses no datagram.
	got := 0
	for i := 0; i < 10; i++ {
		got += flood(trusted, srv.Port, 10)
	}
	if got != 100 {
		t.Errorf("source dropped by check_route is not monitored: %d of 100 answered", got)
	}
}
