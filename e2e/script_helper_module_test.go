package e2e

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"gosips/internal/testenv"
)

// scriptHelperCfg loads script_helper with dialog support and a
// sequential route: the request route only sees initial requests (it
// marks them and picks the next hop), the sequential route marks
// sequential ones and drops or exits on request.
const scriptHelperCfg = `
log_level = 3
stderror_enabled = yes
socket = udp:127.0.0.1:PORT

loadmodule "proto_udp.so"
loadmodule "signaling.so"
loadmodule "sl.so"
loadmodule "tm.so"
loadmodule "rr.so"
loadmodule "sipmsgops.so"
loadmodule "dialog.so"
loadmodule "script_helper.so"
modparam("script_helper", "sequential_route", "seq")
modparam("script_helper", "use_dialog", 1)
modparam("script_helper", "create_dialog_flags", "B")

route {
	append_hf("X-Main: $rm dlg=$DLG_status\r\n");
	if (is_present_hf("X-Dst"))
		$du = $hdr(X-Dst);
	else
		$du = "sip:127.0.0.1:UASPORT";
	t_relay();
}

route[seq] {
	append_hf("X-Seq: $rm\r\n");
	if (is_present_hf("X-Drop"))
		drop;
	if (is_present_hf("X-Exit"))
		exit;
}
`

// shMask makes a transcript line comparable between two servers: the
// ports become names and the dialog id a placeholder.
type shMask struct{ ports map[int]string }

var (
	shDidRe  = regexp.MustCompile(`did=[0-9a-zA-Z.]+`)
	shFtagRe = regexp.MustCompile(`ftag=[0-9]+SIPpTag[0-9]+`)
)

func (m shMask) line(s string) string {
	for p, name := range m.ports {
		s = strings.ReplaceAll(s, ":"+strconv.Itoa(p), ":"+name)
	}
	s = shFtagRe.ReplaceAllString(s, "ftag=SIPP")
	return shDidRe.ReplaceAllString(s, "did=X")
}

// shPick keeps the lines of a message that script_helper decides: the
// first line, Record-Route, Route and the script's X- headers.
func (m shMask) pick(msg string) []string {
	if msg == "" {
		return []string{"(nothing)"}
	}
	msg = strings.ReplaceAll(msg, "\r\n", "\n")
	head, _, _ := strings.Cut(msg, "\n\n")
	lines := strings.Split(head, "\n")
	out := []string{m.line(lines[0])}
	for _, l := range lines[1:] {
		k, _, _ := strings.Cut(l, ":")
		switch strings.ToLower(strings.TrimSpace(k)) {
		case "record-route", "route", "x-main", "x-seq":
			out = append(out, m.line(l))
		}
	}
	return out
}

