// Package format lays out an opensips.cfg script canonically: one statement
// per line, tab indentation by block depth, single spaces around binary
// operators and after commas, braces on the line of their header, comments
// and blank-line groups (at most one blank line) kept.
//
// It works on the token stream of one file rather than on the tree, so that
// every token is printed exactly as written and nothing the tree does not
// carry (number spelling, quote style, legacy forms) can change. Between two
// tokens it only removes whitespace where the scanner cannot glue them, and
// it proves each result: the output is parsed again and its tree must equal
// the input's, positions aside, or Source refuses to format.
package format

import (
	"bytes"
	"fmt"
	"strings"

	"gosips/lang"
	"gosips/lang/diag"
)

// parseOpts reads the file alone: includes are other files, formatted on
// their own, so they read as empty here.
func parseOpts() lang.Options {
	return lang.Options{
		Lenient:  true,
		ReadFile: func(string) ([]byte, error) { return nil, nil },
	}
}

// Source returns the canonical layout of src. It fails when src does not
// parse, or when the layout would change the parsed program (which would be
// a bug in this package, never a silent change to a script).
func Source(name string, src []byte) ([]byte, error) {
	before, diags := lang.Parse(name, src, parseOpts())
	if err := firstError(diags); err != nil {
		return nil, err
	}
	toks, ldiags := lang.Tokens(name, src, parseOpts())
	if err := firstError(ldiags); err != nil {
		return nil, err
	}
	out := layout(src, toks)
	after, diags := lang.Parse(name, out, parseOpts())
	if err := firstError(diags); err != nil {
		return nil, fmt.Errorf("formatting would break the script (%v); file left unformatted", err)
	}
	if d := Diff(before, after); d != "" {
		return nil, fmt.Errorf("%s: formatting would change the program (%s); file left unformatted", name, d)
	}
	return out, nil
}

func firstError(l diag.List) error {
	for _, d := range l {
		if d.Severity == diag.Error {
			return fmt.Errorf("%s: %s", d.Pos, d.Msg)
		}
	}
	return nil
}

// brace is an open "{".
type brace struct {
	switchBody bool // the body of a switch: case labels sit at its level
	inCase     bool // a case label was seen: statements indent one more
}

type printer struct {
	src    []byte
	out    bytes.Buffer
	braces []brace
	paren  int
	// stmtOpen: the current statement has started and not ended, so a line
	// break inside it is a continuation line.
	stmtOpen      bool
	pendingSwitch bool // "switch" seen, its "{" not yet
	caseLabel     bool // "case"/"default" seen, its ":" not yet
	// lastLabelColon is the offset of the ":" that ended the last case label.
	lastLabelColon int
	started        bool
	// noMarks: the source holds a NUL byte, so trailing comments are not
	// marked for alignment; marked: some were.
	noMarks, marked bool
}

func layout(src []byte, toks []lang.Token) []byte {
	p := &printer{src: src, lastLabelColon: -1, noMarks: bytes.IndexByte(src, commentMark) >= 0}
	for i, t := range toks {
		var prev *lang.Token
		if i > 0 {
			prev = &toks[i-1]
		}
		var next *lang.Token
		if i+1 < len(toks) {
			next = &toks[i+1]
		}
		p.token(prev, t, next)
	}
	if p.started {
		p.out.WriteByte('\n')
	}
	if p.marked {
		return alignComments(p.out.Bytes())
	}
	return p.out.Bytes()
}

// commentMark precedes a trailing line comment in the laid-out text until
// alignComments lines the comments of consecutive lines up.
const commentMark = '\x00'

// alignComments aligns the trailing "#" comments of consecutive lines one
// space after the longest code among them (tabs count to the next multiple
// of 8), as gofmt does, and removes the marks.
func alignComments(b []byte) []byte {
	lines := bytes.Split(b, []byte{'\n'})
	for i := 0; i < len(lines); {
		if bytes.IndexByte(lines[i], commentMark) < 0 {
			i++
			continue
		}
		j, width := i, 0
		for ; j < len(lines); j++ {
			k := bytes.IndexByte(lines[j], commentMark)
			if k < 0 {
				break
			}
			width = max(width, visualWidth(bytes.TrimRight(lines[j][:k], " ")))
		}
		for ; i < j; i++ {
			k := bytes.IndexByte(lines[i], commentMark)
			code := bytes.TrimRight(lines[i][:k], " ")
			pad := width - visualWidth(code) + 1
			lines[i] = append(append(append([]byte{}, code...), bytes.Repeat([]byte{' '}, pad)...), lines[i][k+1:]...)
		}
	}
	return bytes.Join(lines, []byte{'\n'})
}

