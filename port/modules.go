package port

import (
	"path"
	"regexp"
	"sort"
	"strings"

	"gosips/lang/ast"
	"gosips/lang/diag"
	"gosips/runtime/legacy"
)

// moduleRenames are the DB modules renamed in OpenSIPS 1.4 (M2, M3).
var moduleRenames = map[string]string{
	"mysql": "db_mysql", "postgres": "db_postgres", "unixodbc": "db_unixodbc",
	"dbtext": "db_text", "berkeley": "db_berkeley", "flatstore": "db_flatstore",
	"cpl-c": "cpl_c",
}

// retired modules whose loadmodule line is dropped (M4, M5, M10).
var retired = map[string]string{"xlog": "M4", "print": "M5", "event_route": "M10"}

// loadName turns a loadmodule path into a module name ("modules/tm/tm.so",
// "modules/sl/" and "tm" all name a module).
func loadName(p string) string {
	if strings.HasSuffix(p, "/") {
		return path.Base(strings.TrimRight(p, "/"))
	}
	return strings.TrimSuffix(path.Base(p), ".so")
}

// modernName maps an old module name to its 3.x name.
func (ps *pass) modernName(name string) string {
	if n, ok := moduleRenames[name]; ok {
		return n
	}
	if n, ok := legacy.Renamed(name); ok {
		if _, split := splitModule(name); !split {
			return n
		}
	}
	// Checked before the registry: gosips keeps avpops, OpenSIPS 3.5 not.
	if name == "avpops" && !ps.p.opts.Target.keepAvpops() {
		return "sqlops"
	}
	reg := ps.p.opts.Registry
	if _, ok := reg.Lookup(name); ok {
		return name
	}
	for _, n := range reg.Names() {
		info, _ := reg.Lookup(n)
		for _, old := range info.LegacyNames {
			if old == name {
				return info.Name
			}
		}
	}
	return name
}

// loadmodules rewrites loadmodule lines: bare names, renames, retired and
// duplicate modules (M1–M5, M9–M11).
func loadmodules(ps *pass) {
	seen := map[string]bool{}
	for _, it := range ps.f.Items {
		l, ok := it.(*ast.LoadModule)
		if !ok || !ps.mine(l.At) {
			continue
		}
		old := loadName(l.Path)
		if rule, gone := retired[old]; gone {
			ps.es.deleteItem(l.At.Offset, l.PathEnd.Offset)
			ps.note(l.At, rule, "removed loadmodule %q: the module no longer exists (its features are in the core)", l.Path)
			continue
		}
		if r, split := splitModule(old); split {
			ps.es.deleteItem(l.At.Offset, l.PathEnd.Offset)
			ps.note(l.At, "H2", "removed loadmodule %q: the module no longer exists (%s); the modules its functions moved to are loaded as needed", l.Path, r.Replacement)
			continue
		}
		name := ps.modernName(old)
		if to, ok := legacy.Renamed(old); ok && to == name && moduleRenames[old] == "" {
			ps.note(l.At, "H1", "module %s is named %s since %s", old, name, renamedSince(old))
		}
		if seen[name] {
			ps.es.deleteItem(l.At.Offset, l.PathEnd.Offset)
			ps.note(l.At, "M11", "removed a second loadmodule of %s", name)
			continue
		}
		seen[name] = true
		if name != old && name == "sqlops" {
			ps.note(l.At, "M9", "avpops was removed in OpenSIPS 3.5: loading sqlops instead")
		}
		want := `"` + name + `.so"`
		if string(ps.src[l.PathAt.Offset:l.PathEnd.Offset]) != want {
			ps.es.replace(l.PathAt.Offset, l.PathEnd.Offset, want)
		}
	}
}

// loads returns the main file's loadmodule lines.
func (ps *pass) loads() []*ast.LoadModule {
	var out []*ast.LoadModule
	for _, it := range ps.f.Items {
		if l, ok := it.(*ast.LoadModule); ok && ps.mine(l.At) {
			out = append(out, l)
		}
	}
	return out
}

// insertLoad adds a loadmodule line: transport modules before the first
// loadmodule, others after the last one.
func (ps *pass) insertLoad(name string, first bool) {
	line := `loadmodule "` + name + `.so"`
	ls := ps.loads()
	switch {
	case len(ls) > 0 && first:
		ps.es.insertLineBefore(ls[0].At.Offset, line)
	case len(ls) > 0:
		ps.es.insertLineAfter(ls[len(ls)-1].PathEnd.Offset, line)
	default:
		ps.insertTop(line)
	}
}

// insertTop inserts a line before the first modparam or route, or at the
// end of the file when there is none.
func (ps *pass) insertTop(line string) {
	for _, it := range ps.f.Items {
		switch it.(type) {
		case *ast.ModParam, *ast.Route:
			if ps.mine(it.Start()) {
				ps.es.insertLineBefore(it.Start().Offset, line)
				return
			}
		}
	}
	ps.es.insertLineAfter(len(ps.src), line)
}

// addModparam adds a modparam line after the last loadmodule, loading the
// module first when needed.
func (ps *pass) addModparam(mod, line string) {
	if !ps.script.Loaded(mod) && !ps.added[mod] {
		if ps.added == nil {
			ps.added = map[string]bool{}
		}
		ps.added[mod] = true
		ps.insertLoad(mod, strings.HasPrefix(mod, "proto_"))
	}
	ls := ps.loads()
	if len(ls) == 0 {
		ps.insertTop(line)
		return
	}
	ps.es.insertLineAfter(ls[len(ls)-1].PathEnd.Offset, line)
}

