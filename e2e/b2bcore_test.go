package e2e

import (
	"encoding/json"
	"fmt"
	"os"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"gosips/internal/testenv"
)

const b2bcCfg = `
socket = udp:127.0.0.1:PORT
log_level = 3
loadmodule "proto_udp.so"
loadmodule "signaling.so"
loadmodule "sl.so"
loadmodule "tm.so"
loadmodule "sipmsgops.so"
loadmodule "b2b_entities.so"
loadmodule "b2b_logic.so"
loadmodule "httpd.so"
loadmodule "mi_http.so"
modparam("httpd", "port", HTTP)
route {
	if (is_method("INVITE") && !has_totag()) {
		$ru = "sip:bob@127.0.0.1:UASPORT";
		b2b_init_request("top hiding");
		exit;
	}
	send_reply(404, "Not here");
}
`

// b2bcEnv is a gosips running a B2B config and its MI port.
type b2bcEnv struct {
	srv      *server
	httpPort int
}

func startB2BC(t *testing.T, cfg string, uasPort int) *b2bcEnv {
	t.Helper()
	hp := freePort(t)
	cfg = strings.ReplaceAll(cfg, "UASPORT", strconv.Itoa(uasPort))
	cfg = strings.ReplaceAll(cfg, "HTTP)", strconv.Itoa(hp)+")")
	return &b2bcEnv{srv: startServer(t, cfg), httpPort: hp}
}

// b2bcEmpty waits until b2be_list and b2b_list list nothing.
func (e *b2bcEnv) b2bcEmpty(t *testing.T) {
	t.Helper()
	var ents, tuples json.RawMessage
	ok := eventually(5*time.Second, func() bool {
		var err error
		if ents, err = miCall(t, e.httpPort, "b2be_list", nil); err != nil {
			return false
		}
		if tuples, err = miCall(t, e.httpPort, "b2b_list", nil); err != nil {
			return false
		}
		return string(ents) == "[]" && string(tuples) == `{"Tuples":[]}`
	})
	if !ok {
		t.Errorf("entities left behind:\nb2be_list %s\nb2b_list %s", ents, tuples)
	}
}

// TestB2BCoreTopHiding: b2b_init_request("top hiding") between a sipp
// caller and a sipp callee. The callee sees none of the caller's Via,
// Contact, Call-ID or From tag, the caller none of the callee's; a BYE
// from either side ends both, a 486 reaches the caller, and no entity is
// left behind. A re-INVITE (hold) and a CANCEL pass through too.
func TestB2BCoreTopHiding(t *testing.T) {
	gosipsBin(t) // built before the peers' clocks start
	for _, tc := range []struct {
		name, uac, uas string
	}{
		{"caller hangs up", "b2bc_uac_bye.xml", "b2bc_uas_wait.xml"},
		{"callee hangs up", "b2bc_uac_wait.xml", "b2bc_uas_bye.xml"},
		{"callee busy", "b2bc_uac_busy.xml", "b2bc_uas_busy.xml"},
		{"re-INVITE for hold", "b2bc_uac_hold.xml", "b2bc_uas_hold.xml"},
		{"caller cancels", "b2bc_uac_cancel.xml", "uas_ring_cancel.xml"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			uasPort, uasWait := startSippUAS(t, tc.uas, "-d", "300")
			env := startB2BC(t, b2bcCfg, uasPort)
			caller := runSipp(t, tc.uac, env.srv.Port, "-s", "bob", "-d", "300")
			callee := uasWait()
			if caller.Exit != 0 || callee.Exit != 0 {
				t.Fatalf("caller exit %d, callee exit %d\n--- caller:\n%s\n%s\n--- callee:\n%s\n%s\n--- gosips:\n%s",
					caller.Exit, callee.Exit, caller.Output, caller.Messages, callee.Output, callee.Messages, env.srv.Logs())
			}
			callerInv := b2bcSent(caller.Messages, "INVITE")
			callID := header(callerInv, "Call-ID")
			fromTag := b2bcTag(header(callerInv, "From"))
			cport := callerPort(caller.Messages)
			for _, method := range []string{"INVITE", "ACK", "BYE"} {
				for _, m := range received(callee.Messages, method) {
					for _, secret := range []string{callID, fromTag, "alice-private", "127.0.0.1:" + strconv.Itoa(cport)} {
						if strings.Contains(m, secret) {
							t.Errorf("callee got a %s showing %q:\n%s", method, secret, m)
						}
					}
					if v := headers(m, "Via"); len(v) != 1 || !strings.Contains(v[0], "127.0.0.1:"+strconv.Itoa(env.srv.Port)) {
						t.Errorf("callee's %s has Vias %q, want only ours", method, v)
					}
				}
			}
			for _, m := range received(caller.Messages, "SIP/2.0") {
				if strings.Contains(m, "bob-private") || strings.Contains(m, "127.0.0.1:"+strconv.Itoa(uasPort)) {
					t.Errorf("caller got a reply showing the callee:\n%s", m)
				}
			}
			if bye := received(caller.Messages, "BYE"); len(bye) > 0 && strings.Contains(bye[0], "bob-private") {
				t.Errorf("caller's BYE shows the callee:\n%s", bye[0])
			}
			if tc.name == "callee busy" {
				receivedReply(t, caller.Messages, "486", "INVITE")
			}
			env.b2bcEmpty(t)
		})
	}
}

