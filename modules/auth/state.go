package auth

import (
	"runtime"
	"sync"
	"weak"

	"gosips/sip"
)

// credState is what OpenSIPS keeps on the parsed credentials header: it
// is the authorized one, and whether its nonce was found stale.
type credState struct {
	hdr   sip.HeaderField
	cred  *Credentials
	stale bool
}

// AuthorizedSetter is implemented by the runtime's per-message state
// (api.Ctx.Priv) to learn which credentials header was authorized, so
// that $au, $ar and friends read that one.
type AuthorizedSetter interface {
	SetAuthorized(h sip.HeaderField)
}

// msgStates maps messages to their credential state without keeping the
// messages alive: an entry goes away with its message.
type msgStates struct {
	m sync.Map // weak.Pointer[sip.Msg] -> *credState
}

func (s *msgStates) set(msg *sip.Msg, st credState) {
	key := weak.Make(msg)
	if old, loaded := s.m.LoadOrStore(key, &st); loaded {
		*old.(*credState) = st
		return
	}
	runtime.AddCleanup(msg, func(k weak.Pointer[sip.Msg]) { s.m.Delete(k) }, key)
}

func (s *msgStates) get(msg *sip.Msg) (*credState, bool) {
	v, ok := s.m.Load(weak.Make(msg))
	if !ok {
		return nil, false
	}
	return v.(*credState), true
}
