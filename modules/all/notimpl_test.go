package all

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"

	"gosips/api"
	"gosips/pv"
)

var update = flag.Bool("update", false, "rewrite testdata/not-implemented.txt")

// notImplemented lists everything declared but not implemented: functions
// with a nil Call, PVs without a getter, transformations without an
// evaluator, MI commands without a handler, parameters marked Ignored.
func notImplemented() []string {
	var out []string
	reg := api.Default()
	exported := map[string]map[string]bool{} // module → PVs it implements
	for _, name := range reg.Names() {
		info, _ := reg.Lookup(name)
		inst := info.New()
		for _, f := range inst.Funcs() {
			if f.Call == nil {
				out = append(out, fmt.Sprintf("function %s %s()", name, f.Name))
			}
		}
		for _, p := range inst.Params() {
			if p.Ignored != "" {
				out = append(out, fmt.Sprintf("param %s %s (ignored)", name, p.Name))
			}
		}
		if mi, ok := inst.(api.MIExporter); ok {
			for _, c := range mi.MICommands() {
				if c.Handler == nil {
					out = append(out, fmt.Sprintf("mi %s %s", name, c.Name))
				}
			}
		}
		if ex, ok := inst.(pv.Exporter); ok {
			exported[name] = map[string]bool{}
			for _, d := range ex.PVs() {
				if d.Get != nil {
					exported[name][d.Name] = true
				} else {
					out = append(out, fmt.Sprintf("pv %s $%s", name, d.Name))
				}
			}
		}
	}
	for _, d := range pv.CoreDefs() {
		if d.Get != nil {
			continue
		}
		switch {
		case d.Module == "":
			out = append(out, fmt.Sprintf("pv core $%s", d.Name))
		case exported[d.Module][d.Name]:
		default:
			// A placeholder counts once its module exists.
			if _, ok := reg.Lookup(d.Module); ok {
				out = append(out, fmt.Sprintf("pv %s $%s", d.Module, d.Name))
			}
		}
	}
	for _, c := range pv.TransClasses() {
		for _, n := range pv.TransNames(c) {
			if d, _ := pv.LookupTrans(c, n); d != nil && !d.Implemented() {
				out = append(out, fmt.Sprintf("transformation {%s.%s}", c, n))
			}
		}
	}
	sort.Strings(out)
	return dedup(out)
}

func dedup(s []string) []string {
	out := s[:0]
	for i, x := range s {
		if i == 0 || x != s[i-1] {
			out = append(out, x)
		}
	}
	return out
}

// TestNotImplementedList pins the list of what is declared but not
// implemented. Implementing something removes a line (rerun with -update);
// a new line means a new unimplemented declaration, to be justified in
// review.
func TestNotImplementedList(t *testing.T) {
	path := filepath.Join("testdata", "not-implemented.txt")
	got := strings.Join(notImplemented(), "\n") + "\n"
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]bool{}
	for _, l := range strings.Split(strings.TrimSpace(string(b)), "\n") {
		want[l] = true
	}
	have := map[string]bool{}
	for _, l := range strings.Split(strings.TrimSpace(got), "\n") {
		have[l] = true
		if !want[l] {
			t.Errorf("new unimplemented declaration: %s (implement it, or add it with -update and say why in review)", l)
		}
	}
	for l := range want {
		if !have[l] {
			t.Errorf("%s is implemented now: rerun with -update to shrink the list", l)
		}
	}
}

// TestCallsBoundAtDeclaration keeps behaviour next to each declaration:
// a module that fills Call (or an MI Handler) afterwards, from a map keyed
// by name, turns a typo into a silent nil.
func TestCallsBoundAtDeclaration(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("..", "*", "*.go"))
	if err != nil {
		t.Fatal(err)
	}
	late := regexp.MustCompile(`\]\.(Call|Handler)\s*=|\.(Call|Handler)\s*=\s*\w+\[`)
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for i, line := range strings.Split(string(b), "\n") {
			if late.MatchString(line) {
				t.Errorf("%s:%d: Call bound after the declaration: %s", f, i+1, strings.TrimSpace(line))
			}
		}
	}
}
