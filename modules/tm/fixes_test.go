package tm

import (
	"strings"
	"testing"
	"time"

	"gosips/api"
	"gosips/sip"
)

// A 2xx t_reply'd to an INVITE over UDP is retransmitted until its ACK,
// which is a new transaction matched by dialog and absorbed.
func TestLocal2xxRetransmittedUntilAck(t *testing.T) {
	f, m := newCore(), newTM()
	defer m.Close()
	c := f.ctx(invite(t, "z9hG4bK-l2xx"))
	if r := m.fReply(c, []any{int64(200), "OK"}); r != 1 {
		t.Fatalf("t_reply = %d", r)
	}
	out := f.waitFor(t, "2xx retransmissions", func(s []sent) bool { return count(s, "SIP/2.0 200") >= 3 })
	tag := find(t, out, "SIP/2.0 200").msg.ToTag()
	if tag == "" {
		t.Fatal("local 2xx without To tag")
	}
	tests := []struct {
		name, branch, toTag string
		want                api.Ret
	}{
		{"other dialog", "z9hG4bK-ack-x", "not-ours", 1},
		{"ours", "z9hG4bK-ack-l2xx", tag, 0},
		{"retransmitted", "z9hG4bK-ack-l2xx", tag, 0},
	}
	for _, tc := range tests {
		ack := hopRequest(t, "ACK", tc.branch, tc.toTag)
		if r := m.fNewtran(f.ctx(ack), nil); r != tc.want {
			t.Fatalf("%s: t_newtran(ACK) = %d, want %d", tc.name, r, tc.want)
		}
	}
	f.take()
	time.Sleep(120 * time.Millisecond)
	if n := count(f.take(), "SIP/2.0 200"); n != 0 {
		t.Fatalf("200 retransmitted %d times after the ACK", n)
	}
}

// The winning 401/407 carries the challenges of every 401/407 branch.
func TestChallengeAggregation(t *testing.T) {
	f, m := newCore(), newTM()
	defer m.Close()
	c := f.ctx(invite(t, "z9hG4bK-agg"))
	c.Branches = []api.Branch{{URI: "sip:bob@198.51.100.3:5070", Q: -1}, {URI: "sip:bob@198.51.100.4:5070", Q: -1}}
	if r := m.fRelay(c, []any{nil, nil}); r != 1 {
		t.Fatalf("t_relay = %d", r)
	}
	var brs []*sip.Msg
	for _, o := range f.take() {
		if o.msg.IsRequest() {
			brs = append(brs, o.msg)
		}
	}
	if len(brs) != 3 {
		t.Fatalf("%d branches", len(brs))
	}
	challenge := func(req *sip.Msg, code int, hdr, realm string) *sip.Msg {
		r := sip.NewReplyWith(req, &sip.ReplySpec{Code: code, ToTag: realm,
			Headers: hdr + `: Digest realm="` + realm + `", nonce="n"` + "\r\n"})
		p, err := sip.Parse(append([]byte(nil), r.Bytes()...))
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	f.deliver(t, m, challenge(brs[0], 401, "WWW-Authenticate", "a"))
	f.deliver(t, m, challenge(brs[1], 407, "Proxy-Authenticate", "b"))
	f.deliver(t, m, replyTo(t, brs[2], 503, "c"))
	up := f.waitFor(t, "final reply upstream", func(s []sent) bool { return count(s, "SIP/2.0 40") == 1 })
	rpl := find(t, up, "SIP/2.0 40").msg
	www, prx := rpl.Headers("WWW-Authenticate"), rpl.Headers("Proxy-Authenticate")
	if len(www) != 1 || len(prx) != 1 || !strings.Contains(www[0], `"a"`) || !strings.Contains(prx[0], `"b"`) {
		t.Fatalf("%s: WWW %v, Proxy %v", rpl.FirstLine(), www, prx)
	}
}

// Setting $T_fr_timeout before the transaction exists creates nothing
// (no 100 Trying); the transaction made later uses the value.
func TestFrTimeoutBeforeTransaction(t *testing.T) {
	f, m := newCore(), newTM()
	defer m.Close()
	c := f.ctx(invite(t, "z9hG4bK-frt"))
	if err := m.timerSetter(false)(c, nil, api.IntValue(3)); err != nil {
		t.Fatal(err)
	}
	if c.Tx != nil || len(f.take()) != 0 || m.table.count() != 0 {
		t.Fatal("setting $T_fr_timeout created a transaction")
	}
	if v, _ := m.timerGetter(false)(c, nil); v.S != "3" && v.I != 3 {
		t.Fatalf("$T_fr_timeout = %+v", v)
	}
	if r := m.fRelay(c, []any{nil, nil}); r != 1 {
		t.Fatalf("t_relay = %d", r)
	}
	if got := txOf(c).frTimeout; got != 3*m.unit {
		t.Fatalf("transaction fr_timeout %v", got)
	}
	// No reply at all: the branch times out after 30 ms, not 300.
	f.waitFor(t, "408 upstream", func(s []sent) bool { return count(s, "SIP/2.0 408") == 1 })
}

// Shutdown answers a pending INVITE with 500 and cancels its ringing
// branch.
func TestCloseAbortsPendingInvites(t *testing.T) {
	f, m := newCore(), newTM()
	c := f.ctx(invite(t, "z9hG4bK-shut"))
	if r := m.fRelay(c, []any{nil, nil}); r != 1 {
		t.Fatalf("t_relay = %d", r)
	}
	br := find(t, f.take(), "INVITE").msg
	f.deliver(t, m, replyTo(t, br, 180, "b1"))
	f.take()
	if err := m.Close(); err != nil {
		t.Fatal(err)
	}
	out := f.take()
	if count(out, "SIP/2.0 500") != 1 || count(out, "CANCEL") != 1 {
		t.Fatalf("sent %v", summary(out))
	}
	if m.table.count() != 0 {
		t.Fatal("transactions left after Close")
	}
}

// Local replies are OpenSIPS': append_to_reply's headers in every one, the
// automatic 100 "Giving it a try" with them, no To-tag below 180.
func TestLocalRepliesAsOpenSIPS(t *testing.T) {
	f, m := newCore(), newTM()
	defer m.Close()
	c := f.ctx(invite(t, "z9hG4bK-lrep"))
	c.ReplyHeaders = "X-Why: busy\r\n"
	if r := m.fNewtran(c, nil); r != 1 {
		t.Fatalf("t_newtran = %d", r)
	}
	for _, code := range []int64{110, 180, 486} {
		if r := m.fReply(c, []any{code, "R"}); r != 1 {
			t.Fatalf("t_reply(%d) = %d", code, r)
		}
	}
	out := f.take()
	for _, tc := range []struct {
		line  string
		toTag bool
	}{{"SIP/2.0 100 Giving it a try", false}, {"SIP/2.0 110 R", false}, {"SIP/2.0 180 R", true}, {"SIP/2.0 486 R", true}} {
		r := find(t, out, tc.line).msg
		if (r.ToTag() != "") != tc.toTag {
			t.Errorf("%s: To-tag %q", tc.line, r.ToTag())
		}
		if v, _ := r.Header("X-Why"); v != "busy" {
			t.Errorf("%s: no append_to_reply header:\n%s", tc.line, r.String())
		}
	}
}
