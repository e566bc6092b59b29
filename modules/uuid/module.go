// Package uuid generates RFC 4122 / RFC 9562 UUIDs: the $uuid variable and
// the uuid() function.
package uuid

import (
	"fmt"

	guuid "github.com/google/uuid"

	"gosips/api"
	"gosips/pv"
)

func init() {
	api.Register(api.ModuleInfo{Name: "uuid", Doc: "UUID generation", New: func() api.Module { return &UUID{} }})
}

// UUID is one instance of the uuid module; it has no state.
type UUID struct{}

// Params: the module exports none.
func (*UUID) Params() []api.Param { return nil }

// Funcs lists uuid's script functions (OpenSIPS 3.6 uuid.c).
func (u *UUID) Funcs() []api.Func {
	return []api.Func{{
		Name:   "uuid",
		Routes: api.AllRoutes,
		Args: []api.Arg{
			{Name: "out_var", Type: api.ArgVar, Writable: true},
			{Name: "version", Type: api.ArgInt, Optional: true},
			{Name: "namespace", Type: api.ArgStr, Optional: true},
			{Name: "name", Type: api.ArgStr, Optional: true},
		},
		Returns: "1 generated, 2 version 1 generated without time synchronisation, -1 error",
		Call:    u.call,
	}}
}

// PVs: $uuid is a fresh version 4 UUID on every read.
func (*UUID) PVs() []pv.Def {
	return []pv.Def{{Name: "uuid", Module: "uuid", Doc: "a new random (version 4) UUID",
		Get: func(*api.Ctx, *pv.Spec) (api.Value, error) { return api.StrValue(guuid.NewString()), nil }}}
}

func (u *UUID) call(c *api.Ctx, args []any) api.Ret {
	out := args[0].(api.PVRef)
	version := int64(0)
	if args[1] != nil {
		version = args[1].(int64)
	}
	var ns, name *string
	if args[2] != nil {
		s := args[2].(string)
		ns = &s
	}
	if args[3] != nil {
		s := args[3].(string)
		name = &s
	}
	id, err := Generate(int(version), ns, name)
	if err != nil {
		c.Log.Error("uuid: cannot generate", "version", version, "err", err)
		return api.RetFalse
	}
	if err := out.Set(c, api.StrValue(id.String())); err != nil {
		c.Log.Error("uuid: cannot set output variable", "var", out.Name(), "err", err)
		return api.RetFalse
	}
	return api.RetTrue
}

// Generate makes a UUID of the given version as OpenSIPS does: 0 (and any
// unsupported version, 2 included) is a random one; 3 and 5 need a
// namespace UUID and a name.
func Generate(version int, ns, name *string) (guuid.UUID, error) {
	switch version {
	case 1:
		return guuid.NewUUID()
	case 3, 5:
		if ns == nil {
			return guuid.Nil, fmt.Errorf("namespace required for UUID version %d", version)
		}
		if name == nil {
			return guuid.Nil, fmt.Errorf("name required for UUID version %d", version)
		}
		space, err := guuid.Parse(*ns)
		if err != nil {
			return guuid.Nil, fmt.Errorf("invalid namespace UUID %q: %w", *ns, err)
		}
		if version == 3 {
			return guuid.NewMD5(space, []byte(*name)), nil
		}
		return guuid.NewSHA1(space, []byte(*name)), nil
	case 7:
		return guuid.NewV7()
	default:
		return guuid.NewRandom()
	}
}

var (
	_ api.Module  = (*UUID)(nil)
	_ pv.Exporter = (*UUID)(nil)
)
