package port_test

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"

	"gosips/api"
	"gosips/internal/testenv"
	"gosips/lang/diag"
	"gosips/port"
	"gosips/runtime/legacy"
)

// Causes of the errors left in a ported config.
const (
	causeKnown   = "known"   // a rename, move or default the release map knows: the port should have fixed it
	causeLacking = "lacking" // a module (or transport) gosips does not provide or implement yet
	causeOther   = "other"   // anything else (upstream bugs, route types, ...)
)

var (
	belongsRe    = regexp.MustCompile(`^unknown function ([A-Za-z_0-9]+)\(\): it belongs to module (\S+), which is not loaded`)
	unknownFnRe  = regexp.MustCompile(`^unknown function ([A-Za-z_0-9]+)\(\)`)
	unknownModRe = regexp.MustCompile(`^unknown module "([^"]+)"`)
	mpModRe      = regexp.MustCompile(`^modparam: module "([^"]+)" is not loaded`)
	argFnRe      = regexp.MustCompile(`^([A-Za-z_0-9]+)\(\)`)
	dbUnsetRe    = regexp.MustCompile(`^([a-z_]+): .*(db_url is not set|no default partition: set db_url)`)
	protoRe      = regexp.MustCompile(`protocol "([a-z]+)" is not supported`)
	needsModRe   = regexp.MustCompile(`needs (?:loadmodule "|the )([a-z_0-9]+)`)
)

// classify names the cause of one error of a ported config.
func classify(d *diag.Diagnostic, text string, have func(string) bool) string {
	switch d.Code {
	case diag.CodeNotImplemented:
		return causeLacking
	case diag.CodeUnknownModule:
		m := unknownModRe.FindStringSubmatch(d.Msg)
		if m == nil {
			return causeOther
		}
		if to, ok := legacy.Renamed(m[1]); ok && have(to) {
			return causeKnown
		}
		if r, ok := legacy.ModuleRules[m[1]]; ok && (r.Core || len(r.Split) > 0) {
			return causeKnown
		}
		return causeLacking
	case diag.CodeModparamModule:
		if m := mpModRe.FindStringSubmatch(d.Msg); m != nil && !have(strings.ToLower(m[1])) {
			return causeLacking
		}
		return causeOther
	case diag.CodeUnknownFunction:
		if m := belongsRe.FindStringSubmatch(d.Msg); m != nil {
			return causeKnown // gosips has the module: the port adds loadmodule
		}
		m := unknownFnRe.FindStringSubmatch(d.Msg)
		if m == nil {
			return causeOther
		}
		if r, ok := legacy.FuncRules[m[1]]; ok && r.New != "" && have(r.NewModule) {
			return causeKnown
		}
		f := legacy.Func(m[1])
		switch {
		case f.Owner != "" && !have(f.Owner):
			return causeLacking
		case f.Owner == "" && f.Last != nil && !have(f.Last.Module):
			return causeLacking
		}
		return causeOther
	case diag.CodeArgCount:
		if m := argFnRe.FindStringSubmatch(d.Msg); m != nil {
			for _, r := range legacy.FuncRules {
				if r.New == m[1] && r.Args != nil {
					return causeKnown // the rule inserts the mandatory arguments
				}
			}
		}
		return causeOther
	case diag.CodeModparamValue:
		if m := dbUnsetRe.FindStringSubmatch(d.Msg); m != nil {
			if strings.Contains(text, `modparam("`+m[1]+`", "db_url"`) {
				return causeOther // set (empty) on purpose by the script
			}
			for _, e := range legacy.ParamRows(m[1], "db_url") {
				if e.Default != "" {
					return causeKnown
				}
			}
			return causeOther
		}
		if m := needsModRe.FindStringSubmatch(d.Msg); m != nil && !have(m[1]) {
			return causeLacking
		}
		return causeOther
	case diag.CodeGlobalValue:
		if protoRe.MatchString(d.Msg) {
			return causeLacking // proto_tls, proto_ws...
		}
		return causeKnown
	case diag.CodeModuleDep:
		if m := needsModRe.FindStringSubmatch(d.Msg); m != nil && !have(m[1]) {
			return causeLacking
		}
	}
	return causeOther
}