var (
	ownerRe   = regexp.MustCompile(`belongs to module (\S+), which is not loaded`)
	mpModRe   = regexp.MustCompile(`^modparam: module "([^"]+)" is not loaded`)
	requireRe = regexp.MustCompile(`^module (\S+) requires (\S+)`)
	needsRe   = regexp.MustCompile(`needs loadmodule "([a-z_0-9]+)\.so"`)
)

// modulesPass loads what the rewritten script needs (M6–M8, M12): the
// transport module of every socket, dependencies, the modules owning
// called functions (sipmsgops split from textops) and modules that have
// modparams but no loadmodule.
func modulesPass(ps *pass) {
	dbDefaults(ps)
	reg := ps.p.opts.Registry
	need := map[string]string{} // module → rule
	// firstParam is the first modparam of a module that is not loaded:
	// OpenSIPS wants the loadmodule line before it.
	firstParam := map[string]int{}
	want := func(name, rule string) {
		if _, ok := reg.Lookup(name); !ok || ps.script.Loaded(name) {
			return
		}
		if _, dup := need[name]; !dup {
			need[name] = rule
		}
	}
	want("proto_udp", "M6")
	for _, s := range ps.script.Sockets {
		want("proto_"+s.Proto, "M6")
	}
	for _, d := range ps.diags {
		if m := needsRe.FindStringSubmatch(d.Msg); m != nil {
			want(m[1], "M3")
		}
		if d.Msg == "tls_mgm: no TLS library module loaded" {
			ps.loadTLSLibrary()
		}
		switch d.Code {
		case diag.CodeUnknownFunction:
			if m := ownerRe.FindStringSubmatch(d.Msg); m != nil {
				rule := "M7"
				if m[1] == "signaling" {
					rule = "M8"
				}
				want(m[1], rule)
			} else {
				ps.fixTypo(d)
			}
		case diag.CodeModparamModule:
			if m := mpModRe.FindStringSubmatch(d.Msg); m != nil {
				want(m[1], "M1")
				if _, seen := firstParam[m[1]]; !seen && ps.mine(d.Pos) {
					firstParam[m[1]] = d.Pos.Offset
				}
			}
		case diag.CodeModuleDep:
			if m := requireRe.FindStringSubmatch(d.Msg); m != nil {
				rule := "M8"
				if m[1] == "uac_registrant" {
					rule = "M12"
				}
				want(m[2], rule)
			}
		}
	}
	names := make([]string, 0, len(need))
	for n := range need {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		proto := strings.HasPrefix(n, "proto_")
		if off, ok := firstParam[n]; ok && need[n] == "M1" && off < ps.lastLoadOffset() {
			ps.es.insertLineBefore(off, `loadmodule "`+n+`.so"`)
		} else {
			ps.insertLoad(n, proto)
		}
		ps.noteAtLoads(need[n], "added loadmodule \"%s.so\"", n)
	}
}

var (
	unknownFnRe  = regexp.MustCompile(`^unknown function ([A-Za-z_][A-Za-z0-9_]*)\(\)$`)
	didYouMeanRe = regexp.MustCompile(`^did you mean "([A-Za-z_][A-Za-z0-9_]*)"\?$`)
)

// fixTypo rewrites a call to an unknown function that is one edit away
// from a known one (is_methos → is_method, a typo shipped in an upstream
// example), and reports it for review. Farther names are left alone.
func (ps *pass) fixTypo(d *diag.Diagnostic) {
	m, h := unknownFnRe.FindStringSubmatch(d.Msg), didYouMeanRe.FindStringSubmatch(d.Hint)
	if m == nil || h == nil || !ps.mine(d.Pos) || diag.Distance(m[1], h[1]) != 1 {
		return
	}
	off := d.Pos.Offset
	if off < 0 || off+len(m[1]) > len(ps.src) || string(ps.src[off:off+len(m[1])]) != m[1] {
		return
	}
	ps.es.replace(off, off+len(m[1]), h[1])
	ps.note(d.Pos, "TYPO", "unknown function %s() taken as a typo for %s()", m[1], h[1])
}

// noteAtLoads records a note at the first loadmodule line (or the top).
func (ps *pass) noteAtLoads(rule, format string, args ...any) {
	at := diag.Pos{File: ps.p.name, Line: 1, Col: 1}
	if ls := ps.loads(); len(ls) > 0 {
		at = ls[0].At
	}
	ps.note(at, rule, format, args...)
}

// loadTLSLibrary loads tls_openssl before tls_mgm (G21): the TLS library
// left tls_mgm for its own module in 3.2, and OpenSIPS 1.x–2.x used
// OpenSSL.
func (ps *pass) loadTLSLibrary() {
	for _, l := range ps.loads() {
		if loadName(l.Path) == "tls_mgm" {
			ps.es.insertLineBefore(l.At.Offset, `loadmodule "tls_openssl.so"`)
			ps.note(l.At, "G21", `added loadmodule "tls_openssl.so": tls_mgm needs a TLS library module since 3.2 (OpenSIPS 1.x-2.x used OpenSSL)`)
			return
		}
	}
}

// lastLoadOffset is the offset of the main file's last loadmodule, or -1.
func (ps *pass) lastLoadOffset() int {
	ls := ps.loads()
	if len(ls) == 0 {
		return -1
	}
	return ls[len(ls)-1].At.Offset
}
