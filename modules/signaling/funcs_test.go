package signaling

import (
	"strings"
	"testing"

	"gosips/api"
	"gosips/modules/core/coretest"
	"gosips/modules/sl"
	"gosips/pv"
)

// fakeTM records the replies it was asked for.
type fakeTM struct{ codes []int }

func (f *fakeTM) Params() []api.Param { return nil }
func (f *fakeTM) Funcs() []api.Func   { return nil }
func (f *fakeTM) Reply(c *api.Ctx, code int, reason, extra, body string) error {
	f.codes = append(f.codes, code)
	return nil
}
func (f *fakeTM) LocalToTag(c *api.Ctx) (string, bool) { return "tmtag", true }

func TestSendReplyPicksReplier(t *testing.T) {
	tests := []struct {
		name     string
		tm, sl   bool
		tx       bool
		wantTM   bool
		wantSent bool
		wantTag  string
	}{
		{name: "sl only", sl: true, wantSent: true},
		{name: "tm and sl, no transaction", tm: true, sl: true, wantSent: true},
		{name: "tm and sl, transaction", tm: true, sl: true, tx: true, wantTM: true, wantTag: "tmtag"},
		{name: "tm only, no transaction", tm: true, wantTM: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			fc := coretest.New()
			tm := &fakeTM{}
			slm := sl.New()
			if tc.tm {
				fc.Mods["tm"] = tm
			}
			if tc.sl {
				fc.Mods["sl"] = slm
			}
			s := New()
			if err := s.Init(&api.InitCtx{Module: fc.Module}); err != nil {
				t.Fatal(err)
			}
			msg := coretest.Msg(t, coretest.Invite)
			c := coretest.NewCtx(fc, msg)
			if tc.tx {
				c.Tx = struct{}{}
			}
			if rc := s.Funcs()[0].Call(c, []any{api.ReplyCode(486), "Busy Here"}); rc != 1 {
				t.Fatalf("rc = %d", rc)
			}
			if got := len(tm.codes) == 1; got != tc.wantTM {
				t.Errorf("tm used = %v, want %v", got, tc.wantTM)
			}
			if got := len(fc.Sent()) == 1; got != tc.wantSent {
				t.Errorf("sl sent = %v, want %v", got, tc.wantSent)
			}
			if tc.wantSent && !strings.HasPrefix(fc.Last(), "SIP/2.0 486 Busy Here\r\n") {
				t.Errorf("reply = %q", fc.Last())
			}
			want := tc.wantTag
			if want == "" && tc.sl {
				want = slm.ToTag(msg)
			}
			v, err := s.PVs()[0].Get(c, &pv.Spec{})
			if err != nil || pv.Str(v) != want {
				t.Errorf("$sig_local_totag = %q, %v; want %q", pv.Str(v), err, want)
			}
		})
	}
}

func TestSendReplyWithoutRepliers(t *testing.T) {
	fc := coretest.New()
	s := New()
	c := coretest.NewCtx(fc, coretest.Msg(t, coretest.Options))
	if rc := s.Funcs()[0].Call(c, []any{int64(200), "OK"}); rc != -1 {
		t.Errorf("rc = %d, want -1", rc)
	}
	// Without Init, the modules are looked up through the core.
	fc.Mods["sl"] = sl.New()
	if rc := s.Funcs()[0].Call(c, []any{int64(200), "OK"}); rc != 1 || len(fc.Sent()) != 1 {
		t.Errorf("rc = %d, sent %d", rc, len(fc.Sent()))
	}
}
