package tm

import (
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"gosips/api"
	"gosips/pv"
	"gosips/sip"
)

func TestBranchID(t *testing.T) {
	tests := []struct {
		id  uint64
		idx int
	}{{0, 0}, {1, 1}, {0xdeadbeefcafe0102, 11}, {^uint64(0), 9999}}
	for _, tc := range tests {
		s := branchID(tc.id, tc.idx)
		if !strings.HasPrefix(s, sip.MagicCookie) {
			t.Fatalf("%q lacks the magic cookie", s)
		}
		id, idx, ok := parseBranchID(s)
		if !ok || id != tc.id || idx != tc.idx {
			t.Errorf("parse(%q) = %x %d %v", s, id, idx, ok)
		}
	}
	for _, bad := range []string{"", "z9hG4bK", "z9hG4bKdeadbeefcafe0102", "z9hG4bKdeadbeefcafe0102.", "z9hG4bKdeadbeefcafe01g2.1", "z9hG4bKdeadbeefcafe0102.1x", "z9hG4bK-uac1"} {
		if _, _, ok := parseBranchID(bad); ok {
			t.Errorf("parse(%q) accepted", bad)
		}
	}
}

func TestNewtranAndRetransmission(t *testing.T) {
	tests := []struct {
		name     string
		msg      func(testing.TB) *sip.Msg
		auto100  int
		want100s int
	}{
		{"invite", func(tb testing.TB) *sip.Msg { return invite(tb, "z9hG4bK-n1") }, 1, 2},
		{"invite without 100", func(tb testing.TB) *sip.Msg { return invite(tb, "z9hG4bK-n2") }, 0, 0},
		{"options", func(tb testing.TB) *sip.Msg {
			return request(tb, "OPTIONS sip:bob@198.51.100.2 SIP/2.0", "Via: SIP/2.0/UDP 192.0.2.1;branch=z9hG4bK-n3",
				"From: <sip:a@x>;tag=1", "To: <sip:b@x>", "Call-ID: o1", "CSeq: 2 OPTIONS", "Content-Length: 0")
		}, 1, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f, m := newCore(), newTM()
			m.Auto100Trying = tc.auto100
			c := f.ctx(tc.msg(t))
			if r := m.fNewtran(c, nil); r != 1 || c.Tx == nil {
				t.Fatalf("t_newtran = %d, tx %v", r, c.Tx)
			}
			if r := m.fNewtran(c, nil); r != 1 {
				t.Fatalf("second t_newtran in the same script = %d", r)
			}
			// The retransmission stops the script and gets the last reply.
			c2 := f.ctx(tc.msg(t))
			if r := m.fNewtran(c2, nil); r != 0 {
				t.Fatalf("t_newtran on a retransmission = %d, want 0", r)
			}
			if r := m.fCheckTrans(f.ctx(tc.msg(t)), nil); r != 0 {
				t.Fatalf("t_check_trans on a retransmission = %d, want 0", r)
			}
			out := f.take()
			if n := count(out, "SIP/2.0 100"); n != tc.want100s+boolInt(tc.want100s > 0) {
				t.Fatalf("100 Trying sent %d times: %v", n, summary(out))
			}
			for _, o := range out {
				if o.dst.Addr.String() != uacAddr {
					t.Errorf("reply went to %s", o.dst.Addr)
				}
				if o.msg.ToTag() != "" {
					t.Errorf("100 Trying has a To tag")
				}
			}
			if m.table.count() != 1 {
				t.Fatalf("%d transactions", m.table.count())
			}
		})
	}
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// A retransmission arriving while the first copy is being processed must
// find the transaction, not create another one.
func TestConcurrentRetransmissions(t *testing.T) {
	f, m := newCore(), newTM()
	var wg sync.WaitGroup
	var mu sync.Mutex
	rets := map[api.Ret]int{}
	for i := 0; i < 16; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := m.fNewtran(f.ctx(invite(t, "z9hG4bK-conc")), nil)
			mu.Lock()
			rets[r]++
			mu.Unlock()
		}()
	}
	wg.Wait()
	if rets[1] != 1 || rets[0] != 15 || m.table.count() != 1 {
		t.Fatalf("returns %v, %d transactions", rets, m.table.count())
	}
}

