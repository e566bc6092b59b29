// Package mififo declares the mi_fifo module: JSON-RPC management over a
// named pipe, with replies written to per-request reply FIFOs.
package mififo

import (
	"fmt"
	"strconv"

	"gosips/api"
)

func init() {
	api.Register(api.ModuleInfo{
		Name: "mi_fifo",
		New:  func() api.Module { return New() },
		Doc:  "management interface (JSON-RPC) over a FIFO",
	})
}

// Module is one mi_fifo instance; the fields hold the modparams.
type Module struct {
	FIFOName string
	// FIFOMode is the permission of the FIFO (0660 by default; the
	// script writes it as an octal literal).
	FIFOMode int
	// FIFOUser/FIFOGroup: a name, or a numeric id (-1 = inherited).
	FIFOUser         string
	FIFOUID          int
	FIFOGroup        string
	FIFOGID          int
	ReplyDir         string
	TraceDestination string
	TraceBWList      string
	PrettyPrinting   int
	legacyIndent     string
}

// New returns an mi_fifo instance with OpenSIPS' defaults.
func New() *Module {
	return &Module{FIFOName: "/tmp/opensips_fifo", FIFOMode: 0o660, FIFOUID: -1, FIFOGID: -1,
		ReplyDir: "/tmp/"}
}

// Params binds the module parameters.
func (m *Module) Params() []api.Param {
	return []api.Param{
		api.FuncParam("fifo_name", api.ParamStr, false, func(v api.ParamValue) error {
			if v.Str == "" {
				return fmt.Errorf("fifo_name is empty")
			}
			m.FIFOName = v.Str
			return nil
		}),
		api.FuncParam("fifo_mode", api.ParamInt, false, func(v api.ParamValue) error {
			if v.Int < 0 || v.Int > 0o7777 {
				return fmt.Errorf("fifo_mode %d (%#o) is not a permission mode; write it in octal, e.g. 0660", v.Int, v.Int)
			}
			m.FIFOMode = int(v.Int)
			return nil
		}),
		api.FuncParam("fifo_user", api.ParamInt|api.ParamStr, false, idParam(&m.FIFOUser, &m.FIFOUID)),
		api.FuncParam("fifo_group", api.ParamInt|api.ParamStr, false, idParam(&m.FIFOGroup, &m.FIFOGID)),
		api.StrParam("reply_dir", &m.ReplyDir),
		api.StrParam("trace_destination", &m.TraceDestination),
		api.StrParam("trace_bwlist", &m.TraceBWList),
		api.IntParam("pretty_printing", &m.PrettyPrinting),
		{Name: "reply_indent", Type: api.ParamStr, Legacy: `drop it; modparam("mi_fifo", "pretty_printing", 1) indents replies`,
			Set: func(v api.ParamValue) error { m.legacyIndent = v.Str; return nil }},
	}
}

// idParam stores a user/group given by name or number.
func idParam(name *string, id *int) func(api.ParamValue) error {
	return func(v api.ParamValue) error {
		if v.IsInt {
			if v.Int < 0 {
				return fmt.Errorf("negative id %d", v.Int)
			}
			*id, *name = int(v.Int), ""
			return nil
		}
		if n, err := strconv.Atoi(v.Str); err == nil && n >= 0 {
			*id, *name = n, ""
			return nil
		}
		*name, *id = v.Str, -1
		return nil
	}
}

// Funcs: mi_fifo exports no script functions.
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
