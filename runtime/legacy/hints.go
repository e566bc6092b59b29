package legacy

import (
	"fmt"
	"sort"
	"strings"
)

// Have reports whether gosips provides a module.
type Have func(module string) bool

// since returns the release index a rule took effect in: its Since, or
// the release after the module (or function) was last exported.
func since(explicit string, last int) int {
	if i := ReleaseIndex(explicit); i >= 0 {
		return i
	}
	if last >= 0 && last < Latest {
		return last + 1
	}
	return -1
}

// Module describes what became of a module gosips does not know.
type ModuleFate struct {
	Name string
	Rule ModuleRule
	// Known is set when the module is in the history or the rules.
	Known bool
	// Current is set when OpenSIPS still has it under this name.
	Current bool
	// Since is the release of the change (rename, removal), -1 if none.
	Since int
}

// Module returns the fate of an OpenSER / OpenSIPS module name.
func Module(name string) ModuleFate {
	f := ModuleFate{Name: name, Since: -1}
	rule, ruled := ModuleRules[name]
	first, last, inHist := ModuleSpan(name)
	_ = first
	f.Rule, f.Known = rule, ruled || inHist
	f.Current = inHist && last == Latest
	if !inHist {
		last = -1
	}
	if ruled || !f.Current {
		f.Since = since(rule.Since, last)
	}
	return f
}

// Renamed returns the modern name of a module that was only renamed,
// following chains (uri_db → uri is not one: uri was split later).
func Renamed(name string) (string, bool) {
	out, ok := "", false
	for i := 0; i < 4; i++ {
		r, found := ModuleRules[name]
		if !found || r.RenamedTo == "" {
			break
		}
		name, out, ok = r.RenamedTo, r.RenamedTo, true
	}
	return out, ok
}

// ModuleHint explains an unknown module: the message tail and a hint.
func ModuleHint(name string, have Have) (msg, hint string) {
	f := Module(name)
	r := f.Rule
	in := ""
	if f.Since >= 0 {
		in = " in " + release(f.Since)
	}
	switch {
	case r.RenamedTo != "":
		to, _ := Renamed(name)
		if have(to) {
			return fmt.Sprintf("module %q was renamed %q%s", name, to, in), fmt.Sprintf(`loadmodule "%s.so"`, to)
		}
		if mf := Module(to); len(mf.Rule.Split) > 0 {
			return fmt.Sprintf("module %q became %q%s, which was split later", name, to, in), mf.Rule.Replacement
		}
		return fmt.Sprintf("module %q was renamed %q%s, which gosips does not provide", name, to, in), r.Replacement
	case len(r.Split) > 0:
		return fmt.Sprintf("module %q was removed%s: its functions moved to %s", name, in, strings.Join(r.Split, " and ")), r.Replacement
	case r.Core:
		return fmt.Sprintf("module %q no longer exists%s: %s", name, in, r.Replacement), "remove the loadmodule line"
	case r.Never:
		return fmt.Sprintf("gosips will not provide module %q: %s", name, r.Reason), "use " + r.Replacement
	case f.Current:
		return fmt.Sprintf("gosips does not provide OpenSIPS module %q yet", name), ""
	case f.Known:
		return fmt.Sprintf("module %q was removed from OpenSIPS%s", name, in), ""
	}
	return "", ""
}

// FuncFate describes what became of a function name.
type FuncFate struct {
	Name string
	Rule *FuncRule
	// Owner is the module exporting it in the latest release ("" if none).
	Owner string
	Move  *Move
	// Last is the last row of a function no release exports any more.
	Last *Export
}

// Func returns the fate of a function name.
func Func(name string) FuncFate {
	f := FuncFate{Name: name}
	if r, ok := FuncRules[name]; ok {
		r.Old = name
		f.Rule = &r
	}
	f.Owner, _ = Owner(name)
	if m, ok := Moved(name); ok {
		f.Move = &m
	}
	if e, ok := Removed(name); ok {
		f.Last = e
	}
	return f
}

