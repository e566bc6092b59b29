// Package sipmsgops inspects and changes SIP messages: headers, methods,
// bodies, SDP codecs and streams, R-URI parameters.
package sipmsgops

import "gosips/api"

func init() {
	api.Register(api.ModuleInfo{Name: "sipmsgops", Doc: "SIP message inspection and manipulation",
		New: func() api.Module { return New() }})
}

// SipMsgOps is one instance of the sipmsgops module; it has no parameters.
type SipMsgOps struct{}

// New returns a sipmsgops instance.
func New() *SipMsgOps { return &SipMsgOps{} }

// Params: sipmsgops has none.
func (s *SipMsgOps) Params() []api.Param { return nil }

var _ api.Module = (*SipMsgOps)(nil)
