package lang

import (
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"strings"

	"github.com/alecthomas/participle/v2/lexer"

	"gosips/lang/ast"
	"gosips/lang/diag"
)

// maxIncludeDepth bounds include_file nesting (loop detection), as upstream.
const maxIncludeDepth = 50

// frame is one file on the include stack.
type frame struct {
	name string
	src  string
	off  int
	line int
	col  int
}

// braceOpen is an unclosed "{".
type braceOpen struct {
	pos    lexer.Position
	indent int
}

// chunk is one top-level item: tokens [start, end) of the token stream.
type chunk struct {
	start, end int
	broken     bool // unbalanced braces were already reported for it
}

// scanner turns the main file and its includes into one token stream,
// collecting comments, legacy uses and lexical errors on the way.
type scanner struct {
	opts     Options
	stack    []*frame
	f        *frame
	toks     []lexer.Token // filled by scan; the parser streams through Next
	q        []lexer.Token // tokens scanned but not yet returned by Next
	qi       int
	n        int         // tokens returned or queued so far
	last     lexer.Token // the previous token
	done     bool
	comments []*ast.Comment
	legacy   []*ast.LegacyUse
	diags    diag.List
	files    map[string][]byte
	chunks   []chunk

	paren, bracket int
	braces         []braceOpen
	suspect        *braceOpen // first "{" whose "}" sits at another indentation
	unterminated   bool       // a string or comment ran to the end of a file
	lineStart      bool       // no token yet on the current line
	lineIndent     int
	// directives makes include_file/import_file lines tokens of their own
	// (tokDirective) instead of splicing the named file in: tools that work
	// on one file's text (fmt, the language server) want the line itself.
	directives bool
}

func newScanner(name string, src []byte, opts Options) *scanner {
	s := &scanner{opts: opts, files: map[string][]byte{name: src}}
	s.push(name, src)
	s.startItem()
	return s
}

func (s *scanner) push(name string, src []byte) {
	f := &frame{name: name, src: string(src), line: 1, col: 1}
	s.stack = append(s.stack, f)
	s.f = f
	s.lineStart = true
	s.lineIndent = s.indentAt(0)
}

func (s *scanner) pos() lexer.Position {
	return lexer.Position{Filename: s.f.name, Offset: s.f.off, Line: s.f.line, Column: s.f.col}
}

func dpos(p lexer.Position) diag.Pos {
	return diag.Pos{File: p.Filename, Line: p.Line, Col: p.Column, Offset: p.Offset}
}

// adv consumes n bytes of the current frame, tracking lines and columns.
func (s *scanner) adv(n int) {
	f := s.f
	end := f.off + n
	for i := f.off; i < end; i++ {
		if f.src[i] == '\n' {
			f.line++
			f.col = 1
		} else {
			f.col++
		}
	}
	f.off = end
}

func (s *scanner) errorf(p lexer.Position, format string, args ...any) {
	s.diags.Add(dpos(p), diag.CodeSyntax, fmt.Sprintf(format, args...), "")
}

func (s *scanner) addLegacy(at, end lexer.Position, kind, text, hint string) {
	s.legacy = append(s.legacy, &ast.LegacyUse{At: dpos(at), End: dpos(end), Kind: kind, Text: text, Hint: hint})
}

// indentAt is the visual indentation of the line starting at off.
func (s *scanner) indentAt(off int) int {
	n := 0
	src := s.f.src
	for i := off; i < len(src); i++ {
		switch src[i] {
		case ' ':
			n++
		case '\t':
			n += 8 - n%8
		default:
			return n
		}
	}
	return n
}

func (s *scanner) depth0() bool { return len(s.braces) == 0 && s.paren == 0 && s.bracket == 0 }

func (s *scanner) emit(t lexer.TokenType, p lexer.Position, val string) {
	s.last = lexer.Token{Type: t, Value: val, Pos: p}
	s.q = append(s.q, s.last)
	s.n++
	s.lineStart = false
}

