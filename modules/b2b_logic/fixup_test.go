package b2blogic

import (
	"testing"

	"gosips/api"
)

// The export table against OpenSIPS 3.6 b2b_logic.c: names and argument
// counts (b2b_logic_bind is the C binding).
func TestFuncTable(t *testing.T) {
	want := map[string]int{"b2b_init_request": 4, "b2b_server_new": 4, "b2b_client_new": 7,
		"b2b_handle_reply": 1, "b2b_pass_request": 0, "b2b_delete_entity": 0, "b2b_end_dlg_leg": 0,
		"b2b_send_reply": 4, "b2b_bridge": 4, "b2b_bridge_retry": 1, "b2b_trigger_scenario": 8,
		"b2b_bridge_request": 4}
	for _, f := range New().Funcs() {
		n, ok := want[f.Name]
		if !ok {
			t.Errorf("%s is not an OpenSIPS b2b_logic function", f.Name)
			continue
		}
		if len(f.Args) != n || f.Routes != api.RequestRoute {
			t.Errorf("%s: %d args in %v, want %d in request routes", f.Name, len(f.Args), f.Routes, n)
		}
		delete(want, f.Name)
	}
	for n := range want {
		t.Errorf("%s missing", n)
	}
}

func TestFlags(t *testing.T) {
	for _, tc := range []struct {
		in  string
		bad bool
	}{
		{"setup-timeout=30", false}, {"transparent-auth,preserve-to", false},
		{"setup-timeout", true}, {"bogus", true},
	} {
		if _, err := parseInitFlags(tc.in); (err != nil) != tc.bad {
			t.Errorf("init flags %q: err %v", tc.in, err)
		}
	}
	for _, tc := range []struct {
		in  string
		bad bool
	}{
		{"max_duration=60", false}, {"", false}, {"notify", false}, {"notify,rollback-failed", false}, {"hold", false}, {"no-late-sdp,hold", false}, {"x", true},
	} {
		if _, err := parseBridgeFlags(tc.in); (err != nil) != tc.bad {
			t.Errorf("bridge flags %q: err %v", tc.in, err)
		}
	}
}

func TestHoldSDP(t *testing.T) {
	in := "v=0\r\no=a 1 1 IN IP4 1.2.3.4\r\ns=-\r\nc=IN IP4 1.2.3.4\r\nt=0 0\r\nm=audio 8000 RTP/AVP 0\r\na=sendrecv\r\nm=video 9000 RTP/AVP 96\r\n"
	want := "v=0\r\no=a 1 1 IN IP4 1.2.3.4\r\ns=-\r\nc=IN IP4 1.2.3.4\r\nt=0 0\r\nm=audio 8000 RTP/AVP 0\r\na=inactive\r\nm=video 9000 RTP/AVP 96\r\na=inactive\r\n"
	if got := holdSDP(in); got != want {
		t.Errorf("holdSDP:\n%q\nwant\n%q", got, want)
	}
	if got := holdSDP(want); got != "" {
		t.Errorf("holdSDP of an inactive body: %q", got)
	}
}

func TestParsePeer(t *testing.T) {
	p, err := parsePeer("agent, sip:a@h ,sip:proxy@p,Agent A", true)
	if err != nil || p.id != "agent" || p.uri != "sip:a@h" || p.proxy != "sip:proxy@p" || p.fromDname != "Agent A" {
		t.Errorf("script peer: %+v %v", p, err)
	}
	p, err = parsePeer("c,<sip:c@h>,Customer", false)
	if err != nil || p.uri != "sip:c@h" || p.fromDname != "Customer" || p.proxy != "" {
		t.Errorf("MI peer: %+v %v", p, err)
	}
	for _, bad := range []string{"", "id", "id,", ",sip:a@h", "id,notauri"} {
		if _, err := parsePeer(bad, false); err == nil {
			t.Errorf("peer %q accepted", bad)
		}
	}
}
