// Package prototls is the TLS transport module. Loading it (with tls_mgm)
// is what enables tls sockets (socket=tls:...); the transport itself is
// the stream layer of package sip with Go's crypto/tls on top.
package prototls

import (
	"fmt"
	"time"

	"gosips/api"
)

func init() {
	api.Register(api.ModuleInfo{Name: "proto_tls", Doc: "TLS transport",
		Deps: []api.Dep{{Name: "tls_mgm"}},
		New:  func() api.Module { return New() }})
}

// ProtoTLS is one instance of the proto_tls module.
type ProtoTLS struct {
	Port                     int // default port of tls sockets that give none
	CRLFPingpong             int
	CRLFDrop                 int
	MaxMsgChunks             int
	SendTimeout              int // ms
	HandshakeTimeout         int // ms
	Async                    int
	AsyncMaxPostponedChunks  int
	AsyncLocalConnectTimeout int // ms
	AsyncHandshakeTimeout    int // ms
	CertCheckOnConnReusage   int
	TraceDestination         string
	TraceOn                  int
	TraceFilterRoute         string
}

// New returns a proto_tls instance with OpenSIPS 3.6 defaults.
func New() *ProtoTLS {
	return &ProtoTLS{Port: 5061, CRLFPingpong: 1, MaxMsgChunks: 4, SendTimeout: 100, HandshakeTimeout: 100,
		Async: 1, AsyncMaxPostponedChunks: 32, AsyncLocalConnectTimeout: 100, AsyncHandshakeTimeout: 10}
}

// minHandshake is the least time a whole handshake gets: OpenSIPS'
// timeout bounds each wait of a handshake step, Go's the whole exchange.
const minHandshake = 2 * time.Second

// TLSHandshakeTimeout is how long the transport waits for a handshake.
func (p *ProtoTLS) TLSHandshakeTimeout() time.Duration {
	return max(time.Duration(p.HandshakeTimeout)*time.Millisecond, minHandshake)
}

// Params lists proto_tls's parameters.
func (p *ProtoTLS) Params() []api.Param {
	return []api.Param{
		{Name: "tls_port", Type: api.ParamInt, Default: "5061", Set: func(v api.ParamValue) error {
			if v.Int < 1 || v.Int > 65535 {
				return fmt.Errorf("tls_port %d out of range (1-65535)", v.Int)
			}
			p.Port = int(v.Int)
			return nil
		}},
		api.NonNegParam("tls_crlf_pingpong", &p.CRLFPingpong, "1"),
		api.IgnoredParam(api.NonNegParam("tls_crlf_drop", &p.CRLFDrop, "0"), "CRLF keepalives are always skipped"),
		api.IgnoredParam(api.NonNegParam("tls_max_msg_chunks", &p.MaxMsgChunks, "4"), "messages are bounded by size, not by read count"),
		api.NonNegParam("tls_send_timeout", &p.SendTimeout, "100"),
		api.NonNegParam("tls_handshake_timeout", &p.HandshakeTimeout, "100"),
		api.StrParam("trace_destination", &p.TraceDestination),
		api.NonNegParam("tls_async", &p.Async, "1"),
		api.NonNegParam("tls_async_max_postponed_chunks", &p.AsyncMaxPostponedChunks, "32"),
		api.NonNegParam("tls_async_local_connect_timeout", &p.AsyncLocalConnectTimeout, "100"),
		api.NonNegParam("tls_async_handshake_timeout", &p.AsyncHandshakeTimeout, "10"),
		api.NonNegParam("trace_on", &p.TraceOn, "0"),
		api.StrParam("trace_filter_route", &p.TraceFilterRoute),
		api.IgnoredParam(api.NonNegParam("cert_check_on_conn_reusage", &p.CertCheckOnConnReusage, "0"),
			"an open connection is reused without checking its domain again"),
	}
}

// Funcs: proto_tls exports no script functions.
func (p *ProtoTLS) Funcs() []api.Func { return nil }

// Validate checks trace_destination names a loaded tracing backend.
func (p *ProtoTLS) Validate(vc *api.ValidateCtx) error {
	if p.TraceDestination != "" && vc.Loaded != nil && !vc.Loaded("proto_hep") {
		return fmt.Errorf(`trace_destination is set but module proto_hep is not loaded (add loadmodule "proto_hep.so")`)
	}
	return nil
}

// MICommands lists proto_tls's management commands (tls_trace is not
// implemented: no HEP tracing yet).
func (p *ProtoTLS) MICommands() []api.MICommand {
	return []api.MICommand{{Name: "tls_trace", Recipes: [][]string{{}, {"trace_mode"}}}}
}

var (
	_ api.Module     = (*ProtoTLS)(nil)
	_ api.Validator  = (*ProtoTLS)(nil)
	_ api.MIExporter = (*ProtoTLS)(nil)
)
