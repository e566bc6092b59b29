// Package httpd declares the httpd module: the embedded HTTP server that
// mi_http and other modules register their root paths with.
package httpd

import (
	"context"
	"fmt"
	"net"
	"sync"

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
	// IP is the listen address: unset means loopback only (OpenSIPS:
	// every interface), "*" every interface.
	IP             string
	Port           int
	BufSize        int
	ConnTimeout    int // seconds
	PostBufSize    int
	ReceiveBufSize int
	TLSCertFile    string
	TLSKeyFile     string
	TLSCiphers     string

	mu    sync.Mutex
	roots []Root // newest first, as OpenSIPS lists them
}

// Root is a root path served by httpd and the module that registered it.
type Root struct {
	Path   string `json:"http_root"`
	Module string `json:"module"`
}

// AddRoot records that module serves /path (httpd_list_root_path).
func (m *Module) AddRoot(path, module string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.roots = append([]Root{{Path: path, Module: module}}, m.roots...)
}

// Roots returns the registered root paths, newest first.
func (m *Module) Roots() []Root {
	m.mu.Lock()
	defer m.mu.Unlock()
	return append([]Root{}, m.roots...)
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
			return nil
		}),
		api.IgnoredParam(api.IntParam("buf_size", &m.BufSize), "answers are not size-limited"),
		api.IgnoredParam(api.IntParam("conn_timeout", &m.ConnTimeout), "connections use the server's fixed timeouts"),
		api.IgnoredParam(api.FuncParam("post_buf_size", api.ParamInt, false, func(v api.ParamValue) error {
			if v.Int < 256 {
				return fmt.Errorf("post_buf_size %d too small (at least 256)", v.Int)
			}
			m.PostBufSize = int(v.Int)
			return nil
		}), "request bodies are not size-limited"),
		api.IgnoredParam(api.IntParam("receive_buf_size", &m.ReceiveBufSize), "request bodies are not size-limited"),
		api.IgnoredParam(api.StrParam("tls_cert_file", &m.TLSCertFile), "the server is plain HTTP"),
		api.IgnoredParam(api.StrParam("tls_key_file", &m.TLSKeyFile), "the server is plain HTTP"),
		api.IgnoredParam(api.StrParam("tls_ciphers", &m.TLSCiphers), "the server is plain HTTP"),
	}
}

// Funcs: httpd exports no script functions.
func (m *Module) Funcs() []api.Func { return nil }

// Addr is the listen address in host:port form: loopback unless ip is
// set, every interface for "*".
func (m *Module) Addr() string {
	ip := m.IP
	switch ip {
	case "":
		ip = "127.0.0.1"
	case "*":
		ip = ""
	}
	return net.JoinHostPort(ip, fmt.Sprint(m.Port))
}

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
		{Name: "httpd_list_root_path", Aliases: []string{"httpd:list_root_path"}, Recipes: [][]string{{}},
			Help:    "list the root paths and the modules serving them",
			Handler: func(context.Context, api.MIParams) (any, error) { return m.Roots(), nil }},
	}
}

var (
	_ api.Validator  = (*Module)(nil)
	_ api.MIExporter = (*Module)(nil)
)
