// Package protows is the WebSocket transport module (RFC 6455, RFC
// 7118). Loading it enables ws sockets (socket=ws:...); the transport
// itself lives in package sip.
package protows

import (
	"gosips/api"
	"gosips/modules/internal/wsproto"
	"gosips/sip"
)

func init() {
	api.Register(api.ModuleInfo{Name: "proto_ws", Doc: "WebSocket transport", New: func() api.Module { return New() }})
}

// ProtoWS is one instance of the proto_ws module.
type ProtoWS struct {
	P wsproto.Params
}

// New returns a proto_ws instance with OpenSIPS 3.6 defaults.
func New() *ProtoWS { return &ProtoWS{P: wsproto.New(80)} }

// Params lists proto_ws's parameters.
func (p *ProtoWS) Params() []api.Param { return p.P.List("ws") }

// Funcs: proto_ws exports no script functions.
func (p *ProtoWS) Funcs() []api.Func { return nil }

// Validate checks trace_destination names a loaded tracing backend.
func (p *ProtoWS) Validate(vc *api.ValidateCtx) error { return p.P.Validate(vc) }

// SetupTransport hands the parameters to the transport before the ws
// sockets are bound.
func (p *ProtoWS) SetupTransport(tr *sip.Transport) error {
	tr.EnableWS(sip.ProtoWS, p.P.Options())
	return nil
}

// MICommands lists proto_ws's management commands.
func (p *ProtoWS) MICommands() []api.MICommand {
	// Tracing (HEP) is not implemented: the command is declared without
	// a handler so that calls get a clear "not implemented".
	return []api.MICommand{{Name: "ws_trace", Recipes: [][]string{{}, {"trace_mode"}}}}
}

var (
	_ api.Module         = (*ProtoWS)(nil)
	_ api.Validator      = (*ProtoWS)(nil)
	_ api.MIExporter     = (*ProtoWS)(nil)
	_ api.TransportSetup = (*ProtoWS)(nil)
)
