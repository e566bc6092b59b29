// Package tlsopenssl stands for OpenSIPS' tls_openssl module, the OpenSSL
// backend of tls_mgm. gosips does every TLS operation with Go's
// crypto/tls whichever library module is loaded: loading it only
// satisfies tls_mgm's tls_library choice, so that OpenSIPS configs run
// unchanged.
package tlsopenssl

import "gosips/api"

func init() {
	api.Register(api.ModuleInfo{Name: "tls_openssl", Doc: "TLS library choice (OpenSSL; Go's crypto/tls does the work)",
		New: func() api.Module { return &Module{} }})
}

// Module is one tls_openssl instance; it has no parameters.
type Module struct{}

// Params: tls_openssl has no parameters.
func (*Module) Params() []api.Param { return nil }

// Funcs: load_tls_openssl is OpenSIPS' internal binding function, not a
// script function; nothing is exported.
func (*Module) Funcs() []api.Func { return nil }
