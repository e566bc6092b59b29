package schema

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestUpstreamScripts compares every table's DDL and db_text header with
// the scripts of an OpenSIPS source tree named by OPENSIPS_SRC (CI has
// none, so the test needs the variable).
func TestUpstreamScripts(t *testing.T) {
	src := os.Getenv("OPENSIPS_SRC")
	if src == "" {
		t.Skip("OPENSIPS_SRC not set (an OpenSIPS 3.6 source tree)")
	}
	norm := regexp.MustCompile(`[ \t]+`)
	stmts := func(dialect string) map[string]string {
		files, _ := filepath.Glob(filepath.Join(src, "scripts", dialect, "*-create.sql"))
		out := map[string]string{}
		for _, f := range files {
			b, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			for _, st := range strings.Split(string(b), ";\n") {
				st = strings.TrimSpace(norm.ReplaceAllString(st, " "))
				st = strings.ReplaceAll(st, " \n", "\n")
				if m := regexp.MustCompile(`^CREATE TABLE (\w+) `).FindStringSubmatch(st); m != nil {
					out[m[1]] += st + ";"
				} else if m := regexp.MustCompile(`^(?:CREATE INDEX \w+ ON|ALTER SEQUENCE) (\w+)`).FindStringSubmatch(st); m != nil {
					name := m[1]
					if strings.HasPrefix(st, "ALTER") { // table_col_seq: the longest table name
						seq := name
						for _, tb := range tables {
							if strings.HasPrefix(seq, tb.Name+"_") && (name == seq || len(tb.Name) > len(name)) {
								name = tb.Name
							}
						}
					}
					out[name] += st + ";"
				}
			}
		}
		return out
	}
	dialects := []struct {
		dir string
		ddl func(*Table) []string
	}{{"mysql", (*Table).MySQLDDL}, {"postgres", (*Table).PostgresDDL}, {"sqlite", (*Table).SQLiteDDL}}
	for _, d := range dialects {
		up := stmts(d.dir)
		for _, tb := range tables[1:] {
			want, ok := up[tb.Name]
			if !ok {
				t.Errorf("%s: no upstream %s script", tb.Name, d.dir)
				continue
			}
			got := ""
			for _, s := range d.ddl(tb) {
				got += norm.ReplaceAllString(s, " ") + ";"
			}
			if got != want {
				t.Errorf("%s %s:\n got %q\nwant %q", d.dir, tb.Name, got, want)
			}
		}
	}
	for _, tb := range tables[1:] {
		b, err := os.ReadFile(filepath.Join(src, "scripts", "dbtext", "opensips", tb.Name))
		if err != nil {
			t.Errorf("%s: %v", tb.Name, err)
			continue
		}
		want := strings.TrimSpace(strings.SplitN(string(b), "\n", 2)[0])
		if got := tb.TextHeader(); got != want {
			t.Errorf("dbtext %s:\n got %s\nwant %s", tb.Name, got, want)
		}
	}
}
