package port

import (
	"gosips/lang/ast"
	"gosips/lang/diag"
)

// study reads the dialect facts of the input that later passes rely on,
// before any rewrite hides them.
func (p *porter) study(f *ast.File) {
	_, diags := p.compile(f)
	for _, d := range diags {
		if d.Code == diag.CodeLegacy || d.Code == diag.CodeDeprecated {
			p.legacyIn = true
		}
	}
	for _, it := range f.Items {
		switch it := it.(type) {
		case *ast.Route:
			ast.Inspect(it, func(n ast.Node) bool {
				if b, ok := n.(*ast.Break); ok && b.Legacy {
					p.openser09 = true
				}
				return true
			})
		case *ast.ModParam:
			if it.Module != "registrar" || it.Value == nil {
				continue
			}
			n, ok := valueInt(it.Value)
			switch {
			case it.Param == "append_branches" && ok && n == 0:
				p.lookupExtra = append(p.lookupExtra, "no-branches")
			case it.Param == "method_filtering" && ok && n != 0:
				p.lookupExtra = append(p.lookupExtra, "method-filtering")
			}
		}
	}
	p.flagNames = newFlagNamer(f)
	p.studyHistory(f)
}

// rewritePass applies the rules of §3.2–§3.11 and the format fixes of
// V11 and V12.
func rewritePass(ps *pass) {
	globals(ps)
	loadmodules(ps)
	modparams(ps)
	routes(ps)
	formats(ps)
	tlsSettings(ps)
	ps.p.hist.flagCallsDone = true
}
