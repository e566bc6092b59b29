package maxfwd

import (
	"strings"
	"testing"

	"gosips/api"
	"gosips/modules/core/coretest"
)

func withMF(value string) string {
	if value == "" {
		return strings.Replace(coretest.Options, "Max-Forwards: 70\n", "", 1)
	}
	return strings.Replace(coretest.Options, "Max-Forwards: 70", "Max-Forwards: "+value, 1)
}

func TestProcess(t *testing.T) {
	tests := []struct {
		name   string
		mf     string
		limit  int
		max    any
		want   api.Ret
		wantMF string // header in Bytes(); "" = unchanged
	}{
		{name: "decrement", mf: "70", max: 10, want: 1, wantMF: "Max-Forwards: 69\r\n"},
		{name: "added with max", mf: "", max: 10, want: 2, wantMF: "Max-Forwards: 10\r\n"},
		{name: "variable max", mf: "", max: int64(5), want: 2, wantMF: "Max-Forwards: 5\r\n"},
		{name: "zero", mf: "0", max: 10, want: -1},
		{name: "one", mf: "1", max: 10, want: 1, wantMF: "Max-Forwards: 0\r\n"},
		{name: "capped by max_limit", mf: "200", limit: 16, max: 10, want: 1, wantMF: "Max-Forwards: 15\r\n"},
		{name: "garbage", mf: "abc", max: 10, want: -2},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m := New()
			if tc.limit != 0 {
				m.MaxLimit = tc.limit
			}
			msg := coretest.Msg(t, withMF(tc.mf))
			c := coretest.NewCtx(coretest.New(), msg)
			if got := m.process(c, []any{tc.max}); got != tc.want {
				t.Fatalf("rc = %d, want %d", got, tc.want)
			}
			out := string(msg.Bytes())
			if tc.wantMF != "" && !strings.Contains(out, tc.wantMF) {
				t.Errorf("message lacks %q:\n%s", tc.wantMF, out)
			}
			if tc.wantMF == "" && strings.Count(out, "Max-Forwards") > 1 {
				t.Errorf("header duplicated:\n%s", out)
			}
		})
	}
}

func TestLessThan(t *testing.T) {
	tests := []struct {
		mf   string
		max  int
		want api.Ret
	}{{"5", 10, 1}, {"10", 10, -1}, {"70", 10, -1}, {"", 10, -2}, {"x", 10, -3}}
	for _, tc := range tests {
		c := coretest.NewCtx(coretest.New(), coretest.Msg(t, withMF(tc.mf)))
		if got := New().lessThan(c, []any{tc.max}); got != tc.want {
			t.Errorf("is_maxfwd_lt(%d) with %q = %d, want %d", tc.max, tc.mf, got, tc.want)
		}
	}
}

func BenchmarkProcess(b *testing.B) {
	m := New()
	msg, err := coretest.ParseMsg(coretest.Options)
	if err != nil {
		b.Fatal(err)
	}
	c := coretest.NewCtx(coretest.New(), msg)
	args := []any{10}
	b.ReportAllocs()
	for b.Loop() {
		if m.process(c, args) != 1 {
			b.Fatal("failed")
		}
	}
}
