package e2e

import (
	"encoding/binary"
	"fmt"
	"net"
	"strings"
	"sync"
	"testing"
	"time"
)

// dnsTestServer is a small authoritative DNS server on 127.0.0.1 for the
// resolver tests: A and SRV records from its tables, no answer at all for
// names in silent, NXDOMAIN otherwise. It counts the queries per name.
type dnsTestServer struct {
	conn   *net.UDPConn
	a      map[string]net.IP
	srv    map[string][2]any // name -> {port uint16, target string}
	silent map[string]bool

	mu      sync.Mutex
	queries map[string]int
}

func startDNSTestServer(t *testing.T) *dnsTestServer {
	t.Helper()
	c, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	s := &dnsTestServer{conn: c, a: map[string]net.IP{}, srv: map[string][2]any{}, silent: map[string]bool{}, queries: map[string]int{}}
	t.Cleanup(func() { c.Close() })
	go s.serve()
	return s
}

func (s *dnsTestServer) Addr() string { return s.conn.LocalAddr().String() }

// Queries returns how many queries named name (any type) arrived.
func (s *dnsTestServer) Queries(name string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.queries[name]
}

func (s *dnsTestServer) serve() {
	buf := make([]byte, 1500)
	for {
		n, from, err := s.conn.ReadFromUDP(buf)
		if err != nil {
			return
		}
		if resp := s.answer(buf[:n]); resp != nil {
			_, _ = s.conn.WriteToUDP(resp, from)
		}
	}
}

// answer builds the response to one query, nil to stay silent.
func (s *dnsTestServer) answer(q []byte) []byte {
	if len(q) < 12 || binary.BigEndian.Uint16(q[4:]) != 1 {
		return nil
	}
	var labels []string
	i := 12
	for i < len(q) && q[i] != 0 {
		l := int(q[i])
		if l > 63 || i+1+l > len(q) {
			return nil
		}
		labels = append(labels, string(q[i+1:i+1+l]))
		i += 1 + l
	}
	if i+5 > len(q) {
		return nil
	}
	qend := i + 5
	qtype := binary.BigEndian.Uint16(q[i+1:])
	name := strings.ToLower(strings.Join(labels, "."))
	s.mu.Lock()
	s.queries[name]++
	s.mu.Unlock()
	if s.silent[name] || s.silent[strings.TrimPrefix(strings.TrimPrefix(name, "_sip._udp."), "_sip._tcp.")] {
		return nil
	}
	var answers [][]byte
	known := false
	rr := func(typ uint16, rdata []byte) []byte {
		b := []byte{0xc0, 12} // the question's name
		b = binary.BigEndian.AppendUint16(b, typ)
		b = binary.BigEndian.AppendUint16(b, 1)
		b = binary.BigEndian.AppendUint32(b, 60)
		b = binary.BigEndian.AppendUint16(b, uint16(len(rdata)))
		return append(b, rdata...)
	}
	if ip, ok := s.a[name]; ok {
		known = true
		if qtype == 1 {
			answers = append(answers, rr(1, ip.To4()))
		}
	}
	if v, ok := s.srv[name]; ok {
		known = true
		if qtype == 33 {
			rd := []byte{0, 10, 0, 10}
			rd = binary.BigEndian.AppendUint16(rd, v[0].(uint16))
			for _, l := range strings.Split(v[1].(string), ".") {
				rd = append(rd, byte(len(l)))
				rd = append(rd, l...)
			}
			answers = append(answers, rr(33, append(rd, 0)))
		}
	}
	resp := append([]byte{}, q[:2]...)
	flags := uint16(0x8580) // response, authoritative, recursion desired and available
	if !known {
		flags |= 3 // NXDOMAIN
	}
	resp = binary.BigEndian.AppendUint16(resp, flags)
	resp = binary.BigEndian.AppendUint16(resp, 1)
	resp = binary.BigEndian.AppendUint16(resp, uint16(len(answers)))
	resp = append(resp, 0, 0, 0, 0)
	resp = append(resp, q[12:qend]...)
	for _, a := range answers {
		resp = append(resp, a...)
	}
	return resp
}

const dnsCfg = `
log_level = 3
stderror_enabled = yes
udp_workers = 4
socket = udp:127.0.0.1:PORT
dns_retr_time = 1
dns_retr_no = 1

loadmodule "proto_udp.so"
loadmodule "signaling.so"
loadmodule "sl.so"
loadmodule "tm.so"
loadmodule "sipmsgops.so"

route {
	if (is_method("OPTIONS") && $rU == "ping") {
		sl_send_reply(200, "OK");
		exit;
	}
	if (is_method("ACK")) {
		t_check_trans();
		exit;
	}
	t_relay();
	exit;
}
`

