package ratelimit

import (
	"context"
	"errors"
	"testing"
	"time"

	"gosips/api"
)

func TestParseCPULine(t *testing.T) {
	c, err := parseCPULine("cpu  10 20 30 400 5 6 7 8 0 0")
	if err != nil || c != (cpuTimes{10, 20, 30, 400, 5, 6, 7, 8}) {
		t.Errorf("%v %v", c, err)
	}
	if c, err := parseCPULine("cpu  1 2 3 4"); err != nil || c[3] != 4 || c[4] != 0 {
		t.Errorf("short line (old kernels): %v %v", c, err)
	}
	for _, bad := range []string{"", "intr 1 2 3", "cpu 1 x 3 4", "cpu0 1 2 3 4"} {
		if _, err := parseCPULine(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
	if _, err := readProcStat(); err != nil {
		t.Logf("no /proc/stat here: %v", err)
	}
}

// fakeCPU returns readings whose load between two calls is the next
// value of loads (0.0-1.0), over 1000 ticks each.
func fakeCPU(loads ...float64) func() (cpuTimes, error) {
	var cur cpuTimes
	i := -1
	return func() (cpuTimes, error) {
		if i >= 0 && i < len(loads) {
			busy := int64(loads[i] * 1000)
			cur[0] += busy
			cur[3] += 1000 - busy
		}
		i++
		return cur, nil
	}
}

func TestFeedback(t *testing.T) {
	r, _ := newRL(t)
	r.readCPU = fakeCPU(0.9, 0.9, 0.9, 0.2, 0.2, 0.2, 0.2, 0.2, 0.2, 0.2, 0.2, 0.2)
	// An invalid first limit lets the request through and sets nothing.
	if r.Check("fb", 150, Feedback) != api.RetTrue || r.pid.limit != 0 {
		t.Fatalf("limit 150: pid %+v", r.pid)
	}
	// The first valid limit is the setpoint of every FEEDBACK pipe.
	if got := burst(r, "fb", 50, Feedback, 100); got != 100 {
		t.Fatalf("no load yet: %d of 100 accepted", got)
	}
	r.Check("fb2", 70, Feedback)
	if p := r.pipes["fb2"]; p.limit != 50 || r.pid.setpoint != 0.5 {
		t.Errorf("second limit: pipe %d, setpoint %v", p.limit, r.pid.setpoint)
	}
	r.tick() // first reading: load 0
	if r.pid.load != 0 || r.pid.dropRate != 0 {
		t.Errorf("first tick: %+v", r.pid)
	}
	r.tick() // load 0.9 over a 0.5 setpoint: err -0.4, ki -25 → drop 10%
	if r.pid.load < 0.89 || r.pid.load > 0.91 || r.pid.dropRate != 10 {
		t.Fatalf("overload: load %v drop %d", r.pid.load, r.pid.dropRate)
	}
	if got := burst(r, "fb", 50, Feedback, 100); got != 90 {
		t.Errorf("10%% drop: %d of 100 accepted", got)
	}
	r.tick()
	r.tick() // three intervals at 0.9: drop 30%
	if r.pid.dropRate != 30 {
		t.Errorf("sustained overload: drop %d", r.pid.dropRate)
	}
	for i := 0; i < 8; i++ {
		r.tick() // load 0.2: the integral winds back down
	}
	if r.pid.dropRate != 0 {
		t.Errorf("after the overload: drop %d", r.pid.dropRate)
	}
	res, _ := r.list("", false)
	if res.(map[string]any)["drop_rate"] != 0 {
		t.Errorf("rl_list drop_rate: %v", res)
	}
	// A CPU reading that fails keeps the drop rate.
	r.pid.dropRate = 7
	r.readCPU = func() (cpuTimes, error) { return cpuTimes{}, errors.New("no /proc") }
	r.tick()
	if r.pid.dropRate != 7 {
		t.Errorf("failed reading changed the drop rate to %d", r.pid.dropRate)
	}
}

func TestNetwork(t *testing.T) {
	r, c := newRL(t)
	queued := 0
	r.network = func() int { return queued }
	if got := burst(r, "net", 1000, Network, 50); got != 50 {
		t.Fatalf("before any reading: %d of 50", got)
	}
	queued = 5000
	r.tick()
	if got := burst(r, "net", 1000, Network, 10); got != 0 {
		t.Errorf("5000 bytes queued, limit 1000: %d of 10 accepted", got)
	}
	queued = 200
	r.tick()
	if got := burst(r, "net", 1000, Network, 10); got != 10 {
		t.Errorf("200 bytes queued: %d of 10 accepted", got)
	}
	// The load is read only while a NETWORK pipe exists.
	c.add(2 * time.Duration(r.ExpireTime) * time.Second)
	r.tick()
	queued = 9999
	r.tick()
	if r.networkPipes != 0 || r.networkLoad != 200 {
		t.Errorf("after expiry: %d pipes, load %d", r.networkPipes, r.networkLoad)
	}
}

func TestPIDMI(t *testing.T) {
	r, _ := newRL(t)
	cmds := map[string]api.MICommand{}
	for _, c := range r.MICommands() {
		cmds[c.Name] = c
	}
	get := func() map[string]any {
		res, err := cmds["rl_get_pid"].Handler(context.Background(), nil)
		if err != nil {
			t.Fatal(err)
		}
		return res.(map[string]any)["PID"].(map[string]any)
	}
	if p := get(); p["ki"] != "-25.000" || p["kp"] != "0.000" || p["kd"] != "0.000" {
		t.Errorf("defaults: %v", p)
	}
	if r, err := cmds["rl_set_pid"].Handler(context.Background(), api.MIParams{"ki": "-10", "kp": "0.5", "kd": float64(2)}); err != nil || r != "OK" {
		t.Fatalf("rl_set_pid: %v %v", r, err)
	}
	if p := get(); p["ki"] != "-10.000" || p["kp"] != "0.500" || p["kd"] != "2.000" {
		t.Errorf("after set: %v", p)
	}
	for _, bad := range []api.MIParams{
		{"ki": "12345", "kp": "1", "kd": "1"},
		{"ki": "", "kp": "1", "kd": "1"},
		{"ki": "x", "kp": "1", "kd": "1"},
		{"ki": "1", "kp": "1"},
	} {
		if _, err := cmds["rl_set_pid"].Handler(context.Background(), bad); err == nil {
			t.Errorf("%v accepted", bad)
		}
	}
}
