package port

import (
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"

	"gosips/lang/ast"
	"gosips/lang/diag"
	"gosips/runtime/legacy"
)

// Rules derived from the release map (runtime/legacy):
//
//	H1 module renamed (mysql → db_mysql, siptrace → tracer)
//	H2 module removed and split (uri, uri_db): line dropped, modparams moved
//	H3 function renamed or replaced, with its now mandatory arguments
//	(M7) function moved to another module: loadmodule added
//	H5 db_url left to the old built-in default: written explicitly
//	H6 flag-driven feature (acc, dialog, NAT pinging) → a call where the flag is set
//	H7 module gosips will not provide: reported once, with its replacement

// historyFacts are read from the input before any rewrite.
type historyFacts struct {
	// params holds the raw value text of every modparam, by
	// "module.param" under the names written in the input.
	params map[string]string
	// feats are the flag features configured, by flag ("1", "ACC").
	feats map[string][]legacy.FlagFeature
	// kinds are the accounting types configured anywhere (log, db).
	kinds []string
	// openser is set for an OpenSER-era config (defaults named openser).
	openser bool
	// flagCallsDone is set once the calls replacing flags were written.
	flagCallsDone bool
	// splitDB is set when the script calls a subscriber check of a split
	// module (does_uri_exist, check_to...), which auth_db now provides.
	splitDB bool
}

var openserRe = regexp.MustCompile(`(?i)openser`)

func (p *porter) studyHistory(f *ast.File) {
	h := &p.hist
	h.params = map[string]string{}
	h.feats = map[string][]legacy.FlagFeature{}
	h.openser = openserRe.Match(p.src)
	kinds := map[string]bool{}
	for _, it := range f.Items {
		switch it := it.(type) {
		case *ast.LoadModule:
			if _, last, ok := legacy.ModuleSpan(loadName(it.Path)); ok && last < legacy.ReleaseIndex("1.4") {
				h.openser = true
			}
		case *ast.ModParam:
			if it.Value == nil || it.Value.End.Offset > len(p.src) || it.Value.At.Offset > it.Value.End.Offset {
				continue
			}
			raw := string(p.src[it.Value.At.Offset:it.Value.End.Offset])
			mod := strings.ToLower(it.Module)
			h.params[mod+"."+it.Param] = raw
			for _, ff := range legacy.FlagFeatures {
				if ff.Module != mod || ff.Param != it.Param {
					continue
				}
				key := flagKey(it.Value)
				if key == "" {
					continue
				}
				if ff.Kind == "db" && !hasDBURL(f, "acc") {
					// Without a db_url the old acc wrote no database records.
					continue
				}
				h.feats[key] = append(h.feats[key], ff)
				if ff.Kind != "" && !kinds[ff.Kind] {
					kinds[ff.Kind] = true
					h.kinds = append(h.kinds, ff.Kind)
				}
			}
		}
	}
	sort.Strings(h.kinds)
	for _, it := range f.Items {
		ast.Inspect(it, func(n ast.Node) bool {
			if c, ok := n.(*ast.Call); ok {
				if r, ok := legacy.FuncRules[c.Name]; ok && r.NewModule == "auth_db" {
					h.splitDB = true
				}
			}
			return true
		})
	}
}

// flagKey is the flag a modparam value names: a number or a name.
func flagKey(v *ast.Value) string {
	if n, ok := valueInt(v); ok {
		return strconv.FormatInt(n, 10)
	}
	return strings.TrimSpace(v.Str)
}

// flagFeature returns the flag features of a modparam, if it is one.
func flagFeature(mod, param string) (legacy.FlagFeature, bool) {
	for _, ff := range legacy.FlagFeatures {
		if ff.Module == mod && ff.Param == param {
			return ff, true
		}
	}
	return legacy.FlagFeature{}, false
}

// splitModule reports whether a module was removed and split, directly or
// after a rename (uri_db → uri).
func splitModule(name string) (legacy.ModuleRule, bool) {
	if r, ok := legacy.ModuleRules[name]; ok && len(r.Split) > 0 {
		return r, true
	}
	if to, ok := legacy.Renamed(name); ok {
		if r, ok := legacy.ModuleRules[to]; ok && len(r.Split) > 0 {
			return r, true
		}
	}
	return legacy.ModuleRule{}, false
}

