package e2e

import (
	"crypto/tls"
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"
)

// wsProxyCfg is a registrar and proxy with a UDP and a WebSocket socket.
// Contacts registered over WebSocket are unreachable by their own URI
// (RFC 7118 clients use an .invalid host), so REGISTER stores the source
// address as received (fix_nated_register) and replies from WebSocket
// get their Contact fixed, as OpenSIPS WebRTC configs do.
const wsProxyCfg = `
socket = udp:127.0.0.1:PORT
socket = WSSOCK
log_level = 3

loadmodule "proto_udp.so"
loadmodule "proto_WSMOD.so"
loadmodule "signaling.so"
loadmodule "sl.so"
loadmodule "sipmsgops.so"
loadmodule "tm.so"
loadmodule "rr.so"
loadmodule "maxfwd.so"
loadmodule "usrloc.so"
loadmodule "registrar.so"
loadmodule "nathelper.so"
WSPARAMS
modparam("nathelper", "received_avp", "$avp(rcv)")
modparam("registrar", "received_avp", "$avp(rcv)")

route {
	if (!mf_process_maxfwd_header(10)) {
		sl_send_reply(483, "Too Many Hops");
		exit;
	}
	if (has_totag()) {
		if (loose_route()) {
			if (is_method("INVITE|ACK|BYE") && ($socket_in(proto) == "ws" || $socket_in(proto) == "wss"))
				fix_nated_contact();
			t_relay();
			exit;
		}
		if (is_method("ACK")) {
			if (t_check_trans())
				t_relay();
			exit;
		}
		sl_send_reply(404, "Not here");
		exit;
	}
	if (is_method("REGISTER")) {
		if ($socket_in(proto) == "ws" || $socket_in(proto) == "wss")
			fix_nated_register();
		if (!save("location"))
			sl_reply_error();
		exit;
	}
	if (is_method("INVITE"))
		record_route();
	if (!lookup("location")) {
		t_reply(404, "Not Found");
		exit;
	}
	t_on_reply("fix");
	t_relay();
}

onreply_route[fix] {
	if ($socket_in(proto) == "ws" || $socket_in(proto) == "wss")
		fix_nated_contact();
}
`

// wsCfg fills wsProxyCfg for a ws socket on wsPort.
func wsCfg(wsPort int, params string) string {
	cfg := strings.ReplaceAll(wsProxyCfg, "WSSOCK", fmt.Sprintf("ws:127.0.0.1:%d", wsPort))
	cfg = strings.ReplaceAll(cfg, "WSMOD", "ws")
	return strings.ReplaceAll(cfg, "WSPARAMS", params)
}

// wssCfg fills wsProxyCfg for a wss socket on port whose certificate
// comes from a tls_mgm server domain, issued by the returned test CA.
func wssCfg(t *testing.T, port int) (string, *tlsPKI) {
	t.Helper()
	pki := newTLSPKI(t, "gosips wss test CA")
	_, cert, key := pki.issue(t, "wss.gosips.test", 2)
	params := fmt.Sprintf(`loadmodule "tls_openssl.so"
loadmodule "tls_mgm.so"
modparam("tls_mgm", "server_domain", "wss")
modparam("tls_mgm", "match_ip_address", "[wss]127.0.0.1:%d")
modparam("tls_mgm", "certificate", "[wss]%s")
modparam("tls_mgm", "private_key", "[wss]%s")
modparam("tls_mgm", "verify_cert", "[wss]0")
modparam("tls_mgm", "require_cert", "[wss]0")`, port, cert, key)
	cfg := strings.ReplaceAll(wsProxyCfg, "WSSOCK", fmt.Sprintf("wss:127.0.0.1:%d", port))
	cfg = strings.ReplaceAll(cfg, "WSMOD", "wss")
	return strings.ReplaceAll(cfg, "WSPARAMS", params), pki
}

