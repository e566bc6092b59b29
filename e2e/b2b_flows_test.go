package e2e

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"gosips/internal/testenv"
)

// b2bFlowCfg drives every B2B scenario of this file; the R-URI user of
// the caller's INVITE picks the scenario. Peer ports (CALLEEPORT,
// TARGETPORT, MEDIAPORT, RETRYPORT), the b2b_bridge flags of a REFER
// (BRFLAGS) and whether a failed transfer is retried (RETRY) are filled
// in per test.
const b2bFlowCfg = `
socket = udp:127.0.0.1:PORT
log_level = 3
loadmodule "proto_udp.so"
loadmodule "signaling.so"
loadmodule "sl.so"
loadmodule "tm.so"
loadmodule "rr.so"
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

route {
	if (!is_method("INVITE") || has_totag()) {
		send_reply(404, "Not here");
		exit;
	}
	if ($rU == "th") {
		$ru = "sip:bob@127.0.0.1:CALLEEPORT";
		b2b_init_request("top hiding");
		exit;
	}
	if ($rU == "prepaid") {
		b2b_server_new("caller");
		b2b_client_new("media", "sip:announce@127.0.0.1:MEDIAPORT");
		b2b_init_request("prepaid");
		exit;
	}
	if ($rU == "park") {
		b2b_server_new("caller");
		b2b_client_new("media", "sip:park@127.0.0.1:MEDIAPORT");
		b2b_init_request("park");
		cache_store("local", "parked", "$b2b_logic.key");
		exit;
	}
	if ($rU == "pickup") {
		cache_fetch("local", "parked", $var(key));
		cache_remove("local", "parked");
		b2b_bridge_request($var(key), 0);
		exit;
	}
	b2b_server_new("caller");
	b2b_client_new("callee", "sip:bob@127.0.0.1:CALLEEPORT");
	b2b_init_request("transfer");
	exit;
}

route[b2b_request] {
	if ($rm == "REFER") {
		b2b_send_reply(202, "Accepted");
		b2b_client_new("target", $rt);
		b2b_bridge("peer", "target", , "BRFLAGS");
		exit;
	}
	if ($rm == "BYE" && $b2b_logic.scenario == "prepaid" && $b2b_logic.entity(id) == "media") {
		# the announcement is over: connect the caller to the callee
		b2b_send_reply(200, "OK");
		b2b_client_new("callee", "sip:bob@127.0.0.1:CALLEEPORT");
		b2b_bridge("caller", "callee");
		exit;
	}
	b2b_pass_request();
}

route[b2b_reply] {
RETRY	b2b_handle_reply();
}
`

// b2bRetryCfg retries a failed transfer towards another party.
const b2bRetryCfg = `if ($b2b_logic.entity(id) == "target" && $rm == "INVITE" && $rs >= 300) {
		b2b_client_new("retry", "sip:dave@127.0.0.1:RETRYPORT");
		b2b_bridge_retry("retry");
		exit;
	}
`

// b2bEngine starts a configuration on one SIP server implementation and
// returns its SIP and MI (mi_http) ports.
type b2bEngine struct {
	name  string
	start func(t *testing.T, cfg string) (sip, mi int)
}

func b2bGosips() b2bEngine {
	return b2bEngine{"gosips", func(t *testing.T, cfg string) (int, int) {
		mi := freePort(t)
		srv := startServer(t, strings.ReplaceAll(cfg, "HTTPPORT", strconv.Itoa(mi)))
		return srv.Port, mi
	}}
}

func b2bOpenSIPS(bin string) b2bEngine {
	return b2bEngine{"opensips", func(t *testing.T, cfg string) (int, int) {
		mi := freePort(t)
		port := natOracleStart(t, bin, strings.ReplaceAll(cfg, "HTTPPORT", strconv.Itoa(mi)))
		return port, mi
	}}
}

// b2bStartUAC runs a sipp client scenario against 127.0.0.1:target in
// the background (one call); stop or wait returns what it saw.
func b2bStartUAC(t *testing.T, scenario string, target int, args ...string) *sippPeer {
	t.Helper()
	return startSippPeer(t, scenario, 0, 1, 30*time.Second, append(args, fmt.Sprintf("127.0.0.1:%d", target))...)
}

