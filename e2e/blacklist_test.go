package e2e

import (
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	"gosips/db"
	"gosips/internal/testenv"
)

// blacklistCfg exercises the core blacklists: "stat" (read-only) and the
// default list "defl" from dst_blacklist, "dyn" filled by
// add_blacklist_rule; the user part of the R-URI picks the case.
const blacklistCfg = `
log_level = 3
stderror_enabled = yes
socket = udp:127.0.0.1:PORT
dst_blacklist = stat: { (udp, 127.0.0.1, UASPORT, ""), !(tcp, 10.0.0.0/8), (any, 192.168.0.0/16, 0, "*X-Bad*") }
dst_blacklist = dyn/expire : { }
dst_blacklist = defl/default : { (udp, 127.0.0.2, UASPORT) }
loadmodule "proto_udp.so"
loadmodule "sl.so"
loadmodule "tm.so"
loadmodule "httpd.so"
loadmodule "mi_http.so"
modparam("httpd", "port", HTTPPORT)
modparam("tm", "fr_timeout", 2)
route {
	if ($rm == "ACK") {
		t_check_trans();
		exit;
	}
	$var(r) = "";
	if ($rU == "chk") {
		if (check_blacklist_rule("stat", "127.0.0.1", UASPORT, "udp")) $var(r) = $var(r) + "1";
		if (check_blacklist_rule("stat", "10.1.1.1", 5060, "udp")) $var(r) = $var(r) + "2";
		if (check_blacklist_rule("stat", "10.1.1.1", 5060, "tcp")) $var(r) = $var(r) + "3";
		if (check_blacklist_rule("stat", "192.168.1.1", 5060, "tcp", "a X-Bad b")) $var(r) = $var(r) + "4";
		if (check_blacklist_rule("all", "127.0.0.1", UASPORT, "udp")) $var(r) = $var(r) + "5";
		if (check_blacklist_rule("all", "127.0.0.2", UASPORT, "udp")) $var(r) = $var(r) + "6";
		unuse_blacklist("defl");
		if (check_blacklist_rule("all", "127.0.0.2", UASPORT, "udp")) $var(r) = $var(r) + "7";
		use_blacklist("stat");
		if (check_blacklist_rule("all", "127.0.0.1", UASPORT, "udp")) $var(r) = $var(r) + "8";
		if (add_blacklist_rule("stat", "10.0.0.9")) $var(r) = $var(r) + "9";
		if (add_blacklist_rule("defl", "10.0.0.9", , , , 30)) $var(r) = $var(r) + "a";
		add_blacklist_rule("dyn", "!10.0.0.1", , , "*foo*");
		if (del_blacklist_rule("dyn", "!10.0.0.1", , , "*foo*")) $var(r) = $var(r) + "b";
		if (del_blacklist_rule("dyn", "!10.0.0.1", , , "*foo*")) $var(r) = $var(r) + "c";
		sl_send_reply(200, "chk $var(r)");
		exit;
	}
	if ($rU == "use") {
		use_blacklist("stat");
		$du = "sip:127.0.0.1:UASPORT";
	} else if ($rU == "norm") {
		$du = "sip:127.0.0.1:UASPORT";
	} else if ($rU == "def") {
		$du = "sip:127.0.0.2:UASPORT";
	} else if ($rU == "add") {
		add_blacklist_rule("dyn", "127.0.0.0/24", UASPORT, "udp", "*Call-ID: bl-add*", 60);
		use_blacklist("dyn");
		$du = "sip:127.0.0.1:UASPORT";
	} else if ($rU == "fwd") {
		use_blacklist("stat");
		if (!forward("udp:127.0.0.1:UASPORT"))
			sl_send_reply(403, "forward refused");
		exit;
	} else if ($rU == "rc") {
		use_blacklist("all");
		$du = "sip:127.0.0.1:UASPORT";
		if (!t_relay("no-auto-477")) {
			$var(rc) = $rc;
			t_reply(500, "rc $var(rc)");
		}
		exit;
	}
	t_relay();
}
`

func blacklistConfig(httpPort, uasPort int) string {
	return strings.NewReplacer("HTTPPORT", fmt.Sprint(httpPort), "UASPORT", fmt.Sprint(uasPort)).Replace(blacklistCfg)
}

