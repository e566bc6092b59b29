package lsp

import (
	"path/filepath"
	"strings"
	"unicode/utf8"

	"gosips/lang"
	"gosips/lang/diag"
)

// document is an open file: its text and what the tools found in it.
type document struct {
	uri  string
	path string
	text string
	// lineOff[i] is the byte offset of line i (0-based).
	lineOff []int
	toks    []lang.Token
	defs    []routeDef
	refs    []routeRef
}

// routeDef is a route block header.
type routeDef struct {
	kind, name string
	at         diag.Pos // the keyword
	nameTok    *lang.Token
	end        int // offset of the closing "}" (or of the header)
}

// routeRef names a route: route(x), t_on_failure("x"), the header itself.
type routeRef struct {
	kind string // route kind the name refers to
	tok  lang.Token
	name string
}

func newDocument(uri, path, text string) *document {
	d := &document{uri: uri, path: path, text: text, lineOff: []int{0}}
	for i := 0; i < len(text); i++ {
		if text[i] == '\n' {
			d.lineOff = append(d.lineOff, i+1)
		}
	}
	d.toks, _ = lang.Tokens(path, []byte(text), lang.Options{Lenient: true})
	d.index()
	return d
}

var routeKinds = map[string]bool{
	"route": true, "failure_route": true, "onreply_route": true, "branch_route": true,
	"error_route": true, "local_route": true, "startup_route": true,
	"timer_route": true, "event_route": true,
}

// armKinds are the functions that arm a named route of a kind.
var armKinds = map[string]string{
	"t_on_failure": "failure_route", "t_on_reply": "onreply_route", "t_on_branch": "branch_route",
}

// index finds route headers and the places that name routes.
func (d *document) index() {
	depth := 0
	t := d.toks
	for i := 0; i < len(t); i++ {
		tok := t[i]
		switch {
		case tok.Kind == lang.TokComment:
			continue
		case tok.Kind == lang.TokPunct && tok.Text == "{":
			depth++
		case tok.Kind == lang.TokPunct && tok.Text == "}":
			depth--
			if depth == 0 && len(d.defs) > 0 && d.defs[len(d.defs)-1].end < 0 {
				d.defs[len(d.defs)-1].end = tok.Pos.Offset
			}
		case tok.Kind == lang.TokKeyword && routeKinds[tok.Text] && depth == 0:
			def := routeDef{kind: tok.Text, at: tok.Pos, end: -1}
			if n := d.next(i); n >= 0 && t[n].Text == "[" {
				if m := d.next(n); m >= 0 {
					nt := t[m]
					def.nameTok = &nt
					def.name = unquote(nt.Text)
					d.refs = append(d.refs, routeRef{kind: tok.Text, tok: nt, name: def.name})
				}
			}
			d.defs = append(d.defs, def)
		case tok.Kind == lang.TokKeyword && tok.Text == "route" && depth > 0:
			if n := d.next(i); n >= 0 && t[n].Text == "(" {
				if m := d.next(n); m >= 0 && t[m].Kind != lang.TokPV {
					d.refs = append(d.refs, routeRef{kind: "route", tok: t[m], name: unquote(t[m].Text)})
				}
			}
		case tok.Kind == lang.TokIdent && armKinds[tok.Text] != "":
			if n := d.next(i); n >= 0 && t[n].Text == "(" {
				if m := d.next(n); m >= 0 && (t[m].Kind == lang.TokString || t[m].Kind == lang.TokIdent) {
					d.refs = append(d.refs, routeRef{kind: armKinds[tok.Text], tok: t[m], name: unquote(t[m].Text)})
				}
			}
		}
	}
}

// next is the index of the next non-comment token after i, or -1.
func (d *document) next(i int) int {
	for j := i + 1; j < len(d.toks); j++ {
		if d.toks[j].Kind != lang.TokComment {
			return j
		}
	}
	return -1
}

// prev is the index of the previous non-comment token before i, or -1.
func (d *document) prev(i int) int {
	for j := i - 1; j >= 0; j-- {
		if d.toks[j].Kind != lang.TokComment {
			return j
		}
	}
	return -1
}

func unquote(s string) string {
	if len(s) >= 2 && (s[0] == '"' || s[0] == '\'') && s[len(s)-1] == s[0] {
		return s[1 : len(s)-1]
	}
	return s
}

// offset turns an LSP position (0-based line, UTF-16 column) into a byte
// offset.
func (d *document) offset(line, char int) int {
	if line < 0 {
		return 0
	}
	if line >= len(d.lineOff) {
		return len(d.text)
	}
	off := d.lineOff[line]
	for n := 0; n < char && off < len(d.text) && d.text[off] != '\n'; {
		r, size := utf8.DecodeRuneInString(d.text[off:])
		off += size
		n++
		if r >= 0x10000 {
			n++
		}
	}
	return off
}

// position turns a byte offset into an LSP position.
func (d *document) position(off int) (line, char int) {
	if off > len(d.text) {
		off = len(d.text)
	}
	lo, hi := 0, len(d.lineOff)-1
	for lo < hi {
		mid := (lo + hi + 1) / 2
		if d.lineOff[mid] <= off {
			lo = mid
		} else {
			hi = mid - 1
		}
	}
	for _, r := range d.text[d.lineOff[lo]:off] {
		char++
		if r >= 0x10000 {
			char++
		}
	}
	return lo, char
}

// tokenAt is the index of the token at offset off, or -1. A cursor
// between two tokens (or just after a word) picks the word: the one
// starting at off, else the one ending there.
func (d *document) tokenAt(off int) int {
	best := -1
	for i, t := range d.toks {
		if t.Pos.Offset > off {
			break
		}
		if off > t.End() {
			continue
		}
		switch {
		case best < 0:
			best = i
		case t.Pos.Offset == off && (isWordTok(t) || !isWordTok(d.toks[best])):
			best = i
		}
	}
	return best
}

func isWordTok(t lang.Token) bool {
	switch t.Kind {
	case lang.TokIdent, lang.TokKeyword, lang.TokPV, lang.TokString, lang.TokNumber:
		return true
	}
	return false
}

// def finds the header of route kind/name.
func (d *document) def(kind, name string) *routeDef {
	for i := range d.defs {
		if d.defs[i].kind == kind && d.defs[i].name == name {
			return &d.defs[i]
		}
	}
	return nil
}

// lineBefore is the text of the line up to offset off.
func (d *document) lineBefore(off int) string {
	start := strings.LastIndexByte(d.text[:off], '\n') + 1
	return d.text[start:off]
}

// includeTarget resolves an include_file/import_file line to a path.
func (d *document) includeTarget(t lang.Token) string {
	_, rest, _ := strings.Cut(t.Text, " ")
	rest = strings.TrimSpace(rest)
	if len(rest) < 2 {
		return ""
	}
	q := rest[0]
	end := strings.IndexByte(rest[1:], q)
	if end < 0 {
		return ""
	}
	p := rest[1 : end+1]
	if !filepath.IsAbs(p) {
		p = filepath.Join(filepath.Dir(d.path), p)
	}
	return p
}
