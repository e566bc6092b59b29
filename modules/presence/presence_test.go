package presence

import (
	"context"
	"fmt"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"gosips/api"
	"gosips/modules/core/coretest"
	"gosips/modules/internal/presxml"
)

// fakeSig answers requests and gives sl-like To-tags.
type fakeSig struct {
	mu      sync.Mutex
	replies []string
}

func (f *fakeSig) Params() []api.Param { return nil }
func (f *fakeSig) Funcs() []api.Func   { return nil }
func (f *fakeSig) Reply(c *api.Ctx, code int, reason, extra, body string) error {
	f.mu.Lock()
	f.replies = append(f.replies, fmt.Sprintf("%d %s\r\n%s", code, reason, extra))
	f.mu.Unlock()
	return nil
}
func (f *fakeSig) LocalToTag(c *api.Ctx) (string, bool) { return "tt-" + c.Msg.CallID(), true }
func (f *fakeSig) last() string {
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.replies) == 0 {
		return ""
	}
	return f.replies[len(f.replies)-1]
}

// fakeUAC records the requests presence sends.
type fakeUAC struct {
	mu   sync.Mutex
	reqs []*api.UACRequest
	keep bool
}

func (f *fakeUAC) SendRequest(_ context.Context, r *api.UACRequest) error {
	if f.keep {
		f.mu.Lock()
		f.reqs = append(f.reqs, r)
		f.mu.Unlock()
	}
	return nil
}

func (f *fakeUAC) take() []*api.UACRequest {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := f.reqs
	f.reqs = nil
	return out
}

type env struct {
	m    *Module
	sig  *fakeSig
	uac  *fakeUAC
	core *coretest.Core
	now  time.Time
}

func newEnv(t testing.TB) *env {
	e := &env{m: New(), sig: &fakeSig{}, uac: &fakeUAC{keep: true}, core: coretest.New(),
		now: time.Unix(1_700_000_000, 0)}
	e.core.Mods["signaling"] = e.sig
	e.m.uac = e.uac
	e.m.now = func() time.Time { return e.now }
	if err := e.m.Init(&api.InitCtx{}); err != nil {
		t.Fatal(err)
	}
	for _, ev := range []*api.PresEvent{
		{Name: "presence", ContentType: "application/pidf+xml", Peer: "presence.winfo", CheckBody: presxml.CheckPIDF,
			Aggregate: func(uri string, b [][]byte, _ bool) []byte { return presxml.MergePIDF(uri, b) },
			Offline:   func(uri string, b []byte) []byte { return presxml.OfflinePIDF(uri, b) }},
		{Name: "presence.winfo", ContentType: "application/watcherinfo+xml", Winfo: true, Peer: "presence"},
		{Name: "message-summary", ContentType: "application/simple-message-summary"},
	} {
		if err := e.m.AddEvent(ev); err != nil {
			t.Fatal(err)
		}
	}
	return e
}

func (e *env) run(t testing.TB, f func(c *api.Ctx) api.Ret, text string) {
	t.Helper()
	c := coretest.NewCtx(e.core, coretest.Msg(t, text))
	if r := f(c); r != api.RetTrue {
		t.Fatalf("returned %d", r)
	}
}

func (e *env) subscribe(t testing.TB, callID, event string, expires int, toTag string, cseq int) {
	t.Helper()
	to := ""
	if toTag != "" {
		to = ";tag=" + toTag
	}
	e.run(t, func(c *api.Ctx) api.Ret { return e.m.handleSubscribe(c, false, "") }, fmt.Sprintf(
		"SUBSCRIBE sip:bob@example.com SIP/2.0\nVia: SIP/2.0/UDP 192.0.2.10:5062;branch=z9hG4bK%s%d\n"+
			"From: <sip:alice@example.com>;tag=ft-%s\nTo: <sip:bob@example.com>%s\nCall-ID: %s\nCSeq: %d SUBSCRIBE\n"+
			"Contact: <sip:alice@192.0.2.10:5062>\nRecord-Route: <sip:10.0.0.9;lr>\nEvent: %s\nExpires: %d\nContent-Length: 0\n\n",
		callID, cseq, callID, to, callID, cseq, event, expires))
}

