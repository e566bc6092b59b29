package port

import (
	"bytes"
	"regexp"
	"strings"

	"gosips/lang/diag"
)

// MarkerPrefix starts the comment line put above every construct that needs
// manual work.
const MarkerPrefix = "# gosips-port: "

// unparsable reports the parse errors of an input that cannot be ported
// (unbalanced braces, truncated blocks): the text is kept, marked, and
// nothing is guessed.
func (p *porter) unparsable(diags diag.List) *Result {
	es := &editSet{src: p.src}
	var out []Finding
	for _, d := range diags.Errors() {
		msg := markerText(d)
		out = append(out, Finding{Pos: d.Pos, Msg: msg, Manual: true})
		if d.Pos.File == p.name && d.Pos.IsValid() {
			addMarker(es, d.Pos.Offset, msg)
		}
	}
	text, _ := es.apply()
	return &Result{Output: text, Findings: out}
}

// review compiles the ported text once more: what is still legacy, or an
// error, is marked and reported as manual work.
func (p *porter) review(text []byte) *Result {
	idx := len(p.maps)
	es := &editSet{src: text}
	f, diags := p.parse(text, false)
	if !diags.HasErrors() {
		_, cd := p.compile(f)
		diags = append(diags, cd...)
	}
	diags.Sort()
	diags, never := groupNever(diags)
	diags = append(diags, never...)
	diags.Sort()
	var extra []Finding
	for _, d := range diags {
		if d.Severity != diag.Error && d.Code != diag.CodeLegacy && d.Code != diag.CodeDeprecated {
			continue
		}
		msg := markerText(d)
		if d.Pos.File != p.name || !d.Pos.IsValid() {
			extra = append(extra, Finding{Pos: d.Pos, Msg: msg, Manual: true})
			continue
		}
		rule := ""
		if d.Code == "never-module" {
			rule = "H7"
		}
		p.found = append(p.found, pending{idx: idx, off: d.Pos.Offset, Finding: Finding{Rule: rule, Msg: msg, Manual: true}})
		addMarker(es, d.Pos.Offset, msg)
	}
	out, _ := es.apply()
	return &Result{Output: out, Findings: append(p.findings(), extra...)}
}

// markerText words a diagnostic as a to-do.
func markerText(d *diag.Diagnostic) string {
	hint := d.Hint
	hint = strings.TrimSuffix(hint, `; "gosips port" rewrites it`)
	if hint == `run "gosips port" to rewrite it` {
		hint = ""
	}
	msg := d.Msg
	if hint != "" {
		msg += " (" + hint + ")"
	}
	// Positions inside messages move when markers are added.
	msg = posInMsgRe.ReplaceAllString(msg, "")
	return strings.Join(strings.Fields(msg), " ")
}

var posInMsgRe = regexp.MustCompile(` at [0-9]+:[0-9]+`)

// addMarker puts a marker line above the line holding off, unless the
// comment lines right above already carry it.
func addMarker(es *editSet, off int, msg string) {
	// A marker line inside a multi-line string would change the string:
	// it goes above the line where the string starts.
	for i := 0; i < 8; i++ {
		q := openQuote(es.src, lineStart(es.src, off))
		if q < 0 {
			break
		}
		off = q
	}
	line := strings.TrimSpace(MarkerPrefix + msg)
	ls := lineStart(es.src, off)
	for prev := ls; prev > 0; {
		ps := lineStart(es.src, prev-1)
		l := bytes.TrimSpace(es.src[ps:prev])
		if !bytes.HasPrefix(l, []byte(strings.TrimSpace(MarkerPrefix))) {
			break
		}
		if string(l) == line {
			return
		}
		prev = ps
	}
	for _, e := range es.edits {
		if e.start == ls && strings.TrimSpace(e.text) == line {
			return
		}
	}
	es.insert(ls, indentOf(es.src, off)+line+"\n")
}

// openQuote returns the offset of the quote opening the string that off
// is inside of, or -1 when off is outside strings and comments.
func openQuote(src []byte, off int) int {
	open := -1
	var q byte
	for i := 0; i < off && i < len(src); i++ {
		c := src[i]
		switch {
		case q != 0 && c == '\\':
			i++
		case q != 0 && c == q:
			q, open = 0, -1
		case q != 0:
		case c == '#':
			for i < len(src) && src[i] != '\n' {
				i++
			}
			if i >= off {
				return -1
			}
		case c == '"' || c == '\'':
			q, open = c, i
		}
	}
	return open
}
