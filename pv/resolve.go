package pv

import (
	"fmt"
	"strings"

	"gosips/lang/diag"
)

// contexts are the $(<name>pv) contexts and the module that provides them.
var contexts = map[string]string{"request": "tm", "reply": "tm"}

var markerDef = &Def{Name: "$", Doc: "literal dollar sign"}

// Resolve binds s.Def, recursively for inner PVs, index PVs and
// transformation arguments, and prepares the transformations. Errors are
// *Error with offsets in the text s was parsed from.
func (t *Table) Resolve(s *Spec) error {
	if s.IsMarker() {
		s.Def = markerDef
		return nil
	}
	if s.Context != "" {
		mod, ok := contexts[s.Context]
		if !ok {
			return errAt(s.Off, diag.CodeBadPV, "unknown variable context <"+s.Context+">",
				diag.DidYouMean(s.Context, []string{"request", "reply"}))
		}
		if !t.isLoaded(mod) {
			return errAt(s.Off, diag.CodeUnknownPV, "variable context <"+s.Context+"> needs the "+mod+" module",
				`loadmodule "`+mod+`.so" is missing`)
		}
	}
	d, ok := t.defs[s.Name]
	if !ok {
		return t.unknown(s)
	}
	if !t.isLoaded(d.Module) {
		return errAt(s.Off, diag.CodeUnknownPV, "variable $"+s.Name+" needs the "+d.Module+" module",
			`loadmodule "`+d.Module+`.so" is missing`)
	}
	if d.Get == nil {
		return errAt(s.Off, diag.CodeNotImplemented, "variable $"+s.Name+" is not implemented yet", "")
	}
	if err := checkInner(s, d); err != nil {
		return err
	}
	if s.InnerPV != nil {
		if d.StaticInner {
			return errAt(s.InnerOff, diag.CodeBadPV, "$"+s.Name+" does not take a variable as its name", "")
		}
		if err := t.Resolve(s.InnerPV); err != nil {
			return err
		}
	} else if s.HasInner && d.ParseInner != nil {
		v, err := d.ParseInner(s.Inner)
		if err != nil {
			return errAt(s.InnerOff, diag.CodeBadPV, fmt.Sprintf("$%s(%s): %v", s.Name, s.Inner, err), "")
		}
		s.Parsed = v
		// An inner name holding variables of its own (a $json path with
		// $var keys) has them resolved here, with the script's table.
		if nested, ok := v.(interface{ Formats() []*Format }); ok {
			for _, f := range nested.Formats() {
				if err := t.ResolveFormat(f); err != nil {
					return err
				}
			}
		}
	}
	switch s.Index.Kind {
	case IdxNone:
	case IdxAppend:
		if !d.Append {
			return errAt(s.Off, diag.CodeBadPV, "$"+s.Name+" does not accept [append]", "only AVPs can be appended to")
		}
	case IdxWord:
		if !contains(d.IndexWords, s.Index.Word) {
			return errAt(s.Off, diag.CodeBadPV, "invalid index ["+s.Index.Word+"] for $"+s.Name,
				"an index is a number, -N from the end, * or a variable")
		}
	default:
		if !d.Index {
			return errAt(s.Off, diag.CodeBadPV, "$"+s.Name+" does not accept an index", "")
		}
		if s.Index.PV != nil {
			if err := t.Resolve(s.Index.PV); err != nil {
				return err
			}
		}
	}
	for _, tr := range s.Trans {
		if err := t.resolveTrans(tr); err != nil {
			return err
		}
	}
	s.Def = d
	return nil
}

func checkInner(s *Spec, d *Def) error {
	switch {
	case d.Inner == NeedInner && !s.HasInner:
		return errAt(s.Off, diag.CodeBadPV, "$"+s.Name+" needs a name: $"+s.Name+"(name)", "")
	case d.Inner == NoInner && s.HasInner:
		return errAt(s.Off, diag.CodeBadPV, "$"+s.Name+" does not take a name in parentheses", "")
	}
	return nil
}

