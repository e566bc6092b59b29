package avpops

import (
	"fmt"
	"strings"

	"gosips/api"
	"gosips/lang/diag"
	"gosips/pv"
)

// routes are all but the error route, as avpops declared them.
const routes = api.AllRoutes &^ api.ErrorRoute

// Funcs lists avpops' script functions (OpenSIPS 3.4 avpops.c) and the
// 1.x ones old configs use. All are legacy: 3.5 removed the module.
func (m *AVPOps) Funcs() []api.Func {
	raw := func(name string, fx func(*api.FixupCtx, *api.FixArg) error) api.Arg {
		return api.Arg{Name: name, Type: api.ArgStr, NoExpand: true, Fixup: fx}
	}
	dbID := api.Arg{Name: "db_id", Type: api.ArgInt, Optional: true, Fixup: m.Prefs.DBIDFixup}
	return []api.Func{
		{Name: "avp_print", Call: avpPrint, Routes: routes, Returns: "1", Legacy: "avp_print() (core since 3.5)"},
		{Name: "avp_db_load", Call: m.avpDBLoad, Routes: routes, Returns: "1 loaded, -1 none or error",
			Legacy: `sql_avp_load(source, name[, db_id[, prefix]]) of sqlops`,
			Args: []api.Arg{raw("source", sourceFixup), raw("name", dbNameFixup), dbID,
				{Name: "prefix", Type: api.ArgStr, Optional: true}}},
		{Name: "avp_db_delete", Call: m.avpDBDelete, Routes: routes, Returns: "1 ok, -1 error",
			Legacy: `sql_avp_delete(source, name[, db_id]) of sqlops`,
			Args:   []api.Arg{raw("source", sourceFixup), raw("name", dbNameFixup), dbID}},
		{Name: "avp_db_store", Call: m.avpDBStore, Routes: routes, Returns: "1 ok, -1 error",
			Legacy: `sql_avp_store(source, name[, db_id]) of sqlops`,
			Args:   []api.Arg{raw("source", sourceFixup), raw("name", dbNameFixup), dbID}},
		{Name: "avp_db_query", Call: m.avpDBQuery, Routes: routes, Async: true, Returns: "1 ok, -2 empty result, -1 error",
			Legacy: `sql_query(query[, "$avp(a);$avp(b)"[, db_id]]) of sqlops`,
			Args: []api.Arg{{Name: "query", Type: api.ArgStr},
				{Name: "dest", Type: api.ArgStr, Optional: true, NoExpand: true, Fixup: avpListFixup}, dbID}},
		{Name: "avp_delete", Call: avpDelete, Routes: routes, Returns: "1 ok, -1 error", Legacy: "$avp(x) := null; (or $(avp(x)[*]) = null;)",
			Args: []api.Arg{raw("name", avpFlagsFixup)}},
		{Name: "avp_copy", Call: avpCopy, Routes: routes, Returns: "1 ok, -1 error", Legacy: "$avp(dst) = $avp(src);",
			Args: []api.Arg{raw("source", avpFixup), raw("destination", avpFlagsFixup)}},
		{Name: "avp_shuffle", Call: avpShuffle, Routes: routes, Returns: "1", Legacy: "shuffle_avps($avp(x)) of cfgutils",
			Args: []api.Arg{raw("name", avpFixup)}},
		{Name: "avp_pushto", Call: avpPushto, Routes: routes, Returns: "1 ok, -1 error", Legacy: "$ru = $avp(x); (or append_hf())",
			Args: []api.Arg{raw("destination", pushtoFixup), raw("name", avpFlagsFixup)}},
		{Name: "avp_check", Call: m.avpCheck, Routes: routes, Returns: "1 matched, -1 not", Legacy: "if ($avp(x) == value) ...",
			Args: []api.Arg{raw("name", avpFixup), raw("operation", opFixup(checkOps))}},
		{Name: "avp_op", Call: m.avpOp, Routes: routes, Returns: "1 ok, -1 error", Legacy: "$avp(x) = $avp(x) + value;",
			Args: []api.Arg{raw("name", avpFlagsFixup), raw("operation", opFixup(arithOps))}},
		{Name: "avp_subst", Call: m.avpSubst, Routes: routes, Returns: "1 changed, -1 not", Legacy: "$avp(x) = $(avp(x){re.subst,/re/repl/});",
			Args: []api.Arg{raw("names", avpFlagsFixup), {Name: "expression", Type: api.ArgStr, Fixup: substFixup}}},
		{Name: "is_avp_set", Call: isAVPSet, Routes: routes, Returns: "1 set, -1 not", Legacy: "$avp(x) != null",
			Args: []api.Arg{raw("name", avpFlagsFixup)}},
		// 1.x only.
		{Name: "avp_write", Call: avpWrite(1, 0), Routes: routes, Returns: "1 ok, -1 error", Legacy: `$avp(x) = "value";`,
			Args: []api.Arg{{Name: "value", Type: api.ArgStr, NoExpand: true}, raw("name", avpFlagsFixup)}},
		{Name: "avp_printf", Call: avpWrite(0, 1), Routes: routes, Returns: "1 ok, -1 error", Legacy: `pv_printf($avp(x), "format") or $avp(x) = "format";`,
			Args: []api.Arg{raw("name", avpFixup), {Name: "format", Type: api.ArgStr}}},
		{Name: "avp_insert", Call: avpInsert, Routes: routes, Returns: "1 ok, -1 error", Legacy: `$avp(x) = "value";`,
			Args: []api.Arg{raw("name", avpFixup), {Name: "value", Type: api.ArgStr}, {Name: "index", Type: api.ArgInt, Optional: true}}},
	}
}