// b2bPeer is one sipp user agent of a flow besides the caller.
type b2bPeer struct {
	role     string // callee, target, media, retry or picker
	scenario string
	args     []string
}

// b2bFlow is one B2B scenario: a caller (service selects the script
// branch), its peers, what the test does while the call is up (act) and
// what it checks on the messages each party received.
type b2bFlow struct {
	name      string
	service   string
	caller    string
	callerArg []string
	peers     []b2bPeer
	brflags   string // b2b_bridge flags of a REFER ("notify" when empty)
	retry     bool
	osipsLeft string // what OpenSIPS leaves behind in MI (not cleaned up)
	act       func(t *testing.T, f *b2bRun)
	check     func(t *testing.T, f *b2bRun)
}

// b2bRun is a flow running on one engine.
type b2bRun struct {
	engine string
	sip    int
	mi     int
	ports  map[string]int
	peers  map[string]*sippPeer
	res    map[string]sippResult // "caller" and each peer role, once ended
}

// b2bRunFlow runs f on engine e: every party must end its scenario
// successfully, and afterwards MI b2b_list and b2be_list are empty.
func b2bRunFlow(t *testing.T, e b2bEngine, f b2bFlow) *b2bRun {
	t.Helper()
	r := &b2bRun{engine: e.name, ports: map[string]int{}, peers: map[string]*sippPeer{}, res: map[string]sippResult{}}
	for _, role := range []string{"callee", "target", "media", "retry"} {
		r.ports[role] = freePort(t)
	}
	retry := ""
	if f.retry {
		retry = b2bRetryCfg
	}
	brflags := f.brflags
	if brflags == "" {
		brflags = "notify"
	}
	cfg := strings.NewReplacer("RETRY", retry).Replace(b2bFlowCfg)
	cfg = strings.NewReplacer("CALLEEPORT", strconv.Itoa(r.ports["callee"]), "TARGETPORT", strconv.Itoa(r.ports["target"]),
		"MEDIAPORT", strconv.Itoa(r.ports["media"]), "RETRYPORT", strconv.Itoa(r.ports["retry"]),
		"BRFLAGS", brflags).Replace(cfg)
	r.sip, r.mi = e.start(t, cfg)
	for _, p := range f.peers {
		if p.role == "picker" {
			continue
		}
		args := make([]string, len(p.args))
		for i, a := range p.args {
			args[i] = strings.ReplaceAll(a, "TARGET", fmt.Sprintf("sip:carol@127.0.0.1:%d", r.ports["target"]))
		}
		r.peers[p.role] = startSippPeer(t, p.scenario, r.ports[p.role], 1, 30*time.Second, args...)
	}
	service := f.service
	if service == "" {
		service = "bob"
	}
	args := append([]string{"-s", service, "-key", "target", fmt.Sprintf("sip:carol@127.0.0.1:%d", r.ports["target"])}, f.callerArg...)
	r.peers["caller"] = b2bStartUAC(t, f.caller, r.sip, args...)
	if f.act != nil {
		f.act(t, r)
	}
	failed := false
	for _, role := range append([]string{"caller"}, b2bRoles(f)...) {
		res := r.peers[role].wait(40 * time.Second)
		r.res[role] = res
		if res.Exit != 0 {
			failed = true
			t.Errorf("%s: %s exited %d\n%s\n%s", e.name, role, res.Exit, res.Output, res.Messages)
		}
	}
	if dir := os.Getenv("B2B_DUMP"); dir != "" {
		for role, res := range r.res {
			os.WriteFile(filepath.Join(dir, strings.NewReplacer("/", "_", " ", "_", ",", "").Replace(e.name+"-"+f.name)+"-"+role+".log"), []byte(res.Messages), 0o644)
		}
	}
	if failed {
		t.FailNow()
	}
	if e.name == "opensips" && f.osipsLeft != "" {
		// OpenSIPS keeps this state for minutes (a leak); gosips must not.
		time.Sleep(2 * time.Second)
		raw, _ := json.Marshal([]any{b2bMI(t, r.mi, "b2b_list", nil), b2bMI(t, r.mi, "b2be_list", nil)})
		if !strings.Contains(string(raw), f.osipsLeft) {
			t.Errorf("OpenSIPS was expected to keep %q, has %s", f.osipsLeft, raw)
		}
	} else {
		b2bCheckEmpty(t, r.mi)
	}
	if f.check != nil {
		f.check(t, r)
	}
	return r
}

