package tm

import (
	"strings"
	"sync"
	"testing"

	"gosips/api"
	"gosips/sip"
)

// slotKey is the fake editor's request-time slot.
type slotKey struct{}

// fakeEditor is a module that edits relayed replies: it adds a header
// with what the request route stored and the request's Call-ID.
type fakeEditor struct {
	mu    sync.Mutex
	codes []int
}

func (e *fakeEditor) Params() []api.Param { return nil }
func (e *fakeEditor) Funcs() []api.Func   { return nil }

func (e *fakeEditor) EditReply(c *api.Ctx, req, reply *sip.Msg) {
	e.mu.Lock()
	e.codes = append(e.codes, reply.StatusCode())
	e.mu.Unlock()
	v, _ := c.Slot(slotKey{}).(string)
	reply.AppendHeader("X-Edited", v+"|"+req.CallID())
}

func TestReplyEditor(t *testing.T) {
	tests := []struct {
		name      string
		codes     []int // replies from downstream
		upstream  []string
		edited    []int
		withSlots bool
	}{
		{"provisional and final", []int{100, 180, 200}, []string{"SIP/2.0 180", "SIP/2.0 200"}, []int{180, 200}, true},
		{"negative final", []int{183, 486}, []string{"SIP/2.0 183", "SIP/2.0 486"}, []int{183, 486}, true},
		{"no slots", []int{200}, []string{"SIP/2.0 200"}, []int{200}, false},
	}
	for i, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f, m := newCore(), newTM()
			ed := &fakeEditor{}
			f.mods = map[string]api.Module{"editor": ed}
			m.editors.names = func() []string { return []string{"tm", "editor"} }
			c := f.ctx(invite(t, "z9hG4bK-ed"+string(rune('a'+i))))
			if tc.withSlots {
				c.SetSlot(slotKey{}, "stored")
			}
			if r := m.fRelay(c, []any{nil, nil}); r != 1 {
				t.Fatalf("t_relay = %d", r)
			}
			br := find(t, f.take(), "INVITE")
			for _, code := range tc.codes {
				f.deliver(t, m, replyTo(t, br.msg, code, "b1"))
			}
			var out []sent // the replies sent upstream (not the ACK)
			for _, o := range f.take() {
				if !o.msg.IsRequest() {
					out = append(out, o)
				}
			}
			if got := summary(out); len(got) != len(tc.upstream) {
				t.Fatalf("upstream got %v", got)
			}
			want := "|call-1@192.0.2.1"
			if tc.withSlots {
				want = "stored" + want
			}
			for i, o := range out {
				if !strings.HasPrefix(o.msg.FirstLine(), tc.upstream[i]) {
					t.Errorf("reply %d = %q, want %s", i, o.msg.FirstLine(), tc.upstream[i])
				}
				if h, _ := o.msg.Header("X-Edited"); h != want {
					t.Errorf("%s: X-Edited = %q, want %q", o.msg.FirstLine(), h, want)
				}
			}
			ed.mu.Lock()
			defer ed.mu.Unlock()
			if len(ed.codes) != len(tc.edited) {
				t.Fatalf("edited %v, want %v", ed.codes, tc.edited)
			}
			for i := range tc.edited {
				if ed.codes[i] != tc.edited[i] {
					t.Errorf("edited %v, want %v", ed.codes, tc.edited)
				}
			}
		})
	}
}

// Replies tm builds itself (here the 408 of a timeout) are not edited.
func TestReplyEditorSkipsLocalReplies(t *testing.T) {
	f, m := newCore(), newTM()
	m.FrInvTimeout = 3
	ed := &fakeEditor{}
	f.mods = map[string]api.Module{"editor": ed}
	m.editors.names = func() []string { return []string{"editor"} }
	c := f.ctx(invite(t, "z9hG4bK-edlocal"))
	if r := m.fRelay(c, []any{nil, nil}); r != 1 {
		t.Fatalf("t_relay = %d", r)
	}
	br := find(t, f.take(), "INVITE")
	f.deliver(t, m, replyTo(t, br.msg, 180, "b1"))
	out := f.waitFor(t, "408", func(s []sent) bool { return count(s, "SIP/2.0 408") > 0 })
	if h, ok := find(t, out, "SIP/2.0 408").msg.Header("X-Edited"); ok {
		t.Errorf("local 408 edited: %q", h)
	}
	ed.mu.Lock()
	defer ed.mu.Unlock()
	if len(ed.codes) != 1 || ed.codes[0] != 180 {
		t.Errorf("edited %v, want [180]", ed.codes)
	}
}