// splitModparam moves or drops a modparam of a split module (H2): its
// db_url goes to auth_db, which now checks subscribers; the others were
// read into the calls' arguments.
func (ps *pass) splitModparam(mp *ast.ModParam, set map[[2]string]bool) {
	if mp.Param == "db_url" && ps.p.hist.splitDB && mp.Value.Str != "" && !set[[2]string{"auth_db", "db_url"}] && !ps.movedDBURL {
		ps.movedDBURL = true
		ps.replaceString(mp.ModAt.Offset, "auth_db")
		ps.note(mp.At, "H2", "module %s was removed: its db_url now serves auth_db's subscriber checks", mp.Module)
		return
	}
	ps.es.deleteItem(mp.At.Offset, mp.End.Offset)
	ps.note(mp.At, "H2", "removed modparam %s %s: module %s no longer exists (the calls that used it were given its value)", mp.Module, mp.Param, mp.Module)
}

// legacyCall applies a function rule of the release map (H3). It reports
// whether the call was handled.
func (w *walker) legacyCall(c *ast.Call, args []ast.Expr) bool {
	ps := w.ps
	r, ok := legacy.FuncRules[c.Name]
	if !ok {
		return false
	}
	// gosips may still declare the old name, as a legacy form; a modern
	// name is rewritten only when its now mandatory arguments are missing
	// (db_does_uri_exist() of the 1.6–2.4 uri module).
	if lg, reg := ps.p.registered(c.Name); reg && lg == "" && (r.Args == nil || len(args) >= len(r.Args)) {
		return false
	}
	if r.New == "" {
		ps.manual(c.At, "H3", "%s() was removed from OpenSIPS: use %s", c.Name, r.Replacement)
		return true
	}
	name := r.New
	if name == "rtpproxy_offer" && w.r.Kind == ast.RouteOnReply {
		name = "rtpproxy_answer"
	}
	nameEnd := c.At.Offset + len(c.Name)
	ps.es.replace(c.At.Offset, nameEnd, name)
	if r.Args != nil {
		out := make([]string, len(r.Args))
		for i, tmpl := range r.Args {
			out[i] = ps.p.argFrom(tmpl, args, ps.src)
			if r.Plain && strings.HasPrefix(tmpl, "%") {
				out[i] = strings.ReplaceAll(out[i], "$", "$$")
			}
		}
		ps.es.replace(nameEnd, c.End.Offset, "("+strings.TrimRight(strings.Join(out, ", "), ", ")+")")
	}
	msg := "%s() became %s() of %s in %s"
	if r.Review != "" {
		msg += ": " + r.Review
	}
	ps.note(c.At, "H3", msg, c.Name, name, r.NewModule, r.Since)
	return true
}

// argFrom fills one argument template of a function rule.
func (p *porter) argFrom(tmpl string, args []ast.Expr, src []byte) string {
	for _, alt := range strings.Split(tmpl, "|") {
		switch {
		case strings.HasPrefix(alt, "%"):
			n, err := strconv.Atoi(alt[1:])
			if err == nil && n >= 1 && n <= len(args) && args[n-1] != nil {
				return exprText(src, args[n-1])
			}
		case strings.HasPrefix(alt, "@"):
			if v, ok := p.hist.params[alt[1:]]; ok {
				if _, err := strconv.Atoi(v); err == nil {
					v = strconv.Quote(v)
				}
				return v
			}
		default:
			return alt
		}
	}
	return ""
}

// registered reports whether some gosips module exports a function, and
// the modern form it declares when it keeps the name only as a legacy one.
func (p *porter) registered(fn string) (legacyHint string, ok bool) {
	if p.regFuncs == nil {
		p.regFuncs = map[string]string{}
		reg := p.opts.Registry
		for _, n := range reg.Names() {
			info, _ := reg.Lookup(n)
			for _, f := range info.New().Funcs() {
				if _, dup := p.regFuncs[f.Name]; !dup || f.Legacy == "" {
					p.regFuncs[f.Name] = f.Legacy
				}
			}
		}
	}
	legacyHint, ok = p.regFuncs[fn]
	return legacyHint, ok
}

