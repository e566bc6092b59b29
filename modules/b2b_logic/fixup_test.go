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
		{"max_duration=60", false}, {"", false}, {"notify", false}, {"notify,rollback-failed", false}, {"hold", true}, {"x", true},
	} {
		if _, err := parseBridgeFlags(tc.in); (err != nil) != tc.bad {
			t.Errorf("bridge flags %q: err %v", tc.in, err)
		}
	}
}
