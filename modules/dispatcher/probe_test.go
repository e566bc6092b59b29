package dispatcher

import (
	"context"
	"testing"
	"time"

	"gosips/api"
	"gosips/db"
)

// states lists the ds_list state of every destination of set 1.
func states(m *Module) []string {
	var out []string
	pd := m.Default.rt
	pd.mu.RLock()
	defer pd.mu.RUnlock()
	for _, d := range pd.data.set(1).dests {
		out = append(out, d.stateName())
	}
	return out
}

func TestProbing(t *testing.T) {
	uac := &fakeUAC{}
	codes := map[string]int{}
	uac.reply = func(r *api.UACRequest) int { return codes[r.RURI] }
	m, _ := newModule(t, func(m *Module) {
		m.uac = uac
		m.PingInterval = 10
		m.ProbingThreshold = 2
		m.OptionsReplyCodes = "501"
	},
		row{set: 1, uri: "sip:10.0.0.1:5060", state: 2},
		row{set: 1, uri: "sip:10.0.0.2:5060", probeMode: 1},
		row{set: 1, uri: "sip:10.0.0.3:5060", state: 1})

	// Only the probing one and the always-probed one get an OPTIONS.
	codes["sip:10.0.0.1:5060"] = 0
	codes["sip:10.0.0.2:5060"] = 408
	m.probe(bg)
	if len(uac.reqs) != 2 || uac.reqs[0].Method != "OPTIONS" || uac.reqs[0].From != "<sip:dispatcher@localhost>" {
		t.Fatalf("probes = %+v", uac.reqs)
	}
	// One timeout is below the threshold of 2.
	if got := states(m); got[1] != "Active" {
		t.Errorf("after one timeout: %v", got)
	}
	m.probe(bg)
	if got := states(m); got[1] != "Probing" {
		t.Errorf("after two timeouts: %v", got)
	}
	// An options_reply_codes code counts as alive.
	codes["sip:10.0.0.1:5060"] = 501
	codes["sip:10.0.0.2:5060"] = 200
	m.probe(bg)
	if got := states(m); got[0] != "Active" || got[1] != "Active" || got[2] != "Inactive" {
		t.Errorf("after 501/200 replies: %v", got)
	}
	// Probing mode 1 pings every non-inactive destination.
	uac.reqs = nil
	m.ProbingMode = 1
	m.probe(bg)
	if len(uac.reqs) != 2 {
		t.Errorf("probing mode 1 sent %d probes, want 2", len(uac.reqs))
	}
}

func TestProbingTimer(t *testing.T) {
	uac := &fakeUAC{reply: func(*api.UACRequest) int { return 200 }}
	m, _ := newModule(t, func(m *Module) { m.uac = uac; m.PingInterval = 1 },
		row{set: 1, uri: "sip:10.0.0.1:5060", state: 2})
	ctx, cancel := context.WithCancel(bg)
	defer cancel()
	if err := m.Start(ctx); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(3 * time.Second)
	for states(m)[0] != "Active" && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	if got := states(m); got[0] != "Active" {
		t.Errorf("the pinger did not revive the destination: %v", got)
	}
}

func TestPersistentState(t *testing.T) {
	m, conn := newModule(t, nil, three...)
	if _, err := m.miSetState(bg, api.MIParams{"state": "i", "group": "1", "address": "sip:10.0.0.2:5060"}); err != nil {
		t.Fatal(err)
	}
	// Probing needs the threshold (3) of marks, from MI too.
	for i := 0; i < 3; i++ {
		m.miSetState(bg, api.MIParams{"state": "p", "group": "default:1", "address": "sip:10.0.0.3:5060"})
	}
	m.flush(bg)
	res, err := conn.Query(bg, "dispatcher", []string{"destination", "state"}, nil, "id", 0)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]int64{"sip:10.0.0.1:5060": 0, "sip:10.0.0.2:5060": 1, "sip:10.0.0.3:5060": 2}
	for _, r := range res.Rows {
		if want[r[0].Str()] != r[1].Int64() {
			t.Errorf("%s state = %d, want %d", r[0].Str(), r[1].Int64(), want[r[0].Str()])
		}
	}
	// A reload keeps the states (inherit_state defaults to yes) and one
	// without inheriting reads them from the table.
	if _, err := conn.Update(bg, "dispatcher", []db.Cond{db.Eq("destination", db.StringValue("sip:10.0.0.2:5060"))},
		[]string{"state"}, []db.Value{db.IntValue(0)}); err != nil {
		t.Fatal(err)
	}
	if _, err := m.miReload(bg, api.MIParams{}); err != nil {
		t.Fatal(err)
	}
	if got := states(m); got[1] != "Inactive" {
		t.Errorf("inherited states = %v", got)
	}
	if _, err := m.miReload(bg, api.MIParams{"inherit_state": "n"}); err != nil {
		t.Fatal(err)
	}
	if got := states(m); got[1] != "Active" || got[2] != "Probing" {
		t.Errorf("states from the table = %v", got)
	}
}
