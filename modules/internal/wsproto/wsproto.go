// Package wsproto holds the parameters proto_ws and proto_wss share (the
// same names, with the "wss_" prefix for the secure one) and turns them
// into the transport's WebSocket options.
package wsproto

import (
	"fmt"
	"time"

	"gosips/api"
	"gosips/sip"
)

// Params are one WebSocket transport module's parameters.
type Params struct {
	Port             int // default port of sockets and destinations without one
	MaxMsgChunks     int
	SendTimeout      int // ms
	Resource         string
	RequireOrigin    int
	HandshakeTimeout int // ms
	TraceDestination string
	TraceOn          int
	TraceFilterRoute string
	// wss only
	TLSHandshakeTimeout    int // ms
	CertCheckOnConnReusage int
}

// New returns the OpenSIPS 3.6 defaults with the given default port.
func New(port int) Params {
	return Params{Port: port, MaxMsgChunks: 4, SendTimeout: 100, Resource: "/", RequireOrigin: 1, HandshakeTimeout: 100,
		TLSHandshakeTimeout: 100}
}

// List declares the parameters; prefix is "ws" or "wss".
func (p *Params) List(prefix string) []api.Param {
	return []api.Param{
		{Name: prefix + "_port", Type: api.ParamInt, Default: fmt.Sprint(p.Port), Set: func(v api.ParamValue) error {
			if v.Int < 1 || v.Int > 65535 {
				return fmt.Errorf("%s_port %d out of range (1-65535)", prefix, v.Int)
			}
			p.Port = int(v.Int)
			return nil
		}},
		api.NonNegParam(prefix+"_max_msg_chunks", &p.MaxMsgChunks, "4"),
		api.NonNegParam(prefix+"_send_timeout", &p.SendTimeout, "100"),
		{Name: prefix + "_resource", Type: api.ParamStr, Default: "/", Set: func(v api.ParamValue) error {
			if v.Str == "" {
				return fmt.Errorf("%s_resource must not be empty", prefix)
			}
			p.Resource = v.Str
			return nil
		}},
		api.NonNegParam("require_origin", &p.RequireOrigin, "1"),
		api.NonNegParam(prefix+"_handshake_timeout", &p.HandshakeTimeout, "100"),
		api.IgnoredParam(api.StrParam("trace_destination", &p.TraceDestination), "HEP tracing of WebSocket connections"),
		api.IgnoredParam(api.NonNegParam("trace_on", &p.TraceOn, "0"), "HEP tracing of WebSocket connections"),
		api.IgnoredParam(api.StrParam("trace_filter_route", &p.TraceFilterRoute), "HEP tracing of WebSocket connections"),
	}
}

// Validate checks that trace_destination names a loaded tracing backend.
func (p *Params) Validate(vc *api.ValidateCtx) error {
	if p.TraceDestination != "" && vc.Loaded != nil && !vc.Loaded("proto_hep") {
		return fmt.Errorf(`trace_destination is set but module proto_hep is not loaded (add loadmodule "proto_hep.so")`)
	}
	return nil
}

// TLSList declares the parameters proto_wss has on top of List.
func (p *Params) TLSList() []api.Param {
	return []api.Param{
		api.NonNegParam("wss_tls_handshake_timeout", &p.TLSHandshakeTimeout, "100"),
		api.IgnoredParam(api.NonNegParam("cert_check_on_conn_reusage", &p.CertCheckOnConnReusage, "0"),
			"an open connection is reused without checking its domain again"),
	}
}

// minTLSHandshake is the least time a whole TLS handshake gets: OpenSIPS'
// timeout bounds each wait of a handshake step, Go's the whole exchange
// (as proto_tls does).
const minTLSHandshake = 2 * time.Second

// Options are the transport options the parameters stand for.
func (p *Params) Options() sip.WSOptions {
	o := sip.DefaultWSOptions()
	o.RequireOrigin = p.RequireOrigin != 0
	o.MaxMsgChunks = p.MaxMsgChunks
	o.SendTimeout = time.Duration(p.SendTimeout) * time.Millisecond
	o.HandshakeTimeout = time.Duration(p.HandshakeTimeout) * time.Millisecond
	o.Resource = p.Resource
	o.DefaultPort = p.Port
	if p.TLSHandshakeTimeout > 0 {
		o.TLSHandshakeTimeout = max(time.Duration(p.TLSHandshakeTimeout)*time.Millisecond, minTLSHandshake)
	}
	return o
}
