package lang

import (
	"github.com/alecthomas/participle/v2"
	"github.com/alecthomas/participle/v2/lexer"
)

// The productions in this file are token-dense (calls, arguments,
// expressions), so they implement participle.Parseable with a few lines of
// recursive descent instead of struct tags: participle's generic engine
// allocates a branch context per alternative tried and a record per capture,
// which tripled parse allocations here.

// gCallStmt is name(args) [;]
type gCallStmt struct {
	Call *gCall
	Semi *lexer.Token
}

func (g *gCallStmt) Parse(lex *lexer.PeekingLexer) error {
	if lex.Peek().Type != tokIdent {
		return participle.NextMatch
	}
	c, err := parseCall(lex)
	g.Call = c
	if err != nil {
		return err
	}
	g.Semi = optSemi(lex)
	return nil
}

// gAssign is $pv op expr [;]
type gAssign struct {
	Target lexer.Token
	Op     lexer.Token
	Value  *gExpr
	Semi   *lexer.Token
}

func (g *gAssign) Parse(lex *lexer.PeekingLexer) error {
	if lex.Peek().Type != tokPV {
		return participle.NextMatch
	}
	g.Target = *lex.Next()
	if t := lex.Peek(); t.Type != tokRel {
		return unexpected(t, "an assignment operator")
	}
	g.Op = *lex.Next()
	x, err := parseExpr(lex)
	g.Value = x
	if err != nil {
		return err
	}
	g.Semi = optSemi(lex)
	return nil
}

// gCall is name(args); HasParens is false for a legacy bare word. An
// omitted argument is a nil entry in Args; "f()" has one nil entry.
type gCall struct {
	Name      lexer.Token
	HasParens bool
	Close     lexer.Token
	Args      []*gArg
}

func (g *gCall) Parse(lex *lexer.PeekingLexer) error {
	if lex.Peek().Type != tokIdent {
		return participle.NextMatch
	}
	c, err := parseCall(lex)
	*g = *c
	return err
}

func parseCall(lex *lexer.PeekingLexer) (*gCall, error) {
	c := &gCall{Name: *lex.Next()}
	if !isPunct(lex.Peek(), "(") {
		return c, nil
	}
	lex.Next()
	c.HasParens = true
	for {
		var a *gArg
		if t := lex.Peek(); !isPunct(t, ",") && !isPunct(t, ")") {
			var err error
			if a, err = parseArg(lex); err != nil {
				return c, err
			}
		}
		c.Args = append(c.Args, a)
		t := lex.Peek()
		switch {
		case isPunct(t, ","):
			lex.Next()
		case isPunct(t, ")"):
			c.Close = *lex.Next()
			return c, nil
		default:
			return c, unexpected(t, `"," or ")"`)
		}
	}
}

// gArg is a function or route argument: one or more adjacent strings (More
// holds the extra ones), a PV, a number, null, or a legacy bare word or IP.
type gArg struct {
	Tok  lexer.Token
	More []lexer.Token
}

func (g *gArg) Parse(lex *lexer.PeekingLexer) error {
	if !startsArg(lex.Peek()) {
		return participle.NextMatch
	}
	a, err := parseArg(lex)
	if a != nil {
		*g = *a
	}
	return err
}

func startsArg(t *lexer.Token) bool {
	switch t.Type {
	case tokString, tokPV, tokNumber, tokNull, tokIdent, tokIP:
		return true
	}
	return false
}

func parseArg(lex *lexer.PeekingLexer) (*gArg, error) {
	t := lex.Peek()
	if !startsArg(t) {
		return nil, unexpected(t, "an argument")
	}
	a := &gArg{Tok: *lex.Next()}
	if a.Tok.Type == tokString {
		for lex.Peek().Type == tokString {
			a.More = append(a.More, *lex.Next())
		}
	}
	return a, nil
}

// gExpr is a flat operand/operator list; lowering folds OpenSIPS precedence.
type gExpr struct {
	First *gOperand
	Rest  []gBinary
}

type gBinary struct {
	Op lexer.Token
	X  *gOperand
}

