package sip

import (
	"bufio"
	"fmt"
	"net"
	"os"
	"os/exec"
	"runtime/pprof"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// serverEnv makes the test binary act as a bare OPTIONS→200 server, so that
// BenchmarkUDPServerCPU can measure the server's CPU apart from the client.
const serverEnv = "GOSIPS_SIP_BENCH_SERVER"

func TestMain(m *testing.M) {
	if os.Getenv(serverEnv) != "" {
		os.Exit(runBenchServer())
	}
	os.Exit(m.Run())
}

// runBenchServer answers OPTIONS with 200 on an ephemeral UDP port printed
// on stdout. When stdin closes it prints "<requests> <cpu-ns>" counted from
// the first request and exits.
func runBenchServer() int {
	var n atomic.Int64
	var startCPU atomic.Int64
	var tr *Transport
	tr = NewTransport(Config{UDPWorkers: 2, UDPPoller: os.Getenv(serverEnv+"_POLLER") != "", OnMessage: func(m *Msg, rcv *RecvInfo) {
		if n.Add(1) == 1 {
			startCPU.Store(int64(processCPU()))
		}
		buf := make([]byte, 0, 512)
		buf = AppendReply(buf, m, &ReplySpec{Code: 200, ToTag: "bench", Server: "gosips"})
		_ = tr.SendReply(m, buf)
	}})
	s, err := tr.Listen(Socket{Proto: ProtoUDP, IP: "127.0.0.1"})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	if p := os.Getenv(serverEnv + "_PROFILE"); p != "" {
		if f, err := os.Create(p); err == nil {
			_ = pprof.StartCPUProfile(f)
			defer pprof.StopCPUProfile()
		}
	}
	fmt.Println(s.Port)
	_, _ = bufio.NewReader(os.Stdin).ReadString('\n')
	end := int64(processCPU())
	_ = tr.Close()
	fmt.Println(n.Load(), end-startCPU.Load())
	return 0
}

// BenchmarkUDPServerCPU reports the server process's CPU per stateless
// OPTIONS→200 transaction over loopback (receive, parse, build the reply,
// send): the transport part of the figure compared with Kamailio's
// ~6.4 µs per transaction (which also includes running its script).
func BenchmarkUDPServerCPU(b *testing.B) {
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), serverEnv+"=1")
	stdin, _ := cmd.StdinPipe()
	stdout, _ := cmd.StdoutPipe()
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	defer cmd.Wait()
	defer stdin.Close() // runs first: the server exits when stdin closes
	out := bufio.NewReader(stdout)
	var port int
	line, err := out.ReadString('\n')
	if _, serr := fmt.Sscan(line, &port); err != nil || serr != nil {
		b.Fatalf("server port: %q %v", line, err)
	}
	c, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		b.Fatal(err)
	}
	defer c.Close()
	dst := &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1), Port: port}
	req := []byte(request("OPTIONS", "UDP 127.0.0.1;rport", "cpu-1"))
	// Keep a window of requests in flight, as a load generator does: a
	// ping-pong client would mostly measure the scheduler waking up idle
	// threads, not the work per message.
	const window = 32
	credits := make(chan struct{}, window)
	for range window {
		credits <- struct{}{}
	}
	recvd := make(chan int)
	go func() {
		buf := make([]byte, 4096)
		got := 0
		for got < b.N {
			_ = c.SetReadDeadline(time.Now().Add(time.Second))
			if _, _, err := c.ReadFromUDP(buf); err != nil {
				break // a lost datagram ends the run
			}
			got++
			credits <- struct{}{}
		}
		recvd <- got
	}()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		select {
		case <-credits:
		case <-time.After(2 * time.Second):
			b.Fatalf("stalled after %d requests", i)
		}
		if _, err := c.WriteToUDP(req, dst); err != nil {
			b.Fatal(err)
		}
	}
	if got := <-recvd; got < b.N*99/100 {
		b.Fatalf("only %d of %d replies", got, b.N)
	}
	b.StopTimer()
	stdin.Close()
	line, _ = out.ReadString('\n')
	var n, cpu int64
	if _, err := fmt.Sscan(strings.TrimSpace(line), &n, &cpu); err != nil || n == 0 {
		b.Fatalf("server report %q: %v", line, err)
	}
	b.ReportMetric(float64(cpu)/float64(n), "server-cpu-ns/op")
}
