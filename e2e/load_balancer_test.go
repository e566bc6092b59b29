package e2e

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"
)

const lbCfg = `
log_level = 3
stderror_enabled = yes
udp_workers = 4
socket = udp:127.0.0.1:PORT

loadmodule "proto_udp.so"
loadmodule "signaling.so"
loadmodule "sl.so"
loadmodule "tm.so"
loadmodule "rr.so"
loadmodule "dialog.so"
loadmodule "db_sqlite.so"
loadmodule "httpd.so"
loadmodule "mi_http.so"
loadmodule "load_balancer.so"
loadmodule "sipmsgops.so"

modparam("tm", "fr_timeout", 1)
modparam("httpd", "port", HTTPPORT)
modparam("load_balancer", "db_url", "DBURL")
modparam("load_balancer", "probing_interval", 1)

route {
	if (has_totag()) {
		if (loose_route()) {
			t_relay();
			exit;
		}
		if (is_method("ACK") && t_check_trans())
			t_relay();
		exit;
	}
	t_check_trans();
	if (is_method("INVITE")) {
		record_route();
		if (!lb_start(1, "pstn")) {
			send_reply(503, "No Capacity");
			exit;
		}
	}
	t_relay();
}
`

type lbDest struct {
	URI       string `json:"uri"`
	ID        int    `json:"id"`
	Enabled   string `json:"enabled"`
	Resources []struct {
		Name string `json:"name"`
		Max  int    `json:"max"`
		Load int    `json:"load"`
	} `json:"Resources"`
}

func lbList(t *testing.T, port int) []lbDest {
	t.Helper()
	out, err := miHTTP(t, port, "lb_list", nil)
	if err != nil {
		t.Fatal(err)
	}
	var res struct{ Destinations []lbDest }
	if err := json.Unmarshal(out, &res); err != nil {
		t.Fatalf("lb_list %s: %v", out, err)
	}
	return res.Destinations
}

func TestLoadBalancerCapacityAndProbing(t *testing.T) {
	needSipp(t)
	caps := []int{50, 100, 150}
	var ports []int
	var waits []func() sippResult
	for _, n := range caps {
		p, w := startSippUAS(t, "lb_uas.xml", "-m", fmt.Sprint(n))
		ports = append(ports, p)
		waits = append(waits, w)
	}
	dead := freePort(t) // nothing listens: its probes fail
	url, conn := newSQLiteDB(t, "load_balancer")
	for i, p := range ports {
		addRow(t, conn, "load_balancer", "group_id", 1, "dst_uri", fmt.Sprintf("sip:127.0.0.1:%d", p),
			"resources", fmt.Sprintf("pstn=%d", caps[i]), "probe_mode", 0)
	}
	addRow(t, conn, "load_balancer", "group_id", 1, "dst_uri", fmt.Sprintf("sip:127.0.0.1:%d", dead),
		"resources", "pstn=1000", "probe_mode", 2)
	httpPort := freePort(t)
	srv := startServer(t, strings.NewReplacer("DBURL", url, "HTTPPORT", fmt.Sprint(httpPort)).Replace(lbCfg))

	// The dead destination (the largest) is disabled by probing first.
	deadline := time.Now().Add(15 * time.Second)
	for {
		if ds := lbList(t, httpPort); len(ds) == 4 && ds[3].Enabled == "no" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the destination failing probes was not disabled: %+v\n%s", lbList(t, httpPort), srv.Logs())
		}
		time.Sleep(200 * time.Millisecond)
	}

	done := make(chan sippResult, 1)
	go func() {
		done <- runSipp(t, "lb_uac.xml", srv.Port, "-s", "lb", "-m", "300", "-r", "100", "-l", "300")
	}()
	// While the 300 calls are up, each destination carries its capacity.
	var loads []int
	deadline = time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		loads = loads[:0]
		total := 0
		for _, d := range lbList(t, httpPort) {
			loads = append(loads, d.Resources[0].Load)
			total += d.Resources[0].Load
		}
		if total == 300 {
			break
		}
		time.Sleep(300 * time.Millisecond)
	}
	if fmt.Sprint(loads) != "[50 100 150 0]" {
		t.Errorf("loads with 300 calls up = %v, want [50 100 150 0]", loads)
	}
	res := <-done
	if res.Exit != 0 {
		t.Fatalf("sipp caller failed (exit %d):\n%s\nlogs:\n%s", res.Exit, res.Output, srv.Logs())
	}
	for i, w := range waits {
		r := w()
		if n := strings.Count(r.Messages, "INVITE sip:lb@"); r.Exit != 0 || n != caps[i] {
			t.Errorf("destination %d got %d INVITEs (exit %d), want %d", i+1, n, r.Exit, caps[i])
		}
	}
	// The calls ended: the load is gone.
	for _, d := range lbList(t, httpPort) {
		if d.Resources[0].Load != 0 {
			t.Errorf("%s still carries %d calls", d.URI, d.Resources[0].Load)
		}
	}
}
