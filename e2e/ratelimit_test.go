package e2e

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"
)

const ratelimitCfg = `
log_level = 3
stderror_enabled = yes
socket = udp:127.0.0.1:PORT

loadmodule "proto_udp.so"
loadmodule "sl.so"
loadmodule "ratelimit.so"
loadmodule "httpd.so"
loadmodule "mi_http.so"

modparam("httpd", "port", HTTPPORT)
modparam("ratelimit", "timer_interval", 1)

route {
	if ($rm == "INFO") {
		rl_values($avp(pipes), "^pipe_");
		sl_send_reply(200, "pipes=$avp(pipes) count=$rl_count(pipe_OPTIONS)");
		exit;
	}
	if (!rl_check("pipe_$rm", 10, "TAILDROP")) {
		sl_send_reply(503, "Server Unavailable");
		exit;
	}
	sl_send_reply(200, "OK");
}
`

// rlBurst sends n OPTIONS and counts the 200 and 503 replies.
func rlBurst(c *udpClient, port, n int) (ok, busy int) {
	for i := 0; i < n; i++ {
		pikeOptions(c, port, i)
	}
	for {
		r := c.Recv(500 * time.Millisecond)
		switch statusCode(r) {
		case "":
			return ok, busy
		case "200":
			ok++
		case "503":
			busy++
		}
	}
}

func TestRatelimitTaildrop(t *testing.T) {
	httpPort := freePort(t)
	srv := startServer(t, strings.ReplaceAll(ratelimitCfg, "HTTPPORT", fmt.Sprint(httpPort)))
	c := udpClientOn(t, "127.0.0.1")

	ok, busy := rlBurst(c, srv.Port, 50)
	// 10 per 1 s window; a burst straddling a timer tick gets up to 20.
	if ok < 10 || ok > 20 || ok+busy != 50 {
		t.Errorf("burst of 50: %d 200s and %d 503s, want 10 (up to 20) 200s and the rest 503", ok, busy)
	}

	// rl_list shows the counter of the last finished interval.
	time.Sleep(1100 * time.Millisecond)
	raw, err := miCall(t, httpPort, "rl_list", map[string]any{"pipe": "pipe_OPTIONS"})
	if err != nil {
		t.Fatal(err)
	}
	var one struct {
		Pipe struct {
			ID        string `json:"id"`
			Algorithm string `json:"algorithm"`
			Limit     int    `json:"limit"`
			Counter   int    `json:"counter"`
		}
		DropRate *int `json:"drop_rate"`
	}
	if err := json.Unmarshal(raw, &one); err != nil {
		t.Fatalf("rl_list: %s: %v", raw, err)
	}
	if p := one.Pipe; p.ID != "pipe_OPTIONS" || p.Algorithm != "TAILDROP" || p.Limit != 10 || one.DropRate == nil {
		t.Errorf("rl_list pipe: %s", raw)
	}
	raw, err = miCall(t, httpPort, "rl_list", nil)
	if err != nil || !strings.Contains(string(raw), `"Pipes":[{`) || !strings.Contains(string(raw), `"id":"pipe_OPTIONS"`) {
		t.Errorf("rl_list: %s %v", raw, err)
	}
	if _, err := miCall(t, httpPort, "rl_list", map[string]any{"pipe": "nope"}); err == nil || !strings.Contains(err.Error(), "Pipe Not Found") {
		t.Errorf("rl_list of an unknown pipe: %v", err)
	}

	// After the window, requests are accepted again.
	if ok, busy := rlBurst(c, srv.Port, 5); ok != 5 || busy != 0 {
		t.Errorf("next window: %d 200s, %d 503s of 5", ok, busy)
	}

	// rl_values lists the pipes, $rl_count reads a counter.
	c.Send(srv.Port, "INFO sip:p@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:LPORT;branch=z9hG4bK-rlv\r\n"+
		"From: <sip:a@127.0.0.1>;tag=v\r\nTo: <sip:p@127.0.0.1>\r\nCall-ID: rlv\r\nCSeq: 1 INFO\r\n"+
		"Max-Forwards: 70\r\nContent-Length: 0\r\n\r\n")
	// The count is of the current 1 s interval: the 5 requests, or 0 once it ended.
	if r := firstLine(c.Recv(2 * time.Second)); r != "SIP/2.0 200 pipes=pipe_OPTIONS count=5" && r != "SIP/2.0 200 pipes=pipe_OPTIONS count=0" {
		t.Errorf("rl_values/$rl_count: %q", r)
	}

	// rl_reset_pipe empties the current interval.
	rlBurst(c, srv.Port, 30)
	if _, err := miCall(t, httpPort, "rl_reset_pipe", map[string]any{"pipe": "pipe_OPTIONS"}); err != nil {
		t.Fatal(err)
	}
	if ok, _ := rlBurst(c, srv.Port, 3); ok < 3 {
		t.Errorf("after rl_reset_pipe: %d of 3 accepted", ok)
	}
}