// TestDNSSRVCacheAndTimeout: a request for a domain R-URI is relayed to
// the callee its SRV and A records name, the answer is cached (a second
// request asks the DNS server nothing); a lookup the DNS server never
// answers fails the branch with 478 after the dns_retr_time timeout
// without holding up other requests, and the failure is cached so the next
// request for that domain fails at once.
func TestDNSSRVCacheAndTimeout(t *testing.T) {
	dns := startDNSTestServer(t)
	uas, wait := startSippUAS(t, "uas_ok.xml", "-m", "2")
	dns.srv["_sip._udp.sipp.test"] = [2]any{uint16(uas), "uas.sipp.test"}
	dns.a["uas.sipp.test"] = net.IPv4(127, 0, 0, 1)
	dns.silent["slow.test"] = true
	t.Setenv("GOSIPS_DNS_SERVERS", dns.Addr())
	srv := startServer(t, dnsCfg)
	uac := newUDPClient(t)
	msg := func(ruri, callID string) string {
		return fmt.Sprintf("MESSAGE %s SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:%d;branch=z9hG4bK%s;rport\r\n"+
			"Max-Forwards: 70\r\nFrom: <sip:c@127.0.0.1>;tag=4\r\nTo: <%s>\r\nCall-ID: %s\r\nCSeq: 1 MESSAGE\r\n"+
			"Content-Length: 0\r\n\r\n", ruri, uac.Port(), callID, ruri, callID)
	}
	for i := range 2 {
		uac.Send(srv.Port, msg("sip:bob@sipp.test", fmt.Sprintf("srv-%d", i)))
		if r := uac.RecvFinal(5 * time.Second); statusCode(r) != "200" {
			t.Fatalf("MESSAGE %d to sip:bob@sipp.test: %q", i, r)
		}
	}
	if n, m := dns.Queries("_sip._udp.sipp.test"), dns.Queries("uas.sipp.test"); n != 1 || m == 0 || m > 2 {
		t.Errorf("DNS queries: %d SRV, %d A/AAAA for two requests (want 1 and 1-2: cached)", n, m)
	}
	wait()

	// The silent domain: its lookup times out; a ping sent meanwhile is
	// answered at once.
	start := time.Now()
	uac.Send(srv.Port, msg("sip:bob@slow.test", "slow-1"))
	time.Sleep(100 * time.Millisecond)
	ping := newUDPClient(t)
	ping.Send(srv.Port, fmt.Sprintf("OPTIONS sip:ping@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:%d;branch=z9hG4bKping\r\n"+
		"Max-Forwards: 70\r\nFrom: <sip:a@127.0.0.1>;tag=1\r\nTo: <sip:ping@127.0.0.1>\r\nCall-ID: ping\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n", ping.Port()))
	if r := ping.RecvFinal(2 * time.Second); statusCode(r) != "200" {
		t.Errorf("ping during a pending lookup: %q", r)
	}
	pingAt := time.Since(start)
	r := uac.RecvFinal(5 * time.Second)
	took := time.Since(start)
	t.Logf("ping answered after %v; the timed-out lookup failed with %q after %v", pingAt.Round(time.Millisecond), dnsStatusLine(r), took.Round(time.Millisecond))
	if statusCode(r) != "478" {
		t.Errorf("MESSAGE to the silent domain: %q", r)
	}
	if pingAt > time.Second {
		t.Errorf("the ping waited %v behind the lookup", pingAt)
	}
	if took < 900*time.Millisecond || took > 4*time.Second {
		t.Errorf("failed after %v, dns_retr_time is 1s", took)
	}
	// Cached failure: no new query, an immediate 478.
	before := dns.Queries("_sip._udp.slow.test")
	start = time.Now()
	uac.Send(srv.Port, msg("sip:bob@slow.test", "slow-2"))
	if r := uac.RecvFinal(3 * time.Second); statusCode(r) != "478" || time.Since(start) > 500*time.Millisecond {
		t.Errorf("second MESSAGE to the silent domain: %q after %v", r, time.Since(start))
	}
	if n := dns.Queries("_sip._udp.slow.test"); n != before {
		t.Errorf("the failed lookup was not cached: %d queries, then %d", before, n)
	}
}

func dnsStatusLine(msg string) string {
	line, _, _ := strings.Cut(msg, "\r\n")
	return line
}
