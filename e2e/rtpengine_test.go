package e2e

import (
	"encoding/binary"
	"fmt"
	"net"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"gosips/internal/bencode"
	"gosips/internal/testenv"
)

// rtpeDaemon is an rtpengine started in userspace mode on loopback.
type rtpeDaemon struct {
	NG, UDP          int // ng and rtpproxy-protocol control ports
	PortMin, PortMax int
	seq              int
	cmd              *exec.Cmd
	logs             *syncBuffer
	done             chan struct{}
}

// mediaBase hands out private RTP port ranges, distinct per process.
var mediaBase = 30000 + (os.Getpid()%100)*200

// startRtpengine runs /usr/bin/rtpengine until the test ends (or kill).
func startRtpengine(t *testing.T) *rtpeDaemon {
	t.Helper()
	bin := testenv.Tool(t, "rtpengine", "rtpengine-daemon")
	d := &rtpeDaemon{NG: freePort(t), UDP: freePort(t), PortMin: mediaBase, PortMax: mediaBase + 99,
		logs: &syncBuffer{}, done: make(chan struct{})}
	mediaBase += 100
	d.cmd = exec.Command(bin, "--table=-1", "--foreground", "--log-stderr", "--log-level=6",
		"--config-file=none", "--interface=127.0.0.1",
		fmt.Sprintf("--listen-ng=127.0.0.1:%d", d.NG), fmt.Sprintf("--listen-udp=127.0.0.1:%d", d.UDP),
		fmt.Sprintf("--port-min=%d", d.PortMin), fmt.Sprintf("--port-max=%d", d.PortMax),
		"--delete-delay=0", "--num-threads=2")
	d.cmd.Stdout, d.cmd.Stderr = d.logs, d.logs
	if err := d.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { d.cmd.Wait(); close(d.done) }()
	t.Cleanup(func() {
		d.kill()
		if t.Failed() {
			t.Logf("rtpengine %d logs:\n%s", d.NG, d.logs.String())
		}
	})
	if !eventually(5*time.Second, func() bool {
		r, err := d.ng(map[string]any{"command": "ping"})
		return err == nil && r["result"] == "pong"
	}) {
		t.Fatalf("rtpengine did not answer ping:\n%s", d.logs.String())
	}
	return d
}

func (d *rtpeDaemon) kill() {
	select {
	case <-d.done:
		return
	default:
	}
	d.cmd.Process.Kill()
	<-d.done
}

// ng sends one ng command and returns the answer.
func (d *rtpeDaemon) ng(cmd map[string]any) (map[string]any, error) {
	c, err := net.Dial("udp", fmt.Sprintf("127.0.0.1:%d", d.NG))
	if err != nil {
		return nil, err
	}
	defer c.Close()
	d.seq++
	b, err := bencode.Encode([]byte(fmt.Sprintf("t%d-%d ", os.Getpid(), d.seq)), cmd)
	if err != nil {
		return nil, err
	}
	if _, err := c.Write(b); err != nil {
		return nil, err
	}
	c.SetReadDeadline(time.Now().Add(time.Second))
	buf := make([]byte, 65536)
	n, err := c.Read(buf)
	if err != nil {
		return nil, err
	}
	_, body, _ := strings.Cut(string(buf[:n]), " ")
	v, err := bencode.Decode([]byte(body))
	if err != nil {
		return nil, err
	}
	m, _ := v.(map[string]any)
	return m, nil
}

// calls lists the Call-IDs the daemon holds.
func (d *rtpeDaemon) calls(t *testing.T) []string {
	t.Helper()
	r, err := d.ng(map[string]any{"command": "list"})
	if err != nil {
		t.Fatalf("rtpengine list: %v", err)
	}
	var out []string
	l, _ := r["calls"].([]any)
	for _, c := range l {
		s, _ := c.(string)
		out = append(out, s)
	}
	return out
}

// mediaPeer is an RTP endpoint.
type mediaPeer struct {
	conn *net.UDPConn
}

