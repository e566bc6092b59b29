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
		src, off := ps.src, d.Pos.Offset
		if off < 1 || off > len(src) || src[off-1] != '$' {
			continue
		}
		if d.Msg == `invalid variable name after "$"` {
			ps.es.insert(off, "$")
			ps.note(d.Pos, "V11", `wrote a literal "$" as "$$"`)
			continue
		}
		g := dottedPVRe.FindStringSubmatch(d.Msg)
		if g == nil || off+len(g[1]) > len(src) || string(src[off:off+len(g[1])]) != g[1] {
			continue
		}
		base := strings.TrimRight(g[1], ".")
		if base == "" {
			continue
		}
		ps.es.replace(off-1, off+len(g[1]), "$("+base+")"+g[1][len(base):])
		ps.note(d.Pos, "V12", `wrote $(%s) so that the "." after it is text`, base)
	}
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