// b2bRoles lists the peer roles of a flow, pickers included.
func b2bRoles(f b2bFlow) []string {
	var out []string
	for _, p := range f.peers {
		out = append(out, p.role)
	}
	return out
}

// b2bMI runs a management command and decodes its result.
func b2bMI(t *testing.T, port int, method string, params any) any {
	t.Helper()
	raw, err := miCall(t, port, method, params)
	if err != nil {
		t.Fatalf("MI %s: %v", method, err)
	}
	var v any
	if err := json.Unmarshal(raw, &v); err != nil {
		t.Fatalf("MI %s: %v: %s", method, err, raw)
	}
	return v
}

// b2bTuples returns the tuples of MI b2b_list.
func b2bTuples(t *testing.T, port int) []any {
	t.Helper()
	v, _ := b2bMI(t, port, "b2b_list", nil).(map[string]any)
	tuples, _ := v["Tuples"].([]any)
	return tuples
}

// b2bCheckEmpty waits until MI b2b_list and b2be_list show nothing.
func b2bCheckEmpty(t *testing.T, port int) {
	t.Helper()
	var logic, ent any
	if !eventually(5*time.Second, func() bool {
		logic, ent = b2bMI(t, port, "b2b_list", nil), b2bMI(t, port, "b2be_list", nil)
		l, _ := ent.([]any)
		return len(b2bTuplesOf(logic)) == 0 && len(l) == 0
	}) {
		t.Errorf("B2B state left behind:\nb2b_list %v\nb2be_list %v", logic, ent)
	}
}

func b2bTuplesOf(v any) []any {
	m, _ := v.(map[string]any)
	tuples, _ := m["Tuples"].([]any)
	return tuples
}

// b2bWaitTuple waits until MI b2b_list shows a session whose entities
// have all answered, and returns its key.
func b2bWaitTuple(t *testing.T, port int) string {
	t.Helper()
	var key string
	if !eventually(10*time.Second, func() bool {
		for _, tu := range b2bTuples(t, port) {
			m, _ := tu.(map[string]any)
			ents, _ := m["BRIDGE_ENTITIES"].([]any)
			if len(ents) < 2 {
				continue
			}
			up := true
			for _, e := range ents {
				em, _ := e.(map[string]any)
				if st, _ := em["state"].(float64); st != 1 {
					up = false
				}
			}
			if up {
				key, _ = m["key"].(string)
				return true
			}
		}
		return false
	}) {
		t.Fatalf("no established B2B session in b2b_list")
	}
	return key
}

// b2bBody returns the body of a SIP message.
func b2bBody(msg string) string {
	msg = strings.ReplaceAll(msg, "\r\n", "\n")
	_, body, _ := strings.Cut(msg, "\n\n")
	return strings.TrimSpace(body)
}

// b2bSDPDir returns the a= direction attribute of an SDP body ("" when
// the message has no body).
func b2bSDPDir(msg string) string {
	for _, l := range strings.Split(b2bBody(msg), "\n") {
		switch l = strings.TrimSpace(l); l {
		case "a=sendrecv", "a=sendonly", "a=recvonly", "a=inactive":
			return strings.TrimPrefix(l, "a=")
		}
	}
	return ""
}

// b2bOrigin returns the o= user of an SDP body: whose offer or answer
// it is.
func b2bOrigin(msg string) string {
	for _, l := range strings.Split(b2bBody(msg), "\n") {
		if l = strings.TrimSpace(l); strings.HasPrefix(l, "o=") {
			u, _, _ := strings.Cut(strings.TrimPrefix(l, "o="), " ")
			return u
		}
	}
	return ""
}