func newMediaPeer(t *testing.T) *mediaPeer {
	c, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return &mediaPeer{conn: c}
}

func (p *mediaPeer) port() int { return p.conn.LocalAddr().(*net.UDPAddr).Port }

// rtp builds a PCMU packet.
func rtp(seq uint16, ssrc uint32) []byte {
	b := make([]byte, 12+160)
	b[0] = 0x80
	binary.BigEndian.PutUint16(b[2:], seq)
	binary.BigEndian.PutUint32(b[4:], uint32(seq)*160)
	binary.BigEndian.PutUint32(b[8:], ssrc)
	for i := 12; i < len(b); i++ {
		b[i] = 0xff
	}
	return b
}

func sdpOffer(port int, sessID string) string {
	return "v=0\r\no=- " + sessID + " 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n" +
		fmt.Sprintf("m=audio %d RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\na=sendrecv\r\n", port)
}

// sdpAddr returns the c= address and m= port of an SDP body.
func sdpAddr(msg string) (string, int) {
	_, body, _ := strings.Cut(msg, "\r\n\r\n")
	ip, port := "", 0
	for _, l := range strings.Split(body, "\r\n") {
		if strings.HasPrefix(l, "c=IN IP4 ") {
			ip = strings.TrimPrefix(l, "c=IN IP4 ")
		}
		if strings.HasPrefix(l, "m=audio ") {
			port, _ = strconv.Atoi(strings.Fields(l)[1])
		}
	}
	return ip, port
}

// relayCfg is a proxy relaying media with rtpengine or rtpproxy; OFFER
// and ANSWER are the functions, SOCKS the module's socket parameter,
// DELETE the teardown call.
const relayCfg = `
log_level = 3
stderror_enabled = yes
socket = udp:127.0.0.1:PORT

loadmodule "proto_udp.so"
loadmodule "signaling.so"
loadmodule "sl.so"
loadmodule "tm.so"
loadmodule "rr.so"
loadmodule "sipmsgops.so"
loadmodule "httpd.so"
loadmodule "mi_http.so"
loadmodule "MODULE.so"

modparam("httpd", "port", HTTPPORT)
SOCKS

route {
	if (has_totag()) {
		if (loose_route()) {
			if (is_method("BYE")) {
				DELETE;
			}
			t_relay();
			exit;
		}
		if (is_method("ACK") && t_check_trans())
			t_relay();
		exit;
	}
	if (is_method("INVITE")) {
		record_route();
		if (!OFFER) {
			sl_send_reply(500, "No media relay");
			exit;
		}
		t_on_reply("media");
	}
	$du = "sip:127.0.0.1:UASPORT";
	t_relay();
}

onreply_route[media] {
	if (has_body("application/sdp"))
		ANSWER;
}
`

