package e2e

import (
	"bufio"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"io"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"gosips/internal/testenv"
)

// tlsPKI is a throw-away certificate authority made per test: nothing
// private is checked in.
type tlsPKI struct {
	dir    string
	ca     *x509.Certificate
	caKey  *ecdsa.PrivateKey
	CAFile string
}

func newTLSPKI(t *testing.T, name string) *tlsPKI {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: name, Organization: []string{"gosips tests"}},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	ca, _ := x509.ParseCertificate(der)
	p := &tlsPKI{dir: t.TempDir(), ca: ca, caKey: key}
	p.CAFile = filepath.Join(p.dir, "ca.pem")
	tlsWritePEM(t, p.CAFile, "CERTIFICATE", der)
	return p
}

func tlsWritePEM(t *testing.T, path, typ string, der []byte) {
	t.Helper()
	if err := os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
}

// issue makes a leaf certificate for cn (with 127.0.0.1 as IP SAN) and
// returns it with its files.
func (p *tlsPKI) issue(t *testing.T, cn string, serial int64) (tls.Certificate, string, string) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(serial),
		Subject:   pkix.Name{CommonName: cn, Country: []string{"RO"}, Organization: []string{"gosips tests"}},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
		KeyUsage:    x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth},
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}, DNSNames: []string{cn}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, p.ca, &key.PublicKey, p.caKey)
	if err != nil {
		t.Fatal(err)
	}
	kder, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	certFile, keyFile := filepath.Join(p.dir, cn+".pem"), filepath.Join(p.dir, cn+".key")
	tlsWritePEM(t, certFile, "CERTIFICATE", der)
	tlsWritePEM(t, keyFile, "EC PRIVATE KEY", kder)
	pair, err := tls.LoadX509KeyPair(certFile, keyFile)
	if err != nil {
		t.Fatal(err)
	}
	return pair, certFile, keyFile
}

func (p *tlsPKI) pool() *x509.CertPool {
	pool := x509.NewCertPool()
	pool.AddCert(p.ca)
	return pool
}

// tlsCfg registers over TLS (answering with the TLS facts of the
// connection in X-TLS-* headers) and relays calls to registered users
// with Record-Route, so in-dialog requests come back through the proxy.
const tlsCfg = `
log_level = 3
stderror_enabled = yes
udp_workers = 2
socket = udp:127.0.0.1:PORT
socket = tls:127.0.0.1:TLSPORT

loadmodule "proto_udp.so"
loadmodule "proto_tls.so"
loadmodule "tls_openssl.so"
loadmodule "tls_mgm.so"
loadmodule "signaling.so"
loadmodule "sl.so"
loadmodule "tm.so"
loadmodule "rr.so"
loadmodule "sipmsgops.so"
loadmodule "usrloc.so"
loadmodule "registrar.so"
loadmodule "httpd.so"
loadmodule "mi_http.so"

modparam("httpd", "port", HTTPPORT)
modparam("proto_tls", "tls_handshake_timeout", 5000)
modparam("tls_mgm", "server_domain", "srv")
modparam("tls_mgm", "match_ip_address", "[srv]127.0.0.1:TLSPORT")
modparam("tls_mgm", "certificate", "[srv]SRVCERT")
modparam("tls_mgm", "private_key", "[srv]SRVKEY")
modparam("tls_mgm", "ca_list", "[srv]CAFILE")
modparam("tls_mgm", "tls_method", "[srv]TLSv1_2-TLSv1_3")
modparam("tls_mgm", "verify_cert", "[srv]1")
modparam("tls_mgm", "require_cert", "[srv]REQUIRE")
modparam("tls_mgm", "client_domain", "cli")
modparam("tls_mgm", "match_ip_address", "[cli]*")
modparam("tls_mgm", "verify_cert", "[cli]0")

route {
	if (has_totag()) {
		if (loose_route()) {
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
		if ($socket_in(proto) == "tls") {
			xlog("L_NOTICE", "tls register from $tls_peer_subject_cn verified=$tls_peer_verified version=$tls_version cipher=$tls_cipher_info\n");
			append_to_reply("X-TLS-CN: $tls_peer_subject_cn\r\nX-TLS-Verified: $tls_peer_verified\r\nX-TLS-Version: $tls_version\r\nX-TLS-Bits: $tls_cipher_bits\r\nX-TLS-Issuer: $tls_peer_issuer\r\nX-TLS-My-CN: $tls_my_subject_cn\r\n");
			append_to_reply("X-TLS-Cipher: $tls_cipher_info\r\nX-TLS-Desc: $(tls_description{s.trim})\r\nX-TLS-Serial: $tls_peer_serial\r\nX-TLS-Cert-Version: $tls_peer_version\r\nX-TLS-Not-After: $tls_peer_notAfter\r\nX-TLS-Subject: $tls_peer_subject\r\nX-TLS-SAN: $tls_peer_san_hostname $tls_peer_san_ip\r\nX-TLS-My-Serial: $tls_my_serial\r\n");
			if (is_peer_verified())
				append_to_reply("X-TLS-Peer-Verified: yes\r\n");
		}
		save("location");
		exit;
	}
	if (!lookup("location")) {
		sl_send_reply(404, "Not Found");
		exit;
	}
	record_route();
	if (!t_relay())
		sl_send_reply(500, "Relay Failed");
	exit;
}
`