// b2bNotifies returns the sipfrag bodies of the NOTIFYs in a log and
// checks their refer-event headers.
func b2bNotifies(t *testing.T, log string) []string {
	t.Helper()
	var out []string
	for _, n := range received(log, "NOTIFY") {
		if header(n, "Event") != "refer" || header(n, "Content-Type") != "message/sipfrag" {
			t.Errorf("NOTIFY without the refer event or a sipfrag body:\n%s", n)
		}
		st := header(n, "Subscription-State")
		frag := b2bBody(n)
		if frag == "SIP/2.0 100 Trying" && st != "active;expires=60" || frag != "SIP/2.0 100 Trying" && st != "terminated;reason=noresource" {
			t.Errorf("NOTIFY %q with Subscription-State %q", frag, st)
		}
		out = append(out, frag)
	}
	return out
}

// b2bFlows are the acceptance scenarios of the B2BUA, checked on both
// engines.
func b2bFlows() []b2bFlow {
	return []b2bFlow{
		{
			name: "top hiding/caller hangs up", service: "th", caller: "b2b_uac_call.xml",
			peers: []b2bPeer{{"callee", "b2b_uas_answer.xml", nil}},
			check: func(t *testing.T, r *b2bRun) {
				caller, callee := r.res["caller"], r.res["callee"]
				inv := received(callee.Messages, "INVITE")
				if len(inv) != 1 {
					t.Fatalf("callee got %d INVITEs", len(inv))
				}
				b2bCheckHidden(t, r, inv[0])
				if b2bOrigin(inv[0]) != "alice" {
					t.Errorf("the callee did not get the caller's offer:\n%s", inv[0])
				}
				ok := receivedReply(t, caller.Messages, "200", "INVITE")
				if b2bOrigin(ok) != "bob" || strings.Contains(ok, "bob-private") {
					t.Errorf("the caller's 200 OK:\n%s", ok)
				}
				if len(received(callee.Messages, "BYE")) != 1 {
					t.Errorf("the callee got no BYE")
				}
			},
		},
		{
			name: "top hiding/callee busy", service: "th", caller: "b2b_uac_reject.xml",
			peers: []b2bPeer{{"callee", "b2b_uas_busy.xml", nil}},
			check: func(t *testing.T, r *b2bRun) {
				receivedReply(t, r.res["caller"].Messages, "486", "INVITE")
				b2bCheckHidden(t, r, received(r.res["callee"].Messages, "INVITE")[0])
			},
		},
		{
			name: "top hiding/callee unavailable", service: "th", caller: "b2b_uac_reject.xml",
			peers: []b2bPeer{{"callee", "b2b_uas_unavailable.xml", nil}},
			check: func(t *testing.T, r *b2bRun) {
				receivedReply(t, r.res["caller"].Messages, "503", "INVITE")
			},
		},
		{
			name: "top hiding/caller cancels", service: "th", caller: "uac_cancel.xml",
			peers: []b2bPeer{{"callee", "b2b_uas_ring_cancel.xml", nil}},
			check: func(t *testing.T, r *b2bRun) {
				receivedReply(t, r.res["caller"].Messages, "487", "INVITE")
				if c := received(r.res["callee"].Messages, "CANCEL"); len(c) != 1 {
					t.Errorf("the callee got %d CANCELs", len(c))
				}
			},
		},
		{
			name: "top hiding/INFO during re-INVITE", service: "th", caller: "b2b_uac_info_reinvite.xml",
			peers: []b2bPeer{{"callee", "b2b_uas_info_reinvite.xml", nil}},
			check: func(t *testing.T, r *b2bRun) {
				// OpenSIPS refuses a request that overlaps a pending
				// re-INVITE instead of passing it.
				if rej := receivedReply(t, r.res["caller"].Messages, "500", "INFO"); header(rej, "CSeq") != "3 INFO" {
					t.Errorf("the 500 answers %q, want the INFO sent during the re-INVITE", header(rej, "CSeq"))
				}
				if n := len(received(r.res["callee"].Messages, "INFO")); n != 1 {
					t.Errorf("the callee got %d INFOs, want only the one after the re-INVITE", n)
				}
			},
		},
		{
			name: "top hiding/re-INVITE crossing BYE", service: "th", caller: "b2b_uac_reinvite_bye.xml",
			peers: []b2bPeer{{"callee", "b2b_uas_reinvite_bye.xml", nil}},
			check: func(t *testing.T, r *b2bRun) {
				// The callee's first BYE got 491 (sipp checks it): the
				// caller only sees the second, after its re-INVITE's 200.
				if n := len(received(r.res["caller"].Messages, "BYE")); n != 1 {
					t.Errorf("the caller got %d BYEs", n)
				}
				receivedReply(t, r.res["callee"].Messages, "491", "BYE")
			},
		},
		{
			name: "hold both ways", caller: "b2b_uac_hold.xml",
			peers: []b2bPeer{{"callee", "b2b_uas_hold.xml", nil}},
			check: func(t *testing.T, r *b2bRun) {
				caller, callee := r.res["caller"].Messages, r.res["callee"].Messages
				inv := received(callee, "INVITE")
				if len(inv) != 2 || b2bSDPDir(inv[1]) != "sendonly" {
					t.Errorf("the callee's hold re-INVITE: %q", inv)
				}
				if ok := receivedReply(t, caller, "200", "2 INVITE"); b2bSDPDir(ok) != "recvonly" {
					t.Errorf("the caller's hold answer:\n%s", ok)
				}
				if inv := received(caller, "INVITE"); len(inv) != 1 || b2bSDPDir(inv[0]) != "sendonly" {
					t.Errorf("the caller's hold re-INVITE: %q", inv)
				}
				if ok := receivedReply(t, callee, "200", "1 INVITE"); b2bSDPDir(ok) != "recvonly" {
					t.Errorf("the callee's hold answer:\n%s", ok)
				}
			},
		},
		{
			name: "prepaid/bridged by MI", service: "prepaid", caller: "b2b_uac_bridged.xml", callerArg: []string{"-d", "500"},
			peers:     []b2bPeer{{"media", "b2b_uas_answer.xml", nil}, {"callee", "b2b_uas_answer.xml", nil}},
			osipsLeft: `"to_uri":"sip:announce@`,
			act: func(t *testing.T, r *b2bRun) {
				key := b2bWaitTuple(t, r.mi)
				b2bMI(t, r.mi, "b2b_bridge", []string{key, fmt.Sprintf("sip:bob@127.0.0.1:%d", r.ports["callee"])})
			},
			check: func(t *testing.T, r *b2bRun) { b2bCheckPrepaid(t, r, false) },
		},
		{
			name: "prepaid/bridged by script", service: "prepaid", caller: "b2b_uac_bridged.xml", callerArg: []string{"-d", "500"},
			peers: []b2bPeer{{"media", "b2b_uas_answer_bye.xml", []string{"-d", "500"}}, {"callee", "b2b_uas_answer.xml", nil}},
			check: func(t *testing.T, r *b2bRun) { b2bCheckPrepaid(t, r, true) },
		},
		{
			name: "parking", service: "park", caller: "b2b_uac_bridged_wait.xml",
			peers: []b2bPeer{{"media", "b2b_uas_answer.xml", nil}, {"picker", "b2b_uac_call.xml", nil}},
			act: func(t *testing.T, r *b2bRun) {
				b2bWaitTuple(t, r.mi)
				r.peers["picker"] = b2bStartUAC(t, "b2b_uac_call.xml", r.sip, "-s", "pickup", "-d", "500")
			},
			check: func(t *testing.T, r *b2bRun) {
				if len(received(r.res["media"].Messages, "BYE")) != 1 {
					t.Errorf("the parking media server got no BYE")
				}
				// The picker's offer reaches the parked caller in a
				// re-INVITE; the caller's answer reaches the picker.
				if inv := received(r.res["caller"].Messages, "INVITE"); len(inv) != 1 || !strings.Contains(b2bBody(inv[0]), "o=alice 1 1") {
					t.Errorf("the parked caller's re-INVITE: %q", inv)
				}
				if ok := receivedReply(t, r.res["picker"].Messages, "200", "INVITE"); !strings.Contains(b2bBody(ok), "o=alice 2 2") {
					t.Errorf("the picker's 200 OK should carry the parked caller's answer:\n%s", ok)
				}
			},
		},
		{
			name: "transfer/callee refers", caller: "b2b_uac_bridged_wait.xml",
			peers: []b2bPeer{{"callee", "b2b_uas_refer.xml", []string{"-d", "500", "-key", "target", "TARGET"}}, {"target", "b2b_uas_answer_bye.xml", nil}},
			check: func(t *testing.T, r *b2bRun) {
				b2bCheckTransfer(t, r, "callee", "caller", []string{"SIP/2.0 100 Trying", "SIP/2.0 200 OK"})
			},
		},
		{
			name: "transfer/target busy", caller: "b2b_uac_refer.xml", osipsLeft: `"scenario_id":"target"`,
			peers: []b2bPeer{{"callee", "b2b_uas_answer.xml", nil}, {"target", "b2b_uas_busy.xml", nil}},
			check: func(t *testing.T, r *b2bRun) {
				// Without rollback-failed the whole call ends.
				if got := b2bNotifies(t, r.res["caller"].Messages); strings.Join(got, "|") != "SIP/2.0 100 Trying|SIP/2.0 486 Busy Here" {
					t.Errorf("NOTIFY sipfrags %q", got)
				}
				if len(received(r.res["caller"].Messages, "BYE")) != 1 || len(received(r.res["callee"].Messages, "BYE")) != 1 {
					t.Errorf("both parties should get a BYE")
				}
			},
		},
		{
			name: "transfer/target busy, rolled back", caller: "b2b_uac_refer_back.xml", brflags: "notify,rollback-failed",
			peers: []b2bPeer{{"callee", "b2b_uas_answer.xml", nil}, {"target", "b2b_uas_busy.xml", nil}},
			check: func(t *testing.T, r *b2bRun) {
				if got := b2bNotifies(t, r.res["caller"].Messages); strings.Join(got, "|") != "SIP/2.0 100 Trying|SIP/2.0 486 Busy Here" {
					t.Errorf("NOTIFY sipfrags %q", got)
				}
				// The call goes on: the callee only gets the caller's BYE.
				if inv := received(r.res["callee"].Messages, "INVITE"); len(inv) != 1 {
					t.Errorf("the callee got %d INVITEs", len(inv))
				}
			},
		},
		{
			name: "transfer/target busy, retried", caller: "b2b_uac_refer.xml", retry: true,
			peers: []b2bPeer{{"callee", "b2b_uas_reinvited.xml", nil}, {"target", "b2b_uas_busy.xml", nil},
				{"retry", "b2b_uas_answer_bye.xml", nil}},
			check: func(t *testing.T, r *b2bRun) {
				// The busy target is not reported; the retried one is.
				if got := b2bNotifies(t, r.res["caller"].Messages); strings.Join(got, "|") != "SIP/2.0 100 Trying|SIP/2.0 200 OK" {
					t.Errorf("NOTIFY sipfrags %q", got)
				}
				if reinv := received(r.res["callee"].Messages, "INVITE"); len(reinv) != 2 || b2bOrigin(reinv[1]) != "carol" {
					t.Errorf("the callee was not re-INVITEd with the retried party's offer: %q", reinv)
				}
				if len(received(r.res["retry"].Messages, "INVITE")) != 1 {
					t.Errorf("the retried party got no INVITE")
				}
			},
		},
		{
			name: "transfer/caller refers", caller: "b2b_uac_refer.xml",
			peers:   []b2bPeer{{"callee", "b2b_uas_reinvited.xml", nil}, {"target", "b2b_uas_answer_bye.xml", nil}},
			brflags: "notify",
			check: func(t *testing.T, r *b2bRun) {
				b2bCheckTransfer(t, r, "caller", "callee", []string{"SIP/2.0 100 Trying", "SIP/2.0 200 OK"})
			},
		},
	}
}