func TestRelayInvite2xx(t *testing.T) {
	f, m := newCore(), newTM()
	c := f.ctx(invite(t, "z9hG4bK-r1"))
	if r := m.fRelay(c, []any{nil, nil}); r != 1 {
		t.Fatalf("t_relay = %d", r)
	}
	out := f.take()
	if n := count(out, "SIP/2.0 100"); n != 1 {
		t.Fatalf("100 Trying sent %d times", n)
	}
	br := find(t, out, "INVITE")
	if br.dst.Addr.String() != "198.51.100.2:5070" {
		t.Fatalf("branch sent to %s", br.dst.Addr)
	}
	if got := vias(br.msg); len(got) != 2 || got[0] != "203.0.113.1:5060" || got[1] != "192.0.2.1:5060" {
		t.Fatalf("branch Vias = %v", got)
	}
	if mf, _ := br.msg.MaxForwards(); mf != 70 { // maxfwd decrements it, not tm
		t.Errorf("Max-Forwards = %d", mf)
	}
	if rr, _ := br.msg.Header("Record-Route"); rr != "<sip:rr.example.org;lr>" {
		t.Errorf("Record-Route = %q", rr)
	}

	// 100 from downstream is absorbed, 180 and 200 are relayed.
	for _, code := range []int{100, 180, 200, 200} {
		if !f.deliver(t, m, replyTo(t, br.msg, code, "b1")) {
			t.Fatalf("%d not matched", code)
		}
	}
	out = f.take()
	// The retransmitted 200 is relayed too (end-to-end reliability).
	if got := summary(out); len(got) != 3 || !strings.HasPrefix(got[0], "SIP/2.0 180") ||
		!strings.HasPrefix(got[1], "SIP/2.0 200") || !strings.HasPrefix(got[2], "SIP/2.0 200") {
		t.Fatalf("upstream got %v", got)
	}
	for _, o := range out {
		if got := vias(o.msg); len(got) != 1 || got[0] != "192.0.2.1:5060" || o.dst.Addr.String() != uacAddr {
			t.Errorf("%s: Vias %v to %s", o.msg.FirstLine(), got, o.dst.Addr)
		}
		if o.msg.ToTag() != "b1" {
			t.Errorf("%s: To tag %q", o.msg.FirstLine(), o.msg.ToTag())
		}
	}
	// A reply that matches no transaction is left to the core.
	if f.deliver(t, m, replyTo(t, invite(t, "z9hG4bK-unknown"), 200, "x")) {
		t.Error("unknown reply claimed")
	}
	st := statsMap(m)
	if st["UAS_transactions"] != 1 || st["UAC_transactions"] != 0 || st["2xx_transactions"] != 1 ||
		st["relayed_replies"] < 3 || st["received_replies"] != 4 {
		t.Errorf("stats %v", st)
	}
}

func statsMap(m *TM) map[string]int64 {
	out := map[string]int64{}
	for _, s := range m.Stats() {
		out[s.Name] = s.Value
	}
	return out
}

func TestBestReply(t *testing.T) {
	tests := []struct {
		codes []int
		want  string
	}{
		{[]int{486, 404, 503}, "SIP/2.0 404"},
		{[]int{503, 407, 404}, "SIP/2.0 407"},
		{[]int{500, 302, 404}, "SIP/2.0 302"},
		{[]int{404, 603}, "SIP/2.0 603"},
	}
	for _, tc := range tests {
		t.Run(tc.want, func(t *testing.T) {
			f, m := newCore(), newTM()
			c := f.ctx(invite(t, "z9hG4bK-best"))
			for i := 1; i < len(tc.codes); i++ {
				c.Branches = append(c.Branches, api.Branch{URI: "sip:bob@198.51.100." + string(rune('2'+i)) + ":5070", Q: -1})
			}
			if r := m.fRelay(c, []any{nil, nil}); r != 1 {
				t.Fatalf("t_relay = %d", r)
			}
			var brs []*sip.Msg
			for _, o := range f.take() {
				if o.msg.IsRequest() {
					brs = append(brs, o.msg)
				}
			}
			if len(brs) != len(tc.codes) {
				t.Fatalf("%d branches", len(brs))
			}
			for i, code := range tc.codes {
				f.deliver(t, m, replyTo(t, brs[i], code, "t"+string(rune('0'+i))))
			}
			out := f.take()
			var up []string
			for _, o := range out {
				if !o.msg.IsRequest() {
					up = append(up, o.msg.FirstLine())
				}
			}
			if len(up) != 1 || !strings.HasPrefix(up[0], tc.want) {
				t.Fatalf("upstream got %v, want %s", up, tc.want)
			}
			if n := count(out, "ACK"); n != len(tc.codes) {
				t.Errorf("%d ACKs for %d negative replies", n, len(tc.codes))
			}
		})
	}
}

