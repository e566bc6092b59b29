package e2e

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"gosips/db"
)

// dispatcherCfg relays by the R-URI user: "rr" round-robin over set 1,
// "hash" by Call-ID over set 1, "fo" through set 2 in order with failover
// on 503 and timeouts (marking the failed ones Probing), "probe" to the
// first active entry of set 3.
const dispatcherCfg = `
log_level = 3
xlog_level = 3
stderror_enabled = yes
socket = udp:127.0.0.1:PORT

loadmodule "proto_udp.so"
loadmodule "signaling.so"
loadmodule "sl.so"
loadmodule "tm.so"
loadmodule "db_sqlite.so"
loadmodule "dispatcher.so"
loadmodule "httpd.so"
loadmodule "mi_http.so"

modparam("httpd", "port", HTTPPORT)
modparam("tm", "fr_timeout", 1)
modparam("dispatcher", "db_url", "DBURL")
PARAMS

route {
	if ($rU == "rr") {
		$var(ok) = ds_select_dst(1, 4);
	} else if ($rU == "hash") {
		$var(ok) = ds_select_dst(1, 0);
	} else if ($rU == "fo") {
		$var(ok) = ds_select_dst(2, 8, "f");
		t_on_failure("next");
	} else {
		$var(ok) = ds_select_dst(3, 8);
	}
	if (!$var(ok)) {
		sl_send_reply(503, "No Destination");
		exit;
	}
	xlog("L_NOTICE", "$rU $ci -> $du\n");
	t_relay();
	exit;
}

failure_route[next] {
	xlog("L_NOTICE", "failover: $du failed with $T_reply_code\n");
	ds_mark_dst("p");
	if (t_check_status("503|408") && ds_next_dst()) {
		t_on_failure("next");
		t_relay();
	}
}
`

// dispatcherEnv is a running dispatcher with its database and MI port.
type dispatcherEnv struct {
	srv      *server
	url      string
	httpPort int
}

// dest is one dispatcher row.
type dest struct {
	set, port, priority, state int
}

func startDispatcher(t *testing.T, params string, dests ...dest) *dispatcherEnv {
	t.Helper()
	e := &dispatcherEnv{url: sqliteDB(t, "dispatcher"), httpPort: freePort(t)}
	for _, d := range dests {
		insertRow(t, e.url, "dispatcher", map[string]db.Value{
			"setid":       db.IntValue(int64(d.set)),
			"destination": db.StringValue(fmt.Sprintf("sip:127.0.0.1:%d", d.port)),
			"priority":    db.IntValue(int64(d.priority)),
			"state":       db.IntValue(int64(d.state)),
			"weight":      db.StringValue("1"),
		})
	}
	cfg := strings.NewReplacer("DBURL", e.url, "HTTPPORT", strconv.Itoa(e.httpPort), "PARAMS", params).Replace(dispatcherCfg)
	e.srv = startServer(t, cfg)
	return e
}

// states returns the ds_list state of every destination URI.
func (e *dispatcherEnv) states(t *testing.T) map[string]string {
	t.Helper()
	raw, err := miCall(t, e.httpPort, "ds_list", nil)
	if err != nil {
		t.Fatalf("ds_list: %v", err)
	}
	var res struct {
		Partitions []struct {
			Sets []struct {
				Destinations []struct{ URI, State string } `json:"Destinations"`
			} `json:"SETS"`
		} `json:"PARTITIONS"`
	}
	if err := json.Unmarshal(raw, &res); err != nil {
		t.Fatalf("ds_list %s: %v", raw, err)
	}
	out := map[string]string{}
	for _, p := range res.Partitions {
		for _, s := range p.Sets {
			for _, d := range s.Destinations {
				out[d.URI] = d.State
			}
		}
	}
	return out
}

// startUASes starts n sipp destinations answering 200.
func startUASes(t *testing.T, n int) []*sippPeer {
	t.Helper()
	out := make([]*sippPeer, n)
	for i := range out {
		out[i] = startSippPeer(t, "uas_ok.xml", 0, 1000, 30*time.Second)
	}
	return out
}