// tlsServer starts gosips with tlsCfg; require is "0" or "1".
type tlsServer struct {
	*server
	TLSPort, HTTPPort int
}

func startTLSServer(t *testing.T, p *tlsPKI, require string) *tlsServer {
	t.Helper()
	_, cert, key := p.issue(t, "proxy.gosips.test", 100)
	tlsPort, httpPort := freePort(t), freePort(t)
	r := strings.NewReplacer("TLSPORT", strconv.Itoa(tlsPort), "HTTPPORT", strconv.Itoa(httpPort),
		"SRVCERT", cert, "SRVKEY", key, "CAFILE", p.CAFile, "REQUIRE", require)
	s := startServer(t, r.Replace(tlsCfg))
	return &tlsServer{server: s, TLSPort: tlsPort, HTTPPort: httpPort}
}

// tlsUA is a SIP phone on one TLS connection: it registers, answers
// INVITE and BYE with 200, and records the requests it got.
type tlsUA struct {
	t    *testing.T
	conn *tls.Conn
	rd   *bufio.Reader
	user string

	mu       sync.Mutex
	requests []string
	replies  chan string
}

func dialTLSUA(t *testing.T, port int, user string, conf *tls.Config) (*tlsUA, error) {
	t.Helper()
	d := &net.Dialer{Timeout: 5 * time.Second}
	c, err := tls.DialWithDialer(d, "tcp", fmt.Sprintf("127.0.0.1:%d", port), conf)
	if err != nil {
		return nil, err
	}
	// A failed client certificate check shows on the first read in TLS
	// 1.3: make it visible now.
	_ = c.SetReadDeadline(time.Now().Add(300 * time.Millisecond))
	if _, err := c.Read(make([]byte, 1)); err != nil && !isTimeout(err) {
		c.Close()
		return nil, err
	}
	_ = c.SetReadDeadline(time.Time{})
	ua := &tlsUA{t: t, conn: c, rd: bufio.NewReader(c), user: user, replies: make(chan string, 16)}
	t.Cleanup(func() { c.Close() })
	go ua.loop()
	return ua, nil
}

func isTimeout(err error) bool {
	ne, ok := err.(net.Error)
	return ok && ne.Timeout()
}

func (u *tlsUA) local() string { return u.conn.LocalAddr().String() }

// readMsg reads one SIP message framed by Content-Length.
func (u *tlsUA) readMsg() (string, error) {
	var b strings.Builder
	cl := 0
	for {
		line, err := u.rd.ReadString('\n')
		if err != nil {
			return "", err
		}
		if b.Len() == 0 && strings.TrimSpace(line) == "" {
			continue // keepalive
		}
		b.WriteString(line)
		if strings.TrimSpace(line) == "" {
			break
		}
		if k, v, ok := strings.Cut(line, ":"); ok && (strings.EqualFold(strings.TrimSpace(k), "Content-Length") || strings.TrimSpace(k) == "l") {
			cl, _ = strconv.Atoi(strings.TrimSpace(v))
		}
	}
	body := make([]byte, cl)
	if _, err := io.ReadFull(u.rd, body); err != nil {
		return "", err
	}
	b.Write(body)
	return b.String(), nil
}