func TestFailureRouteSerialFork(t *testing.T) {
	f, m := newCore(), newTM()
	var sawCode int
	var sawURI string
	f.route("failure_route/next", func(fc *api.Ctx) api.Ret {
		sawCode, sawURI = replyCode(fc), fc.Msg.RURI()
		if m.fCheckStatus(fc, []any{regexp.MustCompile("^4")}) != 1 {
			t.Error("t_check_status(4xx) false in failure route")
		}
		fc.Msg.SetRURI("sip:vm@198.51.100.9")
		if r := m.fRelay(fc, []any{nil, nil}); r != 1 {
			t.Errorf("t_relay in failure route = %d", r)
		}
		return 1
	})
	c := f.ctx(invite(t, "z9hG4bK-ser"))
	onRoute(api.FailureRoute)(c, []any{RouteRef{api.FailureRoute, "next"}})
	m.fRelay(c, []any{nil, nil})
	first := find(t, f.take(), "INVITE")
	f.deliver(t, m, replyTo(t, first.msg, 486, "busy"))
	out := f.take()
	if sawCode != 486 || sawURI != "sip:bob@198.51.100.2:5070" {
		t.Fatalf("failure route saw %d %q", sawCode, sawURI)
	}
	second := find(t, out, "INVITE sip:vm@198.51.100.9")
	if second.dst.Addr.String() != "198.51.100.9:5060" {
		t.Fatalf("second branch to %s", second.dst.Addr)
	}
	for _, o := range out {
		if !o.msg.IsRequest() {
			t.Fatalf("the 486 went upstream: %v", summary(out))
		}
	}
	// The failure route is not armed any more: the second failure goes
	// upstream.
	f.deliver(t, m, replyTo(t, second.msg, 480, "vm"))
	up := find(t, f.take(), "SIP/2.0 480")
	if up.msg.ToTag() != "vm" {
		t.Errorf("To tag %q", up.msg.ToTag())
	}
}

func TestTimeout408(t *testing.T) {
	f, m := newCore(), newTM()
	m.FrTimeout = 10 // 100 ms with the test unit
	var failed int
	f.route("failure_route/to", func(fc *api.Ctx) api.Ret { failed = replyCode(fc); return 1 })
	c := f.ctx(invite(t, "z9hG4bK-to"))
	onRoute(api.FailureRoute)(c, []any{RouteRef{api.FailureRoute, "to"}})
	m.fRelay(c, []any{nil, nil})
	out := f.waitFor(t, "408", func(out []sent) bool { return count(out, "SIP/2.0 408") > 0 })
	if n := count(out, "INVITE"); n < 3 {
		t.Errorf("INVITE sent %d times, want retransmissions: %v", n, summary(out))
	}
	if count(out, "CANCEL") != 0 {
		t.Error("CANCEL for a branch without a provisional reply")
	}
	tx := c.Tx.(*Tx)
	tx.mu.Lock()
	failedSeen := failed
	tx.mu.Unlock()
	if failedSeen != 408 {
		t.Errorf("failure route saw %d", failedSeen)
	}
	if r := find(t, out, "SIP/2.0 408"); r.msg.ToTag() == "" || r.dst.Addr.String() != uacAddr {
		t.Errorf("408 without To tag or to %s", r.dst.Addr)
	}
}

func TestTimeoutAfterProvisionalCancels(t *testing.T) {
	f, m := newCore(), newTM()
	m.FrTimeout, m.FrInvTimeout = 10, 15
	c := f.ctx(invite(t, "z9hG4bK-to2"))
	m.fRelay(c, []any{nil, nil})
	br := find(t, f.take(), "INVITE")
	f.deliver(t, m, replyTo(t, br.msg, 180, "r"))
	out := f.waitFor(t, "408", func(out []sent) bool { return count(out, "SIP/2.0 408") > 0 })
	cancel := find(t, out, "CANCEL")
	if cancel.dst != br.dst {
		t.Errorf("CANCEL to %v", cancel.dst)
	}
	v, _ := cancel.msg.TopVia()
	bv, _ := br.msg.TopVia()
	if v.Branch != bv.Branch {
		t.Errorf("CANCEL branch %q, INVITE %q", v.Branch, bv.Branch)
	}
}

