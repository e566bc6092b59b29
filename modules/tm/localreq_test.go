package tm

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"gosips/api"
	"gosips/sip"
)

// uacResult collects what OnReply was called with.
type uacResult struct {
	mu    sync.Mutex
	codes []int
	final chan *sip.Msg
}

func newUACResult() *uacResult { return &uacResult{final: make(chan *sip.Msg, 4)} }

func (u *uacResult) onReply(m *sip.Msg, code int) {
	u.mu.Lock()
	u.codes = append(u.codes, code)
	u.mu.Unlock()
	if code >= 200 {
		u.final <- m
	}
}

func (u *uacResult) wait(t *testing.T) *sip.Msg {
	t.Helper()
	select {
	case m := <-u.final:
		return m
	case <-time.After(3 * time.Second):
		t.Fatal("no final reply reported")
		return nil
	}
}

func (u *uacResult) got() []int {
	u.mu.Lock()
	defer u.mu.Unlock()
	return append([]int(nil), u.codes...)
}

func startedTM(t *testing.T, f *fakeCore) *TM {
	t.Helper()
	m := newTM()
	m.SetCore(f)
	if err := m.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = m.Close() })
	return m
}

func register(res *uacResult) *api.UACRequest {
	return &api.UACRequest{Method: "REGISTER", RURI: "sip:registrar.example.org@198.51.100.7",
		From: "<sip:gw@example.org>", To: "<sip:gw@example.org>",
		Headers: "Contact: <sip:gw@203.0.113.1>\r\nExpires: 600\r\n", OnReply: res.onReply}
}

func TestSendRequestBeforeStart(t *testing.T) {
	m := newTM()
	m.SetCore(newCore())
	if err := m.SendRequest(context.Background(), register(newUACResult())); err == nil {
		t.Fatal("SendRequest before Start succeeded")
	}
}

func TestSendRequestErrors(t *testing.T) {
	f := newCore()
	m := startedTM(t, f)
	tests := []struct {
		name string
		edit func(r *api.UACRequest)
	}{
		{"no method", func(r *api.UACRequest) { r.Method = "" }},
		{"no uri", func(r *api.UACRequest) { r.RURI = "" }},
		{"no from", func(r *api.UACRequest) { r.From = "" }},
		{"ack", func(r *api.UACRequest) { r.Method = "ACK" }},
		{"bad method", func(r *api.UACRequest) { r.Method = "RE GISTER" }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := register(newUACResult())
			tc.edit(r)
			if err := m.SendRequest(context.Background(), r); err == nil {
				t.Fatal("accepted")
			}
		})
	}
	if len(f.take()) != 0 || m.table.count() != 0 {
		t.Fatal("a rejected request was sent")
	}
}

func TestSendRequestRegister401(t *testing.T) {
	f := newCore()
	m := startedTM(t, f)
	res := newUACResult()
	r := register(res)
	r.Provisional = true
	if err := m.SendRequest(context.Background(), r); err != nil {
		t.Fatal(err)
	}
	out := f.take()
	if len(out) != 1 || out[0].dst.Addr.String() != "198.51.100.7:5060" {
		t.Fatalf("sent %v", summary(out))
	}
	req := out[0].msg
	v, err := req.TopVia()
	if err != nil || v.Host != "203.0.113.1" || v.Port != 5060 || !strings.HasPrefix(v.Branch, sip.MagicCookie) {
		t.Fatalf("Via %+v %v", v, err)
	}
	num, meth, _ := req.CSeq()
	mf, _ := req.MaxForwards()
	if num != 1 || meth != "REGISTER" || mf != 70 || req.CallID() == "" || req.FromTag() == "" {
		t.Fatalf("CSeq %d %s, Max-Forwards %d, Call-ID %q, From tag %q", num, meth, mf, req.CallID(), req.FromTag())
	}
	if h, _ := req.Header("Expires"); h != "600" {
		t.Fatalf("Expires %q", h)
	}
	f.deliver(t, m, replyTo(t, req, 100, ""))
	f.deliver(t, m, replyTo(t, req, 401, "reg1"))
	if rpl := res.wait(t); rpl.StatusCode() != 401 || rpl.ToTag() != "reg1" {
		t.Fatalf("reported %s", rpl.FirstLine())
	}
	if got := res.got(); len(got) != 2 || got[0] != 100 || got[1] != 401 {
		t.Fatalf("OnReply codes %v", got)
	}
	// A retransmitted 401 is absorbed; no ACK for a non-INVITE.
	f.deliver(t, m, replyTo(t, req, 401, "reg1"))
	time.Sleep(30 * time.Millisecond)
	if out := f.take(); len(out) != 0 {
		t.Fatalf("sent %v", summary(out))
	}
	if got := res.got(); len(got) != 2 {
		t.Fatalf("OnReply codes %v", got)
	}
	st := statsMap(m)
	if st["UAC_transactions"] != 1 || st["UAS_transactions"] != 0 || st["4xx_transactions"] != 1 {
		t.Errorf("stats %v", st)
	}
}

