// Package mangler declares the mangler module: it rewrites the IPv4
// addresses of SDP c= lines inside a network, shifts the ports of m=
// lines, and encodes the Contact URI of a NATed client into a URI at a
// public address (and back), as OpenSIPS 3.6 modules/mangler does.
package mangler

import (
	"gosips/api"
)

func init() {
	api.Register(api.ModuleInfo{Name: "mangler", Doc: "SDP and Contact mangling for NAT",
		New: func() api.Module { return New() }})
}

// Mangler is one instance of the module.
type Mangler struct {
	// Separator is contact_flds_separator; only its first character is
	// used ("*" when empty).
	Separator string
}

// New returns an instance with OpenSIPS' defaults.
func New() *Mangler { return &Mangler{Separator: "*"} }

// sep is the field separator of encoded contacts.
func (m *Mangler) sep() byte {
	if m.Separator == "" {
		return '*'
	}
	return m.Separator[0]
}

// Params lists the module parameters (OpenSIPS 3.6 mangler.c).
func (m *Mangler) Params() []api.Param {
	return []api.Param{api.StrParam("contact_flds_separator", &m.Separator)}
}

// Funcs lists the script functions (OpenSIPS 3.6 mangler.c).
func (m *Mangler) Funcs() []api.Func {
	ro := api.RequestRoute | api.OnReplyRoute
	return []api.Func{
		{Name: "sdp_mangle_ip", Routes: ro,
			Args:    []api.Arg{{Name: "pattern", Type: api.ArgStr, Fixup: netFixup}, {Name: "newip", Type: api.ArgStr}},
			Returns: "number of c= lines rewritten + 1; negative on error",
			Call:    m.sdpMangleIP},
		{Name: "sdp_mangle_port", Routes: ro,
			Args:    []api.Arg{{Name: "offset", Type: api.ArgInt, Fixup: offsetFixup}},
			Returns: "number of m= ports rewritten + 1; negative on error",
			Call:    m.sdpManglePort},
		{Name: "encode_contact", Routes: ro,
			Args:    []api.Arg{{Name: "encoding_prefix", Type: api.ArgStr}, {Name: "public_ip", Type: api.ArgStr}},
			Returns: "1 encoded (or nothing to encode), negative on error",
			Call:    m.encodeContact},
		{Name: "decode_contact", Routes: api.RequestRoute,
			Returns: "1 Request-URI decoded, negative on error",
			Call:    m.decodeContact},
		{Name: "decode_contact_header", Routes: ro,
			Returns: "1 Contact decoded (or nothing to decode), negative on error",
			Call:    m.decodeContactHeader},
	}
}

var _ api.Module = (*Mangler)(nil)