func (u *tlsUA) loop() {
	for {
		m, err := u.readMsg()
		if err != nil {
			close(u.replies)
			return
		}
		if strings.HasPrefix(m, "SIP/2.0 ") {
			u.replies <- m
			continue
		}
		u.mu.Lock()
		u.requests = append(u.requests, m)
		u.mu.Unlock()
		method, _, _ := strings.Cut(m, " ")
		switch method {
		case "INVITE", "BYE", "OPTIONS":
			u.reply(m, "200 OK")
		}
	}
}

// reply answers req, copying Via, Record-Route, From, To (with a tag),
// Call-ID and CSeq.
func (u *tlsUA) reply(req, status string) {
	var b strings.Builder
	b.WriteString("SIP/2.0 " + status + "\r\n")
	sc := bufio.NewScanner(strings.NewReader(req))
	for sc.Scan() {
		line := sc.Text()
		if line == "" {
			break
		}
		k, _, _ := strings.Cut(line, ":")
		switch strings.ToLower(strings.TrimSpace(k)) {
		case "via", "v", "record-route", "from", "f", "call-id", "i", "cseq":
			b.WriteString(line + "\r\n")
		case "to", "t":
			if !strings.Contains(line, "tag=") {
				line += ";tag=tlsua"
			}
			b.WriteString(line + "\r\n")
		}
	}
	fmt.Fprintf(&b, "Contact: <sip:%s@%s;transport=tls>\r\nContent-Length: 0\r\n\r\n", u.user, u.local())
	u.write(b.String())
}

func (u *tlsUA) write(s string) {
	_ = u.conn.SetWriteDeadline(time.Now().Add(5 * time.Second))
	if _, err := u.conn.Write([]byte(s)); err != nil {
		u.t.Errorf("tls ua write: %v", err)
	}
}

// register sends a REGISTER for the connection's address and returns the
// final reply.
func (u *tlsUA) register(port int) string {
	u.t.Helper()
	msg := fmt.Sprintf("REGISTER sip:127.0.0.1:%d SIP/2.0\r\n"+
		"Via: SIP/2.0/TLS %s;branch=z9hG4bK-tls-%d;rport\r\n"+
		"From: <sip:%s@127.0.0.1>;tag=reg1\r\nTo: <sip:%s@127.0.0.1>\r\n"+
		"Call-ID: tls-reg-%s@test\r\nCSeq: 1 REGISTER\r\nMax-Forwards: 70\r\n"+
		"Contact: <sip:%s@%s;transport=tls>;expires=600\r\nContent-Length: 0\r\n\r\n",
		port, u.local(), time.Now().UnixNano(), u.user, u.user, u.user, u.user, u.local())
	u.write(msg)
	deadline := time.After(5 * time.Second)
	for {
		select {
		case r, ok := <-u.replies:
			if !ok {
				u.t.Fatal("tls connection closed before the REGISTER reply")
			}
			if code := statusCode(r); code >= "200" {
				return r
			}
		case <-deadline:
			u.t.Fatal("no reply to REGISTER over tls")
		}
	}
}

func (u *tlsUA) got(method string) []string {
	u.mu.Lock()
	defer u.mu.Unlock()
	var out []string
	for _, r := range u.requests {
		if strings.HasPrefix(r, method+" ") {
			out = append(out, r)
		}
	}
	return out
}

