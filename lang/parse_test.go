package lang

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"gosips/lang/ast"
	"gosips/lang/diag"
)

var update = flag.Bool("update", false, "rewrite golden files")

// TestGolden parses testdata/parse/*.cfg and compares the AST dump with the
// .ast.golden file beside it.
func TestGolden(t *testing.T) {
	files, err := filepath.Glob("../testdata/parse/*.cfg")
	if err != nil || len(files) == 0 {
		t.Fatalf("no golden inputs: %v", err)
	}
	for _, path := range files {
		t.Run(filepath.Base(path), func(t *testing.T) {
			opts := Options{AllErrors: true, Lenient: strings.Contains(path, "lenient")}
			f, diags := ParseFile(path, opts)
			checkPositions(t, path, diags)
			got := dump(f, diags)
			golden := strings.TrimSuffix(path, ".cfg") + ".ast.golden"
			if *update {
				if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run with -update)", err)
			}
			if got != string(want) {
				t.Errorf("AST differs from %s (run with -update and review the diff):\n%s", golden, got)
			}
		})
	}
}

var (
	wantErrRx    = regexp.MustCompile(`###\s+"((?:[^"\\]|\\.)*)"\s*$`)
	wantLegacyRx = regexp.MustCompile(`###\s+legacy=([a-z-]+)\s*$`)
)

// TestErrors runs the chunks of testdata/parse/*.errors: a line ending with
// ### "regexp" expects an error on that line matching regexp, a line ending
// with ### legacy=kind expects that legacy use on the line, and any other
// error fails the test. Chunks are separated by lines holding "---".
func TestErrors(t *testing.T) {
	files, _ := filepath.Glob("../testdata/parse/*.errors")
	if len(files) == 0 {
		t.Fatal("no .errors files")
	}
	for _, path := range files {
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		lines := strings.Split(string(data), "\n")
		start := 0
		for i := 0; i <= len(lines); i++ {
			if i < len(lines) && strings.TrimSpace(lines[i]) != "---" {
				continue
			}
			runChunk(t, path, lines, start, i)
			start = i + 1
		}
	}
}

func runChunk(t *testing.T, path string, lines []string, from, to int) {
	// Blank lines before the chunk keep line numbers equal to the file's.
	src := strings.Repeat("\n", from) + strings.Join(lines[from:to], "\n")
	opts := Options{AllErrors: true, Lenient: strings.Contains(path, "lenient")}
	f, diags := Parse(path, []byte(src), opts)
	checkPositions(t, path, diags)
	name := filepath.Base(path)
	wantErr := map[int]*regexp.Regexp{}
	wantLegacy := map[int]string{}
	for i := from; i < to; i++ {
		if m := wantErrRx.FindStringSubmatch(lines[i]); m != nil {
			wantErr[i+1] = regexp.MustCompile(strings.ReplaceAll(m[1], `\"`, `"`))
		}
		if m := wantLegacyRx.FindStringSubmatch(lines[i]); m != nil {
			wantLegacy[i+1] = m[1]
		}
	}
	for _, d := range diags.Errors() {
		rx, ok := wantErr[d.Pos.Line]
		switch {
		case !ok:
			t.Errorf("%s:%d:%d: unexpected error: %s", name, d.Pos.Line, d.Pos.Col, d.Msg)
		case !rx.MatchString(d.Msg):
			t.Errorf("%s:%d:%d: error %q does not match %q", name, d.Pos.Line, d.Pos.Col, d.Msg, rx)
		default:
			delete(wantErr, d.Pos.Line)
		}
	}
	for line, rx := range wantErr {
		t.Errorf("%s:%d: no error matching %q", name, line, rx)
	}
	for _, l := range f.Legacy {
		if kind, ok := wantLegacy[l.At.Line]; ok && kind == l.Kind {
			delete(wantLegacy, l.At.Line)
		}
	}
	for line, kind := range wantLegacy {
		t.Errorf("%s:%d: no legacy use %q (got %v)", name, line, kind, legacyKinds(f.Legacy))
	}
}

func legacyKinds(l []*ast.LegacyUse) []string {
	var out []string
	for _, u := range l {
		out = append(out, fmt.Sprintf("%s@%d", u.Kind, u.At.Line))
	}
	return out
}

