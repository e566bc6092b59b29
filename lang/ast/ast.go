// Package ast is the syntax tree of an opensips.cfg script. It carries no
// parser types: lang lowers its grammar into these nodes, folding operator
// precedence and unquoting strings, and keeps a diag.Pos (and, for leaves,
// the end offset) on every node so that check, port and fmt can point at and
// rewrite exact source text.
package ast

import "gosips/lang/diag"

// Pos is a source position.
type Pos = diag.Pos

// Node is implemented by every tree node.
type Node interface {
	Start() Pos
}

// File is a parsed script with its includes spliced in.
type File struct {
	Name     string
	Items    []Item
	Comments []*Comment
	// Files maps every file read (the main one and its includes) to its text.
	Files map[string][]byte
	// Legacy lists the legacy constructs the parser accepted, in source order.
	Legacy []*LegacyUse
}

// Comment is a "# ..." or "/* ... */" comment; Text includes the markers.
type Comment struct {
	At   Pos
	End  Pos
	Text string
}

// LegacyUse records an old-syntax construct the grammar tolerated, so check
// can warn and port can rewrite it.
type LegacyUse struct {
	At   Pos
	End  Pos
	Kind string // e.g. "break-in-route", "top-level-semicolon", "method-keyword"
	Text string // the source text of the construct
	Hint string // the modern form
}

// Item is a top-level statement.
type Item interface {
	Node
	item()
}

// GlobalParam is "name = value".
type GlobalParam struct {
	At    Pos
	Name  string
	Value *Value
	// Semi is set when a (legacy) ";" followed the item.
	Semi bool
}

// ValueKind tells which field of a Value is set.
type ValueKind int

const (
	ValInt    ValueKind = iota // Int
	ValString                  // Str (unquoted)
	ValID                      // Str: a bare identifier or dotted/dashed host name
	ValSocket                  // Socket
	ValRaw                     // Raw: anything else (alias lists, blacklists, scaling profiles)
)

// Value is the right-hand side of a global parameter or a modparam.
type Value struct {
	At     Pos
	End    Pos
	Kind   ValueKind
	Int    int64
	Str    string
	Socket *Socket
	// Raw is the source text of the whole value.
	Raw string
	// Parts holds the pieces of adjacent strings ("a" "b") before folding.
	Parts []string
	// Extra holds trailing words, e.g. "use_auto_scaling_profile X" after a
	// worker count.
	Extra []string
}

// Socket is a socket=/listen= definition.
type Socket struct {
	At    Pos
	Proto string // "" in the legacy form without protocol
	Host  string
	Port  string // "" when omitted; may be a list/range "5060-5070,5080"
	// Options such as "as" (advertised host[:port]), "use_workers", "tag",
	// "anycast", "frag", "reuse_port", "accept_subdomain", "tos".
	Options []SocketOption
}

// SocketOption is one option after a socket definition.
type SocketOption struct {
	At    Pos
	Name  string
	Value string
}

// LoadModule is `loadmodule "path"`.
type LoadModule struct {
	At   Pos
	Path string
	// PathAt/PathEnd span the quoted path token.
	PathAt  Pos
	PathEnd Pos
	Semi    bool
}

// ModParam is `modparam("module", "param", value)`.
type ModParam struct {
	At      Pos
	Module  string
	ModAt   Pos
	Param   string
	ParamAt Pos
	Value   *Value // ValInt or ValString
	End     Pos
	Semi    bool
}

// RouteKind is the kind of a route block.
type RouteKind int

const (
	RouteRequest RouteKind = iota
	RouteFailure
	RouteOnReply
	RouteBranch
	RouteError
	RouteLocal
	RouteStartup
	RouteTimer
	RouteEvent
)

var routeKindNames = [...]string{"route", "failure_route", "onreply_route", "branch_route",
	"error_route", "local_route", "startup_route", "timer_route", "event_route"}

func (k RouteKind) String() string { return routeKindNames[k] }

// Route is a route block.
type Route struct {
	At   Pos
	Kind RouteKind
	// Name is "" for the unnamed route{} / onreply_route{} and the singleton
	// blocks. route[0] is lowered to Name "" with NumericName set.
	Name        string
	NameAt      Pos
	NameEnd     Pos
	NumericName bool  // written as a number (route[1])
	QuotedName  bool  // written as a string (route["x"])
	Interval    int64 // timer_route interval in seconds
	Body        *Block
	Semi        bool // legacy "};" after the block
}

