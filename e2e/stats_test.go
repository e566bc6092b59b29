package e2e

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
)

const statsCfg = `
log_level = 2
socket = udp:127.0.0.1:PORT
loadmodule "proto_udp.so"
loadmodule "sl.so"
loadmodule "sipmsgops.so"
loadmodule "httpd.so"
loadmodule "mi_http.so"
loadmodule "prometheus.so"
modparam("httpd", "port", HTTPPORT)
modparam("prometheus", "statistics", "core: sl:")
modparam("prometheus", "statistics", "shmem: net: load: pkmem:")
route {
	if (is_method("ACK")) {
		exit;
	}
	if ($rU == "fwd") {
		forward("udp:127.0.0.1:DEADPORT");
		exit;
	}
	if ($rU == "busy") {
		sl_send_reply(486, "Busy Here");
		exit;
	}
	sl_send_reply(200, "OK");
}
`

// TestStatisticsAndPrometheus sends requests and reads the OpenSIPS-named
// statistics over MI (get_statistics) and over the prometheus module's
// /metrics page.
func TestStatisticsAndPrometheus(t *testing.T) {
	httpPort := freePort(t)
	sink := newUDPClient(t) // forward() target
	cfg := strings.NewReplacer("HTTPPORT", strconv.Itoa(httpPort), "DEADPORT", strconv.Itoa(sink.Port())).Replace(statsCfg)
	srv := startServer(t, cfg)
	c := newUDPClient(t)
	req := func(user string, i int) string {
		return fmt.Sprintf("OPTIONS sip:%s@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:LPORT;branch=z9hG4bKst%s%d\r\n"+
			"Max-Forwards: 70\r\nFrom: <sip:a@127.0.0.1>;tag=1\r\nTo: <sip:%s@127.0.0.1>\r\nCall-ID: st%s%d\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n",
			user, user, i, user, user, i)
	}
	for i := 0; i < 3; i++ {
		c.Send(srv.Port, req("ok", i))
		if r := c.RecvFinal(2 * time.Second); statusCode(r) != "200" {
			t.Fatalf("reply %q", r)
		}
	}
	c.Send(srv.Port, req("busy", 0))
	if r := c.RecvFinal(2 * time.Second); statusCode(r) != "486" {
		t.Fatalf("reply %q", r)
	}
	c.Send(srv.Port, req("fwd", 0))
	if m := sink.Recv(2 * time.Second); !strings.HasPrefix(m, "OPTIONS sip:fwd@") {
		t.Fatalf("forward() did not reach the sink: %q", m)
	}
	c.Send(srv.Port, "ACK sip:ok@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:LPORT;branch=z9hG4bKack\r\nMax-Forwards: 70\r\n"+
		"From: <sip:a@127.0.0.1>;tag=1\r\nTo: <sip:ok@127.0.0.1>;tag=x\r\nCall-ID: stack\r\nCSeq: 1 ACK\r\nContent-Length: 0\r\n\r\n")
	c.SendRaw(srv.Port, []byte("INVITE sip:x@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:5;branch=z9hG4bKbad\r\nCSeq: x\r\n\r\n"))
	time.Sleep(200 * time.Millisecond)

	raw, err := miCall(t, httpPort, "get_statistics", map[string]any{"statistics": []string{"all"}})
	if err != nil {
		t.Fatal(err)
	}
	var all map[string]int64
	if err := json.Unmarshal(raw, &all); err != nil {
		t.Fatalf("%s: %v", raw, err)
	}
	want := map[string]int64{
		"core:rcv_requests": 6, "core:fwd_requests": 1, "core:drop_requests": 0, "core:err_requests": 1,
		"core:bad_msg_hdr": 1, "core:fwd_replies": 0, "core:err_replies": 0, "core:bad_URIs_rcvd": 0,
		"core:slow_messages": 0, "sl:2xx_replies": 3, "sl:4xx_replies": 1, "sl:sent_replies": 4,
		"sl:sent_err_replies": 1, "sl:received_ACKs": 0, "load:processes_number": 8,
	}
	for k, v := range want {
		got, ok := all[k]
		if !ok {
			t.Errorf("%s missing from get_statistics all", k)
		} else if got != v {
			t.Errorf("%s = %d, want %d", k, got, v)
		}
	}
	for _, k := range []string{"core:timestamp", "shmem:total_size", "shmem:used_size", "shmem:real_used_size",
		"shmem:max_used_size", "shmem:free_size", "shmem:fragments", "pkmem:0-total_size",
		"net:waiting_udp", "net:waiting_tcp", "load:load", "load:load1m", "load:load10m", "load:load-all"} {
		if _, ok := all[k]; !ok {
			t.Errorf("%s missing", k)
		}
	}
	if all["shmem:total_size"] <= 0 || all["shmem:real_used_size"] <= 0 {
		t.Errorf("memory statistics empty: %v", all)
	}

	resp, err := http.Get(fmt.Sprintf("http://127.0.0.1:%d/metrics", httpPort))
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	page := string(body)
	if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/plain") {
		t.Fatalf("GET /metrics: %d %s\n%s", resp.StatusCode, resp.Header.Get("Content-Type"), page)
	}
	for _, re := range []string{
		`(?m)^# TYPE opensips_rcv_requests counter\nopensips_rcv_requests 6$`,
		`(?m)^# TYPE opensips_2xx_replies gauge\nopensips_2xx_replies 3$`,
		`(?m)^# TYPE opensips_timestamp gauge\nopensips_timestamp \d+$`,
		`(?m)^# TYPE opensips_total_size gauge\nopensips_total_size [1-9]\d*$`,
		`(?m)^opensips_0_total_size \d+$`,
		`(?m)^opensips_waiting_udp \d+$`,
		`(?m)^opensips_load10m_all \d+$`,
	} {
		if !regexp.MustCompile(re).MatchString(page) {
			t.Errorf("/metrics misses %s:\n%s", re, page)
		}
	}
	// MI still answers beside /metrics, and other paths get httpd's 400.
	if r, _ := http.Get(fmt.Sprintf("http://127.0.0.1:%d/nothing", httpPort)); r == nil || r.StatusCode != 400 {
		t.Errorf("unknown path: %v", r)
	}
}
