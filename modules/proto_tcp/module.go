// Package prototcp is the TCP transport module. Loading it is what
// enables tcp sockets (socket=tcp:...).
package prototcp

import (
	"fmt"

	"gosips/api"
)

func init() {
	api.Register(api.ModuleInfo{Name: "proto_tcp", Doc: "TCP transport", New: func() api.Module { return New() }})
}

// ProtoTCP is one instance of the proto_tcp module.
type ProtoTCP struct {
	Port                     int // default port of tcp sockets that give none
	SendTimeout              int // ms
	MaxMsgChunks             int
	CRLFPingpong             int
	CRLFDrop                 int
	Async                    int
	AsyncMaxPostponedChunks  int
	AsyncLocalConnectTimeout int // ms
	AsyncLocalWriteTimeout   int // ms
	ParallelHandling         int
	TraceDestination         string
	TraceOn                  int
	TraceFilterRoute         string
}

// New returns a proto_tcp instance with OpenSIPS 3.6 defaults.
func New() *ProtoTCP {
	return &ProtoTCP{Port: 5060, SendTimeout: 100, MaxMsgChunks: 4, CRLFPingpong: 1, Async: 1,
		AsyncMaxPostponedChunks: 32, AsyncLocalConnectTimeout: 100, AsyncLocalWriteTimeout: 10}
}

// Params lists proto_tcp's parameters.
func (p *ProtoTCP) Params() []api.Param {
	return []api.Param{
		{Name: "tcp_port", Type: api.ParamInt, Default: "5060", Set: func(v api.ParamValue) error {
			if v.Int < 1 || v.Int > 65535 {
				return fmt.Errorf("tcp_port %d out of range (1-65535)", v.Int)
			}
			p.Port = int(v.Int)
			return nil
		}},
		nonNeg("tcp_send_timeout", &p.SendTimeout, "100"),
		nonNeg("tcp_max_msg_chunks", &p.MaxMsgChunks, "4"),
		nonNeg("tcp_crlf_pingpong", &p.CRLFPingpong, "1"),
		nonNeg("tcp_crlf_drop", &p.CRLFDrop, "0"),
		nonNeg("tcp_async", &p.Async, "1"),
		nonNeg("tcp_async_max_postponed_chunks", &p.AsyncMaxPostponedChunks, "32"),
		nonNeg("tcp_async_local_connect_timeout", &p.AsyncLocalConnectTimeout, "100"),
		nonNeg("tcp_async_local_write_timeout", &p.AsyncLocalWriteTimeout, "10"),
		nonNeg("tcp_parallel_handling", &p.ParallelHandling, "0"),
		api.StrParam("trace_destination", &p.TraceDestination),
		nonNeg("trace_on", &p.TraceOn, "0"),
		api.StrParam("trace_filter_route", &p.TraceFilterRoute),
	}
}

// Funcs: proto_tcp exports no script functions.
func (p *ProtoTCP) Funcs() []api.Func { return nil }

// Validate checks trace_destination names a loaded tracing backend.
func (p *ProtoTCP) Validate(vc *api.ValidateCtx) error {
	if p.TraceDestination != "" && vc.Loaded != nil && !vc.Loaded("proto_hep") {
		return fmt.Errorf(`trace_destination is set but module proto_hep is not loaded (add loadmodule "proto_hep.so")`)
	}
	return nil
}

// MICommands lists proto_tcp's management commands.
func (p *ProtoTCP) MICommands() []api.MICommand {
	return []api.MICommand{{Name: "tcp_trace", Aliases: []string{"tcp:trace"}, Recipes: [][]string{{}, {"trace_mode"}}}}
}

func nonNeg(name string, dst *int, def string) api.Param {
	return api.Param{Name: name, Type: api.ParamInt, Default: def, Set: func(v api.ParamValue) error {
		if v.Int < 0 {
			return fmt.Errorf("%s must not be negative, got %d", name, v.Int)
		}
		*dst = int(v.Int)
		return nil
	}}
}

var (
	_ api.Module     = (*ProtoTCP)(nil)
	_ api.Validator  = (*ProtoTCP)(nil)
	_ api.MIExporter = (*ProtoTCP)(nil)
)
