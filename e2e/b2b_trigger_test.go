package e2e

import (
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"gosips/internal/testenv"
)

// b2btCfg starts calls from the middle (b2b_trigger_scenario) when asked
// by an OPTIONS to "c2d", and runs the bridges of the b2b_bridge flags
// for callers (R-URI user: the bridge variant) once the media server
// hangs up; "park" parks a caller on the media server, "pickup" takes it
// with b2b_bridge_request's late_bye (old_entity_term_delay 1 s);
// "fromspec" is a top-hiding call with the From of b2bl_from_spec_param;
// "mibridge" a plain call for MI b2b_bridge.
// FIRSTPORT, SECONDPORT, MEDIAPORT, PROVPORT are the peers.
const b2btCfg = `
socket = udp:127.0.0.1:PORT
log_level = 3
loadmodule "proto_udp.so"
loadmodule "signaling.so"
loadmodule "sl.so"
loadmodule "tm.so"
loadmodule "sipmsgops.so"
loadmodule "cachedb_local.so"
loadmodule "b2b_entities.so"
loadmodule "b2b_logic.so"
loadmodule "httpd.so"
loadmodule "mi_http.so"
modparam("httpd", "ip", "127.0.0.1")
modparam("httpd", "port", HTTPPORT)
modparam("b2b_entities", "db_mode", 0)
modparam("b2b_logic", "db_mode", 0)
modparam("b2b_logic", "server_address", "sip:127.0.0.1:PORT")
modparam("b2b_logic", "script_req_route", "b2b_request")
modparam("b2b_logic", "script_reply_route", "b2b_reply")
modparam("b2b_logic", "old_entity_term_delay", 1)
modparam("b2b_logic", "b2bl_from_spec_param", "$var(b2bl_from)")

route {
	if (is_method("OPTIONS") && $rU == "c2d") {
		$avp(h1) = "X-C2D";
		$avp(v1) = "first-leg";
		b2b_trigger_scenario("c2d", , "first,sip:first@127.0.0.1:FIRSTPORT", $avp(h1), $avp(v1), "second,sip:second@127.0.0.1:SECONDPORT");
		send_reply(202, "Accepted");
		exit;
	}
	if (is_method("INVITE") && $rU == "fromspec") {
		$var(b2bl_from) = "\"Call ID\" <sip:user@opensips.org>";
		$ru = "sip:second@127.0.0.1:SECONDPORT";
		b2b_init_request("top hiding");
		exit;
	}
	if (is_method("INVITE") && $rU == "mibridge") {
		b2b_server_new("caller");
		b2b_client_new("callee", "sip:second@127.0.0.1:SECONDPORT");
		b2b_init_request("mibridge");
		exit;
	}
	if (is_method("INVITE") && $rU == "park") {
		b2b_server_new("caller");
		b2b_client_new("media", "sip:park@127.0.0.1:MEDIAPORT");
		b2b_init_request("park");
		cache_store("local", "parked", "$b2b_logic.key");
		exit;
	}
	if (is_method("INVITE") && $rU == "pickup") {
		cache_fetch("local", "parked", $var(key));
		cache_remove("local", "parked");
		b2b_bridge_request($var(key), 0, , "late_bye");
		exit;
	}
	if (is_method("INVITE") && !has_totag()) {
		b2b_server_new("caller");
		b2b_client_new("media", "sip:announce@127.0.0.1:MEDIAPORT");
		if ($rU == "hold")
			b2b_init_request("hold");
		else if ($rU == "nolate")
			b2b_init_request("nolate");
		else
			b2b_init_request("provmedia");
		exit;
	}
	send_reply(404, "Not here");
}

route[b2b_request] {
	if ($rm == "BYE" && $b2b_logic.entity(id) == "media") {
		b2b_send_reply(200, "OK");
		b2b_client_new("callee", "sip:second@127.0.0.1:SECONDPORT");
		if ($b2b_logic.scenario == "hold")
			b2b_bridge("caller", "callee", , "hold");
		else if ($b2b_logic.scenario == "nolate")
			b2b_bridge("caller", "callee", , "no-late-sdp");
		else if ($b2b_logic.scenario == "provmedia")
			b2b_bridge("caller", "callee", "sip:ringback@127.0.0.1:PROVPORT");
		exit;
	}
	b2b_pass_request();
}

route[b2b_reply] {
	b2b_handle_reply();
}
`

// b2btRun is one call from the middle on one engine: what each peer
// received and the MI lists while the call was up.
type b2btRun struct {
	first, second sippResult
	list, ents    json.RawMessage
}