func (e *env) publish(t testing.TB, etag, body string, expires int) {
	t.Helper()
	hdr := ""
	if etag != "" {
		hdr = "SIP-If-Match: " + etag + "\n"
	}
	ct := ""
	if body != "" {
		ct = "Content-Type: application/pidf+xml\n"
	}
	e.run(t, func(c *api.Ctx) api.Ret { return e.m.handlePublish(c, "") }, fmt.Sprintf(
		"PUBLISH sip:bob@example.com SIP/2.0\nVia: SIP/2.0/UDP 192.0.2.10:5062;branch=z9hG4bKp\n"+
			"From: <sip:bob@example.com>;tag=p\nTo: <sip:bob@example.com>\nCall-ID: pub\nCSeq: 1 PUBLISH\n"+
			"Event: presence\nExpires: %d\n%s%sContent-Length: %d\n\n%s", expires, hdr, ct, len(body), body))
}

func pidf(basic string) string {
	return `<presence xmlns="urn:ietf:params:xml:ns:pidf" xmlns:dm="urn:ietf:params:xml:ns:pidf:data-model" entity="sip:bob@example.com">` +
		`<tuple id="t1"><status><basic>` + basic + `</basic></status></tuple><dm:person id="p1"/></presence>`
}

func replyETag(r string) string {
	_, v, _ := strings.Cut(r, "SIP-ETag: ")
	v, _, _ = strings.Cut(v, "\r\n")
	return v
}

func TestSubscribePublishNotify(t *testing.T) {
	e := newEnv(t)
	e.subscribe(t, "c1", "presence", 600, "", 1)
	if r := e.sig.last(); !strings.HasPrefix(r, "200 OK") || !strings.Contains(r, "Expires: 600\r\n") ||
		!strings.Contains(r, "Contact: <sip:presence@10.0.0.1:5060>") {
		t.Fatalf("reply %q", r)
	}
	reqs := e.uac.take()
	if len(reqs) != 1 {
		t.Fatalf("%d NOTIFYs", len(reqs))
	}
	n := reqs[0]
	if n.Method != "NOTIFY" || n.RURI != "sip:alice@192.0.2.10:5062" || n.From != "<sip:bob@example.com>;tag=tt-c1" ||
		n.To != "<sip:alice@example.com>;tag=ft-c1" || n.CSeq != 1 || n.Body != "" || n.NextHop != "sip:10.0.0.9;lr" ||
		!strings.Contains(n.Headers, "Subscription-State: active;expires=600\r\n") ||
		!strings.Contains(n.Headers, "Route: <sip:10.0.0.9;lr>\r\n") {
		t.Fatalf("initial NOTIFY %+v", n)
	}

	e.publish(t, "", pidf("open"), 300)
	etag := replyETag(e.sig.last())
	if !strings.HasPrefix(e.sig.last(), "200 OK") || etag == "" || !strings.Contains(e.sig.last(), "Expires: 300") {
		t.Fatalf("publish reply %q", e.sig.last())
	}
	reqs = e.uac.take()
	if len(reqs) != 1 || reqs[0].CSeq != 2 || reqs[0].ContentType != "application/pidf+xml" ||
		!strings.Contains(reqs[0].Body, "<basic>open</basic>") || !strings.Contains(reqs[0].Body, `xmlns:dm="urn:ietf:params:xml:ns:pidf:data-model"`) {
		t.Fatalf("NOTIFY after publish %+v", reqs)
	}

	e.publish(t, etag, "", 300) // refresh: new tag, no NOTIFY
	etag2 := replyETag(e.sig.last())
	if etag2 == "" || etag2 == etag || len(e.uac.take()) != 0 {
		t.Fatalf("refresh: %q", e.sig.last())
	}
	e.publish(t, etag, "", 300)
	if !strings.HasPrefix(e.sig.last(), "412 ") {
		t.Fatalf("old tag: %q", e.sig.last())
	}
	e.publish(t, "", "<presence", 300)
	if !strings.HasPrefix(e.sig.last(), "415 ") {
		t.Fatalf("bad body: %q", e.sig.last())
	}
	e.publish(t, etag2, "", 0) // removal: offline body
	reqs = e.uac.take()
	if len(reqs) != 1 || !strings.Contains(reqs[0].Body, "<basic>closed</basic>") {
		t.Fatalf("NOTIFY after removal %+v", reqs)
	}

	e.subscribe(t, "c1", "presence", 0, "tt-c1", 2)
	reqs = e.uac.take()
	if len(reqs) != 1 || !strings.Contains(reqs[0].Headers, "Subscription-State: terminated;reason=timeout\r\n") {
		t.Fatalf("final NOTIFY %+v", reqs)
	}
	e.subscribe(t, "c1", "presence", 60, "tt-c1", 3)
	if !strings.HasPrefix(e.sig.last(), "481 ") {
		t.Fatalf("refresh of an ended subscription: %q", e.sig.last())
	}
}