// relayCall runs one call caller → gosips → uas with media, checks the
// SDP rewriting and the RTP flow, and hangs up. It returns the relay port
// offered to the UAS.
func relayCall(t *testing.T, srvPort int, caller, uas *udpClient, callID string, check func(port int)) (bye string) {
	t.Helper()
	a, b := newMediaPeer(t), newMediaPeer(t)
	offer := sdpOffer(a.port(), "1001")
	caller.Send(srvPort, fmt.Sprintf(`INVITE sip:uas@127.0.0.1 SIP/2.0
Via: SIP/2.0/UDP 127.0.0.1:LPORT;branch=z9hG4bK-%s-1
From: <sip:caller@127.0.0.1>;tag=ct1
To: <sip:uas@127.0.0.1>
Call-ID: %s
CSeq: 1 INVITE
Contact: <sip:caller@127.0.0.1:LPORT>
Max-Forwards: 70
Content-Type: application/sdp
Content-Length: %d

%s`, callID, callID, len(offer), offer))
	inv := uas.Recv(8 * time.Second)
	if !strings.HasPrefix(inv, "INVITE ") {
		t.Fatalf("UAS got %q, want the INVITE", inv)
	}
	ip, relayToB := sdpAddr(inv)
	if ip != "127.0.0.1" || relayToB == a.port() || relayToB == 0 {
		t.Fatalf("offer not rewritten: c=%s m=%d (caller media %d)\n%s", ip, relayToB, a.port(), inv)
	}
	check(relayToB)
	answer := sdpOffer(b.port(), "2002")
	var rr strings.Builder
	for _, v := range headers(inv, "Record-Route") {
		rr.WriteString("Record-Route: " + v + "\r\n")
	}
	ok := fmt.Sprintf("SIP/2.0 200 OK\r\nVia: %s\r\nFrom: %s\r\nTo: %s;tag=ut1\r\nCall-ID: %s\r\nCSeq: 1 INVITE\r\n%s"+
		"Contact: <sip:uas@127.0.0.1:%d>\r\nContent-Type: application/sdp\r\nContent-Length: %d\r\n\r\n%s",
		strings.Join(headers(inv, "Via"), "\r\nVia: "), header(inv, "From"), header(inv, "To"), callID, rr.String(),
		uas.Port(), len(answer), answer)
	uas.SendRaw(srvPort, []byte(ok))
	r := caller.RecvFinal(5 * time.Second)
	if statusCode(r) != "200" {
		t.Fatalf("caller got %q, want 200", r)
	}
	_, relayToA := sdpAddr(r)
	if relayToA == b.port() || relayToA == 0 {
		t.Fatalf("answer not rewritten: m=%d (uas media %d)\n%s", relayToA, b.port(), r)
	}
	route := header(r, "Record-Route")
	caller.Send(srvPort, fmt.Sprintf(`ACK sip:uas@127.0.0.1:%d SIP/2.0
Via: SIP/2.0/UDP 127.0.0.1:LPORT;branch=z9hG4bK-%s-2
Route: %s
From: <sip:caller@127.0.0.1>;tag=ct1
To: <sip:uas@127.0.0.1>;tag=ut1
Call-ID: %s
CSeq: 1 ACK
Max-Forwards: 70
Content-Length: 0

`, uas.Port(), callID, route, callID))
	if ack := uas.Recv(3 * time.Second); !strings.HasPrefix(ack, "ACK ") {
		t.Fatalf("UAS got %q, want the ACK", ack)
	}

	// RTP: A -> relay -> B, and B echoes back through the relay to A.
	relayA := &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1), Port: relayToA}
	buf := make([]byte, 2048)
	var fromRelay *net.UDPAddr
	got := 0
	for seq := uint16(1); seq <= 20 && got < 3; seq++ {
		a.conn.WriteToUDP(rtp(seq, 0x1234), relayA)
		b.conn.SetReadDeadline(time.Now().Add(200 * time.Millisecond))
		n, from, err := b.conn.ReadFromUDP(buf)
		if err != nil {
			continue
		}
		if n != 172 {
			t.Fatalf("B got %d bytes, want 172", n)
		}
		fromRelay = from
		got++
		b.conn.WriteToUDP(buf[:n], from) // echo
	}
	if got < 3 {
		t.Fatalf("RTP from the caller did not reach the callee through the relay (got %d)", got)
	}
	if fromRelay.Port != relayToB {
		t.Errorf("callee got RTP from port %d, want the relay port %d it was offered", fromRelay.Port, relayToB)
	}
	a.conn.SetReadDeadline(time.Now().Add(time.Second))
	if n, from, err := a.conn.ReadFromUDP(buf); err != nil || n != 172 || from.Port != relayToA {
		t.Fatalf("echo did not come back to the caller through the relay: %v %v", from, err)
	}

	caller.Send(srvPort, fmt.Sprintf(`BYE sip:uas@127.0.0.1:%d SIP/2.0
Via: SIP/2.0/UDP 127.0.0.1:LPORT;branch=z9hG4bK-%s-3
Route: %s
From: <sip:caller@127.0.0.1>;tag=ct1
To: <sip:uas@127.0.0.1>;tag=ut1
Call-ID: %s
CSeq: 2 BYE
Max-Forwards: 70
Content-Length: 0

`, uas.Port(), callID, route, callID))
	bye = uas.Recv(5 * time.Second)
	if !strings.HasPrefix(bye, "BYE ") {
		t.Fatalf("UAS got %q, want the BYE", bye)
	}
	byeOK := fmt.Sprintf("SIP/2.0 200 OK\r\nVia: %s\r\nFrom: %s\r\nTo: %s\r\nCall-ID: %s\r\nCSeq: 2 BYE\r\nContent-Length: 0\r\n\r\n",
		strings.Join(headers(bye, "Via"), "\r\nVia: "), header(bye, "From"), header(bye, "To"), callID)
	uas.SendRaw(srvPort, []byte(byeOK))
	if r := caller.RecvFinal(5 * time.Second); statusCode(r) != "200" {
		t.Fatalf("BYE: caller got %q", r)
	}
	return bye
}