// b2btStart runs the b2btCfg on e with the peers' ports filled in.
func b2btStart(t *testing.T, e b2bEngine, ports map[string]int) (sip, mi int) {
	t.Helper()
	cfg := strings.NewReplacer("FIRSTPORT", strconv.Itoa(ports["first"]), "SECONDPORT", strconv.Itoa(ports["second"]),
		"MEDIAPORT", strconv.Itoa(ports["media"]), "PROVPORT", strconv.Itoa(ports["prov"])).Replace(b2btCfg)
	return e.start(t, cfg)
}

// b2btTrigger calls first and second from the middle, by MI or by the
// script, and waits for both peers; the second hangs up after 1.5 s.
func b2btTrigger(t *testing.T, e b2bEngine, byMI bool) b2btRun {
	t.Helper()
	ports := map[string]int{"first": freePort(t), "second": freePort(t), "media": freePort(t), "prov": freePort(t)}
	first := startSippPeer(t, "b2bt_uas_first.xml", ports["first"], 1, 30*time.Second)
	second := startSippPeer(t, "b2bt_uas_second.xml", ports["second"], 1, 30*time.Second, "-d", "1500")
	sipPort, mi := b2btStart(t, e, ports)
	if byMI {
		raw, err := miCall(t, mi, "b2b_trigger_scenario", []any{"c2d",
			fmt.Sprintf("first,sip:first@127.0.0.1:%d", ports["first"]),
			fmt.Sprintf("second,sip:second@127.0.0.1:%d", ports["second"]), []any{"agent=sip:op@example.com"}})
		if err != nil || string(raw) != `"OK"` {
			t.Fatalf("%s: MI b2b_trigger_scenario: %s %v", e.name, raw, err)
		}
	} else {
		r := runSipp(t, "b2bt_uac_trigger.xml", sipPort, "-s", "c2d")
		if r.Exit != 0 {
			t.Fatalf("%s: trigger request: exit %d\n%s", e.name, r.Exit, r.Output)
		}
	}
	var run b2btRun
	b2bWaitTuple(t, mi)
	run.list, _ = miCall(t, mi, "b2b_list", nil)
	run.ents, _ = miCall(t, mi, "b2be_list", nil)
	run.first, run.second = first.wait(20*time.Second), second.wait(20*time.Second)
	for role, r := range map[string]sippResult{"first": run.first, "second": run.second} {
		if r.Exit != 0 {
			t.Fatalf("%s: %s exited %d\n%s\n%s", e.name, role, r.Exit, r.Output, r.Messages)
		}
	}
	b2bCheckEmpty(t, mi)
	return run
}

// b2btURI returns the URI of a From or To header value.
func b2btURI(v string) string {
	if i := strings.IndexByte(v, '<'); i >= 0 {
		if j := strings.IndexByte(v[i:], '>'); j > 0 {
			return v[i+1 : i+j]
		}
	}
	u, _, _ := strings.Cut(v, ";")
	return strings.TrimSpace(u)
}

var b2btPort = regexp.MustCompile(`:\d+`)

// b2btSummary lists, per message a peer received, the method, the From
// and To URIs (ports elided) and whose SDP it carries: what must be the
// same on gosips and OpenSIPS (180s aside).
func b2btSummary(log string) []string {
	var out []string
	for _, part := range strings.Split(log, "-----------------------------------------------") {
		_, msg, ok := strings.Cut(part, "message received")
		if !ok {
			continue
		}
		if i := strings.Index(msg, "\n\n"); i >= 0 {
			msg = strings.TrimLeft(msg[i:], "\r\n")
		}
		first, _, _ := strings.Cut(msg, "\n")
		f := strings.Fields(first)
		if len(f) == 0 {
			continue
		}
		what := f[0]
		if what == "SIP/2.0" && len(f) > 1 && f[1] == "180" {
			// OpenSIPS drops a 180 that comes before it saved the
			// caller's transaction ("Tm transaction not saved!").
			continue
		}
		if what == "SIP/2.0" && len(f) > 1 {
			what = f[1] + " " + strings.Fields(header(msg, "CSeq"))[1]
		}
		out = append(out, fmt.Sprintf("%s from=%s to=%s sdp=%s", what,
			b2btPort.ReplaceAllString(b2btURI(header(msg, "From")), ""),
			b2btPort.ReplaceAllString(b2btURI(header(msg, "To")), ""), b2bOrigin(msg)))
	}
	return out
}

// b2btTupleOf returns the only tuple of a b2b_list answer.
func b2btTupleOf(t *testing.T, raw json.RawMessage) map[string]any {
	t.Helper()
	var v map[string]any
	json.Unmarshal(raw, &v)
	ts, _ := v["Tuples"].([]any)
	if len(ts) != 1 {
		t.Fatalf("b2b_list has %d tuples: %s", len(ts), raw)
	}
	m, _ := ts[0].(map[string]any)
	return m
}

