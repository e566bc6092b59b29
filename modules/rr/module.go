// Package rr inserts Record-Route headers and routes by Route headers
// (loose routing).
package rr

import (
	"fmt"
	"strings"

	"gosips/api"
	"gosips/lang/diag"
)

func init() {
	api.Register(api.ModuleInfo{Name: "rr", Doc: "Record-Route and loose routing", New: func() api.Module { return New() }})
}

// RR is one instance of the rr module.
type RR struct {
	AppendFromtag               int
	EnableDoubleRR              int
	AddUsername                 int
	EnableSocketMismatchWarning int
	IgnoreUser                  string

	// routeCbs run when loose_route() consumed a Route of ours.
	routeCbs []func(c *api.Ctx, params string)
}

// New returns an rr instance with OpenSIPS defaults.
func New() *RR { return &RR{AppendFromtag: 1, EnableDoubleRR: 1, EnableSocketMismatchWarning: 1} }

// Params lists rr's parameters.
func (r *RR) Params() []api.Param {
	p := func(name string, dst *int, def string) api.Param {
		x := api.IntParam(name, dst)
		x.Default = def
		return x
	}
	full := api.FuncParam("enable_full_lr", api.ParamInt, false, func(api.ParamValue) error { return nil })
	full.Legacy = "remove it: Record-Route always carries ;lr"
	return []api.Param{
		p("append_fromtag", &r.AppendFromtag, "1"),
		p("enable_double_rr", &r.EnableDoubleRR, "1"),
		p("add_username", &r.AddUsername, "0"),
		p("enable_socket_mismatch_warning", &r.EnableSocketMismatchWarning, "1"),
		// Only in builds with ENABLE_USER_CHECK; accepted for such configs.
		api.StrParam("ignore_user", &r.IgnoreUser),
		full,
	}
}

// Funcs lists rr's script functions (OpenSIPS 3.6 rr_mod.c).
func (r *RR) Funcs() []api.Func {
	rbf := api.RequestRoute | api.BranchRoute | api.FailureRoute
	return []api.Func{
		{Name: "loose_route", Call: r.looseRoute, Routes: api.RequestRoute,
			Returns: "1 Route headers processed; -1 no Route, only our own Route, or parse error"},
		{Name: "record_route", Call: r.recordRoute, Routes: rbf, Returns: "1 ok, -1 error",
			Args: []api.Arg{{Name: "params", Type: api.ArgStr, Optional: true}}},
		{Name: "record_route_preset", Call: r.recordRoutePreset, Routes: rbf, Returns: "1 ok, -1 error",
			Args: []api.Arg{{Name: "address", Type: api.ArgStr}, {Name: "address2", Type: api.ArgStr, Optional: true}}},
		{Name: "add_rr_param", Call: r.addRRParam, Routes: rbf, Returns: "1 ok, -1 error",
			Args: []api.Arg{{Name: "param", Type: api.ArgStr}}},
		{Name: "check_route_param", Call: r.checkRouteParam, Routes: api.RequestRoute, Returns: "1 matched, -1 not",
			Args: []api.Arg{{Name: "regex", Type: api.ArgRegex}}},
		{Name: "is_direction", Call: r.isDirection, Routes: api.RequestRoute, Returns: "1 the direction matches, -1 not",
			Args: []api.Arg{{Name: "direction", Type: api.ArgStr, Fixup: r.directionFixup}}},
	}
}

// Direction is the fixed form of is_direction()'s argument.
type Direction int

const (
	Downstream Direction = iota
	Upstream
)

var directions = []string{"downstream", "upstream"}

// directionFixup needs append_fromtag: the direction is found from ftag.
func (r *RR) directionFixup(fc *api.FixupCtx, a *api.FixArg) error {
	if r.AppendFromtag == 0 {
		return fmt.Errorf(`is_direction() needs modparam("rr", "append_fromtag", 1)`)
	}
	switch strings.ToLower(strings.TrimSpace(a.Str)) {
	case "downstream":
		a.Fixed = Downstream
	case "upstream":
		a.Fixed = Upstream
	default:
		if h := diag.DidYouMean(a.Str, directions); h != "" {
			return fmt.Errorf("unknown direction %q (%s)", a.Str, h)
		}
		return fmt.Errorf("unknown direction %q (expected downstream or upstream)", a.Str)
	}
	return nil
}

var _ api.Module = (*RR)(nil)
