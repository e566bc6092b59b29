// Package lang parses an opensips.cfg script into an *ast.File.
//
// Parsing runs in three steps. A hand-written scanner (scanner.go) reads the
// main file and its include_file/import_file targets through a file stack,
// keeps every comment, and splits the token stream into top-level items. Each
// item is parsed by a participle grammar (grammar.go) whose structs are a
// concrete syntax tree; lower.go turns them into lang/ast nodes, folding
// OpenSIPS operator precedence and unquoting strings.
//
// The parser accepts old syntax that later OpenSIPS releases reject, but it
// never warns: it records each tolerated construct as an ast.LegacyUse with one
// of the stable Kind names below, and the checker decides what to report.
//
//	break-in-route        "break;" outside switch/while/for (OpenSER 0.9 "leave the route")
//	top-level-semicolon   ";" after a top-level item (modparam(...); or a route's "};")
//	keyword-test          old core test keyword as an operand: method==, uri==myself, src_ip==...
//	bare-word-arg         an unquoted word as a function argument: setflag(NAT), forward(uri:host)
//	call-without-parens   a function called without "()": t_relay;
//	listen-without-proto  listen=1.2.3.4 or listen=1.2.3.4:5060 without "udp:"
//	slash-comment         a "//" comment (Lenient only)
//	smart-quote           a curly quote used as a string delimiter (Lenient only)
//	bare-block            a free-standing "{ ... }" statement (Lenient only)
//	missing-semicolon-before-else  "if (c) f() else g();" (pre-3.0 grammar)
//	stray-character       a character that is no token (upstream's lexer skips it)
//	log-builtin           the log() builtin (use xlog)
//	avp-prefix            $avp(s:name) / $avp(i:N) name prefixes
//	unbracketed-index     $hdr(Via)[1] instead of $(hdr(Via)[1])
package lang