// callIDFor returns a Call-ID whose byte sum selects node idx of n equal
// weight nodes (the OpenSIPS balancing hash).
func callIDFor(prefix string, idx, n int) string {
	for i := 0; ; i++ {
		id := fmt.Sprintf("%s-%d@test", prefix, i)
		sum := 0
		for _, c := range []byte(id) {
			sum += int(c)
		}
		if (sum&0xff)%n == idx {
			return id
		}
	}
}

func startRelayServer(t *testing.T, module, socks, offer, answer, del string) (*server, *udpClient, *udpClient, int) {
	t.Helper()
	uas := newUDPClient(t)
	httpPort := freePort(t)
	cfg := strings.NewReplacer("MODULE", module, "SOCKS", socks, "OFFER", offer, "ANSWER", answer,
		"DELETE", del, "UASPORT", strconv.Itoa(uas.Port()), "HTTPPORT", strconv.Itoa(httpPort)).Replace(relayCfg)
	srv := startServer(t, cfg)
	return srv, newUDPClient(t), uas, httpPort
}

func TestRtpengineOfferAnswerFailover(t *testing.T) {
	e1, e2 := startRtpengine(t), startRtpengine(t)
	socks := fmt.Sprintf(`modparam("rtpengine", "rtpengine_sock", "udp:127.0.0.1:%d udp:127.0.0.1:%d")
modparam("rtpengine", "rtpengine_tout", 1)
modparam("rtpengine", "rtpengine_retr", 2)`, e1.NG, e2.NG)
	srv, caller, uas, httpPort := startRelayServer(t, "rtpengine", socks,
		`rtpengine_offer("replace-origin replace-session-connection")`, "rtpengine_answer()",
		`append_hf("X-RTP-Stat: $rtpstat\r\nX-MOS: $rtpstat(MOS-average) $(rtpstat(MOS-min)[$ft])\r\n"); rtpengine_delete()`)

	inRange := func(d *rtpeDaemon) func(int) {
		return func(p int) {
			if p < d.PortMin || p > d.PortMax {
				t.Errorf("relay port %d outside rtpengine %d's range %d-%d", p, d.NG, d.PortMin, d.PortMax)
			}
		}
	}
	id1 := callIDFor("rtpe-a", 0, 2)
	bye := relayCall(t, srv.Port, caller, uas, id1, inRange(e1))
	// $rtpstat (read before the delete, so from a query): 3 packets each
	// way, 172 bytes each.
	if st := header(bye, "X-RTP-Stat"); !strings.HasPrefix(st, "RTP: 1032 bytes, 6 packets, 0 errors; RTCP: ") {
		t.Errorf("X-RTP-Stat: %q", st)
	}
	// No RTCP was sent, so rtpengine has no MOS figures: NULL, as OpenSIPS.
	if mos := header(bye, "X-MOS"); mos != "<null> <null>" {
		t.Errorf("X-MOS: %q", mos)
	}
	if calls := e1.calls(t); len(calls) != 0 {
		t.Errorf("rtpengine 1 still holds %v after the BYE", calls)
	}

	// The first rtpengine dies: a call that hashes to it moves to the second.
	e1.kill()
	id2 := callIDFor("rtpe-b", 0, 2)
	relayCall(t, srv.Port, caller, uas, id2, func(p int) {
		inRange(e2)(p)
		if calls := e2.calls(t); len(calls) != 1 || calls[0] != id2 {
			t.Errorf("rtpengine 2 holds %v, want [%s]", calls, id2)
		}
	})
	if calls := e2.calls(t); len(calls) != 0 {
		t.Errorf("rtpengine 2 still holds %v after the BYE", calls)
	}

	raw, err := miCall(t, httpPort, "rtpengine_show", nil)
	if err != nil {
		t.Fatal(err)
	}
	s := string(raw)
	want1 := fmt.Sprintf(`"url":"udp:127.0.0.1:%d","index":0,"disabled":1`, e1.NG)
	want2 := fmt.Sprintf(`"url":"udp:127.0.0.1:%d","index":1,"disabled":0`, e2.NG)
	if !strings.Contains(s, want1) || !strings.Contains(s, want2) {
		t.Errorf("rtpengine_show = %s", s)
	}
	if _, err := miCall(t, httpPort, "rtpengine_enable", map[string]any{"url": "udp:127.0.0.1:1", "enable": 1}); err == nil ||
		!strings.Contains(err.Error(), "RTP engine not found") {
		t.Errorf("rtpengine_enable of an unknown url: %v", err)
	}
}

