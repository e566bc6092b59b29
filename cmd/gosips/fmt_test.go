package main

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"gosips/internal/testenv"
	"gosips/lang"
)

// fmtRun runs "gosips fmt args..." and returns stdout and the exit code.
func fmtRun(t *testing.T, args ...string) (string, int) {
	t.Helper()
	var out, errOut bytes.Buffer
	app := newApp()
	app.Writer, app.ErrWriter = &out, &errOut
	err := app.Run(append([]string{"gosips", "fmt"}, args...))
	code := 0
	var ee *exitError
	switch {
	case errors.As(err, &ee):
		code = ee.code
	case err != nil:
		t.Fatalf("fmt %v: %v", args, err)
	}
	if code == 2 {
		t.Logf("stderr: %s", errOut.String())
	}
	return out.String(), code
}

const fmtMessy = `# messy
loadmodule "tm.so"
modparam("tm","fr_timeout",5)
route{
  if(is_method("INVITE")&&!has_totag())
  {
    t_relay();exit;
  }
}
`

const fmtTidy = `# messy
loadmodule "tm.so"
modparam("tm", "fr_timeout", 5)
route {
	if (is_method("INVITE") && !has_totag()) {
		t_relay();
		exit;
	}
}
`

func TestFmtCheckAndWrite(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "a.cfg")
	if err := os.WriteFile(path, []byte(fmtMessy), 0o640); err != nil {
		t.Fatal(err)
	}
	out, code := fmtRun(t, path)
	if code != 0 || out != fmtTidy {
		t.Fatalf("fmt printed (exit %d):\n%s", code, out)
	}
	if out, code := fmtRun(t, "--check", path); code != 1 || strings.TrimSpace(out) != path {
		t.Fatalf("--check on a messy file: exit %d, out %q; want 1 and the file name", code, out)
	}
	if _, code := fmtRun(t, "-w", path); code != 0 {
		t.Fatalf("-w: exit %d", code)
	}
	data, _ := os.ReadFile(path)
	if string(data) != fmtTidy {
		t.Fatalf("-w wrote:\n%s", data)
	}
	fi, _ := os.Stat(path)
	if fi.Mode().Perm() != 0o640 {
		t.Errorf("-w changed the mode to %v", fi.Mode().Perm())
	}
	if ents, _ := os.ReadDir(dir); len(ents) != 1 {
		t.Errorf("-w left %d files in the directory", len(ents))
	}
	if out, code := fmtRun(t, "--check", path); code != 0 || out != "" {
		t.Fatalf("--check on a formatted file: exit %d, out %q", code, out)
	}
	bad := filepath.Join(dir, "bad.cfg")
	os.WriteFile(bad, []byte("route {\n\tif (\n}\n"), 0o644)
	if _, code := fmtRun(t, "-w", bad); code != 2 {
		t.Errorf("a file that does not parse: exit %d, want 2", code)
	}
	if data, _ := os.ReadFile(bad); string(data) != "route {\n\tif (\n}\n" {
		t.Errorf("a file that does not parse was rewritten")
	}
}

// TestFmtCheckCorpus rewrites a copy of every parseable corpus script with
// -w, then --check must pass on all of them.
func TestFmtCheckCorpus(t *testing.T) {
	dir := testenv.Corpus(t)
	tmp := t.TempDir()
	var paths []string
	for _, sub := range []string{"modern", "legacy"} {
		names, _ := filepath.Glob(filepath.Join(dir, sub, "*.cfg"))
		for _, n := range names {
			src, _ := os.ReadFile(n)
			_, diags := lang.Parse(n, src, lang.Options{Lenient: true, ReadFile: func(string) ([]byte, error) { return nil, nil }})
			if diags.HasErrors() {
				continue // upstream syntax errors: lang/format's corpus test lists them
			}
			p := filepath.Join(tmp, sub+"_"+filepath.Base(n))
			os.WriteFile(p, src, 0o644)
			paths = append(paths, p)
		}
	}
	if len(paths) < 150 {
		t.Fatalf("only %d corpus scripts parse", len(paths))
	}
	if _, code := fmtRun(t, append([]string{"-w"}, paths...)...); code != 0 {
		t.Fatalf("fmt -w: exit %d", code)
	}
	if out, code := fmtRun(t, append([]string{"--check"}, paths...)...); code != 0 {
		t.Fatalf("fmt --check after -w: exit %d, would change:\n%s", code, out)
	}
	t.Logf("%d corpus scripts formatted, --check clean", len(paths))
}
