package core

import (
	"bufio"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"gosips/internal/testenv"
)

// corpusDir is ../shared/corpus relative to the repository root.
func corpusDir(t *testing.T) string {
	t.Helper()
	return testenv.Corpus(t)
}

// notGlobals are names corpus scripts set that OpenSIPS itself rejects.
var notGlobals = map[string]string{
	"pi_framework": `a pi_http modparam written as a global in the sample`,
}

var globalLine = regexp.MustCompile(`^\s*([A-Za-z_][A-Za-z0-9_-]*)\s*=`)

// TestCorpusGlobals checks every global parameter name set by a corpus
// script is declared (as modern, deprecated or legacy).
func TestCorpusGlobals(t *testing.T) {
	dir := corpusDir(t)
	declared := map[string]bool{}
	for _, p := range New().Params() {
		declared[p.Name] = true
	}
	manifest, err := os.ReadFile(filepath.Join(dir, "MANIFEST.tsv"))
	if err != nil {
		t.Fatal(err)
	}
	seen := 0
	for _, row := range strings.Split(string(manifest), "\n")[1:] {
		cols := strings.Split(row, "\t")
		if len(cols) < 7 || cols[6] != "script" {
			continue
		}
		for _, name := range topLevelGlobals(t, filepath.Join(dir, cols[0])) {
			seen++
			if !declared[name] && notGlobals[name] == "" {
				t.Errorf("%s: global %q is not declared", cols[0], name)
			}
		}
	}
	if seen == 0 {
		t.Fatal("no globals found in the corpus")
	}
}

// topLevelGlobals returns the names of "name = value" lines before the
// first route block, ignoring comments and multi-line strings.
func topLevelGlobals(t *testing.T, path string) []string {
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []string
	inStr := false
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		if i := strings.IndexByte(line, '#'); i >= 0 && !inStr && strings.Count(line[:i], `"`)%2 == 0 {
			line = line[:i]
		}
		wasInStr := inStr
		if strings.Count(line, `"`)%2 == 1 {
			inStr = !inStr
		}
		if wasInStr {
			continue
		}
		trimmed := strings.TrimSpace(line)
		if strings.HasPrefix(trimmed, "route") || strings.HasPrefix(trimmed, "startup_route") {
			break
		}
		if m := globalLine.FindStringSubmatch(line); m != nil {
			out = append(out, m[1])
		}
	}
	return out
}