func TestRtpproxyOfferAnswerFailover(t *testing.T) {
	e1, e2 := startRtpengine(t), startRtpengine(t)
	socks := fmt.Sprintf(`modparam("rtpproxy", "rtpproxy_sock", "udp:127.0.0.1:%d udp:127.0.0.1:%d")
modparam("rtpproxy", "rtpproxy_timeout", "0.5")
modparam("rtpproxy", "rtpproxy_retr", 2)`, e1.UDP, e2.UDP)
	srv, caller, uas, httpPort := startRelayServer(t, "rtpproxy", socks, "rtpproxy_offer()", "rtpproxy_answer()", "rtpproxy_unforce()")

	inRange := func(d *rtpeDaemon) func(int) {
		return func(p int) {
			if p < d.PortMin || p > d.PortMax {
				t.Errorf("relay port %d outside rtpengine %d's range %d-%d", p, d.UDP, d.PortMin, d.PortMax)
			}
		}
	}
	id1 := callIDFor("rtpp-a", 0, 2)
	relayCall(t, srv.Port, caller, uas, id1, inRange(e1))
	if calls := e1.calls(t); len(calls) != 0 {
		t.Errorf("relay 1 still holds %v after the BYE", calls)
	}

	e1.kill()
	id2 := callIDFor("rtpp-b", 0, 2)
	relayCall(t, srv.Port, caller, uas, id2, func(p int) {
		inRange(e2)(p)
		if calls := e2.calls(t); len(calls) != 1 || calls[0] != id2 {
			t.Errorf("relay 2 holds %v, want [%s]", calls, id2)
		}
	})
	if calls := e2.calls(t); len(calls) != 0 {
		t.Errorf("relay 2 still holds %v after the BYE", calls)
	}
	raw, err := miCall(t, httpPort, "rtpproxy_show", nil)
	if err != nil {
		t.Fatal(err)
	}
	want1 := fmt.Sprintf(`"url":"udp:127.0.0.1:%d","index":0,"disabled":1`, e1.UDP)
	if !strings.Contains(string(raw), want1) {
		t.Errorf("rtpproxy_show = %s", raw)
	}
}

func TestRtpengineManage(t *testing.T) {
	e := startRtpengine(t)
	socks := fmt.Sprintf(`modparam("rtpengine", "rtpengine_sock", "udp:127.0.0.1:%d")`, e.NG)
	srv, caller, uas, _ := startRelayServer(t, "rtpengine", socks, "rtpengine_manage()", "rtpengine_manage()", "rtpengine_manage()")
	id := "manage-1@test"
	relayCall(t, srv.Port, caller, uas, id, func(p int) {
		if calls := e.calls(t); len(calls) != 1 || calls[0] != id {
			t.Errorf("rtpengine holds %v, want [%s]", calls, id)
		}
	})
	if calls := e.calls(t); len(calls) != 0 {
		t.Errorf("rtpengine still holds %v after the BYE", calls)
	}
}

