package uac

import (
	"strings"
	"testing"

	"gosips/api"
	"gosips/sip"
	"gosips/sip/siptest"
)

// replyFor is a reply from downstream to the relayed request, carrying
// the From/To that request had, plus a To tag.
func replyFor(t *testing.T, from, to string) *sip.Msg {
	t.Helper()
	return siptest.Parse("SIP/2.0 200 OK\n"+
		"Via: SIP/2.0/UDP 10.0.0.9:5060;branch=z9hG4bK1\n"+
		"From: "+from+"\n"+
		"To: "+to+"\n"+
		"Call-ID: c1\nCSeq: 10 INVITE\n\n", sip.ProtoUDP, "10.0.0.2:5060")
}

func TestEditReplyInitial(t *testing.T) {
	anon := "Anonymous"
	tests := []struct {
		name     string
		mode     string
		from, to bool // replace From / To
		rplFrom  string
		rplTo    string
		wantFrom string
		wantTo   string
	}{
		{"from restored", RestoreAuto, true, false,
			`Anonymous <sip:anon@anonymous.invalid>;tag=ft1`, `sip:bob@example.com;tag=tt`,
			`"Alice" <sip:alice@example.com>;tag=ft1`, `sip:bob@example.com;tag=tt`},
		{"to restored keeps reply tag", RestoreAuto, false, true,
			`"Alice" <sip:alice@example.com>;tag=ft1`, `<sip:carol@example.net>;tag=tt`,
			`"Alice" <sip:alice@example.com>;tag=ft1`, `<sip:bob@example.com>;tag=tt`},
		{"both, manual mode", RestoreManual, true, true,
			`Anonymous <sip:anon@anonymous.invalid>;tag=ft1`, `<sip:carol@example.net>;tag=tt`,
			`"Alice" <sip:alice@example.com>;tag=ft1`, `<sip:bob@example.com>;tag=tt`},
		{"restore_mode none leaves the reply", RestoreNone, true, false,
			`Anonymous <sip:anon@anonymous.invalid>;tag=ft1`, `sip:bob@example.com;tag=tt`,
			`Anonymous <sip:anon@anonymous.invalid>;tag=ft1`, `sip:bob@example.com;tag=tt`},
		{"nothing replaced", RestoreAuto, false, false,
			`"Alice" <sip:alice@example.com>;tag=ft1`, `sip:bob@example.com;tag=tt`,
			`"Alice" <sip:alice@example.com>;tag=ft1`, `sip:bob@example.com;tag=tt`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := New()
			m.RestoreMode = tt.mode
			c := newCtx(t, initial, &fakeCore{mods: map[string]api.Module{"rr": &fakeRR{}}})
			if tt.from && m.replace(c, &anon, "sip:anon@anonymous.invalid", false) != api.RetTrue {
				t.Fatal("uac_replace_from failed")
			}
			if tt.to && m.replace(c, nil, "sip:carol@example.net", true) != api.RetTrue {
				t.Fatal("uac_replace_to failed")
			}
			// tm hands over a view with the request route's slots.
			reply := replyFor(t, tt.rplFrom, tt.rplTo)
			rc := &api.Ctx{Msg: reply, Reply: reply, Req: c.Msg, Slots: c.Slots, Log: c.Log}
			m.EditReply(rc, c.Msg, reply)
			if got := header(reply, "From"); got != tt.wantFrom {
				t.Errorf("From = %q, want %q", got, tt.wantFrom)
			}
			if got := header(reply, "To"); got != tt.wantTo {
				t.Errorf("To = %q, want %q", got, tt.wantTo)
			}
		})
	}
}

// A sequential request from the callee has its To restored to the
// caller's original URI; its reply gets back the To the callee sent.
func TestEditReplySequential(t *testing.T) {
	orig, repl := "sip:alice@example.com", "<sip:anon@anonymous.invalid>"
	route := "Route: <sip:10.0.0.1;lr;ftag=ft1;vsf=" + encodeStore(orig, repl, "") + ">\n"
	up := "BYE sip:alice@10.0.0.9 SIP/2.0\n" +
		"Via: SIP/2.0/UDP 10.0.0.7:5060;branch=z9hG4bK2\n" +
		"From: <sip:bob@example.com>;tag=tt\n" +
		"To: <sip:anon@anonymous.invalid>;tag=ft1\n" +
		"Call-ID: c1\nCSeq: 1 BYE\n" + route + "\n"
	m := New()
	c := newCtx(t, up, &fakeCore{mods: map[string]api.Module{}})
	m.FilterRequest(c)
	if got := header(c.Msg, "To"); got != "<sip:alice@example.com>;tag=ft1" {
		t.Fatalf("request To = %q", got)
	}
	reply := siptest.Parse("SIP/2.0 200 OK\n"+
		"Via: SIP/2.0/UDP 10.0.0.7:5060;branch=z9hG4bK2\n"+
		"From: <sip:bob@example.com>;tag=tt\n"+
		"To: <sip:alice@example.com>;tag=ft1\n"+
		"Call-ID: c1\nCSeq: 1 BYE\n\n", sip.ProtoUDP, "10.0.0.9:5060")
	m.EditReply(&api.Ctx{Msg: reply, Reply: reply, Slots: c.Slots, Log: c.Log}, c.Msg, reply)
	if got := header(reply, "To"); got != "<sip:anon@anonymous.invalid>;tag=ft1" {
		t.Errorf("reply To = %q", got)
	}
	if got := header(reply, "From"); !strings.HasPrefix(got, "<sip:bob@example.com>") {
		t.Errorf("reply From changed: %q", got)
	}
}