// spread stops the destinations and returns the Call-IDs each received.
func spread(peers []*sippPeer) [][]string {
	out := make([][]string, len(peers))
	for i, p := range peers {
		out[i] = callIDs(p.stop().Messages, "MESSAGE")
	}
	return out
}

// TestDispatcherRoundRobin sends nine MESSAGEs through algorithm 4 over
// three destinations: each gets three.
func TestDispatcherRoundRobin(t *testing.T) {
	needSipp(t)
	t.Parallel()
	uas := startUASes(t, 3)
	e := startDispatcher(t, "", dest{set: 1, port: uas[0].Port}, dest{set: 1, port: uas[1].Port},
		dest{set: 1, port: uas[2].Port})
	res := runSipp(t, "uac_message.xml", e.srv.Port, "-s", "rr", "-m", "9", "-cid_str", "i5rr-%u@%s")
	if res.Exit != 0 {
		t.Fatalf("caller failed (exit %d):\n%s", res.Exit, res.Output)
	}
	got := spread(uas)
	for i, ids := range got {
		if len(ids) != 3 {
			t.Errorf("destination %d got %d MESSAGEs, want 3: %v", i, len(ids), ids)
		}
	}
}

// TestDispatcherHash sends twelve Call-IDs through algorithm 0: every
// destination gets some, and a second round with the same Call-IDs (to
// fresh sipp instances on the same ports) picks the same destinations.
func TestDispatcherHash(t *testing.T) {
	needSipp(t)
	t.Parallel()
	uas := startUASes(t, 3)
	e := startDispatcher(t, "", dest{set: 1, port: uas[0].Port}, dest{set: 1, port: uas[1].Port},
		dest{set: 1, port: uas[2].Port})
	var rounds [2]map[string]int
	for round := range rounds {
		if round > 0 {
			for i, p := range uas {
				uas[i] = startSippPeer(t, "uas_ok.xml", p.Port, 1000, 30*time.Second)
			}
		}
		res := runSipp(t, "uac_message.xml", e.srv.Port, "-s", "hash", "-m", "12", "-cid_str", "i5hash-%u@%s")
		if res.Exit != 0 {
			t.Fatalf("caller failed in round %d (exit %d):\n%s", round, res.Exit, res.Output)
		}
		owner := map[string]int{}
		for i, ids := range spread(uas) {
			if len(ids) == 0 {
				t.Errorf("round %d: destination %d got no MESSAGE", round, i)
			}
			for _, id := range ids {
				if j, dup := owner[id]; dup {
					t.Errorf("round %d: Call-ID %s went to destinations %d and %d", round, id, j, i)
				}
				owner[id] = i
			}
		}
		if len(owner) != 12 {
			t.Errorf("round %d: %d distinct Call-IDs arrived, want 12", round, len(owner))
		}
		rounds[round] = owner
	}
	for id, i := range rounds[0] {
		if j, ok := rounds[1][id]; !ok || j != i {
			t.Errorf("Call-ID %s went to destination %d, then %d", id, i, j)
		}
	}
}