// startItem opens a new top-level chunk at the next token.
func (s *scanner) startItem() {
	n := s.n
	if len(s.chunks) > 0 {
		last := &s.chunks[len(s.chunks)-1]
		if last.start == n {
			return
		}
		last.end = n
	}
	s.chunks = append(s.chunks, chunk{start: n, end: -1})
}

// prevEndsOperand reports whether the previous token can end an operand, so
// that a following "-" is binary rather than a sign or a unary minus.
func (s *scanner) prevEndsOperand() bool {
	if s.n == 0 {
		return false
	}
	t := s.last
	switch t.Type {
	case tokPV, tokNumber, tokString, tokIP, tokNull, tokIdent:
		return true
	case tokPunct:
		return t.Value == ")" || t.Value == "]"
	}
	return false
}

func isLetter(c byte) bool { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '_' }
func isDigit(c byte) bool  { return c >= '0' && c <= '9' }
func isHex(c byte) bool    { return isDigit(c) || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F' }
func isWordChar(c byte) bool {
	return isLetter(c) || isDigit(c)
}

// isPVStop reports the characters that end an unparenthesised PV token.
func isPVStop(c byte) bool {
	switch c {
	case ' ', '\t', '\r', '\n', '\b', '\f', ';', ',', '=', '!', '<', '>', '+', '-', '*', '/',
		'%', '&', '|', '^', '~', ':', '{', '}', '"', '\'':
		return true
	}
	return false
}

// Next implements lexer.Lexer, so that participle's PeekingLexer is filled
// straight from the scanner.
func (s *scanner) Next() (lexer.Token, error) {
	for s.qi >= len(s.q) {
		if s.done {
			return s.last, nil
		}
		s.q, s.qi = s.q[:0], 0
		s.step()
	}
	t := s.q[s.qi]
	s.qi++
	return t, nil
}

// scan runs the scanner to the end, keeping the tokens in s.toks.
func (s *scanner) scan() {
	for {
		t, _ := s.Next()
		s.toks = append(s.toks, t)
		if t.Type == lexer.EOF {
			return
		}
	}
}

// step scans the next token(s), or finishes at the end of the main file.
func (s *scanner) step() {
	for !s.skipSpace() {
		if len(s.stack) == 1 {
			s.finish()
			return
		}
		s.stack = s.stack[:len(s.stack)-1]
		s.f = s.stack[len(s.stack)-1]
	}
	s.next()
}

func (s *scanner) finish() {
	if len(s.braces) > 0 {
		s.reportUnbalanced()
		s.chunks[len(s.chunks)-1].broken = true
	}
	last := &s.chunks[len(s.chunks)-1]
	last.end = s.n
	if last.start == last.end {
		s.chunks = s.chunks[:len(s.chunks)-1]
	}
	s.last = lexer.Token{Type: lexer.EOF, Pos: s.pos()}
	s.q = append(s.q, s.last)
	s.n++
	s.done = true
}

// skipSpace skips blanks, newlines and backslash-newlines; it returns false
// at the end of the current frame.
func (s *scanner) skipSpace() bool {
	f := s.f
	for f.off < len(f.src) {
		switch c := f.src[f.off]; c {
		case ' ', '\t', '\r', '\b', '\f':
			f.off++
			f.col++
		case '\n':
			f.off++
			f.line++
			f.col = 1
			s.lineStart = true
			s.lineIndent = s.indentAt(f.off)
		case '\\':
			if f.off+1 < len(f.src) && f.src[f.off+1] == '\n' {
				s.adv(2)
				continue
			}
			if f.off+2 < len(f.src) && f.src[f.off+1] == '\r' && f.src[f.off+2] == '\n' {
				s.adv(3)
				continue
			}
			return true
		default:
			return true
		}
	}
	return false
}

// next scans one token (or comment, or directive) at the current offset.
func (s *scanner) next() {
	f := s.f
	src := f.src
	i := f.off
	c := src[i]
	p := s.pos()
	switch {
	case c == '#':
		s.lineComment(p)
	case c == '/' && i+1 < len(src) && src[i+1] == '*':
		s.blockComment(p)
	case c == '/' && i+1 < len(src) && src[i+1] == '/':
		// "//" never appears in a valid script, so it is taken as a comment.
		if s.opts.Lenient {
			end := s.lineComment(p)
			s.addLegacy(p, end, "slash-comment", "//", `use "#" for comments`)
		} else {
			s.diags.Add(dpos(p), diag.CodeSyntax, `"//" is not a comment in opensips.cfg`, `use "#" for comments`)
			s.lineComment(p)
		}
	case c == '"' || c == '\'':
		s.str(p, c)
	case c == 0xE2 && i+2 < len(src) && src[i+1] == 0x80 && (src[i+2] >= 0x98 && src[i+2] <= 0x9D):
		s.smartStr(p)
	case c == '$':
		s.pv(p)
	case isDigit(c):
		s.number(p, i)
	case (c == '-' || c == '+') && i+1 < len(src) && isDigit(src[i+1]) && !s.prevEndsOperand():
		s.number(p, i)
	case isLetter(c):
		s.word(p)
	default:
		s.op(p)
	}
}

func (s *scanner) lineComment(p lexer.Position) lexer.Position {
	src := s.f.src
	i := s.f.off
	j := strings.IndexByte(src[i:], '\n')
	if j < 0 {
		j = len(src) - i
	}
	text := strings.TrimRight(src[i:i+j], "\r")
	s.adv(len(text))
	end := s.pos()
	s.comments = append(s.comments, &ast.Comment{At: dpos(p), End: dpos(end), Text: text})
	return end
}

func (s *scanner) blockComment(p lexer.Position) {
	src := s.f.src
	start := s.f.off
	i := start + 2
	depth := 1
	for i < len(src) && depth > 0 {
		switch {
		case src[i] == '/' && i+1 < len(src) && src[i+1] == '*':
			depth++
			i += 2
		case src[i] == '*' && i+1 < len(src) && src[i+1] == '/':
			depth--
			i += 2
		default:
			i++
		}
	}
	if depth > 0 {
		s.errorf(p, "unterminated /* comment")
		s.unterminated = true
	}
	s.adv(i - start)
	s.comments = append(s.comments, &ast.Comment{At: dpos(p), End: dpos(s.pos()), Text: src[start:i]})
}

func (s *scanner) str(p lexer.Position, q byte) {
	src := s.f.src
	start := s.f.off
	i := start + 1
	for i < len(src) && src[i] != q {
		if q == '"' && src[i] == '\\' && i+1 < len(src) {
			i++
		}
		i++
	}
	if i >= len(src) {
		s.errorf(p, "unterminated string")
		s.unterminated = true
		s.adv(len(src) - start)
		s.emit(tokString, p, src[start:]+string(q))
		return
	}
	s.adv(i + 1 - start)
	s.emit(tokString, p, src[start:i+1])
}

// smartStr scans a string delimited by curly quotes (copy/paste damage).
func (s *scanner) smartStr(p lexer.Position) {
	src := s.f.src
	start := s.f.off
	single := src[start+2] == 0x98 || src[start+2] == 0x99
	i := start + 3
	for i < len(src) && src[i] != '\n' {
		if src[i] == '"' && !single {
			break
		}
		if src[i] == 0xE2 && i+2 < len(src) && src[i+1] == 0x80 {
			b := src[i+2]
			if single && (b == 0x98 || b == 0x99) || !single && (b == 0x9C || b == 0x9D) {
				i += 2
				break
			}
		}
		i++
	}
	if i >= len(src) || src[i] == '\n' {
		i--
	}
	s.adv(i + 1 - start)
	text := src[start : i+1]
	if s.opts.Lenient {
		s.addLegacy(p, s.pos(), "smart-quote", text, `use plain quotes "..." or '...'`)
	} else {
		s.diags.Add(dpos(p), diag.CodeSyntax, "curly quotes are not string delimiters", `use plain quotes "..." or '...'`)
	}
	s.emit(tokString, p, text)
}

// pv scans a script variable token (language spec §3.7).
func (s *scanner) pv(p lexer.Position) {
	src := s.f.src
	start := s.f.off
	i := start + 1
	depth := 0
loop:
	for i < len(src) {
		c := src[i]
		switch {
		case c == '\n':
			break loop
		case c == '(':
			depth++
		case c == ')':
			if depth == 0 {
				break loop
			}
			depth--
			if depth == 0 {
				i++
				break loop
			}
		case depth == 0 && isPVStop(c):
			break loop
		}
		i++
	}
	// Legacy unbracketed index: $hdr(Via)[1] -> $(hdr(Via)[1]).
	if src[i-1] == ')' && i < len(src) && src[i] == '[' {
		j := i + 1
		if j < len(src) && (src[j] == '-' || src[j] == '*') {
			j++
		}
		for j < len(src) && isDigit(src[j]) {
			j++
		}
		if j > i+1 && j < len(src) && src[j] == ']' {
			j++
			s.adv(j - start)
			text := src[start:j]
			s.addLegacy(p, s.pos(), "unbracketed-index", text, "put the index inside $( ): $(name(x)[i])")
			s.emit(tokPV, p, text)
			return
		}
	}
	s.adv(i - start)
	text := src[start:i]
	if strings.Contains(text, "avp(s:") || strings.Contains(text, "avp(i:") {
		s.addLegacy(p, s.pos(), "avp-prefix", text, `drop the "s:"/"i:" prefix: $avp(name)`)
	}
	s.emit(tokPV, p, text)
}

// number scans a number, an IPv4 address or an IPv4 network.
func (s *scanner) number(p lexer.Position, start int) {
	src := s.f.src
	i := start
	if src[i] == '-' || src[i] == '+' {
		i++
	} else if n := ipRun(src, i); n > 0 {
		s.adv(n)
		s.emit(tokIP, p, src[start:start+n])
		return
	}
	if src[i] == '0' && i+1 < len(src) && (src[i+1] == 'x' || src[i+1] == 'X') {
		i += 2
		for i < len(src) && isHex(src[i]) {
			i++
		}
	} else {
		for i < len(src) && isDigit(src[i]) {
			i++
		}
	}
	s.adv(i - start)
	s.emit(tokNumber, p, src[start:i])
}

// ipRun returns the length of an IP address or network at src[i:], or 0.
func ipRun(src string, i int) int {
	j := i
	colon, dot := false, false
	for j < len(src) && (isHex(src[j]) || src[j] == ':' || src[j] == '.') {
		colon = colon || src[j] == ':'
		dot = dot || src[j] == '.'
		j++
	}
	if !colon && !dot {
		return 0
	}
	addr := src[i:j]
	// Trim a trailing ":" or "." that belongs to the next token.
	for len(addr) > 0 && (addr[len(addr)-1] == '.' || addr[len(addr)-1] == ':' && !strings.HasSuffix(addr, "::")) {
		addr = addr[:len(addr)-1]
	}
	if net.ParseIP(addr) == nil {
		return 0
	}
	n := len(addr)
	if i+n < len(src) && src[i+n] == '/' {
		k := i + n + 1
		for k < len(src) && (isDigit(src[k]) || src[k] == '.' || src[k] == ':' || isHex(src[k])) {
			k++
		}
		mask := src[i+n+1 : k]
		if _, _, err := net.ParseCIDR(addr + "/" + mask); err == nil || net.ParseIP(mask) != nil {
			return k - i
		}
	}
	return n
}

// word scans an identifier, keyword, boolean word, include directive or a
// top-level "name = value" line.
func (s *scanner) word(p lexer.Position) {
	src := s.f.src
	start := s.f.off
	i := start + 1
	for i < len(src) && isWordChar(src[i]) {
		i++
	}
	w := src[start:i]
	if s.lineStart && (w == "include_file" || w == "import_file") {
		s.include(p, w, i)
		return
	}
	if s.depth0() {
		j := i
		for j < len(src) && (isWordChar(src[j]) || src[j] == '-') {
			j++
		}
		k := j
		for k < len(src) && (src[k] == ' ' || src[k] == '\t') {
			k++
		}
		if k < len(src) && src[k] == '=' && (k+1 >= len(src) || src[k+1] != '=') && !keywords[src[start:j]] {
			s.startItem()
			s.adv(j - start)
			s.emit(tokIdent, p, src[start:j])
			s.adv(k - j)
			s.emit(tokRel, s.pos(), "=")
			s.adv(1)
			s.rawValue()
			return
		}
	}
	if keywords[w] {
		if s.lineStart && s.f.col == 1 && (len(s.braces) > 0 || s.paren > 0) && s.itemStartsHere(w, i) {
			s.resync()
		}
		if s.depth0() && (routeKeywords[w] || w == "loadmodule" || w == "modparam") {
			s.startItem()
		}
		s.adv(i - start)
		s.emit(tokKeyword, p, w)
		return
	}
	if _, ok := wordNumbers[w]; ok {
		s.adv(i - start)
		s.emit(tokNumber, p, w)
		return
	}
	switch w {
	case "null", "NULL":
		s.adv(i - start)
		s.emit(tokNull, p, w)
		return
	case "and", "or":
		s.adv(i - start)
		s.emit(tokBinOp, p, w)
		return
	case "not":
		s.adv(i - start)
		s.emit(tokUnary, p, w)
		return
	}
	// Legacy glued words inside parentheses: uri:host, msg:len, a.b.
	if s.paren > 0 {
		for i+1 < len(src) && (src[i] == ':' || src[i] == '.') && isLetter(src[i+1]) {
			i += 2
			for i < len(src) && isWordChar(src[i]) {
				i++
			}
		}
	}
	s.adv(i - start)
	s.emit(tokIdent, p, src[start:i])
}

// itemStartsHere reports whether keyword w at offset end starts a top-level
// item (a route header, loadmodule or modparam) rather than a route() call.
func (s *scanner) itemStartsHere(w string, end int) bool {
	src := s.f.src
	for end < len(src) && (src[end] == ' ' || src[end] == '\t') {
		end++
	}
	if end >= len(src) {
		return false
	}
	switch {
	case w == "loadmodule":
		return src[end] == '"' || src[end] == '\''
	case w == "modparam":
		return src[end] == '('
	case routeKeywords[w]:
		return src[end] == '[' || src[end] == '{'
	}
	return false
}

// resync is called when a top-level item starts at column 1 while braces or
// parentheses are still open: the previous item is broken.
func (s *scanner) resync() {
	if len(s.braces) > 0 {
		s.reportUnbalanced()
		s.chunks[len(s.chunks)-1].broken = true
	}
	s.braces = s.braces[:0]
	s.paren, s.bracket = 0, 0
	s.suspect = nil
}

func (s *scanner) reportUnbalanced() {
	if s.unterminated {
		return // the unterminated string or comment swallowed the "}"
	}
	b := s.braces[len(s.braces)-1]
	if s.suspect != nil {
		b = *s.suspect
	}
	s.diags.Add(dpos(b.pos), diag.CodeSyntax,
		fmt.Sprintf(`unbalanced braces: "{" at %d:%d is never closed`, b.pos.Line, b.pos.Column),
		"check the braces of this block; indentation suggests the problem is here")
}

// rawValue scans the rest of a top-level "name =" line as one token; a value
// continues over newlines only inside quotes or brackets.
func (s *scanner) rawValue() {
	src := s.f.src
	i := s.f.off
	for i < len(src) && (src[i] == ' ' || src[i] == '\t') {
		i++
	}
	s.adv(i - s.f.off)
	start := i
	depth := 0
loop:
	for i < len(src) {
		switch c := src[i]; c {
		case '\n':
			if depth == 0 {
				break loop
			}
		case '"', '\'':
			j := i + 1
			for j < len(src) && src[j] != c {
				if c == '"' && src[j] == '\\' {
					j++
				}
				j++
			}
			i = j
		case '#':
			break loop
		case '/':
			if i+1 < len(src) && src[i+1] == '*' {
				break loop
			}
		case '(', '{', '[':
			depth++
		case ')', '}', ']':
			if depth > 0 {
				depth--
			}
		}
		i++
	}
	if i > len(src) {
		i = len(src)
	}
	raw := strings.TrimRight(src[start:i], " \t\r")
	semi := false
	if strings.HasSuffix(raw, ";") {
		raw = strings.TrimRight(raw[:len(raw)-1], " \t\r")
		semi = true
	}
	p := s.pos()
	if raw != "" {
		s.adv(len(raw))
		s.emit(tokRaw, p, raw)
	}
	if semi {
		for s.f.src[s.f.off] != ';' {
			s.adv(1)
		}
		s.emit(tokPunct, s.pos(), ";")
		s.adv(1)
	}
}

// include handles include_file/import_file: the rest of the line names the
// file whose tokens replace the line.
func (s *scanner) include(p lexer.Position, w string, i int) {
	src := s.f.src
	lineEnd := strings.IndexByte(src[i:], '\n')
	if lineEnd < 0 {
		lineEnd = len(src)
	} else {
		lineEnd += i
	}
	rest := strings.TrimSpace(src[i:lineEnd])
	if s.directives {
		line := strings.TrimRight(src[p.Offset:lineEnd], " \t\r")
		s.adv(p.Offset + len(line) - s.f.off)
		s.emit(tokDirective, p, line)
		s.lineStart = true
		return
	}
	s.adv(lineEnd - s.f.off)
	s.lineStart = true
	var path string
	if len(rest) >= 2 && (rest[0] == '"' || rest[0] == '\'') {
		if k := strings.IndexByte(rest[1:], rest[0]); k >= 0 {
			path = rest[1 : k+1]
		}
	}
	if path == "" {
		s.diags.Add(dpos(p), diag.CodeInclude, w+` needs a quoted, non-empty file name`, `write `+w+` "file.cfg"`)
		return
	}
	if len(s.stack) >= maxIncludeDepth {
		s.diags.Add(dpos(p), diag.CodeInclude, fmt.Sprintf("%s %q: includes nested deeper than %d (include loop?)", w, path, maxIncludeDepth), "")
		return
	}
	read := s.opts.ReadFile
	if read == nil {
		read = os.ReadFile
	}
	name := path
	data, err := read(path)
	if err != nil && !filepath.IsAbs(path) {
		alt := filepath.Join(filepath.Dir(s.f.name), path)
		if d, err2 := read(alt); err2 == nil {
			data, err, name = d, nil, alt
		}
	}
	if err != nil {
		s.diags.Add(dpos(p), diag.CodeInclude, fmt.Sprintf("%s %q: %v", w, path, unwrapPathErr(err)), "")
		return
	}
	s.files[name] = data
	s.push(name, data)
}

// unwrapPathErr drops the path from *os.PathError, which the message already names.
func unwrapPathErr(err error) error {
	if pe, ok := err.(*os.PathError); ok {
		return pe.Err
	}
	return err
}

// op scans operators and punctuation.
func (s *scanner) op(p lexer.Position) {
	src := s.f.src
	i := s.f.off
	c := src[i]
	var c2 byte
	if i+1 < len(src) {
		c2 = src[i+1]
	}
	two := func(t lexer.TokenType) {
		s.adv(2)
		s.emit(t, p, src[i:i+2])
	}
	one := func(t lexer.TokenType) {
		s.adv(1)
		s.emit(t, p, src[i:i+1])
	}
	switch c {
	case '=':
		if c2 == '=' || c2 == '~' {
			two(tokRel)
		} else {
			one(tokRel)
		}
		s.afterCompare()
	case '!':
		if c2 == '=' || c2 == '~' {
			two(tokRel)
			s.afterCompare()
		} else {
			one(tokUnary)
		}
	case '<', '>':
		if c2 == c {
			two(tokBinOp)
		} else if c2 == '=' {
			two(tokRel)
		} else {
			one(tokRel)
		}
	case '&', '|':
		if c2 == c {
			two(tokBinOp)
		} else if c2 == '=' {
			two(tokRel)
		} else {
			one(tokBinOp)
		}
	case '+', '*', '/', '%', '^':
		if c2 == '=' {
			two(tokRel)
		} else {
			one(tokBinOp)
		}
	case '-':
		switch {
		case c2 == '=':
			two(tokRel)
		case s.prevEndsOperand():
			one(tokBinOp)
		default:
			one(tokUnary)
		}
	case '~':
		one(tokUnary)
	case ':':
		if c2 == '=' {
			two(tokRel)
		} else {
			one(tokPunct)
		}
	case '(':
		s.paren++
		one(tokPunct)
	case ')':
		if s.paren > 0 {
			s.paren--
		}
		one(tokPunct)
	case '[':
		s.bracket++
		one(tokPunct)
	case ']':
		if s.bracket > 0 {
			s.bracket--
		}
		one(tokPunct)
	case '{':
		s.braces = append(s.braces, braceOpen{pos: p, indent: s.lineIndent})
		one(tokPunct)
	case '}':
		if len(s.braces) == 0 {
			s.diags.Add(dpos(p), diag.CodeSyntax, `unbalanced braces: "}" has no matching "{"`, "")
			s.adv(1)
			return
		}
		open := s.braces[len(s.braces)-1]
		s.braces = s.braces[:len(s.braces)-1]
		if s.lineStart && s.suspect == nil && open.indent != s.lineIndent {
			s.suspect = &open
		}
		if len(s.braces) == 0 {
			s.suspect = nil
		}
		one(tokPunct)
	case ';', ',', '.':
		one(tokPunct)
	default:
		r := src[i:]
		n := 1
		for n < len(r) && n < 4 && r[n]&0xC0 == 0x80 {
			n++
		}
		// flex's default rule echoes unknown characters, so upstream skips them.
		s.adv(n)
		s.addLegacy(p, s.pos(), "stray-character", r[:n], "remove it")
	}
}

// afterCompare lexes an unquoted IP address or network after == / != (IPv6
// forms start with letters or ":" and would not lex as numbers otherwise).
func (s *scanner) afterCompare() {
	if !s.skipSpace() {
		return
	}
	src := s.f.src
	i := s.f.off
	if c := src[i]; !isHex(c) && c != ':' {
		return
	}
	n := ipRun(src, i)
	if n == 0 || !strings.Contains(src[i:i+n], ":") {
		return
	}
	p := s.pos()
	s.adv(n)
	s.emit(tokIP, p, src[i:i+n])
}

// Lex implements lexer.Definition; the parser feeds tokens from the scanner
// directly, so this exists for tooling that wants the token stream.
func (tokDef) Lex(filename string, r io.Reader) (lexer.Lexer, error) {
	src, err := io.ReadAll(r)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", filename, err)
	}
	s := newScanner(filename, src, Options{})
	s.scan()
	return &sliceLexer{toks: s.toks}, nil
}
