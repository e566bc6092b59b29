package runtime

import (
	"bufio"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	"gosips/sip"
)

// timeMessage counts a message that took longer than execmsgthreshold
// (core:slow_messages) and logs it, as OpenSIPS does.
func (e *Engine) timeMessage(start time.Time, m *sip.Msg) {
	if d := time.Since(start); d > e.slowAfter {
		e.stats.slowMessages.Inc()
		e.log.Warn("message processing took too long", "took_us", d.Microseconds(),
			"threshold_us", e.slowAfter.Microseconds(), "callid", m.CallID())
	}
}

// loadAvg keeps the share of busy workers, sampled every second, as
// OpenSIPS' load statistics: the last second, 1 and 10 minute averages.
type loadAvg struct {
	mu              sync.Mutex
	rt, avg1, avg10 float64
	once            sync.Once
}

func (l *loadAvg) sample(busy float64) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.rt = busy
	// Exponential averages over 60 and 600 one-second samples.
	l.avg1 += (busy - l.avg1) / 60
	l.avg10 += (busy - l.avg10) / 600
}

func (l *loadAvg) get(which int) int64 {
	l.mu.Lock()
	defer l.mu.Unlock()
	return int64([]float64{l.rt, l.avg1, l.avg10}[which] + 0.5)
}

// registerRuntimeStats fills the net and load groups, which need the
// sockets and the worker count:
//
//	net:waiting_udp, net:waiting_tcp  bytes queued in the kernel receive
//	                                  buffers of our sockets (/proc/net)
//	load:load, load1m, load10m        busy workers in percent: last second,
//	                                  1 and 10 minute averages
//	load:load-all, load1m-all, load10m-all  the same (one worker pool)
//	load:processes_number             the number of workers
func (e *Engine) registerRuntimeStats() {
	st := e.script.Stats
	net := st.Group("net")
	net.Func("waiting_udp", func() int64 { return e.waitingBytes("udp") })
	net.Func("waiting_tcp", func() int64 { return e.waitingBytes("tcp") })
	ld := st.Group("load")
	for i, n := range []string{"load", "load1m", "load10m"} {
		i := i
		ld.Func(n, func() int64 { return e.load.get(i) })
	}
	for i, n := range []string{"load-all", "load1m-all", "load10m-all"} {
		i := i
		ld.Func(n, func() int64 { return e.load.get(i) })
	}
	ld.Func("processes_number", func() int64 { return int64(e.workers) })
	e.load.once.Do(func() {
		e.wg.Add(1)
		go func() {
			defer e.wg.Done()
			tk := time.NewTicker(time.Second)
			defer tk.Stop()
			for {
				select {
				case <-e.ctx.Done():
					return
				case <-tk.C:
					busy := float64(e.inflight.Load()) * 100 / float64(max(1, e.workers))
					e.load.sample(min(busy, 100))
				}
			}
		}()
	})
}

// waitingBytes sums the receive queues of our sockets of a protocol, read
// from /proc/net/{udp,udp6,tcp,tcp6} (0 where /proc is not available).
func (e *Engine) waitingBytes(proto string) int64 {
	if e.tr == nil {
		return 0
	}
	ports := map[uint16]bool{}
	for _, s := range e.tr.Sockets() {
		if strings.EqualFold(s.Proto.String(), proto) {
			ports[uint16(s.Port)] = true
		}
	}
	if len(ports) == 0 {
		return 0
	}
	var total int64
	for _, f := range []string{"/proc/net/" + proto, "/proc/net/" + proto + "6"} {
		total += procRxQueue(f, ports)
	}
	return total
}

// procRxQueue sums rx_queue over the sockets of a /proc/net table whose
// local port is one of ports.
func procRxQueue(path string, ports map[uint16]bool) int64 {
	f, err := os.Open(path)
	if err != nil {
		return 0
	}
	defer f.Close()
	var total int64
	sc := bufio.NewScanner(f)
	sc.Scan() // header
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) < 5 {
			continue
		}
		_, portHex, ok := strings.Cut(fields[1], ":")
		if !ok {
			continue
		}
		port, err := strconv.ParseUint(portHex, 16, 16)
		if err != nil || !ports[uint16(port)] {
			continue
		}
		_, rxHex, ok := strings.Cut(fields[4], ":")
		if !ok {
			continue
		}
		if rx, err := strconv.ParseInt(rxHex, 16, 64); err == nil {
			total += rx
		}
	}
	return total
}
