package tm

import (
	"context"
	"net/netip"
	"strconv"
	"strings"
	"testing"

	"gosips/api"
	"gosips/sip"
)

// nullCore is a Core whose sends cost nothing.
type nullCore struct {
	fakeCore
	dest  sip.Dest
	bytes int
}

func (n *nullCore) Send(_ sip.Dest, b []byte) error { n.bytes += len(b); return nil }

func (n *nullCore) Resolve(context.Context, string, *sip.Socket) (sip.Dest, error) {
	return n.dest, nil
}

// BenchmarkRelayInvite measures a stateful INVITE: t_relay (transaction,
// 100 Trying, one branch), then a 180 and a 200 relayed upstream. Parsing
// of the request and of both replies is included, as the engine does it.
func BenchmarkRelayInvite(b *testing.B) {
	for _, wt := range []int{5, 0} {
		b.Run("wt_timer="+strconv.Itoa(wt), func(b *testing.B) { benchRelayInvite(b, wt) })
	}
}

func benchRelayInvite(b *testing.B, wt int) {
	m := New()
	m.WtTimer = wt
	nc := &nullCore{fakeCore: *newCore(), dest: sip.Dest{Proto: sip.ProtoUDP, Addr: netip.MustParseAddrPort("198.51.100.2:5070")}}
	src := &sip.RecvInfo{Proto: sip.ProtoUDP, Src: netip.MustParseAddrPort(uacAddr)}
	inv := strings.Join([]string{
		"INVITE sip:bob@198.51.100.2:5070 SIP/2.0",
		"Via: SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bK-%",
		"Max-Forwards: 70",
		"From: <sip:alice@example.org>;tag=a1",
		"To: <sip:bob@example.org>",
		"Call-ID: %@192.0.2.1",
		"CSeq: 1 INVITE",
		"Contact: <sip:alice@192.0.2.1>",
		"Content-Length: 0", "", ""}, "\r\n")
	rpl := strings.Join([]string{
		"SIP/2.0 # X",
		"Via: SIP/2.0/UDP 203.0.113.1:5060;branch=@",
		"Via: SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bK-%;received=192.0.2.1",
		"From: <sip:alice@example.org>;tag=a1",
		"To: <sip:bob@example.org>;tag=b1",
		"Call-ID: %@192.0.2.1",
		"CSeq: 1 INVITE",
		"Contact: <sip:bob@198.51.100.2>",
		"Content-Length: 0", "", ""}, "\r\n")
	c := &api.Ctx{Context: context.Background(), Core: nc, Priv: &fakePriv{}}
	rc := &api.Ctx{Context: context.Background(), Core: nc, Priv: &fakePriv{}}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		i++
		id := strconv.Itoa(i)
		msg, err := sip.ParseString(strings.ReplaceAll(inv, "%", id))
		if err != nil {
			b.Fatal(err)
		}
		msg.SetRecv(src)
		*c = api.Ctx{Context: c.Context, RouteType: api.RequestRoute, Core: nc, Msg: msg, Req: msg, Priv: c.Priv, RURIQ: -1}
		if r := m.relay(c, RelayOpts{}); r != 1 {
			b.Fatalf("t_relay = %d", r)
		}
		tx := c.Tx.(*Tx)
		r := strings.Replace(strings.ReplaceAll(rpl, "%", id), "@", branchID(tx.id, 0), 1)
		for _, code := range []string{"180", "200"} {
			rm, err := sip.ParseString(strings.Replace(r, "#", code, 1))
			if err != nil {
				b.Fatal(err)
			}
			*rc = api.Ctx{Context: rc.Context, RouteType: api.OnReplyRoute, Core: nc, Msg: rm, Reply: rm, Priv: rc.Priv}
			if !m.ReceiveReply(rc) {
				b.Fatal("reply not matched")
			}
		}
	}
	b.StopTimer()
	_ = m.Close()
}
