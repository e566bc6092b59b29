package ratelimit

import (
	"context"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"gosips/api"
)

type clock struct{ t time.Time }

func (c *clock) now() time.Time      { return c.t }
func (c *clock) add(d time.Duration) { c.t = c.t.Add(d) }
func newRL(t *testing.T) (*Ratelimit, *clock) {
	t.Helper()
	r := New()
	c := &clock{t: time.Unix(1_700_000_000, 0)}
	r.now = c.now
	r.TimerInterval = 1
	if err := r.Init(&api.InitCtx{}); err != nil {
		t.Fatal(err)
	}
	return r, c
}

func burst(r *Ratelimit, name string, limit int, algo Algo, n int) (ok int) {
	for i := 0; i < n; i++ {
		if r.Check(name, limit, algo) == api.RetTrue {
			ok++
		}
	}
	return ok
}

func TestTailDrop(t *testing.T) {
	r, _ := newRL(t)
	if got := burst(r, "p", 10, TailDrop, 50); got != 10 {
		t.Fatalf("interval 1s, limit 10: %d of 50 allowed", got)
	}
	r.tick()
	if got := burst(r, "p", 10, TailDrop, 5); got != 5 {
		t.Fatalf("next interval: %d of 5 allowed", got)
	}
	// The limit is per second: a 5 s interval allows 5 times as many.
	r.TimerInterval = 5
	r.tick()
	if got := burst(r, "p", 10, TailDrop, 80); got != 50 {
		t.Fatalf("interval 5s: %d of 80 allowed", got)
	}
	r.LimitPerInterval = 1
	r.tick()
	if got := burst(r, "p", 10, TailDrop, 80); got != 10 {
		t.Fatalf("limit_per_interval: %d of 80 allowed", got)
	}
}

func TestRED(t *testing.T) {
	r, _ := newRL(t)
	// First interval: no load known yet, all pass.
	if got := burst(r, "red", 10, RED, 40); got != 40 {
		t.Fatalf("first interval: %d of 40", got)
	}
	r.tick() // load = 40/10 = 4: one request in 4 passes
	if got := burst(r, "red", 10, RED, 40); got != 10 {
		t.Fatalf("load 4: %d of 40", got)
	}
	r.tick()
	r.tick() // idle interval: load 0
	if got := burst(r, "red", 10, RED, 40); got != 40 {
		t.Fatalf("after an idle interval: %d of 40", got)
	}
}

func TestSBT(t *testing.T) {
	r, c := newRL(t)
	r.WindowSize, r.SlotPeriod = 2, 500 // 4 slots
	if got := burst(r, "s", 10, SBT, 8); got != 8 {
		t.Fatalf("%d of 8", got)
	}
	c.add(600 * time.Millisecond)
	if got := burst(r, "s", 10, SBT, 5); got != 2 {
		t.Fatalf("window holds 8: %d of 5 more allowed", got)
	}
	if n := r.count("s"); n != 13 {
		t.Fatalf("count %d, want 13", n)
	}
	c.add(1600 * time.Millisecond)                   // the first slot left the window
	if got := burst(r, "s", 10, SBT, 10); got != 5 { // slot 1 still holds 5
		t.Fatalf("after the first slot expired: %d of 10", got)
	}
	c.add(5 * time.Second)
	if got := burst(r, "s", 10, SBT, 10); got != 10 {
		t.Fatalf("after the whole window: %d of 10", got)
	}
	r.setCount("s", 0)
	if n := r.count("s"); n != 0 {
		t.Fatalf("reset: count %d", n)
	}
}

func TestDecResetExpire(t *testing.T) {
	r, c := newRL(t)
	burst(r, "p", 3, Nop, 3) // default algorithm TAILDROP
	if r.Check("p", 3, Nop) != api.RetFalse {
		t.Fatal("4th request allowed")
	}
	r.setCount("p", -1)
	r.setCount("p", -1)
	if r.Check("p", 3, Nop) != api.RetTrue {
		t.Fatal("after two rl_dec_count: refused")
	}
	r.setCount("p", 0)
	if n := r.count("p"); n != 0 {
		t.Fatalf("after reset: %d", n)
	}
	if r.setCount("nope", 0) {
		t.Fatal("unknown pipe reset")
	}
	r.ExpireTime = 10
	c.add(11 * time.Second)
	r.tick()
	if n := r.count("p"); n != -1 {
		t.Fatalf("idle pipe not expired: %d", n)
	}
}

