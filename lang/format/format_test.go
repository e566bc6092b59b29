package format_test

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"gosips/internal/testenv"
	"gosips/lang"
	"gosips/lang/format"
	"gosips/port"
)

func noIncludes(string) ([]byte, error) { return nil, nil }

// corpusScripts lists the script files of the shared corpus.
// upstreamBroken holds the corpus scripts with a syntax error upstream too:
// three from lang's corpus test and those the manifest marks as unbalanced.
var upstreamBroken = map[string]bool{
	"modern/head__modules__osp__etc__sample-osp-opensips.cfg": true,
	"legacy/openser-1.2.0__examples__acc-mysql.cfg":           true,
	"legacy/2.4.11__examples__replicate.cfg":                  true,
}

func corpusScripts(t *testing.T) (string, []string) {
	dir := testenv.Corpus(t)
	data, err := os.ReadFile(filepath.Join(dir, "MANIFEST.tsv"))
	if err != nil {
		t.Fatal(err)
	}
	var files []string
	for i, line := range strings.Split(string(data), "\n") {
		f := strings.Split(line, "\t")
		if i == 0 || len(f) < 8 || f[6] != "script" {
			continue
		}
		files = append(files, f[0])
		if strings.Contains(f[7], "unbalanced braces") {
			upstreamBroken[f[0]] = true
		}
	}
	return dir, files
}

// TestFormatCorpus formats every corpus script twice: the first pass must
// keep the program (format.Source proves it by re-parsing, and the test
// checks again), the second must change nothing. Legacy scripts that do not
// parse are ported first.
func TestFormatCorpus(t *testing.T) {
	dir, files := corpusScripts(t)
	var formatted, ported, changed, broken int
	for _, name := range files {
		src, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		opts := lang.Options{Lenient: true, ReadFile: noIncludes}
		if _, diags := lang.Parse(name, src, opts); len(diags.Errors()) > 0 {
			res := port.Port(name, src, port.Options{ReadFile: noIncludes})
			if _, diags := lang.Parse(name, res.Output, opts); len(diags.Errors()) > 0 {
				if !upstreamBroken[name] {
					t.Errorf("%s: does not parse even after port", name)
				}
				broken++ // a syntax error upstream too (lang's knownBroken)
				continue
			}
			src = res.Output
			ported++
		}
		once, err := format.Source(name, src)
		if err != nil {
			t.Errorf("%v", err)
			continue
		}
		twice, err := format.Source(name, once)
		if err != nil {
			t.Errorf("%s: second pass: %v", name, err)
			continue
		}
		if string(once) != string(twice) {
			t.Errorf("%s: not idempotent:\n%s", name, firstDiff(once, twice))
			continue
		}
		a, _ := lang.Parse(name, src, opts)
		b, _ := lang.Parse(name, once, opts)
		if d := format.Diff(a, b); d != "" {
			t.Errorf("%s: program changed: %s", name, d)
		}
		formatted++
		if string(once) != string(src) {
			changed++
		}
	}
	t.Logf("%d scripts formatted (%d after port, %d changed by the first pass), %d with upstream syntax errors skipped", formatted, ported, changed, broken)
}

func firstDiff(a, b []byte) string {
	la, lb := strings.Split(string(a), "\n"), strings.Split(string(b), "\n")
	for i := 0; i < len(la) && i < len(lb); i++ {
		if la[i] != lb[i] {
			return fmt.Sprintf("line %d:\n- %s\n+ %s", i+1, la[i], lb[i])
		}
	}
	return "length differs"
}
