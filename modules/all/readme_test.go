package all

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"gosips/api"
	"gosips/pv"
)

var updateREADMEs = flag.Bool("update-readmes", false, "rewrite the generated export tables of modules/*/README.md")

const (
	exportsBegin = "<!-- exports: generated from the export tables by `go test ./modules/all -run TestModuleREADMEs -update-readmes`; do not edit -->"
	exportsEnd   = "<!-- end of exports -->"
)

// routeLetters abbreviates a route set as the README legend does.
func routeLetters(r api.RouteType) string {
	if r == api.AllRoutes {
		return "ALL"
	}
	var b strings.Builder
	for i, l := range "RFOBELSTV" {
		if r&(1<<i) != 0 {
			b.WriteRune(l)
		}
	}
	return b.String()
}

// argSig renders one argument: name:type, type I, S, V or RE; S! static,
// S~ not expanded; [ ] optional.
func argSig(a api.Arg) string {
	t := map[api.ArgType]string{api.ArgInt: "I", api.ArgStr: "S", api.ArgVar: "V", api.ArgRegex: "RE"}[a.Type]
	switch {
	case a.Static:
		t += "!"
	case a.NoExpand:
		t += "~"
	}
	s := a.Name + ":" + t
	if a.Optional {
		s = "[" + s + "]"
	}
	return s
}

func cell(s string) string {
	s = strings.ReplaceAll(s, "|", `\|`)
	return strings.ReplaceAll(s, "\n", " ")
}