// TestTLSRegisterAndCall: a phone registers over TLS with a client
// certificate (required by the server domain), its CN and the session
// facts come back from $tls_* variables, and a call from a UDP sipp
// caller reaches it over its own connection (no new connection: the
// phone listens nowhere).
func TestTLSRegisterAndCall(t *testing.T) {
	needSipp(t)
	t0 := time.Now()
	p := newTLSPKI(t, "gosips test CA")
	srv := startTLSServer(t, p, "1")
	t.Logf("server up after %v", time.Since(t0).Round(time.Millisecond))
	cert, _, _ := p.issue(t, "alice-phone", 7)
	ua, err := dialTLSUA(t, srv.TLSPort, "alice", &tls.Config{RootCAs: p.pool(), Certificates: []tls.Certificate{cert}})
	if err != nil {
		t.Fatalf("tls dial: %v", err)
	}
	r := ua.register(srv.TLSPort)
	if statusCode(r) != "200" {
		t.Fatalf("REGISTER over tls: %s", r)
	}
	// Go picks AES-128-GCM or, without AES hardware, ChaCha20 (256 bits).
	if b := header(r, "X-TLS-Bits"); b != "128" && b != "256" {
		t.Errorf("X-TLS-Bits = %q", b)
	}
	want := map[string]string{"X-TLS-CN": "alice-phone", "X-TLS-Verified": "1", "X-TLS-Version": "TLSv1.3",
		"X-TLS-Issuer": "/O=gosips tests/CN=gosips test CA", "X-TLS-My-CN": "proxy.gosips.test",
		"X-TLS-Peer-Verified": "yes"}
	for h, v := range want {
		if got := header(r, h); got != v {
			t.Errorf("%s = %q, want %q\n%s", h, got, v, r)
		}
	}
	t.Logf("registered after %v", time.Since(t0).Round(time.Millisecond))
	if !eventually(3*time.Second, func() bool { return strings.Contains(srv.Logs(), "tls register from alice-phone verified=1") }) {
		t.Errorf("xlog line with $tls_peer_subject_cn missing:\n%s", srv.Logs())
	}

	res := runSipp(t, "uac_call.xml", srv.Port, "-s", "alice")
	t.Logf("call done after %v", time.Since(t0).Round(time.Millisecond))
	if res.Exit != 0 {
		t.Fatalf("call to the tls user failed (exit %d):\n%s\n%s", res.Exit, res.Output, res.Messages)
	}
	inv := ua.got("INVITE")
	if len(inv) != 1 {
		t.Fatalf("phone got %d INVITEs, want 1", len(inv))
	}
	if v := header(inv[0], "Via"); !strings.HasPrefix(v, fmt.Sprintf("SIP/2.0/TLS 127.0.0.1:%d", srv.TLSPort)) {
		t.Errorf("top Via of the relayed INVITE = %q, want SIP/2.0/TLS from the tls socket", v)
	}
	if rr := header(inv[0], "Record-Route"); !strings.Contains(rr, "transport=tls") {
		t.Errorf("Record-Route toward the tls side = %q, want transport=tls", rr)
	}
	if len(ua.got("BYE")) != 1 {
		t.Errorf("phone got %d BYEs over its connection, want 1", len(ua.got("BYE")))
	}

	// MI tls_list shows both domains in OpenSIPS' shape.
	raw, err := miCall(t, srv.HTTPPort, "tls_list", nil)
	if err != nil {
		t.Fatalf("tls_list: %v", err)
	}
	var lst struct {
		Domains []map[string]any `json:"Domains"`
	}
	if err := json.Unmarshal(raw, &lst); err != nil || len(lst.Domains) != 2 {
		t.Fatalf("tls_list = %s (%v)", raw, err)
	}
	cli, sd := lst.Domains[0], lst.Domains[1]
	if cli["name"] != "cli" || cli["type"] != "TLS_DOMAIN_CLI" || sd["name"] != "srv" || sd["type"] != "TLS_DOMAIN_SRV" ||
		sd["METHOD"] != "TLSv1_2-TLSv1_3" || sd["REQ_CLI_CERT"] != true || cli["VERIFY_CERT"] != false {
		t.Errorf("tls_list = %s", raw)
	}
}

// TestTLSClientCertRefused: with require_cert a phone without a
// certificate, or with one from another CA, is refused with a log line;
// the server keeps serving.
func TestTLSClientCertRefused(t *testing.T) {
	p := newTLSPKI(t, "gosips test CA")
	srv := startTLSServer(t, p, "1")
	other := newTLSPKI(t, "rogue CA")
	rogue, _, _ := other.issue(t, "mallory", 9)
	for name, conf := range map[string]*tls.Config{
		"no certificate": {RootCAs: p.pool()},
		"wrong CA":       {RootCAs: p.pool(), Certificates: []tls.Certificate{rogue}},
	} {
		ua, err := dialTLSUA(t, srv.TLSPort, "mallory", conf)
		if err == nil {
			// The refusal may come with the first request.
			ua.write("OPTIONS sip:x@127.0.0.1 SIP/2.0\r\nContent-Length: 0\r\n\r\n")
			if _, ok := <-ua.replies; ok {
				t.Errorf("%s: the server accepted the connection", name)
			}
		}
	}
	if !eventually(5*time.Second, func() bool {
		return strings.Count(srv.Logs(), "tls handshake failed") >= 2
	}) {
		t.Errorf("no 'tls handshake failed' log line for each refused peer:\n%s", srv.Logs())
	}
	if !strings.Contains(srv.Logs(), "certificate") {
		t.Errorf("the log does not say what was wrong:\n%s", srv.Logs())
	}
	// Still serving.
	good, _, _ := p.issue(t, "bob-phone", 8)
	ua, err := dialTLSUA(t, srv.TLSPort, "bob", &tls.Config{RootCAs: p.pool(), Certificates: []tls.Certificate{good}})
	if err != nil {
		t.Fatalf("good client after refusals: %v\n%s", err, srv.Logs())
	}
	if r := ua.register(srv.TLSPort); statusCode(r) != "200" || header(r, "X-TLS-CN") != "bob-phone" {
		t.Fatalf("REGISTER after refusals: %s", r)
	}
}