func (g *gExpr) Parse(lex *lexer.PeekingLexer) error {
	if !startsOperand(lex.Peek()) {
		return participle.NextMatch
	}
	e, err := parseExpr(lex)
	*g = *e
	return err
}

func startsOperand(t *lexer.Token) bool {
	switch t.Type {
	case tokString, tokPV, tokNumber, tokNull, tokIdent, tokIP, tokUnary:
		return true
	case tokPunct:
		return t.Value == "(" || t.Value == "["
	case tokKeyword:
		return t.Value == "route"
	}
	return false
}

func parseExpr(lex *lexer.PeekingLexer) (*gExpr, error) {
	first, err := parseOperand(lex)
	e := &gExpr{First: first}
	if err != nil {
		return e, err
	}
	for lex.Peek().Type == tokBinOp {
		op := *lex.Next()
		x, err := parseOperand(lex)
		e.Rest = append(e.Rest, gBinary{Op: op, X: x})
		if err != nil {
			return e, err
		}
	}
	return e, nil
}

// gOperand is a condition element or an assignment-expression term. A
// comparison (or assignment) tail binds tighter than a prefix "!".
type gOperand struct {
	Unary  []lexer.Token
	X      gPrimary
	HasRel bool
	Rel    lexer.Token
	Y      gPrimary
}

func parseOperand(lex *lexer.PeekingLexer) (*gOperand, error) {
	o := &gOperand{}
	for lex.Peek().Type == tokUnary {
		o.Unary = append(o.Unary, *lex.Next())
	}
	if err := parsePrimary(lex, &o.X); err != nil {
		return o, err
	}
	if lex.Peek().Type == tokRel {
		o.HasRel = true
		o.Rel = *lex.Next()
		if err := parsePrimary(lex, &o.Y); err != nil {
			return o, err
		}
	}
	return o, nil
}

type primKind int

const (
	primTok     primKind = iota // Tok (and More adjacent strings)
	primCall                    // Call, also a bare word
	primParen                   // ( X )
	primBracket                 // [ X ]
	primRoute                   // route(...) as a value
)

type gPrimary struct {
	Kind  primKind
	Tok   lexer.Token // primTok; the opening token for parens and route
	More  []lexer.Token
	Call  *gCall
	X     *gExpr
	Close lexer.Token
	Route *gRouteExpr
}

// gRouteExpr is route(name, args) used as a condition element.
type gRouteExpr struct {
	KW    lexer.Token
	Name  lexer.Token
	Args  []*gArg
	Close lexer.Token
}

func parsePrimary(lex *lexer.PeekingLexer, p *gPrimary) error {
	t := lex.Peek()
	switch t.Type {
	case tokString:
		p.Kind, p.Tok = primTok, *lex.Next()
		for lex.Peek().Type == tokString {
			p.More = append(p.More, *lex.Next())
		}
		return nil
	case tokPV, tokNumber, tokNull, tokIP:
		p.Kind, p.Tok = primTok, *lex.Next()
		return nil
	case tokIdent:
		c, err := parseCall(lex)
		p.Kind, p.Call = primCall, c
		return err
	case tokKeyword:
		if t.Value == "route" {
			return parseRouteExpr(lex, p)
		}
	case tokPunct:
		var closer string
		switch t.Value {
		case "(":
			p.Kind, closer = primParen, ")"
		case "[":
			p.Kind, closer = primBracket, "]"
		default:
			return unexpected(t, "a value")
		}
		p.Tok = *lex.Next()
		x, err := parseExpr(lex)
		p.X = x
		if err != nil {
			return err
		}
		if c := lex.Peek(); !isPunct(c, closer) {
			return unexpected(c, `"`+closer+`"`)
		}
		p.Close = *lex.Next()
		return nil
	}
	return unexpected(t, "a value")
}