// TestB2BTrigger: b2b_trigger_scenario, by MI and from the script,
// starts a click-to-dial call: the first peer gets an INVITE without SDP
// (From the second peer), its offer goes in the INVITE to the second
// peer (From the first), the answer in the ACK to the first; the
// session is bridged (b2b_list state 4, two client entities), the
// second peer's BYE reaches the first and nothing is left.
func TestB2BTrigger(t *testing.T) {
	gosipsBin(t)
	for _, byMI := range []bool{true, false} {
		name := "script"
		if byMI {
			name = "mi"
		}
		t.Run(name, func(t *testing.T) {
			r := b2btTrigger(t, b2bGosips(), byMI)
			inv := received(r.first.Messages, "INVITE")
			if len(inv) != 1 || header(inv[0], "Content-Length") != "0" {
				t.Fatalf("the first peer's INVITE is not late SDP: %q", inv)
			}
			if from := b2btURI(header(inv[0], "From")); !strings.HasPrefix(from, "sip:second@") {
				t.Errorf("the first peer's INVITE is From %q", from)
			}
			if !byMI && header(inv[0], "X-C2D") != "first-leg" {
				t.Errorf("the first peer's INVITE lacks the extra header:\n%s", inv[0])
			}
			inv2 := received(r.second.Messages, "INVITE")
			if len(inv2) != 1 || b2bOrigin(inv2[0]) != "first" || !strings.HasPrefix(b2btURI(header(inv2[0], "From")), "sip:first@") {
				t.Errorf("the second peer's INVITE:\n%q", inv2)
			}
			if ack := received(r.second.Messages, "ACK"); len(ack) != 1 || b2bBody(ack[0]) != "" {
				t.Errorf("the second peer's ACK: %q", ack)
			}
			tu := b2btTupleOf(t, r.list)
			cl, _ := tu["CLIENTS"].([]any)
			sv, _ := tu["SERVERS"].([]any)
			if tu["scenario"] != "c2d" || tu["state"] != float64(4) || len(cl) != 2 || len(sv) != 0 {
				t.Errorf("b2b_list during the call: %s", r.list)
			}
			var ents []any
			json.Unmarshal(r.ents, &ents)
			if len(ents) != 2 {
				t.Errorf("b2be_list during the call: %s", r.ents)
			}
		})
	}
}

// TestB2BTriggerOracle: the same calls from the middle through
// OpenSIPS 3.6: each peer receives the same messages (methods, From and
// To URIs, SDP origins) and b2b_list / b2be_list have the same members.
func TestB2BTriggerOracle(t *testing.T) {
	bin := testenv.Oracle(t)
	gosipsBin(t)
	skip := map[string]bool{"send_sock": true}
	for _, byMI := range []bool{true, false} {
		name := "script"
		if byMI {
			name = "mi"
		}
		t.Run(name, func(t *testing.T) {
			g := b2btTrigger(t, b2bGosips(), byMI)
			o := b2btTrigger(t, b2bOpenSIPS(bin), byMI)
			for _, p := range []struct {
				role string
				g, o sippResult
			}{{"first", g.first, o.first}, {"second", g.second, o.second}} {
				gs, os := b2btSummary(p.g.Messages), b2btSummary(p.o.Messages)
				if !slices.Equal(gs, os) {
					t.Errorf("%s peer received\ngosips:\n%s\nopensips:\n%s", p.role, strings.Join(gs, "\n"), strings.Join(os, "\n"))
				}
			}
			for _, c := range []struct {
				cmd  string
				g, o json.RawMessage
			}{{"b2b_list", g.list, o.list}, {"b2be_list", g.ents, o.ents}} {
				if gs, os := b2bcShape(c.g, skip), b2bcShape(c.o, skip); !slices.Equal(gs, os) {
					t.Errorf("%s members differ\ngosips:\n%s\nopensips:\n%s", c.cmd, strings.Join(gs, "\n"), strings.Join(os, "\n"))
				}
			}
			gt, ot := b2btTupleOf(t, g.list), b2btTupleOf(t, o.list)
			for _, k := range []string{"state", "scenario"} {
				if gt[k] != ot[k] {
					t.Errorf("b2b_list %s: gosips %v, opensips %v", k, gt[k], ot[k])
				}
			}
		})
	}
}

// b2btFlow is one bridge variant of b2btCfg: the caller's R-URI user and
// the sipp scenarios of the caller and the callee.
type b2btFlow struct {
	name, caller, callee string
	check                func(t *testing.T, r b2btFlowRun)
}