// b2bcSent returns the first message of that method the sipp log shows
// as sent.
func b2bcSent(log, method string) string {
	for _, part := range strings.Split(log, "-----------------------------------------------") {
		_, msg, ok := strings.Cut(part, "message sent")
		if !ok {
			continue
		}
		if i := strings.Index(msg, "\n\n"); i >= 0 {
			msg = msg[i+2:]
		}
		if strings.HasPrefix(strings.TrimSpace(msg), method+" ") {
			return strings.TrimSpace(msg)
		}
	}
	return ""
}

func b2bcTag(h string) string {
	_, tag, _ := strings.Cut(h, "tag=")
	if i := strings.IndexAny(tag, ";> "); i >= 0 {
		tag = tag[:i]
	}
	return tag
}

const b2bcBridgeCfg = `
socket = udp:127.0.0.1:PORT
log_level = 3
loadmodule "proto_udp.so"
loadmodule "signaling.so"
loadmodule "sl.so"
loadmodule "tm.so"
loadmodule "sipmsgops.so"
loadmodule "b2b_entities.so"
loadmodule "b2b_logic.so"
loadmodule "httpd.so"
loadmodule "mi_http.so"
modparam("httpd", "port", HTTP)
route {
	if (is_method("INVITE") && !has_totag()) {
		b2b_server_new("caller");
		b2b_client_new("media", "sip:media@127.0.0.1:UASPORT");
		$b2b_logic.ctx(next) = "sip:carol@127.0.0.1:CAROLPORT";
		b2b_init_request("prepaid", , "b2b_req", "b2b_rpl");
		exit;
	}
	send_reply(404, "Not here");
}
route[b2b_req] {
	xlog("b2b request $rm from $b2b_logic.entity(id) in $b2b_logic.key ($b2b_logic.scenario)\n");
	if ($rm == "BYE" && $b2b_logic.entity(id) == "media") {
		b2b_send_reply(200, "OK");
		b2b_client_new("callee", $b2b_logic.ctx(next));
		b2b_bridge("peer", "callee");
		exit;
	}
	b2b_pass_request();
}
route[b2b_rpl] {
	b2b_handle_reply();
}
`

// TestB2BCoreScriptBridge: a prepaid-style flow driven from the script.
// The caller is answered by a media server (b2b_server_new +
// b2b_client_new + b2b_init_request with routes); when the media server
// hangs up, the request route bridges the caller to the callee with late
// SDP (INVITE without body, the callee's offer in a re-INVITE to the
// caller, the caller's answer in the ACK). The caller's BYE ends the
// call and no entity is left.
func TestB2BCoreScriptBridge(t *testing.T) {
	gosipsBin(t)
	carolPort, carolWait := startSippUAS(t, "b2bc_uas_late.xml")
	mediaPort, mediaWait := startSippUAS(t, "b2bc_uas_bye.xml", "-d", "300")
	cfg := strings.ReplaceAll(b2bcBridgeCfg, "CAROLPORT", strconv.Itoa(carolPort))
	env := startB2BC(t, cfg, mediaPort)
	caller := runSipp(t, "b2bc_uac_bridged.xml", env.srv.Port, "-s", "alice", "-d", "300")
	media, carol := mediaWait(), carolWait()
	if caller.Exit != 0 || media.Exit != 0 || carol.Exit != 0 {
		t.Fatalf("caller %d media %d callee %d\n--- caller:\n%s\n%s\n--- media:\n%s\n--- callee:\n%s\n%s\n--- gosips:\n%s",
			caller.Exit, media.Exit, carol.Exit, caller.Output, caller.Messages, media.Messages, carol.Output, carol.Messages, env.srv.Logs())
	}
	inv := received(carol.Messages, "INVITE")
	if len(inv) != 1 || header(inv[0], "Content-Length") != "0" {
		t.Errorf("the callee's INVITE is not late SDP: %q", inv)
	}
	reinv := received(caller.Messages, "INVITE")
	if len(reinv) != 1 || !strings.Contains(reinv[0], "o=carol") {
		t.Errorf("the caller's re-INVITE does not carry the callee's offer: %q", reinv)
	}
	if !strings.Contains(env.srv.Logs(), "b2b request BYE from media in ") || !strings.Contains(env.srv.Logs(), "(prepaid)") {
		t.Errorf("the request route did not see the media server's BYE with its entity and scenario:\n%s", env.srv.Logs())
	}
	env.b2bcEmpty(t)
}

