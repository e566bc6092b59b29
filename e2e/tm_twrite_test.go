package e2e

import (
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"gosips/internal/testenv"
)

// twriteCfg hands INVITEs to a unix datagram socket (t_write_unix) and
// other requests to a FIFO (t_write_req); the application answers with
// the MI command t_reply. TWDIR holds the socket and the FIFO.
const twriteCfg = `
log_level = 3
stderror_enabled = yes
socket = udp:127.0.0.1:PORT
loadmodule "proto_udp.so"
loadmodule "sl.so"
loadmodule "tm.so"
MIMODULES
modparam("tm", "fr_timeout", FRTIMEOUT)
modparam("tm", "tw_append", "ua: UA=$hdr(User-Agent); X=$hdr(X-None); $rb")
route {
	if ($rm == "ACK") {
		t_check_trans();
		exit;
	}
	t_newtran();
	if ($rm == "INVITE") {
		if (!t_write_unix("vm/ua", "TWDIR/vm.sock"))
			t_reply(500, "Write Failed");
	} else {
		if (!t_write_req("store", "TWDIR/vm.fifo"))
			t_reply(500, "Write Failed");
	}
	exit;
}
`

// twriteConfig fills twriteCfg; httpPort 0 leaves MI out.
func twriteConfig(dir string, httpPort, frTimeout int) string {
	mi := ""
	if httpPort != 0 {
		mi = fmt.Sprintf("loadmodule \"httpd.so\"\nloadmodule \"mi_http.so\"\nmodparam(\"httpd\", \"port\", %d)", httpPort)
	}
	return strings.NewReplacer("TWDIR", dir, "MIMODULES", mi, "FRTIMEOUT", fmt.Sprint(frTimeout)).Replace(twriteCfg)
}

// twriteReader reads what t_write_unix and t_write_req write: datagrams on
// dir/vm.sock and writes on the FIFO dir/vm.fifo.
type twriteReader struct {
	got chan string
}

