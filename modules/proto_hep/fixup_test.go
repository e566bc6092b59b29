package protohep

import (
	"strconv"
	"strings"
	"testing"

	"gosips/api"
)

func TestParseHepID(t *testing.T) {
	tests := []struct {
		in   string
		want string // host port transport version, or the error substring
	}{
		{"[hep_dst] 127.0.0.1:8001; transport=tcp; version=3", "127.0.0.1 8001 tcp 3"},
		{"[hep_dst] 1.2.3.4:5000; version=2", "1.2.3.4 5000 udp 2"},
		{"[hep_dst] 1.2.3.4:5000", "1.2.3.4 5000 tcp 3"},
		{"[hid]10.10.10.10", "10.10.10.10 9060 tcp 3"},
		{"[v6] [2001:db8::1]:9061;transport=udp", "2001:db8::1 9061 udp 3"},
		{"[x] 1.2.3.4; version=1; transport=tcp", "1.2.3.4 9060 udp 1"},
		{"[x] 1.2.3.4; version=4", "bad version"},
		{"[x] 1.2.3.4; transport=sctp", "bad transport"},
		{"[x] 1.2.3.4; color=blue", "unknown parameter"},
		{"1.2.3.4", "missing [name]"},
		{"[x] ", "no address"},
		{"[x] 1.2.3.4:99999", "bad port"},
	}
	for _, tc := range tests {
		m := New()
		err := m.addDest(tc.in)
		if err != nil {
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("%q: error %v, want %q", tc.in, err, tc.want)
			}
			continue
		}
		for _, d := range m.dests {
			got := strings.Join([]string{d.Host, itoa(d.Port), d.Transport, itoa(d.Version)}, " ")
			if got != tc.want {
				t.Errorf("%q: got %q, want %q", tc.in, got, tc.want)
			}
		}
	}
	m := New()
	if err := m.addDest("[a] 1.2.3.4"); err != nil {
		t.Fatal(err)
	}
	if err := m.addDest("[a] 1.2.3.5"); err == nil {
		t.Error("duplicate hep_id accepted")
	}
}

func itoa(n int) string { return strconv.Itoa(n) }

func TestExports(t *testing.T) {
	m := New()
	names := map[string]bool{}
	for _, p := range m.Params() {
		names[p.Name] = true
	}
	// The parameters of OpenSIPS 3.6's proto_hep export table.
	for _, n := range []string{"hep_port", "hep_send_timeout", "hep_max_msg_chunks", "hep_async", "hep_async_max_postponed_chunks",
		"hep_capture_id", "hep_async_local_connect_timeout", "hep_async_local_write_timeout", "compressed_payload", "hep_id",
		"homer5_on", "homer5_delim", "hep_max_retries", "hep_retry_cooldown"} {
		if !names[n] {
			t.Errorf("param %s missing", n)
		}
	}
	if fs := m.Funcs(); len(fs) != 1 || fs[0].Name != "correlate" || fs[0].Call == nil {
		t.Errorf("funcs %+v", fs)
	}
	if err := m.Params()[5].Set(api.ParamValue{IsInt: true, Int: 70000}); err == nil {
		t.Error("hep_capture_id over 16 bits accepted")
	}
}
