package sipmsgops

import "gosips/api"

// Short constructors for argument specs keep the function tables readable.

func argS(name string) api.Arg  { return api.Arg{Name: name, Type: api.ArgStr} }
func argSo(name string) api.Arg { return api.Arg{Name: name, Type: api.ArgStr, Optional: true} }
func argI(name string) api.Arg  { return api.Arg{Name: name, Type: api.ArgInt} }
func argIo(name string) api.Arg { return api.Arg{Name: name, Type: api.ArgInt, Optional: true} }
func argV(name string) api.Arg  { return api.Arg{Name: name, Type: api.ArgVar, Writable: true} }
func argVo(name string) api.Arg {
	return api.Arg{Name: name, Type: api.ArgVar, Writable: true, Optional: true}
}

// fix attaches a fixup to an argument spec.
func fix(a api.Arg, f func(*api.FixupCtx, *api.FixArg) error) api.Arg { a.Fixup = f; return a }

// static marks a string argument as a literal without "$".
func static(a api.Arg) api.Arg { a.Static = true; return a }

// noExpand marks a string argument as taken literally.
func noExpand(a api.Arg) api.Arg { a.NoExpand = true; return a }

// dynamic makes the fixup see variable arguments too.
func dynamic(a api.Arg) api.Arg  { a.FixupDynamic = true; return a }
func argRe(name string) api.Arg  { return api.Arg{Name: name, Type: api.ArgRegex} }
func argReo(name string) api.Arg { return api.Arg{Name: name, Type: api.ArgRegex, Optional: true} }
