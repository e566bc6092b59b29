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
