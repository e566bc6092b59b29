package e2e

import (
	"bytes"
	"fmt"
	"net"
	"os"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// overloadCfg relays every INVITE statefully to a destination that never
// answers, with a small transaction cap.
const overloadCfg = `
log_level = 2
stderror_enabled = yes
udp_workers = 2
socket = udp:127.0.0.1:PORT

loadmodule "proto_udp.so"
loadmodule "signaling.so"
loadmodule "sl.so"
loadmodule "tm.so"
loadmodule "sipmsgops.so"

modparam("tm", "fr_timeout", 2)
modparam("tm", "max_transactions", MAXTX)

route {
	if (is_method("ACK")) {
		t_check_trans();
		exit;
	}
	$du = "sip:127.0.0.1:SILENT";
	if (!t_relay()) {
		send_reply(500, "Relay Failed");
	}
	exit;
}
`

// rssKB reads the resident set size of a process.
func rssKB(pid int) int {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0
	}
	for _, l := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(l, "VmRSS:"); ok {
			n, _ := strconv.Atoi(strings.TrimSuffix(strings.TrimSpace(v), " kB"))
			return n
		}
	}
	return 0
}

// ackFor builds the ACK of a negative final reply to one of the test's
// INVITEs (same Via branch, Call-ID, From, To with tag).
func ackFor(reply string) []byte {
	var b strings.Builder
	b.WriteString("ACK sip:x@127.0.0.1 SIP/2.0\r\n")
	for _, l := range strings.Split(reply, "\r\n") {
		for _, h := range []string{"Via:", "From:", "To:", "Call-ID:"} {
			if strings.HasPrefix(l, h) {
				b.WriteString(l + "\r\n")
			}
		}
	}
	b.WriteString("CSeq: 1 ACK\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n")
	return []byte(b.String())
}

// TestOverloadTransactionCap floods gosips with INVITEs to a UAS that
// never answers (issue: 135k pending INVITEs grew to 1.5 GB): past
// max_transactions new INVITEs get 503, RSS stays bounded, and once the
// surge is over an INVITE is relayed again.
func TestOverloadTransactionCap(t *testing.T) {
	const (
		maxTx   = 5000
		rate    = 10000 // INVITEs per second
		secs    = 8
		rssCap  = 300 * 1024 // kB
		timeout = 30 * time.Second
	)
	silent, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	defer silent.Close()
	go func() {
		buf := make([]byte, 65536)
		for {
			if _, _, err := silent.ReadFrom(buf); err != nil {
				return
			}
		}
	}()
	cfg := strings.NewReplacer("SILENT", strconv.Itoa(silent.LocalAddr().(*net.UDPAddr).Port), "MAXTX", strconv.Itoa(maxTx)).Replace(overloadCfg)
	srv := startServer(t, cfg)
	pid := srv.cmd.Process.Pid

	uac, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	defer uac.Close()
	_ = uac.SetReadBuffer(8 << 20)
	lport := uac.LocalAddr().(*net.UDPAddr).Port
	dst := &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1), Port: srv.Port}
	var got503, got100 atomic.Int64
	go func() {
		buf := make([]byte, 65536)
		for {
			n, _, err := uac.ReadFrom(buf)
			if err != nil {
				return
			}
			switch {
			case bytes.HasPrefix(buf[:n], []byte("SIP/2.0 503")):
				got503.Add(1)
			case bytes.HasPrefix(buf[:n], []byte("SIP/2.0 100")):
				got100.Add(1)
			case bytes.HasPrefix(buf[:n], []byte("SIP/2.0 408")):
				// A caller acknowledges the final reply, which ends
				// its retransmissions and the transaction.
				_, _ = uac.WriteTo(ackFor(string(buf[:n])), dst)
			}
		}
	}()
	invite := func(id string) []byte {
		return []byte(fmt.Sprintf("INVITE sip:x@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:%d;branch=z9hG4bK-ov%s\r\n"+
			"From: <sip:a@127.0.0.1>;tag=ov\r\nTo: <sip:x@127.0.0.1>\r\nCall-ID: ov-%s\r\nCSeq: 1 INVITE\r\n"+
			"Max-Forwards: 70\r\nContent-Length: 0\r\n\r\n", lport, id, id))
	}
	peak := rssKB(pid)
	sent := 0
	start := time.Now()
	tick := time.NewTicker(10 * time.Millisecond)
	for time.Since(start) < secs*time.Second {
		<-tick.C
		for i := 0; i < rate/100; i++ {
			sent++
			if _, err := uac.WriteTo(invite(strconv.Itoa(sent)), dst); err != nil {
				t.Fatal(err)
			}
		}
		if sent%(rate/5) == 0 {
			peak = max(peak, rssKB(pid))
		}
	}
	tick.Stop()
	t.Logf("sent %d INVITEs in %v: %d got 100 Trying, %d got 503; peak RSS %d MB", sent, time.Since(start).Round(time.Millisecond),
		got100.Load(), got503.Load(), peak/1024)
	if got503.Load() == 0 {
		t.Errorf("no 503 past max_transactions=%d", maxTx)
	}
	if got100.Load() > int64(maxTx)+int64(rate) {
		t.Errorf("%d transactions admitted, cap %d", got100.Load(), maxTx)
	}
	if peak > rssCap {
		t.Errorf("peak RSS %d MB over %d MB", peak/1024, rssCap/1024)
	}
	// Back to normal: the pending transactions end (fr_timeout + wait
	// timer), then an INVITE is admitted again.
	deadline := time.Now().Add(timeout)
	for {
		before := got100.Load()
		if _, err := uac.WriteTo(invite("after-"+strconv.Itoa(int(time.Now().UnixNano()))), dst); err != nil {
			t.Fatal(err)
		}
		time.Sleep(500 * time.Millisecond)
		if got100.Load() > before {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no INVITE admitted %v after the surge", timeout)
		}
	}
	t.Logf("admitted again %v after the surge; RSS now %d MB", time.Since(start.Add(secs*time.Second)).Round(100*time.Millisecond), rssKB(pid)/1024)
}
