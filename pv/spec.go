// Package pv parses and evaluates OpenSIPS pseudo-variables ($ru,
// $hdr(From), $(avp(x)[-1]{s.len})), string formats ("text $ru $$") and
// transformations ({s.substr,0,4}, {uri.user}, {re.subst,/a/b/g} ...).
//
// Parsing is syntax only (Parse, ParseFormat); names are bound to their
// definitions by Table.Resolve, which reports unknown PVs, wrong inner names
// or indexes and unknown transformations with hints. Evaluation goes through
// Spec.Get / Spec.Set and Format.Eval.
package pv

import (
	"fmt"
	"strings"

	"gosips/api"
)

// IndexKind tells how a PV index was written.
type IndexKind uint8

const (
	// IdxNone: no index.
	IdxNone IndexKind = iota
	// IdxInt: [N] or [-N].
	IdxInt
	// IdxAll: [*].
	IdxAll
	// IdxAppend: [append] (AVP writes only).
	IdxAppend
	// IdxPV: [$var(i)].
	IdxPV
	// IdxWord: a keyword some PVs accept ([insert], [insertAfter] for SDP).
	IdxWord
)

func (k IndexKind) String() string {
	switch k {
	case IdxInt:
		return "int"
	case IdxAll:
		return "*"
	case IdxAppend:
		return "append"
	case IdxPV:
		return "pv"
	case IdxWord:
		return "word"
	}
	return "none"
}

// Index is the [idx] part of a PV.
type Index struct {
	Kind IndexKind
	N    int    // for IdxInt
	PV   *Spec  // for IdxPV
	Word string // for IdxWord
}

// Spec is a parsed PV token such as $ru, $hdr(From),
// $(avp(x)[-1]{s.len}{uri.user}) or $(<request>ru).
type Spec struct {
	// Raw is the token as written, from "$" to its last character.
	Raw string
	// Off is the byte offset of Raw in the text it was parsed from.
	Off int
	// Name is the PV name: "ru", "hdr", "avp", "T_reply_code", "msg.flag".
	Name string
	// Inner is the text inside (...) for $name(inner), "" if none.
	Inner string
	// HasInner reports whether (...) was written (Inner may not be empty
	// then, but the distinction matters for $socket_in vs $socket_in(ip)).
	HasInner bool
	// InnerOff is the offset of Inner in the parsed text.
	InnerOff int
	// InnerPV is set when the inner is itself a PV ($avp($var(n))).
	InnerPV *Spec
	Index   Index
	// Trans are the transformations, applied left to right.
	Trans []*Trans
	// Context is "request" or "reply" for $(<request>ru).
	Context string
	// Bracketed reports the $( ... ) form.
	Bracketed bool
	// LegacyAVPPrefix marks the 1.x $avp(s:name) / $avp(i:5) form, which 3.x
	// still parses but keeps as a literal name ("s:name" is not "name").
	LegacyAVPPrefix bool
	// Def is set by Table.Resolve.
	Def *Def
	// Parsed holds what Def.ParseInner returned for Inner (a header name,
	// a socket field, a time format...).
	Parsed any
}

// IsMarker reports whether the spec is "$$", a literal dollar sign.
func (s *Spec) IsMarker() bool { return s.Name == "$" }

// String returns the token as written.
func (s *Spec) String() string { return s.Raw }

// Walk calls fn for s and every PV nested in it (inner name, index,
// transformation arguments), depth first.
func (s *Spec) Walk(fn func(*Spec)) {
	if s == nil {
		return
	}
	fn(s)
	s.InnerPV.Walk(fn)
	s.Index.PV.Walk(fn)
	for _, t := range s.Trans {
		for _, a := range t.Args {
			a.PV.Walk(fn)
		}
	}
}

// Trans is one transformation: {class.name,arg1,arg2}.
type Trans struct {
	Class string
	Name  string
	Args  []TransArg
	// Raw is the text between the braces; Off its offset in the parsed text.
	Raw string
	Off int
	Def *TransDef
	// apply is the prepared evaluator and lits the literal argument
	// values (set by Resolve); dynamic is set when an argument is a PV.
	apply   Applier
	lits    []api.Value
	dynamic bool
}

// TransArg is a transformation argument: a literal or a PV.
type TransArg struct {
	// Lit is the literal text as written (escapes kept, as OpenSIPS does).
	Lit   string
	IsInt bool
	Int   int64
	PV    *Spec
	Off   int
}

// IsPV reports whether the argument is a PV to evaluate at run time.
func (a TransArg) IsPV() bool { return a.PV != nil }

func (a TransArg) String() string {
	if a.PV != nil {
		return a.PV.Raw
	}
	return a.Lit
}

// Error is a syntax or resolution error. Off is the byte offset inside the
// parsed text, so a checker can turn it into a file position.
type Error struct {
	Off  int
	Msg  string
	Hint string
	// Code is a lang/diag code (unknown-pv, bad-pv, unknown-transformation).
	Code string
}

func (e *Error) Error() string {
	if e.Hint != "" {
		return fmt.Sprintf("offset %d: %s (%s)", e.Off, e.Msg, e.Hint)
	}
	return fmt.Sprintf("offset %d: %s", e.Off, e.Msg)
}

func errAt(off int, code, msg, hint string) *Error {
	return &Error{Off: off, Msg: msg, Hint: hint, Code: code}
}

// shifted returns a copy of err with its offset moved by delta when it is
// an *Error; other errors are returned unchanged.
func shifted(err error, delta int) error {
	if e, ok := err.(*Error); ok {
		c := *e
		c.Off += delta
		return &c
	}
	return err
}

// describe renders a spec for messages: "$name" or "$name(inner)".
func describe(s *Spec) string {
	var b strings.Builder
	b.WriteByte('$')
	b.WriteString(s.Name)
	if s.HasInner {
		b.WriteString("(" + s.Inner + ")")
	}
	return b.String()
}