// b2btFlowRun is what the parties of a bridge variant received.
type b2btFlowRun struct {
	caller, media, callee, prov sippResult
	list                        json.RawMessage
}

func b2btFlows() []b2btFlow {
	return []b2btFlow{
		{name: "hold", caller: "b2bt_uac_twice.xml", callee: "b2bc_uas_late.xml",
			check: func(t *testing.T, r b2btFlowRun) {
				reinv := received(r.caller.Messages, "INVITE")
				if len(reinv) != 2 || b2bOrigin(reinv[0]) != "bob" || b2bSDPDir(reinv[0]) != "inactive" {
					t.Fatalf("the caller was not put on hold first (the media server's SDP made inactive): %q", reinv)
				}
				if b2bOrigin(reinv[1]) != "carol" {
					t.Errorf("the caller's second re-INVITE does not carry the callee's offer:\n%s", reinv[1])
				}
			}},
		{name: "nolate", caller: "b2bc_uac_bridged.xml", callee: "b2bt_uas_nolate.xml",
			check: func(t *testing.T, r b2btFlowRun) {
				reinv := received(r.caller.Messages, "INVITE")
				if len(reinv) != 1 || b2bBody(reinv[0]) != "" {
					t.Fatalf("the caller's re-INVITE should have no body: %q", reinv)
				}
				if ack := received(r.caller.Messages, "ACK"); len(ack) != 1 || b2bOrigin(ack[0]) != "carol" {
					t.Errorf("the caller's ACK does not carry the callee's answer: %q", ack)
				}
				if ack := received(r.callee.Messages, "ACK"); len(ack) != 2 || b2bBody(ack[0]) != "" || b2bBody(ack[1]) != "" {
					t.Errorf("the callee's ACKs: %q", ack)
				}
			}},
		{name: "provmedia", caller: "b2bt_uac_twice.xml", callee: "b2bc_uas_late.xml",
			check: func(t *testing.T, r b2btFlowRun) {
				reinv := received(r.caller.Messages, "INVITE")
				if len(reinv) != 2 || b2bBody(reinv[0]) != "" || b2bOrigin(reinv[1]) != "carol" {
					t.Fatalf("the caller's re-INVITEs (none with body, then the callee's offer): %q", reinv)
				}
				if ack := received(r.caller.Messages, "ACK"); len(ack) != 2 || b2bOrigin(ack[0]) != "bob" || b2bBody(ack[1]) != "" {
					t.Errorf("the caller's ACKs (the media server's answer, then none): %q", ack)
				}
				inv := received(r.prov.Messages, "INVITE")
				if len(inv) != 1 || b2bOrigin(inv[0]) != "alice" {
					t.Errorf("the provisional media server's INVITE does not carry the caller's offer: %q", inv)
				}
				if len(received(r.prov.Messages, "BYE")) != 1 {
					t.Errorf("the provisional media server got no BYE")
				}
			}},
	}
}

// b2btRunFlow runs a bridge variant on e: the caller is answered by a
// media server that hangs up after 300 ms; the script bridges the
// caller to the callee with the variant's flag; the caller hangs up
// after 1.5 s; MI is empty afterwards.
func b2btRunFlow(t *testing.T, e b2bEngine, f b2btFlow) b2btFlowRun {
	t.Helper()
	ports := map[string]int{"first": freePort(t), "second": freePort(t), "media": freePort(t), "prov": freePort(t)}
	media := startSippPeer(t, "b2bc_uas_bye.xml", ports["media"], 1, 30*time.Second, "-d", "300")
	callee := startSippPeer(t, f.callee, ports["second"], 1, 30*time.Second)
	var prov *sippPeer
	if f.name == "provmedia" {
		prov = startSippPeer(t, "b2bc_uas_wait.xml", ports["prov"], 1, 30*time.Second)
	}
	sipPort, mi := b2btStart(t, e, ports)
	caller := b2bStartUAC(t, f.caller, sipPort, "-s", f.name, "-d", "1500")
	var r b2btFlowRun
	b2bWaitTuple(t, mi)
	r.list, _ = miCall(t, mi, "b2b_list", nil)
	r.caller, r.media, r.callee = caller.wait(30*time.Second), media.wait(10*time.Second), callee.wait(10*time.Second)
	peers := map[string]sippResult{"caller": r.caller, "media": r.media, "callee": r.callee}
	if prov != nil {
		r.prov = prov.wait(10 * time.Second)
		peers["prov"] = r.prov
	}
	for role, res := range peers {
		if res.Exit != 0 {
			t.Fatalf("%s %s: %s exited %d\n%s\n%s", e.name, f.name, role, res.Exit, res.Output, res.Messages)
		}
	}
	b2bCheckEmpty(t, mi)
	return r
}

