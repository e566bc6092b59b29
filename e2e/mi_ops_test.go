package e2e

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

const miOpsCfg = `
log_level = 3
socket = udp:127.0.0.1:PORT
socket = tcp:127.0.0.1:PORT
dst_blacklist = carriers/+ : { (udp, 10.0.0.0/8, 5060, "X-Bad"), !(tcp, 192.168.1.1, 0, "") }
loadmodule "proto_udp.so"
loadmodule "proto_tcp.so"
loadmodule "sl.so"
loadmodule "tm.so"
loadmodule "sipmsgops.so"
loadmodule "httpd.so"
loadmodule "mi_http.so"
modparam("httpd", "port", HTTPPORT)
route {
	if (is_method("INVITE")) {
		t_relay("udp:127.0.0.1:UASPORT");
		exit;
	}
	if (is_method("ACK")) {
		t_check_trans();
		exit;
	}
	sl_send_reply(CODE, "Version CODE");
}
`

// reply builds a reply to a request received as text.
func miReplyTo(req string, code int, reason, toTag string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "SIP/2.0 %d %s\r\n", code, reason)
	sc := bufio.NewScanner(strings.NewReader(req))
	for sc.Scan() {
		line := sc.Text()
		if line == "" {
			break
		}
		k, _, _ := strings.Cut(line, ":")
		switch strings.ToLower(strings.TrimSpace(k)) {
		case "via", "from", "call-id", "cseq":
			b.WriteString(line + "\r\n")
		case "to":
			b.WriteString(line + ";tag=" + toTag + "\r\n")
		}
	}
	b.WriteString("Content-Length: 0\r\n\r\n")
	return b.String()
}

