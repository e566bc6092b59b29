package b2bentities

import (
	"slices"
	"strings"
	"testing"

	"gosips/api"
)

func TestParseUAFlags(t *testing.T) {
	for _, tc := range []struct {
		in      string
		flags   uint
		timeout int
	}{
		{"", 0, 0},
		{"arhb", uaReportACK | uaReportReplies | uaProvideHdrs | uaProvideBody, 0},
		{"t3600d", uaNoAutoACK, 3600},
		{"nt", uaSuppressNew, 0},
		{"t5t7x", 0, 7}, // the last t wins, unknown letters are ignored
	} {
		o := parseUAFlags(tc.in)
		if o.flags != tc.flags || o.timeout != tc.timeout {
			t.Errorf("%q: flags %b timeout %d, want %b %d", tc.in, o.flags, o.timeout, tc.flags, tc.timeout)
		}
	}
}

// The MI recipes: any subset of the optional parameters, content_type
// only with a body (OpenSIPS lists 47 of these 48 for
// ua_session_client_start; it misses proxy+body+flags+socket).
func TestUARecipes(t *testing.T) {
	m := New()
	count := map[string]int{}
	for _, c := range m.uaMICommands() {
		count[c.Name] = len(c.Recipes)
		for _, r := range c.Recipes {
			if slices.Contains(r, "content_type") && !slices.Contains(r, "body") {
				t.Errorf("%s: recipe %v has content_type without body", c.Name, r)
			}
		}
	}
	want := map[string]int{"ua_session_client_start": 48, "ua_session_update": 6, "ua_session_reply": 6,
		"ua_session_terminate": 2, "ua_session_list": 2}
	for n, w := range want {
		if count[n] != w {
			t.Errorf("%s: %d recipes, want %d", n, count[n], w)
		}
	}
}

func TestUAKeyOK(t *testing.T) {
	for key, ok := range map[string]bool{
		"B2B.436.1925389.1649338095":       true,
		"B2B.1.2.3.4":                      true,
		"B2B.1.2":                          false,
		"nokey":                            false,
		"B2B.x.2.3":                        false,
		"B2C.1.2.3":                        false,
		"B2B..2.3":                         false,
		"B2B.12.34.1700000000.1234567890x": true,
	} {
		if uaKeyOK(key, "B2B.") != ok {
			t.Errorf("uaKeyOK(%q) = %v", key, !ok)
		}
	}
}

func TestUAContentType(t *testing.T) {
	for _, tc := range []struct{ ct, body, want string }{
		{"", "", ""},
		{"text/plain", "", ""},
		{"", "v=0", "application/sdp"},
		{"text/plain", "x", "text/plain"},
		{"Content-Type: text/plain\r\n", "x", "text/plain"},
		{"content-type:application/json", "x", "application/json"},
	} {
		if got := uaContentType(tc.ct, tc.body); got != tc.want {
			t.Errorf("uaContentType(%q, %q) = %q, want %q", tc.ct, tc.body, got, tc.want)
		}
	}
}

func TestRawHeaders(t *testing.T) {
	msg := mustParse(t, "BYE sip:a@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1;branch=z9hG4bK1\r\n"+
		"From: <sip:a@x>;tag=1\r\nTo: <sip:b@y>;tag=2\r\nCall-ID: c\r\nCSeq: 2 BYE\r\nContent-Length: 0\r\n\r\n")
	want := "Via: SIP/2.0/UDP 127.0.0.1;branch=z9hG4bK1\r\nFrom: <sip:a@x>;tag=1\r\nTo: <sip:b@y>;tag=2\r\n" +
		"Call-ID: c\r\nCSeq: 2 BYE\r\nContent-Length: 0\r\n"
	if got := rawHeaders(msg); got != want {
		t.Errorf("rawHeaders:\n%q\nwant\n%q", got, want)
	}
	if !strings.HasSuffix(rawHeaders(msg), "\r\n") {
		t.Error("the last header keeps its CRLF")
	}
}

// discardSock is an event subscriber that builds the payload the
// datagram and stream transports send, and drops it.
type discardSock struct{}

func (discardSock) Raise(ev *api.Event, p api.EventParams) error {
	_ = api.EventJSON(ev.Name, 0, p, "", "")
	return nil
}
func (discardSock) Match(o api.EventSocket) bool { return true }
func (discardSock) String() string               { return "discard" }

// The hot path of a UA session: E_UA_SESSION for a request received
// within it, with headers and body (flags h and b), to one subscriber.
func BenchmarkUARaise(b *testing.B) {
	evs := api.NewEvents()
	if err := evs.RegisterTransport(api.EventTransport{Proto: "discard",
		Parse: func(string) (api.EventSocket, error) { return discardSock{}, nil }}); err != nil {
		b.Fatal(err)
	}
	m := New()
	m.uaEvent = evs.MustPublish("E_UA_SESSION")
	if err := evs.Subscribe("E_UA_SESSION", "discard:x", 0, false); err != nil {
		b.Fatal(err)
	}
	e := &entity{key: "B2B.1.2.1700000000.42", typ: api.B2BServer}
	req := mustParse(b, "UPDATE sip:a@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:5060;branch=z9hG4bK1\r\n"+
		"From: <sip:a@x>;tag=1\r\nTo: <sip:b@y>;tag=B2B.1.2.1700000000.42\r\nCall-ID: c1\r\nCSeq: 2 UPDATE\r\n"+
		"Content-Type: application/sdp\r\nContent-Length: 13\r\n\r\nv=0\r\ns=-\r\nt=0")
	b.ReportAllocs()
	for b.Loop() {
		m.uaRaise(e, uaEvUpdated, uaProvideHdrs|uaProvideBody, req, "", false)
	}
}

// countSock counts the events it gets.
type countSock struct{ n *int }

func (c countSock) Raise(*api.Event, api.EventParams) error { *c.n++; return nil }
func (countSock) Match(api.EventSocket) bool                { return true }
func (countSock) String() string                            { return "count" }

// The answer to the session's own BYE is not reported, even when it
// comes before the entity is removed (ua_session_terminate and the
// lifetime timer send it without callback).
func TestUAEndingNotReported(t *testing.T) {
	n := 0
	evs := api.NewEvents()
	if err := evs.RegisterTransport(api.EventTransport{Proto: "count",
		Parse: func(string) (api.EventSocket, error) { return countSock{&n}, nil }}); err != nil {
		t.Fatal(err)
	}
	m := New()
	m.uaEvent = evs.MustPublish("E_UA_SESSION")
	if err := evs.Subscribe("E_UA_SESSION", "count:x", 0, false); err != nil {
		t.Fatal(err)
	}
	s := &uaSession{m: m}
	e := &entity{key: "B2B.1.2.1700000000.42", typ: api.B2BClient, state: stConfirmed, handler: s}
	reply := mustParse(t, "SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP 127.0.0.1:5060;branch=z9hG4bK1\r\n"+
		"From: <sip:a@x>;tag=1\r\nTo: <sip:b@y>;tag=2\r\nCall-ID: B2B.1.2.1700000000.42\r\nCSeq: 3 OPTIONS\r\nContent-Length: 0\r\n\r\n")
	s.B2BReply(e, "OPTIONS", reply, 200)
	if n != 1 {
		t.Fatalf("%d events for a reported reply", n)
	}
	s.ending.Store(true)
	s.B2BReply(e, "OPTIONS", reply, 200)
	if n != 1 {
		t.Errorf("the answer to a terminating session's request was reported")
	}
}