func TestBadEventAndExpiry(t *testing.T) {
	e := newEnv(t)
	e.subscribe(t, "c2", "foo", 60, "", 1)
	if r := e.sig.last(); !strings.HasPrefix(r, "489 ") || !strings.Contains(r, "Allow-Events: message-summary, presence.winfo, presence\r\n") {
		t.Fatalf("reply %q", r)
	}
	e.subscribe(t, "c3", "message-summary", 7200, "", 1)
	if r := e.sig.last(); !strings.Contains(r, "Expires: 3600\r\n") {
		t.Fatalf("max_expires not applied: %q", r)
	}
	e.uac.take()
	e.now = e.now.Add(3601 * time.Second)
	e.m.clean(context.Background())
	reqs := e.uac.take()
	if len(reqs) != 1 || !strings.Contains(reqs[0].Headers, "terminated;reason=timeout") || len(e.m.subs) != 0 {
		t.Fatalf("expiry: %+v", reqs)
	}
}

func TestWinfoListsWatchers(t *testing.T) {
	e := newEnv(t)
	e.subscribe(t, "w1", "presence.winfo", 600, "", 1)
	e.subscribe(t, "c4", "presence", 600, "", 1)
	var winfo *api.UACRequest
	for _, r := range e.uac.take() {
		if strings.Contains(r.Headers, "Event: presence.winfo") && strings.Contains(r.Body, "sip:alice@example.com") {
			winfo = r
		}
	}
	if winfo == nil || !strings.Contains(winfo.Body, `status="active"`) || !strings.Contains(winfo.Body, `package="presence"`) {
		t.Fatalf("no winfo NOTIFY listing the watcher: %+v", winfo)
	}
}

func TestMIListings(t *testing.T) {
	e := newEnv(t)
	e.subscribe(t, "c5", "presence", 600, "", 1)
	e.publish(t, "", pidf("open"), 300)
	out, err := e.m.miSubsList(context.Background(), api.MIParams{})
	if err != nil || len(out.([]subEntry)) != 1 || out.([]subEntry)[0].NextHop != "sip:10.0.0.9;lr" {
		t.Fatalf("subs_phtable_list %+v %v", out, err)
	}
	out, _ = e.m.miSubsList(context.Background(), api.MIParams{"from": "sip:nobody*", "to": "*"})
	if len(out.([]subEntry)) != 0 {
		t.Fatalf("filter ignored: %+v", out)
	}
	pl, _ := e.m.miPresList(context.Background(), nil)
	if s := fmt.Sprint(pl); !strings.Contains(s, "sip:bob@example.com 1 1") {
		t.Fatalf("pres_phtable_list %s", s)
	}
	if _, err := e.m.miRefreshWatchers(context.Background(), api.MIParams{"presentity_uri": "sip:bob@example.com",
		"event": "presence", "refresh_type": "1"}); err != nil {
		t.Fatal(err)
	}
}

// BenchmarkNotifyFanout measures building the NOTIFYs of one PUBLISH to
// 1,000 watchers (tm not included) and reports the heap per subscription.
func BenchmarkNotifyFanout(b *testing.B) {
	e := newEnv(b)
	e.uac.keep = false
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	for i := 0; i < 1000; i++ {
		e.subscribe(b, fmt.Sprintf("bench-%d", i), "presence", 3600, "", 1)
	}
	runtime.GC()
	runtime.ReadMemStats(&after)
	perSub := float64(after.HeapAlloc-before.HeapAlloc) / 1000
	body := []byte(pidf("open"))
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		e.m.notifyWatchers("sip:bob@example.com", e.m.byName["presence"], body, nil)
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/1000, "ns/NOTIFY")
	b.ReportMetric(perSub, "heap-B/sub")
}