// TestDispatcherFailover relays through a destination answering 503, one
// that never answers and one answering 200, in that order: the caller
// gets the 200 after both failovers, and the two failed destinations are
// marked Probing, in memory and, after shutdown, in the table.
func TestDispatcherFailover(t *testing.T) {
	needSipp(t)
	t.Parallel()
	busy := startSippPeer(t, "uas_503.xml", 0, 1, 20*time.Second)
	silent := startSippPeer(t, "uas_silent_message.xml", 0, 1, 20*time.Second)
	ok := startSippPeer(t, "uas_ok.xml", 0, 1, 20*time.Second)
	e := startDispatcher(t, `modparam("dispatcher", "ds_probing_threshold", 1)`, dest{set: 2, port: busy.Port, priority: 3}, dest{set: 2, port: silent.Port, priority: 2},
		dest{set: 2, port: ok.Port, priority: 1})
	start := time.Now()
	res := runSipp(t, "uac_message.xml", e.srv.Port, "-s", "fo", "-cid_str", "i5fo-%u@%s")
	if res.Exit != 0 {
		t.Fatalf("caller failed (exit %d):\n%s\n%s", res.Exit, res.Output, e.srv.Logs())
	}
	if d := time.Since(start); d < time.Second {
		t.Errorf("answered after %v: the silent destination was not waited for (fr_timeout 1 s)", d)
	}
	for name, p := range map[string]*sippPeer{"503": busy, "ok": ok} {
		if r := p.wait(5 * time.Second); r.Exit != 0 || len(received(r.Messages, "MESSAGE")) == 0 {
			t.Errorf("%s destination (exit %d) got no MESSAGE:\n%s", name, r.Exit, r.Output)
		}
	}
	if r := silent.stop(); len(received(r.Messages, "MESSAGE")) == 0 {
		t.Errorf("silent destination got no MESSAGE:\n%s", r.Output)
	}
	logs := e.srv.Logs()
	for _, want := range []string{fmt.Sprintf("failover: sip:127.0.0.1:%d failed with 503", busy.Port),
		fmt.Sprintf("failover: sip:127.0.0.1:%d failed with 408", silent.Port)} {
		if !strings.Contains(logs, want) {
			t.Errorf("log lacks %q:\n%s", want, logs)
		}
	}
	want := map[string]string{fmt.Sprintf("sip:127.0.0.1:%d", busy.Port): "Probing",
		fmt.Sprintf("sip:127.0.0.1:%d", silent.Port): "Probing", fmt.Sprintf("sip:127.0.0.1:%d", ok.Port): "Active"}
	if got := e.states(t); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("states after failover %v, want %v", got, want)
	}
	// persistent_state (on by default) writes the states back at shutdown:
	// 2 probing, 0 active.
	e.srv.stop(t)
	code := map[string]int64{"Probing": 2, "Active": 0}
	for _, r := range queryRows(t, e.url, "dispatcher", "destination", "state") {
		if got, w := r[1].Int64(), code[want[r[0].Str()]]; got != w {
			t.Errorf("table state of %s = %d, want %d", r[0].Str(), got, w)
		}
	}
}

// TestDispatcherProbing probes every second with a threshold of 1: a
// destination with nothing listening turns Probing and is skipped, and
// turns Active again once a sipp answers on its port.
func TestDispatcherProbing(t *testing.T) {
	needSipp(t)
	t.Parallel()
	deadPort := freePort(t)
	alive := startSippPeer(t, "uas_ok.xml", 0, 1000, 30*time.Second)
	e := startDispatcher(t, `modparam("dispatcher", "ds_ping_interval", 1)
modparam("dispatcher", "ds_probing_threshold", 1)
modparam("dispatcher", "ds_probing_mode", 1)`,
		dest{set: 3, port: deadPort, priority: 2}, dest{set: 3, port: alive.Port, priority: 1})
	dead := fmt.Sprintf("sip:127.0.0.1:%d", deadPort)
	live := fmt.Sprintf("sip:127.0.0.1:%d", alive.Port)
	if st := e.states(t); st[dead] != "Active" || st[live] != "Active" {
		t.Fatalf("initial states %v, want both Active", st)
	}
	if !eventually(6*time.Second, func() bool { return e.states(t)[dead] == "Probing" }) {
		t.Fatalf("dead destination not marked: %v\n%s", e.states(t), e.srv.Logs())
	}
	if st := e.states(t)[live]; st != "Active" {
		t.Errorf("answering destination is %s, want Active", st)
	}
	res := runSipp(t, "uac_message.xml", e.srv.Port, "-s", "probe", "-cid_str", "i5probe-%u@%s")
	if res.Exit != 0 {
		t.Fatalf("MESSAGE not relayed to the active destination (exit %d):\n%s", res.Exit, res.Output)
	}

	revived := startSippPeer(t, "uas_ok.xml", deadPort, 1000, 30*time.Second)
	if !eventually(6*time.Second, func() bool { return e.states(t)[dead] == "Active" }) {
		t.Fatalf("revived destination not active again: %v\n%s", e.states(t), e.srv.Logs())
	}
	if n := len(received(revived.stop().Messages, "OPTIONS")); n == 0 {
		t.Errorf("revived destination got no OPTIONS probe")
	}
	if ids := callIDs(alive.stop().Messages, "MESSAGE"); len(ids) != 1 {
		t.Errorf("active destination got MESSAGEs %v, want the one relayed", ids)
	}
}
