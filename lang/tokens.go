package lang

import (
	"sort"

	"github.com/alecthomas/participle/v2/lexer"

	"gosips/lang/diag"
)

// TokenKind classifies a Token for tools that work on the text of one file.
type TokenKind int

const (
	TokIdent     TokenKind = iota // name, possibly a legacy glued word (uri:host)
	TokKeyword                    // reserved word (if, route, modparam, ...)
	TokNumber                     // number or boolean word
	TokString                     // quoted string, quotes included
	TokPV                         // script variable
	TokIP                         // unquoted IP address or network
	TokRaw                        // value of a top-level "name = value" line
	TokNull                       // null, NULL
	TokRel                        // comparison or assignment operator
	TokBinOp                      // binary operator
	TokUnary                      // prefix operator
	TokPunct                      // ; , : . ( ) { } [ ]
	TokDirective                  // a whole include_file/import_file line
	TokComment                    // "# ..." or "/* ... */", markers included
	TokStray                      // a character that is no token (skipped by the parser)
)

// Token is one lexical element of a file. Text is the source text, so that
// Pos.Offset+len(Text) is the end offset.
type Token struct {
	Kind TokenKind
	Text string
	Pos  diag.Pos
}

// End is the offset just past the token.
func (t Token) End() int { return t.Pos.Offset + len(t.Text) }

var tokKinds = map[lexer.TokenType]TokenKind{
	tokIdent: TokIdent, tokKeyword: TokKeyword, tokNumber: TokNumber, tokString: TokString,
	tokPV: TokPV, tokIP: TokIP, tokRaw: TokRaw, tokNull: TokNull, tokRel: TokRel,
	tokBinOp: TokBinOp, tokUnary: TokUnary, tokPunct: TokPunct, tokDirective: TokDirective,
}

// Tokens scans one file without following its includes (each
// include_file/import_file line is one TokDirective) and returns its tokens
// and comments in source order, with the lexical errors found.
func Tokens(name string, src []byte, opts Options) ([]Token, diag.List) {
	s := newScanner(name, src, opts)
	s.directives = true
	s.scan()
	out := make([]Token, 0, len(s.toks)+len(s.comments))
	for _, t := range s.toks {
		if t.Type == lexer.EOF {
			continue
		}
		out = append(out, Token{Kind: tokKinds[t.Type], Text: t.Value, Pos: dpos(t.Pos)})
	}
	for _, c := range s.comments {
		out = append(out, Token{Kind: TokComment, Text: c.Text, Pos: c.At})
	}
	for _, l := range s.legacy {
		if l.Kind == "stray-character" {
			out = append(out, Token{Kind: TokStray, Text: l.Text, Pos: l.At})
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Pos.Offset < out[j].Pos.Offset })
	return out, s.diags
}
