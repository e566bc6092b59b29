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
		{Name: "search", Call: search(false), Routes: rofbl, Returns: "1 found, -1 not", Args: []api.Arg{re}},
		{Name: "search_body", Call: search(true), Routes: rofbl, Returns: "1 found, -1 not", Args: []api.Arg{re}},
	}
	edit := func(name string, call func(*api.Ctx, []any) api.Ret) api.Func {
		return api.Func{Name: name, Call: call, Routes: rofbl, Returns: "1 changed, -1 no match or error", Args: []api.Arg{re, txt}}
	}
	return append(fs,
		edit("search_append", searchAppend(false)),
		edit("search_append_body", searchAppend(true)),
		edit("replace", replace(false, false)),
		edit("replace_body", replace(true, false)),
		edit("replace_all", replace(false, true)),
		edit("replace_body_all", replace(true, true)),
		// The regex already spans lines when it needs to; at once or match
		// by match gives the same edits.
		edit("replace_body_atonce", replace(true, true)),
		api.Func{Name: "subst", Call: t.subst(false), Routes: rofbl, Returns: "1 changed, -1 no match or error", Args: []api.Arg{subst}},
		api.Func{Name: "subst_uri", Call: t.substURI, Routes: rofb, Returns: "1 changed, -1 no match or error", Args: []api.Arg{subst}},
		api.Func{Name: "subst_user", Call: t.substUser, Routes: rofb, Returns: "1 changed, -1 no match or error", Args: []api.Arg{subst}},
		api.Func{Name: "subst_body", Call: t.subst(true), Routes: rofbl, Returns: "1 changed, -1 no match or error", Args: []api.Arg{subst}},
	)
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