// TestRelayNodesFromDatabase loads rtpengine and rtpproxy nodes from the
// OpenSIPS tables (created with OpenSIPS' own SQL) and reloads them by MI.
func TestRelayNodesFromDatabase(t *testing.T) {
	sqlite := testenv.Tool(t, "sqlite3", "sqlite3")
	dir := t.TempDir()
	dbPath := dir + "/opensips.db"
	sql := "CREATE TABLE version (table_name CHAR(32) NOT NULL, table_version INTEGER DEFAULT 0 NOT NULL);\n"
	// OpenSIPS 3.6 scripts/sqlite/rtpengine-create.sql and rtpproxy-create.sql.
	sql += "INSERT INTO version VALUES ('rtpengine','1');\n" +
		"CREATE TABLE rtpengine (id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL, socket TEXT NOT NULL, set_id INTEGER NOT NULL);\n" +
		"INSERT INTO version VALUES ('rtpproxy_sockets','0');\n" +
		"CREATE TABLE rtpproxy_sockets (id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL, rtpproxy_sock TEXT NOT NULL, set_id INTEGER NOT NULL);\n"
	sql += "INSERT INTO rtpengine (socket, set_id) VALUES ('udp:127.0.0.1:1', 0);\n" +
		"INSERT INTO rtpproxy_sockets (rtpproxy_sock, set_id) VALUES ('udp:127.0.0.1:2 udp:127.0.0.1:3=4', 2);\n"
	sqlExec := func(s string) {
		cmd := exec.Command(sqlite, dbPath)
		cmd.Stdin = strings.NewReader(s)
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("sqlite3: %v\n%s", err, out)
		}
	}
	sqlExec(sql)
	httpPort := freePort(t)
	cfg := fmt.Sprintf(`
log_level = 3
stderror_enabled = yes
socket = udp:127.0.0.1:PORT
loadmodule "proto_udp.so"
loadmodule "db_sqlite.so"
loadmodule "httpd.so"
loadmodule "mi_http.so"
loadmodule "rtpengine.so"
loadmodule "rtpproxy.so"
modparam("httpd", "port", %d)
modparam("rtpengine", "db_url", "sqlite://%s")
modparam("rtpengine", "rtpengine_tout", 1)
modparam("rtpengine", "rtpengine_retr", 1)
modparam("rtpproxy", "db_url", "sqlite://%s")
modparam("rtpproxy", "rtpproxy_timeout", "0.2")
modparam("rtpproxy", "rtpproxy_retr", 1)
route { exit; }
`, httpPort, dbPath, dbPath)
	startServer(t, cfg)
	show := func(cmd string) string {
		raw, err := miCall(t, httpPort, cmd, nil)
		if err != nil {
			t.Fatalf("%s: %v", cmd, err)
		}
		return string(raw)
	}
	if s := show("rtpengine_show"); !strings.Contains(s, `{"Set":0,"Nodes":[{"url":"udp:127.0.0.1:1","index":0,"disabled":1,"weight":1`) {
		t.Errorf("rtpengine_show = %s", s)
	}
	if s := show("rtpproxy_show"); !strings.Contains(s, `"url":"udp:127.0.0.1:3","index":1,"disabled":1,"weight":4`) ||
		!strings.Contains(s, `"Set":2`) {
		t.Errorf("rtpproxy_show = %s", s)
	}
	sqlExec("INSERT INTO rtpengine (socket, set_id) VALUES ('udp:127.0.0.1:4=3', 1);\n")
	if r := show("rtpengine_reload"); r != `"OK"` {
		t.Errorf("rtpengine_reload = %s", r)
	}
	if s := show("rtpengine_show"); !strings.Contains(s, `{"Set":1,"Nodes":[{"url":"udp:127.0.0.1:4","index":1,"disabled":0,"weight":3`) {
		t.Errorf("rtpengine_show after reload = %s", s)
	}
	if r := show("rtpproxy_reload"); r != `"OK"` {
		t.Errorf("rtpproxy_reload = %s", r)
	}
}