// FuncHint explains a call to a function gosips does not know, or whose
// module is not loaded: the message tail and a hint. ok is false when the
// history knows nothing about the name.
func FuncHint(name string, have Have) (msg, hint string, ok bool) {
	f := Func(name)
	load := func(mod string) string {
		if have(mod) {
			return fmt.Sprintf(`add loadmodule "%s.so"`, mod)
		}
		return fmt.Sprintf("module %s: %s", mod, notProvided(mod))
	}
	switch {
	case f.Rule != nil && f.Rule.New != "":
		r := f.Rule
		in := ""
		if i := ReleaseIndex(r.Since); i >= 0 {
			in = " in " + release(i)
		}
		h := "use " + r.New + "(" + strings.Join(argsText(r.Args), ", ") + ")"
		if r.Args == nil {
			h = "use " + r.New + "() with the same arguments"
		}
		if r.NewModule != "" {
			h += "; " + load(r.NewModule)
		}
		return fmt.Sprintf("replaced by %s() of %s%s", r.New, r.NewModule, in), h + `; "gosips port" rewrites it`, true
	case f.Rule != nil:
		return "removed from OpenSIPS", "use " + f.Rule.Replacement, true
	case f.Move != nil:
		return fmt.Sprintf("moved from %s to %s in %s", f.Move.From, f.Move.To, release(f.Move.Since)), load(f.Move.To), true
	case f.Owner != "":
		return fmt.Sprintf("it belongs to OpenSIPS module %s", f.Owner), load(f.Owner), true
	case f.Last != nil:
		msg := fmt.Sprintf("removed from OpenSIPS after %s (module %s)", release(f.Last.Last), f.Last.Module)
		_, h := ModuleHint(f.Last.Module, have)
		return msg, h, true
	}
	return "", "", false
}

// notProvided words why gosips lacks a module.
func notProvided(mod string) string {
	if r, ok := ModuleRules[mod]; ok && r.Never {
		return "gosips will not provide it (" + r.Reason + "); use " + r.Replacement
	}
	return "gosips does not provide it yet"
}

// argsText renders a rule's argument template for a hint.
func argsText(args []string) []string {
	out := make([]string, len(args))
	for i, a := range args {
		alts := strings.Split(a, "|")
		last := alts[len(alts)-1]
		switch {
		case strings.HasPrefix(a, "%"):
			out[i] = "arg " + strings.TrimPrefix(alts[0], "%")
		case strings.HasPrefix(last, "@"):
			out[i] = "..."
		default:
			out[i] = last
		}
	}
	return out
}

// ParamHint explains a module parameter the module no longer has.
func ParamHint(module, param string) (msg string, ok bool) {
	rows := ParamRows(module, param)
	if len(rows) == 0 {
		return "", false
	}
	last := rows[0]
	for _, r := range rows {
		if r.Last > last.Last {
			last = r
		}
	}
	if last.Current() {
		return "", false
	}
	if r, ok := ParamFate(module, param); ok {
		if r.NewParam != "" {
			return fmt.Sprintf("moved to modparam(%q, %q, ...) in %s", r.NewModule, r.NewParam, r.Since), true
		}
		return fmt.Sprintf("removed in %s: %s", r.Since, r.Note), true
	}
	for _, ff := range FlagFeatures {
		if ff.Module == module && ff.Param == param {
			return fmt.Sprintf("removed after %s: call %s() where the flag is set", release(last.Last), ff.Call), true
		}
	}
	return fmt.Sprintf("removed from OpenSIPS after %s", release(last.Last)), true
}

// NeverModules lists the modules gosips will not provide, sorted.
func NeverModules() []string {
	var out []string
	for n, r := range ModuleRules {
		if r.Never {
			out = append(out, n)
		}
	}
	sort.Strings(out)
	return out
}
