package port

import (
	"regexp"
	"strings"

	"gosips/lang/ast"
)

// lexicalPass fixes tokens: comments, quotes, top-level ";" and variable
// names (L1, L2, L4, V1–V6).
func lexicalPass(ps *pass) {
	src := ps.src
	for _, u := range ps.f.Legacy {
		if !ps.mine(u.At) || u.End.Offset > len(src) || u.End.Offset < u.At.Offset {
			continue
		}
		a, b := u.At.Offset, u.End.Offset
		switch u.Kind {
		case "slash-comment":
			ps.es.replace(a, a+2, "#")
		case "smart-quote":
			ps.es.replace(a, b, plainQuotes(string(src[a:b])))
		case "top-level-semicolon":
			ps.es.replace(a, b, "")
		case "call-without-parens":
			ps.es.insert(b, "()")
		case "missing-semicolon-before-else":
			ps.es.insert(afterParens(src, a), ";")
		case "stray-character":
			ps.es.delete(a, b)
			ps.note(u.At, "L1", "removed the stray character %q", u.Text)
		case "bare-block":
			// L6: drop the extra braces, keep the statements.
			ps.es.deleteItem(a, a+1)
			if b > a+1 && src[b-1] == '}' {
				ps.es.deleteItem(b-1, b)
			}
			ps.note(u.At, "L6", "removed the braces of a free-standing block")
		}
	}
	aliases := ps.avpAliases()
	fix := func(a, b int) {
		if a < 0 || b > len(src) || a >= b {
			return
		}
		old := string(src[a:b])
		if nw := fixVars(old, aliases, ps.p.opts.Target); nw != old {
			ps.es.replace(a, b, nw)
		}
	}
	for _, it := range ps.f.Items {
		switch it := it.(type) {
		case *ast.GlobalParam:
			// The scanner reads an unquoted global value to the end of the
			// line, so a "//" comment after it is only found here (L1).
			if v := it.Value; v != nil && ps.mine(v.At) && v.End.Offset <= len(src) {
				if i := trailingSlashComment(src[v.At.Offset:v.End.Offset]); i >= 0 {
					ps.es.replace(v.At.Offset+i, v.At.Offset+i+2, "#")
				}
			}
		case *ast.ModParam:
			if it.Value != nil && it.Value.Kind == ast.ValString && ps.mine(it.Value.At) {
				fix(it.Value.At.Offset, it.Value.End.Offset)
			}
		case *ast.Route:
			ast.Inspect(it, func(n ast.Node) bool {
				switch n := n.(type) {
				case *ast.PV:
					if ps.mine(n.At) {
						fix(n.At.Offset, n.End.Offset)
					}
				case *ast.StrLit:
					if ps.mine(n.At) {
						fix(n.At.Offset, n.End.Offset)
					}
				}
				return true
			})
		}
	}
}

// trailingSlashComment returns the offset of a "//" that follows a blank
// outside quotes in an unquoted value, or -1.
func trailingSlashComment(v []byte) int {
	var quote byte
	for i := 0; i+1 < len(v); i++ {
		c := v[i]
		switch {
		case quote != 0:
			if c == quote {
				quote = 0
			}
		case c == '"' || c == '\'':
			quote = c
		case c == '/' && v[i+1] == '/' && i > 0 && (v[i-1] == ' ' || v[i-1] == '\t'):
			return i
		}
	}
	return -1
}

// afterParens returns the offset after a parenthesised list starting at
// off (blanks allowed before it), or off.
func afterParens(src []byte, off int) int {
	i := skipBlanks(src, off)
	if i >= len(src) || src[i] != '(' {
		return off
	}
	depth := 0
	for j := i; j < len(src); j++ {
		switch src[j] {
		case '(':
			depth++
		case ')':
			depth--
			if depth == 0 {
				return j + 1
			}
		case '"', '\'':
			if e := stringEnd(src, j); e > 0 {
				j = e - 1
			}
		}
	}
	return off
}

// plainQuotes replaces curly quotes by straight ones (L2).
func plainQuotes(s string) string {
	return strings.NewReplacer("\u201c", `"`, "\u201d", `"`, "\u2018", "'", "\u2019", "'").Replace(s)
}

var (
	avpPrefixRe = regexp.MustCompile(`(\$\(?avp\()([si]):([^)\s]*)\)`)
	removedPVRe = regexp.MustCompile(`\$(Ri|Rp|proto|pr|af|fs)([^A-Za-z0-9_(]|$)`)
	indexRe     = regexp.MustCompile(`\$([A-Za-z_][A-Za-z0-9_]*\([^()$]*\))\[(-?[0-9]+|\*)\]`)
)

var removedPVs = map[string]string{
	"Ri": "$socket_in(ip)", "Rp": "$socket_in(port)", "proto": "$socket_in(proto)",
	"pr": "$socket_in(proto)", "af": "$socket_in(af)", "fs": "$socket_out",
}

// fixVars rewrites the variable names inside one token (a PV, a quoted
// string or a modparam value): $avp(s:x) → $avp(x) (V1–V3), $hdr(X)[1] →
// $(hdr(X)[1]) (V4, V5) and the socket variables removed in 3.3 (V6, V7).
func fixVars(s string, aliases map[string]string, t Target) string {
	s = avpPrefixRe.ReplaceAllStringFunc(s, func(m string) string {
		g := avpPrefixRe.FindStringSubmatch(m)
		name := g[3]
		if a, ok := aliases[g[2]+":"+name]; ok {
			name = a
		}
		return g[1] + name + ")"
	})
	s = indexRe.ReplaceAllString(s, "$$($1[$2])")
	if t.atLeast(3) {
		s = removedPVRe.ReplaceAllStringFunc(s, func(m string) string {
			g := removedPVRe.FindStringSubmatch(m)
			return removedPVs[g[1]] + g[2]
		})
	}
	return s
}

// avpAliases reads avp_aliases="name=i:25;other=s:x" (V3): the old
// numeric or prefixed names become the alias.
func (ps *pass) avpAliases() map[string]string {
	out := map[string]string{}
	for _, it := range ps.f.Items {
		g, ok := it.(*ast.GlobalParam)
		if !ok || g.Name != "avp_aliases" || g.Value == nil {
			continue
		}
		v := g.Value.Str
		if v == "" {
			v = strings.Trim(g.Value.Raw, `"`)
		}
		for _, part := range strings.FieldsFunc(v, func(r rune) bool { return r == ';' || r == ',' }) {
			alias, target, ok := strings.Cut(strings.TrimSpace(part), "=")
			if ok {
				out[strings.TrimSpace(target)] = strings.TrimSpace(alias)
			}
		}
	}
	return out
}