// TestCorpusCheckClassified ports every non-broken corpus config and
// classifies each error "gosips check" still reports: it fails on those a
// rename, a move or a default of the release map explains. It logs, per
// era, how many configs check clean before and after porting.
func TestCorpusCheckClassified(t *testing.T) {
	dir := testenv.Corpus(t)
	reg := api.Default()
	have := func(m string) bool { inf, ok := reg.Lookup(m); return ok && !inf.Core }
	rows := readManifest(t, dir)
	type tally struct{ files, before, after int }
	eras := map[string]*tally{}
	causes := map[string]int{}
	lacking := map[string]int{}
	var names []string
	for rel := range rows {
		names = append(names, rel)
	}
	sort.Strings(names)
	for _, rel := range names {
		row := rows[rel]
		if row.broken {
			continue
		}
		path := filepath.Join(dir, rel)
		src, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		ta := eras[row.era]
		if ta == nil {
			ta = &tally{}
			eras[row.era] = ta
		}
		ta.files++
		if len(errorsOf(checkText(path, src))) == 0 {
			ta.before++
		}
		out := port.Port(path, src, port.Options{Registry: reg}).Output
		left := errorsOf(checkText(path, out))
		if len(left) == 0 {
			ta.after++
		}
		for _, d := range left {
			c := classify(d, string(out), have)
			causes[c]++
			switch c {
			case causeKnown:
				t.Errorf("%s: ported output keeps an error the release map explains: %s (%s)", rel, d.Error(), d.Hint)
			case causeLacking:
				lacking[lackingKey(d)]++
			case causeOther:
				if testing.Verbose() {
					t.Logf("%s: other: %s", rel, d.Error())
				}
			}
		}
	}
	var eraNames []string
	for e := range eras {
		eraNames = append(eraNames, e)
	}
	sort.Strings(eraNames)
	sum := tally{}
	for _, e := range eraNames {
		ta := eras[e]
		sum.files, sum.before, sum.after = sum.files+ta.files, sum.before+ta.before, sum.after+ta.after
		t.Logf("%-13s %3d configs: %3d check clean as written, %3d after gosips port", e, ta.files, ta.before, ta.after)
	}
	t.Logf("%-13s %3d configs: %3d check clean as written, %3d after gosips port", "total", sum.files, sum.before, sum.after)
	t.Logf("errors left: %d from modules gosips lacks, %d other, %d known", causes[causeLacking], causes[causeOther], causes[causeKnown])
	var keys []string
	for k := range lacking {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		return lacking[keys[i]] > lacking[keys[j]] || lacking[keys[i]] == lacking[keys[j]] && keys[i] < keys[j]
	})
	var b strings.Builder
	for i, k := range keys {
		if i == 25 {
			break
		}
		fmt.Fprintf(&b, " %s:%d", k, lacking[k])
	}
	t.Logf("most errors from missing modules:%s", b.String())
}

func errorsOf(l diag.List) diag.List {
	var out diag.List
	for _, d := range l {
		if d.Severity == diag.Error {
			out = append(out, d)
		}
	}
	return out
}

// lackingKey names the missing module behind an error, for the summary.
func lackingKey(d *diag.Diagnostic) string {
	for _, re := range []*regexp.Regexp{unknownModRe, mpModRe} {
		if m := re.FindStringSubmatch(d.Msg); m != nil {
			return m[1]
		}
	}
	if m := unknownFnRe.FindStringSubmatch(d.Msg); m != nil {
		f := legacy.Func(m[1])
		if f.Owner != "" {
			return f.Owner
		}
		if f.Last != nil {
			return f.Last.Module
		}
	}
	if m := protoRe.FindStringSubmatch(d.Msg); m != nil {
		return "proto_" + m[1]
	}
	return d.Code
}