// TestMIOperations drives the operations commands over mi_http and the
// gosips mi client: help, list_tcp_conns, mem_*_dump, sr_*, list_blacklists
// and reload_routes (a good script is swapped in while an INVITE
// transaction is pending, which then completes; a bad one is refused and
// the running routes stay).
func TestMIOperations(t *testing.T) {
	httpPort := freePort(t)
	uas := newUDPClient(t)
	mk := func(code string) string {
		return strings.NewReplacer("HTTPPORT", strconv.Itoa(httpPort), "UASPORT", strconv.Itoa(uas.Port()), "CODE", code).Replace(miOpsCfg)
	}
	srv := startServer(t, mk("200"))
	base := mk
	mk = func(code string) string { return strings.ReplaceAll(base(code), "PORT", strconv.Itoa(srv.Port)) }
	cfgPath := filepath.Join(filepath.Dir(srv.cmd.Args[3]), "opensips.cfg")
	call := func(method string, params any) (json.RawMessage, error) { return miCall(t, httpPort, method, params) }
	must := func(method string, params any) map[string]any {
		t.Helper()
		raw, err := call(method, params)
		if err != nil {
			t.Fatalf("%s: %v", method, err)
		}
		var o map[string]any
		if err := json.Unmarshal(raw, &o); err != nil {
			t.Fatalf("%s: %s", method, raw)
		}
		return o
	}

	// help, through the gosips mi client.
	out, err := exec.Command(gosipsBin(t), "mi", "--url", fmt.Sprintf("http://127.0.0.1:%d/mi", httpPort), "help", "mi_cmd=reload_routes").CombinedOutput()
	if err != nil || !strings.Contains(string(out), `"Exported by": "core"`) && !strings.Contains(string(out), `"Exported by":"core"`) {
		t.Errorf("gosips mi help: %v\n%s", err, out)
	}
	out, err = exec.Command(gosipsBin(t), "mi", "--url", fmt.Sprintf("http://127.0.0.1:%d/mi", httpPort), "help").CombinedOutput()
	if err != nil || !strings.Contains(string(out), "Usage: help mi_cmd") {
		t.Errorf("gosips mi help without a command: %v\n%s", err, out)
	}
	if h := must("help", map[string]any{"mi_cmd": "t_uac_dlg"}); h["Exported by"] != "tm" {
		t.Errorf("help t_uac_dlg: %v", h)
	}

	// list_tcp_conns with one client connection.
	tc, err := net.Dial("tcp", fmt.Sprintf("127.0.0.1:%d", srv.Port))
	if err != nil {
		t.Fatal(err)
	}
	defer tc.Close()
	lp := tc.LocalAddr().(*net.TCPAddr).Port
	fmt.Fprintf(tc, "OPTIONS sip:127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/TCP 127.0.0.1:%d;branch=z9hG4bKtcp1\r\nMax-Forwards: 70\r\n"+
		"From: <sip:a@127.0.0.1>;tag=1\r\nTo: <sip:b@127.0.0.1>\r\nCall-ID: tcp1\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n", lp)
	tc.SetReadDeadline(time.Now().Add(3 * time.Second))
	line, _ := bufio.NewReader(tc).ReadString('\n')
	if !strings.HasPrefix(line, "SIP/2.0 200") {
		t.Fatalf("tcp reply %q", line)
	}
	conns := must("list_tcp_conns", nil)["Connections"].([]any)
	if len(conns) != 1 || conns[0].(map[string]any)["Remote"] != fmt.Sprintf("127.0.0.1:%d", lp) ||
		conns[0].(map[string]any)["Type"] != "tcp" {
		t.Errorf("list_tcp_conns: %v", conns)
	}

	// mem_*_dump log and answer OK; mem_pkg_dump needs our pid.
	for _, c := range []struct {
		m string
		p any
	}{{"mem_shm_dump", nil}, {"mem_pkg_dump", map[string]any{"pid": srv.cmd.Process.Pid, "log_level": 2}}} {
		if raw, err := call(c.m, c.p); err != nil || string(raw) != `"OK"` {
			t.Errorf("%s: %s %v", c.m, raw, err)
		}
	}
	if _, err := call("mem_pkg_dump", map[string]any{"pid": 1}); err == nil || !strings.Contains(err.Error(), "Process not found") {
		t.Errorf("mem_pkg_dump of another pid: %v", err)
	}
	if !strings.Contains(srv.Logs(), "Memory status (pkg):") {
		t.Errorf("no memory dump in the logs")
	}

	// status reports.
	if st := must("sr_get_status", map[string]any{"group": "core"}); st["Readiness"] != true || st["Status"] != 1.0 || st["Details"] != "running" {
		t.Errorf("sr_get_status core: %v", st)
	}
	if _, err := call("sr_get_status", map[string]any{"group": "nope"}); err == nil || !strings.Contains(err.Error(), "Group not found") {
		t.Errorf("sr_get_status nope: %v", err)
	}
	if raw, _ := call("sr_list_status", nil); !strings.Contains(string(raw), `"Name":"core","Identifiers":[{"Name":"main","Readiness":true,"Status":1,"Details":"running"}]`) {
		t.Errorf("sr_list_status: %s", raw)
	}

	// blacklists.
	b0, _ := call("list_blacklists", nil)
	if strings.Count(string(b0), `"name"`) != 1 || !strings.Contains(string(b0), `"name":"carriers"`) || !strings.Contains(string(b0), `"IP":"10.0.0.0","Mask":"255.0.0.0","Proto":"udp","Port":5060,"Match":"X-Bad"`) ||
		!strings.Contains(string(b0), `{"flags":1,"IP":"192.168.1.1","Mask":"255.255.255.255","Proto":"tcp","Port":0}`) {
		t.Errorf("list_blacklists: %s", b0)
	}

	// reload_routes with an INVITE transaction pending.
	c := newUDPClient(t)
	c.Send(srv.Port, "INVITE sip:bob@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:LPORT;branch=z9hG4bKrl1\r\nMax-Forwards: 70\r\n"+
		"From: <sip:a@127.0.0.1>;tag=r1\r\nTo: <sip:bob@127.0.0.1>\r\nCall-ID: reload1\r\nCSeq: 1 INVITE\r\nContact: <sip:a@127.0.0.1:LPORT>\r\nContent-Length: 0\r\n\r\n")
	inv := uas.Recv(3 * time.Second)
	if !strings.HasPrefix(inv, "INVITE ") {
		t.Fatalf("UAS got %q", inv)
	}
	if err := os.WriteFile(cfgPath, []byte(mk("201")), 0o644); err != nil {
		t.Fatal(err)
	}
	if raw, err := call("reload_routes", nil); err != nil || string(raw) != `"OK"` {
		t.Fatalf("reload_routes: %s %v\n%s", raw, err, srv.Logs())
	}
	uas.Send(srv.Port, miReplyTo(inv, 200, "OK", "uas1"))
	if r := c.RecvFinal(3 * time.Second); statusCode(r) != "200" || header(r, "Call-ID") != "reload1" {
		t.Errorf("pending INVITE after reload: %q", r)
	}
	opt := func(i int) string {
		c.Send(srv.Port, fmt.Sprintf("OPTIONS sip:127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:LPORT;branch=z9hG4bKro%d\r\n"+
			"Max-Forwards: 70\r\nFrom: <sip:a@127.0.0.1>;tag=1\r\nTo: <sip:b@127.0.0.1>\r\nCall-ID: ro%d\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n", i, i))
		return statusCode(c.RecvFinal(2 * time.Second))
	}
	if got := opt(1); got != "201" {
		t.Errorf("after reload the new route answers %s, want 201", got)
	}
	// A script that does not check is refused; the running routes stay.
	bad := strings.Replace(mk("202"), "sl_send_reply(202", "sl_send_replyy(202", 1)
	os.WriteFile(cfgPath, []byte(bad), 0o644)
	if _, err := call("reload_routes", nil); err == nil || !strings.Contains(err.Error(), "reload failed") {
		t.Errorf("bad script reload: %v", err)
	}
	if got := opt(2); got != "201" {
		t.Errorf("after a refused reload the server answers %s, want 201 (the old routes)", got)
	}
	if !strings.Contains(srv.Logs(), "sl_send_replyy") {
		t.Errorf("the refused reload does not log the script error:\n%s", srv.Logs())
	}
	raw, _ := call("sr_list_reports", map[string]any{"group": "core", "identifier": "main"})
	if !strings.Contains(string(raw), "routes reloaded") || !strings.Contains(string(raw), "reload_routes refused") {
		t.Errorf("sr_list_reports: %s", raw)
	}
	_ = context.Background
}

