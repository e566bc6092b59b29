package port

import (
	"path"
	"regexp"
	"strconv"
	"strings"

	"gosips/api"
	"gosips/lang/ast"
)

// paramRenames are modparams renamed without a change of meaning (P4, P6).
var paramRenames = map[[2]string]string{
	{"tm", "fr_timer"}:             "fr_timeout",
	{"tm", "fr_inv_timer"}:         "fr_inv_timeout",
	{"msilo", "registrar"}:         "from_address",
	{"dispatcher", "setid_pvname"}: "setid_pvar",
}

// dbModePresets maps usrloc db_mode to working_mode_preset (P3).
var dbModePresets = map[int64]string{
	0: "single-instance-no-db", 1: "single-instance-sql-write-through",
	2: "single-instance-sql-write-back", 3: "sql-only",
}

// hintRenameRe reads a legacy hint naming the new modparam.
var hintRenameRe = regexp.MustCompile(`^modparam\("([a-z_]+)", "([a-z_0-9]+)", (\.\.\.|N)\)$`)

// modparams rewrites modparam lines (§3.4).
func modparams(ps *pass) {
	set := map[[2]string]bool{}
	var lastAuthDB *ast.ModParam
	for _, it := range ps.f.Items {
		if mp, ok := it.(*ast.ModParam); ok {
			for _, m := range strings.Split(mp.Module, "|") {
				set[[2]string{ps.modernName(m), mp.Param}] = true
				if ps.modernName(m) == "auth_db" {
					lastAuthDB = mp
				}
			}
		}
	}
	for _, it := range ps.f.Items {
		mp, ok := it.(*ast.ModParam)
		if !ok || !ps.mine(mp.At) || mp.Value == nil {
			continue
		}
		ps.modparam(mp, set)
	}
	// P12: the 3.x subscriber table has no rpid column.
	if lastAuthDB != nil && ps.mine(lastAuthDB.At) && !set[[2]string{"auth_db", "load_credentials"}] && ps.script.Loaded("auth_db") {
		ps.es.insertLineAfter(lastAuthDB.End.Offset, `modparam("auth_db", "load_credentials", "")`)
		ps.note(lastAuthDB.At, "P12", `added load_credentials "" (the 3.x subscriber table has no rpid column)`)
	}
}

func (ps *pass) modparam(mp *ast.ModParam, set map[[2]string]bool) {
	mod := mp.Module
	if _, split := splitModule(strings.ToLower(mod)); split {
		ps.splitModparam(mp, set)
		return
	}
	if ff, ok := flagFeature(strings.ToLower(mod), mp.Param); ok {
		ps.flagModparam(mp, ff, set)
		return
	}
	if n, ok := valueInt(mp.Value); ok && strings.ToLower(mod) == "xlog" && (mp.Param == "buf_size" || mp.Param == "force_color") {
		// M4: the xlog module became part of the core in 1.6, its
		// parameters core globals.
		ps.es.replace(mp.At.Offset, mp.End.Offset, "xlog_"+mp.Param+"="+strconv.FormatInt(n, 10))
		ps.note(mp.At, "M4", "xlog %s is the core global xlog_%s since 1.6", mp.Param, mp.Param)
		return
	}
	if strings.Contains(mod, "|") && ps.regexFate(mp) {
		return
	}
	if old := strings.ToLower(mod); !strings.Contains(old, "|") && ps.param(ps.modernName(old), mp.Param) == nil {
		if ps.paramFate(mp, old, ps.modernName(old)) {
			return
		}
	}
	if !strings.Contains(mod, "|") {
		if m := ps.modernName(mod); m != mod {
			ps.replaceString(mp.ModAt.Offset, m)
			mod = m
		}
	}
	name := mp.Param
	key := [2]string{mod, name}
	v := mp.Value
	switch {
	case paramRenames[key] != "":
		name = paramRenames[key]
		ps.replaceString(mp.ParamAt.Offset, name)
	case key == [2]string{"usrloc", "db_mode"}:
		n, ok := valueInt(v)
		preset, known := dbModePresets[n]
		switch {
		case set[[2]string{"usrloc", "working_mode_preset"}]:
			ps.es.deleteItem(mp.At.Offset, mp.End.Offset)
			ps.note(mp.At, "P3", "removed db_mode: working_mode_preset is set too")
		case ok && known:
			ps.replaceString(mp.ParamAt.Offset, "working_mode_preset")
			ps.es.replace(v.At.Offset, v.End.Offset, strconv.Quote(preset))
		}
		return
	case key == [2]string{"usrloc", "db_table"}:
		ps.es.deleteItem(mp.At.Offset, mp.End.Offset)
		ps.note(mp.At, "P11", "removed usrloc db_table: the table is the first argument of save() and lookup()")
		return
	case key == [2]string{"registrar", "append_branches"}:
		ps.es.deleteItem(mp.At.Offset, mp.End.Offset)
		if n, _ := valueInt(v); n == 0 {
			ps.note(mp.At, "P8", `removed append_branches 0: lookup() calls get the "no-branches" flag`)
		}
		return
	case key == [2]string{"registrar", "method_filtering"}:
		ps.es.deleteItem(mp.At.Offset, mp.End.Offset)
		if n, _ := valueInt(v); n != 0 {
			ps.note(mp.At, "P8", `removed method_filtering: lookup() calls get the "method-filtering" flag`)
		}
		return
	case key == [2]string{"registrar", "use_domain"} && !set[[2]string{"usrloc", "use_domain"}]:
		ps.replaceString(mp.ModAt.Offset, "usrloc")
		ps.note(mp.At, "P14", "use_domain moved from registrar to usrloc")
		return
	}
	if v.Kind == ast.ValString && strings.HasPrefix(v.Str, "dbtext://") { // M3
		ps.es.replace(v.At.Offset+1, v.At.Offset+1+len("dbtext://"), "text://")
	}
	if key == [2]string{"dispatcher", "list_file"} && v.Kind == ast.ValString { // P9
		dir := path.Dir(v.Str)
		ps.replaceString(mp.ParamAt.Offset, "db_url")
		ps.es.replace(v.At.Offset, v.End.Offset, strconv.Quote("text://"+dir))
		ps.manual(mp.At, "P9", "dispatcher list_file was removed: turn %s into the db_text table %s/dispatcher (one row per set and destination)", v.Str, dir)
		return
	}
	if fp, ok := flagParams[[2]string{mod, name}]; ok && v.Kind == ast.ValInt {
		ps.es.replace(v.At.Offset, v.End.Offset, strconv.Quote(ps.p.flagNames.name(fp.kind, v.Int)))
		return
	}
	p := ps.param(mod, name)
	if p == nil {
		return
	}
	if p.Legacy != "" {
		ps.legacyParam(mp, mod, p.Legacy)
		return
	}
	if name == mp.Param && ps.removedParam(mp, mod) {
		return
	}
	// P1, P2: the value's type must match the declaration.
	switch {
	case v.Kind == ast.ValString && p.Type == api.ParamInt:
		if n, err := strconv.ParseInt(strings.TrimSpace(v.Str), 0, 64); err == nil {
			ps.es.replace(v.At.Offset, v.End.Offset, strconv.FormatInt(n, 10))
		}
	case v.Kind == ast.ValInt && p.Type == api.ParamStr:
		ps.es.replace(v.At.Offset, v.End.Offset, strconv.Quote(v.Raw))
	}
}

