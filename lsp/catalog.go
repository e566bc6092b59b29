package lsp

import (
	"fmt"
	"sort"
	"strings"

	"gosips/api"
	"gosips/pv"
)

// catalog is what the module export tables say, indexed for hover and
// completion; it is built once from the registry.
type catalog struct {
	modules map[string]*api.ModuleInfo
	names   []string               // module names, sorted
	funcs   map[string][]modFunc   // function name → its exporters
	params  map[string][]api.Param // module → parameters
	pvs     map[string]pvDef       // PV name → definition
	pvNames []string
}

type modFunc struct {
	module string
	fn     api.Func
}

type pvDef struct {
	module string
	def    pv.Def
}

func newCatalog(reg *api.Registry) *catalog {
	c := &catalog{modules: map[string]*api.ModuleInfo{}, funcs: map[string][]modFunc{},
		params: map[string][]api.Param{}, pvs: map[string]pvDef{}}
	addPVs := func(module string, defs []pv.Def) {
		for _, d := range defs {
			if _, ok := c.pvs[d.Name]; !ok {
				c.pvs[d.Name] = pvDef{module: module, def: d}
				c.pvNames = append(c.pvNames, d.Name)
			}
		}
	}
	addPVs("", pv.CoreDefs())
	for _, name := range reg.Names() {
		info, _ := reg.Lookup(name)
		c.modules[name] = info
		c.names = append(c.names, name)
		m := info.New()
		for _, f := range m.Funcs() {
			c.funcs[f.Name] = append(c.funcs[f.Name], modFunc{module: name, fn: f})
		}
		c.params[name] = m.Params()
		if ex, ok := m.(pv.Exporter); ok {
			addPVs(name, ex.PVs())
		}
	}
	sort.Strings(c.names)
	sort.Strings(c.pvNames)
	return c
}

// funcDoc documents a module function in markdown.
func funcDoc(mf modFunc) string {
	var b strings.Builder
	fmt.Fprintf(&b, "```\n%s(%s)\n```\n", mf.fn.Name, argList(mf.fn.Args))
	module := mf.module
	if module == "core" || module == "" {
		module = "core"
	}
	fmt.Fprintf(&b, "module **%s**", module)
	if mf.fn.Call == nil {
		b.WriteString(" — not implemented in gosips yet")
	}
	b.WriteString("\n\n")
	if len(mf.fn.Args) > 0 {
		b.WriteString("arguments:\n")
		for _, a := range mf.fn.Args {
			opt := ""
			if a.Optional {
				opt = ", optional"
			}
			fmt.Fprintf(&b, "- `%s`: %s%s\n", a.Name, argType(a.Type), opt)
		}
		b.WriteString("\n")
	}
	fmt.Fprintf(&b, "routes: %s\n", routeTypes(mf.fn.Routes))
	if mf.fn.Returns != "" {
		fmt.Fprintf(&b, "\nreturns: %s\n", mf.fn.Returns)
	}
	if mf.fn.Legacy != "" {
		fmt.Fprintf(&b, "\nlegacy: use %s\n", mf.fn.Legacy)
	}
	return b.String()
}

func argList(args []api.Arg) string {
	var parts []string
	for _, a := range args {
		n := a.Name
		if n == "" {
			n = argType(a.Type)
		}
		if a.Optional {
			n = "[" + n + "]"
		}
		parts = append(parts, n)
	}
	return strings.Join(parts, ", ")
}

func argType(t api.ArgType) string {
	switch t {
	case api.ArgInt:
		return "integer"
	case api.ArgStr:
		return "string"
	case api.ArgVar:
		return "variable"
	case api.ArgRegex:
		return "regex"
	}
	return "value"
}

// routeTypes lists the route kinds a function may be called from.
func routeTypes(rt api.RouteType) string {
	if rt == 0 || rt == api.AllRoutes {
		return "all"
	}
	return rt.String()
}

func paramDoc(module string, p api.Param) string {
	var b strings.Builder
	fmt.Fprintf(&b, "```\nmodparam(\"%s\", \"%s\", %s)\n```\n", module, p.Name, p.Type)
	if p.Default != "" {
		fmt.Fprintf(&b, "default: `%s`\n\n", p.Default)
	}
	if p.Multi {
		b.WriteString("may be set several times\n\n")
	}
	if p.Ignored != "" {
		fmt.Fprintf(&b, "accepted but not implemented: %s\n\n", p.Ignored)
	}
	if p.Deprecated != "" {
		fmt.Fprintf(&b, "deprecated: %s\n\n", p.Deprecated)
	}
	if p.Legacy != "" {
		fmt.Fprintf(&b, "legacy: use %s\n\n", p.Legacy)
	}
	return strings.TrimSpace(b.String())
}

func pvDoc(d pvDef) string {
	var b strings.Builder
	fmt.Fprintf(&b, "`$%s`", d.def.Name)
	if d.def.Doc != "" {
		fmt.Fprintf(&b, " — %s", d.def.Doc)
	}
	b.WriteString("\n\n")
	module := d.module
	if module == "" {
		module = "core"
	}
	access := "read-only"
	if d.def.Writable {
		access = "writable"
	}
	fmt.Fprintf(&b, "module **%s**, %s", module, access)
	if d.def.Get == nil {
		b.WriteString(", not implemented in gosips yet")
	}
	if d.def.Legacy != "" {
		fmt.Fprintf(&b, "\n\nlegacy: use %s", d.def.Legacy)
	}
	return b.String()
}

func moduleDoc(info *api.ModuleInfo) string {
	doc := "module **" + info.Name + "**"
	if info.Doc != "" {
		doc += " — " + info.Doc
	}
	return doc
}
