package e2e

import (
	"fmt"
	"strings"
	"testing"
)

// uacCfg anonymises the caller with uac_replace_from (restore_mode auto):
// the callee sees the anonymous From, the caller its own in every reply.
const uacCfg = `
log_level = 3
stderror_enabled = yes
udp_workers = 2
socket = udp:127.0.0.1:PORT

loadmodule "proto_udp.so"
loadmodule "signaling.so"
loadmodule "sl.so"
loadmodule "tm.so"
loadmodule "rr.so"
loadmodule "sipmsgops.so"
loadmodule "uac.so"

modparam("uac", "restore_mode", "auto")

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
	t_check_trans();
	record_route();
	if (is_method("INVITE")) {
		uac_replace_from("", "sip:anon@anonymous.invalid");
	}
	$du = "sip:127.0.0.1:UAS";
	if (!t_relay()) {
		send_reply(500, "Relay Failed");
	}
}
`

func TestUACReplaceFromRestoredInReplies(t *testing.T) {
	needSipp(t)
	uas, wait := startSippUAS(t, "uac_restore_uas.xml")
	srv := startServer(t, strings.ReplaceAll(uacCfg, "UAS", fmt.Sprint(uas)))
	res := runSipp(t, "uac_restore_call.xml", srv.Port, "-s", "bob")
	if res.Exit != 0 {
		t.Fatalf("caller failed (exit %d):\n%s\nlogs:\n%s", res.Exit, res.Output, srv.Logs())
	}
	if u := wait(); u.Exit != 0 {
		t.Fatalf("callee failed (exit %d):\n%s\nlogs:\n%s", u.Exit, u.Output, srv.Logs())
	}
}