func (t *Table) unknown(s *Spec) error {
	msg := "unknown variable " + describe(s)
	if mod, ok := t.known[s.Name]; ok {
		return errAt(s.Off, diag.CodeUnknownPV, msg+" (provided by the "+mod+" module)", `loadmodule "`+mod+`.so" is missing`)
	}
	hint := diag.DidYouMean(s.Name, t.modernNames())
	if hint != "" {
		hint = strings.Replace(hint, `"`, `"$`, 1)
	} else {
		hint = "maybe a loadmodule is missing"
	}
	return errAt(s.Off, diag.CodeUnknownPV, msg, hint)
}

// modernNames lists the names worth suggesting (no removed PVs).
func (t *Table) modernNames() []string {
	out := make([]string, 0, len(t.defs))
	for _, n := range t.Names() {
		if t.defs[n].Legacy == "" {
			out = append(out, n)
		}
	}
	return out
}

func (t *Table) resolveTrans(tr *Trans) error {
	label := "{" + tr.Class + "." + tr.Name + "}"
	if tr.Def == nil {
		tr.Def, _ = LookupTrans(tr.Class, tr.Name)
	}
	d := tr.Def
	if d == nil {
		if _, ok := transTable[tr.Class]; !ok {
			return errAt(tr.Off, diag.CodeUnknownTrans, "unknown transformation class "+quote(tr.Class),
				diag.DidYouMean(tr.Class, TransClasses()))
		}
		return errAt(tr.Off, diag.CodeUnknownTrans, "unknown transformation "+label,
			diag.DidYouMean(tr.Name, TransNames(tr.Class)))
	}
	if !t.isLoaded(d.Module) {
		return errAt(tr.Off, diag.CodeUnknownTrans, "transformation "+label+" needs the "+d.Module+" module",
			`loadmodule "`+d.Module+`.so" is missing`)
	}
	if !d.Implemented() {
		return errAt(tr.Off, diag.CodeNotImplemented, "transformation "+label+" is not implemented yet", "")
	}
	if n := len(tr.Args); n < d.MinArgs || n > d.MaxArgs {
		return errAt(tr.Off, diag.CodeUnknownTrans, fmt.Sprintf("%s wants %s, got %d", label, arity(d), n), "")
	}
	for _, a := range tr.Args {
		if a.PV != nil {
			if err := t.Resolve(a.PV); err != nil {
				return err
			}
		}
	}
	if d.Check != nil {
		if err := d.Check(tr.Args); err != nil {
			return errAt(tr.Off, diag.CodeBadPV, label+": "+err.Error(), "")
		}
	}
	if err := tr.prepare(t.Resolve); err != nil {
		return errAt(tr.Off, diag.CodeBadPV, label+": "+err.Error(), "")
	}
	return nil
}

func quote(s string) string { return `"` + s + `"` }

// ResolveFormat resolves every PV of a format.
func (t *Table) ResolveFormat(f *Format) error {
	for _, p := range f.Parts {
		if p.Spec != nil {
			if err := t.Resolve(p.Spec); err != nil {
				return err
			}
		}
	}
	return nil
}

// Legacy lists the legacy forms used in s and the PVs nested in it, as
// *Error values (warnings) with offsets, for the checker to report.
func Legacy(s *Spec) []*Error {
	var out []*Error
	s.Walk(func(x *Spec) {
		if x.LegacyAVPPrefix {
			out = append(out, errAt(x.InnerOff, diag.CodeLegacy,
				"$avp("+x.Inner+") uses the 1.x \""+x.Inner[:2]+"\" prefix, kept as part of the name",
				"write $avp("+x.Inner[2:]+") and rename every use consistently"))
		}
		if x.Def != nil && x.Def.Legacy != "" {
			out = append(out, errAt(x.Off, diag.CodeLegacy, "$"+x.Name+" was removed in OpenSIPS 3.3", "use "+x.Def.Legacy))
		}
	})
	return out
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
