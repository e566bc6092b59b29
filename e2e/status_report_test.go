package e2e

import (
	"strings"
	"testing"
	"time"

	"gosips/internal/testenv"
)

// srCheckCfg answers every request with the codes sr_check_status()
// returns for the core's main identifier, all its identifiers and an
// unknown one.
const srCheckCfg = `
log_level = 3
stderror_enabled = yes
socket = udp:127.0.0.1:PORT
loadmodule "proto_udp.so"
loadmodule "sl.so"
route {
	sr_check_status("core");
	$var(a) = $rc;
	sr_check_status("core", "all");
	$var(b) = $rc;
	sr_check_status("core", "nope");
	$var(c) = $rc;
	sl_send_reply(200, "sr $var(a) $var(b) $var(c)");
	exit;
}
`

func srCheckExchange(t *testing.T, port int) string {
	t.Helper()
	c := newUDPClient(t)
	c.Send(port, "OPTIONS sip:x@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:LPORT;branch=z9hG4bK-sr1\r\nMax-Forwards: 70\r\n"+
		"From: <sip:a@127.0.0.1>;tag=sr\r\nTo: <sip:x@127.0.0.1>\r\nCall-ID: sr-check\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n")
	rep := c.Recv(3 * time.Second)
	first, _, _ := strings.Cut(rep, "\r\n")
	return first
}

// TestSRCheckStatus: sr_check_status() returns the running core's status
// (1), the aggregate of the group (1) and OpenSIPS' "not found" code for
// an unknown identifier; an unknown group is refused at load time.
func TestSRCheckStatus(t *testing.T) {
	srv := startServer(t, srCheckCfg)
	if got := srCheckExchange(t, srv.Port); got != "SIP/2.0 200 sr 1 1 -2147483648" {
		t.Errorf("got %q", got)
	}
	out, err := runCheck(t, strings.Replace(srCheckCfg, `sr_check_status("core");`, `sr_check_status("dispatcher");`, 1))
	if err == nil || !strings.Contains(out, `SR group "dispatcher" not registered`) {
		t.Errorf("unknown group accepted:\n%s", out)
	}
}

// TestSRCheckStatusOracle compares the codes with real OpenSIPS
// (OPENSIPS_BIN).
func TestSRCheckStatusOracle(t *testing.T) {
	bin := testenv.Oracle(t)
	g := srCheckExchange(t, startServer(t, srCheckCfg).Port)
	o := srCheckExchange(t, natOracleStart(t, bin, srCheckCfg))
	if g != o {
		t.Errorf("gosips %q, opensips %q", g, o)
	}
}