// wsPhone is a SIP phone on one WebSocket connection, as a browser
// phone is: each WebSocket message is one SIP message.
type wsPhone struct {
	t    *testing.T
	c    *websocket.Conn
	msgs chan string
}

// dialWSPhone connects to url offering the "sip" subprotocol.
func dialWSPhone(t *testing.T, url string, d *websocket.Dialer, hdr http.Header) *wsPhone {
	t.Helper()
	if d == nil {
		d = &websocket.Dialer{HandshakeTimeout: 3 * time.Second}
	}
	if hdr == nil {
		hdr = http.Header{"Origin": {"http://127.0.0.1"}}
	}
	d.Subprotocols = []string{"sip"}
	c, resp, err := d.Dial(url, hdr)
	if err != nil {
		t.Fatalf("websocket dial %s: %v (%v)", url, err, resp)
	}
	if resp.Header.Get("Sec-WebSocket-Protocol") != "sip" {
		t.Fatalf("handshake answered protocol %q", resp.Header.Get("Sec-WebSocket-Protocol"))
	}
	p := &wsPhone{t: t, c: c, msgs: make(chan string, 64)}
	t.Cleanup(func() { c.Close() })
	go func() {
		defer close(p.msgs)
		for {
			_, b, err := c.ReadMessage()
			if err != nil {
				return
			}
			p.msgs <- string(b)
		}
	}()
	return p
}

// Send writes one SIP message (CRLF line ends) in one text message.
func (p *wsPhone) Send(msg string) {
	p.t.Helper()
	msg = strings.ReplaceAll(strings.ReplaceAll(msg, "\r\n", "\n"), "\n", "\r\n")
	p.c.SetWriteDeadline(time.Now().Add(3 * time.Second))
	if err := p.c.WriteMessage(websocket.TextMessage, []byte(msg)); err != nil {
		p.t.Fatal(err)
	}
}

// Recv waits for one message ("" after the timeout or on close).
func (p *wsPhone) Recv(timeout time.Duration) string {
	select {
	case m := <-p.msgs:
		return m
	case <-time.After(timeout):
		return ""
	}
}

// RecvRequest waits for a request of method, skipping anything else.
func (p *wsPhone) RecvRequest(method string, timeout time.Duration) string {
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		m := p.Recv(time.Until(deadline))
		if m == "" {
			return ""
		}
		if strings.HasPrefix(m, method+" ") {
			return m
		}
	}
	return ""
}

// wsInvalidHost is the kind of host RFC 7118 §5.2 clients put in Via and
// Contact: it resolves nowhere.
const wsInvalidHost = "df7jal23ls0d.invalid"

func wsRegister(user, callID string, cseq int, expires string) string {
	return fmt.Sprintf(`REGISTER sip:127.0.0.1 SIP/2.0
Via: SIP/2.0/WS %[3]s;branch=z9hG4bK-%[2]s-%[4]d
From: <sip:%[1]s@127.0.0.1>;tag=ws%[2]s
To: <sip:%[1]s@127.0.0.1>
Call-ID: %[2]s
CSeq: %[4]d REGISTER
Contact: <sip:%[1]s@%[3]s;transport=ws>;expires=%[5]s
Max-Forwards: 70
Content-Length: 0

`, user, callID, wsInvalidHost, cseq, expires)
}

// wsRegistered registers user on phone for 600 s and returns the 200.
func wsRegistered(t *testing.T, phone *wsPhone, user, callID string) string {
	t.Helper()
	phone.Send(wsRegister(user, callID, 1, "600"))
	reply := phone.Recv(5 * time.Second)
	if statusCode(reply) != "200" {
		t.Fatalf("REGISTER %s over websocket: %q", user, reply)
	}
	return reply
}