func TestCancel(t *testing.T) {
	for _, early := range []bool{false, true} {
		name := "after 180"
		if early {
			name = "before any reply"
		}
		t.Run(name, func(t *testing.T) {
			f, m := newCore(), newTM()
			var cancelled api.Ret
			f.route("failure_route/c", func(fc *api.Ctx) api.Ret {
				cancelled = m.fWasCancelled(fc, nil)
				if replyCode(fc) != 487 {
					t.Errorf("failure route code %d", replyCode(fc))
				}
				return 1
			})
			c := f.ctx(invite(t, "z9hG4bK-cx"))
			onRoute(api.FailureRoute)(c, []any{RouteRef{api.FailureRoute, "c"}})
			m.fRelay(c, []any{nil, nil})
			br := find(t, f.take(), "INVITE")
			if !early {
				f.deliver(t, m, replyTo(t, br.msg, 180, "r"))
				f.take()
			}
			cc := f.ctx(hopRequest(t, "CANCEL", "z9hG4bK-cx", ""))
			if r := m.fCheckTrans(cc, nil); r != 1 {
				t.Fatalf("t_check_trans(CANCEL) = %d", r)
			}
			if r := m.fRelay(cc, []any{nil, nil}); r != 1 {
				t.Fatalf("t_relay(CANCEL) = %d", r)
			}
			out := f.take()
			ok := find(t, out, "SIP/2.0 200")
			if _, meth, _ := ok.msg.CSeq(); meth != "CANCEL" {
				t.Fatalf("200 for %s", meth)
			}
			if ok.msg.FirstLine() != "SIP/2.0 200 canceling" { // OpenSIPS' reason
				t.Errorf("CANCEL answered %q", ok.msg.FirstLine())
			}
			if early {
				if count(out, "CANCEL") != 0 {
					t.Fatal("CANCEL sent before a provisional reply")
				}
				f.deliver(t, m, replyTo(t, br.msg, 180, "r"))
				out = f.take()
			}
			cancel := find(t, out, "CANCEL")
			if cancel.dst != br.dst {
				t.Errorf("CANCEL to %v", cancel.dst)
			}
			// The UAS answers the CANCEL and ends the INVITE with 487.
			f.deliver(t, m, replyTo(t, cancel.msg, 200, "r"))
			f.deliver(t, m, replyTo(t, br.msg, 487, "r"))
			out = f.take()
			find(t, out, "ACK")
			up := find(t, out, "SIP/2.0 487")
			if up.dst.Addr.String() != uacAddr {
				t.Errorf("487 to %s", up.dst.Addr)
			}
			if cancelled != 1 {
				t.Errorf("t_was_cancelled = %d", cancelled)
			}
		})
	}
}

func TestLocalReplyRetransmittedUntilAck(t *testing.T) {
	f, m := newCore(), newTM()
	c := f.ctx(invite(t, "z9hG4bK-lr"))
	if r := m.fReply(c, []any{int64(404), "Not Here"}); r != 1 {
		t.Fatalf("t_reply = %d", r)
	}
	out := f.waitFor(t, "retransmissions", func(out []sent) bool { return count(out, "SIP/2.0 404") >= 3 })
	r := out[0].msg
	if r.FirstLine() != "SIP/2.0 404 Not Here" || r.ToTag() == "" {
		t.Fatalf("reply %q tag %q", r.FirstLine(), r.ToTag())
	}
	if s, _ := r.Header("Server"); s != "gosips-test" {
		t.Errorf("Server = %q", s)
	}
	for _, o := range out {
		if o.msg.ToTag() != r.ToTag() {
			t.Fatal("To tag changed between retransmissions")
		}
	}
	// A second final reply is refused.
	if m.fReply(c, []any{int64(500), "x"}) != -1 {
		t.Error("second final reply accepted")
	}
	ack := hopRequest(t, "ACK", "z9hG4bK-lr", r.ToTag())
	if got := m.fCheckTrans(f.ctx(ack), nil); got != 1 {
		t.Fatalf("t_check_trans(ACK) = %d", got)
	}
	if got := m.fRelay(f.ctx(ack), []any{nil, nil}); got != 1 {
		t.Fatalf("t_relay(ACK) = %d", got)
	}
	f.take()
	time.Sleep(150 * time.Millisecond)
	if out := f.take(); len(out) != 0 {
		t.Fatalf("sent after the ACK: %v", summary(out))
	}
	// The transaction goes away after wt_timer.
	deadline := time.Now().Add(2 * time.Second)
	for m.table.count() != 0 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	if n := m.table.count(); n != 0 || statsMap(m)["inuse_transactions"] != 0 {
		t.Fatalf("%d transactions left", n)
	}
}

