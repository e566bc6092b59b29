package port_test

import (
	"fmt"
	"os"
	"sort"
	"strings"
	"testing"

	"gosips/api"
	"gosips/port"
	"gosips/runtime/legacy"
)

// mapRow is one row of the release map with a config exercising it.
type mapRow struct {
	name string
	cfg  string
}

const mapHead = "socket=udp:127.0.0.1:5060\nloadmodule \"proto_udp.so\"\nloadmodule \"sl.so\"\n"

// placeholders returns n string arguments.
func placeholders(n int) string {
	var a []string
	for i := 0; i < n; i++ {
		a = append(a, fmt.Sprintf("\"a%d\"", i+1))
	}
	return strings.Join(a, ", ")
}

// oldArity is the smallest argument count of the last signature a
// function had in a module.
func oldArity(fn, mod string) int {
	var last *legacy.Export
	for _, e := range legacy.FuncExports(fn) {
		if (mod == "" || e.Module == mod) && (last == nil || e.Last > last.Last) {
			last = e
		}
	}
	if last == nil {
		return 0
	}
	return last.Min
}

// mapRows builds one config per row of the hand tables and per function
// move (derived from the history) into a module gosips provides.
func mapRows(reg *api.Registry) []mapRow {
	have := func(m string) bool { inf, ok := reg.Lookup(m); return ok && !inf.Core }
	var rows []mapRow
	add := func(name, cfg string) { rows = append(rows, mapRow{name, mapHead + cfg}) }
	mods := make([]string, 0, len(legacy.ModuleRules))
	for m := range legacy.ModuleRules {
		mods = append(mods, m)
	}
	sort.Strings(mods)
	for _, m := range mods {
		add("module "+m, fmt.Sprintf("loadmodule \"%s.so\"\nroute { sl_send_reply(200, \"ok\"); }\n", m))
	}
	fns := make([]string, 0, len(legacy.FuncRules))
	for f := range legacy.FuncRules {
		fns = append(fns, f)
	}
	sort.Strings(fns)
	for _, f := range fns {
		r := legacy.FuncRules[f]
		load := ""
		old := ""
		if len(r.Modules) > 0 {
			old = r.Modules[0]
			load = fmt.Sprintf("loadmodule \"%s.so\"\n", old)
		}
		add("function "+f, fmt.Sprintf("%sroute {\n\tif (%s(%s)) exit;\n\tsl_send_reply(404, \"no\");\n}\n", load, f, placeholders(oldArity(f, old))))
	}
	keys := make([][2]string, 0, len(legacy.ParamRules))
	for k := range legacy.ParamRules {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool { return keys[i][0]+keys[i][1] < keys[j][0]+keys[j][1] })
	for _, k := range keys {
		val := "\"x\""
		if e := legacy.ParamRows(k[0], k[1]); len(e) > 0 && e[0].Type == "int" {
			val = "1"
		}
		add("param "+k[0]+" "+k[1], fmt.Sprintf("loadmodule \"%s.so\"\nmodparam(\"%s\", \"%s\", %s)\nroute { sl_send_reply(200, \"ok\"); }\n", k[0], k[0], k[1], val))
	}
	for _, ff := range legacy.FlagFeatures {
		extra := ""
		if ff.Module == "acc" && ff.Kind == "db" {
			extra = "modparam(\"acc\", \"db_url\", \"sqlite:///tmp/acc.sqlite\")\nloadmodule \"db_sqlite.so\"\n"
		}
		if ff.Module == "registrar" {
			extra = "loadmodule \"usrloc.so\"\n"
		}
		add("flag "+ff.Module+" "+ff.Param, fmt.Sprintf("loadmodule \"tm.so\"\nloadmodule \"%s.so\"\n%smodparam(\"%s\", \"%s\", 3)\nroute {\n\tif ($rU == \"x\")\n\t\tsetflag(3);\n\tt_relay();\n}\n", ff.Module, extra, ff.Module, ff.Param))
	}
	// Derived moves into a module gosips provides.
	seen := map[string]bool{}
	for _, m := range legacy.ModulesAt(legacy.Latest) {
		for _, e := range legacy.ModuleExports(m) {
			if !e.Func || !e.Current() || seen[e.Name] || !have(e.Module) {
				continue
			}
			seen[e.Name] = true
			mv, ok := legacy.Moved(e.Name)
			if !ok {
				continue
			}
			add(fmt.Sprintf("move %s %s→%s", e.Name, mv.From, mv.To),
				fmt.Sprintf("loadmodule \"%s.so\"\nroute {\n\t%s(%s);\n\tsl_send_reply(200, \"ok\");\n}\n", mv.From, e.Name, placeholders(oldArity(e.Name, mv.From))))
		}
	}
	sort.SliceStable(rows[len(mods)+len(fns)+len(keys)+len(legacy.FlagFeatures):], func(i, j int) bool {
		base := len(mods) + len(fns) + len(keys) + len(legacy.FlagFeatures)
		return rows[base+i].name < rows[base+j].name
	})
	return rows
}

// TestMapRowsGolden ports one config per row of the release map and
// compares the output and the report with testdata/port/map_rows.golden
// (-update rewrites it). Porting each output again must change nothing.
func TestMapRowsGolden(t *testing.T) {
	reg := pinnedRegistry(t)
	have := func(m string) bool { inf, ok := reg.Lookup(m); return ok && !inf.Core }
	var b strings.Builder
	for _, r := range mapRows(reg) {
		res := port.Port("row.cfg", []byte(r.cfg), port.Options{Registry: reg})
		fmt.Fprintf(&b, "=== %s\n--- input\n%s--- output\n%s", r.name, r.cfg, res.Output)
		if !strings.HasSuffix(string(res.Output), "\n") {
			b.WriteByte('\n')
		}
		fmt.Fprintf(&b, "--- report\n%s\n", report(res.Findings))
		again := port.Port("row.cfg", res.Output, port.Options{Registry: reg})
		if string(again.Output) != string(res.Output) {
			t.Errorf("%s: porting the output again changed it:\n%s", r.name, again.Output)
		}
		for _, d := range errorsOf(checkText("row.cfg", res.Output)) {
			if classify(d, string(res.Output), have) == causeKnown {
				t.Errorf("%s: ported output keeps an error the map explains: %s", r.name, d.Error())
			}
		}
	}
	path := goldenDir + "/map_rows.golden"
	if *update {
		if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if b.String() != string(want) {
		t.Errorf("ported rows differ from %s (go test ./port -run TestMapRowsGolden -update, then review the diff)", path)
	}
}

// goldenModules are the modules the golden was written with: modules
// added later do not change it (their rows appear when it is extended).
var goldenModules = strings.Fields(`acc alias_db auth auth_db avpops cachedb_local carrierroute
	cfgutils core db_mysql db_postgres db_sqlite db_text dialog dialplan dispatcher domain drouting
	exec group httpd json load_balancer mathops maxfwd mi_fifo mi_http msilo nathelper permissions
	pdt pike prometheus proto_tcp proto_udp registrar rr rtpengine rtpproxy signaling sipmsgops sl
	speeddial sqlops statistics textops tm topology_hiding uac uac_auth uac_registrant usrloc uuid`)

// pinnedRegistry holds the golden's modules, taken from the default one.
func pinnedRegistry(t *testing.T) *api.Registry {
	reg := api.NewRegistry()
	for _, n := range goldenModules {
		info, ok := api.Default().Lookup(n)
		if !ok {
			t.Fatalf("module %s is gone: update goldenModules and the golden", n)
		}
		reg.Register(*info)
	}
	return reg
}
