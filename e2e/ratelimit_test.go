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
	if _, err := miCall(t, httpPort, "rl_set_pid", map[string]any{"ki": "1", "kp": "1", "kd": "1"}); err == nil {
		t.Errorf("rl_set_pid answered although FEEDBACK is not implemented")
	}
}

func firstLine(s string) string {
	l, _, _ := strings.Cut(s, "\r\n")
	return l
}

func TestRatelimitUnimplementedRefused(t *testing.T) {
	for _, c := range []struct{ from, to, want string }{
		{`"TAILDROP"`, `"NETWORK"`, "not implemented"},
		{`"TAILDROP"`, `"FEEDBACK"`, "not implemented"},
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