func TestStatelessAck(t *testing.T) {
	f, m := newCore(), newTM()
	ack := request(t, "ACK sip:bob@198.51.100.2:5070 SIP/2.0",
		"Via: SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bK-ack2xx",
		"Max-Forwards: 70", "From: <sip:a@x>;tag=1", "To: <sip:b@x>;tag=2", "Call-ID: e2e", "CSeq: 1 ACK", "Content-Length: 0")
	c := f.ctx(ack)
	if r := m.fRelay(c, []any{nil, nil}); r != 1 {
		t.Fatalf("t_relay(ACK) = %d", r)
	}
	out := f.take()
	if len(out) != 1 || out[0].dst.Addr.String() != "198.51.100.2:5070" || len(vias(out[0].msg)) != 2 {
		t.Fatalf("sent %v", summary(out))
	}
	if m.table.count() != 0 || c.Tx != nil {
		t.Error("ACK for 2xx created a transaction")
	}
}

func TestRelayErrors(t *testing.T) {
	tests := []struct {
		name     string
		ruri     string
		failTo   string
		flags    any
		want     api.Ret
		wantCode string
	}{
		{name: "unresolvable", ruri: "sip:bob@not-an-ip.invalid", want: -4, wantCode: "SIP/2.0 478"},
		{name: "send failure", ruri: "sip:bob@198.51.100.7", failTo: "198.51.100.7:5060", want: -6, wantCode: "SIP/2.0 477"},
		{name: "no-auto-477", ruri: "sip:bob@198.51.100.7", failTo: "198.51.100.7:5060", flags: RelayOpts{Flags: RelayNoAuto477}, want: -6},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f, m := newCore(), newTM()
			f.failTo = tc.failTo
			c := f.ctx(request(t, "MESSAGE "+tc.ruri+" SIP/2.0", "Via: SIP/2.0/UDP 192.0.2.1;branch=z9hG4bK-e"+tc.name,
				"From: <sip:a@x>;tag=1", "To: <sip:b@x>", "Call-ID: m1", "CSeq: 2 MESSAGE", "Content-Length: 0"))
			if r := m.fRelay(c, []any{tc.flags, nil}); r != tc.want {
				t.Fatalf("t_relay = %d, want %d", r, tc.want)
			}
			out := f.take()
			if tc.wantCode == "" {
				if len(out) != 0 {
					t.Fatalf("sent %v", summary(out))
				}
				return
			}
			if len(out) != 1 || !strings.HasPrefix(out[0].msg.FirstLine(), tc.wantCode) {
				t.Fatalf("sent %v, want %s", summary(out), tc.wantCode)
			}
		})
	}
}

