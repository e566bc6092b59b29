package ratelimit

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"strconv"
	"strings"

	"gosips/api"
)

// dropOrder spreads FEEDBACK drops over the requests of an interval: a
// request whose counter c has dropOrder[c%100] below the drop rate (in
// percent) is refused. It is OpenSIPS' fixed permutation of 0..99, so
// both drop the same requests for a given rate.
var dropOrder = [100]int{18, 50, 51, 39, 49, 68, 8, 78, 61, 75, 53, 32, 45, 77, 31,
	12, 26, 10, 37, 99, 29, 0, 52, 82, 91, 22, 7, 42, 87, 43, 73, 86, 70,
	69, 13, 60, 24, 25, 6, 93, 96, 97, 84, 47, 79, 64, 90, 81, 4, 15, 63,
	44, 57, 40, 21, 28, 46, 94, 35, 58, 11, 30, 3, 20, 41, 74, 34, 88, 62,
	54, 33, 92, 76, 85, 5, 72, 9, 83, 56, 17, 95, 55, 80, 98, 66, 14, 16,
	38, 71, 23, 2, 67, 36, 65, 27, 1, 19, 59, 89, 48}

// cpuTimes are the first eight counters of /proc/stat's "cpu" line.
type cpuTimes [8]int64

// readProcStat reads the aggregated CPU counters of /proc/stat.
func readProcStat() (cpuTimes, error) {
	var t cpuTimes
	f, err := os.Open("/proc/stat")
	if err != nil {
		return t, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	if !sc.Scan() {
		return t, fmt.Errorf("/proc/stat: empty")
	}
	return parseCPULine(sc.Text())
}

// parseCPULine reads "cpu  user nice system idle iowait irq softirq steal ...".
func parseCPULine(line string) (cpuTimes, error) {
	var t cpuTimes
	f := strings.Fields(line)
	if len(f) < 5 || f[0] != "cpu" {
		return t, fmt.Errorf("/proc/stat didn't contain expected values: %q", line)
	}
	for i := 0; i < len(t) && i+1 < len(f); i++ {
		n, err := strconv.ParseInt(f[i+1], 10, 64)
		if err != nil {
			return t, fmt.Errorf("/proc/stat: %q: %w", f[i+1], err)
		}
		t[i] = n
	}
	return t, nil
}

// pid is the FEEDBACK controller: it moves the drop rate so that the CPU
// load drifts towards the setpoint (the FEEDBACK limit, in percent).
type pid struct {
	kp, ki, kd      float64
	setpoint        float64 // 0.0-1.0
	intErr, lastErr float64
	load            float64 // last measured CPU load, 0.0-1.0
	dropRate        int     // percent of requests to drop
	limit           int     // the FEEDBACK limit shared by all pipes; 0 unset
	prev            cpuTimes
	sampled         bool
}

// sample updates the CPU load from two readings of /proc/stat (0 after
// the first one, as OpenSIPS).
func (p *pid) sample(now cpuTimes) {
	if p.sampled {
		var total int64
		for i := range now {
			total += now[i] - p.prev[i]
		}
		idle := now[3] - p.prev[3]
		if total > 0 {
			p.load = 1 - float64(idle)/float64(total)
		}
	}
	p.prev, p.sampled = now, true
}

// update runs one step of the controller. The integral only accumulates
// while negative or on overload, so that long idle periods do not make
// later overloads go unanswered (OpenSIPS' rule).
func (p *pid) update() {
	e := p.setpoint - p.load
	dif := e - p.lastErr
	if p.intErr < 0 || e < 0 {
		p.intErr += e
	}
	out := p.kp*e + p.ki*p.intErr + p.kd*dif
	p.lastErr = e
	p.dropRate = 0
	if out > 0 {
		p.dropRate = int(out)
	}
}

// feedbackLimit returns the limit a FEEDBACK pipe uses: the first valid
// one given (1-99) for every pipe; ok false for an invalid first limit.
func (r *Ratelimit) feedbackLimit(limit int) (int, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.pid.limit != 0 {
		if r.pid.limit != limit && r.log != nil {
			r.log.Warn("ratelimit: FEEDBACK limit should be the same for all pipes",
				"limit", limit, "using", r.pid.limit)
		}
		return r.pid.limit, true
	}
	if limit <= 0 || limit >= 100 {
		return 0, false
	}
	r.pid.limit = limit
	r.pid.setpoint = 0.01 * float64(limit)
	return limit, true
}

// waitingBytes is the NETWORK load: the bytes queued in the kernel on
// gosips' UDP and TCP sockets (the core's net:waiting_udp and
// net:waiting_tcp statistics).
func (r *Ratelimit) waitingBytes() int {
	if r.stats == nil {
		return 0
	}
	var n int64
	for _, name := range []string{"net:waiting_udp", "net:waiting_tcp"} {
		if st, ok := r.stats.Lookup(name); ok {
			n += st.Value()
		}
	}
	return int(n)
}

// pidParams parses rl_set_pid's values: decimal numbers of 1 to 4
// characters, as OpenSIPS accepts.
func pidParams(p api.MIParams) (ki, kp, kd float64, err error) {
	var vals [3]float64
	for i, k := range []string{"ki", "kp", "kd"} {
		var s string
		switch v := p[k].(type) {
		case string:
			s = v
		case float64:
			s = strconv.FormatFloat(v, 'f', -1, 64)
		case int64:
			s = strconv.FormatInt(v, 10)
		default:
			return 0, 0, 0, &api.MIError{Code: 400, Msg: "Invalid params"}
		}
		v, e := strconv.ParseFloat(s, 64)
		if s == "" || len(s) >= 5 || e != nil {
			return 0, 0, 0, &api.MIError{Code: 400, Msg: "Bad parameter value"}
		}
		vals[i] = v
	}
	return vals[0], vals[1], vals[2], nil
}

func (r *Ratelimit) miSetPID(_ context.Context, p api.MIParams) (any, error) {
	ki, kp, kd, err := pidParams(p)
	if err != nil {
		return nil, err
	}
	r.mu.Lock()
	r.pid.ki, r.pid.kp, r.pid.kd = ki, kp, kd
	r.mu.Unlock()
	return "OK", nil
}

func (r *Ratelimit) miGetPID(context.Context, api.MIParams) (any, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	f := func(v float64) string { return strconv.FormatFloat(v, 'f', 3, 64) }
	return map[string]any{"PID": map[string]any{"ki": f(r.pid.ki), "kp": f(r.pid.kp), "kd": f(r.pid.kd)}}, nil
}
