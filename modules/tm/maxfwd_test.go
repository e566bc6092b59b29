package tm

import (
	"testing"

	"gosips/sip"
)

// tm never touches Max-Forwards (maxfwd's mf_process_maxfwd_header does),
// whether the header is present or not.
func TestMaxForwardsUntouched(t *testing.T) {
	mk := func(method, mf string) func(testing.TB) *sip.Msg {
		return func(tb testing.TB) *sip.Msg {
			lines := []string{method + " sip:bob@198.51.100.2:5070 SIP/2.0",
				"Via: SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bK-mf-" + method + mf,
				"From: <sip:a@x>;tag=1", "To: <sip:b@x>", "Call-ID: mf-" + mf, "CSeq: 1 " + method}
			if mf != "" {
				lines = append(lines, "Max-Forwards: "+mf)
			}
			return request(tb, append(lines, "Content-Length: 0")...)
		}
	}
	tests := []struct {
		name   string
		msg    func(testing.TB) *sip.Msg
		method string
		want   string // "" = absent
	}{
		{"stateful with header", mk("INVITE", "70"), "INVITE", "70"},
		{"stateful with 1", mk("OPTIONS", "1"), "OPTIONS", "1"},
		{"stateful without header", mk("INVITE", ""), "INVITE", ""},
		{"stateless ACK with header", mk("ACK", "12"), "ACK", "12"},
		{"stateless ACK without header", mk("ACK", ""), "ACK", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f, m := newCore(), newTM()
			defer m.Close()
			if r := m.fRelay(f.ctx(tc.msg(t)), []any{nil, nil}); r != 1 {
				t.Fatalf("t_relay = %d", r)
			}
			out := find(t, f.take(), tc.method).msg
			got, ok := out.Header("Max-Forwards")
			if ok != (tc.want != "") || got != tc.want {
				t.Fatalf("Max-Forwards %q (present %v), want %q", got, ok, tc.want)
			}
		})
	}
}
