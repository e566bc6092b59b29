package e2e

import (
	"context"
	"encoding/binary"
	"fmt"
	"io"
	"net"
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"gosips/db"
	"gosips/internal/hep"
	"gosips/modules/sipcapture"
)

// captureServerCfg is a HEP capture server storing every message it gets
// over HEP (UDP and TCP) in DBURL's sip_capture table.
const captureServerCfg = `
log_level=3
socket=udp:127.0.0.1:PORT
socket=hep_udp:127.0.0.1:HEPPORT
socket=hep_tcp:127.0.0.1:HEPPORT
loadmodule "proto_udp.so"
loadmodule "proto_hep.so"
loadmodule "db_sqlite.so"
loadmodule "sipcapture.so"
modparam("sipcapture", "db_url", "DBURL")
modparam("sipcapture", "capture_on", 1)
modparam("sipcapture", "hep_capture_on", 1)
route {
	xlog("L_NOTICE", "captured v$HEPVERSION $rm from $hep_net(src_ip) si=$si:$sp\n");
	sip_capture();
	exit;
}
onreply_route {
	sip_capture();
	exit;
}
`

// captureProxyCfg relays every request to UASPORT and traces each
// transaction to the HEP collectors and to DBURL's sip_trace table.
const captureProxyCfg = `
log_level=3
socket=udp:127.0.0.1:PORT
loadmodule "proto_udp.so"
loadmodule "tm.so"
loadmodule "sl.so"
loadmodule "rr.so"
loadmodule "proto_hep.so"
loadmodule "db_sqlite.so"
loadmodule "tracer.so"
HEPIDS
modparam("tracer", "trace_id", "[tid]uri=DBURL;table=sip_trace")
route {
	trace("tid", "t", "sip", "attrs-$rm");
	if (!loose_route())
		record_route();
	$du = "sip:127.0.0.1:UASPORT";
	t_relay();
	exit;
}
`

// captureHEPListener collects the HEP packets sent to a loopback UDP or
// TCP port.
type captureHEPListener struct {
	mu      sync.Mutex
	packets [][]byte
	Port    int
}

func captureListen(t *testing.T, network string) *captureHEPListener {
	t.Helper()
	l := &captureHEPListener{}
	add := func(b []byte) {
		l.mu.Lock()
		l.packets = append(l.packets, append([]byte(nil), b...))
		l.mu.Unlock()
	}
	switch network {
	case "udp":
		c, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { c.Close() })
		l.Port = c.LocalAddr().(*net.UDPAddr).Port
		go func() {
			buf := make([]byte, 65535)
			for {
				n, _, err := c.ReadFromUDP(buf)
				if err != nil {
					return
				}
				add(buf[:n])
			}
		}()
	case "tcp":
		ln, err := net.ListenTCP("tcp", &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1)})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { ln.Close() })
		l.Port = ln.Addr().(*net.TCPAddr).Port
		go func() {
			for {
				c, err := ln.Accept()
				if err != nil {
					return
				}
				go func() {
					defer c.Close()
					hdr := make([]byte, 6)
					for {
						if _, err := io.ReadFull(c, hdr); err != nil {
							return
						}
						rest := make([]byte, int(binary.BigEndian.Uint16(hdr[4:]))-6)
						if _, err := io.ReadFull(c, rest); err != nil {
							return
						}
						add(append(append([]byte(nil), hdr...), rest...))
					}
				}()
			}
		}()
	}
	return l
}

func (l *captureHEPListener) Packets() [][]byte {
	l.mu.Lock()
	defer l.mu.Unlock()
	return slices.Clone(l.packets)
}

// captureRows reads cols of table for one Call-ID, in insertion order.
func captureRows(t *testing.T, url, table, callidCol, callid string, cols []string) [][]string {
	t.Helper()
	var out [][]string
	withDB(t, url, func(ctx context.Context, c db.Conn) {
		res, err := c.Query(ctx, table, cols, []db.Cond{db.Eq(callidCol, db.StringValue(callid))}, "id", 0)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range res.Rows {
			row := make([]string, len(r))
			for i, v := range r {
				row[i] = v.Str()
			}
			out = append(out, row)
		}
	})
	return out
}