func firstLine(s string) string {
	l, _, _ := strings.Cut(s, "\r\n")
	return l
}

func TestRatelimitUnimplementedRefused(t *testing.T) {
	for _, c := range []struct{ from, to, want string }{
		{`"pipe_$rm"`, `"pipe/b"`, "not implemented"},
		{`modparam("ratelimit", "timer_interval", 1)`, `modparam("ratelimit", "cachedb_url", "redis://127.0.0.1")`, "not implemented"},
		{`modparam("ratelimit", "timer_interval", 1)`, `modparam("ratelimit", "pipe_replication_cluster", 1)`, "not implemented"},
	} {
		cfg := strings.ReplaceAll(ratelimitCfg, "HTTPPORT", "8888")
		out, err := runCheck(t, strings.Replace(cfg, c.from, c.to, 1))
		if err == nil || !strings.Contains(out, c.want) {
			t.Errorf("%s accepted (%v):\n%s", c.to, err, out)
		}
	}
}

// ratelimitDynCfg is ratelimitCfg with a route for FEEDBACK and NETWORK.
var ratelimitDynCfg = ratelimitCfg[:strings.Index(ratelimitCfg, "route {")] + `route {
	if ($rU == "fb") {
		if (!rl_check("fb", 1, "FEEDBACK")) {
			sl_send_reply(503, "Feedback");
			exit;
		}
	} else if ($rU == "net") {
		if (!rl_check("net", $var(netlimit), "NETWORK")) {
			sl_send_reply(503, "Network");
			exit;
		}
	}
	sl_send_reply(200, "OK");
}
`

// rlSend sends n OPTIONS to user and counts the replies by status.
func rlSend(c *udpClient, port int, user string, n int) map[string]int {
	for i := 0; i < n; i++ {
		c.Send(port, fmt.Sprintf("OPTIONS sip:%s@127.0.0.1 SIP/2.0\r\n"+
			"Via: SIP/2.0/UDP 127.0.0.1:LPORT;branch=z9hG4bK-rl%s%d\r\n"+
			"From: <sip:a@127.0.0.1>;tag=r%d\r\nTo: <sip:%s@127.0.0.1>\r\nCall-ID: rl-%s-%d-%d\r\nCSeq: 1 OPTIONS\r\n"+
			"Max-Forwards: 70\r\nContent-Length: 0\r\n\r\n", user, user, i, i, user, user, i, time.Now().UnixNano()))
	}
	got := map[string]int{}
	for {
		r := c.Recv(500 * time.Millisecond)
		if r == "" {
			return got
		}
		got[statusCode(r)]++
	}
}

