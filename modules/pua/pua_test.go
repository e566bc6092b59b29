package pua

import (
	"context"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"

	"gosips/api"
	"gosips/db"
	_ "gosips/db/all"
	"gosips/sip"
)

type fakeUAC struct {
	mu   sync.Mutex
	reqs []*api.UACRequest
}

func (f *fakeUAC) SendRequest(_ context.Context, r *api.UACRequest) error {
	f.mu.Lock()
	f.reqs = append(f.reqs, r)
	f.mu.Unlock()
	return nil
}

func (f *fakeUAC) last(t *testing.T, n int) *api.UACRequest {
	t.Helper()
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.reqs) != n {
		t.Fatalf("%d PUBLISHes sent, want %d", len(f.reqs), n)
	}
	return f.reqs[n-1]
}

// answer replies to a PUBLISH with code and an entity tag.
func answer(t *testing.T, r *api.UACRequest, code int, etag string) {
	t.Helper()
	reason := map[int]string{200: "OK", 412: "Conditional request failed"}[code]
	text := "SIP/2.0 " + strconv.Itoa(code) + " " + reason + "\r\n" +
		"Via: SIP/2.0/UDP 10.0.0.1;branch=z9hG4bKx\r\nFrom: <sip:a@x>;tag=1\r\nTo: <sip:a@x>;tag=2\r\nCall-ID: c\r\n" +
		"CSeq: 1 PUBLISH\r\nSIP-ETag: " + etag + "\r\nExpires: 600\r\nContent-Length: 0\r\n\r\n"
	msg, err := sip.ParseString(text)
	if err != nil {
		t.Fatal(err)
	}
	r.OnReply(msg, code)
}

func TestPublishSequence(t *testing.T) {
	u := &fakeUAC{}
	m := New()
	m.uac = u
	if err := m.Init(&api.InitCtx{}); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	pub := func(body string, exp int) {
		t.Helper()
		if err := m.Publish(ctx, &api.Publication{PresURI: "sip:a@x", ID: "c1", Event: "dialog",
			ContentType: "application/dialog-info+xml", Body: body, Expires: exp, OutboundProxy: "sip:ps"}); err != nil {
			t.Fatal(err)
		}
	}
	pub("", 0) // removing what was never published sends nothing
	pub("early", -1)
	r := u.last(t, 1)
	if r.Body != "early" || strings.Contains(r.Headers, "SIP-If-Match") || !strings.Contains(r.Headers, "Expires: 3600\r\n") ||
		!strings.Contains(r.Headers, "Event: dialog\r\n") || r.NextHop != "sip:ps" {
		t.Fatalf("first PUBLISH %+v", r)
	}
	pub("confirmed", 600) // queued until the reply
	u.last(t, 1)
	answer(t, r, 200, "e1")
	r = u.last(t, 2)
	if r.Body != "confirmed" || !strings.Contains(r.Headers, "SIP-If-Match: e1\r\n") || !strings.Contains(r.Headers, "Expires: 600\r\n") {
		t.Fatalf("second PUBLISH %+v", r)
	}
	answer(t, r, 412, "")
	pub("", 600) // the tag was lost: a new publication with the last body
	r = u.last(t, 3)
	if r.Body != "confirmed" || strings.Contains(r.Headers, "SIP-If-Match") {
		t.Fatalf("after 412 %+v", r)
	}
	answer(t, r, 200, "e2")
	pub("terminated", 600)
	r = u.last(t, 4)
	answer(t, r, 200, "e3")
	pub("", 0)
	r = u.last(t, 5)
	if r.Body != "" || !strings.Contains(r.Headers, "Expires: 0\r\nSIP-If-Match: e3\r\n") {
		t.Fatalf("removal %+v", r)
	}
	answer(t, r, 200, "")
	if len(m.pubs) != 0 {
		t.Fatalf("publication kept after removal: %+v", m.pubs)
	}
}

// TestSavedOverRestart: the publications with an entity tag are written
// to the pua table at shutdown and restored at start, so that the next
// change goes with SIP-If-Match.
func TestSavedOverRestart(t *testing.T) {
	ctx := context.Background()
	url := "sqlite://" + filepath.Join(t.TempDir(), "pua.db")
	c, err := db.Open(ctx, url, db.WithCreate())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.CreateTables(ctx, c, "pua"); err != nil {
		t.Fatal(err)
	}
	c.Close()
	start := func() (*Module, *fakeUAC) {
		u := &fakeUAC{}
		m := New()
		m.uac, m.DBURL = u, url
		if err := m.Init(&api.InitCtx{}); err != nil {
			t.Fatal(err)
		}
		if err := m.Start(ctx); err != nil {
			t.Fatal(err)
		}
		return m, u
	}
	m, u := start()
	if err := m.Publish(ctx, &api.Publication{PresURI: "sip:a@x", ID: "c1", Event: "dialog", Body: "early", Expires: 600}); err != nil {
		t.Fatal(err)
	}
	answer(t, u.last(t, 1), 200, "e9")
	if err := m.Close(); err != nil {
		t.Fatal(err)
	}
	m, u = start()
	defer m.Close()
	if err := m.Publish(ctx, &api.Publication{PresURI: "sip:a@x", ID: "c1", Event: "dialog", Body: "confirmed", Expires: 600}); err != nil {
		t.Fatal(err)
	}
	if r := u.last(t, 1); !strings.Contains(r.Headers, "SIP-If-Match: e9\r\n") || r.Body != "confirmed" {
		t.Fatalf("PUBLISH after restart %+v", r)
	}
}
