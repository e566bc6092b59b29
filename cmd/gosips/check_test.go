package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"gosips/internal/testenv"
	"gosips/lang/diag"
)

// markerRE finds an expected-diagnostic marker: ### "regexp".
var markerRE = regexp.MustCompile(`###\s*"((?:[^"\\]|\\.)*)"`)

// TestCheckDiagnostics runs check on every testdata/check file and matches
// the diagnostics against the ### "regexp" markers on their lines: each
// diagnostic must be expected and each marker matched.
func TestCheckDiagnostics(t *testing.T) {
	files, _ := filepath.Glob("../../testdata/check/*.cfg")
	if len(files) < 20 {
		t.Fatalf("found only %d check cases", len(files))
	}
	for _, path := range files {
		t.Run(filepath.Base(path), func(t *testing.T) {
			src, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			want := map[int][]*regexp.Regexp{}
			for i, line := range strings.Split(string(src), "\n") {
				for _, m := range markerRE.FindAllStringSubmatch(line, -1) {
					want[i+1] = append(want[i+1], regexp.MustCompile(strings.ReplaceAll(m[1], `\"`, `"`)))
				}
			}
			_, diags := checkFile(path, true)
			matched := map[*regexp.Regexp]bool{}
			for _, d := range diags {
				if !d.Pos.IsValid() || d.Pos.Col < 1 {
					t.Errorf("diagnostic without a valid position: %v", d)
				}
				if filepath.Clean(d.Pos.File) != filepath.Clean(path) {
					continue
				}
				ok := false
				for _, re := range want[d.Pos.Line] {
					if re.MatchString(d.Msg) || re.MatchString(d.Hint) {
						matched[re] = true
						ok = true
					}
				}
				if !ok {
					t.Errorf("unexpected %s", d.Error())
				}
			}
			for line, res := range want {
				for _, re := range res {
					if !matched[re] {
						t.Errorf("line %d: no diagnostic matches %q (got %v)", line, re, diags)
					}
				}
			}
			// The file name says which code it is about.
			code := strings.TrimSuffix(filepath.Base(path), ".cfg")
			found := false
			for _, d := range diags {
				if d.Code == code {
					found = true
				}
			}
			if !found {
				t.Errorf("no diagnostic with code %q", code)
			}
		})
	}
}

func runApp(t *testing.T, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	app := newApp()
	var out, errb bytes.Buffer
	app.Writer, app.ErrWriter = &out, &errb
	err := app.Run(append([]string{"gosips"}, args...))
	var ee *exitError
	switch {
	case err == nil:
	case errors.As(err, &ee):
		code = ee.code
	default:
		code = 2
	}
	return out.String(), errb.String(), code
}

func TestCheckExitCodesAndFormats(t *testing.T) {
	good := filepath.Join(t.TempDir(), "good.cfg")
	os.WriteFile(good, []byte("loadmodule \"proto_udp.so\"\nsocket=udp:127.0.0.1:5060\nroute {\n\texit;\n}\n"), 0o644)
	if _, errs, code := runApp(t, "check", "-f", good); code != 0 {
		t.Fatalf("clean config: exit %d\n%s", code, errs)
	}
	bad := "../../testdata/check/fixup.cfg"
	_, text, code := runApp(t, "check", "-f", bad)
	if code != 1 {
		t.Fatalf("bad config: exit %d, want 1", code)
	}
	if !strings.Contains(text, "fixup.cfg:8:") || !strings.Contains(text, "\n    ") || !strings.Contains(text, "^") {
		t.Errorf("text output lacks position or caret:\n%s", text)
	}
	out, _, code := runApp(t, "lint", "--format", "json", "-f", bad)
	if code != 1 {
		t.Fatalf("lint alias: exit %d", code)
	}
	var list []map[string]any
	if err := json.Unmarshal([]byte(out), &list); err != nil {
		t.Fatalf("json output: %v\n%s", err, out)
	}
	if len(list) == 0 {
		t.Fatal("json output is empty")
	}
	for _, d := range list {
		for _, k := range []string{"file", "line", "col", "severity", "code", "message", "hint"} {
			if _, ok := d[k]; !ok {
				t.Errorf("json diagnostic lacks %q: %v", k, d)
			}
		}
	}
	if _, _, code := runApp(t, "check", "--format", "xml", "-f", bad); code != 2 {
		t.Errorf("bad --format: exit %d, want 2", code)
	}
	if _, _, code := runApp(t, "check"); code != 2 {
		t.Errorf("missing -f: exit %d, want 2", code)
	}
}

// TestCheckNeverCrashesOnCorpus checks every corpus file: no panic, every
// diagnostic positioned, and zero errors for modern files that load only
// modules gosips provides.
func TestCheckNeverCrashesOnCorpus(t *testing.T) {
	root := testenv.Corpus(t)
	manifest, err := os.ReadFile(filepath.Join(root, "MANIFEST.tsv"))
	if err != nil {
		t.Fatal(err)
	}
	inScope := map[string]bool{}
	for _, m := range strings.Fields("signaling sl tm sipmsgops textops maxfwd rr usrloc registrar auth auth_db msilo dispatcher uac uac_auth uac_registrant db_sqlite db_text httpd mi_http mi_fifo proto_udp proto_tcp cfgutils avpops") {
		inScope[m] = true
	}
	var total, clean, modernInScope int
	for _, row := range strings.Split(string(manifest), "\n")[1:] {
		cols := strings.Split(row, "\t")
		if len(cols) < 8 {
			continue
		}
		file, mods, kind := cols[0], cols[5], cols[6]
		if kind != "script" {
			continue
		}
		total++
		_, diags := checkFile(filepath.Join(root, file), true)
		for _, d := range diags {
			if !d.Pos.IsValid() || d.Pos.Col < 1 || d.Pos.File == "" {
				t.Errorf("%s: diagnostic without position: %v", file, d)
			}
		}
		if !diags.HasErrors() {
			clean++
		}
		all := true
		for _, m := range strings.Split(mods, ",") {
			if m != "" && m != "-" && !inScope[m] {
				all = false
			}
		}
		if strings.HasPrefix(file, "modern/") && all {
			modernInScope++
			if diags.HasErrors() {
				t.Errorf("%s: modern in-scope config has errors:\n%v", file, diag.List(diags.Errors()).Error())
			}
		}
	}
	t.Logf("%d corpus scripts checked, %d without errors; %d modern in-scope files", total, clean, modernInScope)
}

// BenchmarkCheckLarge measures parse + check of a 4,500-line config, the
// cost of "gosips check" and of loading a script at start-up.
func BenchmarkCheckLarge(b *testing.B) {
	path := "../../testdata/large.cfg"
	if _, err := os.Stat(path); err != nil {
		b.Skip("testdata/large.cfg missing")
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, diags := checkFile(path, true); diags.HasErrors() {
			b.Fatalf("large.cfg does not check: %v", diags.Errors()[0])
		}
	}
}