// TestMIHTTPCrossSite checks on a running server that a browser-style
// request cannot run an MI command: text/plain (a no-cors POST) and a
// foreign Origin or Host are refused and the server keeps running.
func TestMIHTTPCrossSite(t *testing.T) {
	httpPort := freePort(t)
	uas := newUDPClient(t)
	cfg := strings.NewReplacer("HTTPPORT", strconv.Itoa(httpPort), "UASPORT", strconv.Itoa(uas.Port()), "CODE", "200").Replace(miOpsCfg)
	srv := startServer(t, cfg)
	url := fmt.Sprintf("http://127.0.0.1:%d/mi", httpPort)
	post := func(ctype, host, origin string) int {
		req, _ := http.NewRequest("POST", url, strings.NewReader(`{"jsonrpc":"2.0","method":"kill","id":1}`))
		if ctype != "" {
			req.Header.Set("Content-Type", ctype)
		}
		if host != "" {
			req.Host = host
		}
		if origin != "" {
			req.Header.Set("Origin", origin)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	for _, tc := range []struct {
		ctype, host, origin string
		want                int
	}{
		{"text/plain", "", "", 415},
		{"", "", "", 415},
		{"application/json", fmt.Sprintf("rebind.attacker.example:%d", httpPort), "", 403},
		{"application/json", "", "https://attacker.example", 403},
	} {
		if got := post(tc.ctype, tc.host, tc.origin); got != tc.want {
			t.Errorf("%+v: status %d, want %d", tc, got, tc.want)
		}
	}
	time.Sleep(200 * time.Millisecond)
	select {
	case <-srv.done:
		t.Fatal("a refused kill stopped the server")
	default:
	}
	if raw, err := miCall(t, httpPort, "version", nil); err != nil {
		t.Errorf("a proper MI call fails: %s %v", raw, err)
	}
}