// blRequest is an INVITE to user@127.0.0.1 with a Call-ID naming the case.
func blRequest(port, lport int, user string) string {
	return fmt.Sprintf("INVITE sip:%s@127.0.0.1:%d SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:%d;branch=z9hG4bK-bl-%s\r\n"+
		"Max-Forwards: 70\r\nFrom: <sip:a@127.0.0.1>;tag=bl\r\nTo: <sip:%s@127.0.0.1>\r\nCall-ID: bl-%s\r\n"+
		"CSeq: 1 INVITE\r\nContent-Length: 0\r\n\r\n", user, port, lport, user, user, user)
}

// blExchange sends the cases that need no callee and returns the final
// replies' status lines and the list_blacklists answer, expiry masked.
func blExchange(t *testing.T, port, httpPort int) []string {
	t.Helper()
	c := newUDPClient(t)
	var out []string
	for _, user := range []string{"chk", "def", "add", "rc", "fwd"} {
		c.Send(port, blRequest(port, c.Port(), user))
		rep := c.RecvFinal(3 * time.Second)
		first, _, _ := strings.Cut(rep, "\r\n")
		out = append(out, user+": "+first)
		if strings.HasPrefix(rep, "SIP/2.0 4") {
			c.Send(port, fmt.Sprintf("ACK sip:%s@127.0.0.1:%d SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:%d;branch=z9hG4bK-bl-%s\r\n"+
				"Max-Forwards: 70\r\nFrom: <sip:a@127.0.0.1>;tag=bl\r\nTo: %s\r\nCall-ID: bl-%s\r\nCSeq: 1 ACK\r\nContent-Length: 0\r\n\r\n",
				user, port, c.Port(), user, header(rep, "To"), user))
		}
	}
	raw, err := miHTTP(t, httpPort, "list_blacklists", nil)
	if err != nil {
		t.Fatalf("list_blacklists: %v", err)
	}
	var v any
	if err := json.Unmarshal(raw, &v); err != nil {
		t.Fatal(err)
	}
	b, _ := json.Marshal(v) // canonical key order
	out = append(out, regexp.MustCompile(`"Expire":\d+`).ReplaceAllString(string(b), `"Expire":N`))
	return out
}

// TestBlacklistRelay: a sipp caller whose next hop is blacklisted by
// use_blacklist gets 473 Filtered destination; without it the call
// reaches the callee (486); as in OpenSIPS 3.6 a "default" list is not
// applied without use_blacklist (408 from an absent callee); add_blacklist_rule
// blocks with a pattern over the request, t_relay("no-auto-477") returns
// -5, check/add/del_blacklist_rule answer as OpenSIPS 3.6.
func TestBlacklistRelay(t *testing.T) {
	uasPort, uasDone := startSippUAS(t, "uas_busy.xml")
	httpPort := freePort(t)
	srv := startServer(t, blacklistConfig(httpPort, uasPort))

	res := runSipp(t, "bl_uac_filtered.xml", srv.Port, "-s", "use")
	if res.Exit != 0 {
		t.Fatalf("blacklisted call did not get 473 (exit %d):\n%s\n%s\n%s", res.Exit, res.Output, res.Messages, srv.Logs())
	}
	if m := tmSippMessage(res.Messages, "SIP/2.0 473"); !strings.Contains(m, "SIP/2.0 473 Filtered destination (473/TM)") {
		t.Errorf("473 reason:\n%s", m)
	}
	res = runSipp(t, "acc_uac_busy.xml", srv.Port, "-s", "norm")
	if res.Exit != 0 || !strings.Contains(res.Messages, "SIP/2.0 486") {
		t.Fatalf("call without blacklist: exit %d\n%s\n%s", res.Exit, res.Messages, srv.Logs())
	}
	if r := uasDone(); r.Exit != 0 {
		t.Errorf("callee: exit %d\n%s", r.Exit, r.Output)
	}

	got := blExchange(t, srv.Port, httpPort)
	want := []string{"chk: SIP/2.0 200 chk 1248b", "def: SIP/2.0 408 Request Timeout",
		"add: SIP/2.0 473 Filtered destination (473/TM)", "rc: SIP/2.0 500 rc -5", "fwd: SIP/2.0 403 forward refused"}
	for i, w := range want {
		if got[i] != w {
			t.Errorf("case %d: %q, want %q", i, got[i], w)
		}
	}
	for _, w := range []string{`{"Rules":[{"Expire":N,"IP":"127.0.0.0","Mask":"255.255.255.0","Match":"*Call-ID: bl-add*","Port":` +
		fmt.Sprint(uasPort) + `,"Proto":"udp","flags":0}],"flags":["expire"],"name":"dyn","owner":"script"}`,
		`"flags":["read-only"],"name":"stat","owner":"script"}`, `"flags":["default"],"name":"defl","owner":"script"}`} {
		if !strings.Contains(got[5], w) {
			t.Errorf("list_blacklists lacks %s:\n%s", w, got[5])
		}
	}
}