// scriptHelperRun drives a server started by start through a sipp call
// (INVITE/200/ACK/BYE via the Record-Route set) and raw UDP requests, and
// returns what each peer received, masked for comparison.
func scriptHelperRun(t *testing.T, start func(cfg string) int) []string {
	t.Helper()
	uasPort, uasWait := startSippUAS(t, "uas_call.xml")
	port := start(strings.ReplaceAll(scriptHelperCfg, "UASPORT", strconv.Itoa(uasPort)))
	a, b := newUDPClient(t), newUDPClient(t)
	m := shMask{ports: map[int]string{port: "PROXY", uasPort: "UAS", a.Port(): "CALLER", b.Port(): "CALLEE"}}
	var out []string
	add := func(label, msg string) {
		out = append(out, "== "+label)
		out = append(out, m.pick(msg)...)
	}

	uac := runSipp(t, "acc_uac_call.xml", port, "-s", "bob", "-set", "caller", "alice", "-d", "200")
	uas := uasWait()
	if uac.Exit != 0 || uas.Exit != 0 {
		t.Fatalf("sipp uac exit %d:\n%s\nuas exit %d:\n%s", uac.Exit, uac.Output, uas.Exit, uas.Output)
	}
	for _, method := range []string{"INVITE", "ACK", "BYE"} {
		got := received(uas.Messages, method)
		if len(got) != 1 {
			t.Fatalf("UAS got %d %s:\n%s", len(got), method, uas.Messages)
		}
		add("call "+method+" at the callee", got[0])
	}

	dst := fmt.Sprintf("X-Dst: sip:127.0.0.1:%d\n", b.Port())
	req := func(method, ruri, totag, extra string, cseq int) string {
		return fmt.Sprintf("%s %s SIP/2.0\n"+
			"Via: SIP/2.0/UDP 127.0.0.1:LPORT;branch=z9hG4bK-sh-%s-%d\n"+
			"From: <sip:alice@127.0.0.1>;tag=a1\nTo: <sip:bob@127.0.0.1>%s\n"+
			"Call-ID: sh-%s-%d@127.0.0.1\nCSeq: %d %s\nMax-Forwards: 70\n%s"+
			"Content-Length: 0\n\n", method, ruri, method, cseq, totag, method, cseq, cseq, method, extra)
	}
	ruri := fmt.Sprintf("sip:bob@127.0.0.1:%d", port)
	seqURI := fmt.Sprintf("sip:bob@127.0.0.1:%d", b.Port())
	routes := fmt.Sprintf("Route: <sip:127.0.0.1:%d;lr>, <sip:127.0.0.1:%d;lr>\n", port, b.Port())

	// An initial MESSAGE is not record-routed, an initial OPTIONS is.
	a.Send(port, req("MESSAGE", ruri, "", dst, 1))
	add("initial MESSAGE at the callee", shAnswer(b, 3*time.Second))
	add("initial MESSAGE, reply", a.RecvFinal(3*time.Second))
	a.Send(port, req("OPTIONS", ruri, "", dst, 2))
	add("initial OPTIONS at the callee", shAnswer(b, 3*time.Second))
	add("initial OPTIONS, reply", a.RecvFinal(3*time.Second))
	// A sequential request without a Route of ours: 404 Not Here.
	a.Send(port, req("INFO", ruri, ";tag=b1", "", 3))
	add("sequential INFO without Route, reply", a.RecvFinal(3*time.Second))
	// exit in the sequential route does not stop the relaying.
	a.Send(port, req("INFO", seqURI, ";tag=b1", routes+"X-Exit: 1\n", 4))
	add("sequential INFO, exit in seq route, at the callee", shAnswer(b, 3*time.Second))
	add("sequential INFO, exit in seq route, reply", a.RecvFinal(3*time.Second))
	// drop does: nothing is relayed nor answered.
	a.Send(port, req("INFO", seqURI, ";tag=b1", routes+"X-Drop: 1\n", 5))
	add("sequential INFO, drop in seq route, at the callee", shAnswer(b, time.Second))
	add("sequential INFO, drop in seq route, reply", a.Recv(100*time.Millisecond))
	// An ACK matching nothing is dropped silently.
	a.Send(port, req("ACK", ruri, ";tag=b1", "", 6))
	add("stray ACK, reply", a.Recv(time.Second))
	// A CANCEL matching nothing is dropped too.
	a.Send(port, req("CANCEL", ruri, "", "", 7))
	add("stray CANCEL, reply", a.Recv(time.Second))
	return out
}

// shAnswer waits for a request at c, answers it 200 OK (so that the
// proxy's transaction ends) and returns it; "" when none came.
func shAnswer(c *udpClient, timeout time.Duration) string {
	msg := c.Recv(timeout)
	if msg == "" || strings.HasPrefix(msg, "SIP/2.0 ") || strings.HasPrefix(msg, "ACK ") {
		return msg
	}
	var b strings.Builder
	b.WriteString("SIP/2.0 200 OK\r\n")
	for _, h := range []string{"Via", "From", "To", "Call-ID", "CSeq"} {
		for _, v := range headers(msg, h) {
			b.WriteString(h + ": " + v + "\r\n")
		}
	}
	b.WriteString("Content-Length: 0\r\n\r\n")
	v := header(msg, "Via")
	if i := strings.Index(v, " "); i > 0 {
		hostport, _, _ := strings.Cut(v[i+1:], ";")
		if _, p, ok := strings.Cut(hostport, ":"); ok {
			if port, err := strconv.Atoi(p); err == nil {
				c.SendRaw(port, []byte(b.String()))
			}
		}
	}
	return msg
}

