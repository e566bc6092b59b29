package port

import (
	"regexp"
	"strings"

	"gosips/lang/ast"
	"gosips/lang/diag"
)

// formats fixes the strings that 3.x rejects as variable formats, using
// the checker's positions (V11, V12): a "$" that starts no variable
// becomes "$$", and "$fU." becomes "$(fU).".
func formats(ps *pass) {
	for _, d := range ps.diags {
		if d.Code != diag.CodeBadPV || !ps.mine(d.Pos) {
			continue
		}
		src := ps.src
		at := dollarAt(ps, d.Pos.Offset)
		if at < 0 {
			continue
		}
		pos := diag.Pos{File: d.Pos.File, Offset: at}
		if d.Msg == `invalid variable name after "$"` {
			ps.es.insert(at, "$")
			ps.note(pos, "V11", `wrote a literal "$" as "$$"`)
			continue
		}
		g := dottedPVRe.FindStringSubmatch(d.Msg)
		if g == nil || at+1+len(g[1]) > len(src) || string(src[at+1:at+1+len(g[1])]) != g[1] {
			continue
		}
		base := strings.TrimRight(g[1], ".")
		if base == "" {
			continue
		}
		ps.es.replace(at, at+1+len(g[1]), "$("+base+")"+g[1][len(base):])
		ps.note(pos, "V12", `wrote $(%s) so that the "." after it is text`, base)
	}
}

// dollarAt returns the source offset of the "$" starting the variable the
// checker reported at off (just after the "$" in the source), or -1.
func dollarAt(ps *pass, off int) int {
	if off >= 1 && off <= len(ps.src) && ps.src[off-1] == '$' {
		return off - 1
	}
	return dollarByRank(ps, off)
}

// dollarByRank finds the "$" by its rank in the literal when the offset
// counts bytes of the unescaped value.
func dollarByRank(ps *pass, off int) int {
	var lit *ast.StrLit
	for _, it := range ps.f.Items {
		ast.Inspect(it, func(n ast.Node) bool {
			if s, ok := n.(*ast.StrLit); ok && lit == nil && s.At.Offset < off && off < s.End.Offset {
				lit = s
			}
			return lit == nil
		})
	}
	if lit == nil || lit.Quote != '"' || len(lit.Parts) > 1 || !ps.mine(lit.At) || lit.End.Offset > len(ps.src) {
		return -1
	}
	vi := off - lit.At.Offset - 1 // index in the value just after "$"
	if vi < 1 || vi > len(lit.Value) || lit.Value[vi-1] != '$' {
		return -1
	}
	rank := strings.Count(lit.Value[:vi-1], "$")
	body := ps.src[lit.At.Offset+1 : lit.End.Offset-1]
	for i, c := range body {
		if c != '$' {
			continue
		}
		if rank == 0 {
			return lit.At.Offset + 1 + i
		}
		rank--
	}
	return -1
}

var dottedPVRe = regexp.MustCompile(`^invalid variable name "\$([^"]*\.)"$`)

// xlogLevel sets xlog_level when the script logs at L_INFO: 3.x gates
// xlog by xlog_level (default L_NOTICE), not log_level (K11).
func xlogLevel(ps *pass, have map[string]bool, after *ast.GlobalParam) {
	if have["xlog_level"] {
		return
	}
	var at *ast.Call
	for _, it := range ps.f.Items {
		r, ok := it.(*ast.Route)
		if !ok || !ps.mine(r.At) {
			continue
		}
		ast.Inspect(r, func(n ast.Node) bool {
			c, ok := n.(*ast.Call)
			if ok && at == nil && c.Name == "xlog" && len(c.Args) >= 2 {
				if s, ok := c.Args[0].(*ast.StrLit); ok && s.Value == "L_INFO" {
					at = c
				}
			}
			return at == nil
		})
	}
	if at == nil {
		return
	}
	switch {
	case after != nil:
		ps.es.insertLineAfter(after.At.Offset, "xlog_level=3")
	case len(ps.f.Items) > 0 && ps.mine(ps.f.Items[0].Start()):
		ps.es.insertLineBefore(ps.f.Items[0].Start().Offset, "xlog_level=3")
	default:
		return
	}
	ps.note(at.At, "K11", `xlog("L_INFO", ...) is hidden by the default xlog_level: set xlog_level=3`)
}