// TestBlacklistOracle runs the blacklist cases through real OpenSIPS
// (OPENSIPS_BIN) and gosips and compares the replies and list_blacklists.
func TestBlacklistOracle(t *testing.T) {
	bin := testenv.Oracle(t)
	uasPort := freePort(t) // blocked, never reached
	gh, oh := freePort(t), freePort(t)
	g := blExchange(t, startServer(t, blacklistConfig(gh, uasPort)).Port, gh)
	o := blExchange(t, natOracleStart(t, bin, blacklistConfig(oh, uasPort)), oh)
	for i := range g {
		if g[i] != o[i] {
			t.Errorf("step %d differs:\n gosips:   %s\n opensips: %s", i, g[i], o[i])
		}
	}
}

// blDispatcherCfg blacklists the destinations of dispatcher set 1
// (ds_define_blacklist) and relays to that set with the list in use when
// the R-URI user is "use".
const blDispatcherCfg = `
log_level = 3
socket = udp:127.0.0.1:PORT
loadmodule "proto_udp.so"
loadmodule "sl.so"
loadmodule "tm.so"
loadmodule "db_sqlite.so"
loadmodule "dispatcher.so"
loadmodule "httpd.so"
loadmodule "mi_http.so"
modparam("httpd", "port", HTTPPORT)
modparam("tm", "fr_timeout", 1)
modparam("dispatcher", "db_url", "DBURL")
modparam("dispatcher", "ds_define_blacklist", "dsbl = 1")
route {
	if ($rm == "ACK") {
		t_check_trans();
		exit;
	}
	if ($rU == "use")
		use_blacklist("dsbl");
	ds_select_dst(1, 0);
	t_relay();
}
`

// TestBlacklistDispatcher: ds_define_blacklist fills a core list with the
// set's destinations; a relay to them is filtered (473) once the script
// uses the list, and list_blacklists shows it owned by dispatcher.
func TestBlacklistDispatcher(t *testing.T) {
	uas := newUDPClient(t)
	url := sqliteDB(t, "dispatcher")
	insertRow(t, url, "dispatcher", map[string]db.Value{"setid": db.IntValue(1),
		"destination": db.StringValue(fmt.Sprintf("sip:127.0.0.1:%d", uas.Port())), "weight": db.StringValue("1")})
	httpPort := freePort(t)
	srv := startServer(t, strings.NewReplacer("DBURL", url, "HTTPPORT", fmt.Sprint(httpPort)).Replace(blDispatcherCfg))
	c := newUDPClient(t)
	c.Send(srv.Port, blRequest(srv.Port, c.Port(), "use"))
	if rep := c.RecvFinal(3 * time.Second); statusCode(rep) != "473" {
		t.Fatalf("blacklisted dispatcher destination: %q\n%s", rep, srv.Logs())
	}
	c.Send(srv.Port, blRequest(srv.Port, c.Port(), "free"))
	if req := uas.Recv(3 * time.Second); !strings.HasPrefix(req, "INVITE ") {
		t.Fatalf("destination not reached without the list: %q", req)
	}
	raw, err := miHTTP(t, httpPort, "list_blacklists", map[string]any{"name": "dsbl"})
	want := fmt.Sprintf(`"name":"dsbl","owner":"dispatcher","flags":[],"Rules":[{"flags":0,"IP":"127.0.0.1","Mask":"255.255.255.255","Proto":"any","Port":%d}]`, uas.Port())
	if err != nil || !strings.Contains(string(raw), want) {
		t.Errorf("list_blacklists: %s %v, want %s", raw, err, want)
	}
}