func newTwriteReader(t *testing.T, dir string) *twriteReader {
	t.Helper()
	r := &twriteReader{got: make(chan string, 16)}
	conn, err := net.ListenUnixgram("unixgram", &net.UnixAddr{Name: filepath.Join(dir, "vm.sock"), Net: "unixgram"})
	if err != nil {
		t.Fatal(err)
	}
	fifo := filepath.Join(dir, "vm.fifo")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	// O_RDWR keeps the FIFO open for writers between reads.
	f, err := os.OpenFile(fifo, os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	wg.Add(2)
	read := func(rd func([]byte) (int, error)) {
		defer wg.Done()
		buf := make([]byte, 65536)
		for {
			n, err := rd(buf)
			if err != nil {
				return
			}
			r.got <- string(buf[:n])
		}
	}
	go read(conn.Read)
	go read(f.Read)
	t.Cleanup(func() { conn.Close(); f.Close(); wg.Wait() })
	return r
}

func (r *twriteReader) next(t *testing.T) string {
	t.Helper()
	select {
	case s := <-r.got:
		return s
	case <-time.After(5 * time.Second):
		t.Fatal("nothing written to the socket or the FIFO")
		return ""
	}
}

// twriteInvite and twriteMessage are fixed requests (the Contact does not
// depend on the client's port) for the byte comparison with OpenSIPS.
func twriteInvite(port, lport int) string {
	body := "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 4000 RTP/AVP 0\r\n"
	return fmt.Sprintf("INVITE sip:alice@example.com:5070;transport=udp SIP/2.0\r\n"+
		"Via: SIP/2.0/UDP 127.0.0.1:%d;branch=z9hG4bKtw1\r\n"+
		"Record-Route: <sip:p1.example.com;lr>, <sip:p1b.example.com;lr>\r\n"+
		"Record-Route: <sip:p2.example.com;lr>\r\n"+
		"From: \"Bob\" <sip:bob@example.org>;tag=ftag1\r\n"+
		"To: <sip:alice@example.com>\r\n"+
		"Call-ID: twcall-1@host\r\n"+
		"CSeq: 17 INVITE\r\n"+
		"Contact: <sip:bob@127.0.0.1:5099>;expires=60\r\n"+
		"User-Agent: tw-test/1.0\r\n"+
		"Max-Forwards: 70\r\n"+
		"Content-Type: application/sdp\r\n"+
		"Content-Length: %d\r\n\r\n%s", lport, len(body), body)
}

func twriteMessage(lport int) string {
	return fmt.Sprintf("MESSAGE sip:carol@127.0.0.1 SIP/2.0\r\n"+
		"Via: SIP/2.0/UDP 127.0.0.1:%d;branch=z9hG4bKtw2\r\n"+
		"Record-Route: <sip:strict.example.com>\r\n"+
		"From: <sip:bob@example.org>;tag=ftag2\r\n"+
		"To: \"Carol\" <sip:carol@127.0.0.1>;tag=totag9\r\n"+
		"Call-ID: twcall-2@host\r\n"+
		"CSeq: 3 MESSAGE\r\n"+
		"Max-Forwards: 70\r\n"+
		"Content-Type: text/plain\r\n"+
		"Content-Length: 5\r\n\r\nhello", lport)
}

// twriteLines splits a written request into its lines; the body (the
// last line) may hold line breaks of its own.
func twriteLines(t *testing.T, s string) []string {
	t.Helper()
	lines := strings.SplitN(s, "\n", 20)
	if len(lines) != 20 || lines[0] != "0.3" {
		t.Fatalf("not a t_write request: %q", s)
	}
	return lines
}

// TestTMWriteUnixMIReply: a sipp caller's INVITE is written to a unix
// socket and a MESSAGE to a FIFO; the reader answers each with MI t_reply
// (486 and 200) and the callers get those replies. A third request nobody
// answers ends with the blind branch's 408 after fr_timeout.
func TestTMWriteUnixMIReply(t *testing.T) {
	dir := t.TempDir()
	rd := newTwriteReader(t, dir)
	httpPort := freePort(t)
	srv := startServer(t, twriteConfig(dir, httpPort, 2))

	answer := func(code int, reason string) (string, error) {
		lines := twriteLines(t, rd.next(t))
		_, err := miHTTP(t, httpPort, "t_reply", map[string]any{"code": code, "reason": reason,
			"trans_id": lines[15], "to_tag": "vm-tag", "new_headers": `X-VM: stored\r\n`})
		return strings.Join(lines, "\n"), err
	}
	type result struct {
		text string
		err  error
	}
	done := make(chan result, 1)
	go func() { s, err := answer(486, "Busy Here"); done <- result{s, err} }()
	res := runSipp(t, "acc_uac_busy.xml", srv.Port, "-s", "vm")
	r := <-done
	if r.err != nil {
		t.Fatalf("MI t_reply: %v", r.err)
	}
	if res.Exit != 0 || !strings.Contains(res.Messages, "SIP/2.0 486 Busy Here") {
		t.Fatalf("caller did not get the 486 (exit %d):\n%s\n%s\n%s", res.Exit, res.Output, res.Messages, srv.Logs())
	}
	if inv := tmSippMessage(res.Messages, "SIP/2.0 486"); !strings.Contains(inv, "X-VM: stored") || !strings.Contains(inv, "tag=vm-tag") {
		t.Errorf("486 without the MI headers or To tag:\n%s", inv)
	}
	if !strings.Contains(r.text, "sip_request.vm\nINVITE\nvm\n127.0.0.1\n127.0.0.1\n") || !strings.Contains(r.text, "\nP-MsgFlags: 0\n.\n") {
		t.Errorf("INVITE written as:\n%s", r.text)
	}

	go func() { s, err := answer(200, "Stored"); done <- result{s, err} }()
	res = runSipp(t, "uac_message.xml", srv.Port, "-s", "carol")
	r = <-done
	if r.err != nil || res.Exit != 0 || !strings.Contains(res.Messages, "SIP/2.0 200 Stored") {
		t.Fatalf("MESSAGE: MI %v, sipp exit %d:\n%s\n%s", r.err, res.Exit, res.Messages, srv.Logs())
	}
	if !strings.Contains(r.text, "sip_request.store\nMESSAGE\ncarol\n") || !strings.HasSuffix(r.text, "\n.\n.\n") {
		t.Errorf("MESSAGE written as:\n%s", r.text)
	}

	// Nobody answers: the blind branch times out with a 408.
	c := newUDPClient(t)
	c.Send(srv.Port, twriteMessage(c.Port()))
	rd.next(t)
	start := time.Now()
	if rep := c.RecvFinal(6 * time.Second); statusCode(rep) != "408" {
		t.Fatalf("unanswered MESSAGE got %q, want 408", rep)
	}
	if el := time.Since(start); el < 1500*time.Millisecond {
		t.Errorf("408 after %v, before fr_timeout (2 s)", el)
	}
}

// TestTMWriteNoReader: with nobody reading the FIFO t_write_req fails at
// once (the script answers 500), as in OpenSIPS.
func TestTMWriteNoReader(t *testing.T) {
	dir := t.TempDir()
	if err := syscall.Mkfifo(filepath.Join(dir, "vm.fifo"), 0o600); err != nil {
		t.Fatal(err)
	}
	srv := startServer(t, twriteConfig(dir, 0, 2))
	c := newUDPClient(t)
	c.Send(srv.Port, twriteMessage(c.Port()))
	if rep := c.RecvFinal(3 * time.Second); statusCode(rep) != "500" {
		t.Fatalf("got %q, want the script's 500", rep)
	}
}

// twriteExchange sends the fixed INVITE and MESSAGE to a server on port
// and returns what it wrote, the server's port and transaction ids
// masked.
func twriteExchange(t *testing.T, rd *twriteReader, port int) []string {
	t.Helper()
	c := newUDPClient(t)
	var out []string
	for _, req := range []string{twriteInvite(port, c.Port()), twriteMessage(c.Port())} {
		c.Send(port, req)
		lines := twriteLines(t, rd.next(t))
		lines[6] = strings.Replace(lines[6], fmt.Sprint(port), "PORT", 1)
		lines[15] = "HASH:LABEL"
		out = append(out, strings.Join(lines, "\n"))
	}
	return out
}

// TestTMWriteOracle writes the same two requests through real OpenSIPS
// (OPENSIPS_BIN) and gosips and compares the written text byte for byte
// (server port and transaction id aside).
func TestTMWriteOracle(t *testing.T) {
	bin := testenv.Oracle(t)
	gdir, odir := t.TempDir(), t.TempDir()
	grd, ord := newTwriteReader(t, gdir), newTwriteReader(t, odir)
	g := twriteExchange(t, grd, startServer(t, twriteConfig(gdir, 0, 30)).Port)
	o := twriteExchange(t, ord, natOracleStart(t, bin, twriteConfig(odir, 0, 30)))
	for i := range g {
		if g[i] != o[i] {
			t.Errorf("request %d differs:\n gosips:\n%q\n opensips:\n%q", i, g[i], o[i])
		}
	}
}
