package textops

import (
	"errors"
	"fmt"

	"gosips/api"
	"gosips/pv"
)

const (
	rofbl = api.RequestRoute | api.OnReplyRoute | api.FailureRoute | api.BranchRoute | api.LocalRoute
	rofb  = api.RequestRoute | api.OnReplyRoute | api.FailureRoute | api.BranchRoute
)

// Funcs lists textops' script functions (OpenSIPS 3.6 textops.c). The
// functions textops had before 1.8 live in sipmsgops.
func (t *TextOps) Funcs() []api.Func {
	re := api.Arg{Name: "regex", Type: api.ArgRegex}
	txt := api.Arg{Name: "text", Type: api.ArgStr}
	subst := api.Arg{Name: "expression", Type: api.ArgStr, NoExpand: true, Fixup: substFixup}
	fs := []api.Func{
		{Name: "search", Routes: rofbl, Returns: "1 found, -1 not", Args: []api.Arg{re}},
		{Name: "search_body", Routes: rofbl, Returns: "1 found, -1 not", Args: []api.Arg{re}},
	}
	for _, n := range []string{"search_append", "search_append_body", "replace", "replace_body",
		"replace_all", "replace_body_all", "replace_body_atonce"} {
		fs = append(fs, api.Func{Name: n, Routes: rofbl, Returns: "1 changed, -1 no match or error", Args: []api.Arg{re, txt}})
	}
	return t.bind(append(fs,
		api.Func{Name: "subst", Routes: rofbl, Returns: "1 changed, -1 no match or error", Args: []api.Arg{subst}},
		api.Func{Name: "subst_uri", Routes: rofb, Returns: "1 changed, -1 no match or error", Args: []api.Arg{subst}},
		api.Func{Name: "subst_user", Routes: rofb, Returns: "1 changed, -1 no match or error", Args: []api.Arg{subst}},
		api.Func{Name: "subst_body", Routes: rofbl, Returns: "1 changed, -1 no match or error", Args: []api.Arg{subst}},
	))
}

var errNoTable = errors.New("variables in a replacement need the script's variable table")

// substFixup compiles a sed-like "/re/replacement/flags" expression.
func substFixup(fc *api.FixupCtx, a *api.FixArg) error {
	se, err := pv.ParseSubst(a.Str)
	if err != nil {
		return fmt.Errorf("bad subst expression %q: %w", a.Str, err)
	}
	a.Fixed = se
	return nil
}