// flagCall writes the modern call after a setflag() that triggered a
// module feature (H6). stmtEnd is the end of the statement.
func (w *walker) flagCall(c *ast.Call, args []ast.Expr) {
	ps := w.ps
	h := &ps.p.hist
	if h.flagCallsDone || c.Name != "setflag" || len(args) != 1 || !ps.mine(c.At) {
		return
	}
	key := ""
	switch a := args[0].(type) {
	case *ast.IntLit:
		key = strconv.FormatInt(a.Value, 10)
	case *ast.StrLit:
		key = strings.TrimSpace(a.Value)
	case *ast.Ident:
		key = a.Name
	}
	feats := h.feats[key]
	if len(feats) == 0 {
		return
	}
	var calls, reviews []string
	var kinds, flags []string
	acc := false
	for _, ff := range feats {
		switch ff.Call {
		case "do_accounting":
			acc = true
			if ff.Kind != "" && !contains(kinds, ff.Kind) {
				kinds = append(kinds, ff.Kind)
			}
			if ff.Missed && !contains(flags, "missed") {
				flags = append(flags, "missed")
			}
			if ff.Failed && !contains(flags, "failed") {
				flags = append(flags, "failed")
			}
			if ff.Param == "cdr_flag" && !contains(flags, "cdr") {
				flags = append(flags, "cdr")
			}
		case "create_dialog":
			calls = append(calls, "create_dialog()")
		case "setbflag":
			calls = append(calls, `setbflag("`+natFlagName(ff)+`")`)
		}
		if ff.Review != "" {
			reviews = append(reviews, ff.Review)
		}
	}
	if acc {
		if len(kinds) == 0 {
			kinds = h.kinds
		}
		if len(kinds) == 0 {
			kinds = []string{"log"}
		}
		sort.Strings(kinds)
		sort.Strings(flags)
		call := `do_accounting("` + strings.Join(kinds, "|") + `"`
		if len(flags) > 0 {
			call += `, "` + strings.Join(flags, "|") + `"`
		}
		calls = append([]string{call + ")"}, calls...)
	}
	end := c.End.Offset
	i := skipBlanks(ps.src, end)
	if i < len(ps.src) && ps.src[i] == ';' {
		end = i + 1
	}
	text := strings.Join(calls, "; ") + ";"
	if w.unbraced {
		ps.es.insert(c.At.Offset, "{ ")
		ps.es.insert(end, " "+text+" }")
	} else {
		ps.es.insert(end, " "+text)
	}
	msg := "the flag set here triggered %s in the old release: added %s, kept the setflag() for the tests that read it"
	if len(reviews) > 0 {
		msg += "; " + strings.Join(reviews, "; ")
	}
	ps.note(c.At, "H6", msg, featureNames(feats), strings.Join(calls, "; "))
}

func featureNames(fs []legacy.FlagFeature) string {
	var out []string
	for _, f := range fs {
		out = append(out, f.Module+" "+f.Param)
	}
	return strings.Join(out, ", ")
}

