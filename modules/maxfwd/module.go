// Package maxfwd processes the Max-Forwards header.
package maxfwd

import (
	"fmt"

	"gosips/api"
)

// UpperLimit is the largest Max-Forwards value maxfwd handles.
const UpperLimit = 256

func init() {
	api.Register(api.ModuleInfo{Name: "maxfwd", Doc: "Max-Forwards processing", New: func() api.Module { return New() }})
}

// MaxFwd is one instance of the maxfwd module.
type MaxFwd struct {
	MaxLimit int
}

// New returns a maxfwd instance with OpenSIPS defaults.
func New() *MaxFwd { return &MaxFwd{MaxLimit: UpperLimit} }

// Params lists maxfwd's parameters.
func (m *MaxFwd) Params() []api.Param {
	return []api.Param{{Name: "max_limit", Type: api.ParamInt, Default: "256", Set: func(v api.ParamValue) error {
		if v.Int < 1 || v.Int > UpperLimit {
			return fmt.Errorf("max_limit %d out of range (1-%d)", v.Int, UpperLimit)
		}
		m.MaxLimit = int(v.Int)
		return nil
	}}}
}

// Funcs lists maxfwd's script functions (OpenSIPS 3.6 maxfwd.c).
func (m *MaxFwd) Funcs() []api.Func {
	max := api.Arg{Name: "max", Type: api.ArgInt, Fixup: m.maxFixup}
	return []api.Func{
		{Name: "mf_process_maxfwd_header", Routes: api.RequestRoute, Args: []api.Arg{max}, Call: m.process,
			Returns: "2 header added, 1 decremented, -1 value was 0 (reply 483), -2 error"},
		{Name: "is_maxfwd_lt", Routes: api.RequestRoute | api.FailureRoute | api.BranchRoute, Args: []api.Arg{max}, Call: m.lessThan,
			Returns: "1 Max-Forwards below max, -1 not, -2 header missing, -3 parse error"},
	}
}

// maxFixup checks the value is in 1..max_limit.
func (m *MaxFwd) maxFixup(fc *api.FixupCtx, a *api.FixArg) error {
	if a.Int < 1 || a.Int > UpperLimit {
		return fmt.Errorf("invalid Max-Forwards value %d (allowed 1-%d)", a.Int, UpperLimit)
	}
	if a.Int > int64(m.MaxLimit) {
		return fmt.Errorf("Max-Forwards value %d above max_limit %d", a.Int, m.MaxLimit)
	}
	a.Fixed = int(a.Int)
	return nil
}

var _ api.Module = (*MaxFwd)(nil)