// TestTLSIdleConnections holds 1,000 idle TLS connections open, measures
// the server's memory per connection, and checks that a call still
// reaches a TLS-registered phone.
func TestTLSIdleConnections(t *testing.T) {
	needSipp(t)
	const n = 1000
	p := newTLSPKI(t, "gosips test CA")
	srv := startTLSServer(t, p, "0")
	pid := srv.cmd.Process.Pid
	time.Sleep(300 * time.Millisecond)
	before := tlsRSS(t, pid)
	conf := &tls.Config{RootCAs: p.pool()}
	conns := make([]*tls.Conn, 0, n)
	t.Cleanup(func() {
		for _, c := range conns {
			c.Close()
		}
	})
	d := &net.Dialer{Timeout: 10 * time.Second}
	start := time.Now()
	for i := 0; i < n; i++ {
		c, err := tls.DialWithDialer(d, "tcp", fmt.Sprintf("127.0.0.1:%d", srv.TLSPort), conf)
		if err != nil {
			t.Fatalf("connection %d: %v", i, err)
		}
		conns = append(conns, c)
	}
	setup := time.Since(start)
	// Let the server finish its side of the handshakes and settle.
	time.Sleep(time.Second)
	after := tlsRSS(t, pid)
	per := float64(after-before) / n
	t.Logf("%d idle TLS connections: set up in %v, server RSS %d KiB -> %d KiB, %.1f KiB per connection",
		n, setup.Round(time.Millisecond), before, after, per)
	if per > 64 {
		t.Errorf("%.1f KiB per idle TLS connection, want at most 64", per)
	}
	ua, err := dialTLSUA(t, srv.TLSPort, "carol", conf)
	if err != nil {
		t.Fatal(err)
	}
	if r := ua.register(srv.TLSPort); statusCode(r) != "200" {
		t.Fatalf("REGISTER with %d idle connections: %s", n, r)
	}
	res := runSipp(t, "uac_call.xml", srv.Port, "-s", "carol")
	if res.Exit != 0 {
		t.Fatalf("call with %d idle connections failed (exit %d):\n%s", n, res.Exit, res.Output)
	}
	if len(ua.got("INVITE")) != 1 {
		t.Fatalf("phone got %d INVITEs, want 1", len(ua.got("INVITE")))
	}
}

// tlsRSS reads a process's resident memory in KiB.
func tlsRSS(t *testing.T, pid int) int64 {
	t.Helper()
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(line, "VmRSS:") {
			f := strings.Fields(line)
			n, _ := strconv.ParseInt(f[1], 10, 64)
			return n
		}
	}
	t.Fatal("no VmRSS")
	return 0
}

// tlsOutCfg relays every INVITE to a TLS callee ($du with
// transport=tls); the client domain presents a certificate and verifies
// the callee's against the test CA.
const tlsOutCfg = `
log_level = 3
stderror_enabled = yes
udp_workers = 2
socket = udp:127.0.0.1:PORT
socket = tls:127.0.0.1:TLSPORT

loadmodule "proto_udp.so"
loadmodule "proto_tls.so"
loadmodule "tls_wolfssl.so"
loadmodule "tls_mgm.so"
loadmodule "signaling.so"
loadmodule "sl.so"
loadmodule "tm.so"
loadmodule "rr.so"
loadmodule "sipmsgops.so"

modparam("tls_mgm", "tls_library", "wolfssl")
modparam("tls_mgm", "server_domain", "srv")
modparam("tls_mgm", "certificate", "[srv]SRVCERT")
modparam("tls_mgm", "private_key", "[srv]SRVKEY")
modparam("tls_mgm", "verify_cert", "[srv]0")
modparam("tls_mgm", "client_domain", "gw")
modparam("tls_mgm", "match_ip_address", "[gw]127.0.0.1:GWPORT")
modparam("tls_mgm", "certificate", "[gw]CLICERT")
modparam("tls_mgm", "private_key", "[gw]CLIKEY")
modparam("tls_mgm", "ca_list", "[gw]CAFILE")
modparam("tls_mgm", "verify_cert", "[gw]1")

route {
	if (has_totag()) {
		if (loose_route()) {
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
	record_route();
	$du = "sip:127.0.0.1:GWPORT;transport=tls";
	if (!t_relay())
		sl_send_reply(500, "Relay Failed");
	exit;
}
`