// natFlagName is the branch flag name replacing an old NAT flag.
func natFlagName(ff legacy.FlagFeature) string {
	if ff.Param == "sip_natping_flag" {
		return "SIP_PING"
	}
	return "NAT"
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// flagModparam rewrites the modparam of a flag feature (H6): the flag
// parameters are gone in 3.x; NAT flags become branch flag parameters.
func (ps *pass) flagModparam(mp *ast.ModParam, ff legacy.FlagFeature, set map[[2]string]bool) {
	if ff.Branch {
		param, mod := "nat_bflag", "usrloc"
		if ff.Param == "sip_natping_flag" {
			param, mod = "sipping_bflag", "nathelper"
		}
		if set[[2]string{mod, param}] || (mod == "nathelper" && !ps.loadedIn(mod)) {
			ps.es.deleteItem(mp.At.Offset, mp.End.Offset)
		} else {
			ps.es.replace(mp.At.Offset, mp.End.Offset, `modparam("`+mod+`", "`+param+`", "`+natFlagName(ff)+`")`)
		}
		ps.note(mp.At, "H6", "%s %s was removed after %s: the contact's NAT state is the %s branch flag %s, set where the flag was", ff.Module, ff.Param, ff.Until, mod, natFlagName(ff))
		return
	}
	ps.es.deleteItem(mp.At.Offset, mp.End.Offset)
	ps.note(mp.At, "H6", "%s %s was removed after %s: %s() is called where the flag is set", ff.Module, ff.Param, ff.Until, ff.Call)
}

// loadedIn reports whether the input loads a module (under any name).
func (ps *pass) loadedIn(mod string) bool {
	for _, l := range ps.loads() {
		if ps.modernName(loadName(l.Path)) == mod {
			return true
		}
	}
	return false
}

var dbURLUnsetRe = regexp.MustCompile(`^([a-z_]+): .*(db_url is not set|no default partition: set db_url)`)

// dbDefaults writes the built-in db_url of the old release for the modules
// that relied on it (H5), for the user to confirm.
func dbDefaults(ps *pass) {
	done := map[string]bool{}
	for _, d := range ps.diags {
		if d.Code != diag.CodeModparamValue {
			continue
		}
		m := dbURLUnsetRe.FindStringSubmatch(d.Msg)
		if m == nil || done[m[1]] || ps.setsParam(m[1], "db_url") {
			continue
		}
		done[m[1]] = true
		url, rel := ps.p.oldDefault(m[1])
		if url == "" {
			continue
		}
		ps.addModparamLines(m[1], MarkerPrefix+"db_url was the built-in default of "+rel+": confirm it, or set your database URL",
			`modparam("`+m[1]+`", "db_url", "`+url+`")`)
		ps.noteAtLoads("H5", "%s relied on the built-in db_url of %s: wrote it explicitly (confirm it)", m[1], rel)
	}
}

// oldDefault returns the built-in db_url of a module in the config's era.
func (p *porter) oldDefault(mod string) (url, rel string) {
	names := []string{mod}
	for old, r := range legacy.ModuleRules {
		if r.RenamedTo == mod {
			names = append(names, old)
		}
	}
	openser := legacy.ReleaseIndex("1.4")
	var best *legacy.Export
	for _, n := range names {
		for _, e := range legacy.ParamRows(n, "db_url") {
			if e.Default == "" || (e.First < openser) != p.hist.openser {
				continue
			}
			if best == nil || e.Last > best.Last {
				best = e
			}
		}
	}
	if best == nil {
		// A module of the other family only (userblacklist, born in
		// OpenSIPS 1.4, in an OpenSER 1.4dev config): its nearest
		// release's default.
		for _, n := range names {
			for _, e := range legacy.ParamRows(n, "db_url") {
				if e.Default == "" {
					continue
				}
				if best == nil || (p.hist.openser && e.First < best.First) || (!p.hist.openser && e.Last > best.Last) {
					best = e
				}
			}
		}
	}
	if best == nil {
		return "", ""
	}
	name := "OpenSIPS " + legacy.Releases[best.First] + "–" + legacy.Releases[best.Last]
	if best.First < openser {
		name = "OpenSER " + legacy.Releases[best.First] + "–" + legacy.Releases[best.Last]
	}
	return best.Default, name
}

// addModparamLines adds lines after the last loadmodule, loading the
// module first when needed.
func (ps *pass) addModparamLines(mod string, lines ...string) {
	ps.addModparam(mod, strings.Join(lines, "\n"))
}

// renamedSince names the release a module got its new name in.
func renamedSince(old string) string {
	f := legacy.Module(old)
	if f.Since < 0 {
		return "?"
	}
	return legacy.Releases[f.Since]
}

// setsParam reports whether the script sets a module parameter, under
// the module's modern name.
func (ps *pass) setsParam(mod, param string) bool {
	for _, it := range ps.f.Items {
		if mp, ok := it.(*ast.ModParam); ok && mp.Param == param {
			for _, m := range strings.Split(strings.ToLower(mp.Module), "|") {
				if ps.modernName(m) == mod {
					return true
				}
			}
		}
	}
	return false
}

// paramFate moves or drops a modparam the module no longer has, when the
// release map knows where it went (H8).
// It reports whether the modparam was handled.
func (ps *pass) paramFate(mp *ast.ModParam, old, modern string) bool {
	if _, ok := ps.p.opts.Registry.Lookup(modern); !ok {
		return false // a module gosips lacks: its parameters stay as written
	}
	name := mp.Param
	r, ok := legacy.ParamFate(old, name)
	if !ok && modern != old {
		r, ok = legacy.ParamFate(modern, name)
	}
	if !ok {
		return false
	}
	if r.NewParam == "" {
		ps.es.deleteItem(mp.At.Offset, mp.End.Offset)
		ps.note(mp.At, "H8", "removed modparam %s %s, dropped in %s: %s", old, name, r.Since, r.Note)
		return true
	}
	if r.NewModule != mp.Module {
		ps.replaceString(mp.ModAt.Offset, r.NewModule)
	}
	if r.NewParam != name {
		ps.replaceString(mp.ParamAt.Offset, r.NewParam)
	}
	msg := "modparam %s %s is %s %s since %s"
	if r.Note != "" {
		msg += ": " + r.Note
	}
	ps.note(mp.At, "H8", msg, old, name, r.NewModule, r.NewParam, r.Since)
	return true
}

// regexFate applies the fate of a moved or dropped parameter to each
// module of a "a|b" modparam (H8): OpenSIPS sets the parameter in every
// loaded module the expression matches and fails when one of them lacks
// it, so "presence|presence_xml" db_url becomes "presence|xcap" once
// presence_xml's db_url moved to xcap.
func (ps *pass) regexFate(mp *ast.ModParam) bool {
	alts := strings.Split(mp.Module, "|")
	var out []string
	changed := false
	for _, alt := range alts {
		old := strings.ToLower(strings.TrimSpace(alt))
		modern := ps.modernName(old)
		if _, ok := ps.p.opts.Registry.Lookup(modern); !ok || ps.param(modern, mp.Param) != nil {
			out = append(out, alt)
			continue
		}
		r, ok := legacy.ParamFate(old, mp.Param)
		if !ok && modern != old {
			r, ok = legacy.ParamFate(modern, mp.Param)
		}
		if !ok || (r.NewParam != "" && r.NewParam != mp.Param) {
			out = append(out, alt)
			continue
		}
		changed = true
		if r.NewParam == "" {
			ps.note(mp.At, "H8", "modparam %s %s: dropped %s, whose %s was removed in %s", mp.Module, mp.Param, old, mp.Param, r.Since)
			continue
		}
		ps.note(mp.At, "H8", "modparam %s %s: %s %s is %s %s since %s", mp.Module, mp.Param, old, mp.Param, r.NewModule, r.NewParam, r.Since)
		if !slices.Contains(out, r.NewModule) && !slices.Contains(alts, r.NewModule) {
			out = append(out, r.NewModule)
			ps.loadBefore(mp, r.NewModule)
		}
	}
	if !changed {
		return false
	}
	if len(out) == 0 {
		ps.es.deleteItem(mp.At.Offset, mp.End.Offset)
		return true
	}
	ps.replaceString(mp.ModAt.Offset, strings.Join(out, "|"))
	return true
}

// loadBefore loads mod ahead of a "a|b" modparam naming it: OpenSIPS
// applies such a modparam to the modules loaded so far only.
func (ps *pass) loadBefore(mp *ast.ModParam, mod string) {
	for _, l := range ps.loads() {
		if loadName(l.Path) == mod && l.At.Offset < mp.At.Offset {
			return
		}
	}
	if ps.added[mod] {
		return
	}
	if ps.added == nil {
		ps.added = map[string]bool{}
	}
	ps.added[mod] = true
	ps.es.insertLineBefore(mp.At.Offset, `loadmodule "`+mod+`.so"`)
	ps.note(mp.At, "H8", "added loadmodule \"%s.so\" before the modparam: OpenSIPS sets a parameter only in the modules loaded above it", mod)
}

// hasDBURL reports whether the script gives a module a non-empty db_url.
func hasDBURL(f *ast.File, mod string) bool {
	for _, it := range f.Items {
		if mp, ok := it.(*ast.ModParam); ok && mp.Param == "db_url" && mp.Value != nil && mp.Value.Str != "" {
			for _, m := range strings.Split(strings.ToLower(mp.Module), "|") {
				if m == mod {
					return true
				}
			}
		}
	}
	return false
}

// extraParams are the acc parameters replaced by extra_fields: they need
// the new syntax and $acc_extra() assignments, written by hand.
var extraParams = map[string]string{"log_extra": "log", "db_extra": "db", "aaa_extra": "aaa", "radius_extra": "aaa", "diameter_extra": "aaa", "evi_extra": "evi"}

// removedParam drops a modparam that OpenSIPS removed without a
// replacement parameter (H8); it reports whether it did.
func (ps *pass) removedParam(mp *ast.ModParam, mod string) bool {
	rows := legacy.ParamRows(mod, mp.Param)
	if len(rows) == 0 {
		return false
	}
	last := -1
	for _, e := range rows {
		if e.Current() {
			return false
		}
		last = max(last, e.Last)
	}
	if _, modLast, ok := legacy.ModuleSpan(mod); ok && modLast != legacy.Latest && last == modLast {
		// The parameter lived as long as the module, which gosips still
		// provides (pdt): it keeps its meaning.
		return false
	}
	ps.es.deleteItem(mp.At.Offset, mp.End.Offset)
	if kind, ok := extraParams[mp.Param]; ok && mod == "acc" {
		ps.manual(mp.At, "H8", `removed acc %s (gone after %s): write modparam("acc", "extra_fields", "%s: tag->name; ...") and set $acc_extra(tag) from %s before do_accounting()`,
			mp.Param, legacy.Releases[last], kind, mp.Value.Raw)
		return true
	}
	ps.note(mp.At, "H8", "removed modparam %s %s: OpenSIPS dropped it after %s", mod, mp.Param, legacy.Releases[last])
	return true
}
