package lang

import (
	"fmt"
	"os"
	"sort"
	"strings"

	"github.com/alecthomas/participle/v2"
	"github.com/alecthomas/participle/v2/lexer"

	"gosips/lang/ast"
	"gosips/lang/diag"
)

// Options tune parsing.
type Options struct {
	AllErrors bool                              // do not stop after 10 errors
	ReadFile  func(path string) ([]byte, error) // for include_file/import_file; nil = os.ReadFile
	Lenient   bool                              // also accept "//" comments and curly quotes (recorded as LegacyUse)
}

// maxErrors is the error count after which parsing reports no more.
const maxErrors = 10

// ParseFile reads and parses the script at path.
func ParseFile(path string, opts Options) (*ast.File, diag.List) {
	read := opts.ReadFile
	if read == nil {
		read = os.ReadFile
	}
	src, err := read(path)
	if err != nil {
		var l diag.List
		l.Add(diag.Pos{File: path, Line: 1, Col: 1}, diag.CodeInclude,
			fmt.Sprintf("cannot read %s: %v", path, unwrapPathErr(err)), "")
		return &ast.File{Name: path, Files: map[string][]byte{}}, l
	}
	return Parse(path, src, opts)
}

// Parse parses src, naming it name in positions. It always returns a file,
// possibly partial, along with the diagnostics found.
func Parse(name string, src []byte, opts Options) (*ast.File, diag.List) {
	s := newScanner(name, src, opts)
	// All items share one token stream; the scanner fills it while splitting
	// it into top-level items, which are then parsed one by one so that an
	// error in one does not hide the next.
	peek, _ := lexer.Upgrade(s)
	toks := peek.Range(0, lexer.RawCursor(s.n))
	lw := &lowerer{opts: opts, legacy: s.legacy}
	file := &ast.File{Name: name, Files: s.files, Comments: s.comments}
	diags := s.diags
	base, baseIdx := peek.MakeCheckpoint(), 0
	for _, c := range s.chunks {
		if c.broken || c.start >= c.end {
			continue
		}
		peek.LoadCheckpoint(base)
		for i := baseIdx; i < c.start; i++ {
			peek.Next()
		}
		base, baseIdx = peek.MakeCheckpoint(), c.start
		item, errs := lw.parseItem(peek, toks, c)
		diags = append(diags, errs...)
		if item != nil {
			file.Items = append(file.Items, item)
		}
	}
	diags = append(diags, lw.diags...)
	file.Legacy = lw.legacy
	sortLegacy(file.Legacy)
	return file, limitErrors(diags, opts.AllErrors)
}

// parseItem parses the top-level item held by chunk c of toks; peek is at
// the item's first token.
func (lw *lowerer) parseItem(peek *lexer.PeekingLexer, toks []lexer.Token, c chunk) (item ast.Item, errs diag.List) {
	first := toks[c.start]
	eof := toks[c.end].Pos
	defer func() {
		if r := recover(); r != nil {
			item = nil
			errs.Add(dpos(first.Pos), diag.CodeSyntax, fmt.Sprintf("cannot parse this item: %v", r), "")
		}
	}()
	var err error
	switch {
	case first.Type == tokIdent && c.end-c.start > 1 && toks[c.start+1].Type == tokRel && toks[c.start+1].Value == "=":
		return lw.globalParam(toks[c.start:c.end], eof)
	case first.Type == tokKeyword && first.Value == "loadmodule":
		var g *gLoadModule
		if g, err = loadParser.ParseFromLexer(peek, trailing); err == nil {
			item = lw.loadModule(g)
		}
	case first.Type == tokKeyword && first.Value == "modparam":
		var g *gModParam
		if g, err = modParser.ParseFromLexer(peek, trailing); err == nil {
			item = lw.modParam(g)
		}
	case first.Type == tokKeyword && routeKeywords[first.Value]:
		var g *gRoute
		if g, err = routeParser.ParseFromLexer(peek, trailing); err == nil {
			item = lw.route(g)
		}
	default:
		return nil, leftover(first)
	}
	if err != nil {
		return nil, syntaxErr(err, toks[c.start:c.end], eof)
	}
	if i := peek.Cursor(); i < c.end {
		errs = leftover(toks[i])
	}
	return item, errs
}

