package auth

import "gosips/sip"

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

// msgStates keeps the credential state on the message itself (a
// sip.Msg note keyed by the msgStates address), so that it goes away with
// the message at no cost, unlike a side table that must be cleaned up.
type msgStates struct {
	_ byte // a zero-size value's address would not be a unique key
}

func (s *msgStates) set(msg *sip.Msg, st credState) {
	if v, ok := msg.Note(s); ok {
		*v.(*credState) = st
		return
	}
	msg.SetNote(s, &st)
}

func (s *msgStates) get(msg *sip.Msg) (*credState, bool) {
	v, ok := msg.Note(s)
	if !ok {
		return nil, false
	}
	return v.(*credState), true
}