// TestRatelimitFeedbackNetwork drives the FEEDBACK controller with a CPU
// load made by the test and its PID parameters set over MI, and checks a
// NETWORK pipe against the bytes queued on the SIP socket.
func TestRatelimitFeedbackNetwork(t *testing.T) {
	httpPort := freePort(t)
	cfg := strings.ReplaceAll(ratelimitDynCfg, "HTTPPORT", fmt.Sprint(httpPort))
	srv := startServer(t, cfg)
	c := udpClientOn(t, "127.0.0.1")

	pid := func() string {
		raw, err := miCall(t, httpPort, "rl_get_pid", nil)
		if err != nil {
			t.Fatal(err)
		}
		return string(raw)
	}
	if p := pid(); p != `{"PID":{"kd":"0.000","ki":"-25.000","kp":"0.000"}}` {
		t.Errorf("rl_get_pid defaults: %s", p)
	}
	if _, err := miCall(t, httpPort, "rl_set_pid", map[string]any{"ki": "12345", "kp": "1", "kd": "1"}); err == nil ||
		!strings.Contains(err.Error(), "Bad parameter value") {
		t.Errorf("rl_set_pid with a 5-character value: %v", err)
	}
	// A strong proportional term: any load over the 1% setpoint drops all.
	if _, err := miCall(t, httpPort, "rl_set_pid", map[string]any{"ki": "0", "kp": "-999", "kd": "0"}); err != nil {
		t.Fatal(err)
	}
	if p := pid(); p != `{"PID":{"kd":"0.000","ki":"0.000","kp":"-999.000"}}` {
		t.Errorf("rl_get_pid after rl_set_pid: %s", p)
	}
	if got := rlSend(c, srv.Port, "fb", 5); got["200"] != 5 {
		t.Fatalf("before any CPU reading: %v", got)
	}
	// Keep both cores busy over two timer ticks so the load is well above 1%.
	stop := make(chan struct{})
	for i := 0; i < 2; i++ {
		go func() {
			for {
				select {
				case <-stop:
					return
				default:
				}
			}
		}()
	}
	var rate struct {
		DropRate int `json:"drop_rate"`
	}
	ok := eventually(5*time.Second, func() bool {
		raw, err := miCall(t, httpPort, "rl_list", nil)
		return err == nil && json.Unmarshal(raw, &rate) == nil && rate.DropRate >= 100
	})
	close(stop)
	if !ok {
		t.Fatalf("drop_rate stayed at %d under load", rate.DropRate)
	}
	if got := rlSend(c, srv.Port, "fb", 10); got["503"] != 10 {
		t.Errorf("drop rate %d: %v, want all 503", rate.DropRate, got)
	}
	// With the controller switched off the drop rate falls to 0.
	if _, err := miCall(t, httpPort, "rl_set_pid", map[string]any{"ki": "0", "kp": "0", "kd": "0"}); err != nil {
		t.Fatal(err)
	}
	if !eventually(3*time.Second, func() bool {
		raw, err := miCall(t, httpPort, "rl_list", nil)
		return err == nil && json.Unmarshal(raw, &rate) == nil && rate.DropRate == 0
	}) {
		t.Fatalf("drop_rate %d after rl_set_pid 0 0 0", rate.DropRate)
	}
	if got := rlSend(c, srv.Port, "fb", 10); got["200"] != 10 {
		t.Errorf("no drop: %v", got)
	}

	// NETWORK: nothing is queued on an idle socket, so a limit of 10 MB lets
	// everything through and a negative limit refuses after the next tick.
	srv.stop(t)
	for _, tc := range []struct {
		limit, want string
	}{{"10000000", "200"}, {"-1", "503"}} {
		srv := startServer(t, strings.Replace(cfg, "route {", "route {\n\t$var(netlimit) = "+tc.limit+";", 1))
		rlSend(c, srv.Port, "net", 1) // creates the pipe; the load is read from now on
		time.Sleep(1500 * time.Millisecond)
		if got := rlSend(c, srv.Port, "net", 5); got[tc.want] != 5 {
			t.Errorf("NETWORK limit %s: %v, want 5 %s", tc.limit, got, tc.want)
		}
		raw, err := miCall(t, httpPort, "rl_list", map[string]any{"pipe": "net"})
		if err != nil || !strings.Contains(string(raw), `"algorithm":"NETWORK"`) {
			t.Errorf("rl_list net: %s %v", raw, err)
		}
		srv.stop(t)
	}
}
