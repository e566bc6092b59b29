package lang

import (
	"bufio"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"gosips/internal/testenv"
	"gosips/lang/diag"
)

// corpusDir locates ../shared/corpus relative to the repository root.
func corpusDir(t testing.TB) string {
	return testenv.Corpus(t)
}

type corpusEntry struct {
	file, era, kind, issues string
}

func readManifest(t *testing.T, dir string) []corpusEntry {
	f, err := os.Open(filepath.Join(dir, "MANIFEST.tsv"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []corpusEntry
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	var cols map[string]int
	for sc.Scan() {
		fields := strings.Split(sc.Text(), "\t")
		if cols == nil {
			cols = map[string]int{}
			for i, c := range fields {
				cols[c] = i
			}
			continue
		}
		get := func(c string) string {
			if i, ok := cols[c]; ok && i < len(fields) {
				return fields[i]
			}
			return ""
		}
		out = append(out, corpusEntry{file: get("file"), era: get("era"), kind: get("kind"), issues: get("known_issues")})
	}
	return out
}

func checkPositions(t *testing.T, name string, l diag.List) {
	t.Helper()
	for _, d := range l {
		if d.Pos.File == "" || d.Pos.Line < 1 || d.Pos.Col < 1 {
			t.Errorf("%s: diagnostic with invalid position %+v: %s", name, d.Pos, d.Msg)
		}
	}
}

func TestCorpus(t *testing.T) {
	dir := corpusDir(t)
	type tally struct{ ok, total int }
	eras := map[string]*tally{}
	for _, e := range readManifest(t, dir) {
		if e.kind != "script" {
			continue
		}
		path := filepath.Join(dir, e.file)
		src, err := os.ReadFile(path)
		if err != nil {
			t.Errorf("%s: %v", e.file, err)
			continue
		}
		_, diags := Parse(e.file, src, Options{AllErrors: true, ReadFile: noIncludes})
		checkPositions(t, e.file, diags)
		if eras[e.era] == nil {
			eras[e.era] = &tally{}
		}
		eras[e.era].total++
		errs := diags.Errors()
		if strings.Contains(e.issues, "unbalanced braces") {
			if len(errs) == 0 {
				t.Errorf("%s: want an unbalanced-braces error, got none", e.file)
			} else if !strings.Contains(errs[0].Msg, "unbalanced braces") {
				t.Errorf("%s: first error %v, want unbalanced braces", e.file, errs[0])
			} else {
				eras[e.era].ok++
			}
			continue
		}
		if want, ok := knownBroken[e.file]; ok {
			if len(errs) == 0 || errs[0].Pos.Line != want {
				t.Errorf("%s: want the first error on line %d, got %v", e.file, want, errs)
			} else {
				eras[e.era].ok++
			}
			continue
		}
		if len(errs) > 0 {
			for _, d := range errs {
				t.Errorf("%s", d)
			}
			continue
		}
		eras[e.era].ok++
	}
	names := make([]string, 0, len(eras))
	for n := range eras {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		t.Logf("%-14s %3d/%3d parse as expected", n, eras[n].ok, eras[n].total)
	}
}

// knownBroken lists corpus files with a syntax error upstream too, and the
// line of that error.
var knownBroken = map[string]int{
	// "if ($avp(identity) != NULL)) {": one ")" too many.
	"modern/head__modules__osp__etc__sample-osp-opensips.cfg": 1008,
	// "if(is_method("BYE") {": a ")" is missing.
	"legacy/openser-1.2.0__examples__acc-mysql.cfg": 170,
	// `$var(backup_ip) = "backup.foo.bar" {ip.resolve};`: a transformation
	// on a string literal.
	"legacy/2.4.11__examples__replicate.cfg": 64,
}

// noIncludes stands in for files the corpus does not ship.
func noIncludes(path string) ([]byte, error) {
	if strings.HasSuffix(path, ".cfg") && !strings.Contains(path, "include") {
		return os.ReadFile(path)
	}
	return os.ReadFile(path)
}