func visualWidth(b []byte) int {
	w := 0
	for _, r := range string(b) {
		if r == '\t' {
			w += 8 - w%8
		} else {
			w++
		}
	}
	return w
}

func isPunct(t *lang.Token, v string) bool {
	return t != nil && t.Kind == lang.TokPunct && t.Text == v
}

func isKw(t *lang.Token, v ...string) bool {
	if t == nil || t.Kind != lang.TokKeyword {
		return false
	}
	for _, w := range v {
		if t.Text == w {
			return true
		}
	}
	return false
}

func isLineComment(t *lang.Token) bool {
	return t != nil && t.Kind == lang.TokComment && !strings.HasPrefix(t.Text, "/*")
}

var itemKeywords = map[string]bool{
	"route": true, "failure_route": true, "onreply_route": true, "branch_route": true,
	"error_route": true, "local_route": true, "startup_route": true,
	"timer_route": true, "event_route": true, "loadmodule": true, "modparam": true,
}

func (p *printer) topLevel() bool { return len(p.braces) == 0 && p.paren == 0 }

// startsItem reports whether t begins a top-level item.
func (p *printer) startsItem(t lang.Token, next *lang.Token) bool {
	if !p.topLevel() {
		return false
	}
	switch t.Kind {
	case lang.TokKeyword:
		return itemKeywords[t.Text]
	case lang.TokIdent:
		return next != nil && next.Kind == lang.TokRel && next.Text == "="
	}
	return false
}

func (p *printer) token(prev *lang.Token, t lang.Token, next *lang.Token) {
	// Blocks close before the indentation of their "}" line is computed,
	// and a case label leaves the previous case's body.
	closing := isPunct(&t, "}")
	if closing && len(p.braces) > 0 {
		p.braces = p.braces[:len(p.braces)-1]
	}
	label := p.paren == 0 && isKw(&t, "case", "default") && len(p.braces) > 0 && p.braces[len(p.braces)-1].switchBody
	if label {
		p.braces[len(p.braces)-1].inCase = false
	}

	if prev == nil {
		p.newline(t, 0)
	} else {
		nl := bytes.Count(p.src[prev.End():t.Pos.Offset], []byte{'\n'})
		ws := prev.End() < t.Pos.Offset
		if p.breakBefore(prev, t, next, nl, closing, label) {
			blank := nl
			if isPunct(prev, "{") || closing {
				blank = 0
			}
			p.newline(t, blank)
		} else if isLineComment(&t) && !p.noMarks {
			p.out.WriteByte(commentMark)
			p.marked = true
		} else if p.space(prev, t, ws) {
			p.out.WriteByte(' ')
		}
	}
	p.out.WriteString(t.Text)
	p.started = true
	p.after(t, label)
}

// breakBefore decides whether t starts a new line.
func (p *printer) breakBefore(prev *lang.Token, t lang.Token, next *lang.Token, nl int, closing, label bool) bool {
	switch {
	case isLineComment(prev), prev.Kind == lang.TokDirective, t.Kind == lang.TokDirective:
		return true
	case t.Kind == lang.TokComment, t.Kind == lang.TokStray:
		return nl > 0 // a comment on the line of code stays there
	case closing, label:
		return true
	case isPunct(&t, "{"):
		return false // braces sit on their header's line
	case isPunct(&t, ";"):
		return false
	case isKw(&t, "else") && isPunct(prev, "}"):
		return false
	case p.startsItem(t, next):
		return true
	case prev.Kind == lang.TokRaw && p.topLevel():
		return true
	case isPunct(prev, ";") && p.paren == 0:
		return true
	case isPunct(prev, "{"), isPunct(prev, "}"):
		return true
	case p.caseEnded(prev):
		return true
	}
	return nl > 0
}

