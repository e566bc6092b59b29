package sl

import (
	"strings"
	"testing"

	"gosips/api"
	"gosips/modules/core/coretest"
	"gosips/sip"
)

func call(t *testing.T, s *SL, name string, c *api.Ctx, args ...any) api.Ret {
	t.Helper()
	for _, f := range s.Funcs() {
		if f.Name == name {
			return f.Call(c, args)
		}
	}
	t.Fatalf("%s not declared", name)
	return 0
}

func TestSendReply(t *testing.T) {
	s := New()
	fc := coretest.New()
	msg := coretest.Msg(t, coretest.Invite)
	c := coretest.NewCtx(fc, msg)
	if rc := call(t, s, "sl_send_reply", c, api.ReplyCode(404), "Not Here"); rc != 1 {
		t.Fatalf("rc = %d", rc)
	}
	tag := s.ToTag(msg)
	want := "SIP/2.0 404 Not Here\r\n" +
		"Via: SIP/2.0/UDP 192.0.2.10:5062;received=192.0.2.10;branch=z9hG4bK776asdhds;rport=5062\r\n" +
		"To: Bob <sip:bob@example.com>;tag=" + tag + "\r\n" +
		"From: Alice <sip:alice@example.org>;tag=1928301774\r\n" +
		"Call-ID: a84b4c76e66710@pc33.example.org\r\n" +
		"CSeq: 314159 INVITE\r\n" +
		"Server: OpenSIPS (gosips test)\r\n" +
		"Content-Length: 0\r\n\r\n"
	if got := fc.Last(); got != want {
		t.Fatalf("reply:\n%s\nwant:\n%s", got, want)
	}
	if d := fc.Sent()[0].Dest; d.Addr != coretest.Src {
		t.Errorf("sent to %v, want %v", d.Addr, coretest.Src)
	}
	// A retransmission gets the same tag; another transaction another.
	if s.ToTag(coretest.Msg(t, coretest.Invite)) != tag {
		t.Error("tag differs on retransmission")
	}
	other := coretest.Msg(t, strings.Replace(coretest.Invite, "z9hG4bK776asdhds", "z9hG4bKother", 1))
	if s.ToTag(other) == tag {
		t.Error("tag equal for another transaction")
	}
	// A variable code arrives as int64.
	if rc := call(t, s, "sl_send_reply", c, int64(200), "OK"); rc != 1 || !strings.HasPrefix(fc.Last(), "SIP/2.0 200 OK\r\n") {
		t.Errorf("rc = %d, last = %q", rc, fc.Last())
	}
	st := map[string]int64{}
	for _, x := range s.Stats() {
		st[x.Name] = x.Value
	}
	if st["4xx_replies"] != 1 || st["2xx_replies"] != 1 || st["sent_replies"] != 2 || st["sent_err_replies"] != 1 {
		t.Errorf("stats = %v", st)
	}
}

func TestReplyHeadersAndBody(t *testing.T) {
	s := New()
	fc := coretest.New()
	fc.Server = ""
	c := coretest.NewCtx(fc, coretest.Msg(t, coretest.Options))
	c.ReplyHeaders = "Allow: INVITE, ACK\r\nContent-Type: text/plain\r\n"
	c.ReplyBody = "hello"
	if err := s.Reply(c, 200, "", "Accept: application/sdp\r\n", ""); err != nil {
		t.Fatal(err)
	}
	got := fc.Last()
	for _, want := range []string{"SIP/2.0 200 OK\r\n", "Allow: INVITE, ACK\r\nContent-Type: text/plain\r\nAccept: application/sdp\r\n",
		"Content-Length: 5\r\n\r\nhello"} {
		if !strings.Contains(got, want) {
			t.Errorf("reply lacks %q:\n%s", want, got)
		}
	}
	if strings.Contains(got, "Server:") {
		t.Error("Server header sent while disabled")
	}
}

func TestNoReplyToAck(t *testing.T) {
	s := New()
	fc := coretest.New()
	ack := strings.NewReplacer("INVITE sip", "ACK sip", "314159 INVITE", "314159 ACK").Replace(coretest.Invite)
	c := coretest.NewCtx(fc, coretest.Msg(t, ack))
	if rc := call(t, s, "sl_send_reply", c, api.ReplyCode(200), "OK"); rc != -1 || len(fc.Sent()) != 0 {
		t.Errorf("rc = %d, sent %d", rc, len(fc.Sent()))
	}
}

