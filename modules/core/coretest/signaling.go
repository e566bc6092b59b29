package coretest

import (
	"sync"

	"gosips/api"
	"gosips/pv"
)

// Reply is one reply sent through Signaling.
type Reply struct {
	Code   int
	Reason string
	Extra  string
}

// Signaling is a fake signaling module (api.Replier) that records the
// replies functions send; put it in Core.Mods["signaling"].
type Signaling struct {
	mu      sync.Mutex
	replies []Reply
}

func (s *Signaling) Params() []api.Param { return nil }
func (s *Signaling) Funcs() []api.Func   { return nil }

// Reply implements api.Replier.
func (s *Signaling) Reply(_ *api.Ctx, code int, reason, extra, _ string) error {
	s.mu.Lock()
	s.replies = append(s.replies, Reply{code, reason, extra})
	s.mu.Unlock()
	return nil
}

// Replies returns the replies sent so far.
func (s *Signaling) Replies() []Reply {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Reply(nil), s.replies...)
}

// AVPPriv gives functions an AVP store (api.Ctx.Priv), as the runtime's
// thread does.
type AVPPriv struct{ St *pv.AVPStore }

// AVPs returns the store.
func (p AVPPriv) AVPs() *pv.AVPStore { return p.St }

// WithSignaling returns a zero-value core (no sockets) whose only module,
// "signaling", is a new Signaling, and that Signaling.
func WithSignaling() (*Core, *Signaling) {
	s := &Signaling{}
	return &Core{Mods: map[string]api.Module{"signaling": s}}, s
}

// Reset forgets the recorded replies.
func (s *Signaling) Reset() {
	s.mu.Lock()
	s.replies = nil
	s.mu.Unlock()
}