// wsAnswer plays the callee side of uac_call.xml on phone: 180 and 200
// to the INVITE, then 200 to the BYE. It returns the INVITE and the BYE
// as received.
func wsAnswer(t *testing.T, phone *wsPhone, user string) (invite, bye string) {
	t.Helper()
	invite = phone.RecvRequest("INVITE", 10*time.Second)
	if invite == "" {
		t.Fatal("no INVITE over the websocket")
	}
	contact := fmt.Sprintf("Contact: <sip:%s@%s;transport=ws>", user, wsInvalidHost)
	phone.Send(sipReply(invite, "180 Ringing", "wsans"))
	phone.Send(sipReply(invite, "200 OK", "wsans", contact))
	if ack := phone.RecvRequest("ACK", 5*time.Second); ack == "" {
		t.Error("no ACK over the websocket")
	}
	bye = phone.RecvRequest("BYE", 10*time.Second)
	if bye == "" {
		t.Fatal("no BYE over the websocket")
	}
	phone.Send(sipReply(bye, "200 OK", ""))
	return invite, bye
}

// A phone registers over WebSocket and receives a call from a UDP sipp
// caller over its own connection: INVITE, ACK and BYE reach it, sipp
// sees the 200 OK and the 200 to its BYE.
func TestWSRegisterAndCall(t *testing.T) {
	needSipp(t)
	wsPort := freePort(t)
	srv := startServer(t, wsCfg(wsPort, ""))
	wsCallThrough(t, srv, fmt.Sprintf("ws://127.0.0.1:%d/", wsPort), nil, "WS", wsPort)
}

// The same over wss, with the certificate of a tls_mgm server domain
// (the phone trusts only the test CA).
func TestWSSRegisterAndCall(t *testing.T) {
	needSipp(t)
	wssPort := freePort(t)
	cfg, pki := wssCfg(t, wssPort)
	srv := startServer(t, cfg)
	d := &websocket.Dialer{HandshakeTimeout: 3 * time.Second, TLSClientConfig: &tls.Config{RootCAs: pki.pool()}}
	wsCallThrough(t, srv, fmt.Sprintf("wss://127.0.0.1:%d/", wssPort), d, "WSS", wssPort)
}

// wsCallThrough registers alice from a phone at url and has sipp call
// her through srv; via is the transport gosips' Via must name.
func wsCallThrough(t *testing.T, srv *server, url string, d *websocket.Dialer, via string, port int) {
	t.Helper()
	phone := dialWSPhone(t, url, d, nil)
	reply := wsRegistered(t, phone, "alice", "wsreg1")
	// The binding keeps the connection's address as received.
	rcv := fmt.Sprintf(`received="sip:127\.0\.0\.1:\d+;transport=%s"`, strings.ToLower(via))
	if !regexp.MustCompile(rcv).MatchString(reply) {
		t.Errorf("200 Contact has no received address: %q", header(reply, "Contact"))
	}
	done := make(chan sippResult, 1)
	go func() { done <- runSipp(t, "uac_call.xml", srv.Port, "-s", "alice") }()
	invite, bye := wsAnswer(t, phone, "alice")
	res := <-done
	if res.Exit != 0 {
		t.Fatalf("sipp exit %d:\n%s\n%s", res.Exit, res.Output, srv.Logs())
	}
	// gosips' own Via for the WebSocket hop names the transport.
	if v := header(invite, "Via"); !strings.HasPrefix(v, fmt.Sprintf("SIP/2.0/%s 127.0.0.1:%d;", via, port)) {
		t.Errorf("top Via of the INVITE = %q", v)
	}
	if rl := requestLine(invite); !strings.Contains(rl, "alice@"+wsInvalidHost) {
		t.Errorf("INVITE request line %q", rl)
	}
	if !strings.Contains(res.Messages, "SIP/2.0 200 OK") {
		t.Error("sipp saw no 200 OK")
	}
	if !strings.Contains(requestLine(bye), "alice@") {
		t.Errorf("BYE request line %q", requestLine(bye))
	}
}