// TestScriptHelperSipp checks the default routing on the wire: initial
// INVITEs are record-routed and get a dialog before the request route
// runs, sequential requests follow their Route set through the
// sequential route without the request route.
func TestScriptHelperSipp(t *testing.T) {
	got := strings.Join(scriptHelperRun(t, func(cfg string) int { return startServer(t, cfg).Port }), "\n")
	for _, want := range []string{
		"== call INVITE at the callee\nINVITE sip:bob@127.0.0.1:PROXY SIP/2.0\nRecord-Route: <sip:127.0.0.1:PROXY;lr;ftag=SIPP;did=X>\nX-Main: INVITE dlg=1\n",
		"== call ACK at the callee\nACK sip:callee@127.0.0.1:UAS;transport=UDP SIP/2.0\nX-Seq: ACK\n",
		"== call BYE at the callee\nBYE sip:callee@127.0.0.1:UAS;transport=UDP SIP/2.0\nX-Seq: BYE\n",
		"== initial MESSAGE at the callee\nMESSAGE sip:bob@127.0.0.1:PROXY SIP/2.0\nX-Main: MESSAGE dlg=<null>\n",
		"== initial OPTIONS at the callee\nOPTIONS sip:bob@127.0.0.1:PROXY SIP/2.0\nRecord-Route: <sip:127.0.0.1:PROXY;lr;ftag=a1>\nX-Main: OPTIONS dlg=<null>\n",
		"== sequential INFO without Route, reply\nSIP/2.0 404 Not Here\n",
		"== sequential INFO, exit in seq route, at the callee\nINFO sip:bob@127.0.0.1:CALLEE SIP/2.0\nRoute: <sip:127.0.0.1:CALLEE;lr>\nX-Seq: INFO\n",
		"== sequential INFO, drop in seq route, at the callee\n(nothing)\n",
		"== stray ACK, reply\n(nothing)\n",
		"== stray CANCEL, reply\n(nothing)",
	} {
		if !strings.Contains(got+"\n", want) {
			t.Errorf("transcript lacks\n%s\ngot:\n%s", want, got)
		}
	}
}

// TestScriptHelperOracle runs the same traffic through real OpenSIPS
// (OPENSIPS_BIN) and gosips and compares what every peer received.
func TestScriptHelperOracle(t *testing.T) {
	bin := testenv.Oracle(t)
	g := scriptHelperRun(t, func(cfg string) int { return startServer(t, cfg).Port })
	o := scriptHelperRun(t, func(cfg string) int { return natOracleStart(t, bin, cfg) })
	if strings.Join(g, "\n") != strings.Join(o, "\n") {
		t.Errorf("transcripts differ:\ngosips:\n%s\nopensips:\n%s", strings.Join(g, "\n"), strings.Join(o, "\n"))
	}
}

// scriptHelperSample is the corpus' script_helper sample configuration
// made runnable here: its socket, FIFO, logging and module path.
func scriptHelperSample(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile("../../shared/corpus/modern/head__modules__script_helper__samples__opensips-script-helper.cfg")
	if err != nil {
		t.Fatal(err)
	}
	return strings.NewReplacer(
		"socket=udp:127.0.0.1:5060", "socket=udp:127.0.0.1:PORT",
		`mpath="/usr/local/lib/opensips/modules/"`, "",
		"/run/opensips/opensips_fifo", filepath.Join(t.TempDir(), "fifo"),
		"syslog_enabled=yes", "syslog_enabled=no",
		"stderror_enabled=no", "stderror_enabled=yes",
	).Replace(string(b))
}