func (r *Route) Start() Pos { return r.At }
func (*Route) item()        {}

// Label renders the route header as written in scripts: route, route[x].
func (r *Route) Label() string {
	if r.Name == "" {
		return r.Kind.String()
	}
	return r.Kind.String() + "[" + r.Name + "]"
}

func (g *GlobalParam) Start() Pos { return g.At }
func (*GlobalParam) item()        {}
func (l *LoadModule) Start() Pos  { return l.At }
func (*LoadModule) item()         {}
func (m *ModParam) Start() Pos    { return m.At }
func (*ModParam) item()           {}

// Block is a braced list of statements (or a braceless if/else body).
type Block struct {
	At     Pos
	End    Pos // position of the closing "}" (zero for a braceless body)
	Braced bool
	Stmts  []Stmt
}

func (b *Block) Start() Pos { return b.At }

// Stmt is a statement inside a route.
type Stmt interface {
	Node
	stmt()
}

// CallStmt is `f(args);`.
type CallStmt struct {
	Call *Call
}

// Assign is `$pv op value;`.
type Assign struct {
	At     Pos
	Target *PV
	Op     string // "=", ":=", "+=", ...
	Value  Expr
}

// If is `if (cond) then [else else]`. Else is nil, a *Block, or a *Block
// holding a single *If for "else if".
type If struct {
	At   Pos
	Cond Expr
	Then *Block
	Else *Block
}

// While is `while (cond) body`.
type While struct {
	At   Pos
	Cond Expr
	Body *Block
}

// ForEach is `for ($var(x) in $(avp(y)[*])) body`.
type ForEach struct {
	At   Pos
	Var  *PV
	In   *PV
	Body *Block
}

// Switch is `switch ($pv) { case ...: ... default: ... }`.
type Switch struct {
	At      Pos
	Subject *PV
	Cases   []*Case
}

// Case is one case label and its statements. Value is nil for default.
type Case struct {
	At      Pos
	Value   Expr // *IntLit or *StrLit
	Default bool
	Body    []Stmt
}

// Break is `break;`. Legacy is set when it appears outside switch/while/for
// (the OpenSER 0.9 "leave the route" meaning).
type Break struct {
	At     Pos
	End    Pos
	Legacy bool
}

// Return is `return;`, `return(n);`, `return n;` or `return(n, v...)`.
type Return struct {
	At     Pos
	Values []Expr // empty for bare return
}

// Exit is `exit;` or `exit();`.
type Exit struct {
	At  Pos
	End Pos
}

// Drop is `drop;` or `drop();`.
type Drop struct {
	At  Pos
	End Pos
}

// RouteCall is `route(name[, args...]);`.
type RouteCall struct {
	At      Pos
	Name    string // static name ("" when Dynamic is set)
	NameAt  Pos
	NameEnd Pos
	Dynamic Expr // *PV or *StrLit holding "$" when the name is computed
	Args    []Expr
}

// Assert is `assert(cond[, "msg"]);`.
type Assert struct {
	At   Pos
	Cond Expr
	Msg  *StrLit
}

// Async is `async(f(args), resume_route[, timeout]);`.
type Async struct {
	At      Pos
	Call    *Call
	Route   string
	RouteAt Pos
	Timeout *IntLit
}

// Launch is `launch(f(args)[, report_route[, "param"]]);`.
type Launch struct {
	At      Pos
	Call    *Call
	Route   string
	RouteAt Pos
	Param   *StrLit
}

// Empty is a lone ";".
type Empty struct {
	At Pos
}

func (s *CallStmt) Start() Pos  { return s.Call.At }
func (s *Assign) Start() Pos    { return s.At }
func (s *If) Start() Pos        { return s.At }
func (s *While) Start() Pos     { return s.At }
func (s *ForEach) Start() Pos   { return s.At }
func (s *Switch) Start() Pos    { return s.At }
func (s *Break) Start() Pos     { return s.At }
func (s *Return) Start() Pos    { return s.At }
func (s *Exit) Start() Pos      { return s.At }
func (s *Drop) Start() Pos      { return s.At }
func (s *RouteCall) Start() Pos { return s.At }
func (s *Assert) Start() Pos    { return s.At }
func (s *Async) Start() Pos     { return s.At }
func (s *Launch) Start() Pos    { return s.At }
func (s *Empty) Start() Pos     { return s.At }

