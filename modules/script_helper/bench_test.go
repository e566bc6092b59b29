package script_helper

import (
	"io"
	"log/slog"
	"testing"

	"gosips/api"
	"gosips/sip"
)

// benchPeer stands in for rr, tm and sl: it answers as they do for a
// request that needs routing, so the benchmark measures script_helper's
// own per-request work.
type benchPeer struct{ loose api.Ret }

func (p *benchPeer) RecordRoute(*api.Ctx) api.Ret { return api.RetTrue }
func (p *benchPeer) LooseRoute(*api.Ctx) api.Ret  { return p.loose }
func (p *benchPeer) Relay(*api.Ctx) api.Ret       { return api.RetTrue }
func (p *benchPeer) CheckTrans(*api.Ctx) api.Ret  { return api.RetFalse }
func (p *benchPeer) Reply(*api.Ctx, int, string, string, string) error {
	return nil
}

const (
	benchInvite = "INVITE sip:bob@127.0.0.1 SIP/2.0\r\n" +
		"Via: SIP/2.0/UDP 127.0.0.1:5070;branch=z9hG4bK-1\r\n" +
		"From: <sip:alice@127.0.0.1>;tag=a1\r\n" +
		"To: <sip:bob@127.0.0.1>\r\n" +
		"Call-ID: bench-1@127.0.0.1\r\n" +
		"CSeq: 1 INVITE\r\n" +
		"Contact: <sip:alice@127.0.0.1:5070>\r\n" +
		"Max-Forwards: 70\r\n" +
		"Content-Length: 0\r\n\r\n"
	benchBye = "BYE sip:bob@127.0.0.1 SIP/2.0\r\n" +
		"Via: SIP/2.0/UDP 127.0.0.1:5070;branch=z9hG4bK-2\r\n" +
		"Route: <sip:127.0.0.1;lr>\r\n" +
		"From: <sip:alice@127.0.0.1>;tag=a1\r\n" +
		"To: <sip:bob@127.0.0.1>;tag=b1\r\n" +
		"Call-ID: bench-1@127.0.0.1\r\n" +
		"CSeq: 2 BYE\r\n" +
		"Max-Forwards: 70\r\n" +
		"Content-Length: 0\r\n\r\n"
)

// BenchmarkFilterRequest measures the hook run before the request route
// for an initial INVITE (record-routed, route runs) and a sequential BYE
// (loose-routed and relayed without the route). Each iteration parses a
// fresh message, as every request arrives unparsed; "parse" is that part
// alone, to subtract. The "hook_" cases reuse one parsed message (its
// headers already cached): the hook's own cost.
func BenchmarkFilterRequest(b *testing.B) {
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	for _, bc := range []struct {
		name, raw string
		hook      bool
		want      bool
		reuse     bool
	}{
		{"parse", benchInvite, false, false, false},
		{"initial_invite", benchInvite, true, true, false},
		{"sequential_bye", benchBye, true, false, false},
		{"hook_initial_invite", benchInvite, true, true, true},
		{"hook_sequential_bye", benchBye, true, false, true},
	} {
		b.Run(bc.name, func(b *testing.B) {
			peer := &benchPeer{loose: api.RetTrue}
			m := &Module{rr: peer, tm: peer, sl: peer}
			raw := []byte(bc.raw)
			c := &api.Ctx{Log: log, RouteType: api.RequestRoute}
			parsed, err := sip.Parse(raw)
			if err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			for b.Loop() {
				msg := parsed
				if !bc.reuse {
					if msg, err = sip.Parse(raw); err != nil {
						b.Fatal(err)
					}
				}
				if !bc.hook {
					msg.To()
					msg.CallID()
					continue
				}
				c.Msg, c.Req = msg, msg
				if m.FilterRequest(c) != bc.want {
					b.Fatalf("FilterRequest != %v", bc.want)
				}
			}
		})
	}
}