// legacyParam applies the modern form a module declares for a removed
// parameter, when it is mechanical: a rename, or dropping a no-op.
func (ps *pass) legacyParam(mp *ast.ModParam, mod, hint string) {
	if m := hintRenameRe.FindStringSubmatch(hint); m != nil {
		if m[1] != mod {
			ps.replaceString(mp.ModAt.Offset, m[1])
		}
		ps.replaceString(mp.ParamAt.Offset, m[2])
		if mp.Param == "server_address" && m[2] == "contact_user" && mp.Value.Kind == ast.ValString {
			ps.contactUser(mp)
		}
		return
	}
	low := strings.ToLower(hint)
	if strings.HasPrefix(low, "drop it") || strings.HasPrefix(low, "remove it:") {
		ps.es.deleteItem(mp.At.Offset, mp.End.Offset)
		ps.note(mp.At, "P10", "removed %s %s: %s", mod, mp.Param, hint)
	}
}

// param returns the declaration of a module parameter, or nil.
func (ps *pass) param(mod, name string) *api.Param {
	info, ok := ps.p.opts.Registry.Lookup(mod)
	if !ok {
		return nil
	}
	for _, p := range info.New().Params() {
		if p.Name == name {
			return &p
		}
	}
	return nil
}

// replaceString replaces the quoted string token starting at off.
func (ps *pass) replaceString(off int, value string) {
	end := stringEnd(ps.src, off)
	if end < 0 {
		return
	}
	q := ps.src[off]
	ps.es.replace(off, end, string(q)+value+string(q))
}

// stringEnd returns the offset after the quoted string starting at off, or
// -1.
func stringEnd(src []byte, off int) int {
	if off >= len(src) || (src[off] != '"' && src[off] != '\'') {
		return -1
	}
	q := src[off]
	for i := off + 1; i < len(src); i++ {
		switch src[i] {
		case '\\':
			i++
		case q:
			return i + 1
		case '\n':
			return -1
		}
	}
	return -1
}

// valueInt reads an integer modparam value, quoted or not.
func valueInt(v *ast.Value) (int64, bool) {
	if v.Kind == ast.ValInt {
		return v.Int, true
	}
	n, err := strconv.ParseInt(strings.TrimSpace(v.Str), 0, 64)
	return n, err == nil
}

// contactUser turns the Contact URI of server_address into the user part
// contact_user holds since 3.1 (P16): the host, port and transport of the
// Contact now come from the interface the request used.
func (ps *pass) contactUser(mp *ast.ModParam) {
	uri := strings.TrimSpace(mp.Value.Str)
	user := ""
	if rest, ok := strings.CutPrefix(strings.ToLower(uri), "sip:"); ok {
		rest = uri[len(uri)-len(rest):]
		if at := strings.IndexByte(rest, '@'); at >= 0 {
			user = rest[:at]
		}
	}
	ps.es.replace(mp.Value.At.Offset, mp.Value.End.Offset, strconv.Quote(user))
	ps.note(mp.At, "P16", "%s server_address %q became contact_user %q: since 3.1 only the user part of the Contact is set, its host, port and transport come from the interface the SUBSCRIBE used", mp.Module, uri, user)
}