// tlsUAS is a TLS callee: it accepts connections and answers INVITE and
// BYE with 200 through tlsUA.
type tlsUAS struct {
	ln   net.Listener
	mu   sync.Mutex
	uas  []*tlsUA
	cns  []string // client certificate CNs seen
	errs []error
}

func startTLSUAS(t *testing.T, conf *tls.Config) *tlsUAS {
	t.Helper()
	ln, err := tls.Listen("tcp", "127.0.0.1:0", conf)
	if err != nil {
		t.Fatal(err)
	}
	s := &tlsUAS{ln: ln}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			tc := c.(*tls.Conn)
			_ = tc.SetDeadline(time.Now().Add(5 * time.Second))
			if err := tc.Handshake(); err != nil {
				s.mu.Lock()
				s.errs = append(s.errs, err)
				s.mu.Unlock()
				tc.Close()
				continue
			}
			_ = tc.SetDeadline(time.Time{})
			cn := ""
			if pc := tc.ConnectionState().PeerCertificates; len(pc) > 0 {
				cn = pc[0].Subject.CommonName
			}
			ua := &tlsUA{t: t, conn: tc, rd: bufio.NewReader(tc), user: "bob", replies: make(chan string, 16)}
			t.Cleanup(func() { tc.Close() })
			s.mu.Lock()
			s.uas = append(s.uas, ua)
			s.cns = append(s.cns, cn)
			s.mu.Unlock()
			go ua.loop()
		}
	}()
	return s
}

func (s *tlsUAS) port() int { return s.ln.Addr().(*net.TCPAddr).Port }

func (s *tlsUAS) got(method string) []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []string
	for _, ua := range s.uas {
		out = append(out, ua.got(method)...)
	}
	return out
}

// TestTLSOutbound: gosips opens a TLS connection for a relayed call with
// the client domain matched by destination: its certificate reaches the
// callee, the callee's is verified against the domain's CA, and the whole
// call (INVITE, ACK, BYE) runs over that one connection. A callee whose
// certificate comes from another CA is refused with a log line and the
// caller gets an error reply.
func TestTLSOutbound(t *testing.T) {
	needSipp(t)
	p := newTLSPKI(t, "gosips test CA")
	_, srvCert, srvKey := p.issue(t, "proxy.gosips.test", 100)
	_, cliCert, cliKey := p.issue(t, "proxy-client", 101)
	calleeCert, _, _ := p.issue(t, "gw.gosips.test", 102)
	uas := startTLSUAS(t, &tls.Config{Certificates: []tls.Certificate{calleeCert}, ClientAuth: tls.RequireAndVerifyClientCert, ClientCAs: p.pool()})
	run := func(gwPort int) *server {
		r := strings.NewReplacer("TLSPORT", strconv.Itoa(freePort(t)), "GWPORT", strconv.Itoa(gwPort),
			"SRVCERT", srvCert, "SRVKEY", srvKey, "CLICERT", cliCert, "CLIKEY", cliKey, "CAFILE", p.CAFile)
		return startServer(t, r.Replace(tlsOutCfg))
	}
	srv := run(uas.port())
	res := runSipp(t, "uac_call.xml", srv.Port, "-s", "bob")
	if res.Exit != 0 {
		t.Fatalf("call over an outgoing tls connection failed (exit %d):\n%s\n%s", res.Exit, res.Output, srv.Logs())
	}
	uas.mu.Lock()
	conns, cns := len(uas.uas), uas.cns
	uas.mu.Unlock()
	if conns != 1 || len(cns) != 1 || cns[0] != "proxy-client" {
		t.Errorf("callee saw %d connections with client certificates %q, want 1 with proxy-client", conns, cns)
	}
	inv := uas.got("INVITE")
	if len(inv) != 1 || !strings.HasPrefix(header(inv[0], "Via"), "SIP/2.0/TLS ") {
		t.Fatalf("callee INVITEs: %q", inv)
	}
	if len(uas.got("ACK")) != 1 || len(uas.got("BYE")) != 1 {
		t.Errorf("callee got %d ACK and %d BYE over the connection, want 1 each", len(uas.got("ACK")), len(uas.got("BYE")))
	}

	// A callee with a certificate from another CA.
	other := newTLSPKI(t, "rogue CA")
	rogueCert, _, _ := other.issue(t, "rogue-gw", 5)
	rogue := startTLSUAS(t, &tls.Config{Certificates: []tls.Certificate{rogueCert}})
	srv2 := run(rogue.port())
	res = runSipp(t, "uac_call.xml", srv2.Port, "-s", "bob")
	if res.Exit == 0 {
		t.Fatalf("call to a callee with an untrusted certificate succeeded")
	}
	if !eventually(3*time.Second, func() bool { return strings.Contains(srv2.Logs(), "tls handshake failed") }) {
		t.Errorf("no log line for the refused callee:\n%s", srv2.Logs())
	}
	if len(rogue.got("INVITE")) != 0 {
		t.Errorf("the untrusted callee got the INVITE")
	}
}

