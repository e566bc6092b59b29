package e2e

import (
	"fmt"
	"net"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// presProcStat returns the CPU time (user+system) and the resident size
// of a process.
func presProcStat(t *testing.T, pid int) (time.Duration, int64) {
	t.Helper()
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		t.Skipf("no /proc: %v", err)
	}
	f := strings.Fields(string(b[strings.LastIndexByte(string(b), ')')+2:]))
	ut, _ := strconv.ParseInt(f[11], 10, 64)
	st, _ := strconv.ParseInt(f[12], 10, 64)
	cpu := time.Duration(ut+st) * 10 * time.Millisecond // USER_HZ = 100
	s, _ := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/status")
	var rss int64
	for _, line := range strings.Split(string(s), "\n") {
		if v, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			rss, _ = strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
		}
	}
	return cpu, rss * 1024
}

// presWatchers is a set of UDP watchers answering every NOTIFY 200 and
// counting NOTIFYs and 2xx replies.
type presWatchers struct {
	conns    []*net.UDPConn
	server   *net.UDPAddr
	notifies atomic.Int64
	oks      atomic.Int64
	wg       sync.WaitGroup
}

func newPresWatchers(t *testing.T, n, port int) *presWatchers {
	t.Helper()
	w := &presWatchers{server: &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1), Port: port}}
	for i := 0; i < n; i++ {
		c, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
		if err != nil {
			t.Fatal(err)
		}
		c.SetReadBuffer(4 << 20)
		w.conns = append(w.conns, c)
		w.wg.Add(1)
		go w.read(c)
	}
	t.Cleanup(func() {
		for _, c := range w.conns {
			c.Close()
		}
		w.wg.Wait()
	})
	return w
}

func (w *presWatchers) read(c *net.UDPConn) {
	defer w.wg.Done()
	buf := make([]byte, 65535)
	for {
		n, _, err := c.ReadFromUDP(buf)
		if err != nil {
			return
		}
		msg := string(buf[:n])
		switch {
		case strings.HasPrefix(msg, "NOTIFY "):
			w.notifies.Add(1)
			c.WriteToUDP([]byte(sipReply(msg, "200 OK", "")), w.server)
		case strings.HasPrefix(msg, "SIP/2.0 2"):
			w.oks.Add(1)
		}
	}
}

func (w *presWatchers) subscribe(i int) {
	c := w.conns[i%len(w.conns)]
	lport := c.LocalAddr().(*net.UDPAddr).Port
	msg := fmt.Sprintf("SUBSCRIBE sip:pres@127.0.0.1 SIP/2.0\r\n"+
		"Via: SIP/2.0/UDP 127.0.0.1:%d;branch=z9hG4bKscale%d\r\n"+
		"From: <sip:w%d@127.0.0.1>;tag=f%d\r\nTo: <sip:pres@127.0.0.1>\r\nCall-ID: scale-%d\r\n"+
		"CSeq: 1 SUBSCRIBE\r\nContact: <sip:w%d@127.0.0.1:%d>\r\nEvent: presence\r\nExpires: 3600\r\n"+
		"Max-Forwards: 70\r\nContent-Length: 0\r\n\r\n", lport, i, i, i, i, i, lport)
	c.WriteToUDP([]byte(msg), w.server)
}

// TestPresenceScale1000 makes 1,000 subscriptions to one presentity and
// publishes once, and reports the server's CPU per NOTIFY and memory
// per subscription.
func TestPresenceScale1000(t *testing.T) {
	const subs = 1000
	srv, _, mi, _ := presStart(t, presenceCfg)
	pid := srv.cmd.Process.Pid
	w := newPresWatchers(t, 4, srv.Port)
	time.Sleep(300 * time.Millisecond)
	cpu0, rss0 := presProcStat(t, pid)
	for i := 0; i < subs; i++ {
		w.subscribe(i)
		if i%50 == 49 {
			want := int64(i + 1)
			eventually(5*time.Second, func() bool { return w.oks.Load() >= want && w.notifies.Load() >= want })
		}
	}
	if !eventually(20*time.Second, func() bool { return w.notifies.Load() >= subs }) {
		t.Fatalf("%d SUBSCRIBEs answered, %d initial NOTIFYs", w.oks.Load(), w.notifies.Load())
	}
	if n := presSubsCount(t, mi); n != subs {
		t.Fatalf("%d subscriptions in memory, want %d", n, subs)
	}
	time.Sleep(500 * time.Millisecond)
	cpu1, rss1 := presProcStat(t, pid)

	p := newUDPClient(t)
	if rep := presPublish(p, srv.Port, "pres", "presence", "application/pidf+xml", "", presPIDF("pres", "open"), 1); statusCode(rep) != "200" {
		t.Fatalf("publish: %s", rep)
	}
	start := time.Now()
	if !eventually(30*time.Second, func() bool { return w.notifies.Load() >= 2*subs }) {
		t.Fatalf("only %d of %d NOTIFYs after the PUBLISH", w.notifies.Load()-subs, subs)
	}
	fanout := time.Since(start)
	time.Sleep(500 * time.Millisecond) // the 200s to the NOTIFYs
	cpu2, _ := presProcStat(t, pid)
	perSub := (rss1 - rss0) / subs
	t.Logf("1,000 subscriptions: %.0f µs CPU per SUBSCRIBE (reply + initial NOTIFY + its 200), RSS +%d KiB (%d bytes per subscription)",
		float64((cpu1-cpu0).Microseconds())/subs, (rss1-rss0)/1024, perSub)
	t.Logf("1 PUBLISH → 1,000 NOTIFYs in %v: %.0f µs CPU per NOTIFY (building, sending, its 200)",
		fanout.Round(time.Millisecond), float64((cpu2-cpu1).Microseconds())/subs)
}