// AVPSpec is the fixed form of an "$avp(name)[/flags]" argument.
type AVPSpec struct {
	Name  string // the AVP name, legacy "s:"/"i:" prefix removed
	Flags string // the text after "/", if any
}

// parseAVP parses "$avp(name)" with an optional "/suffix", reporting the
// 1.x "s:"/"i:" name prefixes.
func parseAVP(fc *api.FixupCtx, s string) (AVPSpec, error) {
	s = strings.TrimSpace(s)
	body, flags := s, ""
	if i := strings.Index(s, ")"); i >= 0 {
		body, flags = s[:i+1], strings.TrimPrefix(s[i+1:], "/")
	}
	name, ok := strings.CutPrefix(body, "$avp(")
	if !ok || !strings.HasSuffix(name, ")") {
		// 1.x also named AVPs bare: "s:name", "i:25".
		if n, old := cutLegacyPrefix(s); old {
			b, f, _ := strings.Cut(n, "/")
			legacy(fc, fmt.Sprintf("AVP written as %q", s), "$avp("+b+")")
			return AVPSpec{Name: b, Flags: f}, nil
		}
		return AVPSpec{}, fmt.Errorf("expected an AVP ($avp(name)), got %q", s)
	}
	name = strings.TrimSuffix(name, ")")
	if n, old := cutLegacyPrefix(name); old {
		legacy(fc, fmt.Sprintf("AVP name %q with a 1.x type prefix", name), "$avp("+n+")")
		name = n
	}
	if name == "" {
		return AVPSpec{}, fmt.Errorf("empty AVP name in %q", s)
	}
	return AVPSpec{Name: name, Flags: flags}, nil
}

func cutLegacyPrefix(s string) (string, bool) {
	for _, p := range []string{"s:", "i:"} {
		if n, ok := strings.CutPrefix(s, p); ok {
			return n, true
		}
	}
	return s, false
}

func avpFixup(fc *api.FixupCtx, a *api.FixArg) error {
	sp, err := parseAVP(fc, a.Str)
	if err != nil {
		return err
	}
	if sp.Flags != "" {
		return fmt.Errorf("unexpected %q after the AVP", "/"+sp.Flags)
	}
	a.Fixed = sp
	return nil
}