func TestMIList(t *testing.T) {
	r, _ := newRL(t)
	burst(r, "pipe_INVITE", 10, TailDrop, 12)
	burst(r, "pipe_OPTIONS", 5, SBT, 1)
	r.tick()
	cmds := map[string]api.MICommand{}
	for _, c := range r.MICommands() {
		cmds[c.Name] = c
	}
	res, err := cmds["rl_list"].Handler(context.Background(), api.MIParams{"pipe": "pipe_INVITE"})
	if err != nil {
		t.Fatal(err)
	}
	p := res.(map[string]any)["Pipe"].(map[string]any)
	if p["algorithm"] != "TAILDROP" || p["limit"] != 10 || p["counter"] != 12 {
		t.Fatalf("rl_list pipe: %v", p)
	}
	res, _ = cmds["rl_list"].Handler(context.Background(), api.MIParams{"filter_out": "*INVITE"})
	if ps := res.(map[string]any)["Pipes"].([]any); len(ps) != 1 || ps[0].(map[string]any)["id"] != "pipe_OPTIONS" {
		t.Fatalf("filter_out: %v", ps)
	}
	if _, err := cmds["rl_list"].Handler(context.Background(), api.MIParams{"pipe": "x"}); err == nil {
		t.Fatal("unknown pipe listed")
	}
	res, _ = cmds["rl_dump_pipe"].Handler(context.Background(), api.MIParams{"pipe": "pipe_OPTIONS"})
	if d := res.(map[string]any); d["Algorithm"] != "SBT" || d["Total"] != 1 {
		t.Fatalf("rl_dump_pipe: %v", d)
	}
	if cmds["rl_set_pid"].Handler == nil || cmds["rl_get_pid"].Handler == nil {
		t.Fatal("PID commands have no handler")
	}
}

func TestFixupsAndParams(t *testing.T) {
	if err := algoFixup(nil, &api.FixArg{Str: "bogus"}); err == nil {
		t.Errorf("algorithm bogus accepted")
	}
	for s, want := range map[string]Algo{"NETWORK": Network, "feedback": Feedback} {
		a := &api.FixArg{Str: s}
		if err := algoFixup(nil, a); err != nil || a.Fixed != want {
			t.Errorf("%s: %v %v", s, a.Fixed, err)
		}
	}
	a := &api.FixArg{Str: "sbt"}
	if err := algoFixup(nil, a); err != nil || a.Fixed != SBT {
		t.Errorf("sbt: %v %v", a.Fixed, err)
	}
	for name, repl := range map[string]bool{"p/r": true, "p/rb": true, "p/b": true, "a/b/c": false, "p": false, "/r": false} {
		if err := nameFixup(nil, &api.FixArg{Str: name}); (err != nil) != repl {
			t.Errorf("name %q: %v", name, err)
		}
	}
	r := New()
	for _, p := range r.Params() {
		switch p.Name {
		case "cachedb_url":
			if p.Set(api.ParamValue{Str: "local://"}) == nil {
				t.Error("cachedb_url accepted")
			}
		case "pipe_replication_cluster":
			if p.Set(api.ParamValue{IsInt: true, Int: 1}) == nil {
				t.Error("pipe_replication_cluster accepted")
			}
		}
	}
	r.DefaultAlgorithm = "NETWORK"
	if err := r.Init(&api.InitCtx{}); err != nil {
		t.Errorf("default_algorithm NETWORK: %v", err)
	}
	r.DefaultAlgorithm = "LEAKY"
	if r.Init(&api.InitCtx{}) == nil {
		t.Error("default_algorithm LEAKY accepted")
	}
}

func BenchmarkCheck(b *testing.B) {
	r := New()
	r.TimerInterval = 1
	_ = r.Init(&api.InitCtx{})
	for i := 0; i < b.N; i++ {
		r.Check("pipe_INVITE", 1<<30, TailDrop)
	}
}

func TestConcurrentTailDrop(t *testing.T) {
	r, _ := newRL(t)
	var wg sync.WaitGroup
	var ok atomic.Int64
	for g := 0; g < 4; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ok.Add(int64(burst(r, "p", 100, TailDrop, 1000)))
		}()
	}
	wg.Wait()
	if ok.Load() != 100 {
		t.Fatalf("%d of 4000 allowed with a limit of 100", ok.Load())
	}
}

type avp struct{ vals []string }

func (a *avp) Get(*api.Ctx) (api.Value, error)   { return api.Null, nil }
func (a *avp) Set(_ *api.Ctx, v api.Value) error { a.vals = append(a.vals, v.S); return nil }
func (a *avp) Name() string                      { return "$avp(p)" }

func TestValues(t *testing.T) {
	r, _ := newRL(t)
	for _, n := range []string{"pipe_b", "other", "pipe_a"} {
		r.Check(n, 1, TailDrop)
	}
	var fn api.Func
	for _, f := range r.Funcs() {
		if f.Name == "rl_values" {
			fn = f
		}
	}
	out := &avp{}
	fn.Call(&api.Ctx{}, []any{out, regexp.MustCompile("^pipe_")})
	if strings.Join(out.vals, ",") != "pipe_a,pipe_b" {
		t.Fatalf("rl_values: %v", out.vals)
	}
}