// b2bCheckHidden: a request the B2BUA sent a callee carries nothing of
// the caller's dialog but the From URI and the SDP.
func b2bCheckHidden(t *testing.T, r *b2bRun, m string) {
	t.Helper()
	caller := r.res["caller"].Messages
	var callID string
	for _, s := range received(caller, "SIP/2.0") {
		callID = header(s, "Call-ID")
		break
	}
	if v := headers(m, "Via"); len(v) != 1 || !strings.Contains(v[0], "127.0.0.1:"+strconv.Itoa(r.sip)) {
		t.Errorf("Vias %q, want only the B2BUA's", v)
	}
	if ct := header(m, "Contact"); ct != fmt.Sprintf("<sip:127.0.0.1:%d>", r.sip) {
		t.Errorf("Contact %q, want the B2BUA's", ct)
	}
	if callID == "" || header(m, "Call-ID") == callID || strings.Contains(m, "alice-private") || strings.Contains(m, "SIPpTag00") {
		t.Errorf("the caller's dialog shows through:\n%s", m)
	}
}

// b2bCheckTransfer checks an unattended transfer that referrer asked
// for: it got 202, NOTIFYs with the given sipfrags and a BYE; the other
// party (transferee) was re-INVITEd with the target's SDP; the target got
// an INVITE without SDP and the transferee's answer in the ACK.
func b2bCheckTransfer(t *testing.T, r *b2bRun, referrer, transferee string, frags []string) {
	t.Helper()
	ref := r.res[referrer].Messages
	if got := b2bNotifies(t, ref); strings.Join(got, "|") != strings.Join(frags, "|") {
		t.Errorf("%s got NOTIFY sipfrags %q, want %q", referrer, got, frags)
	}
	if len(received(ref, "BYE")) != 1 {
		t.Errorf("%s got no BYE", referrer)
	}
	tinv := received(r.res["target"].Messages, "INVITE")
	if len(tinv) != 1 || b2bBody(tinv[0]) != "" {
		t.Errorf("the target's INVITE should come without SDP: %q", tinv)
	}
	reinv := received(r.res[transferee].Messages, "INVITE")
	if n := len(reinv); n == 0 || b2bOrigin(reinv[n-1]) != "carol" {
		t.Errorf("%s was not re-INVITEd with the target's offer: %q", transferee, reinv)
	}
	if ack := received(r.res["target"].Messages, "ACK"); len(ack) != 1 || b2bOrigin(ack[0]) != map[string]string{"caller": "alice", "callee": "bob"}[transferee] {
		t.Errorf("the target's ACK should carry %s's answer: %q", transferee, ack)
	}
}

