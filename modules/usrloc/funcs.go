package usrloc

import (
	"fmt"

	"gosips/api"
)

// Funcs declares the AOR key-value helpers (the only script functions of
// usrloc in 3.x; save/lookup belong to registrar).
func (m *Module) Funcs() []api.Func {
	domain := api.Arg{Name: "domain", Type: api.ArgStr, Static: true, Fixup: m.DomainFixup}
	return []api.Func{
		{Name: "ul_add_key", Routes: api.AllRoutes,
			Args: []api.Arg{domain, {Name: "aor", Type: api.ArgStr}, {Name: "key", Type: api.ArgStr},
				{Name: "value", Type: api.ArgStr, Optional: true}},
			Returns: "1 stored (or deleted without value); -1 AOR not found or error"},
		{Name: "ul_get_key", Routes: api.AllRoutes,
			Args: []api.Arg{domain, {Name: "aor", Type: api.ArgStr}, {Name: "key", Type: api.ArgStr},
				{Name: "out", Type: api.ArgVar, Writable: true}},
			Returns: "1 found (value written to out); -1 AOR or key not found"},
		{Name: "ul_del_key", Routes: api.AllRoutes,
			Args:    []api.Arg{domain, {Name: "aor", Type: api.ArgStr}, {Name: "key", Type: api.ArgStr}},
			Returns: "1 deleted; -1 AOR not found or error"},
	}
}

// DomainFixup turns a table name ("location") into its *Domain. It is
// shared with registrar, whose functions take the same first argument.
func (m *Module) DomainFixup(_ *api.FixupCtx, a *api.FixArg) error {
	if a.Str == "" {
		return fmt.Errorf("empty table name (e.g. \"location\")")
	}
	a.Fixed = m.RegisterDomain(a.Str)
	return nil
}
