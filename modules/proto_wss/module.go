// Package protowss is the secure WebSocket transport module (RFC 6455
// over TLS, RFC 7118). Loading it with tls_mgm enables wss sockets
// (socket=wss:...): certificates come from tls_mgm's server domains (by
// socket address and SNI) and, for connections gosips opens, its client
// domains. The transport lives in package sip.
package protowss

import (
	"gosips/api"
	"gosips/modules/internal/wsproto"
	"gosips/sip"
)

func init() {
	api.Register(api.ModuleInfo{Name: "proto_wss", Doc: "secure WebSocket transport",
		Deps: []api.Dep{{Name: "tls_mgm"}},
		New:  func() api.Module { return New() }})
}

// ProtoWSS is one instance of the proto_wss module.
type ProtoWSS struct {
	P wsproto.Params
}

// New returns a proto_wss instance with OpenSIPS 3.6 defaults.
func New() *ProtoWSS { return &ProtoWSS{P: wsproto.New(443)} }

// Params lists proto_wss's parameters.
func (p *ProtoWSS) Params() []api.Param { return append(p.P.List("wss"), p.P.TLSList()...) }

// Funcs: proto_wss exports no script functions.
func (p *ProtoWSS) Funcs() []api.Func { return nil }

// Validate checks trace_destination names a loaded tracing backend.
func (p *ProtoWSS) Validate(vc *api.ValidateCtx) error { return p.P.Validate(vc) }

// SetupTransport hands the parameters to the transport before the wss
// sockets are bound; TLS settings come from the transport's tls_mgm
// provider.
func (p *ProtoWSS) SetupTransport(tr *sip.Transport) error {
	tr.EnableWS(sip.ProtoWSS, p.P.Options())
	return nil
}

// MICommands lists proto_wss's management commands.
func (p *ProtoWSS) MICommands() []api.MICommand {
	// Tracing (HEP) is not implemented: the command is declared without
	// a handler so that calls get a clear "not implemented".
	return []api.MICommand{{Name: "wss_trace", Recipes: [][]string{{}, {"trace_mode"}}}}
}

var (
	_ api.Module         = (*ProtoWSS)(nil)
	_ api.Validator      = (*ProtoWSS)(nil)
	_ api.MIExporter     = (*ProtoWSS)(nil)
	_ api.TransportSetup = (*ProtoWSS)(nil)
)