func (*CallStmt) stmt()  {}
func (*Assign) stmt()    {}
func (*If) stmt()        {}
func (*While) stmt()     {}
func (*ForEach) stmt()   {}
func (*Switch) stmt()    {}
func (*Break) stmt()     {}
func (*Return) stmt()    {}
func (*Exit) stmt()      {}
func (*Drop) stmt()      {}
func (*RouteCall) stmt() {}
func (*Assert) stmt()    {}
func (*Async) stmt()     {}
func (*Launch) stmt()    {}
func (*Empty) stmt()     {}

// Expr is an expression: a condition or the right side of an assignment.
type Expr interface {
	Node
	expr()
}

// Call is a function call `name(args)`, in a statement or a condition.
// Builtins (xlog, log, xdbg) are calls too. An omitted argument slot is a
// nil entry in Args.
type Call struct {
	At   Pos
	Name string
	End  Pos // position just after ")" (or after the name when no parens)
	Args []Expr
	// NoParens is set for a legacy bare-word call (e.g. "t_relay;")
	NoParens bool
}

// IntLit is a number literal (decimal, hex, octal, yes/no/on/off...).
type IntLit struct {
	At    Pos
	End   Pos
	Value int64
	Raw   string
}

// StrLit is a string literal; Value is unescaped. Adjacent strings (where
// allowed) are folded into one StrLit whose Parts keeps the pieces.
type StrLit struct {
	At    Pos
	End   Pos
	Value string
	Quote byte // '"' or '\''
	Raw   string
	Parts []*StrLit
}

// NullLit is `null` / `NULL`.
type NullLit struct {
	At  Pos
	End Pos
}

// PV is a pseudo-variable token, kept as written; the pv package parses it.
type PV struct {
	At  Pos
	End Pos
	Raw string // e.g. "$ru", "$(avp(x)[1]{s.len})"
}

// IPLit is an unquoted IPv4/IPv6 address or network (ip/bits, ip/mask).
type IPLit struct {
	At  Pos
	End Pos
	Raw string
}

// Ident is a bare word where a value was expected (legacy: NAT in
// setflag(NAT), myself, INVITE in method==INVITE, uri:host).
type Ident struct {
	At   Pos
	End  Pos
	Name string
}

// Keyword is a legacy core test keyword used as an operand: method, uri,
// src_ip, dst_ip, src_port, dst_port, from_uri, to_uri, proto, af, msg:len,
// status, retcode.
type Keyword struct {
	At   Pos
	End  Pos
	Name string
}

// Binary is `X op Y`; Op is one of == != < > <= >= =~ !~ && || + - * / % &
// | ^ << >> (the word forms "and"/"or" are lowered to && and ||).
type Binary struct {
	At   Pos // position of X
	OpAt Pos
	Op   string
	X, Y Expr
}

// Unary is `!X` / `not X` (Op "!") or `~X` (Op "~") or `-X` (Op "-").
type Unary struct {
	At Pos
	Op string
	X  Expr
}

// Paren is a parenthesised expression, kept so formatters can reproduce it;
// `[ ... ]` arithmetic tests are Paren with Bracket set.
type Paren struct {
	At      Pos
	End     Pos
	X       Expr
	Bracket bool
}

// AssignExpr is an assignment used as a condition element.
type AssignExpr struct {
	Assign *Assign
}

func (e *Call) Start() Pos       { return e.At }
func (e *IntLit) Start() Pos     { return e.At }
func (e *StrLit) Start() Pos     { return e.At }
func (e *NullLit) Start() Pos    { return e.At }
func (e *PV) Start() Pos         { return e.At }
func (e *IPLit) Start() Pos      { return e.At }
func (e *Ident) Start() Pos      { return e.At }
func (e *Keyword) Start() Pos    { return e.At }
func (e *Binary) Start() Pos     { return e.At }
func (e *Unary) Start() Pos      { return e.At }
func (e *Paren) Start() Pos      { return e.At }
func (e *AssignExpr) Start() Pos { return e.Assign.At }

func (*Call) expr()       {}
func (*IntLit) expr()     {}
func (*StrLit) expr()     {}
func (*NullLit) expr()    {}
func (*PV) expr()         {}
func (*IPLit) expr()      {}
func (*Ident) expr()      {}
func (*Keyword) expr()    {}
func (*Binary) expr()     {}
func (*Unary) expr()      {}
func (*Paren) expr()      {}
func (*AssignExpr) expr() {}
