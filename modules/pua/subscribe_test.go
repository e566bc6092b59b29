package pua

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"gosips/api"
	"gosips/sip"
)

// A subscription kept for another module: the first SUBSCRIBE goes out
// of dialog through the outbound proxy, its 2xx gives the dialog, the
// NOTIFYs are matched to its id, refreshes and the removal go within the
// dialog (To-tag, Contact as request-URI, reversed Record-Route as Route).
func TestSubscribeDialog(t *testing.T) {
	m, u := newTestPUA(t, func() time.Time { return time.Unix(1000, 0) })
	ctx := context.Background()
	req := api.SubscribeRequest{PresURI: "sip:bob@x", WatcherURI: "sip:w@x", Contact: "sip:rls@10.0.0.1:5060",
		ID: "did1", Source: "rls", Event: "presence", Expires: 600, OutboundProxy: "sip:ps", ExtraHeaders: "Supported: eventlist\r\n"}
	if err := m.Subscribe(ctx, &req); err != nil {
		t.Fatal(err)
	}
	r := u.last(t, 1)
	if r.Method != "SUBSCRIBE" || r.RURI != "sip:bob@x" || r.NextHop != "sip:ps" || r.To != "<sip:bob@x>" || r.CSeq != 1 ||
		!strings.HasPrefix(r.From, "<sip:w@x>;tag=") ||
		r.Headers != "Event: presence\r\nContact: <sip:rls@10.0.0.1:5060>\r\nExpires: 600\r\nSupported: eventlist\r\n" {
		t.Fatalf("initial SUBSCRIBE %+v", r)
	}
	_, fromTag, _ := strings.Cut(r.From, "tag=")
	// A NOTIFY overtaking the 2xx is matched by Call-ID and From-tag.
	if id, ok := m.SubscriptionID("rls", r.CallID, fromTag, "n1"); !ok || id != "did1" {
		t.Errorf("early NOTIFY: %q %v", id, ok)
	}
	reply, err := sip.ParseString("SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP 10.0.0.1;branch=z9hG4bKx\r\nFrom: " + r.From +
		"\r\nTo: <sip:bob@x>;tag=n1\r\nCall-ID: " + r.CallID + "\r\nCSeq: 1 SUBSCRIBE\r\nContact: <sip:ps@10.0.0.2:5070>\r\n" +
		"Record-Route: <sip:p1;lr>, <sip:p2;lr>\r\nExpires: 100\r\nContent-Length: 0\r\n\r\n")
	if err != nil {
		t.Fatal(err)
	}
	r.OnReply(reply, 200)
	if _, ok := m.SubscriptionID("rls", r.CallID, fromTag, "other"); ok {
		t.Error("a NOTIFY of another To-tag matched")
	}
	if _, ok := m.SubscriptionID("pua_bla", r.CallID, fromTag, "n1"); ok {
		t.Error("a NOTIFY matched the subscription of another module")
	}
	if got := m.SubscribedURIs("rls", "did1"); !slices.Equal(got, []string{"sip:bob@x"}) {
		t.Errorf("SubscribedURIs %v", got)
	}
	// Expires 100 is within the next update_period: refreshed in dialog.
	m.refresh(ctx)
	r2 := u.last(t, 2)
	if r2.RURI != "sip:ps@10.0.0.2:5070" || r2.To != "<sip:bob@x>;tag=n1" || r2.CallID != r.CallID || r2.CSeq != 2 ||
		r2.NextHop != "sip:p2;lr" || !strings.HasPrefix(r2.Headers, "Route: <sip:p2;lr>, <sip:p1;lr>\r\n") ||
		!strings.Contains(r2.Headers, "Expires: 600\r\n") {
		t.Fatalf("refresh %+v", r2)
	}
	r2.OnReply(reply, 200)
	req.Expires = 0
	if err := m.Subscribe(ctx, &req); err != nil {
		t.Fatal(err)
	}
	r3 := u.last(t, 3)
	if r3.CSeq != 3 || !strings.Contains(r3.Headers, "Expires: 0\r\n") || r3.To != "<sip:bob@x>;tag=n1" {
		t.Fatalf("removal %+v", r3)
	}
	r3.OnReply(reply, 200)
	if _, ok := m.SubscriptionID("rls", r.CallID, fromTag, "n1"); ok || len(m.SubscribedURIs("rls", "did1")) != 0 {
		t.Error("the subscription outlived its removal")
	}
}

// Without an outbound proxy the initial SUBSCRIBE goes to the To URI
// when one is given (OpenSIPS' pua), else to the presentity.
func TestSubscribeNextHop(t *testing.T) {
	m, u := newTestPUA(t, time.Now)
	ctx := context.Background()
	if err := m.Subscribe(ctx, &api.SubscribeRequest{PresURI: "sip:phone@10.0.0.9", ToURI: "sip:line@example.com",
		WatcherURI: "sip:line@example.com", Contact: "sip:bla@10.0.0.1", Source: "pua_bla", Event: "dialog;sla", Expires: 60}); err != nil {
		t.Fatal(err)
	}
	if r := u.last(t, 1); r.NextHop != "sip:line@example.com" || r.RURI != "sip:phone@10.0.0.9" || r.To != "<sip:line@example.com>" {
		t.Errorf("BLA SUBSCRIBE %+v", r)
	}
	if err := m.Subscribe(ctx, &api.SubscribeRequest{PresURI: "sip:bob@x", WatcherURI: "sip:w@x", Contact: "sip:rls@10.0.0.1",
		Source: "rls", Event: "presence", Expires: 60}); err != nil {
		t.Fatal(err)
	}
	if r := u.last(t, 2); r.NextHop != "" || r.RURI != "sip:bob@x" {
		t.Errorf("rls SUBSCRIBE %+v", r)
	}
}

// newTestPUA is a pua sending through a fake tm, with clock now.
func newTestPUA(t *testing.T, now func() time.Time) (*Module, *fakeUAC) {
	t.Helper()
	u := &fakeUAC{}
	m := New()
	m.uac, m.now = u, now
	if err := m.Init(&api.InitCtx{}); err != nil {
		t.Fatal(err)
	}
	return m, u
}