func TestBranchAndReplyRoutes(t *testing.T) {
	f, m := newCore(), newTM()
	var idxs []int
	f.route("branch_route/b", func(bc *api.Ctx) api.Ret {
		idxs = append(idxs, bc.BranchIdx)
		if bc.Msg.RURI() == "sip:drop@198.51.100.4" {
			bc.Priv.(*fakePriv).drop = true
			return 0
		}
		if bc.BranchIdx == 0 {
			onRoute(api.OnReplyRoute)(bc, []any{RouteRef{api.OnReplyRoute, "first"}})
			bc.Msg.AppendHeader("X-Branch", "zero")
		}
		return 1
	})
	var replies []int
	f.route("onreply_route/first", func(rc *api.Ctx) api.Ret {
		replies = append(replies, rc.Msg.StatusCode())
		if rc.Msg.StatusCode() == 183 {
			rc.Priv.(*fakePriv).drop = true
			return 0
		}
		return 1
	})
	c := f.ctx(invite(t, "z9hG4bK-br"))
	c.Branches = []api.Branch{{URI: "sip:drop@198.51.100.4", Q: -1}, {URI: "sip:carol@198.51.100.5", Q: -1}}
	onRoute(api.BranchRoute)(c, []any{RouteRef{api.BranchRoute, "b"}})
	if r := m.fRelay(c, []any{nil, nil}); r != 1 {
		t.Fatalf("t_relay = %d", r)
	}
	out := f.take()
	if n := count(out, "INVITE"); n != 2 {
		t.Fatalf("%d branches sent, want 2: %v", n, summary(out))
	}
	b0 := find(t, out, "INVITE sip:bob")
	if x, _ := b0.msg.Header("X-Branch"); x != "zero" {
		t.Errorf("branch route edit lost: %q", x)
	}
	if len(idxs) != 3 || idxs[0] != 0 {
		t.Errorf("branch indexes %v", idxs)
	}
	b1 := find(t, out, "INVITE sip:carol")
	f.deliver(t, m, replyTo(t, b0.msg, 183, "x"))
	f.deliver(t, m, replyTo(t, b1.msg, 180, "y"))
	f.deliver(t, m, replyTo(t, b0.msg, 180, "x"))
	up := f.take()
	if len(replies) != 2 || replies[0] != 183 || replies[1] != 180 {
		t.Errorf("per-branch onreply_route saw %v", replies)
	}
	if n := count(up, "SIP/2.0 183"); n != 0 {
		t.Error("dropped 183 relayed")
	}
	if n := count(up, "SIP/2.0 180"); n != 2 {
		t.Errorf("%d 180s relayed", n)
	}
}

func TestReplierCreatesTransaction(t *testing.T) {
	f, m := newCore(), newTM()
	var r api.Replier = m
	c := f.ctx(request(t, "REGISTER sip:example.org SIP/2.0", "Via: SIP/2.0/UDP 192.0.2.1;branch=z9hG4bK-reg",
		"From: <sip:a@example.org>;tag=1", "To: <sip:a@example.org>", "Call-ID: reg1", "CSeq: 1 REGISTER", "Content-Length: 0"))
	if err := r.Reply(c, 200, "OK", "Contact: <sip:a@192.0.2.1>;expires=60\r\n", ""); err != nil {
		t.Fatal(err)
	}
	if c.Tx == nil {
		t.Fatal("no transaction")
	}
	// The retransmitted REGISTER gets the same reply.
	if m.fNewtran(f.ctx(c.Msg), nil) != 0 {
		t.Fatal("retransmission not absorbed")
	}
	out := f.take()
	if len(out) != 2 || string(out[0].msg.Raw()) != string(out[1].msg.Raw()) {
		t.Fatalf("sent %v", summary(out))
	}
	if ct, _ := out[0].msg.Header("Contact"); ct != "<sip:a@192.0.2.1>;expires=60" {
		t.Errorf("Contact = %q", ct)
	}
}

func TestPVGetters(t *testing.T) {
	f, m := newCore(), newTM()
	defs := map[string]func(*api.Ctx) string{}
	for _, d := range m.PVs() {
		d := d
		defs[d.Name] = func(c *api.Ctx) string {
			v, err := d.Get(c, nil)
			if err != nil {
				return "err:" + err.Error()
			}
			if v.IsNull() {
				return "<null>"
			}
			return v.S
		}
	}
	c := f.ctx(invite(t, "z9hG4bK-pv"))
	if got := defs["T_id"](c); got != "<null>" {
		t.Errorf("$T_id without transaction = %q", got)
	}
	if got := defs["T_fr_timeout"](c); got != "30" {
		t.Errorf("$T_fr_timeout = %q", got)
	}
	m.fRelay(c, []any{nil, nil})
	if got := defs["T_id"](c); !strings.Contains(got, ":") {
		t.Errorf("$T_id = %q", got)
	}
	if got := defs["T_reply_code"](c); got != "100" {
		t.Errorf("$T_reply_code = %q", got)
	}
	if got := defs["T_ruri"](c); got != "sip:bob@198.51.100.2:5070" {
		t.Errorf("$T_ruri = %q", got)
	}
	var set pvSetter
	for _, d := range m.PVs() {
		if d.Name == "T_fr_inv_timeout" {
			set = d.Set
		}
	}
	if err := set(c, nil, api.IntValue(7)); err != nil {
		t.Fatal(err)
	}
	if got := defs["T_fr_inv_timeout"](c); got != "7" {
		t.Errorf("$T_fr_inv_timeout = %q", got)
	}
}

