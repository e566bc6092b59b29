package port

import (
	"fmt"
	"regexp"
	"sort"
	"strings"

	"gosips/lang/diag"
	"gosips/runtime/legacy"
)

var (
	unknownModRe = regexp.MustCompile(`^unknown module "([^"]+)"`)
	unknownCall  = regexp.MustCompile(`^unknown function ([A-Za-z_][A-Za-z0-9_]*)\(\)`)
)

// neverModule returns the module gosips will not provide that a
// diagnostic is about, or "".
func neverModule(d *diag.Diagnostic) string {
	var mod string
	switch d.Code {
	case diag.CodeUnknownModule:
		if m := unknownModRe.FindStringSubmatch(d.Msg); m != nil {
			mod = m[1]
		}
	case diag.CodeModparamModule:
		if m := mpModRe.FindStringSubmatch(d.Msg); m != nil {
			mod = strings.ToLower(m[1])
		}
	case diag.CodeUnknownFunction:
		if m := unknownCall.FindStringSubmatch(d.Msg); m != nil {
			f := legacy.Func(m[1])
			switch {
			case f.Owner != "":
				mod = f.Owner
			case f.Last != nil:
				mod = f.Last.Module
			}
		}
	}
	if r, ok := legacy.ModuleRules[mod]; ok && r.Never {
		return mod
	}
	return ""
}

// neverGroup gathers what a module gosips will not provide left behind.
type neverGroup struct {
	first  *diag.Diagnostic
	params int
	calls  []string
	loaded bool
}

// groupNever takes the diagnostics about modules gosips will not provide
// out of diags, and returns one finding per module (H7), each to be marked
// at the returned diagnostic's position.
func groupNever(diags diag.List) (rest diag.List, marks []*diag.Diagnostic) {
	groups := map[string]*neverGroup{}
	var order []string
	for _, d := range diags {
		mod := neverModule(d)
		if mod == "" {
			rest = append(rest, d)
			continue
		}
		g := groups[mod]
		if g == nil {
			g = &neverGroup{first: d}
			groups[mod] = g
			order = append(order, mod)
		}
		switch d.Code {
		case diag.CodeUnknownModule:
			g.loaded = true
			g.first = d
		case diag.CodeModparamModule:
			g.params++
		case diag.CodeUnknownFunction:
			if m := unknownCall.FindStringSubmatch(d.Msg); m != nil && !contains(g.calls, m[1]+"()") {
				g.calls = append(g.calls, m[1]+"()")
			}
		}
	}
	sort.Strings(order)
	for _, mod := range order {
		g := groups[mod]
		r := legacy.ModuleRules[mod]
		var todo []string
		if g.loaded {
			todo = append(todo, "its loadmodule line")
		}
		if g.params > 0 {
			todo = append(todo, plural(g.params, "modparam"))
		}
		if len(g.calls) > 0 {
			todo = append(todo, "the calls to "+strings.Join(g.calls, ", "))
		}
		msg := fmt.Sprintf("gosips will not provide module %q: %s; by hand: replace %s with %s",
			mod, r.Reason, strings.Join(todo, ", "), r.Replacement)
		marks = append(marks, &diag.Diagnostic{Pos: g.first.Pos, Severity: diag.Error, Code: "never-module", Msg: msg})
	}
	return rest, marks
}

func plural(n int, what string) string {
	if n == 1 {
		return "1 " + what
	}
	return fmt.Sprintf("%d %ss", n, what)
}
