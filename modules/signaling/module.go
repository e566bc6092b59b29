// Package signaling sends a stateful reply when a transaction exists (tm)
// and a stateless one otherwise (sl).
package signaling

import (
	"gosips/api"
)

func init() {
	api.Register(api.ModuleInfo{
		Name: "signaling",
		Doc:  "replies statefully or statelessly as the transaction state requires",
		Deps: []api.Dep{{Name: "sl or tm", AnyOf: []string{"sl", "tm"}}},
		New:  func() api.Module { return New() },
	})
}

// Signaling is one instance of the signaling module; it has no parameters.
type Signaling struct {
	tm, sl api.Replier
	ready  bool // Init ran: tm and sl are final
}

// New returns a signaling instance.
func New() *Signaling { return &Signaling{} }

// Params: signaling has none.
func (s *Signaling) Params() []api.Param { return nil }

// Funcs lists signaling's script functions (OpenSIPS 3.6 signaling.c).
func (s *Signaling) Funcs() []api.Func {
	return []api.Func{
		{Name: "send_reply", Routes: api.RequestRoute | api.ErrorRoute | api.FailureRoute, Returns: "1 ok, <0 error",
			Args: []api.Arg{
				{Name: "code", Type: api.ArgInt, Fixup: api.ReplyCodeFixup},
				{Name: "reason", Type: api.ArgStr},
			}, Call: s.sendReply},
	}
}

var _ api.Module = (*Signaling)(nil)