// TestRtpproxyEngage relays a call with rtpproxy_engage() alone against
// rtpengine's rtpproxy-protocol socket: the dialog rewrites the answer
// in the 200 OK and deletes the session on the BYE.
func TestRtpproxyEngage(t *testing.T) {
	e := startRtpengine(t)
	socks := fmt.Sprintf(`loadmodule "dialog.so"
modparam("rtpproxy", "rtpproxy_sock", "udp:127.0.0.1:%d")`, e.UDP)
	srv, caller, uas, _ := startRelayServer(t, "rtpproxy", socks, `rtpproxy_engage("co")`, "$var(answer) = 1", "$var(bye) = 1")
	id := "engage-1@test"
	relayCall(t, srv.Port, caller, uas, id, func(p int) {
		if p < e.PortMin || p > e.PortMax {
			t.Errorf("relay port %d outside rtpengine's range %d-%d", p, e.PortMin, e.PortMax)
		}
		if calls := e.calls(t); len(calls) != 1 || calls[0] != id {
			t.Errorf("rtpengine holds %v, want [%s]", calls, id)
		}
	})
	if !eventually(2*time.Second, func() bool { return len(e.calls(t)) == 0 }) {
		t.Errorf("rtpengine still holds %v after the BYE", e.calls(t))
	}

	// A call turned down: the session goes with the failed dialog.
	id = "engage-2@test"
	relayRejectedCall(t, e, srv.Port, caller, uas, id, "z9hG4bK-eng2")
}

// relayRejectedCall sends an INVITE with SDP that the UAS turns down with
// 486: rtpengine holds the session while the INVITE is pending and drops
// it with the failed call.
func relayRejectedCall(t *testing.T, e *rtpeDaemon, srvPort int, caller, uas *udpClient, id, branch string) {
	t.Helper()
	offer := sdpOffer(newMediaPeer(t).port(), "1003")
	caller.Send(srvPort, fmt.Sprintf("INVITE sip:uas@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:LPORT;branch=%s\r\n"+
		"From: <sip:caller@127.0.0.1>;tag=ct2\r\nTo: <sip:uas@127.0.0.1>\r\nCall-ID: %s\r\nCSeq: 1 INVITE\r\n"+
		"Contact: <sip:caller@127.0.0.1:LPORT>\r\nMax-Forwards: 70\r\nContent-Type: application/sdp\r\nContent-Length: %d\r\n\r\n%s",
		branch, id, len(offer), offer))
	inv := uas.Recv(5 * time.Second)
	if !strings.HasPrefix(inv, "INVITE ") {
		t.Fatalf("UAS got %q, want the INVITE", inv)
	}
	if calls := e.calls(t); len(calls) != 1 || calls[0] != id {
		t.Errorf("rtpengine holds %v during the second call, want [%s]", calls, id)
	}
	uas.SendRaw(srvPort, []byte(fmt.Sprintf("SIP/2.0 486 Busy Here\r\nVia: %s\r\nFrom: %s\r\nTo: %s;tag=busy\r\nCall-ID: %s\r\nCSeq: 1 INVITE\r\nContent-Length: 0\r\n\r\n",
		strings.Join(headers(inv, "Via"), "\r\nVia: "), header(inv, "From"), header(inv, "To"), id)))
	if r := caller.RecvFinal(5 * time.Second); statusCode(r) != "486" {
		t.Fatalf("caller got %q, want 486", r)
	}
	if !eventually(2*time.Second, func() bool { return len(e.calls(t)) == 0 }) {
		t.Errorf("rtpengine still holds %v after the 486", e.calls(t))
	}
}
