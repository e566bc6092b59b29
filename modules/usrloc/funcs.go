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
			Returns: "1 stored (or deleted without value); -1 AOR not found or error", Call: m.addKey},
		{Name: "ul_get_key", Routes: api.AllRoutes,
			Args: []api.Arg{domain, {Name: "aor", Type: api.ArgStr}, {Name: "key", Type: api.ArgStr},
				{Name: "out", Type: api.ArgVar, Writable: true}},
			Returns: "1 found (value written to out); -1 AOR or key not found", Call: m.getKey},
		{Name: "ul_del_key", Routes: api.AllRoutes,
			Args:    []api.Arg{domain, {Name: "aor", Type: api.ArgStr}, {Name: "key", Type: api.ArgStr}},
			Returns: "1 deleted; -1 AOR not found or error", Call: m.delKey},
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

// withRecord runs fn on the AOR's record with its bucket locked.
func withRecord(c *api.Ctx, args []any, fn func(r *Record) api.Ret) api.Ret {
	d, ok := args[0].(*Domain)
	aor, _ := args[1].(string)
	if !ok || aor == "" {
		return api.RetFalse
	}
	d.Lock(aor)
	defer d.Unlock(aor)
	r, found, err := d.Get(c.Context, aor)
	if err != nil || !found {
		return api.RetFalse
	}
	return fn(r)
}

func (m *Module) addKey(c *api.Ctx, args []any) api.Ret {
	key, _ := args[2].(string)
	return withRecord(c, args, func(r *Record) api.Ret {
		if args[3] == nil {
			delete(r.KV, key)
			return api.RetTrue
		}
		if r.KV == nil {
			r.KV = map[string]string{}
		}
		r.KV[key], _ = args[3].(string)
		return api.RetTrue
	})
}

func (m *Module) getKey(c *api.Ctx, args []any) api.Ret {
	key, _ := args[2].(string)
	out, _ := args[3].(api.PVRef)
	return withRecord(c, args, func(r *Record) api.Ret {
		v, ok := r.KV[key]
		if !ok || out == nil {
			return api.RetFalse
		}
		if err := out.Set(c, api.StrValue(v)); err != nil {
			return api.RetFalse
		}
		return api.RetTrue
	})
}

func (m *Module) delKey(c *api.Ctx, args []any) api.Ret {
	key, _ := args[2].(string)
	return withRecord(c, args, func(r *Record) api.Ret {
		delete(r.KV, key)
		return api.RetTrue
	})
}