func TestFilterAck(t *testing.T) {
	s := New()
	inv := coretest.Msg(t, coretest.Invite)
	tag := s.ToTag(inv)
	ackText := strings.NewReplacer("INVITE sip", "ACK sip", "314159 INVITE", "314159 ACK",
		"To: Bob <sip:bob@example.com>", "To: Bob <sip:bob@example.com>;tag="+tag).Replace(coretest.Invite)
	tests := []struct {
		name string
		text string
		pass bool
	}{
		{"ack to our reply", ackText, false},
		{"ack with a foreign tag", strings.Replace(ackText, tag, "xyz", 1), true},
		{"ack with another branch", strings.Replace(ackText, "z9hG4bK776asdhds", "z9hG4bKother", 1), true},
		{"ack from another port", strings.Replace(ackText, "192.0.2.10:5062", "192.0.2.10:5063", 1), true},
		{"invite", coretest.Invite, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := coretest.NewCtx(coretest.New(), coretest.Msg(t, tc.text))
			if got := s.FilterRequest(c); got != tc.pass {
				t.Errorf("FilterRequest = %v, want %v", got, tc.pass)
			}
		})
	}
	if s.Stats()[8].Value != 1 {
		t.Errorf("received_ACKs = %v", s.Stats()[8])
	}
}

func TestReplyError(t *testing.T) {
	s := New()
	fc := coretest.New()
	c := coretest.NewCtx(fc, coretest.Msg(t, coretest.Options))
	if rc := call(t, s, "sl_reply_error", c); rc != 1 || !strings.HasPrefix(fc.Last(), "SIP/2.0 500 Server Internal Error\r\n") {
		t.Errorf("rc = %d, reply %q", rc, fc.Last())
	}
	c.Err = &api.ErrInfo{RCode: 400, RReply: "Bad Request"}
	if rc := call(t, s, "sl_reply_error", c); rc != 1 || !strings.HasPrefix(fc.Last(), "SIP/2.0 400 Bad Request\r\n") {
		t.Errorf("rc = %d, reply %q", rc, fc.Last())
	}
}

func BenchmarkSendReply(b *testing.B) {
	s := New()
	fc := coretest.New()
	msg, err := coretest.ParseMsg(coretest.Options)
	if err != nil {
		b.Fatal(err)
	}
	c := coretest.NewCtx(discard{fc}, msg)
	args := []any{api.ReplyCode(200), "OK"}
	f := s.Funcs()[0].Call
	b.ReportAllocs()
	for b.Loop() {
		if f(c, args) != 1 {
			b.Fatal("failed")
		}
	}
}

// discard is a core whose SendReply keeps nothing, so that the benchmark
// measures sl alone.
type discard struct{ *coretest.Core }

func (discard) SendReply(_ *sip.Msg, _ []byte) error { return nil }

// A redirect carries the destination set as its Contact, as OpenSIPS'
// sl_send_reply does; other replies do not.
func TestRedirectCarriesDestSet(t *testing.T) {
	s := New()
	fc := coretest.New()
	msg := coretest.Msg(t, coretest.Invite)
	c := coretest.NewCtx(fc, msg)
	msg.SetRURI("sip:parallel@siphub.net:9")
	c.Branches = append(c.Branches, api.Branch{URI: "sip:redirect@siphub.net:9", Q: 500})
	if rc := call(t, s, "sl_send_reply", c, api.ReplyCode(300), "Redirect"); rc != 1 {
		t.Fatalf("rc = %d", rc)
	}
	want := "Contact: <sip:parallel@siphub.net:9>, <sip:redirect@siphub.net:9>;q=0.5\r\n"
	if got := fc.Last(); !strings.Contains(got, want) {
		t.Errorf("300 lacks %q:\n%s", want, got)
	}
	call(t, s, "sl_send_reply", c, api.ReplyCode(404), "Not Here")
	if got := fc.Last(); strings.Contains(got, "Contact:") {
		t.Errorf("404 carries a Contact:\n%s", got)
	}
}