// TestB2BBridgeFlags: b2b_bridge from the request route with the flags
// hold (the caller's SDP made inactive in a re-INVITE before the callee
// is invited), no-late-sdp (the callee gets the caller's last SDP, then
// the caller's fresh offer) and a provisional media server (the caller
// talks to it while the callee is invited with late SDP): each party
// gets the SDP expected, the call is bridged and nothing is left.
func TestB2BBridgeFlags(t *testing.T) {
	gosipsBin(t)
	for _, f := range b2btFlows() {
		t.Run(f.name, func(t *testing.T) {
			r := b2btRunFlow(t, b2bGosips(), f)
			f.check(t, r)
			tu := b2btTupleOf(t, r.list)
			if tu["state"] != float64(4) || tu["scenario"] != f.name {
				t.Errorf("b2b_list while bridged: %s", r.list)
			}
		})
	}
}

// TestB2BBridgeFlagsOracle: the bridge variants through OpenSIPS 3.6
// give each party the same messages (methods, URIs, SDP origins).
func TestB2BBridgeFlagsOracle(t *testing.T) {
	bin := testenv.Oracle(t)
	gosipsBin(t)
	for _, f := range b2btFlows() {
		t.Run(f.name, func(t *testing.T) {
			g := b2btRunFlow(t, b2bGosips(), f)
			o := b2btRunFlow(t, b2bOpenSIPS(bin), f)
			for _, p := range []struct {
				role string
				g, o sippResult
			}{{"caller", g.caller, o.caller}, {"media", g.media, o.media}, {"callee", g.callee, o.callee}, {"prov", g.prov, o.prov}} {
				gs, os := b2btSummary(p.g.Messages), b2btSummary(p.o.Messages)
				if !slices.Equal(gs, os) {
					t.Errorf("%s received\ngosips:\n%s\nopensips:\n%s", p.role, strings.Join(gs, "\n"), strings.Join(os, "\n"))
				}
			}
		})
	}
}

// b2btTimes returns when the messages of a sipp log that start with
// what ("ACK", "BYE", "SIP/2.0 200"...) were sent or received.
func b2btTimes(t *testing.T, log, dir, what string) []time.Time {
	t.Helper()
	var out []time.Time
	parts := strings.Split(log, "----------------------------------------------- ")
	for _, part := range parts {
		stamp, rest, ok := strings.Cut(part, "\n")
		if !ok || !strings.Contains(rest, "message "+dir) {
			continue
		}
		msg := rest
		if i := strings.Index(msg, "\n\n"); i >= 0 {
			msg = strings.TrimLeft(msg[i:], "\r\n")
		}
		if !strings.HasPrefix(msg, what) {
			continue
		}
		ts, err := time.ParseInLocation("2006-01-02 15:04:05.000000", strings.TrimSpace(stamp), time.Local)
		if err != nil {
			t.Fatalf("sipp time stamp %q: %v", stamp, err)
		}
		out = append(out, ts)
	}
	return out
}

// b2btLateBye parks a caller on a media server and picks it up with
// b2b_bridge_request(key, 0, , "late_bye"); it returns the parties' logs.
func b2btLateBye(t *testing.T, e b2bEngine) (caller, media, picker sippResult) {
	t.Helper()
	ports := map[string]int{"first": freePort(t), "second": freePort(t), "media": freePort(t), "prov": freePort(t)}
	m := startSippPeer(t, "b2b_uas_answer.xml", ports["media"], 1, 30*time.Second)
	sipPort, mi := b2btStart(t, e, ports)
	c := b2bStartUAC(t, "b2b_uac_bridged_wait.xml", sipPort, "-s", "park")
	b2bWaitTuple(t, mi)
	p := b2bStartUAC(t, "b2b_uac_call.xml", sipPort, "-s", "pickup", "-d", "2500")
	// Once the picker is connected, the media server is out of the
	// session but not yet hung up.
	var list, ents json.RawMessage
	if !eventually(3*time.Second, func() bool {
		list, _ = miCall(t, mi, "b2b_list", nil)
		ents, _ = miCall(t, mi, "b2be_list", nil)
		var v map[string]any
		json.Unmarshal(list, &v)
		tu, _ := v["Tuples"].([]any)
		if len(tu) != 1 {
			return false
		}
		m, _ := tu[0].(map[string]any)
		sv, _ := m["SERVERS"].([]any)
		cl, _ := m["CLIENTS"].([]any)
		return len(sv) == 2 && len(cl) == 0
	}) {
		t.Fatalf("%s: the media server is still in the session after the pickup:\n%s", e.name, list)
	}
	var el []any
	json.Unmarshal(ents, &el)
	if len(el) != 3 {
		t.Errorf("%s: b2be_list right after the pickup should still hold the media server (3 entities): %s", e.name, ents)
	}
	picker = p.wait(30 * time.Second)
	caller, media = c.wait(10*time.Second), m.wait(10*time.Second)
	for role, r := range map[string]sippResult{"caller": caller, "media": media, "picker": picker} {
		if r.Exit != 0 {
			t.Fatalf("%s: %s exited %d\n%s\n%s", e.name, role, r.Exit, r.Output, r.Messages)
		}
	}
	b2bCheckEmpty(t, mi)
	return caller, media, picker
}