// TestConcurrentUse runs subscriptions, publications, refreshes and the
// timers at once (for the race detector).
func TestConcurrentUse(t *testing.T) {
	e := newEnv(t)
	e.uac.keep = false
	var wg sync.WaitGroup
	for g := 0; g < 4; g++ {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			for i := 0; i < 20; i++ {
				id := fmt.Sprintf("g%d-%d", g, i)
				e.subscribe(t, id, "presence", 600, "", 1)
				e.subscribe(t, id, "presence", 300, "tt-"+id, 2)
				e.publish(t, "", pidf("open"), 60)
				if i%10 == 0 {
					e.m.clean(context.Background())
					e.m.flush(context.Background())
					e.m.miSubsList(context.Background(), api.MIParams{})
					e.m.miRefreshWatchers(context.Background(), api.MIParams{"presentity_uri": "sip:bob@example.com",
						"event": "presence", "refresh_type": "1"})
				}
				e.subscribe(t, id, "presence", 0, "tt-"+id, 3)
			}
		}(g)
	}
	wg.Wait()
	if len(e.m.subs) != 0 {
		t.Fatalf("%d subscriptions left", len(e.m.subs))
	}
}

// TestAuthorization: a pending watcher gets 202 and a NOTIFY without
// state; handle_subscribe(1) forces it active; refresh_watchers type 0
// re-applies the rules and notifies the change.
func TestAuthorization(t *testing.T) {
	e := newEnv(t)
	allowed := false
	e.m.byName["presence"].Authorize = func(context.Context, string, string) (int, string) {
		if allowed {
			return api.SubActive, ""
		}
		return api.SubPending, ""
	}
	e.publish(t, "", pidf("open"), 300)
	e.uac.take()
	e.subscribe(t, "p1", "presence", 600, "", 1)
	reqs := e.uac.take()
	if !strings.HasPrefix(e.sig.last(), "202 ") || len(reqs) != 1 || reqs[0].Body != "" ||
		!strings.Contains(reqs[0].Headers, "Subscription-State: pending;expires=600") {
		t.Fatalf("pending: %q %+v", e.sig.last(), reqs)
	}
	e.run(t, func(c *api.Ctx) api.Ret { return e.m.handleSubscribe(c, true, "tag1") },
		"SUBSCRIBE sip:bob@example.com SIP/2.0\nVia: SIP/2.0/UDP 192.0.2.10:5062;branch=z9hG4bKf\n"+
			"From: <sip:carol@example.com>;tag=fc\nTo: <sip:bob@example.com>\nCall-ID: p2\nCSeq: 1 SUBSCRIBE\n"+
			"Contact: <sip:carol@192.0.2.10:5062>\nEvent: presence\nExpires: 600\nContent-Length: 0\n\n")
	reqs = e.uac.take()
	if !strings.HasPrefix(e.sig.last(), "200 ") || len(reqs) != 1 || !strings.Contains(reqs[0].Body, "<basic>open</basic>") ||
		e.m.subs[dlgKey{"p2", "tt-p2", "fc"}].sharingTag != "tag1" {
		t.Fatalf("force_active: %q %+v", e.sig.last(), reqs)
	}
	allowed = true
	if _, err := e.m.miRefreshWatchers(context.Background(), api.MIParams{"presentity_uri": "sip:bob@example.com",
		"event": "presence", "refresh_type": 0}); err != nil {
		t.Fatal(err)
	}
	reqs = e.uac.take()
	if len(reqs) != 1 || reqs[0].CallID != "p1" || !strings.Contains(reqs[0].Headers, "Subscription-State: active;") ||
		!strings.Contains(reqs[0].Body, "<basic>open</basic>") {
		t.Fatalf("after refresh_watchers 0: %+v", reqs)
	}
}
