package e2e

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

const execCfg = `
log_level = 3
stderror_enabled = yes
udp_workers = 4
socket = udp:127.0.0.1:PORT

loadmodule "proto_udp.so"
loadmodule "sl.so"
loadmodule "sipmsgops.so"
loadmodule "exec.so"

modparam("exec", "time_to_kill", 1)
modparam("exec", "setvars", 1)

route {
	if ($rU == "hang") {
		$var(t0) = $Ts;
		exec("sleep 20; echo late", , $var(h));
		$var(took) = $Ts - $var(t0);
		append_to_reply("X-Hang: [$var(h)]\r\nX-Took: $var(took)\r\n");
		sl_send_reply(200, "OK");
		exit;
	}
	exec("sed -n 's/^X-In: //p'", "$mb", $var(out));
	exec("echo $$SIP_HF_CALL_ID $$SIP_OUSER $$SIP_SRCIP", , $var(env));
	$avp(e) = "first";
	$avp(e) = "second";
	exec("echo $$OSIPS_EXEC_0-$$OSIPS_EXEC_1", , $var(avp), , $avp(e));
	exec("echo oops >&2; exit 3", , $var(o2), $var(err));
	exec("printf '%s' \"$rU\" > FIREDIR/fired");
	append_to_reply("X-Out: $(var(out){s.trim})\r\nX-Env: $(var(env){s.trim})\r\nX-Avp: $(var(avp){s.trim})\r\nX-Err: $(var(err){s.trim})\r\n");
	sl_send_reply(200, "OK");
}
`

func execOptions(t *testing.T, c *udpClient, port int, user, callID string) {
	t.Helper()
	c.Send(port, fmt.Sprintf(`OPTIONS sip:%s@127.0.0.1 SIP/2.0
Via: SIP/2.0/UDP 127.0.0.1:LPORT;branch=z9hG4bK-%s
From: <sip:a@127.0.0.1>;tag=x1
To: <sip:%s@127.0.0.1>
Call-ID: %s
CSeq: 1 OPTIONS
X-In: from the message body of headers
Max-Forwards: 70
Content-Length: 0

`, user, callID, user, callID))
}

func TestExecCommands(t *testing.T) {
	dir := t.TempDir()
	srv := startServer(t, strings.ReplaceAll(execCfg, "FIREDIR", dir))
	c := newUDPClient(t)
	execOptions(t, c, srv.Port, "carol", "exec-1")
	r := c.Recv(5 * time.Second)
	if statusCode(r) != "200" {
		t.Fatalf("want 200, got:\n%s", r)
	}
	want := map[string]string{
		"X-Out": "from the message body of headers",
		"X-Env": "exec-1 carol 127.0.0.1",
		"X-Avp": "second-first",
		"X-Err": "oops",
	}
	for h, w := range want {
		if got := header(r, h); got != w {
			t.Errorf("%s = %q, want %q", h, got, w)
		}
	}
	// A command with no output variable runs without being waited for.
	if !eventually(3*time.Second, func() bool {
		b, _ := os.ReadFile(filepath.Join(dir, "fired"))
		return string(b) == "carol"
	}) {
		t.Error("the command without output variables did not run")
	}
}

// A command that hangs is cut at time_to_kill and blocks only the worker
// running it: other requests are answered meanwhile.
func TestExecTimeToKill(t *testing.T) {
	srv := startServer(t, execCfg)
	hang := newUDPClient(t)
	start := time.Now()
	execOptions(t, hang, srv.Port, "hang", "exec-hang")
	time.Sleep(200 * time.Millisecond)
	other := newUDPClient(t)
	for i := 0; i < 5; i++ {
		execOptions(t, other, srv.Port, "dave", fmt.Sprintf("exec-other-%d", i))
		if r := other.Recv(3 * time.Second); statusCode(r) != "200" {
			t.Fatalf("request %d while a command hangs: %q", i, r)
		}
	}
	if d := time.Since(start); d > 1500*time.Millisecond {
		t.Errorf("other requests took %v while a command hung", d)
	}
	r := hang.Recv(5 * time.Second)
	if statusCode(r) != "200" {
		t.Fatalf("hanging request: want 200, got:\n%s", r)
	}
	if header(r, "X-Hang") != "[<null>]" {
		t.Errorf("output of the killed command: %q", header(r, "X-Hang"))
	}
	if took := header(r, "X-Took"); took != "1" && took != "2" {
		t.Errorf("hanging command held the worker %s s, want 1-2", took)
	}
	if !eventually(2*time.Second, func() bool { return strings.Contains(srv.Logs(), "killed after time_to_kill") }) {
		t.Errorf("no log line for the killed command:\n%s", srv.Logs())
	}
}