// TestB2BLateBye: b2b_bridge_request with late_bye keeps the parked
// call's media server until the picker's ACK and, with
// old_entity_term_delay 1, hangs it up a second later; the picker gets
// the parked caller's answer and nothing is left.
func TestB2BLateBye(t *testing.T) {
	gosipsBin(t)
	_, media, picker := b2btLateBye(t, b2bGosips())
	ack := b2btTimes(t, picker.Messages, "sent", "ACK")
	bye := b2btTimes(t, media.Messages, "received", "BYE")
	if len(ack) < 1 || len(bye) != 1 {
		t.Fatalf("picker ACKs %v, media server BYEs %v", ack, bye)
	}
	if d := bye[0].Sub(ack[0]); d < 900*time.Millisecond || d > 2500*time.Millisecond {
		t.Errorf("the media server's BYE came %v after the picker's ACK, want about 1 s", d)
	}
	if ok := receivedReply(t, picker.Messages, "200", "INVITE"); !strings.Contains(b2bBody(ok), "o=alice") {
		t.Errorf("the picker's 200 OK should carry the parked caller's answer:\n%s", ok)
	}
}

// TestB2BLateByeOracle: the same pickup through OpenSIPS 3.6: the
// parties get the same messages, b2b_list and b2be_list look the same
// after the pickup, and the media server's BYE comes after the picker's
// ACK (1 s on gosips, 0-2 s on OpenSIPS, whose timer ticks each second).
func TestB2BLateByeOracle(t *testing.T) {
	bin := testenv.Oracle(t)
	gosipsBin(t)
	gc, gm, gp := b2btLateBye(t, b2bGosips())
	oc, om, op := b2btLateBye(t, b2bOpenSIPS(bin))
	for _, p := range []struct {
		role string
		g, o sippResult
	}{{"caller", gc, oc}, {"media", gm, om}, {"picker", gp, op}} {
		gs, os := b2btSummary(p.g.Messages), b2btSummary(p.o.Messages)
		if !slices.Equal(gs, os) {
			t.Errorf("%s received\ngosips:\n%s\nopensips:\n%s", p.role, strings.Join(gs, "\n"), strings.Join(os, "\n"))
		}
	}
	delay := func(media, picker sippResult) time.Duration {
		ack := b2btTimes(t, picker.Messages, "sent", "ACK")
		bye := b2btTimes(t, media.Messages, "received", "BYE")
		if len(ack) == 0 || len(bye) == 0 {
			return -1
		}
		return bye[0].Sub(ack[0])
	}
	// OpenSIPS counts the delay in whole ticks of its 1 s timer (0-2 s);
	// gosips waits 1 s.
	g, o := delay(gm, gp), delay(om, op)
	if g < 900*time.Millisecond || g > 1500*time.Millisecond || o <= 0 || o > 2500*time.Millisecond {
		t.Errorf("the media server's BYE after the picker's ACK: gosips %v, opensips %v", g, o)
	}
}

// b2btFromSpec makes a top-hiding call whose From is set by
// b2bl_from_spec_param and returns what the callee received.
func b2btFromSpec(t *testing.T, e b2bEngine) (caller, callee sippResult) {
	t.Helper()
	ports := map[string]int{"first": freePort(t), "second": freePort(t), "media": freePort(t), "prov": freePort(t)}
	ce := startSippPeer(t, "b2bc_uas_wait.xml", ports["second"], 1, 30*time.Second)
	sipPort, mi := b2btStart(t, e, ports)
	caller = b2bStartUAC(t, "b2b_uac_call.xml", sipPort, "-s", "fromspec", "-d", "300").wait(20 * time.Second)
	callee = ce.wait(10 * time.Second)
	for role, r := range map[string]sippResult{"caller": caller, "callee": callee} {
		if r.Exit != 0 {
			t.Fatalf("%s: %s exited %d\n%s\n%s", e.name, role, r.Exit, r.Output, r.Messages)
		}
	}
	b2bCheckEmpty(t, mi)
	return caller, callee
}