// scriptHelperSampleRun registers bob (Contact: a sipp UAS), then calls
// him through the sample configuration and returns what the peers got.
func scriptHelperSampleRun(t *testing.T, start func(cfg string) int) []string {
	t.Helper()
	uasPort, uasWait := startSippUAS(t, "uas_call.xml")
	port := start(scriptHelperSample(t))
	a := newUDPClient(t)
	m := shMask{ports: map[int]string{port: "PROXY", uasPort: "UAS", a.Port(): "CALLER"}}
	var out []string
	add := func(label, msg string) {
		out = append(out, "== "+label)
		out = append(out, m.pick(msg)...)
	}
	a.Send(port, fmt.Sprintf("REGISTER sip:127.0.0.1:%d SIP/2.0\n"+
		"Via: SIP/2.0/UDP 127.0.0.1:LPORT;branch=z9hG4bK-shs-reg\n"+
		"From: <sip:bob@127.0.0.1>;tag=r1\nTo: <sip:bob@127.0.0.1>\n"+
		"Call-ID: shs-reg@127.0.0.1\nCSeq: 1 REGISTER\nMax-Forwards: 70\n"+
		"Contact: <sip:callee@127.0.0.1:%d>;expires=60\nContent-Length: 0\n\n", port, uasPort))
	add("REGISTER, reply", a.RecvFinal(3*time.Second))
	uac := runSipp(t, "acc_uac_call.xml", port, "-s", "bob", "-set", "caller", "alice", "-d", "200")
	uas := uasWait()
	if uac.Exit != 0 || uas.Exit != 0 {
		t.Fatalf("sipp uac exit %d:\n%s\nuas exit %d:\n%s", uac.Exit, uac.Output, uas.Exit, uas.Output)
	}
	for _, method := range []string{"INVITE", "ACK", "BYE"} {
		got := received(uas.Messages, method)
		if len(got) != 1 {
			t.Fatalf("UAS got %d %s:\n%s", len(got), method, uas.Messages)
		}
		add("call "+method+" at the callee", got[0])
	}
	return out
}

// TestScriptHelperSampleSipp runs the corpus sample: REGISTER stored by
// the request route, a call routed by lookup() with script_helper's
// Record-Route, and its ACK and BYE relayed through my_seq_route.
func TestScriptHelperSampleSipp(t *testing.T) {
	var srv *server
	got := strings.Join(scriptHelperSampleRun(t, func(cfg string) int { srv = startServer(t, cfg); return srv.Port }), "\n")
	if n := strings.Count(srv.Logs(), "---- Sequential request handler ----"); n != 2 {
		t.Errorf("my_seq_route ran %d times, want 2 (ACK, BYE):\n%s", n, srv.Logs())
	}
	for _, want := range []string{
		"== REGISTER, reply\nSIP/2.0 200 OK\n",
		"== call INVITE at the callee\nINVITE sip:callee@127.0.0.1:UAS SIP/2.0\nRecord-Route: <sip:127.0.0.1:PROXY;lr;did=X>\n",
		"== call ACK at the callee\nACK sip:callee@127.0.0.1:UAS;transport=UDP SIP/2.0\n",
		"== call BYE at the callee\nBYE sip:callee@127.0.0.1:UAS;transport=UDP SIP/2.0",
	} {
		if !strings.Contains(got+"\n", want) {
			t.Errorf("transcript lacks\n%s\ngot:\n%s", want, got)
		}
	}
}

// TestScriptHelperSampleOracle compares the sample's run with OpenSIPS'.
func TestScriptHelperSampleOracle(t *testing.T) {
	bin := testenv.Oracle(t)
	g := scriptHelperSampleRun(t, func(cfg string) int { return startServer(t, cfg).Port })
	o := scriptHelperSampleRun(t, func(cfg string) int { return natOracleStart(t, bin, cfg) })
	if strings.Join(g, "\n") != strings.Join(o, "\n") {
		t.Errorf("transcripts differ:\ngosips:\n%s\nopensips:\n%s", strings.Join(g, "\n"), strings.Join(o, "\n"))
	}
}
