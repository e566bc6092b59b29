// Package httpd declares the httpd module: the embedded HTTP server that
// mi_http and other modules register their root paths with.
package httpd

import (
	"fmt"
	"net"

	"gosips/api"
)

func init() {
	api.Register(api.ModuleInfo{
		Name: "httpd",
		New:  func() api.Module { return New() },
		Doc:  "embedded HTTP server",
	})
}

// Module is one httpd instance; the fields hold the modparams.
type Module struct {
	// IP is the listen address; empty means all interfaces.
	IP             string
	Port           int
	BufSize        int
	ConnTimeout    int // seconds
	PostBufSize    int
	ReceiveBufSize int
	TLSCertFile    string
	TLSKeyFile     string
	TLSCiphers     string
}

// New returns an httpd instance with OpenSIPS' defaults.
func New() *Module {
	return &Module{Port: 8888, ConnTimeout: 30, PostBufSize: 1024, ReceiveBufSize: 1024,
		TLSCiphers: "SECURE256:+SECURE192:-VERS-ALL:+VERS-TLS1.2"}
}

// Params binds the module parameters.
func (m *Module) Params() []api.Param {
	return []api.Param{
		api.FuncParam("port", api.ParamInt, false, func(v api.ParamValue) error {
			if v.Int < 1 || v.Int > 65535 {
				return fmt.Errorf("port %d out of range", v.Int)
			}
			m.Port = int(v.Int)
			return nil
		}),
		api.FuncParam("ip", api.ParamStr, false, func(v api.ParamValue) error {
			if v.Str != "" && v.Str != "*" && net.ParseIP(v.Str) == nil {
				return fmt.Errorf("ip %q is not an IP address", v.Str)
			}
			m.IP = v.Str
			if m.IP == "*" {
				m.IP = ""
			}
			return nil
		}),
		api.IntParam("buf_size", &m.BufSize),
		api.IntParam("conn_timeout", &m.ConnTimeout),
		api.FuncParam("post_buf_size", api.ParamInt, false, func(v api.ParamValue) error {
			if v.Int < 256 {
				return fmt.Errorf("post_buf_size %d too small (at least 256)", v.Int)
			}
			m.PostBufSize = int(v.Int)
			return nil
		}),
		api.IntParam("receive_buf_size", &m.ReceiveBufSize),
		api.StrParam("tls_cert_file", &m.TLSCertFile),
		api.StrParam("tls_key_file", &m.TLSKeyFile),
		api.StrParam("tls_ciphers", &m.TLSCiphers),
	}
}

// Funcs: httpd exports no script functions.
func (m *Module) Funcs() []api.Func { return nil }

// Addr is the listen address in host:port form.
func (m *Module) Addr() string { return net.JoinHostPort(m.IP, fmt.Sprint(m.Port)) }

// Validate checks that the TLS files come as a pair.
func (m *Module) Validate(vc *api.ValidateCtx) error {
	if (m.TLSCertFile == "") != (m.TLSKeyFile == "") {
		return fmt.Errorf("tls_cert_file and tls_key_file must be set together")
	}
	return nil
}

// MICommands lists httpd_list_root_path (httpd:list_root_path).
func (m *Module) MICommands() []api.MICommand {
	return []api.MICommand{
		{Name: "httpd_list_root_path", Aliases: []string{"httpd:list_root_path"}, Recipes: [][]string{{}}},
	}
}

var (
	_ api.Validator  = (*Module)(nil)
	_ api.MIExporter = (*Module)(nil)
)