// leftover reports a token that starts no top-level item.
func leftover(t lexer.Token) diag.List {
	var l diag.List
	if t.Type == tokPunct && t.Value == ";" {
		l.Add(dpos(t.Pos), diag.CodeSyntax, `a top-level ";" is not allowed`, `remove the ";"`)
		return l
	}
	l.Add(dpos(t.Pos), diag.CodeSyntax,
		fmt.Sprintf("unexpected %s at top level, expected a global parameter, loadmodule, modparam or a route block", describe(t)), "")
	return l
}

// syntaxErr rewords a participle error so that no grammar text leaks.
func syntaxErr(err error, toks []lexer.Token, eof lexer.Position) diag.List {
	var l diag.List
	pe, ok := err.(participle.Error)
	if !ok {
		l.Add(dpos(toks[0].Pos), diag.CodeSyntax, "syntax error", "")
		return l
	}
	pos := pe.Position()
	if pos.Line == 0 {
		pos = eof
	}
	msg := "syntax error"
	if ut, ok := err.(*participle.UnexpectedTokenError); ok {
		tok := ut.Unexpected
		if tok.Type == lexer.EOF && tok.Pos.Line == 0 {
			tok.Pos = eof
		}
		pos = tok.Pos
		msg = "unexpected " + describe(tok)
		exp := ut.Expect
		if exp == "" {
			exp = expectation(ut.Message())
		}
		if exp != "" {
			msg += ", expected " + exp
		}
	} else {
		msg = "syntax error near " + describeAt(toks, pos, eof)
	}
	l.Add(dpos(pos), diag.CodeSyntax, msg, "")
	return l
}

// describe names a token for a message.
func describe(t lexer.Token) string {
	switch t.Type {
	case lexer.EOF:
		return "end of file"
	case tokString:
		v := t.Value
		if len(v) > 24 {
			v = v[:20] + "..." + v[len(v)-1:]
		}
		return "string " + v
	case tokRaw:
		return fmt.Sprintf("value %q", t.Value)
	}
	v := t.Value
	if len(v) > 32 {
		v = v[:29] + "..."
	}
	return fmt.Sprintf("%q", v)
}

func describeAt(toks []lexer.Token, pos lexer.Position, eof lexer.Position) string {
	for _, t := range toks {
		if t.Pos.Offset == pos.Offset && t.Pos.Filename == pos.Filename {
			return describe(t)
		}
	}
	return describe(lexer.Token{Type: lexer.EOF, Pos: eof})
}

// expectation turns participle's "(expected X)" into words, or "" when X is
// grammar text that means nothing to a script author. X is often a whole
// sequence; only its first element is what the parser wanted next.
func expectation(msg string) string {
	i := strings.LastIndex(msg, "(expected ")
	if i < 0 || !strings.HasSuffix(msg, ")") {
		return ""
	}
	exp := msg[i+len("(expected ") : len(msg)-1]
	if strings.HasPrefix(exp, `"`) {
		if j := strings.IndexByte(exp[1:], '"'); j >= 0 {
			return exp[:j+2]
		}
		return ""
	}
	for _, m := range expectWords {
		if strings.HasPrefix(exp, m.prefix) {
			return m.words
		}
	}
	return ""
}

var expectWords = []struct{ prefix, words string }{
	{"gStmt", "a statement"},
	{"gBlock", `"{"`},
	{"gExpr", "an expression"},
	{"gParenExpr", `"("`},
	{"gCall", "a function call"},
	{"gArg", "an argument"},
	{"gCase", `"case" or "default"`},
	{"(<ident> | <number> | <string>", "a route name"},
	{"(<number> | <string>", "a number or a string"},
	{"<pv>", "a variable"},
	{"<string>", "a string"},
	{"<number>", "a number"},
	{"<ident>", "a name"},
}

// limitErrors sorts diagnostics, drops a second error on the same line and
// stops after maxErrors errors unless all is set.
func limitErrors(l diag.List, all bool) diag.List {
	l.Sort()
	out := l[:0]
	n := 0
	var last diag.Pos
	for _, d := range l {
		if d.Severity == diag.Error {
			if n > 0 && d.Pos.File == last.File && d.Pos.Line == last.Line {
				continue
			}
			if !all && n >= maxErrors {
				continue
			}
			n++
			last = d.Pos
		}
		out = append(out, d)
	}
	return out
}

func sortLegacy(l []*ast.LegacyUse) {
	sort.SliceStable(l, func(i, j int) bool { return l[i].At.Before(l[j].At) })
}