func TestSendRequestTimeout(t *testing.T) {
	f := newCore()
	m := startedTM(t, f)
	m.FrTimeout = 10 // 100 ms with the test unit; T1 is 20 ms
	res := newUACResult()
	r := register(res)
	r.CallID, r.CSeq = "reg-call-1", 7
	if err := m.SendRequest(context.Background(), r); err != nil {
		t.Fatal(err)
	}
	rpl := res.wait(t)
	if rpl.StatusCode() != 408 || rpl.CallID() != "reg-call-1" {
		t.Fatalf("reported %s", rpl.FirstLine())
	}
	out := f.take()
	if n := count(out, "REGISTER"); n < 3 {
		t.Fatalf("REGISTER sent %d times (no retransmissions?): %v", n, summary(out))
	}
	num, _, _ := out[0].msg.CSeq()
	for _, o := range out[1:] {
		if o.msg.String() != out[0].msg.String() {
			t.Fatal("retransmission differs from the original")
		}
	}
	if num != 7 {
		t.Fatalf("CSeq %d", num)
	}
	deadline := time.Now().Add(2 * time.Second)
	for m.table.count() != 0 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	if n := m.table.count(); n != 0 {
		t.Fatalf("%d transactions left", n)
	}
}

func TestSendRequestInviteAck(t *testing.T) {
	f := newCore()
	m := startedTM(t, f)
	res := newUACResult()
	r := &api.UACRequest{Method: "INVITE", RURI: "sip:bob@198.51.100.2:5070", From: "<sip:ms@example.org>;tag=ms1",
		To: "<sip:bob@example.org>", ContentType: "application/sdp", Body: "v=0\r\n", OnReply: res.onReply}
	if err := m.SendRequest(context.Background(), r); err != nil {
		t.Fatal(err)
	}
	req := find(t, f.take(), "INVITE").msg
	if req.FromTag() != "ms1" || req.Body() != "v=0\r\n" {
		t.Fatalf("From tag %q, body %q", req.FromTag(), req.Body())
	}
	f.deliver(t, m, replyTo(t, req, 180, "b1"))
	f.deliver(t, m, replyTo(t, req, 486, "b1"))
	if rpl := res.wait(t); rpl.StatusCode() != 486 {
		t.Fatalf("reported %s", rpl.FirstLine())
	}
	ack := find(t, f.take(), "ACK").msg
	if v, _ := ack.TopVia(); v.Branch == "" || ack.ToTag() != "b1" {
		t.Fatalf("ACK %s", ack.String())
	}
	if got := res.got(); len(got) != 1 {
		t.Fatalf("provisional reported without Provisional: %v", got)
	}
}

func TestSendRequestLocalRoute(t *testing.T) {
	f := newCore()
	m := startedTM(t, f)
	f.route("local_route/", func(c *api.Ctx) api.Ret {
		c.Msg.AppendHeader("X-Local", "yes")
		c.DstURI = "sip:198.51.100.9:5099"
		return 1
	})
	res := newUACResult()
	r := &api.UACRequest{Method: "OPTIONS", RURI: "sip:gw.example.org", From: "<sip:ping@example.org>",
		To: "<sip:gw.example.org>", OnReply: res.onReply}
	if err := m.SendRequest(context.Background(), r); err != nil {
		t.Fatal(err)
	}
	out := f.take()
	if len(out) != 1 || out[0].dst.Addr.String() != "198.51.100.9:5099" {
		t.Fatalf("sent %v", summary(out))
	}
	if h, _ := out[0].msg.Header("X-Local"); h != "yes" {
		t.Fatal("local_route header missing")
	}
	f.deliver(t, m, replyTo(t, out[0].msg, 200, "gw"))
	if rpl := res.wait(t); rpl.StatusCode() != 200 {
		t.Fatalf("reported %s", rpl.FirstLine())
	}

	// drop in local_route cancels the request.
	f.route("local_route/", func(c *api.Ctx) api.Ret { c.Priv.(*fakePriv).drop = true; return 0 })
	if err := m.SendRequest(context.Background(), r); err == nil {
		t.Fatal("dropped request reported as sent")
	}
}

func TestSendRequestSendFailure(t *testing.T) {
	tests := []struct {
		name string
		ruri string
		want int
	}{
		{"unresolvable", "sip:gw.invalid", 478},
		{"send fails", "sip:gw@198.51.100.66", 477},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := newCore()
			f.failTo = "198.51.100.66:5060"
			m := startedTM(t, f)
			res := newUACResult()
			r := &api.UACRequest{Method: "MESSAGE", RURI: tc.ruri, From: "<sip:a@x>", To: "<sip:b@x>", OnReply: res.onReply}
			if err := m.SendRequest(context.Background(), r); err != nil {
				t.Fatal(err)
			}
			if rpl := res.wait(t); rpl.StatusCode() != tc.want {
				t.Fatalf("reported %d", rpl.StatusCode())
			}
		})
	}
}

// Local requests may be sent from many goroutines at once.
func TestSendRequestConcurrent(t *testing.T) {
	f := newCore()
	m := startedTM(t, f)
	res := newUACResult()
	res.final = make(chan *sip.Msg, 64)
	var wg sync.WaitGroup
	for i := 0; i < 32; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := m.SendRequest(context.Background(), register(res)); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	out := f.take()
	ids := map[string]bool{}
	for _, o := range out {
		if o.msg.Method() == "REGISTER" {
			ids[o.msg.CallID()] = true
			f.deliver(t, m, replyTo(t, o.msg, 200, "r"))
		}
	}
	if len(ids) != 32 {
		t.Fatalf("%d distinct Call-IDs", len(ids))
	}
	for i := 0; i < 32; i++ {
		res.wait(t)
	}
}
