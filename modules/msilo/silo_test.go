package msilo

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"gosips/api"
	"gosips/db"
	_ "gosips/db/all"
	"gosips/sip"
	"gosips/sip/siptest"
)

var bg = context.Background()

// fakeUAC records the requests tm would send.
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

func (f *fakeUAC) take() []*api.UACRequest {
	f.mu.Lock()
	defer f.mu.Unlock()
	r := f.reqs
	f.reqs = nil
	return r
}

// clock is a settable time source.
type clock struct{ t time.Time }

func (c *clock) now() time.Time { return c.t }

// dbURLs makes an empty sqlite file and an empty db_text directory, each
// with the silo table.
func dbURLs(t *testing.T) map[string]string {
	t.Helper()
	dir := t.TempDir()
	textDir := filepath.Join(dir, "text")
	if err := os.Mkdir(textDir, 0o755); err != nil {
		t.Fatal(err)
	}
	urls := map[string]string{"sqlite": "sqlite://" + filepath.Join(dir, "silo.db"), "text": "text://" + textDir}
	for _, u := range urls {
		c, err := db.Open(bg, u, db.WithCreate())
		if err != nil {
			t.Fatal(err)
		}
		if _, err := db.CreateTables(bg, c, "silo"); err != nil {
			t.Fatal(err)
		}
		c.Close()
	}
	return urls
}

func start(t *testing.T, url string, clk *clock, setup func(*Module)) (*Module, *fakeUAC) {
	t.Helper()
	m := New()
	m.DBURL = url
	u := &fakeUAC{}
	m.uac = u
	m.now = clk.now
	if setup != nil {
		setup(m)
	}
	if err := m.Init(&api.InitCtx{Log: slog.New(slog.NewTextHandler(io.Discard, nil)), Stats: api.NewStats()}); err != nil {
		t.Fatal(err)
	}
	return m, u
}

func ctxFor(text string) *api.Ctx {
	msg := siptest.Parse(text, sip.ProtoUDP, "10.0.0.5:5060")
	return &api.Ctx{Context: bg, RouteType: api.RequestRoute, Msg: msg, Req: msg,
		Log: slog.New(slog.NewTextHandler(io.Discard, nil))}
}

func message(n int) *api.Ctx {
	return ctxFor(fmt.Sprintf(`MESSAGE sip:bob@example.com SIP/2.0
Via: SIP/2.0/UDP 10.0.0.5:5060;branch=z9hG4bK%d
From: <sip:alice@example.com>;tag=a%d
To: <sip:bob@example.com>
Call-ID: msg-%d
CSeq: 1 MESSAGE
Contact: <sip:alice@10.0.0.5:5060>
Content-Type: text/plain

hello %d`, n, n, n, n))
}

const register = `REGISTER sip:example.com SIP/2.0
Via: SIP/2.0/UDP 10.0.0.6:5060;branch=z9hG4bKr
From: <sip:bob@example.com>;tag=r
To: <sip:bob@example.com>
Call-ID: reg-1
CSeq: 1 REGISTER
Contact: <sip:bob@10.0.0.6:5062>
Expires: %d

`

func rows(t *testing.T, m *Module) []db.Row {
	t.Helper()
	res, err := m.conn.Query(bg, "silo", []string{"id", "src_addr", "dst_addr", "username", "domain",
		"inc_time", "exp_time", "snd_time", "ctype", "body"}, nil, "id", 0)
	if err != nil {
		t.Fatal(err)
	}
	return res.Rows
}

func TestStoreDumpDelete(t *testing.T) {
	for name, url := range dbURLs(t) {
		t.Run(name, func(t *testing.T) {
			clk := &clock{t: time.Unix(1700000000, 0)}
			m, uac := start(t, url, clk, nil)
			defer m.Close()
			for i := 1; i <= 2; i++ {
				if r := m.Funcs()[0].Call(message(i), []any{nil}); r != api.RetTrue {
					t.Fatalf("m_store = %d", r)
				}
			}
			rs := rows(t, m)
			if len(rs) != 2 {
				t.Fatalf("%d rows", len(rs))
			}
			r := rs[0]
			want := []string{"sip:alice@example.com", "sip:bob@example.com", "bob", "example.com",
				"1700000000", "1700259200", "0", "text/plain", "hello 1"}
			for i, w := range want {
				if got := r[i+1].Str(); got != w {
					t.Errorf("column %d = %q, want %q", i+1, got, w)
				}
			}
			// A de-registration dumps nothing.
			m.Funcs()[1].Call(ctxFor(fmt.Sprintf(register, 0)), []any{nil, nil})
			if n := len(uac.take()); n != 0 {
				t.Fatalf("expires=0 dumped %d", n)
			}
			if r := m.Funcs()[1].Call(ctxFor(fmt.Sprintf(register, 3600)), []any{nil, nil}); r != api.RetTrue {
				t.Fatalf("m_dump = %d", r)
			}
			sent := uac.take()
			if len(sent) != 2 {
				t.Fatalf("dumped %d, want 2", len(sent))
			}
			s := sent[0]
			if s.Method != "MESSAGE" || s.RURI != "sip:bob@example.com" || s.From != "<sip:alice@example.com>" ||
				s.NextHop != "sip:bob@10.0.0.6:5062" || s.ContentType != "text/plain" ||
				!strings.HasSuffix(s.Body, "] hello 1") || !strings.HasPrefix(s.Body, "[Offline message - ") ||
				!strings.Contains(s.Headers, "Date: Tue, 14 Nov 2023 22:13:20 GMT\r\n") {
				t.Errorf("dumped request = %+v", s)
			}
			// A second dump while in flight sends nothing again.
			m.Funcs()[1].Call(ctxFor(fmt.Sprintf(register, 3600)), []any{nil, nil})
			if n := len(uac.take()); n != 0 {
				t.Errorf("re-dump while in flight sent %d", n)
			}
			// 200 for the first, 480 for the second.
			sent[0].OnReply(nil, 200)
			sent[1].OnReply(nil, 480)
			if len(rows(t, m)) != 2 {
				t.Error("rows deleted before the check timer")
			}
			m.clean(bg)
			rs = rows(t, m)
			if len(rs) != 1 || rs[0][9].Str() != "hello 2" {
				t.Fatalf("after clean: %v", rs)
			}
			// The failed one goes out again on the next registration.
			m.Funcs()[1].Call(ctxFor(fmt.Sprintf(register, 3600)), []any{nil, nil})
			if again := uac.take(); len(again) != 1 || !strings.HasSuffix(again[0].Body, "hello 2") {
				t.Errorf("retry = %+v", again)
			}
		})
	}
}