func parseRouteExpr(lex *lexer.PeekingLexer, p *gPrimary) error {
	r := &gRouteExpr{KW: *lex.Next()}
	p.Kind, p.Route = primRoute, r
	if t := lex.Peek(); !isPunct(t, "(") {
		return unexpected(t, `"("`)
	}
	lex.Next()
	switch t := lex.Peek(); t.Type {
	case tokIdent, tokNumber, tokString, tokPV, tokKeyword:
		r.Name = *lex.Next()
	default:
		return unexpected(t, "a route name")
	}
	for isPunct(lex.Peek(), ",") {
		lex.Next()
		a, err := parseArg(lex)
		if err != nil {
			return err
		}
		r.Args = append(r.Args, a)
	}
	if t := lex.Peek(); !isPunct(t, ")") {
		return unexpected(t, `"," or ")"`)
	}
	r.Close = *lex.Next()
	return nil
}

func isPunct(t *lexer.Token, v string) bool { return t.Type == tokPunct && t.Value == v }

func optSemi(lex *lexer.PeekingLexer) *lexer.Token {
	if isPunct(lex.Peek(), ";") {
		t := *lex.Next()
		return &t
	}
	return nil
}

func unexpected(t *lexer.Token, expect string) error {
	return &participle.UnexpectedTokenError{Unexpected: *t, Expect: expect}
}

// gBlock is "{" stmt* "}".
type gBlock struct {
	Pos   lexer.Position
	Stmts []*gStmt
	Close lexer.Token
}

func (g *gBlock) Parse(lex *lexer.PeekingLexer) error {
	open := lex.Peek()
	if !isPunct(open, "{") {
		return participle.NextMatch
	}
	g.Pos = open.Pos
	lex.Next()
	for {
		t := lex.Peek()
		if isPunct(t, "}") {
			g.Close = *lex.Next()
			return nil
		}
		s := &gStmt{}
		err := s.Parse(lex)
		if err == participle.NextMatch {
			if t.Type == lexer.EOF {
				return unexpected(t, `"}"`)
			}
			return unexpected(t, `a statement or "}"`)
		}
		if err != nil {
			return err
		}
		g.Stmts = append(g.Stmts, s)
	}
}

// gStmt is one action; Parse dispatches on the first token.
type gStmt struct {
	Call   *gCallStmt
	If     *gIf
	Assign *gAssign
	Return *gReturn
	Route  *gRouteCall
	Exit   *gExit
	Break  *gBreak
	Switch *gSwitch
	While  *gWhile
	For    *gFor
	Assert *gAssert
	Async  *gAsync
	Launch *gLaunch
	Empty  *lexer.Token
	Block  *gBlock
}

func (g *gStmt) Parse(lex *lexer.PeekingLexer) (err error) {
	t := lex.Peek()
	switch t.Type {
	case tokIdent:
		g.Call = &gCallStmt{}
		return g.Call.Parse(lex)
	case tokPV:
		g.Assign = &gAssign{}
		return g.Assign.Parse(lex)
	case tokPunct:
		switch t.Value {
		case ";":
			e := *lex.Next()
			g.Empty = &e
			return nil
		case "{":
			g.Block = &gBlock{}
			return g.Block.Parse(lex)
		}
	case tokKeyword:
		switch t.Value {
		case "if":
			g.If, err = ifParser.ParseFromLexer(lex, trailing)
		case "return":
			g.Return, err = returnParser.ParseFromLexer(lex, trailing)
		case "route":
			g.Route, err = routeCallParser.ParseFromLexer(lex, trailing)
		case "exit", "drop":
			g.Exit, err = exitParser.ParseFromLexer(lex, trailing)
		case "break":
			g.Break, err = breakParser.ParseFromLexer(lex, trailing)
		case "switch":
			g.Switch, err = switchParser.ParseFromLexer(lex, trailing)
		case "while":
			g.While, err = whileParser.ParseFromLexer(lex, trailing)
		case "for":
			g.For, err = forParser.ParseFromLexer(lex, trailing)
		case "assert":
			g.Assert, err = assertParser.ParseFromLexer(lex, trailing)
		case "async":
			g.Async, err = asyncParser.ParseFromLexer(lex, trailing)
		case "launch":
			g.Launch, err = launchParser.ParseFromLexer(lex, trailing)
		default:
			return participle.NextMatch
		}
		return err
	}
	return participle.NextMatch
}
