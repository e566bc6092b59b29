package dispatcher

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"gosips/api"
	"gosips/db"
	_ "gosips/db/all"
	"gosips/pv"
	"gosips/sip"
	"gosips/sip/siptest"
)

var bg = context.Background()

// priv gives pv the message's AVP store.
type priv struct{ avps *pv.AVPStore }

func (p *priv) AVPs() *pv.AVPStore { return p.avps }

// row is one dispatcher table row.
type row struct {
	set           int
	uri           string
	state, prio   int
	weight        string
	attrs, socket string
	desc          string
	probeMode     int
}

// newDB makes a sqlite file with the dispatcher table holding rows.
func newDB(t testing.TB, rows ...row) (string, db.Conn) {
	t.Helper()
	url := "sqlite://" + filepath.Join(t.TempDir(), "ds.db")
	c, err := db.Open(bg, url, db.WithCreate())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	if _, err := db.CreateTables(bg, c, "dispatcher"); err != nil {
		t.Fatal(err)
	}
	for _, r := range rows {
		w := r.weight
		if w == "" {
			w = "1"
		}
		vals := []db.Value{db.IntValue(int64(r.set)), db.StringValue(r.uri), db.IntValue(int64(r.state)),
			db.StringValue(w), db.IntValue(int64(r.prio)), db.StringValue(r.attrs),
			db.StringValue(r.desc), db.IntValue(int64(r.probeMode))}
		if r.attrs == "" {
			vals[5] = db.NullValue(db.String)
		}
		if r.desc == "" {
			vals[6] = db.NullValue(db.String)
		}
		cols := []string{"setid", "destination", "state", "weight", "priority", "attrs", "description", "probe_mode"}
		if r.socket != "" {
			cols = append(cols, "socket")
			vals = append(vals, db.StringValue(r.socket))
		}
		if _, err := c.Insert(bg, "dispatcher", cols, vals); err != nil {
			t.Fatal(err)
		}
	}
	return url, c
}

// fakeUAC records requests and answers them with the code of reply.
type fakeUAC struct {
	mu    sync.Mutex
	reqs  []*api.UACRequest
	reply func(r *api.UACRequest) int // 0 = no answer
}

func (f *fakeUAC) SendRequest(_ context.Context, r *api.UACRequest) error {
	f.mu.Lock()
	f.reqs = append(f.reqs, r)
	reply := f.reply
	f.mu.Unlock()
	if reply != nil {
		if code := reply(r); code != 0 {
			r.OnReply(nil, code)
		}
	}
	return nil
}

// newModule starts a dispatcher on the rows.
func newModule(t testing.TB, setup func(m *Module), rows ...row) (*Module, db.Conn) {
	t.Helper()
	url, conn := newDB(t, rows...)
	m := New()
	m.Default.DBURL = url
	if setup != nil {
		setup(m)
	}
	ic := &api.InitCtx{Log: slog.New(slog.NewTextHandler(io.Discard, nil)),
		Module: func(string) api.Module { return nil }}
	if err := m.Init(ic); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Close() })
	return m, conn
}

const invite = `INVITE sip:bob@example.com SIP/2.0
Via: SIP/2.0/UDP 10.0.0.9:5060;branch=z9hG4bK1
From: <sip:alice@example.com>;tag=1
To: <sip:bob@example.com>
Call-ID: %s
CSeq: 1 INVITE
Max-Forwards: 70

`

// newCtx makes a request context with the Call-ID callid.
func newCtx(callid string) *api.Ctx {
	msg := siptest.Parse(fmt.Sprintf(invite, callid), sip.ProtoUDP, "10.0.0.9:5060")
	return &api.Ctx{Context: bg, RouteType: api.RequestRoute, Msg: msg, Req: msg,
		Log: slog.New(slog.NewTextHandler(io.Discard, nil)), Priv: &priv{avps: pv.NewAVPStore()}}
}

// call runs a script function by name with args as the runtime passes them.
func call(t testing.TB, m *Module, c *api.Ctx, name string, args ...any) api.Ret {
	t.Helper()
	for _, f := range m.Funcs() {
		if f.Name == name {
			full := make([]any, len(f.Args))
			copy(full, args)
			return f.Call(c, full)
		}
	}
	t.Fatalf("no function %s", name)
	return 0
}

func replaceAll(s, old, new string) string { return strings.ReplaceAll(s, old, new) }

func contains(s, sub string) bool { return strings.Contains(s, sub) }

// ctxFromRaw makes a request context from wire text.
func ctxFromRaw(raw string) *api.Ctx {
	c := newCtx("x")
	msg := siptest.Parse(raw, sip.ProtoUDP, "10.0.0.9:5060")
	c.Msg, c.Req = msg, msg
	return c
}