// TestB2BFromSpec: with b2bl_from_spec_param, the callee of a
// top-hiding call sees the From the script put in the variable (display
// name and URI), with gosips' own tag.
func TestB2BFromSpec(t *testing.T) {
	gosipsBin(t)
	_, callee := b2btFromSpec(t, b2bGosips())
	inv := received(callee.Messages, "INVITE")
	if len(inv) != 1 {
		t.Fatalf("callee got %d INVITEs", len(inv))
	}
	if from := header(inv[0], "From"); !strings.HasPrefix(from, `"Call ID" <sip:user@opensips.org>;tag=`) {
		t.Errorf("the callee's From: %q", from)
	}
}

// TestB2BFromSpecOracle: the same call through OpenSIPS 3.6 gives the
// caller and the callee the same messages (URIs, SDP) and the same From
// display name.
func TestB2BFromSpecOracle(t *testing.T) {
	bin := testenv.Oracle(t)
	gosipsBin(t)
	gc, ge := b2btFromSpec(t, b2bGosips())
	oc, oe := b2btFromSpec(t, b2bOpenSIPS(bin))
	for _, p := range []struct {
		role string
		g, o sippResult
	}{{"caller", gc, oc}, {"callee", ge, oe}} {
		gs, os := b2btSummary(p.g.Messages), b2btSummary(p.o.Messages)
		if !slices.Equal(gs, os) {
			t.Errorf("%s received\ngosips:\n%s\nopensips:\n%s", p.role, strings.Join(gs, "\n"), strings.Join(os, "\n"))
		}
	}
	g, o := header(received(ge.Messages, "INVITE")[0], "From"), header(received(oe.Messages, "INVITE")[0], "From")
	gd, _, _ := strings.Cut(g, "<")
	od, _, _ := strings.Cut(o, "<")
	if gd != od {
		t.Errorf("From display: gosips %q, opensips %q", g, o)
	}
}

// b2btMIProv runs MI b2b_bridge with prov_media_uri on e (see
// TestB2BMIBridgeProvMedia) and returns what each party received.
func b2btMIProv(t *testing.T, e b2bEngine) map[string]sippResult {
	t.Helper()
	ports := map[string]int{"first": freePort(t), "second": freePort(t), "media": freePort(t), "prov": freePort(t)}
	callee := startSippPeer(t, "b2bc_uas_wait.xml", ports["second"], 1, 30*time.Second)
	prov := startSippPeer(t, "b2bc_uas_wait.xml", ports["prov"], 1, 30*time.Second)
	target := startSippPeer(t, "b2bc_uas_late.xml", ports["first"], 1, 30*time.Second)
	sipPort, mi := b2btStart(t, e, ports)
	caller := b2bStartUAC(t, "b2bt_uac_twice.xml", sipPort, "-s", "mibridge", "-d", "1000")
	key := b2bWaitTuple(t, mi)
	raw, err := miCall(t, mi, "b2b_bridge", map[string]any{"dialog_id": key,
		"new_uri": fmt.Sprintf("sip:first@127.0.0.1:%d", ports["first"]), "flag": "0",
		"prov_media_uri": fmt.Sprintf("sip:ringback@127.0.0.1:%d", ports["prov"])})
	if err != nil || (string(raw) != `"OK"` && string(raw) != `"ok"`) {
		t.Fatalf("%s: MI b2b_bridge: %s %v", e.name, raw, err)
	}
	res := map[string]sippResult{"caller": caller.wait(30 * time.Second), "callee": callee.wait(10 * time.Second),
		"prov": prov.wait(10 * time.Second), "target": target.wait(10 * time.Second)}
	for role, r := range res {
		if r.Exit != 0 {
			t.Fatalf("%s: %s exited %d\n%s\n%s", e.name, role, r.Exit, r.Output, r.Messages)
		}
	}
	if e.name == "opensips" {
		// OpenSIPS keeps the replaced callee's entity in b2be_list.
		if tu := b2bTuples(t, mi); len(tu) != 0 {
			t.Errorf("opensips: b2b_list after the call: %v", tu)
		}
		return res
	}
	b2bCheckEmpty(t, mi)
	return res
}