type pvSetter = func(*api.Ctx, *pv.Spec, api.Value) error

// TestTimeoutCancelRetransmitted: the CANCEL sent when fr_inv_timeout
// ends a ringing branch follows timer E like any non-INVITE request,
// although the branch itself is over, and stops once answered.
func TestTimeoutCancelRetransmitted(t *testing.T) {
	f, m := newCore(), newTM()
	m.FrTimeout, m.FrInvTimeout = 10, 15
	c := f.ctx(invite(t, "z9hG4bK-tocr"))
	m.fRelay(c, []any{nil, nil})
	br := find(t, f.take(), "INVITE")
	f.deliver(t, m, replyTo(t, br.msg, 180, "r"))
	out := f.waitFor(t, "408", func(out []sent) bool { return count(out, "SIP/2.0 408") > 0 })
	cancel := find(t, out, "CANCEL")
	out = f.waitFor(t, "CANCEL retransmissions", func(out []sent) bool { return count(out, "CANCEL") >= 2 })
	for _, o := range out {
		if o.msg.IsRequest() && o.msg.Method() == "CANCEL" && string(o.msg.Bytes()) != string(cancel.msg.Bytes()) {
			t.Errorf("retransmission differs from the CANCEL:\n%s", o.msg.Bytes())
		}
	}
	f.deliver(t, m, replyTo(t, cancel.msg, 200, "r"))
	f.take()
	time.Sleep(time.Duration(3*m.T2Timer) * m.unit / 10)
	if n := count(f.take(), "CANCEL"); n != 0 {
		t.Errorf("%d CANCEL retransmissions after its 200", n)
	}
}

// TestMaxTransactions: past max_transactions a new INVITE gets a
// stateless 503 and stops the script, a retransmission of a pending one
// is absorbed, and INVITEs pass again once transactions end.
func TestMaxTransactions(t *testing.T) {
	f, m := newCore(), newTM()
	m.MaxTransactions = 3
	m.FrInvTimeout, m.WtTimer = 15, 1
	for i := 0; i < 3; i++ {
		c := f.ctx(invite(t, "z9hG4bK-cap"+strconv.Itoa(i)))
		if rc := m.fRelay(c, []any{nil, nil}); rc <= 0 {
			t.Fatalf("INVITE %d under the cap: rc %d", i, rc)
		}
	}
	f.take()
	c := f.ctx(invite(t, "z9hG4bK-cap3"))
	if rc := m.fRelay(c, []any{nil, nil}); rc != api.RetStop {
		t.Errorf("INVITE past the cap: rc %d, want the script stopped", rc)
	}
	out := f.take()
	if r := find(t, out, "SIP/2.0 503"); !strings.Contains(string(r.msg.Bytes()), "Retry-After:") {
		t.Errorf("503 without Retry-After:\n%s", r.msg.Bytes())
	}
	if n := count(out, "INVITE"); n != 0 {
		t.Errorf("INVITE past the cap relayed %d times", n)
	}
	// A retransmission of a pending INVITE is not refused.
	if rc := m.fRelay(f.ctx(invite(t, "z9hG4bK-cap0")), []any{nil, nil}); rc == api.RetFalse {
		t.Error("retransmission of a pending INVITE refused")
	}
	if count(f.take(), "SIP/2.0 503") != 0 {
		t.Error("retransmission answered 503")
	}
	// The pending ones time out and are deleted; INVITEs pass again.
	deadline := time.Now().Add(5 * time.Second)
	for m.inflight.Load() > 0 && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	if n := m.inflight.Load(); n != 0 {
		t.Fatalf("%d transactions still in flight", n)
	}
	if rc := m.fRelay(f.ctx(invite(t, "z9hG4bK-cap4")), []any{nil, nil}); rc <= 0 {
		t.Errorf("INVITE after the surge: rc %d", rc)
	}
}