// avpFlagsFixup takes an AVP with optional flags ("/g" = all values...).
func avpFlagsFixup(fc *api.FixupCtx, a *api.FixArg) error {
	sp, err := parseAVP(fc, a.Str)
	if err != nil {
		return err
	}
	a.Fixed = sp
	return nil
}

// sourceFixup checks avp_db_*'s source: a PV, optionally "/username",
// "/domain", "/uri" or "/uuid"; or a literal value.
func sourceFixup(fc *api.FixupCtx, a *api.FixArg) error {
	s := strings.TrimSpace(a.Str)
	if s == "" {
		return fmt.Errorf("empty source")
	}
	if i := strings.LastIndex(s, "/"); i >= 0 && strings.HasPrefix(s, "$") {
		part := s[i+1:]
		parts := []string{"username", "domain", "uri", "uuid"}
		if !contains(parts, part) {
			return unknown("source part", part, parts)
		}
	}
	a.Fixed = s
	return nil
}

// dbNameFixup checks avp_db_*'s name: "$avp(x)[/table]", "*[/table]" or
// "/$scheme".
func dbNameFixup(fc *api.FixupCtx, a *api.FixArg) error {
	s := strings.TrimSpace(a.Str)
	if strings.HasPrefix(s, "/") {
		a.Fixed = AVPSpec{Flags: s[1:]}
		return nil
	}
	if rest, ok := strings.CutPrefix(s, "*"); ok && (rest == "" || rest[0] == '/') {
		// Every attribute of the source.
		a.Fixed = AVPSpec{Name: "*", Flags: strings.TrimPrefix(rest, "/")}
		return nil
	}
	return avpFlagsFixup(fc, a)
}

func avpListFixup(fc *api.FixupCtx, a *api.FixArg) error {
	var out []AVPSpec
	for _, p := range strings.Split(a.Str, ";") {
		if strings.TrimSpace(p) == "" {
			continue
		}
		sp, err := parseAVP(fc, p)
		if err != nil {
			return err
		}
		out = append(out, sp)
	}
	a.Fixed = out
	return nil
}

// pushtoFixup checks avp_pushto's destination: $ru, $du, $br or a header.
func pushtoFixup(fc *api.FixupCtx, a *api.FixArg) error {
	s := strings.TrimSpace(a.Str)
	base, _, _ := strings.Cut(s, "/")
	switch {
	case base == "$ru" || base == "$du" || base == "$br":
	case strings.HasPrefix(base, "$hdr(") && strings.HasSuffix(base, ")"):
	default:
		return fmt.Errorf("bad destination %q (expected $ru, $du, $br or $hdr(name))", s)
	}
	a.Fixed = s
	return nil
}

var (
	checkOps = []string{"eq", "ne", "lt", "le", "gt", "ge", "re", "fm", "and", "or", "xor"}
	arithOps = []string{"add", "sub", "mul", "div", "mod", "and", "or", "xor", "not", "bnot", "lshift", "rshift"}
)

// opFixup checks an "op/value[/flags]" argument.
func opFixup(ops []string) func(*api.FixupCtx, *api.FixArg) error {
	return func(fc *api.FixupCtx, a *api.FixArg) error {
		op, _, _ := strings.Cut(strings.TrimSpace(a.Str), "/")
		if !contains(ops, strings.ToLower(op)) {
			return unknown("operation", op, ops)
		}
		return nil
	}
}

func substFixup(fc *api.FixupCtx, a *api.FixArg) error {
	se, err := pv.ParseSubst(a.Str)
	if err != nil {
		return fmt.Errorf("bad subst expression %q: %w", a.Str, err)
	}
	a.Fixed = se
	return nil
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func unknown(what, got string, candidates []string) error {
	if h := diag.DidYouMean(got, candidates); h != "" {
		return fmt.Errorf("unknown %s %q (%s)", what, got, h)
	}
	return fmt.Errorf("unknown %s %q", what, got)
}

func legacy(fc *api.FixupCtx, msg, modern string) {
	if fc != nil && fc.Legacy != nil {
		fc.Legacy(msg, modern)
	}
}
