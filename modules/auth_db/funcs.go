package authdb

import (
	"fmt"
	"strings"

	"gosips/api"
)

const authReturns = "1 authorized; -1 invalid user; -2 wrong password; -3 stale nonce; " +
	"-4 no credentials; -5 error (no reply sent)"

// Funcs declares the auth_db script functions, plus the zero-argument
// checks of the 1.x uri_db / 2.x uri modules kept for old configs.
func (m *Module) Funcs() []api.Func {
	table := api.Arg{Name: "table", Type: api.ArgStr, Fixup: m.tableFixup}
	str := func(a any) string { s, _ := a.(string); return s }
	return []api.Func{
		{Name: "www_authorize", Routes: api.RequestRoute,
			Args: []api.Arg{{Name: "realm", Type: api.ArgStr}, table}, Returns: authReturns,
			Call: func(c *api.Ctx, args []any) api.Ret { return m.authorize(c, args, false) }},
		{Name: "proxy_authorize", Routes: api.RequestRoute,
			Args: []api.Arg{{Name: "realm", Type: api.ArgStr}, table}, Returns: authReturns,
			Call: func(c *api.Ctx, args []any) api.Ret { return m.authorize(c, args, true) }},
		{Name: "db_does_uri_exist", Routes: api.RequestRoute | api.FailureRoute | api.LocalRoute,
			Args:    []api.Arg{{Name: "uri", Type: api.ArgStr}, table},
			Returns: "1 the URI is in the table; -1 not; -2 error", Call: m.doesURIExist},
		{Name: "db_is_to_authorized", Routes: api.RequestRoute,
			Args:    []api.Arg{table},
			Returns: "1 the To user is the authenticated user; -1 not",
			Call:    func(c *api.Ctx, args []any) api.Ret { return m.checkUser(c, str(args[0]), false) }},
		{Name: "db_is_from_authorized", Routes: api.RequestRoute,
			Args:    []api.Arg{table},
			Returns: "1 the From user is the authenticated user; -1 not",
			Call:    func(c *api.Ctx, args []any) api.Ret { return m.checkUser(c, str(args[0]), true) }},
		{Name: "db_get_auth_id", Routes: api.RequestRoute | api.FailureRoute | api.LocalRoute,
			Args: []api.Arg{table, {Name: "uri", Type: api.ArgStr},
				{Name: "auth_user", Type: api.ArgVar, Writable: true},
				{Name: "auth_realm", Type: api.ArgVar, Writable: true}},
			Returns: "1 found (user and realm written); -1 not found; -2 error", Call: m.getAuthID},

		{Name: "check_to", Legacy: `db_is_to_authorized("subscriber")`, Routes: api.RequestRoute,
			Returns: "1 the To user is the authenticated user; -1 not", Call: m.legacyCheck(false)},
		{Name: "check_from", Legacy: `db_is_from_authorized("subscriber")`, Routes: api.RequestRoute,
			Returns: "1 the From user is the authenticated user; -1 not", Call: m.legacyCheck(true)},
		{Name: "db_check_to", Legacy: `db_is_to_authorized("subscriber")`, Routes: api.RequestRoute,
			Returns: "1 the To user is the authenticated user; -1 not", Call: m.legacyCheck(false)},
		{Name: "db_check_from", Legacy: `db_is_from_authorized("subscriber")`, Routes: api.RequestRoute,
			Returns: "1 the From user is the authenticated user; -1 not", Call: m.legacyCheck(true)},
		{Name: "does_uri_exist", Legacy: `db_does_uri_exist($ru, "subscriber")`,
			Routes:  api.RequestRoute | api.FailureRoute | api.LocalRoute,
			Returns: "1 the R-URI is in the table; -1 not",
			Call: func(c *api.Ctx, _ []any) api.Ret {
				return m.doesURIExist(c, []any{c.RURI(), defaultTable})
			}},
	}
}

// defaultTable is the table of the legacy zero-argument checks.
const defaultTable = "subscriber"

// tableFixup checks a literal table name and records it for the version
// check at start.
func (m *Module) tableFixup(_ *api.FixupCtx, a *api.FixArg) error {
	t := strings.TrimSpace(a.Str)
	if t == "" {
		return fmt.Errorf("empty table name (e.g. \"subscriber\")")
	}
	a.Fixed = t
	m.add(t)
	return nil
}

func (m *Module) legacyCheck(from bool) func(c *api.Ctx, _ []any) api.Ret {
	return func(c *api.Ctx, _ []any) api.Ret { return m.checkUser(c, defaultTable, from) }
}
