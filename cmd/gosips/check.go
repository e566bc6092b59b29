package main

import (
	"encoding/json"
	"fmt"
	"io"
	"path/filepath"
	"strings"

	"github.com/urfave/cli/v2"

	"gosips/lang"
	"gosips/lang/ast"
	"gosips/lang/diag"
	"gosips/runtime"
)

// maxErrors is how many errors check prints without --all-errors.
const maxErrors = 10

func checkCommand() *cli.Command {
	return &cli.Command{
		Name:    "check",
		Aliases: []string{"lint"},
		Usage:   "check a config file without running it",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "file", Aliases: []string{"f"}, Usage: "config `FILE`", Required: true},
			&cli.BoolFlag{Name: "all-errors", Aliases: []string{"e"}, Usage: "report every error, not only the first 10"},
			&cli.StringFlag{Name: "format", Value: "text", Usage: "output `FORMAT`: text or json"},
			&cli.BoolFlag{Name: "no-warnings", Aliases: []string{"q"}, Usage: "report errors only"},
		},
		Action: func(c *cli.Context) error {
			format := c.String("format")
			if format != "text" && format != "json" {
				return &exitError{code: 2, msg: fmt.Sprintf("unknown --format %q (want text or json)", format)}
			}
			f, diags := checkFile(c.String("file"), c.Bool("all-errors"))
			if c.Bool("no-warnings") {
				diags = diags.Errors()
			}
			if !c.Bool("all-errors") {
				diags = capErrors(diags, maxErrors)
			}
			var err error
			if format == "json" {
				err = writeJSON(c.App.Writer, diags)
			} else {
				writeText(c.App.ErrWriter, f, diags)
			}
			if err != nil {
				return &exitError{code: 2, msg: err.Error()}
			}
			if diags.HasErrors() {
				return &exitError{code: 1}
			}
			return nil
		},
	}
}

// checkFile parses and checks a config; it never panics on bad input.
func checkFile(path string, allErrors bool) (*ast.File, diag.List) {
	f, diags := lang.ParseFile(path, lang.Options{AllErrors: allErrors})
	if diags.HasErrors() || f == nil {
		diags.Sort()
		return f, diags
	}
	s, cd := runtime.Compile(f, runtime.Options{Check: true, ConfigDir: filepath.Dir(path)})
	diags = append(diags, cd...)
	if s != nil && !cd.HasErrors() {
		diags = append(diags, logDiags(f, s)...)
	}
	diags.Sort()
	return f, diags
}

// capErrors keeps the first n errors (and every warning before the cut).
func capErrors(l diag.List, n int) diag.List {
	var out diag.List
	errs := 0
	for _, d := range l {
		if d.Severity == diag.Error {
			errs++
			if errs > n {
				out = append(out, &diag.Diagnostic{Pos: d.Pos, Severity: diag.Error, Code: "too-many-errors",
					Msg: fmt.Sprintf("too many errors (%d shown)", n), Hint: "use --all-errors to see them all"})
				break
			}
		}
		out = append(out, d)
	}
	return out
}

func writeText(w io.Writer, f *ast.File, l diag.List) {
	var files map[string][]byte
	if f != nil {
		files = f.Files
	}
	src := func(name string) ([]byte, bool) {
		b, ok := files[name]
		return b, ok
	}
	var b strings.Builder
	errs, warns := 0, 0
	for _, d := range l {
		diag.Render(&b, d, src)
		if d.Severity == diag.Error {
			errs++
		} else {
			warns++
		}
	}
	if errs+warns > 0 {
		fmt.Fprintf(&b, "%s, %s\n", count(errs, "error"), count(warns, "warning"))
	}
	io.WriteString(w, b.String())
}

func count(n int, what string) string {
	if n == 1 {
		return "1 " + what
	}
	return fmt.Sprintf("%d %ss", n, what)
}

type jsonDiag struct {
	File     string `json:"file"`
	Line     int    `json:"line"`
	Col      int    `json:"col"`
	Severity string `json:"severity"`
	Code     string `json:"code"`
	Message  string `json:"message"`
	Hint     string `json:"hint"`
}

func writeJSON(w io.Writer, l diag.List) error {
	out := make([]jsonDiag, 0, len(l))
	for _, d := range l {
		out = append(out, jsonDiag{File: d.Pos.File, Line: d.Pos.Line, Col: d.Pos.Col,
			Severity: d.Severity.String(), Code: d.Code, Message: d.Msg, Hint: d.Hint})
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(out)
}

// logDiags warns when the config turns every log destination off: the
// server would then run without any log, as OpenSIPS does.
func logDiags(f *ast.File, s *runtime.Script) diag.List {
	if globalInt(s, "debug_mode", 0) != 0 || globalInt(s, "stderror_enabled", 1) != 0 || globalInt(s, "syslog_enabled", 0) != 0 {
		return nil
	}
	at := diag.Pos{File: f.Name, Line: 1, Col: 1}
	for _, it := range f.Items {
		if g, ok := it.(*ast.GlobalParam); ok && (g.Name == "stderror_enabled" || g.Name == "log_stderror") {
			at = g.At
		}
	}
	var l diag.List
	l.Warn(at, "no-log", "no log destination is enabled: the server will log nothing",
		"set stderror_enabled = yes or syslog_enabled = yes")
	return l
}