// TestTLSOracle registers the same certificate-carrying phone with real
// OpenSIPS (OPENSIPS_BIN, built with tls_mgm, tls_openssl and proto_tls)
// and with gosips, on the same config, and compares the $tls_* values the
// script puts in the reply and the MI tls_list answers.
func TestTLSOracle(t *testing.T) {
	bin := testenv.Oracle(t)
	p := newTLSPKI(t, "gosips test CA")
	_, cert, key := p.issue(t, "proxy.gosips.test", 100)
	phone, _, _ := p.issue(t, "alice-phone", 7)
	type result struct {
		hdrs map[string]string
		list string // tls_list as sent, the tls port replaced by TLSPORT
	}
	run := func(start func(cfg string) int) result {
		tlsPort, httpPort := freePort(t), freePort(t)
		r := strings.NewReplacer("TLSPORT", strconv.Itoa(tlsPort), "HTTPPORT", strconv.Itoa(httpPort),
			"SRVCERT", cert, "SRVKEY", key, "CAFILE", p.CAFile, "REQUIRE", "1")
		start(r.Replace(tlsCfg))
		var ua *tlsUA
		var err error
		// OpenSIPS opens its TCP side after it says it listens.
		eventually(5*time.Second, func() bool {
			ua, err = dialTLSUA(t, tlsPort, "alice", &tls.Config{RootCAs: p.pool(), Certificates: []tls.Certificate{phone},
				MaxVersion: tls.VersionTLS12, CipherSuites: []uint16{tls.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256}})
			return err == nil
		})
		if err != nil {
			t.Fatal(err)
		}
		reply := ua.register(tlsPort)
		res := result{hdrs: map[string]string{}}
		for _, h := range []string{"X-TLS-CN", "X-TLS-Verified", "X-TLS-Version", "X-TLS-Bits", "X-TLS-Issuer", "X-TLS-My-CN", "X-TLS-Peer-Verified",
			"X-TLS-Cipher", "X-TLS-Desc", "X-TLS-Serial", "X-TLS-Cert-Version", "X-TLS-Not-After", "X-TLS-Subject", "X-TLS-SAN", "X-TLS-My-Serial"} {
			res.hdrs[h] = header(reply, h)
		}
		raw, err := miCall(t, httpPort, "tls_list", nil)
		if err != nil {
			t.Fatal(err)
		}
		res.list = strings.ReplaceAll(string(raw), ":"+strconv.Itoa(tlsPort)+`"`, `:TLSPORT"`)
		return res
	}
	g := run(func(cfg string) int { return startServer(t, cfg).Port })
	o := run(func(cfg string) int { return natOracleStart(t, bin, cfg) })
	for h, v := range o.hdrs {
		if g.hdrs[h] != v {
			t.Errorf("%s: gosips %q, opensips %q", h, g.hdrs[h], v)
		}
	}
	if g.list != o.list {
		t.Errorf("tls_list differs:\ngosips:   %s\nopensips: %s", g.list, o.list)
	}
}

