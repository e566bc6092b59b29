package e2e

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

const dialplanCfg = `
log_level = 3
stderror_enabled = yes
socket = udp:127.0.0.1:PORT

loadmodule "proto_udp.so"
loadmodule "signaling.so"
loadmodule "sl.so"
loadmodule "tm.so"
loadmodule "db_sqlite.so"
loadmodule "httpd.so"
loadmodule "mi_http.so"
loadmodule "dialplan.so"
loadmodule "sipmsgops.so"

modparam("httpd", "port", HTTPPORT)
modparam("dialplan", "db_url", "DBURL")

route {
	if (!dp_translate(1, $rU, $rU, $var(attrs))) {
		send_reply(404, "No Dialplan Rule");
		exit;
	}
	append_hf("X-DP-Attrs: $var(attrs)\r\n");
	$du = "sip:127.0.0.1:GWPORT";
	t_relay();
}
`

func TestDialplanRewritesNumber(t *testing.T) {
	url, conn := newSQLiteDB(t, "dialplan")
	// National 0-prefixed numbers become E.164 (regex + subst); a
	// service number is a fixed replacement; a higher pr rule loses.
	addRow(t, conn, "dialplan", "dpid", 1, "pr", 1, "match_op", 1, "match_exp", `^0[1-9][0-9]+$`,
		"subst_exp", `^0(.+)$`, "repl_exp", `+4930\1`, "attrs", "national")
	addRow(t, conn, "dialplan", "dpid", 1, "pr", 5, "match_op", 1, "match_exp", `^0`, "repl_exp", "never", "attrs", "loser")
	addRow(t, conn, "dialplan", "dpid", 1, "pr", 0, "match_op", 0, "match_exp", "110", "repl_exp", "+49110", "attrs", "police")
	gw := newUDPClient(t)
	httpPort := freePort(t)
	srv := startServer(t, strings.NewReplacer("DBURL", url, "HTTPPORT", fmt.Sprint(httpPort),
		"GWPORT", fmt.Sprint(gw.Port())).Replace(dialplanCfg))
	caller := newUDPClient(t)
	call := func(number, id string) {
		caller.Send(srv.Port, fmt.Sprintf("INVITE sip:%s@127.0.0.1 SIP/2.0\nVia: SIP/2.0/UDP 127.0.0.1:LPORT;branch=z9hG4bK-dp-%s\n"+
			"From: <sip:a@127.0.0.1>;tag=%s\nTo: <sip:%s@127.0.0.1>\nCall-ID: dp-%s\nCSeq: 1 INVITE\nMax-Forwards: 70\nContent-Length: 0\n\n",
			number, id, id, number, id))
	}
	for _, tc := range []struct{ number, ruri, attrs string }{
		{"030123456", "INVITE sip:+493030123456@127.0.0.1 SIP/2.0", "national"},
		{"110", "INVITE sip:+49110@127.0.0.1 SIP/2.0", "police"},
	} {
		call(tc.number, tc.number)
		got := gw.Recv(3 * time.Second)
		if !strings.HasPrefix(got, tc.ruri) || header(got, "X-DP-Attrs") != tc.attrs {
			t.Errorf("%s: gateway got:\n%s", tc.number, got)
		}
	}
	call("999", "none")
	if r := caller.RecvFinal(3 * time.Second); !strings.HasPrefix(r, "SIP/2.0 404 No Dialplan Rule") {
		t.Errorf("unmatched number: %q", strings.SplitN(r, "\r\n", 2)[0])
	}

	out, err := miHTTP(t, httpPort, "dp_translate", map[string]any{"dpid": 1, "input": "0301"})
	if err != nil || string(out) != `{"Output":"+4930301","ATTRIBUTES":"national"}` {
		t.Errorf("dp_translate: %s %v", out, err)
	}
	if _, err := miHTTP(t, httpPort, "dp_translate", map[string]any{"dpid": 1, "input": "999"}); err == nil || !strings.Contains(err.Error(), "No translation") {
		t.Errorf("dp_translate without a rule: %v", err)
	}
	out, err = miHTTP(t, httpPort, "dp_show_partition", nil)
	if err != nil || !strings.Contains(string(out), `{"name":"default","table":"dialplan","db_url":"sqlite://`) {
		t.Errorf("dp_show_partition: %s %v", out, err)
	}

	// dp_reload picks up a new rule; a bad one is refused, old rules kept.
	addRow(t, conn, "dialplan", "dpid", 1, "pr", 0, "match_op", 0, "match_exp", "999", "repl_exp", "+999", "attrs", "new")
	if _, err := miHTTP(t, httpPort, "dp_reload", nil); err != nil {
		t.Fatal(err)
	}
	if out, err := miHTTP(t, httpPort, "dp_translate", map[string]any{"dpid": 1, "input": "999"}); err != nil || !strings.Contains(string(out), `"+999"`) {
		t.Errorf("after dp_reload: %s %v", out, err)
	}
	addRow(t, conn, "dialplan", "dpid", 1, "pr", 0, "match_op", 1, "match_exp", "([", "attrs", "bad")
	_, err = miHTTP(t, httpPort, "dp_reload", nil)
	if err == nil || !strings.Contains(err.Error(), "table dialplan, id 5: bad match_exp") {
		t.Errorf("dp_reload with a bad row: %v", err)
	}
	if out, err := miHTTP(t, httpPort, "dp_translate", map[string]any{"dpid": 1, "input": "999"}); err != nil || !strings.Contains(string(out), `"+999"`) {
		t.Errorf("old rules lost: %s %v", out, err)
	}
}
