package lang

import "github.com/alecthomas/participle/v2/lexer"

// Token types produced by the scanner. Operators are grouped into a few
// classes so that the grammar matches one token type instead of trying a
// disjunction of literals (each tried alternative costs participle a branch).
const (
	tokIdent   lexer.TokenType = iota + 1 // name, possibly a legacy glued word (uri:host)
	tokKeyword                            // reserved word (if, route, modparam, ...)
	tokNumber                             // decimal, hex, octal, signed, yes/no/on/off...
	tokString                             // "..." or '...' as written, quotes included
	tokPV                                 // $name, $name(x), $(...)
	tokIP                                 // unquoted IPv4/IPv6 address or network
	tokRaw                                // value of a top-level "name = value" line
	tokNull                               // null, NULL
	tokRel                                // == != < > <= >= =~ !~ and = := += -= ...
	tokBinOp                              // && || and or + - * / % | & ^ << >>
	tokUnary                              // ! not ~ and a prefix -
	tokPunct                              // ; , : . ( ) { } [ ]
)

// keywords are the reserved words the grammar matches literally.
var keywords = map[string]bool{
	"if": true, "else": true, "switch": true, "case": true, "default": true,
	"break": true, "while": true, "for": true, "in": true, "return": true,
	"exit": true, "drop": true, "assert": true, "async": true, "launch": true,
	"loadmodule": true, "modparam": true,
	"route": true, "failure_route": true, "onreply_route": true, "branch_route": true,
	"error_route": true, "local_route": true, "startup_route": true,
	"timer_route": true, "event_route": true,
}

// routeKeywords start a route block at top level.
var routeKeywords = map[string]bool{
	"route": true, "failure_route": true, "onreply_route": true, "branch_route": true,
	"error_route": true, "local_route": true, "startup_route": true,
	"timer_route": true, "event_route": true,
}

// wordNumbers are the boolean words the lexer turns into numbers.
var wordNumbers = map[string]int64{
	"yes": 1, "true": 1, "on": 1, "enable": 1,
	"no": 0, "false": 0, "off": 0, "disable": 0,
}

// tokDef implements lexer.Definition for participle; tokens come from the
// scanner, never from this definition's Lex.
type tokDef struct{}

func (tokDef) Symbols() map[string]lexer.TokenType {
	return map[string]lexer.TokenType{
		"EOF": lexer.EOF, "Ident": tokIdent, "Keyword": tokKeyword, "Number": tokNumber,
		"String": tokString, "PV": tokPV, "IP": tokIP, "Raw": tokRaw, "Null": tokNull,
		"Rel": tokRel, "BinOp": tokBinOp, "Unary": tokUnary, "Punct": tokPunct,
	}
}

// sliceLexer replays scanned tokens; it implements lexer.Lexer.
type sliceLexer struct {
	toks []lexer.Token
	i    int
}

func (l *sliceLexer) Next() (lexer.Token, error) {
	if l.i >= len(l.toks) {
		return lexer.Token{Type: lexer.EOF}, nil
	}
	t := l.toks[l.i]
	l.i++
	return t, nil
}

// tokDirective is a whole include_file/import_file line; only Tokens (which
// does not follow includes) produces it.
const tokDirective = tokPunct + 1
