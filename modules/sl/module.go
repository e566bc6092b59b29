// Package sl sends stateless replies.
package sl

import (
	"gosips/api"
)

func init() {
	api.Register(api.ModuleInfo{Name: "sl", Doc: "stateless replies", New: func() api.Module { return New() }})
}

// SL is one instance of the sl module.
type SL struct {
	EnableStats int

	prefix [tagPrefixLen]byte
	stats  counters
}

// New returns an sl instance with OpenSIPS defaults.
func New() *SL { return &SL{EnableStats: 1, prefix: newTagPrefix()} }

// Params lists sl's parameters.
func (s *SL) Params() []api.Param {
	p := api.IntParam("enable_stats", &s.EnableStats)
	p.Default = "1"
	return []api.Param{p}
}

// Funcs lists sl's script functions (OpenSIPS 3.6 sl.c).
func (s *SL) Funcs() []api.Func {
	return []api.Func{
		{Name: "sl_send_reply", Routes: api.RequestRoute | api.ErrorRoute, Returns: "1 ok, <0 error",
			Args: []api.Arg{
				{Name: "code", Type: api.ArgInt, Fixup: api.ReplyCodeFixup},
				{Name: "reason", Type: api.ArgStr},
			}, Call: s.sendReply},
		{Name: "sl_reply_error", Routes: api.RequestRoute, Call: s.replyError,
			Returns: "1 ok, <0 error; replies with a code derived from the last internal error"},
	}
}

var _ api.Module = (*SL)(nil)