func TestIncludes(t *testing.T) {
	files := map[string]string{
		"main.cfg":         "# top\nloadmodule \"tm.so\"\ninclude_file \"routes.cfg\"\nroute {\n\tinclude_file 'body.cfg' # trailing text ignored\n\texit;\n}\n",
		"routes.cfg":       "route[a] {\n\treturn;\n}\n",
		"sub/body.cfg":     "xlog(\"from body\\n\");\n",
		"body.cfg":         "t_relay();\n",
		"loop.cfg":         "import_file \"loop.cfg\"\n",
		"missing.cfg":      "log_level=3\n  import_file \"nope.cfg\"\n",
		"rel/outer.cfg":    "include_file \"inner.cfg\"\n",
		"rel/inner.cfg":    "log_level = 2\n",
		"noquote.cfg":      "include_file nope.cfg\n",
		"unbalanced.cfg":   "route {\n include_file \"half.cfg\"\n}\n",
		"half.cfg":         "if (1) {\n",
		"unterminated.cfg": "log_level=1 /* open\n",
	}
	read := func(p string) ([]byte, error) {
		if s, ok := files[filepath.ToSlash(p)]; ok {
			return []byte(s), nil
		}
		return nil, os.ErrNotExist
	}
	tests := []struct {
		file    string
		wantErr string // regexp; "" = no error
		errFile string
		errLine int
		check   func(t *testing.T, f *ast.File)
	}{
		{file: "main.cfg", check: func(t *testing.T, f *ast.File) {
			if len(f.Items) != 3 {
				t.Fatalf("items = %d, want 3", len(f.Items))
			}
			r := f.Items[1].(*ast.Route)
			if r.At.File != "routes.cfg" || r.At.Line != 1 || r.At.Col != 1 {
				t.Errorf("route[a] at %v, want routes.cfg:1", r.At)
			}
			main := f.Items[2].(*ast.Route)
			call := main.Body.Stmts[0].(*ast.CallStmt).Call
			if call.Name != "t_relay" || call.At.File != "body.cfg" || call.At.Line != 1 || call.At.Col != 1 {
				t.Errorf("included call %s at %v, want t_relay at body.cfg:1:1", call.Name, call.At)
			}
			exit := main.Body.Stmts[1].(*ast.Exit)
			if exit.At.File != "main.cfg" || exit.At.Line != 6 {
				t.Errorf("exit at %v, want main.cfg:6", exit.At)
			}
			if len(f.Files) != 3 {
				t.Errorf("files = %d, want 3", len(f.Files))
			}
			if len(f.Comments) != 1 || f.Comments[0].At.File != "main.cfg" {
				t.Errorf("comments = %v", f.Comments)
			}
		}},
		{file: "loop.cfg", wantErr: "deeper than 50", errFile: "loop.cfg", errLine: 1},
		{file: "missing.cfg", wantErr: `import_file "nope.cfg": file does not exist`, errFile: "missing.cfg", errLine: 2},
		{file: "rel/outer.cfg", check: func(t *testing.T, f *ast.File) {
			if len(f.Items) != 1 || f.Items[0].Start().File != "rel/inner.cfg" {
				t.Errorf("items %v", f.Items)
			}
		}},
		{file: "noquote.cfg", wantErr: "needs a quoted", errFile: "noquote.cfg", errLine: 1},
		{file: "unbalanced.cfg", wantErr: "unbalanced braces", errFile: "unbalanced.cfg", errLine: 1},
		{file: "unterminated.cfg", wantErr: "unterminated /\\* comment", errFile: "unterminated.cfg", errLine: 1},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			f, diags := ParseFile(tt.file, Options{ReadFile: read})
			checkPositions(t, tt.file, diags)
			errs := diags.Errors()
			if tt.wantErr == "" {
				if len(errs) > 0 {
					t.Fatalf("unexpected errors: %v", errs)
				}
			} else {
				if len(errs) == 0 {
					t.Fatalf("want error %q, got none", tt.wantErr)
				}
				d := errs[0]
				if !regexp.MustCompile(tt.wantErr).MatchString(d.Msg) || d.Pos.File != tt.errFile || d.Pos.Line != tt.errLine {
					t.Errorf("got %v, want %q at %s:%d", d, tt.wantErr, tt.errFile, tt.errLine)
				}
			}
			if tt.check != nil {
				tt.check(t, f)
			}
		})
	}
}

func TestErrorLimit(t *testing.T) {
	var b strings.Builder
	for range 15 {
		b.WriteString("route[x] { foo( }\n")
	}
	_, d := Parse("many.cfg", []byte(b.String()), Options{})
	if n := len(d.Errors()); n != maxErrors {
		t.Errorf("errors = %d, want %d", n, maxErrors)
	}
	_, d = Parse("many.cfg", []byte(b.String()), Options{AllErrors: true})
	if n := len(d.Errors()); n != 15 {
		t.Errorf("AllErrors: errors = %d, want 15", n)
	}
	_, d = Parse("same.cfg", []byte("route { foo( ) bar( }\n"), Options{AllErrors: true})
	if n := len(d.Errors()); n != 1 {
		t.Errorf("same line: errors = %d, want 1: %v", n, d)
	}
}

func TestParseFileMissing(t *testing.T) {
	f, d := ParseFile("/nonexistent/x.cfg", Options{})
	if f == nil || len(d) != 1 || d[0].Code != diag.CodeInclude || d[0].Pos.Line != 1 {
		t.Errorf("got %v %v", f, d)
	}
}
