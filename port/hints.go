package port

import (
	"strconv"
	"strings"

	"gosips/lang"
	"gosips/lang/ast"
	"gosips/lang/diag"
)

// fixupHint applies the modern form that a function's fixup reported for
// an old argument form: a whole call ("m_store($ou)", X5, X14–X16,
// t_relay(, "udp:h:p")) or one quoted argument (registrar flags X7–X9,
// t_relay flags X5). It reports whether the call was replaced.
func (w *walker) fixupHint(c *ast.Call, args []ast.Expr) bool {
	ps := w.ps
	if !ps.p.opts.Target.atLeast(4) {
		return false
	}
	for _, d := range ps.diagsAt(c.At.Offset) {
		prefix := c.Name + "(): "
		if d.Code != diag.CodeLegacy || !strings.HasPrefix(d.Msg, prefix) || strings.HasPrefix(d.Msg, prefix+"argument ") {
			continue
		}
		hint := cleanHint(d.Hint)
		if isCallText(hint) && len(args) <= 1 {
			ps.es.replace(c.At.Offset, c.End.Offset, hint)
			return true
		}
		if _, err := strconv.Unquote(hint); err != nil || !strings.HasPrefix(hint, `"`) {
			continue
		}
		for _, a := range args {
			s, ok := a.(*ast.StrLit)
			if ok && strings.Contains(d.Msg, strconv.Quote(s.Value)) {
				ps.es.replace(s.At.Offset, s.End.Offset, hint)
				break
			}
		}
	}
	return false
}

// lookupFlags adds the flags that replaced registrar modparams (P8) to a
// lookup() call.
func (w *walker) lookupFlags(c *ast.Call, args []ast.Expr) {
	ps := w.ps
	extra := ps.p.lookupExtra
	if c.Name != "lookup" || len(extra) == 0 || len(args) == 0 || args[0] == nil {
		return
	}
	if len(args) == 1 {
		ps.es.insert(exprEnd(ps.src, args[0]), `, "`+strings.Join(extra, ",")+`"`)
		return
	}
	s, ok := args[1].(*ast.StrLit)
	if !ok || len(ps.diagsAt(c.At.Offset)) > 0 {
		return
	}
	have := map[string]bool{}
	for _, f := range strings.Split(s.Value, ",") {
		have[strings.TrimSpace(f)] = true
	}
	flags := s.Value
	for _, f := range extra {
		if !have[f] {
			if flags != "" {
				flags += ","
			}
			flags += f
		}
	}
	if flags != s.Value {
		ps.es.replace(s.At.Offset, s.End.Offset, strconv.Quote(flags))
	}
}

// cleanHint takes the modern form out of a legacy warning's hint.
func cleanHint(h string) string {
	h = strings.TrimSuffix(h, `; "gosips port" rewrites it`)
	return strings.TrimPrefix(h, "use ")
}

// isCallText reports whether s is exactly one function call.
func isCallText(s string) bool {
	if !strings.HasSuffix(s, ")") || strings.Contains(s, "...") {
		return false
	}
	const pre = "route{ "
	f, diags := lang.Parse("hint", []byte(pre+s+"; }"), lang.Options{})
	if diags.HasErrors() || len(f.Items) != 1 {
		return false
	}
	r, ok := f.Items[0].(*ast.Route)
	if !ok || len(r.Body.Stmts) != 1 {
		return false
	}
	cs, ok := r.Body.Stmts[0].(*ast.CallStmt)
	return ok && cs.Call.End.Offset == len(pre)+len(s)
}

// diagsAt returns the checker's diagnostics at an offset of the main file.
func (ps *pass) diagsAt(off int) []*diag.Diagnostic {
	if ps.byOff == nil {
		ps.byOff = map[int][]*diag.Diagnostic{}
		for _, d := range ps.diags {
			if d.Pos.File == ps.p.name {
				ps.byOff[d.Pos.Offset] = append(ps.byOff[d.Pos.Offset], d)
			}
		}
	}
	return ps.byOff[off]
}
