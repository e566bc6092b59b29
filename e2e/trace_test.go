package e2e

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// traceCRLF gives a readable message CRLF line ends and its Content-Length.
func traceCRLF(msg string) string {
	head, body, _ := strings.Cut(msg, "\n\n")
	body = strings.ReplaceAll(body, "\n", "\r\n")
	return strings.ReplaceAll(head, "\n", "\r\n") + fmt.Sprintf("\r\nContent-Length: %d\r\n\r\n", len(body)) + body
}

// traceOurBranch matches the branch of the Via gosips adds: it is random
// per transaction, so the comparison normalises it.
var traceOurBranch = regexp.MustCompile(`(?m)^(Via: SIP/2.0/UDP 127\.0\.0\.1:\d+;branch=)z9hG4bK[0-9a-f]+\.\d+`)

func traceNormalize(msg string) string {
	msg = strings.ReplaceAll(msg, "\r\n", "\n")
	msg = traceOurBranch.ReplaceAllString(msg, "${1}BRANCH")
	return strings.TrimRight(msg, "\n ")
}

// TestTraceMatchesRun is the acceptance test of gosips trace: a REGISTER
// then an INVITE to the registered user go through "gosips run" on
// examples/opensips.cfg to a sipp callee, and the same two messages go
// through "gosips trace" with the same config and source address; the
// INVITE the trace shows relayed must be what sipp received, byte for byte
// but for the branch of gosips' own Via (random per transaction).
func TestTraceMatchesRun(t *testing.T) {
	uasPort, wait := startSippUAS(t, "uas_busy.xml")
	src, err := os.ReadFile("../examples/opensips.cfg")
	if err != nil {
		t.Fatal(err)
	}
	port := freePort(t)
	cfg := strings.ReplaceAll(string(src), "127.0.0.1:5060", fmt.Sprintf("127.0.0.1:%d", port))
	srv := startServerOn(t, cfg, port)

	alice := newUDPClient(t)
	lport := alice.Port()
	register := traceCRLF(fmt.Sprintf(`REGISTER sip:127.0.0.1:%[1]d SIP/2.0
Via: SIP/2.0/UDP 127.0.0.1:%[2]d;branch=z9hG4bK-tr-reg1;rport
Max-Forwards: 70
From: <sip:bob@127.0.0.1:%[1]d>;tag=tr1
To: <sip:bob@127.0.0.1:%[1]d>
Call-ID: trace-acceptance-reg
CSeq: 1 REGISTER
Contact: <sip:bob@127.0.0.1:%[3]d>
Expires: 600

`, port, lport, uasPort))
	invite := traceCRLF(fmt.Sprintf(`INVITE sip:bob@127.0.0.1:%[1]d SIP/2.0
Via: SIP/2.0/UDP 127.0.0.1:%[2]d;branch=z9hG4bK-tr-inv1;rport
Max-Forwards: 70
From: "Alice" <sip:alice@127.0.0.1:%[1]d>;tag=tr2
To: <sip:bob@127.0.0.1:%[1]d>
Call-ID: trace-acceptance-call
CSeq: 1 INVITE
Contact: <sip:alice@127.0.0.1:%[2]d>
Content-Type: application/sdp

v=0
o=alice 1 1 IN IP4 127.0.0.1
s=-
c=IN IP4 127.0.0.1
t=0 0
m=audio 40000 RTP/AVP 0
`, port, lport))
	alice.SendRaw(port, []byte(register))
	if r := alice.RecvFinal(3 * time.Second); statusCode(r) != "200" {
		t.Fatalf("REGISTER: want 200, got:\n%s", r)
	}
	alice.SendRaw(port, []byte(invite))
	if r := alice.RecvFinal(5 * time.Second); statusCode(r) != "486" {
		t.Fatalf("INVITE: want the callee's 486, got:\n%s\nlogs:\n%s", r, srv.Logs())
	}
	res := wait()
	got := received(res.Messages, "INVITE")
	if len(got) != 1 {
		t.Fatalf("sipp received %d INVITEs:\n%s", len(got), res.Messages)
	}

	dir := t.TempDir()
	cfgPath := filepath.Join(dir, "opensips.cfg")
	regPath, invPath := filepath.Join(dir, "register.sip"), filepath.Join(dir, "invite.sip")
	for p, b := range map[string]string{cfgPath: cfg, regPath: register, invPath: invite} {
		if err := os.WriteFile(p, []byte(b), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	cmd := exec.Command(gosipsBin(t), "trace", "-f", cfgPath, "--from", fmt.Sprintf("udp:127.0.0.1:%d", lport),
		"--json", regPath, invPath)
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("gosips trace: %v\n%s", err, out)
	}
	var traced []string
	for _, l := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		var ev struct{ Kind, To, Raw string }
		if err := json.Unmarshal([]byte(l), &ev); err != nil {
			t.Fatalf("trace --json line %q: %v", l, err)
		}
		if ev.Kind == "send" && strings.HasPrefix(ev.Raw, "INVITE ") {
			if ev.To != fmt.Sprintf("udp:127.0.0.1:%d", uasPort) {
				t.Errorf("traced INVITE goes to %s, want the registered contact's port %d", ev.To, uasPort)
			}
			traced = append(traced, ev.Raw)
		}
	}
	if len(traced) != 1 {
		t.Fatalf("the trace shows %d relayed INVITEs:\n%s", len(traced), out)
	}
	want, have := traceNormalize(got[0]), traceNormalize(traced[0])
	if want != have {
		t.Errorf("traced INVITE differs from what the callee received from gosips run\n--- received by sipp:\n%s\n--- traced:\n%s", want, have)
	}
	t.Logf("relayed INVITE identical in run and trace (%d bytes, branch normalised)", len(traced[0]))
	if !strings.Contains(want, "BRANCH") {
		t.Errorf("gosips' Via was not found for normalisation:\n%s", want)
	}
}
