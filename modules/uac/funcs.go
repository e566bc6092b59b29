package uac

import (
	"fmt"
	"strings"

	"gosips/api"
	"gosips/internal/digest"
)

// Funcs declares the uac script functions.
func (m *Module) Funcs() []api.Func {
	routes := api.RequestRoute | api.BranchRoute | api.FailureRoute
	replace := []api.Arg{
		{Name: "display", Type: api.ArgStr, Optional: true, Fixup: DisplayFixup},
		{Name: "uri", Type: api.ArgStr},
	}
	return []api.Func{
		{Name: "uac_replace_from", Routes: routes, Args: replace, Call: m.callReplace(false),
			Returns: "1 From replaced; -1 error"},
		{Name: "uac_restore_from", Routes: routes, Call: m.callRestore(false),
			Returns: "1 From restored; -1 nothing to restore or error"},
		{Name: "uac_replace_to", Routes: routes, Args: replace, Call: m.callReplace(true),
			Returns: "1 To replaced; -1 error"},
		{Name: "uac_restore_to", Routes: routes, Call: m.callRestore(true),
			Returns: "1 To restored; -1 nothing to restore or error"},
		{Name: "uac_auth", Routes: routes, Call: m.callAuth,
			Args:    []api.Arg{{Name: "algorithms", Type: api.ArgStr, Optional: true, Fixup: digest.AlgorithmsFixup}},
			Returns: "1 Authorization header added (CSeq incremented); -1 no credentials or error"},
		{Name: "uac_inc_cseq", Routes: routes, Call: m.callIncCSeq,
			Args:    []api.Arg{{Name: "n", Type: api.ArgInt}},
			Returns: "1 CSeq incremented; -1 error"},
	}
}

// DisplayFixup quotes a literal display name unless it is already quoted
// or a single token, as OpenSIPS does; the Fixed value is the header form.
func DisplayFixup(_ *api.FixupCtx, a *api.FixArg) error {
	s := a.Str
	switch {
	case s == "", len(s) >= 2 && s[0] == '"' && s[len(s)-1] == '"', isToken(s):
		// An empty display name removes it.

		a.Fixed = s
	default:
		if strings.ContainsAny(s, "\"\r\n") {
			return fmt.Errorf("display name %q contains a quote or line break", s)
		}
		a.Fixed = `"` + s + `"`
	}
	return nil
}

// isToken reports whether s is an RFC 3261 token.
func isToken(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' ||
			strings.IndexByte("-.!%*_+`'~", c) >= 0 {
			continue
		}
		return false
	}
	return true
}