func TestExpiryAndRestart(t *testing.T) {
	for name, url := range dbURLs(t) {
		t.Run(name, func(t *testing.T) {
			clk := &clock{t: time.Unix(1700000000, 0)}
			m, _ := start(t, url, clk, func(m *Module) { m.CleanPeriod = 2; m.ExpireTime = 100 })
			c := message(1)
			c.Msg.ApplyChanges()
			m.Funcs()[0].Call(c, []any{nil})
			// A shorter Expires header wins.
			c = ctxFor(strings.Replace(message(2).Msg.String(), "Content-Type:", "Expires: 10\r\nContent-Type:", 1))
			m.Funcs()[0].Call(c, []any{nil})
			rs := rows(t, m)
			if len(rs) != 2 || rs[1][6].Int64() != 1700000010 {
				t.Fatalf("rows = %v", rs)
			}
			// Nothing is lost across a restart.
			if err := m.Close(); err != nil {
				t.Fatal(err)
			}
			m, _ = start(t, url, clk, func(m *Module) { m.CleanPeriod = 2 })
			defer m.Close()
			if len(rows(t, m)) != 2 {
				t.Fatal("rows lost across restart")
			}
			clk.t = clk.t.Add(50 * time.Second)
			m.clean(bg) // tick 1: not a purge run
			if len(rows(t, m)) != 2 {
				t.Error("purged outside the clean period")
			}
			m.clean(bg) // tick 2: purge
			if rs := rows(t, m); len(rs) != 1 || rs[0][9].Str() != "hello 1" {
				t.Errorf("after purge: %v", rs)
			}
		})
	}
}

func TestMaxMessagesAndOwner(t *testing.T) {
	url := dbURLs(t)["sqlite"]
	clk := &clock{t: time.Unix(1700000000, 0)}
	m, uac := start(t, url, clk, func(m *Module) {
		m.MaxMessages = 2
		m.FromAddress = "sip:registrar@example.com"
		m.OfflineMessage = "bob is offline"
		m.ContentTypeHdr = "Content-Type: text/plain\r\n"
	})
	defer m.Close()
	for i := 1; i <= 3; i++ {
		want := api.RetTrue
		if i == 3 {
			want = api.RetFalse
		}
		if r := m.Funcs()[0].Call(message(i), []any{nil}); r != want {
			t.Errorf("m_store #%d = %d, want %d", i, r, want)
		}
	}
	notes := uac.take()
	if len(notes) != 2 || notes[0].RURI != "sip:alice@10.0.0.5:5060" || notes[0].Body != "bob is offline" ||
		notes[0].From != "<sip:registrar@example.com>" || notes[0].ContentType != "text/plain" {
		t.Errorf("notifications = %+v", notes)
	}
	// An explicit owner and the 1.x To mode.
	if r := m.Funcs()[0].Call(message(4), []any{"sip:carol@example.org"}); r != api.RetTrue {
		t.Errorf("owner carol = %d", r)
	}
	c := message(5)
	c.Msg.SetRURI("sip:dave@example.net")
	if r := m.Funcs()[0].Call(c, []any{ModeTo}); r != api.RetFalse {
		t.Errorf("To mode for bob (full inbox) = %d, want -1", r)
	}
	rs := rows(t, m)
	if len(rs) != 3 || rs[2][3].Str() != "carol" || rs[2][4].Str() != "example.org" {
		t.Errorf("rows = %v", rs)
	}
	// m_dump with maxmsg sends at most that many.
	uac.take()
	m.Funcs()[1].Call(ctxFor(fmt.Sprintf(register, 60)), []any{nil, int64(1)})
	if n := len(uac.take()); n != 1 {
		t.Errorf("maxmsg 1 sent %d", n)
	}
}

func TestInitNeedsTM(t *testing.T) {
	m := New()
	m.DBURL = dbURLs(t)["sqlite"]
	err := m.Init(&api.InitCtx{Module: func(string) api.Module { return nil }})
	if err == nil || !strings.Contains(err.Error(), "tm module") {
		t.Errorf("err = %v", err)
	}
}