// tlsSNICfg has two server domains on one socket chosen by SNI and a
// default one for clients that send none.
const tlsSNICfg = `
log_level = 3
stderror_enabled = yes
socket = udp:127.0.0.1:PORT
socket = tls:127.0.0.1:TLSPORT

loadmodule "proto_udp.so"
loadmodule "proto_tls.so"
loadmodule "tls_openssl.so"
loadmodule "tls_mgm.so"
loadmodule "sl.so"
loadmodule "sipmsgops.so"

modparam("tls_mgm", "server_domain", "atlanta")
modparam("tls_mgm", "match_ip_address", "[atlanta]127.0.0.1:TLSPORT")
modparam("tls_mgm", "match_sip_domain", "[atlanta]atlanta.test")
modparam("tls_mgm", "certificate", "[atlanta]ACERT")
modparam("tls_mgm", "private_key", "[atlanta]AKEY")
modparam("tls_mgm", "verify_cert", "[atlanta]0")
modparam("tls_mgm", "server_domain", "biloxi")
modparam("tls_mgm", "match_ip_address", "[biloxi]127.0.0.1:TLSPORT")
modparam("tls_mgm", "match_sip_domain", "[biloxi]*.biloxi.test")
modparam("tls_mgm", "certificate", "[biloxi]BCERT")
modparam("tls_mgm", "private_key", "[biloxi]BKEY")
modparam("tls_mgm", "verify_cert", "[biloxi]0")
modparam("tls_mgm", "server_domain", "default")
modparam("tls_mgm", "match_ip_address", "[default]127.0.0.1:TLSPORT")
modparam("tls_mgm", "match_sip_domain", "[default]none")
modparam("tls_mgm", "certificate", "[default]DCERT")
modparam("tls_mgm", "private_key", "[default]DKEY")
modparam("tls_mgm", "verify_cert", "[default]0")

route {
	append_to_reply("X-My-CN: $tls_my_subject_cn\r\n");
	sl_send_reply(200, "OK");
}
`

// TestTLSServerDomainBySNI: the server certificate, and $tls_my_*,
// follow the SNI name the client sends; a name no domain accepts is
// refused.
func TestTLSServerDomainBySNI(t *testing.T) {
	p := newTLSPKI(t, "gosips test CA")
	_, ac, ak := p.issue(t, "atlanta.test", 11)
	_, bc, bk := p.issue(t, "sip.biloxi.test", 12)
	_, dc, dk := p.issue(t, "default.test", 13)
	tlsPort := freePort(t)
	r := strings.NewReplacer("TLSPORT", strconv.Itoa(tlsPort), "ACERT", ac, "AKEY", ak, "BCERT", bc, "BKEY", bk, "DCERT", dc, "DKEY", dk)
	srv := startServer(t, r.Replace(tlsSNICfg))
	for _, tc := range []struct{ sni, want string }{
		{"atlanta.test", "atlanta.test"},
		{"sip.biloxi.test", "sip.biloxi.test"},
		{"", "default.test"},
		{"example.org", ""},
	} {
		conf := &tls.Config{RootCAs: p.pool(), ServerName: tc.sni}
		if tc.sni == "" {
			conf.InsecureSkipVerify = true // no name: nothing to verify the certificate against
		}
		ua, err := dialTLSUA(t, tlsPort, "x", conf)
		if tc.want == "" {
			if err == nil {
				t.Errorf("SNI %q: accepted, want refused", tc.sni)
			}
			continue
		}
		if err != nil {
			t.Errorf("SNI %q: %v", tc.sni, err)
			continue
		}
		if cn := ua.conn.ConnectionState().PeerCertificates[0].Subject.CommonName; cn != tc.want {
			t.Errorf("SNI %q: server certificate %q, want %q", tc.sni, cn, tc.want)
		}
		ua.write(fmt.Sprintf("OPTIONS sip:127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/TLS %s;branch=z9hG4bK-sni\r\nFrom: <sip:a@x>;tag=1\r\nTo: <sip:b@x>\r\n"+
			"Call-ID: sni-%d@test\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n", ua.local(), len(tc.sni)))
		select {
		case rep := <-ua.replies:
			if got := header(rep, "X-My-CN"); got != tc.want {
				t.Errorf("SNI %q: $tls_my_subject_cn = %q, want %q", tc.sni, got, tc.want)
			}
		case <-time.After(5 * time.Second):
			t.Errorf("SNI %q: no reply", tc.sni)
		}
	}
	if !eventually(3*time.Second, func() bool { return strings.Contains(srv.Logs(), "no tls server domain") }) {
		t.Errorf("the refused SNI is not logged:\n%s", srv.Logs())
	}
}