// exportsSection renders a module's functions, parameters, MI commands and
// variables as they are declared.
func exportsSection(name string, inst api.Module) string {
	var b strings.Builder
	b.WriteString(exportsBegin + "\n\n## Exports\n")
	var fs []api.Func
	for _, f := range inst.Funcs() {
		if f.Legacy == "" {
			fs = append(fs, f)
		}
	}
	if len(fs) > 0 {
		b.WriteString("\n### Functions\n\nArguments: `I` integer, `S` string (format), `S!` static string, `S~` not expanded, " +
			"`V` variable, `RE` regex; `[ ]` optional. Routes: R request, F failure, O onreply, B branch, E error, " +
			"L local, S startup, T timer, V event. Not implemented: `run` refuses the function.\n\n" +
			"| Function | Routes | Returns |\n|---|---|---|\n")
		for _, f := range fs {
			args := make([]string, len(f.Args))
			for i, a := range f.Args {
				args[i] = argSig(a)
			}
			ret := f.Returns
			if f.Call == nil {
				ret = "not implemented"
			}
			fmt.Fprintf(&b, "| `%s(%s)` | %s | %s |\n", f.Name, strings.Join(args, ", "), routeLetters(f.Routes), cell(ret))
		}
	}
	var legacy []api.Func
	for _, f := range inst.Funcs() {
		if f.Legacy != "" {
			legacy = append(legacy, f)
		}
	}
	if len(legacy) > 0 {
		b.WriteString("\n### Old functions\n\nAccepted with a legacy warning.\n\n| Function | Use instead |\n|---|---|\n")
		for _, f := range legacy {
			use := f.Legacy
			if f.Call == nil {
				use += " (not implemented)"
			}
			fmt.Fprintf(&b, "| `%s()` | %s |\n", f.Name, cell(use))
		}
	}
	var ps []api.Param
	for _, p := range inst.Params() {
		if p.Legacy == "" {
			ps = append(ps, p)
		}
	}
	if len(ps) > 0 {
		withDef := false
		for _, p := range ps {
			withDef = withDef || p.Default != ""
		}
		if withDef {
			b.WriteString("\n### Parameters\n\n| Parameter | Type | Default | Note |\n|---|---|---|---|\n")
		} else {
			b.WriteString("\n### Parameters\n\n| Parameter | Type | Note |\n|---|---|---|\n")
		}
		for _, p := range ps {
			note := ""
			switch {
			case p.Ignored != "":
				note = "ignored: " + p.Ignored
			case p.Deprecated != "":
				note = "deprecated: " + p.Deprecated
			case p.Multi:
				note = "may be repeated"
			}
			def := ""
			if p.Default != "" {
				def = "`" + p.Default + "`"
			}
			if withDef {
				fmt.Fprintf(&b, "| `%s` | %s | %s | %s |\n", p.Name, p.Type, cell(def), cell(note))
			} else {
				fmt.Fprintf(&b, "| `%s` | %s | %s |\n", p.Name, p.Type, cell(note))
			}
		}
	}
	if mi, ok := inst.(api.MIExporter); ok && len(mi.MICommands()) > 0 {
		b.WriteString("\n### MI commands\n\n| Command | Parameters | Note |\n|---|---|---|\n")
		for _, c := range mi.MICommands() {
			var recipes []string
			for _, r := range c.Recipes {
				if len(r) == 0 {
					recipes = append(recipes, "none")
				} else {
					recipes = append(recipes, strings.Join(r, ", "))
				}
			}
			note := c.Help
			if c.Handler == nil {
				note = "not implemented"
			}
			if len(c.Aliases) > 0 {
				note = strings.TrimSpace(note + " (also `" + strings.Join(c.Aliases, "`, `") + "`)")
			}
			fmt.Fprintf(&b, "| `%s` | %s | %s |\n", c.Name, cell(strings.Join(recipes, "; ")), cell(note))
		}
	}
	var defs []pv.Def
	if ex, ok := inst.(pv.Exporter); ok {
		defs = append(defs, ex.PVs()...)
	}
	have := map[string]bool{}
	for _, d := range defs {
		have[d.Name] = true
	}
	for _, d := range pv.CoreDefs() {
		if d.Module == name && !have[d.Name] {
			defs = append(defs, d)
		}
	}
	sort.Slice(defs, func(i, j int) bool { return defs[i].Name < defs[j].Name })
	if len(defs) > 0 {
		b.WriteString("\n### Variables\n\n| Variable | Access | Description |\n|---|---|---|\n")
		for _, d := range defs {
			if d.Legacy != "" {
				continue
			}
			access := "read"
			switch {
			case d.Get == nil:
				access = "not implemented"
			case d.Set != nil || d.Writable:
				access = "read/write"
			}
			v := "$" + d.Name
			switch d.Inner {
			case pv.NeedInner:
				v += "(name)"
			case pv.OptInner:
				v += "[(name)]"
			}
			fmt.Fprintf(&b, "| `%s` | %s | %s |\n", v, access, cell(d.Doc))
		}
	}
	b.WriteString("\n" + exportsEnd + "\n")
	return b.String()
}

// withExports replaces the generated section of a README, or adds it
// after the first paragraph group (before the second "## " heading's
// predecessor: at the end when there is none).
func withExports(readme, section string) string {
	if i := strings.Index(readme, exportsBegin); i >= 0 {
		if j := strings.Index(readme[i:], exportsEnd); j >= 0 {
			end := i + j + len(exportsEnd)
			if end < len(readme) && readme[end] == '\n' {
				end++
			}
			return readme[:i] + section + readme[end:]
		}
	}
	return strings.TrimRight(readme, "\n") + "\n\n" + section
}

// TestModuleREADMEs keeps each module README's export tables equal to the
// module's declarations; rerun with -update-readmes after changing them.
func TestModuleREADMEs(t *testing.T) {
	reg := api.Default()
	for _, name := range reg.Names() {
		info, _ := reg.Lookup(name)
		path := filepath.Join("..", name, "README.md")
		b, err := os.ReadFile(path)
		if err != nil {
			t.Errorf("module %s has no README: %v", name, err)
			continue
		}
		want := withExports(string(b), exportsSection(name, info.New()))
		if want == string(b) {
			continue
		}
		if *updateREADMEs {
			if err := os.WriteFile(path, []byte(want), 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		t.Errorf("%s: export tables differ from the declarations; run go test ./modules/all -run TestModuleREADMEs -update-readmes", path)
	}
}