// b2bCheckPrepaid: the caller was connected to the media server first,
// then bridged to the callee: the media server got a BYE (or, when it
// hung up itself, a 200 OK for its BYE), the callee an
// INVITE without SDP (its offer went to the caller in a re-INVITE, the
// caller's answer came back in the ACK).
func b2bCheckPrepaid(t *testing.T, r *b2bRun, mediaHangsUp bool) {
	t.Helper()
	media, callee, caller := r.res["media"].Messages, r.res["callee"].Messages, r.res["caller"].Messages
	if inv := received(media, "INVITE"); len(inv) != 1 || b2bOrigin(inv[0]) != "alice" {
		t.Errorf("the media server did not get the caller's offer: %q", inv)
	}
	if mediaHangsUp {
		receivedReply(t, media, "200", "BYE")
	} else if len(received(media, "BYE")) != 1 {
		t.Errorf("the media server got no BYE")
	}
	if inv := received(callee, "INVITE"); len(inv) != 1 || b2bBody(inv[0]) != "" {
		t.Errorf("the callee's INVITE should come without SDP: %q", inv)
	}
	if inv := received(caller, "INVITE"); len(inv) != 1 || b2bOrigin(inv[0]) != "bob" {
		t.Errorf("the caller was not re-INVITEd with the callee's offer: %q", inv)
	}
	if ack := received(callee, "ACK"); len(ack) != 1 || !strings.Contains(b2bBody(ack[0]), "o=alice 2 2") {
		t.Errorf("the callee's ACK should carry the caller's answer: %q", ack)
	}
	if len(received(callee, "BYE")) != 1 {
		t.Errorf("the callee got no BYE")
	}
}

// TestB2BFlowsOracle runs the same scenarios through real OpenSIPS
// (OPENSIPS_BIN): the assertions encode what it does.
func TestB2BFlowsOracle(t *testing.T) {
	bin := testenv.Oracle(t)
	for _, f := range b2bFlows() {
		t.Run(f.name, func(t *testing.T) { b2bRunFlow(t, b2bOpenSIPS(bin), f) })
	}
}
