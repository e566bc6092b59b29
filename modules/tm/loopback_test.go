package tm

import (
	"context"
	"fmt"
	"net/netip"
	"sort"
	"strings"
	"testing"
	"time"

	"gosips/api"
	"gosips/sip"
)

// loopCore is the runtime side of the loopback test: a real transport.
type loopCore struct {
	*fakeCore
	tr  *sip.Transport
	res sip.Resolver
}

func (l *loopCore) Send(d sip.Dest, b []byte) error { return l.tr.Send(d, b) }

func (l *loopCore) Resolve(ctx context.Context, uri string, forced *sip.Socket) (sip.Dest, error) {
	d, err := l.res.ResolveURI(ctx, uri, "")
	d.Socket = forced
	return d, err
}

func (l *loopCore) OutSocket(d sip.Dest) *sip.Socket {
	if d.Socket != nil {
		return d.Socket
	}
	return l.tr.Sockets()[0]
}

func newTr(t *testing.T, on func(*sip.Msg, *sip.RecvInfo)) *sip.Transport {
	tr := sip.NewTransport(sip.Config{OnMessage: on, UDPWorkers: 2})
	t.Cleanup(func() { _ = tr.Close() })
	return tr
}

// listen binds after the variables the handlers use are set: the
// readers start with Listen.
func listen(t *testing.T, tr *sip.Transport) *sip.Socket {
	t.Helper()
	s, err := tr.Listen(sip.Socket{Proto: sip.ProtoUDP, IP: "127.0.0.1"})
	if err != nil {
		t.Fatalf("no loopback UDP: %v", err)
	}
	return s
}

// TestLoopbackInvite runs UAC -> proxy (tm) -> UAS over real UDP sockets:
// INVITE, 100/180/200 back, then the end-to-end ACK.
func TestLoopbackInvite(t *testing.T) {
	m := New()
	defer m.Close()
	uacGot := make(chan *sip.Msg, 16)
	uasGot := make(chan *sip.Msg, 16)

	var uas *sip.Transport
	uas = newTr(t, func(req *sip.Msg, _ *sip.RecvInfo) {
		uasGot <- req
		if req.MethodID() != sip.MethodInvite {
			return
		}
		for _, code := range []int{180, 200} {
			b := sip.AppendReply(nil, req, &sip.ReplySpec{Code: code, ToTag: "uas1", Headers: "Contact: <sip:bob@127.0.0.1>\r\n"})
			if err := uas.SendReply(req, b); err != nil {
				t.Errorf("uas reply: %v", err)
			}
			// The proxy reads with several workers: a 200 overtaking the
			// 180 would rightly make it drop the 180.
			time.Sleep(20 * time.Millisecond)
		}
	})
	uasSock := listen(t, uas)
	lc := &loopCore{fakeCore: newCore()}
	lc.tr = newTr(t, func(msg *sip.Msg, _ *sip.RecvInfo) {
		c := &api.Ctx{Context: context.Background(), Core: lc, Msg: msg, Priv: &fakePriv{}, RURIQ: -1}
		if msg.IsRequest() {
			c.RouteType, c.Req = api.RequestRoute, msg
			if r := m.fRelay(c, []any{nil, nil}); r != 1 {
				t.Errorf("t_relay(%s) = %d", msg.Method(), r)
			}
			return
		}
		c.RouteType, c.Reply = api.OnReplyRoute, msg
		if !m.ReceiveReply(c) {
			t.Errorf("reply %d not matched", msg.StatusCode())
		}
	})
	pSock := listen(t, lc.tr)
	uac := newTr(t, func(r *sip.Msg, _ *sip.RecvInfo) { uacGot <- r })
	uacSock := listen(t, uac)

	target := fmt.Sprintf("sip:bob@127.0.0.1:%d", uasSock.Port)
	send := func(method, branch, toTag string) {
		to := "<sip:bob@example.org>"
		if toTag != "" {
			to += ";tag=" + toTag
		}
		req, err := sip.NewRequest(&sip.RequestSpec{
			Method: method, RURI: target,
			Via:     sip.FormatVia("UDP", "127.0.0.1", uacSock.Port, branch, true),
			From:    "<sip:alice@example.org>;tag=uac1",
			To:      to,
			CallID:  "loop-1",
			CSeq:    1,
			Headers: "Record-Route: <sip:edge.example.org;lr>\r\n",
		})
		if err != nil {
			t.Fatal(err)
		}
		d := sip.Dest{Proto: sip.ProtoUDP, Addr: mustAddr(t, pSock)}
		if err := uac.Send(d, req.Bytes()); err != nil {
			t.Fatal(err)
		}
	}
	send("INVITE", "z9hG4bK-loop-inv", "")

	inv := recv(t, uasGot, "INVITE at the UAS")
	vs, _ := inv.Vias()
	if len(vs) != 2 || vs[0].Port != pSock.Port || !strings.HasPrefix(vs[0].Branch, sip.MagicCookie) || vs[1].Port != uacSock.Port {
		t.Fatalf("UAS got Vias %+v", vs)
	}
	if mf, _ := inv.MaxForwards(); mf != 70 { // maxfwd decrements it, not tm
		t.Errorf("Max-Forwards = %d", mf)
	}
	var codes []int
	for len(codes) < 3 {
		r := recv(t, uacGot, "replies at the UAC")
		codes = append(codes, r.StatusCode())
		vs, _ := r.Vias()
		if len(vs) != 1 || vs[0].Branch != "z9hG4bK-loop-inv" || vs[0].RPort == "" {
			t.Errorf("%d: Vias %+v", r.StatusCode(), vs)
		}
		if r.StatusCode() == 100 {
			continue
		}
		if r.ToTag() != "uas1" {
			t.Errorf("%d: To tag %q", r.StatusCode(), r.ToTag())
		}
		if rr, _ := r.Header("Record-Route"); rr != "<sip:edge.example.org;lr>" {
			t.Errorf("%d: Record-Route %q", r.StatusCode(), rr)
		}
	}
	// The UAC reads with two workers: arrival order is not delivery order.
	sort.Ints(codes)
	if fmt.Sprint(codes) != "[100 180 200]" {
		t.Fatalf("UAC got %v", codes)
	}

	send("ACK", "z9hG4bK-loop-ack", "uas1")
	ack := recv(t, uasGot, "ACK at the UAS")
	if ack.MethodID() != sip.MethodAck {
		t.Fatalf("UAS got %s", ack.Method())
	}
	if vs, _ := ack.Vias(); len(vs) != 2 {
		t.Errorf("ACK Vias %+v", vs)
	}
}

func mustAddr(t *testing.T, s *sip.Socket) netip.AddrPort {
	t.Helper()
	a, err := netip.ParseAddrPort(fmt.Sprintf("%s:%d", s.IP, s.Port))
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func recv(t *testing.T, ch chan *sip.Msg, what string) *sip.Msg {
	t.Helper()
	select {
	case m := <-ch:
		return m
	case <-time.After(3 * time.Second):
		t.Fatalf("timed out waiting for %s", what)
	}
	return nil
}