// The handshake is refused with 400 unless it offers the sip
// subprotocol, and without Origin while require_origin is on (the
// default); require_origin=0 lets such a client in.
func TestWSHandshakeChecks(t *testing.T) {
	wsPort := freePort(t)
	startServer(t, wsCfg(wsPort, ""))
	url := fmt.Sprintf("ws://127.0.0.1:%d/", wsPort)
	for name, hdr := range map[string]http.Header{
		"no origin":   {"Sec-WebSocket-Protocol": {"sip"}},
		"no protocol": {"Origin": {"http://127.0.0.1"}},
		"other proto": {"Origin": {"http://127.0.0.1"}, "Sec-WebSocket-Protocol": {"chat"}},
	} {
		d := websocket.Dialer{HandshakeTimeout: 3 * time.Second}
		_, resp, err := d.Dial(url, hdr)
		if err == nil || resp == nil || resp.StatusCode != 400 {
			t.Errorf("%s: err=%v resp=%v, want 400", name, err, resp)
		}
	}

	wsPort2 := freePort(t)
	startServer(t, wsCfg(wsPort2, `modparam("proto_ws", "require_origin", 0)`))
	p := dialWSPhone(t, fmt.Sprintf("ws://127.0.0.1:%d/", wsPort2), nil, http.Header{})
	p.Send(wsRegister("bob", "wsreg2", 1, "60"))
	if r := p.Recv(5 * time.Second); statusCode(r) != "200" {
		t.Fatalf("REGISTER without Origin, require_origin=0: %q", r)
	}
}

// Messages split in WebSocket fragments and sent as binary frames are
// reassembled and answered; MI list_tcp_conns lists the connection with
// type ws.
func TestWSFragmentedBinaryRegister(t *testing.T) {
	wsPort, httpPort := freePort(t), freePort(t)
	startServer(t, wsCfg(wsPort, fmt.Sprintf(`loadmodule "httpd.so"
loadmodule "mi_http.so"
modparam("httpd", "port", %d)`, httpPort)))
	d := &websocket.Dialer{HandshakeTimeout: 3 * time.Second, WriteBufferSize: 64}
	p := dialWSPhone(t, fmt.Sprintf("ws://127.0.0.1:%d/", wsPort), d, nil)
	msg := strings.ReplaceAll(strings.ReplaceAll(wsRegister("carol", "wsfrag", 1, "60"), "\r\n", "\n"), "\n", "\r\n")
	w, err := p.c.NextWriter(websocket.BinaryMessage)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < len(msg); i += 40 {
		w.Write([]byte(msg[i:min(i+40, len(msg))]))
	}
	w.Close()
	if r := p.Recv(5 * time.Second); statusCode(r) != "200" {
		t.Fatalf("fragmented binary REGISTER: %q", r)
	}
	conns := tcpLimitsConns(t, httpPort)
	if len(conns) != 1 || conns[0]["Type"] != "ws" || conns[0]["Remote"] != p.c.LocalAddr().String() {
		t.Fatalf("list_tcp_conns: %v", conns)
	}
}

// A call to a phone whose WebSocket connection is gone fails cleanly
// (the .invalid contact is never resolved into a new connection).
func TestWSContactGone(t *testing.T) {
	needSipp(t)
	wsPort := freePort(t)
	srv := startServer(t, wsCfg(wsPort, ""))
	phone := dialWSPhone(t, fmt.Sprintf("ws://127.0.0.1:%d/", wsPort), nil, nil)
	wsRegistered(t, phone, "dave", "wsgone")
	phone.c.Close()
	time.Sleep(200 * time.Millisecond)
	res := runSipp(t, "uac_call.xml", srv.Port, "-s", "dave")
	if res.Exit == 0 {
		t.Fatal("call to a closed websocket succeeded")
	}
	if strings.Contains(res.Messages, "SIP/2.0 200 OK") {
		t.Errorf("200 OK for a gone phone:\n%s", res.Messages)
	}
	if strings.Contains(srv.Logs(), "panic") {
		t.Fatalf("panic:\n%s", srv.Logs())
	}
}
