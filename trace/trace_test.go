package trace_test

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	_ "gosips/modules/all"
	"gosips/sip"
	"gosips/trace"
)

const exampleCfg = "../examples/opensips.cfg"

// TestTraceExample traces a REGISTER then an INVITE to the registered user
// on the example config, with a 486 from the callee: the registration
// carries over, the INVITE is relayed to the contact, onreply_route and
// failure_route run and the 486 goes back upstream.
func TestTraceExample(t *testing.T) {
	var out bytes.Buffer
	sent, err := trace.Run(trace.Options{Config: exampleCfg, Out: &out, Reply: 486},
		[]trace.Input{{Name: "register"}, {Name: "invite"}})
	if err != nil {
		t.Fatal(err)
	}
	text := out.String()
	for _, want := range []string{
		"=== message 1 (register): REGISTER sip:127.0.0.1 — from udp:127.0.0.1:5080 to udp:127.0.0.1:5060",
		"examples/opensips.cfg:107  if (!save(\"location\"))",
		"save() returned 1",
		"examples/opensips.cfg:119  if (!lookup(\"location\", \"method-filtering\")) {",
		"lookup() returned 1",
		`$ru: "sip:bob@127.0.0.1" -> "sip:bob@127.0.0.1:5080"`,
		"condition: false",
		"-> route[relay] (../examples/opensips.cfg:124:2)",
		`t_on_failure: <none> -> "missed_call"`,
		"-> branch_route[per_branch]",
		`message: <insert> -> "Record-Route: <sip:127.0.0.1;lr>\r\n"`,
		"log INFO: new branch 0 to sip:bob@127.0.0.1:5080",
		">>> send request from udp:127.0.0.1:5060 to udp:127.0.0.1:5080",
		"| INVITE sip:bob@127.0.0.1:5080 SIP/2.0",
		"| Max-Forwards: 69",
		"| Record-Route: <sip:127.0.0.1;lr>",
		"<- route[relay] returned 0 (exit)",
		"=== reply 486 Busy Here to INVITE sip:bob@127.0.0.1:5080",
		"-> onreply_route[handle_reply]",
		"-> failure_route[missed_call]",
		"log NOTICE: call trace-call to sip:bob@127.0.0.1 failed with 486",
		"| SIP/2.0 486 Busy Here",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("trace lacks %q", want)
		}
	}
	// 200 to REGISTER, 100 Trying, the INVITE, the ACK of the 486, the 486 upstream.
	var kinds []string
	for _, s := range sent {
		m, err := sip.Parse(s.Raw)
		if err != nil {
			t.Fatalf("sent message does not parse: %v\n%s", err, s.Raw)
		}
		if m.IsRequest() {
			kinds = append(kinds, m.Method())
		} else {
			kinds = append(kinds, m.Reason())
		}
	}
	if got := strings.Join(kinds, ","); got != "OK,Giving it a try,INVITE,ACK,Busy Here" {
		t.Errorf("sent %s", got)
	}
	if t.Failed() {
		t.Logf("trace:\n%s", text)
	}
}

// TestTraceJSONSetRoute checks --json, --set and --route: the assignment
// is traced with its old and new value before route[relay] runs.
func TestTraceJSONSetRoute(t *testing.T) {
	var out bytes.Buffer
	_, err := trace.Run(trace.Options{Config: exampleCfg, Out: &out, JSON: true, Route: "relay",
		Set: []string{"$var(who)=carol", "$var(n)=3"}, From: "udp:127.0.0.1:5999"},
		[]trace.Input{{Name: "options"}})
	if err != nil {
		t.Fatal(err)
	}
	var sets, routes []string
	sends := 0
	for _, l := range strings.Split(strings.TrimSpace(out.String()), "\n") {
		var ev map[string]any
		if err := json.Unmarshal([]byte(l), &ev); err != nil {
			t.Fatalf("not a JSON line: %q", l)
		}
		switch ev["kind"] {
		case "set":
			sets = append(sets, ev["name"].(string)+"="+ev["new"].(string))
		case "route":
			routes = append(routes, ev["text"].(string))
		case "send":
			sends++
			if !strings.Contains(ev["to"].(string), "127.0.0.1:5999") && ev["reply"] == true {
				t.Errorf("reply sent to %v, want the --from address", ev["to"])
			}
		}
	}
	if strings.Join(sets, ",") != `$var(who)="carol",$var(n)=3` {
		t.Errorf("sets: %v", sets)
	}
	if strings.Join(routes, ",") != "route,route[relay]" {
		t.Errorf("routes: %v", routes)
	}
	if sends == 0 {
		t.Errorf("nothing sent:\n%s", out.String())
	}
}

// TestTraceOutputVariable checks that a variable written by a function (an
// output argument) is reported with its old and new value.
func TestTraceOutputVariable(t *testing.T) {
	cfg := filepath.Join(t.TempDir(), "out.cfg")
	os.WriteFile(cfg, []byte(`loadmodule "proto_udp.so"
loadmodule "sl.so"
loadmodule "cfgutils.so"
socket = udp:127.0.0.1:5060
route {
	$var(x) = "a";
	pv_printf($var(x), "user=$rU");
	sl_send_reply(200, "OK");
}
`), 0o644)
	var out bytes.Buffer
	if _, err := trace.Run(trace.Options{Config: cfg, Out: &out}, []trace.Input{{Name: "options:carol"}}); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`$var(x): <null> -> "a"`, "pv_printf() returned 1", `$var(x): "a" -> "user=carol"`, "| SIP/2.0 200 OK"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("trace lacks %q:\n%s", want, out.String())
		}
	}
}
