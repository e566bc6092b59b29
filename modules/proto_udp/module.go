// Package protoudp is the UDP transport module. Loading it is what
// enables udp sockets (socket=udp:...).
package protoudp

import (
	"fmt"

	"gosips/api"
)

func init() {
	api.Register(api.ModuleInfo{Name: "proto_udp", Doc: "UDP transport", New: func() api.Module { return New() }})
}

// ProtoUDP is one instance of the proto_udp module.
type ProtoUDP struct {
	// Port is the default port of udp sockets that give none.
	Port int
}

// New returns a proto_udp instance with OpenSIPS defaults.
func New() *ProtoUDP { return &ProtoUDP{Port: 5060} }

// Params lists proto_udp's parameters.
func (p *ProtoUDP) Params() []api.Param {
	return []api.Param{{Name: "udp_port", Type: api.ParamInt, Default: "5060", Set: func(v api.ParamValue) error {
		if v.Int < 1 || v.Int > 65535 {
			return fmt.Errorf("udp_port %d out of range (1-65535)", v.Int)
		}
		p.Port = int(v.Int)
		return nil
	}}}
}

// Funcs: proto_udp exports no script functions.
func (p *ProtoUDP) Funcs() []api.Func { return nil }

var _ api.Module = (*ProtoUDP)(nil)
