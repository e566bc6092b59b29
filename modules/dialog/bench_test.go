package dialog

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"runtime"
	"testing"

	"gosips/api"
	"gosips/sip"
)

// stubTM records the hooks create_dialog registers.
type stubTM struct{ last *api.TxHook }

func (s *stubTM) HookTx(_ *api.Ctx, h *api.TxHook) bool { s.last = h; return true }

func newBenchModule(tb testing.TB) (*Module, *stubTM) {
	tb.Helper()
	m := New()
	m.addProfileDefs("caller", true)
	st := &stubTM{}
	if err := m.Init(&api.InitCtx{Log: slog.New(slog.NewTextHandler(io.Discard, nil)),
		Module: func(name string) api.Module {
			if name == "tm" {
				return stubModule{st}
			}
			return nil
		}}); err != nil {
		tb.Fatal(err)
	}
	return m, st
}

// stubModule makes stubTM an api.Module for InitCtx.Module.
type stubModule struct{ *stubTM }

func (stubModule) Params() []api.Param { return nil }
func (stubModule) Funcs() []api.Func   { return nil }

func invite(i int) *sip.Msg {
	m, err := sip.ParseString(fmt.Sprintf("INVITE sip:bob@127.0.0.1 SIP/2.0\r\n"+
		"Via: SIP/2.0/UDP 127.0.0.1:5070;branch=z9hG4bK-%d\r\n"+
		"From: <sip:alice@127.0.0.1>;tag=ft%d\r\nTo: <sip:bob@127.0.0.1>\r\n"+
		"Call-ID: call-%d@127.0.0.1\r\nCSeq: 1 INVITE\r\n"+
		"Contact: <sip:alice@127.0.0.1:5070>\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n", i, i, i))
	if err != nil {
		panic(err)
	}
	return m
}

func ok200(req *sip.Msg, i int) *sip.Msg {
	r := sip.NewReply(req, 200, "OK", fmt.Sprintf("tt%d", i))
	m, err := sip.Parse(r.Bytes())
	if err != nil {
		panic(err)
	}
	return m
}

// confirm runs create_dialog on a fresh INVITE and relays a 200 for it.
func confirm(m *Module, st *stubTM, i int, withProfile bool) *dlg {
	req := invite(i)
	c := &api.Ctx{Context: context.Background(), RouteType: api.RequestRoute, Msg: req, Req: req,
		Log: slog.New(slog.NewTextHandler(io.Discard, nil))}
	d, err := m.create(c, flagByeOnTimeout)
	if err != nil {
		panic(err)
	}
	if withProfile {
		_ = m.SetProfile(d, "caller", "alice")
		d.SetValue("caller", api.StrValue("alice"))
	}
	st.last.ReplyOut(&api.TxEvent{Reply: ok200(req, i), Code: 200, Req: req, Branch: -1})
	return d
}

// TestMemoryPerDialog measures the heap held by confirmed dialogs (with a
// lifetime timer, one profile and one value each).
func TestMemoryPerDialog(t *testing.T) {
	m, st := newBenchModule(t)
	const n = 10000
	runtime.GC()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	for i := range n {
		confirm(m, st, i, true)
	}
	runtime.GC()
	runtime.ReadMemStats(&after)
	per := float64(after.HeapAlloc-before.HeapAlloc) / n
	t.Logf("%d confirmed dialogs: %.0f bytes of heap each", n, per)
	if got := m.stats.active.Value(); got != n {
		t.Fatalf("active = %d", got)
	}
	if per > 8192 {
		t.Errorf("%.0f bytes per dialog, budget 8 KiB", per)
	}
	for _, d := range m.tab.all() {
		d.mu.Lock()
		m.timers.stop(d)
		d.mu.Unlock()
	}
}

// BenchmarkCreateConfirmBye is the dialog work of one call: create_dialog,
// the 200 relayed, the BYE matched by Call-ID and tags.
func BenchmarkCreateConfirmBye(b *testing.B) {
	m, st := newBenchModule(b)
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		d := confirm(m, st, i, false)
		bye, _ := sip.ParseString(fmt.Sprintf("BYE sip:bob@127.0.0.1 SIP/2.0\r\n"+
			"Via: SIP/2.0/UDP 127.0.0.1:5070;branch=z9hG4bK-b%d\r\n"+
			"From: <sip:alice@127.0.0.1>;tag=ft%d\r\nTo: <sip:bob@127.0.0.1>;tag=tt%d\r\n"+
			"Call-ID: call-%d@127.0.0.1\r\nCSeq: 2 BYE\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n", i, i, i, i))
		c := &api.Ctx{Context: context.Background(), RouteType: api.RequestRoute, Msg: bye, Req: bye, Log: log}
		if m.matchFn(c, matchDIDFallback) != d || d.State() != api.DlgStateDeleted {
			b.Fatal("BYE not matched")
		}
		i++
	}
}
