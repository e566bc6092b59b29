package port_test

import (
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"gosips/api"
	_ "gosips/modules/all"
	"gosips/port"
)

var update = flag.Bool("update", false, "rewrite the golden files")

const goldenDir = "../testdata/port"

// report renders findings one per line, as gosips port prints them.
func report(fs []port.Finding) string {
	var b strings.Builder
	for _, f := range fs {
		b.WriteString(f.String())
		b.WriteByte('\n')
	}
	return b.String()
}

func TestGolden(t *testing.T) {
	inputs, _ := filepath.Glob(filepath.Join(goldenDir, "*.cfg"))
	n := 0
	for _, in := range inputs {
		if strings.HasSuffix(in, ".out.cfg") {
			continue
		}
		n++
		base := strings.TrimSuffix(in, ".cfg")
		t.Run(filepath.Base(base), func(t *testing.T) {
			src, err := os.ReadFile(in)
			if err != nil {
				t.Fatal(err)
			}
			opts := port.Options{Registry: api.Default()}
			if to := targetOf(src); to != "" {
				if opts.Target, err = port.ParseTarget(to); err != nil {
					t.Fatal(err)
				}
			}
			res := port.Port(filepath.Base(in), src, opts)
			rep := report(res.Findings)
			if *update {
				os.WriteFile(base+".out.cfg", res.Output, 0o644)
				os.WriteFile(base+".report", []byte(rep), 0o644)
				return
			}
			want, _ := os.ReadFile(base + ".out.cfg")
			if string(res.Output) != string(want) {
				t.Errorf("output differs from %s.out.cfg:\n%s", base, res.Output)
			}
			wantRep, _ := os.ReadFile(base + ".report")
			if rep != string(wantRep) {
				t.Errorf("report differs from %s.report:\n got:\n%s want:\n%s", base, rep, wantRep)
			}
			if !res.Manual() {
				for _, d := range checkText(filepath.Base(in), res.Output) {
					t.Errorf("ported output does not pass check: %s", d.Error())
				}
			}
			again := port.Port(filepath.Base(in), res.Output, opts)
			if string(again.Output) != string(res.Output) {
				t.Errorf("porting the output again changed it:\n%s", again.Output)
			}
			for _, f := range again.Findings {
				if !f.Manual {
					t.Errorf("porting the output again rewrote something: %s", f)
				}
			}
		})
	}
	if n == 0 {
		t.Fatal("no golden inputs")
	}
}

// targetOf reads a "# port-target: 3.4" line of a golden input.
func targetOf(src []byte) string {
	for _, l := range strings.Split(string(src), "\n") {
		if v, ok := strings.CutPrefix(l, "# port-target: "); ok {
			return strings.TrimSpace(v)
		}
	}
	return ""
}