// captureCallID finds the Call-ID sipp used in its message log.
func captureCallID(t *testing.T, msgs string) string {
	t.Helper()
	for _, l := range strings.Split(msgs, "\n") {
		if v, ok := strings.CutPrefix(strings.TrimSpace(l), "Call-ID: "); ok {
			return strings.TrimSpace(v)
		}
	}
	t.Fatalf("no Call-ID in sipp's messages:\n%s", msgs)
	return ""
}

// capturePort is the port sipp's client used (its Via).
func capturePort(t *testing.T, msgs string) int {
	t.Helper()
	for _, l := range strings.Split(msgs, "\n") {
		if v, ok := strings.CutPrefix(strings.TrimSpace(l), "Via: SIP/2.0/UDP 127.0.0.1:"); ok {
			p, _ := strconv.Atoi(strings.SplitN(v, ";", 2)[0])
			return p
		}
	}
	t.Fatalf("no Via in sipp's messages")
	return 0
}

// captureWait waits until f reports n items.
func captureWait(n int, f func() int) bool {
	return eventually(5*time.Second, func() bool { return f() >= n })
}

// TestCaptureTraceCallOverHEP traces a sipp call through a gosips proxy
// (trace() with transaction scope) to a gosips capture server over HEPv3
// UDP, to a TCP HEP collector and to the proxy's sip_trace table, and
// checks every stored row and packet against the call on the wire.
func TestCaptureTraceCallOverHEP(t *testing.T) {
	needSipp(t)
	capDB := sqliteDB(t, "version")
	hepPort := freePort(t)
	cfg := strings.NewReplacer("HEPPORT", strconv.Itoa(hepPort), "DBURL", capDB).Replace(captureServerCfg)
	capSrv := startServer(t, cfg)
	tcpColl := captureListen(t, "tcp")

	traceDB := sqliteDB(t, "sip_trace")
	uasPort, uasDone := startSippUAS(t, "capture_uas_call.xml")
	hepIDs := fmt.Sprintf(`modparam("proto_hep", "hep_id", "[cap] 127.0.0.1:%d; transport=udp")
modparam("proto_hep", "hep_id", "[coll] 127.0.0.1:%d; transport=tcp; version=3")
modparam("tracer", "trace_id", "[tid]uri=hep:cap")
modparam("tracer", "trace_id", "[tid]uri=hep:coll")`, hepPort, tcpColl.Port)
	pcfg := strings.NewReplacer("HEPIDS", hepIDs, "DBURL", traceDB, "UASPORT", strconv.Itoa(uasPort)).Replace(captureProxyCfg)
	proxy := startServer(t, pcfg)
	res := runSipp(t, "uac_call.xml", proxy.Port)
	if res.Exit != 0 {
		t.Fatalf("sipp uac: %d\n%s", res.Exit, res.Output)
	}
	if r := uasDone(); r.Exit != 0 {
		t.Fatalf("sipp uas: %d\n%s", r.Exit, r.Output)
	}
	callid := captureCallID(t, res.Messages)
	uacPort := capturePort(t, res.Messages)
	roles := map[string]string{strconv.Itoa(uacPort): "UAC", strconv.Itoa(uasPort): "UAS", strconv.Itoa(proxy.Port): "PROXY"}
	role := func(p string) string {
		if r, ok := roles[p]; ok {
			return r
		}
		return p
	}

	// sip_trace: the INVITE, ACK and BYE transactions, each message in
	// and out, as the proxy saw them.
	want := []string{
		"in INVITE - UAC>PROXY", "out 100 - PROXY>UAC", "out INVITE - PROXY>UAS", "in 180 - UAS>PROXY", "out 180 - PROXY>UAC",
		"in 200 - UAS>PROXY", "out 200 - PROXY>UAC", "in ACK - UAC>PROXY", "out ACK - PROXY>UAS",
		"in BYE - UAC>PROXY", "out BYE - PROXY>UAS", "in 200 - UAS>PROXY", "out 200 - PROXY>UAC",
	}
	cols := []string{"direction", "method", "status", "from_proto", "from_ip", "from_port", "to_proto", "to_ip", "to_port", "fromtag", "trace_attrs", "msg", "time_stamp"}
	var rows [][]string
	captureWait(len(want), func() int { rows = captureRows(t, traceDB, "sip_trace", "callid", callid, cols); return len(rows) })
	var got []string
	for _, r := range rows {
		what := r[1] // a reply's method column is its transaction's
		if r[2] != "" {
			what = r[2]
		}
		got = append(got, fmt.Sprintf("%s %s - %s>%s", r[0], what, role(r[5]), role(r[8])))
		if r[3] != "udp" || r[6] != "udp" || r[4] != "127.0.0.1" || r[7] != "127.0.0.1" {
			t.Errorf("row %v: protocols and addresses", r[:9])
		}
		if !strings.HasSuffix(r[10], "INVITE") && !strings.HasSuffix(r[10], "ACK") && !strings.HasSuffix(r[10], "BYE") {
			t.Errorf("trace_attrs %q", r[10])
		}
		if !strings.Contains(r[11], "Call-ID: "+callid) || r[9] == "" {
			t.Errorf("row %v: message or from tag", r[:11])
		}
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("sip_trace rows:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}

	// The capture server stored the same messages from the HEP packets:
	// addresses from the packet, not from the proxy's socket.
	ccols := []string{"method", "reply_reason", "source_ip", "source_port", "destination_ip", "destination_port",
		"proto", "family", "type", "node", "correlation_id", "callid", "micro_ts", "msg", "from_tag", "cseq"}
	var crow [][]string
	captureWait(len(want), func() int { crow = captureRows(t, capDB, "sip_capture", "callid", callid, ccols); return len(crow) })
	if len(crow) != len(want) {
		t.Fatalf("sip_capture has %d rows for %s, want %d\n%s", len(crow), callid, len(want), capSrv.Logs())
	}
	var cgot []string
	now := time.Now().UnixMicro()
	for _, r := range crow {
		dir := "out"
		if role(r[5]) == "PROXY" {
			dir = "in"
		}
		cgot = append(cgot, fmt.Sprintf("%s %s - %s>%s", dir, r[0], role(r[3]), role(r[5])))
		if r[6] != "17" || r[7] != "2" || r[9] != "homer01:1" || r[10] != callid {
			t.Errorf("capture row %v: proto 17, family 2, node homer01:1, correlation id %s", r[:12], callid)
		}
		if ts, _ := strconv.ParseInt(r[12], 10, 64); ts < now-60_000_000 || ts > now+1_000_000 {
			t.Errorf("micro_ts %s not now (%d)", r[12], now)
		}
		if (r[8] == "1") != !strings.HasPrefix(r[13], "SIP/2.0 ") {
			t.Errorf("type %s for %.20q", r[8], r[13])
		}
	}
	slices.Sort(cgot)
	sortedWant := slices.Clone(want)
	slices.Sort(sortedWant)
	if strings.Join(cgot, "\n") != strings.Join(sortedWant, "\n") {
		t.Errorf("sip_capture rows:\n%s\nwant:\n%s", strings.Join(cgot, "\n"), strings.Join(sortedWant, "\n"))
	}
	if !strings.Contains(capSrv.Logs(), "captured v3 INVITE from 127.0.0.1 si=127.0.0.1:"+strconv.Itoa(uacPort)) {
		t.Errorf("$HEPVERSION/$hep_net/$si in the capture route:\n%s", capSrv.Logs())
	}

	// The TCP collector got the same messages as HEPv3 packets.
	captureWait(len(want), func() int { return len(tcpColl.Packets()) })
	pkts := tcpColl.Packets()
	if len(pkts) != len(want) {
		t.Fatalf("tcp collector got %d packets, want %d", len(pkts), len(want))
	}
	for i, b := range pkts {
		p, err := hep.Decode(b)
		if err != nil {
			t.Fatalf("packet %d: %v", i, err)
		}
		c, ok := p.Chunk(0, hep.ChunkCorrelationID)
		if p.Version != 3 || p.Proto != hep.IPProtoUDP || p.ProtoType != hep.TypeSIP || p.CaptureID != 1 || !ok || string(c.Data) != callid {
			t.Errorf("packet %d: %+v", i, p)
		}
		if !strings.Contains(string(p.Payload), "Call-ID: "+callid) {
			t.Errorf("packet %d payload %.60q", i, p.Payload)
		}
		if p.Src.Addr() != netip.MustParseAddr("127.0.0.1") {
			t.Errorf("packet %d from %s", i, p.Src)
		}
	}
	_ = sipcapture.CaptureTable
}
