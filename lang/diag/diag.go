// Package diag holds source positions and the diagnostics reported against
// them by the parser, the checker and the porter.
package diag

import (
	"fmt"
	"sort"
	"strings"
)

// Pos is a location in a source file. Line and Col are 1-based; Offset is the
// 0-based byte offset in the file named by File. The zero Pos is "unknown".
type Pos struct {
	File   string
	Line   int
	Col    int
	Offset int
}

// IsValid reports whether the position names a line.
func (p Pos) IsValid() bool { return p.Line > 0 }

func (p Pos) String() string {
	switch {
	case p.File == "" && p.Line == 0:
		return "-"
	case p.Line == 0:
		return p.File
	}
	return fmt.Sprintf("%s:%d:%d", p.File, p.Line, p.Col)
}

// Before reports whether p comes before q (by file name, then offset).
func (p Pos) Before(q Pos) bool {
	if p.File != q.File {
		return p.File < q.File
	}
	if p.Line != q.Line {
		return p.Line < q.Line
	}
	return p.Col < q.Col
}

// Severity of a diagnostic.
type Severity int

const (
	Error Severity = iota
	Warning
)

func (s Severity) String() string {
	if s == Warning {
		return "warning"
	}
	return "error"
}

// Stable diagnostic codes, documented in the README. Editors and CI key on them.
const (
	CodeSyntax          = "syntax"
	CodeInclude         = "include"
	CodeUnknownGlobal   = "unknown-global"
	CodeGlobalValue     = "global-value"
	CodeUnknownModule   = "unknown-module"
	CodeDuplicateModule = "duplicate-module"
	CodeModuleDep       = "module-dependency"
	CodeModparamModule  = "modparam-module"
	CodeModparamUnknown = "modparam-unknown"
	CodeModparamType    = "modparam-type"
	CodeModparamValue   = "modparam-value"
	CodeUnknownFunction = "unknown-function"
	CodeArgCount        = "arg-count"
	CodeArgType         = "arg-type"
	CodeFixup           = "fixup"
	CodeRouteFlag       = "route-flag"
	CodeUnknownRoute    = "unknown-route"
	CodeDuplicateRoute  = "duplicate-route"
	CodeUnknownPV       = "unknown-pv"
	CodeReadOnlyPV      = "read-only-pv"
	CodeBadPV           = "bad-pv"
	CodeUnknownTrans    = "unknown-transformation"
	CodeUnusedRoute     = "unused-route"
	CodeUnreachable     = "unreachable"
	CodeLegacy          = "legacy"
	CodeDeprecated      = "deprecated"
	CodeBadRegex        = "bad-regex"
	CodeBadExpr         = "bad-expression"
	CodeNotImplemented  = "not-implemented"
)

// Diagnostic is one finding at a position.
type Diagnostic struct {
	Pos      Pos
	Severity Severity
	Code     string
	Msg      string
	Hint     string
}

func (d *Diagnostic) Error() string {
	s := fmt.Sprintf("%s: %s: %s", d.Pos, d.Severity, d.Msg)
	return s
}

// List collects diagnostics. The zero value is ready to use.
type List []*Diagnostic

// Add appends an error.
func (l *List) Add(pos Pos, code, msg, hint string) {
	*l = append(*l, &Diagnostic{Pos: pos, Severity: Error, Code: code, Msg: msg, Hint: hint})
}

// Warn appends a warning.
func (l *List) Warn(pos Pos, code, msg, hint string) {
	*l = append(*l, &Diagnostic{Pos: pos, Severity: Warning, Code: code, Msg: msg, Hint: hint})
}

// Errorf appends an error with a formatted message and no hint.
func (l *List) Errorf(pos Pos, code, format string, args ...any) {
	l.Add(pos, code, fmt.Sprintf(format, args...), "")
}

// Append adds all diagnostics of other.
func (l *List) Append(other List) { *l = append(*l, other...) }

// Sort orders the list by position; the sort is stable so diagnostics at the
// same position keep their order.
func (l List) Sort() {
	sort.SliceStable(l, func(i, j int) bool { return l[i].Pos.Before(l[j].Pos) })
}

// HasErrors reports whether any diagnostic is an error.
func (l List) HasErrors() bool {
	for _, d := range l {
		if d.Severity == Error {
			return true
		}
	}
	return false
}

// Errors returns only the errors.
func (l List) Errors() List {
	var out List
	for _, d := range l {
		if d.Severity == Error {
			out = append(out, d)
		}
	}
	return out
}

// Err returns the list as an error when it holds at least one error, else nil.
func (l List) Err() error {
	if !l.HasErrors() {
		return nil
	}
	return l
}

func (l List) Error() string {
	errs := l.Errors()
	switch len(errs) {
	case 0:
		return "no errors"
	case 1:
		return errs[0].Error()
	}
	var b strings.Builder
	for i, d := range errs {
		if i > 0 {
			b.WriteByte('\n')
		}
		b.WriteString(d.Error())
	}
	return b.String()
}

// Source gives the text of a file for caret rendering.
type Source func(file string) ([]byte, bool)

// Render writes one diagnostic as "file:line:col: severity: msg" followed by
// the source line, a caret under the column and the hint, if any.
func Render(b *strings.Builder, d *Diagnostic, src Source) {
	b.WriteString(d.Error())
	b.WriteByte('\n')
	if src != nil && d.Pos.IsValid() {
		if text, ok := src(d.Pos.File); ok {
			if line, ok := lineAt(text, d.Pos.Line); ok {
				line = strings.ReplaceAll(line, "\t", " ")
				b.WriteString("    ")
				b.WriteString(line)
				b.WriteByte('\n')
				col := d.Pos.Col
				if col < 1 {
					col = 1
				}
				if col > len(line)+1 {
					col = len(line) + 1
				}
				b.WriteString("    ")
				b.WriteString(strings.Repeat(" ", col-1))
				b.WriteString("^\n")
			}
		}
	}
	if d.Hint != "" {
		b.WriteString("    hint: ")
		b.WriteString(d.Hint)
		b.WriteByte('\n')
	}
}

func lineAt(text []byte, n int) (string, bool) {
	line := 1
	start := 0
	for i, c := range text {
		if line == n {
			start = i
			break
		}
		if c == '\n' {
			line++
			if line == n {
				start = i + 1
				break
			}
		}
	}
	if line != n {
		return "", false
	}
	end := start
	for end < len(text) && text[end] != '\n' {
		end++
	}
	return strings.TrimRight(string(text[start:end]), "\r"), true
}
