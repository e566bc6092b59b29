// Package legacy knows what became of OpenSER / OpenSIPS modules, functions
// and parameters from release to release, so that "gosips check" can say
// why an old config fails and "gosips port" can rewrite it.
//
// Two tables feed it. history.tsv is generated (./gen) from the module
// export tables of every release in the OpenSIPS git history: for each
// module function and parameter, its signature and the first and last
// release that exported it. From it the package derives when a module or a
// function disappeared and where a function moved (is_method: textops until
// 1.7, sipmsgops from 1.8). The hand-kept tables in rules.go add what the
// export tables cannot show: renames, the arguments a renamed function now
// requires, modules that were renamed or split, parameters that moved, and
// the modules gosips will never provide, with the modern replacement.
package legacy

import (
	_ "embed"
	"strconv"
	"strings"
	"sync"
)

//go:embed history.tsv
var historyTSV string

// Releases are the OpenSER (0.9–1.3) and OpenSIPS releases of the history,
// oldest first.
var Releases = []string{
	"0.9", "1.0", "1.1", "1.2", "1.3", "1.4", "1.5", "1.6", "1.7", "1.8", "1.9", "1.10", "1.11",
	"2.1", "2.2", "2.3", "2.4", "3.0", "3.1", "3.2", "3.3", "3.4", "3.5", "3.6",
}

// Latest is the index of the release gosips follows.
var Latest = len(Releases) - 1

// ReleaseIndex returns the index of a release name, or -1.
func ReleaseIndex(name string) int {
	for i, r := range Releases {
		if r == name {
			return i
		}
	}
	return -1
}

// release names an index for messages: OpenSER before 1.4.
func release(i int) string {
	if i < 0 || i >= len(Releases) {
		return "?"
	}
	if i < ReleaseIndex("1.4") {
		return "OpenSER " + Releases[i]
	}
	return Releases[i]
}

// Export is one row of the history: a function or a parameter of a module
// with one signature over a span of releases.
type Export struct {
	Module string
	Func   bool
	Name   string
	// Min and Max are a function's argument counts (Max -1: variable).
	Min, Max int
	// Type is a parameter's type: "int", "str" or "other".
	Type        string
	First, Last int // release indexes
	// Default is the built-in default of a db_url parameter, when the
	// release had one.
	Default string
}

// Current reports whether the export is still in the latest release.
func (e *Export) Current() bool { return e.Last == Latest }

type history struct {
	funcs   map[string][]*Export // by function name
	modules map[string][]*Export // by module
	span    map[string][2]int    // module → first, last release
}

var loadHistory = sync.OnceValue(func() *history {
	h := &history{funcs: map[string][]*Export{}, modules: map[string][]*Export{}, span: map[string][2]int{}}
	for _, line := range strings.Split(historyTSV, "\n") {
		if line == "" || line[0] == '#' {
			continue
		}
		f := strings.Split(line, "\t")
		if len(f) < 7 {
			continue
		}
		e := &Export{Module: f[0], Func: f[1] == "func", Name: f[2], First: ReleaseIndex(f[4]), Last: ReleaseIndex(f[5]), Default: f[6]}
		if e.Func {
			e.Min, e.Max = parseSig(f[3])
			h.funcs[e.Name] = append(h.funcs[e.Name], e)
		} else {
			e.Type = f[3]
		}
		h.modules[e.Module] = append(h.modules[e.Module], e)
		sp, ok := h.span[e.Module]
		if !ok {
			sp = [2]int{e.First, e.Last}
		}
		h.span[e.Module] = [2]int{min(sp[0], e.First), max(sp[1], e.Last)}
	}
	return h
})

func parseSig(s string) (int, int) {
	if s == "v" {
		return 0, -1
	}
	a, b, ok := strings.Cut(s, "-")
	lo, _ := strconv.Atoi(a)
	if !ok {
		return lo, lo
	}
	hi, _ := strconv.Atoi(b)
	return lo, hi
}

// ModuleSpan returns the first and last release that had a module.
func ModuleSpan(name string) (first, last int, ok bool) {
	sp, ok := loadHistory().span[name]
	return sp[0], sp[1], ok
}

// ModuleExports returns every history row of a module.
func ModuleExports(name string) []*Export { return loadHistory().modules[name] }

// FuncExports returns every history row of a function name, any module.
func FuncExports(name string) []*Export { return loadHistory().funcs[name] }

// Param returns the row of a module parameter valid in release rel, or nil.
func Param(module, name string, rel int) *Export {
	for _, e := range loadHistory().modules[module] {
		if !e.Func && e.Name == name && e.First <= rel && rel <= e.Last {
			return e
		}
	}
	return nil
}

// ParamRows returns every row of a module parameter.
func ParamRows(module, name string) []*Export {
	var out []*Export
	for _, e := range loadHistory().modules[module] {
		if !e.Func && e.Name == name {
			out = append(out, e)
		}
	}
	return out
}

// Owner returns the module exporting a function in the latest release.
func Owner(fn string) (string, bool) {
	for _, e := range loadHistory().funcs[fn] {
		if e.Current() {
			return e.Module, true
		}
	}
	return "", false
}

// Move is a function that left one module for another.
type Move struct {
	Func, From, To string
	Since          int // first release in the new module
}

// Moved returns the last move of a function that is still exported, if it
// changed module at some release.
func Moved(fn string) (Move, bool) {
	rows := loadHistory().funcs[fn]
	to, ok := Owner(fn)
	if !ok {
		return Move{}, false
	}
	first := Latest
	for _, e := range rows {
		if e.Module == to && e.First < first {
			first = e.First
		}
	}
	from, fromLast := "", -1
	for _, e := range rows {
		if e.Module != to && e.Last < first+1 && e.Last > fromLast {
			from, fromLast = e.Module, e.Last
		}
	}
	if from == "" {
		return Move{}, false
	}
	return Move{Func: fn, From: from, To: to, Since: first}, true
}

// Removed returns the last row of a function that no release exports any
// more.
func Removed(fn string) (*Export, bool) {
	var last *Export
	for _, e := range loadHistory().funcs[fn] {
		if e.Current() {
			return nil, false
		}
		if last == nil || e.Last > last.Last {
			last = e
		}
	}
	return last, last != nil
}

// ModulesAt returns the modules exporting something in release rel.
func ModulesAt(rel int) []string {
	var out []string
	for m, sp := range loadHistory().span {
		if sp[0] <= rel && rel <= sp[1] {
			out = append(out, m)
		}
	}
	return out
}
