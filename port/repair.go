package port

import (
	"regexp"
	"strconv"
	"strings"

	"gosips/lang/ast"
	"gosips/lang/diag"
)

// repair fixes the syntax errors that have one mechanical fix (L7, L8,
// L10) before any other pass runs, since those need an input that parses.
// It applies only when every error of the input is repaired and the result
// parses; otherwise the input is left to unparsable.
func (p *porter) repair(f *ast.File, diags diag.List) ([]byte, bool) {
	if f == nil {
		return nil, false
	}
	found := len(p.found)
	ps := &pass{p: p, idx: len(p.maps), f: f, src: p.src, es: &editSet{src: p.src}}
	r := &repairer{ps: ps, done: map[*ast.Switch]bool{}}
	for _, d := range diags.Errors() {
		if !ps.mine(d.Pos) || d.Pos.Offset >= len(p.src) || !r.fix(d) {
			p.found = p.found[:found]
			return nil, false
		}
	}
	out, m := ps.es.apply()
	if _, again := p.parse(out, true); again.HasErrors() {
		p.found = p.found[:found]
		return nil, false
	}
	p.maps = append(p.maps, m)
	return out, true
}

// repairer holds the state of one repair.
type repairer struct {
	ps   *pass
	done map[*ast.Switch]bool
}

var reservedRouteRe = regexp.MustCompile(`^route name "([A-Za-z_][A-Za-z0-9_]*)" is a reserved word`)

// fix repairs the error d; false when it has no mechanical fix.
func (r *repairer) fix(d *diag.Diagnostic) bool {
	ps := r.ps
	src, off := ps.src, d.Pos.Offset
	switch {
	case d.Msg == "a route body needs at least one statement" && src[off] == '{':
		// L7: an empty statement keeps the route's behaviour.
		text := "{ ;"
		if off+1 < len(src) && src[off+1] == '}' {
			text += " "
		}
		ps.es.replace(off, off+1, text)
		ps.note(d.Pos, "L7", `an empty route body is an error: added ";"`)
		return true
	case reservedRouteRe.MatchString(d.Msg):
		// L8: a route named by a keyword is written as a string.
		name := reservedRouteRe.FindStringSubmatch(d.Msg)[1]
		if off+len(name) > len(src) || string(src[off:off+len(name)]) != name {
			return false
		}
		ps.es.replace(off, off+len(name), strconv.Quote(name))
		ps.note(d.Pos, "L8", "quoted the route name %q: it is a reserved word", name)
		return true
	case d.Msg == `"default" must be the last label in a switch`:
		return r.moveDefault(d.Pos)
	}
	return false
}

// moveDefault moves the default clause of the switch holding the case at
// pos to the end of the switch (L10). Only clauses that cannot fall
// through move: the default, the case before it and the last case must
// each end with break, exit, return or drop.
func (r *repairer) moveDefault(pos diag.Pos) bool {
	ps := r.ps
	sw := switchWithCase(ps.f, pos.Offset)
	if sw == nil {
		return false
	}
	if r.done[sw] {
		return true // one error per case after the default: moved once
	}
	r.done[sw] = true
	di := -1
	for i, c := range sw.Cases {
		if c.Default {
			di = i
			break
		}
	}
	if di < 0 || di == len(sw.Cases)-1 {
		return false
	}
	last := sw.Cases[len(sw.Cases)-1]
	if !ends(sw.Cases[di].Body) || !ends(last.Body) || (di > 0 && !ends(sw.Cases[di-1].Body)) {
		return false
	}
	src := ps.src
	start, next := sw.Cases[di].At.Offset, sw.Cases[di+1].At.Offset
	close := closingBrace(src, last.At.Offset)
	if close < 0 || next <= start {
		return false
	}
	clause := strings.TrimRight(string(src[start:next]), " \t\r\n")
	ps.es.delete(start, next)
	ls := lineStart(src, close)
	if strings.TrimSpace(string(src[ls:close])) == "" {
		// "}" on its own line: the clause goes on the lines above it,
		// indented like the case labels.
		ps.es.insert(ls, indentOf(src, last.At.Offset)+clause+"\n")
	} else {
		ps.es.insert(close, clause+" ")
	}
	ps.note(sw.Cases[di].At, "L10", `moved "default" to the end of the switch`)
	return true
}

// ends reports whether a case body cannot fall through.
func ends(body []ast.Stmt) bool {
	for i := len(body) - 1; i >= 0; i-- {
		switch body[i].(type) {
		case *ast.Empty:
			continue
		case *ast.Break, *ast.Exit, *ast.Return, *ast.Drop:
			return true
		}
		return false
	}
	return false
}

// switchWithCase finds the switch one of whose case labels is at off.
func switchWithCase(f *ast.File, off int) *ast.Switch {
	var found *ast.Switch
	for _, it := range f.Items {
		ast.Inspect(it, func(n ast.Node) bool {
			if s, ok := n.(*ast.Switch); ok && found == nil {
				for _, c := range s.Cases {
					if c.At.Offset == off {
						found = s
					}
				}
			}
			return found == nil
		})
	}
	return found
}

// closingBrace returns the offset of the first "}" after from that closes
// a block open before from, skipping strings and comments; -1 if none.
func closingBrace(src []byte, from int) int {
	depth := 0
	for i := from; i < len(src); i++ {
		switch c := src[i]; c {
		case '"', '\'':
			if e := stringEnd(src, i); e > 0 {
				i = e - 1
			}
		case '#':
			i = lineEnd(src, i) - 1
		case '/':
			if i+1 < len(src) && src[i+1] == '*' {
				if e := strings.Index(string(src[i+2:]), "*/"); e >= 0 {
					i += e + 3
				}
			}
		case '{':
			depth++
		case '}':
			if depth == 0 {
				return i
			}
			depth--
		}
	}
	return -1
}
