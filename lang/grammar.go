package lang

import (
	"github.com/alecthomas/participle/v2"
	"github.com/alecthomas/participle/v2/lexer"
)

// The grammar structs below are a concrete syntax tree: their shape follows
// parsing, not meaning. lower.go turns them into lang/ast nodes. Leaves are
// captured as lexer.Token so that positions and source text survive.
// Statement terminators are optional here and checked in lowering, which
// gives better messages ("missing ";" after function call") than the grammar.

// gRoute is a route block: kind [ name [, interval] ] { body } [;]
type gRoute struct {
	Kind     lexer.Token  `parser:"@Keyword"`
	Name     *lexer.Token `parser:"( '[' @(Ident | Number | String | Keyword)"`
	Interval *lexer.Token `parser:"  ( ',' @Number )? ']' )?"`
	Body     *gBlock      `parser:"@@"`
	Semi     *lexer.Token `parser:"@';'?"`
}

// gModParam is modparam("mod", "param", value) [;]
type gModParam struct {
	KW     lexer.Token   `parser:"@'modparam'"`
	Open   lexer.Token   `parser:"@'('"`
	Module lexer.Token   `parser:"@String ','"`
	Param  lexer.Token   `parser:"@String ','"`
	Value  []lexer.Token `parser:"( @String+ | @Number | @Ident | @PV )"`
	Close  lexer.Token   `parser:"@')'"`
	Semi   *lexer.Token  `parser:"@';'?"`
}

// gLoadModule is loadmodule "path" [;]
type gLoadModule struct {
	KW   lexer.Token  `parser:"@'loadmodule'"`
	Path lexer.Token  `parser:"@String"`
	Semi *lexer.Token `parser:"@';'?"`
}

type gIf struct {
	Pos  lexer.Position
	Cond *gExpr `parser:"'if' @@"`
	Then *gStmt `parser:"@@"`
	Else *gStmt `parser:"( 'else' @@ )?"`
}

type gParenExpr struct {
	Pos lexer.Position
	X   *gExpr `parser:"'(' @@ ')'"`
}

type gReturn struct {
	KW     lexer.Token  `parser:"@'return'"`
	Open   *lexer.Token `parser:"( @'('"`
	Values []*gExpr     `parser:"  ( @@ ( ',' @@ )* )? ')'"`
	Value  *gExpr       `parser:"| @@ )?"`
	Semi   *lexer.Token `parser:"@';'?"`
}

type gRouteCall struct {
	KW   lexer.Token  `parser:"@'route' '('"`
	Name lexer.Token  `parser:"@(Ident | Number | String | PV | Keyword)"`
	Args []*gArg      `parser:"( ',' @@ )* ')'"`
	Semi *lexer.Token `parser:"@';'?"`
}

type gExit struct {
	KW    lexer.Token  `parser:"@('exit' | 'drop')"`
	Paren bool         `parser:"( @'(' ')' )?"`
	Semi  *lexer.Token `parser:"@';'?"`
}

type gBreak struct {
	KW   lexer.Token  `parser:"@'break'"`
	Semi *lexer.Token `parser:"@';'?"`
}

type gSwitch struct {
	Pos     lexer.Position
	Subject *gParenExpr `parser:"'switch' @@ '{'"`
	Cases   []*gCase    `parser:"@@*"`
	Close   lexer.Token `parser:"@'}'"`
}

type gCase struct {
	KW    lexer.Token  `parser:"( @'case'"`
	Value *lexer.Token `parser:"  @(Number | String | Ident)"`
	Deflt *lexer.Token `parser:"| @'default' ) ':'"`
	Body  []*gStmt     `parser:"@@*"`
}

type gWhile struct {
	Pos  lexer.Position
	Cond *gParenExpr `parser:"'while' @@"`
	Body *gStmt      `parser:"@@"`
}

type gFor struct {
	Pos  lexer.Position
	Var  lexer.Token `parser:"'for' '(' @PV 'in'"`
	In   lexer.Token `parser:"@PV ')'"`
	Body *gStmt      `parser:"@@"`
}

type gAssert struct {
	KW   lexer.Token  `parser:"@'assert' '('"`
	Cond *gExpr       `parser:"@@"`
	Msg  *lexer.Token `parser:"( ',' @String )? ')'"`
	Semi *lexer.Token `parser:"@';'?"`
}

type gAsync struct {
	KW      lexer.Token  `parser:"@'async' '('"`
	Call    *gCall       `parser:"@@ ','"`
	Route   lexer.Token  `parser:"@(Ident | Number | String)"`
	Timeout *lexer.Token `parser:"( ',' @Number )? ')'"`
	Semi    *lexer.Token `parser:"@';'?"`
}

type gLaunch struct {
	KW    lexer.Token  `parser:"@'launch' '('"`
	Call  *gCall       `parser:"@@"`
	Route *lexer.Token `parser:"( ',' @(Ident | Number | String)"`
	Param *lexer.Token `parser:"  ( ',' @String )? )? ')'"`
	Semi  *lexer.Token `parser:"@';'?"`
}

// Parsers are built once; participle parsers are safe for concurrent use.
// gStmt (parseable.go) dispatches on a statement's first token to the
// statement parsers, so no statement pays for trying the other alternatives.
var (
	parserOpts      = []participle.Option{participle.Lexer(tokDef{}), participle.UseLookahead(1)}
	routeParser     = participle.MustBuild[gRoute](parserOpts...)
	modParser       = participle.MustBuild[gModParam](parserOpts...)
	loadParser      = participle.MustBuild[gLoadModule](parserOpts...)
	ifParser        = participle.MustBuild[gIf](parserOpts...)
	returnParser    = participle.MustBuild[gReturn](parserOpts...)
	routeCallParser = participle.MustBuild[gRouteCall](parserOpts...)
	exitParser      = participle.MustBuild[gExit](parserOpts...)
	breakParser     = participle.MustBuild[gBreak](parserOpts...)
	switchParser    = participle.MustBuild[gSwitch](parserOpts...)
	whileParser     = participle.MustBuild[gWhile](parserOpts...)
	forParser       = participle.MustBuild[gFor](parserOpts...)
	assertParser    = participle.MustBuild[gAssert](parserOpts...)
	asyncParser     = participle.MustBuild[gAsync](parserOpts...)
	launchParser    = participle.MustBuild[gLaunch](parserOpts...)

	// trailing lets a sub-parser stop where its production ends.
	trailing = participle.AllowTrailing(true)
)