// TestB2BMIBridgeProvMedia: MI b2b_bridge with prov_media_uri bridges
// the caller of a call to a new destination through a provisional media
// server: the callee gets a BYE, the caller a re-INVITE without body
// whose offer goes to the media server (its answer in the ACK), the new
// destination an INVITE without body whose offer reaches the caller in
// a second re-INVITE; the media server gets a BYE, and after the
// caller's BYE nothing is left.
func TestB2BMIBridgeProvMedia(t *testing.T) {
	gosipsBin(t)
	res := b2btMIProv(t, b2bGosips())
	reinv := received(res["caller"].Messages, "INVITE")
	if len(reinv) != 2 || b2bBody(reinv[0]) != "" || b2bOrigin(reinv[1]) != "carol" {
		t.Errorf("the caller's re-INVITEs (none with body, then the new destination's offer): %q", reinv)
	}
	if inv := received(res["prov"].Messages, "INVITE"); len(inv) != 1 || b2bOrigin(inv[0]) != "alice" {
		t.Errorf("the media server's INVITE: %q", inv)
	}
	if len(received(res["callee"].Messages, "BYE")) != 1 || len(received(res["prov"].Messages, "BYE")) != 1 {
		t.Errorf("the callee and the media server should each get a BYE")
	}
}

// TestB2BMIBridgeProvMediaOracle: the same MI bridge through OpenSIPS
// 3.6 gives every party the same messages.
func TestB2BMIBridgeProvMediaOracle(t *testing.T) {
	bin := testenv.Oracle(t)
	gosipsBin(t)
	g, o := b2btMIProv(t, b2bGosips()), b2btMIProv(t, b2bOpenSIPS(bin))
	for _, role := range []string{"caller", "callee", "prov", "target"} {
		gs, os := b2btSummary(g[role].Messages), b2btSummary(o[role].Messages)
		if !slices.Equal(gs, os) {
			t.Errorf("%s received\ngosips:\n%s\nopensips:\n%s", role, strings.Join(gs, "\n"), strings.Join(os, "\n"))
		}
	}
}

// b2btTriggerBusy calls from the middle a first peer that answers and a
// second that is busy (486).
func b2btTriggerBusy(t *testing.T, e b2bEngine) (first, second sippResult) {
	t.Helper()
	ports := map[string]int{"first": freePort(t), "second": freePort(t), "media": freePort(t), "prov": freePort(t)}
	f := startSippPeer(t, "b2bt_uas_first_bye.xml", ports["first"], 1, 30*time.Second)
	sc := startSippPeer(t, "b2b_uas_busy.xml", ports["second"], 1, 30*time.Second)
	_, mi := b2btStart(t, e, ports)
	raw, err := miCall(t, mi, "b2b_trigger_scenario", []any{"c2d",
		fmt.Sprintf("first,sip:first@127.0.0.1:%d", ports["first"]),
		fmt.Sprintf("second,sip:second@127.0.0.1:%d", ports["second"])})
	if err != nil || string(raw) != `"OK"` {
		t.Fatalf("%s: MI b2b_trigger_scenario: %s %v", e.name, raw, err)
	}
	first, second = f.wait(20*time.Second), sc.wait(20*time.Second)
	for role, r := range map[string]sippResult{"first": first, "second": second} {
		if r.Exit != 0 {
			t.Fatalf("%s: %s exited %d\n%s\n%s", e.name, role, r.Exit, r.Output, r.Messages)
		}
	}
	if e.name == "gosips" {
		b2bCheckEmpty(t, mi)
	}
	return first, second
}

// TestB2BTriggerBusy: when the second peer of a call from the middle
// rejects it, the first peer (already answered) gets its ACK and a BYE
// and nothing is left.
func TestB2BTriggerBusy(t *testing.T) {
	gosipsBin(t)
	first, _ := b2btTriggerBusy(t, b2bGosips())
	if len(received(first.Messages, "BYE")) != 1 {
		t.Errorf("the first peer got no BYE:\n%s", first.Messages)
	}
}

// TestB2BTriggerBusyOracle: the same failure through OpenSIPS 3.6 gives
// both peers the same messages.
func TestB2BTriggerBusyOracle(t *testing.T) {
	bin := testenv.Oracle(t)
	gosipsBin(t)
	gf, gs := b2btTriggerBusy(t, b2bGosips())
	of, os := b2btTriggerBusy(t, b2bOpenSIPS(bin))
	for _, p := range []struct {
		role string
		g, o sippResult
	}{{"first", gf, of}, {"second", gs, os}} {
		g, o := b2btSummary(p.g.Messages), b2btSummary(p.o.Messages)
		if !slices.Equal(g, o) {
			t.Errorf("%s received\ngosips:\n%s\nopensips:\n%s", p.role, strings.Join(g, "\n"), strings.Join(o, "\n"))
		}
	}
}
