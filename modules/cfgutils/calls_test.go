package cfgutils

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"gosips/api"
	"gosips/modules/core/coretest"
	"gosips/pv"
)

func callFn(t *testing.T, c *CfgUtils, name string, x *api.Ctx, args ...any) api.Ret {
	t.Helper()
	for _, f := range c.Funcs() {
		if f.Name == name {
			full := make([]any, len(f.Args))
			copy(full, args)
			return f.Call(x, full)
		}
	}
	t.Fatalf("%s not declared", name)
	return 0
}

func TestAllImplemented(t *testing.T) {
	for _, f := range New().Funcs() {
		if f.Call == nil {
			t.Errorf("%s has no Call", f.Name)
		}
	}
	for _, m := range New().MICommands() {
		if m.Handler == nil {
			t.Errorf("MI %s has no handler", m.Name)
		}
	}
	for _, d := range New().PVs() {
		if d.Get == nil {
			t.Errorf("$%s has no getter", d.Name)
		}
	}
}

func TestRandom(t *testing.T) {
	c := New()
	x := coretest.NewCtx(coretest.New(), nil)
	if callFn(t, c, "rand_event", x, int64(0)) != -1 || callFn(t, c, "rand_event", x, int64(100)) != 1 {
		t.Error("rand_event with 0% / 100%")
	}
	callFn(t, c, "rand_set_prob", x, int64(100))
	if callFn(t, c, "rand_event", x) != 1 {
		t.Error("rand_event at the module probability 100%")
	}
	callFn(t, c, "rand_reset_prob", x)
	if got, _ := c.miRandGetProb(context.Background(), nil); got.(map[string]any)["actual probability percent"] != int64(10) {
		t.Errorf("rand_get_prob = %v", got)
	}
}

func TestSHV(t *testing.T) {
	c := New()
	c.Shvset = []Var{{"cnt", api.IntValue(5)}, {"gw", api.StrValue("sip:10.0.0.1")}}
	if err := c.Init(&api.InitCtx{}); err != nil {
		t.Fatal(err)
	}
	var shv pv.Def
	for _, d := range c.PVs() {
		if d.Name == "shv" {
			shv = d
		}
	}
	x := coretest.NewCtx(coretest.New(), nil)
	if v, err := shv.Get(x, &pv.Spec{Inner: "cnt"}); err != nil || v.I != 5 {
		t.Errorf("$shv(cnt) = %v, %v", v, err)
	}
	if err := shv.Set(x, &pv.Spec{Inner: "cnt"}, api.IntValue(7)); err != nil {
		t.Fatal(err)
	}
	got, err := c.miShvGet(context.Background(), api.MIParams{})
	if err != nil {
		t.Fatal(err)
	}
	b, _ := json.Marshal(got)
	if want := `[[{"name":"cnt","type":"integer","value":7},{"name":"gw","type":"string","value":"sip:10.0.0.1"}]]`; string(b) != want {
		t.Errorf("shv_get = %s\nwant %s", b, want)
	}
	got, _ = c.miShvGet(context.Background(), api.MIParams{"name": "cnt"})
	if b, _ := json.Marshal(got); string(b) != `{"VAR":{"type":"integer","value":7}}` {
		t.Errorf("shv_get cnt = %s", b)
	}
	if _, err := c.miShvGet(context.Background(), api.MIParams{"name": "nope"}); err == nil {
		t.Error("shv_get of an unknown name succeeded")
	}
	if r, err := c.miShvSet(context.Background(), api.MIParams{"name": "x", "type": "str", "value": "abc"}); err != nil || r != "OK" {
		t.Errorf("shv_set = %v, %v", r, err)
	}
	if v := c.shv.Get("x"); v.S != "abc" {
		t.Errorf("x = %v", v)
	}
	if _, err := c.miShvSet(context.Background(), api.MIParams{"name": "y", "type": "int", "value": float64(3)}); err != nil || c.shv.Get("y").I != 3 {
		t.Errorf("shv_set int: %v %v", err, c.shv.Get("y"))
	}
}

func TestCheckTimeRec(t *testing.T) {
	loc := time.Local
	at := func(s string) int64 {
		tm, err := time.ParseInLocation("2006-01-02 15:04", s, loc)
		if err != nil {
			t.Fatal(err)
		}
		return tm.Unix()
	}
	tests := []struct {
		rec  string
		ts   string
		want api.Ret
	}{
		{"20240101T090000|20240101T170000", "2024-01-01 10:00", 1},
		{"20240101T090000|20240101T170000", "2024-01-02 10:00", -1},
		{"20240101T090000|20240101T170000||weekly|||MO,TU,WE,TH,FR", "2024-03-05 16:59", 1},  // Tuesday
		{"20240101T090000|20240101T170000||weekly|||MO,TU,WE,TH,FR", "2024-03-09 10:00", -1}, // Saturday
		{"20240101T090000|20240101T170000||weekly|||MO,TU,WE,TH,FR", "2024-03-05 17:30", -1},
		{"20240101T220000||PT4H|daily", "2024-02-10 01:30", 1}, // spans midnight
		{"20240101T220000||PT4H|daily|20240201T000000", "2024-02-10 01:30", -1},
		{"20240101T000000||P1D|yearly||||25|||12", "2024-12-25 12:00", 1},
		{"20240101T000000||P1D|yearly||||25|||12", "2024-12-24 12:00", -1},
		{"not a date", "2024-01-01 10:00", -2},
	}
	c := New()
	x := coretest.NewCtx(coretest.New(), nil)
	for _, tc := range tests {
		if got := callFn(t, c, "check_time_rec", x, tc.rec, at(tc.ts)); got != tc.want {
			t.Errorf("check_time_rec(%q, %s) = %d, want %d", tc.rec, tc.ts, got, tc.want)
		}
	}
}

func TestLocksAndTime(t *testing.T) {
	c := New()
	x := coretest.NewCtx(coretest.New(), nil)
	callFn(t, c, "get_static_lock", x, "k")
	done := make(chan struct{})
	go func() {
		callFn(t, c, "get_static_lock", x, "k")
		callFn(t, c, "release_static_lock", x, "k")
		close(done)
	}()
	select {
	case <-done:
		t.Fatal("lock not exclusive")
	case <-time.After(20 * time.Millisecond):
	}
	callFn(t, c, "release_static_lock", x, "k")
	<-done
	if callFn(t, c, "strings_share_lock", x, "a", "a") != 1 {
		t.Error("same key, different lock")
	}
	if callFn(t, c, "usleep", x, int64(10)) != 1 {
		t.Error("usleep")
	}
}