const b2bcProxyCfg = `
socket = udp:127.0.0.1:PORT
log_level = 2
loadmodule "proto_udp.so"
loadmodule "signaling.so"
loadmodule "sl.so"
loadmodule "tm.so"
loadmodule "rr.so"
loadmodule "sipmsgops.so"
route {
	if (has_totag()) {
		loose_route();
		t_relay();
		exit;
	}
	record_route();
	$du = "sip:127.0.0.1:UASPORT";
	t_relay();
}
`

// b2bcCPU returns the CPU time (user + system) a process used so far.
func b2bcCPU(t *testing.T, pid int) time.Duration {
	t.Helper()
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		t.Fatal(err)
	}
	s := string(b)
	f := strings.Fields(s[strings.LastIndexByte(s, ')')+2:])
	ut, _ := strconv.ParseInt(f[11], 10, 64)
	st, _ := strconv.ParseInt(f[12], 10, 64)
	return time.Duration(ut+st) * 10 * time.Millisecond
}

// TestB2BCoreLoad: 1,000 calls at 100/s through
// b2b_init_request("top hiding") and, for comparison, through a plain
// stateful proxy (record_route + t_relay) on the same sipp scenarios:
// no call fails, no entity is left, and the CPU gosips used per call is
// logged for docs/performance.md.
func TestB2BCoreLoad(t *testing.T) {
	const calls = 1000
	gosipsBin(t) // built before the callee's clock starts
	for _, tc := range []struct{ name, cfg string }{
		{"top hiding", b2bcCfg},
		{"proxy", b2bcProxyCfg},
	} {
		t.Run(tc.name, func(t *testing.T) {
			n := strconv.Itoa(calls)
			uasPort, uasWait := startSippUAS(t, "b2bc_uas_wait.xml", "-m", n)
			env := startB2BC(t, tc.cfg, uasPort)
			pid := env.srv.cmd.Process.Pid
			before := b2bcCPU(t, pid)
			start := time.Now()
			caller := runSipp(t, "b2bc_uac_bye.xml", env.srv.Port, "-s", "bob", "-d", "100",
				"-m", n, "-r", "100", "-l", "200", "-timeout", "35s")
			callee := uasWait()
			cpu := b2bcCPU(t, pid) - before
			if caller.Exit != 0 || callee.Exit != 0 {
				t.Fatalf("caller exit %d, callee exit %d\n--- caller:\n%s\n--- callee:\n%s", caller.Exit, callee.Exit,
					b2bcTail(caller.Output), b2bcTail(callee.Output))
			}
			if !strings.Contains(caller.Output, "Successful call") {
				t.Fatalf("no statistics:\n%s", caller.Output)
			}
			t.Logf("%s: %d calls in %v, gosips CPU %v, %.3f ms per call", tc.name, calls,
				time.Since(start).Round(time.Millisecond), cpu, float64(cpu)/float64(time.Millisecond)/calls)
			if tc.name == "top hiding" {
				env.b2bcEmpty(t)
			}
		})
	}
}

func b2bcTail(s string) string {
	if len(s) > 3000 {
		return s[len(s)-3000:]
	}
	return s
}

// b2bcShape lists the member names of every JSON object in v, in order,
// under the path leading to it (array elements share their array's
// path), skipping the members named in skip.
func b2bcShape(raw json.RawMessage, skip map[string]bool) []string {
	var out []string
	var walk func(path string, dec *json.Decoder)
	walk = func(path string, dec *json.Decoder) {
		tok, err := dec.Token()
		if err != nil {
			return
		}
		switch tok {
		case json.Delim('{'):
			var keys []string
			for dec.More() {
				k, _ := dec.Token()
				ks, _ := k.(string)
				if !skip[ks] {
					keys = append(keys, ks)
				}
				walk(path+"."+ks, dec)
			}
			dec.Token()
			out = append(out, path+": "+strings.Join(keys, ","))
		case json.Delim('['):
			for dec.More() {
				walk(path+"[]", dec)
			}
			dec.Token()
		}
	}
	walk("", json.NewDecoder(strings.NewReader(string(raw))))
	sort.Strings(out)
	return slices.Compact(out)
}

