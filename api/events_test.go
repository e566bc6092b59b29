package api

import (
	"testing"
	"time"
)

type testSock struct {
	addr string
	got  *[]string
}

func (s *testSock) Raise(ev *Event, p EventParams) error {
	*s.got = append(*s.got, string(EventJSON(ev.Name, 0, p, "", "")))
	return nil
}
func (s *testSock) Match(o EventSocket) bool { x, ok := o.(*testSock); return ok && x.addr == s.addr }
func (s *testSock) String() string           { return s.addr }

func TestEventJSON(t *testing.T) {
	var named EventParams
	named.Str("s", "a\"b\\c\n\x01é/<>")
	named.Int("n", -3)
	named.StrOrNull("z", "")
	tests := []struct {
		name   string
		id     int
		p      EventParams
		ek, ev string
		want   string
	}{
		{"none", 0, nil, "", "", `{"jsonrpc":"2.0","method":"E"}`},
		{"named", 0, named, "", "", `{"jsonrpc":"2.0","method":"E","params":{"s":"a\"b\\c\n\u0001é/<>","n":-3,"z":null}}`},
		{"positional", 7, EventParams{{Value: StrValue("x")}, {Value: IntValue(2)}}, "", "", `{"id":7,"jsonrpc":"2.0","method":"E","params":["x",2]}`},
		{"extra", 0, named[:1], "ev", "E", `{"jsonrpc":"2.0","method":"E","params":{"ev":"E","s":"a\"b\\c\n\u0001é/<>"}}`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := string(EventJSON("E", tc.id, tc.p, tc.ek, tc.ev)); got != tc.want {
				t.Errorf("got  %s\nwant %s", got, tc.want)
			}
		})
	}
}

func TestEventSubscribe(t *testing.T) {
	evs := NewEvents()
	now := time.Unix(1000, 0)
	evs.now = func() time.Time { return now }
	var got []string
	if err := evs.RegisterTransport(EventTransport{Proto: "t", Expires: true, Parse: func(a string) (EventSocket, error) {
		return &testSock{addr: a, got: &got}, nil
	}}); err != nil {
		t.Fatal(err)
	}
	ev, _ := evs.Publish("E_X")
	if again, _ := evs.Publish("E_X"); again != ev {
		t.Fatal("publishing twice made a second event")
	}
	if err := evs.Subscribe("E_NONE", "t:a", 10, true); err == nil {
		t.Error("subscribing to an unknown event succeeded")
	}
	if err := evs.Subscribe("E_X", "nope:a", 10, true); err == nil {
		t.Error("subscribing with an unknown transport succeeded")
	}
	evs.Subscribe("E_X", "t:a", 10, true)
	evs.Subscribe("E_X", "t:b", 0, false) // never expires
	evs.Subscribe("E_X", "t:a", 20, true) // refresh, not a new one
	if n := len(ev.Subscribers()); n != 2 {
		t.Fatalf("%d subscribers, want 2", n)
	}
	ev.Raise(nil)
	if len(got) != 2 {
		t.Fatalf("delivered %d, want 2", len(got))
	}
	now = now.Add(21 * time.Second)
	subs := ev.Subscribers()
	if len(subs) != 1 || subs[0].Sock.String() != "b" || subs[0].Expires {
		t.Fatalf("after expiry: %+v", subs)
	}
}
