package auth

import (
	"gosips/api"
	"gosips/internal/digest"
)

// Funcs declares the auth script functions.
func (m *Module) Funcs() []api.Func {
	challenge := []api.Arg{
		{Name: "realm", Type: api.ArgStr},
		{Name: "qop", Type: api.ArgStr, Optional: true, Fixup: QopFixup},
		{Name: "algorithms", Type: api.ArgStr, Optional: true, Fixup: digest.AlgorithmsFixup},
	}
	return []api.Func{
		{Name: "www_challenge", Routes: api.RequestRoute, Args: challenge,
			Returns: "sends 401 with WWW-Authenticate and returns 0 (stops the script); -1 error",
			Call:    func(c *api.Ctx, args []any) api.Ret { return m.challenge(c, args, false) }},
		{Name: "proxy_challenge", Routes: api.RequestRoute, Args: challenge,
			Returns: "sends 407 with Proxy-Authenticate and returns 0 (stops the script); -1 error",
			Call:    func(c *api.Ctx, args []any) api.Ret { return m.challenge(c, args, true) }},
		{Name: "pv_www_authorize", Routes: api.RequestRoute,
			Args: []api.Arg{{Name: "realm", Type: api.ArgStr}},
			Returns: "1 authorized; -1 invalid user; -2 wrong password; -3 stale nonce; " +
				"-4 no credentials; -5 error",
			Call: func(c *api.Ctx, args []any) api.Ret { return m.pvAuthorize(c, args, false) }},
		{Name: "pv_proxy_authorize", Routes: api.RequestRoute,
			Args: []api.Arg{{Name: "realm", Type: api.ArgStr}},
			Returns: "1 authorized; -1 invalid user; -2 wrong password; -3 stale nonce; " +
				"-4 no credentials; -5 error",
			Call: func(c *api.Ctx, args []any) api.Ret { return m.pvAuthorize(c, args, true) }},
		{Name: "consume_credentials", Routes: api.RequestRoute,
			Returns: "1 the used credentials header was removed; -1 none", Call: m.consumeCredentials},
		{Name: "is_rpid_user_e164", Routes: api.RequestRoute,
			Returns: "1 the Remote-Party-ID user is an E.164 number; -1 not", Call: m.isRPIDUserE164},
		{Name: "append_rpid_hf", Routes: api.RequestRoute | api.BranchRoute | api.FailureRoute,
			Args: []api.Arg{{Name: "prefix", Type: api.ArgStr, Optional: true},
				{Name: "suffix", Type: api.ArgStr, Optional: true}},
			Returns: "1 Remote-Party-ID appended; -1 no rpid AVP or error", Call: m.appendRPIDHF},
	}
}

// QopFixup parses the qop argument into a Qop. The ≤2.4 "0"/"1" strings
// are accepted with a legacy warning.
func QopFixup(fc *api.FixupCtx, a *api.FixArg) error {
	switch a.Str {
	case "0":
		if fc.Legacy != nil {
			fc.Legacy(`qop "0" (no qop) is the pre-3.1 form`, `omit the qop argument`)
		}
		a.Fixed = QopNone
		return nil
	case "1":
		if fc.Legacy != nil {
			fc.Legacy(`qop "1" is the pre-3.1 form`, `"auth"`)
		}
		a.Fixed = QopAuth
		return nil
	}
	q, err := digest.ParseQop(a.Str)
	if err != nil {
		return err
	}
	a.Fixed = q
	return nil
}