// caseEnded reports whether prev was the ":" of a case label; after() has
// already cleared caseLabel, so the flag kept for it is checked.
func (p *printer) caseEnded(prev *lang.Token) bool {
	return isPunct(prev, ":") && p.lastLabelColon == prev.Pos.Offset
}

// newline ends the current line (keeping one blank line when the source
// had some) and indents for t.
func (p *printer) newline(t lang.Token, nl int) {
	if p.started {
		p.out.WriteByte('\n')
		if nl > 1 {
			p.out.WriteByte('\n')
		}
	}
	depth := len(p.braces)
	for _, b := range p.braces {
		if b.inCase {
			depth++
		}
	}
	if p.stmtOpen && !p.topLevel() && !isPunct(&t, "{") {
		depth++
	}
	for i := 0; i < depth; i++ {
		p.out.WriteByte('\t')
	}
}

// callKeywords take their "(" without a space.
var callKeywords = map[string]bool{"route": true, "modparam": true, "assert": true, "async": true, "launch": true}

// space decides whether a space separates prev and t on one line. ws
// tells whether the source had whitespace there; it is only dropped where
// the two tokens cannot scan as one.
func (p *printer) space(prev *lang.Token, t lang.Token, ws bool) bool {
	switch {
	case t.Kind == lang.TokStray, prev.Kind == lang.TokStray:
		return ws
	case t.Kind == lang.TokComment, prev.Kind == lang.TokComment:
		return true
	case isPunct(&t, ";"), isPunct(&t, ","):
		return false
	case isPunct(prev, "("), isPunct(prev, "["):
		return false
	case isPunct(&t, ")"), isPunct(&t, "]"):
		return false
	case isPunct(prev, ","):
		return true
	case isPunct(&t, "{"):
		return true
	case isPunct(&t, "("):
		switch {
		case prev.Kind == lang.TokIdent:
			return false
		case prev.Kind == lang.TokKeyword && callKeywords[prev.Text]:
			return false
		case isKw(prev, "if", "while", "switch", "for"):
			return true
		case prev.Kind == lang.TokRel, prev.Kind == lang.TokBinOp:
			return true
		case prev.Kind == lang.TokUnary && prev.Text == "!":
			return false
		}
		return ws
	case isPunct(&t, "[") && prev.Kind == lang.TokKeyword:
		return false
	case isPunct(&t, ":") && p.caseLabel && p.paren == 0:
		return false
	case t.Kind == lang.TokRel, t.Kind == lang.TokBinOp, prev.Kind == lang.TokRel, prev.Kind == lang.TokBinOp:
		return true
	case prev.Kind == lang.TokUnary:
		switch prev.Text {
		case "!", "~":
			return false
		case "not":
			return true
		}
		return ws
	case t.Kind == lang.TokUnary:
		return true
	case prev.Kind == lang.TokKeyword && !isPunct(&t, ":"), t.Kind == lang.TokKeyword:
		return true
	}
	return ws
}

// after updates the block and statement state once t is printed.
func (p *printer) after(t lang.Token, label bool) {
	switch {
	case t.Kind == lang.TokComment, t.Kind == lang.TokStray:
		return
	case t.Kind == lang.TokDirective:
		p.stmtOpen = false
	case isKw(&t, "switch"):
		p.pendingSwitch = true
		p.stmtOpen = true
	case label:
		p.caseLabel = true
		p.stmtOpen = true
	case isPunct(&t, "("):
		p.paren++
		p.stmtOpen = true
	case isPunct(&t, ")"):
		if p.paren > 0 {
			p.paren--
		}
		p.stmtOpen = true
	case isPunct(&t, "{"):
		p.braces = append(p.braces, brace{switchBody: p.pendingSwitch})
		p.pendingSwitch = false
		p.stmtOpen = false
	case isPunct(&t, "}"):
		p.stmtOpen = false
	case isPunct(&t, ":") && p.caseLabel && p.paren == 0:
		p.caseLabel = false
		p.lastLabelColon = t.Pos.Offset
		if len(p.braces) > 0 {
			p.braces[len(p.braces)-1].inCase = true
		}
		p.stmtOpen = false
	case isPunct(&t, ";") && p.paren == 0:
		p.stmtOpen = false
	case t.Kind == lang.TokRaw && p.topLevel():
		p.stmtOpen = false
	default:
		p.stmtOpen = true
	}
}
