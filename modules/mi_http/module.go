// Package mihttp declares the mi_http module: JSON-RPC management over the
// httpd server ("POST http://host:port/<root>").
package mihttp

import (
	"fmt"
	"strings"

	"gosips/api"
)

func init() {
	api.Register(api.ModuleInfo{
		Name: "mi_http",
		Deps: []api.Dep{{Name: "httpd"}},
		New:  func() api.Module { return New() },
		Doc:  "management interface (JSON-RPC) over HTTP",
	})
}

// Module is one mi_http instance; the fields hold the modparams.
type Module struct {
	Root             string
	TraceDestination string
	TraceBWList      string
	PrettyPrinting   int
}

// New returns an mi_http instance with OpenSIPS' defaults.
func New() *Module { return &Module{Root: "mi"} }

// Params binds the module parameters.
func (m *Module) Params() []api.Param {
	return []api.Param{
		api.FuncParam("root", api.ParamStr, false, func(v api.ParamValue) error {
			r := strings.Trim(v.Str, "/")
			if r == "" || strings.ContainsAny(r, " ?#") {
				return fmt.Errorf("root %q is not a usable URL path segment", v.Str)
			}
			m.Root = r
			return nil
		}),
		api.StrParam("trace_destination", &m.TraceDestination),
		api.StrParam("trace_bwlist", &m.TraceBWList),
		api.IntParam("pretty_printing", &m.PrettyPrinting),
	}
}

// Funcs: mi_http exports no script functions.
func (m *Module) Funcs() []api.Func { return nil }

// Validate warns when tracing has no tracer module: OpenSIPS then traces
// nothing, silently.
func (m *Module) Validate(vc *api.ValidateCtx) error {
	if m.TraceDestination != "" && vc.Loaded != nil && !vc.Loaded("proto_hep") && vc.Warn != nil {
		vc.Warn(fmt.Sprintf("trace_destination %q is set but proto_hep is not loaded: nothing is traced", m.TraceDestination),
			`loadmodule "proto_hep.so"`)
	}
	return nil
}

var _ api.Validator = (*Module)(nil)
