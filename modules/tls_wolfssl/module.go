// Package tlswolfssl stands for OpenSIPS' tls_wolfssl module, the wolfSSL
// backend of tls_mgm. gosips does every TLS operation with Go's
// crypto/tls whichever library module is loaded: loading it only
// satisfies tls_mgm's tls_library choice, so that OpenSIPS configs run
// unchanged.
package tlswolfssl

import "gosips/api"

func init() {
	api.Register(api.ModuleInfo{Name: "tls_wolfssl", Doc: "TLS library choice (wolfSSL; Go's crypto/tls does the work)",
		New: func() api.Module { return &Module{} }})
}

// Module is one tls_wolfssl instance; it has no parameters.
type Module struct{}

// Params: tls_wolfssl has no parameters.
func (*Module) Params() []api.Param { return nil }

// Funcs: load_tls_wolfssl is OpenSIPS' internal binding function, not a
// script function; nothing is exported.
func (*Module) Funcs() []api.Func { return nil }