// TestB2BCoreMIOracle: b2be_list and b2b_list during a top-hiding call
// have the members of real OpenSIPS 3.6, in the same order, and are
// empty after the call on both.
func TestB2BCoreMIOracle(t *testing.T) {
	bin := testenv.Oracle(t)
	gosipsBin(t)
	cfg := strings.ReplaceAll(b2bcCfg, "HTTP)", "HTTPPORT)")
	cfg = strings.ReplaceAll(cfg, "route {", "modparam(\"b2b_entities\", \"db_mode\", 0)\nmodparam(\"b2b_logic\", \"db_mode\", 0)\nroute {")
	// Members gosips does not show: the socket of client entities, which
	// gosips picks per request.
	skip := map[string]bool{"send_sock": true}
	shapes := map[string][2][]string{}
	for _, e := range []b2bEngine{b2bGosips(), b2bOpenSIPS(bin)} {
		uasPort, uasWait := startSippUAS(t, "b2bc_uas_wait.xml")
		sipPort, mi := e.start(t, strings.ReplaceAll(cfg, "UASPORT", strconv.Itoa(uasPort)))
		caller := b2bStartUAC(t, "b2bc_uac_bye.xml", sipPort, "-s", "bob", "-d", "1500")
		b2bWaitTuple(t, mi)
		ents, err1 := miCall(t, mi, "b2be_list", nil)
		tuples, err2 := miCall(t, mi, "b2b_list", nil)
		if err1 != nil || err2 != nil {
			t.Fatalf("%s: %v %v", e.name, err1, err2)
		}
		if r := caller.wait(20 * time.Second); r.Exit != 0 {
			t.Fatalf("%s: caller exit %d\n%s", e.name, r.Exit, r.Output)
		}
		uasWait()
		b2bCheckEmpty(t, mi)
		shapes[e.name] = [2][]string{b2bcShape(ents, skip), b2bcShape(tuples, skip)}
	}
	for i, cmd := range []string{"b2be_list", "b2b_list"} {
		g, o := shapes["gosips"][i], shapes["opensips"][i]
		if !slices.Equal(g, o) {
			t.Errorf("%s members differ\ngosips:\n%s\nopensips:\n%s", cmd, strings.Join(g, "\n"), strings.Join(o, "\n"))
		}
	}
}

// TestB2BCoreKeyPrefix: with b2b_key_prefix the keys, and so the callee's
// Call-ID and the caller's To-tag, start with that prefix; in-dialog
// requests from both sides still find their entities.
func TestB2BCoreKeyPrefix(t *testing.T) {
	gosipsBin(t)
	cfg := strings.Replace(b2bcCfg, `loadmodule "b2b_logic.so"`,
		`loadmodule "b2b_logic.so"`+"\n"+`modparam("b2b_entities", "b2b_key_prefix", "TOP9")`, 1)
	for _, tc := range []struct{ name, uac, uas string }{
		{"caller hangs up", "b2bc_uac_bye.xml", "b2bc_uas_wait.xml"},
		{"callee hangs up", "b2bc_uac_wait.xml", "b2bc_uas_bye.xml"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			uasPort, uasWait := startSippUAS(t, tc.uas, "-d", "300")
			env := startB2BC(t, cfg, uasPort)
			caller := runSipp(t, tc.uac, env.srv.Port, "-s", "bob", "-d", "300")
			callee := uasWait()
			if caller.Exit != 0 || callee.Exit != 0 {
				t.Fatalf("caller exit %d, callee exit %d\n--- caller:\n%s\n%s\n--- callee:\n%s\n%s\n--- gosips:\n%s",
					caller.Exit, callee.Exit, caller.Output, caller.Messages, callee.Output, callee.Messages, env.srv.Logs())
			}
			inv := received(callee.Messages, "INVITE")
			if len(inv) == 0 || !strings.HasPrefix(header(inv[0], "Call-ID"), "TOP9.") {
				t.Errorf("callee's INVITE Call-ID does not start with the prefix:\n%v", inv)
			}
			ok := receivedReply(t, caller.Messages, "200", "INVITE")
			if tag := b2bcTag(header(ok, "To")); !strings.HasPrefix(tag, "TOP9.") {
				t.Errorf("caller's 200 To-tag %q does not start with the prefix", tag)
			}
			env.b2bcEmpty(t)
		})
	}
}

// TestB2BCoreKeyPrefixTooLong: OpenSIPS refuses a prefix over 5
// characters at start-up, and so does check.
func TestB2BCoreKeyPrefixTooLong(t *testing.T) {
	cfg := strings.Replace(b2bcCfg, `loadmodule "b2b_logic.so"`,
		`loadmodule "b2b_logic.so"`+"\n"+`modparam("b2b_entities", "b2b_key_prefix", "TOOLONG")`, 1)
	out, err := runCheck(t, strings.NewReplacer("UASPORT", "5070", "HTTP", "8080").Replace(cfg))
	if err == nil || !strings.Contains(out, "b2b_key_prefix") || !strings.Contains(out, "too long") {
		t.Errorf("check (err %v):\n%s", err, out)
	}
}
