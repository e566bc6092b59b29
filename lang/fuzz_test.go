package lang

import (
	"os"
	"path/filepath"
	"testing"
)

// FuzzParse checks that no input panics and that every diagnostic carries a
// valid position.
func FuzzParse(f *testing.F) {
	seeds, _ := filepath.Glob("../testdata/parse/*.cfg")
	errs, _ := filepath.Glob("../testdata/parse/*.errors")
	for _, p := range append(seeds, errs...) {
		if b, err := os.ReadFile(p); err == nil {
			f.Add(b)
		}
	}
	for _, s := range []string{"", "route{", "}", "$(", "\"", "/*", "a=", "include_file \"x\"", "route{if(!$a==", "“"} {
		f.Add([]byte(s))
	}
	noFiles := func(string) ([]byte, error) { return nil, os.ErrNotExist }
	f.Fuzz(func(t *testing.T, src []byte) {
		for _, lenient := range []bool{false, true} {
			file, diags := Parse("fuzz.cfg", src, Options{AllErrors: true, Lenient: lenient, ReadFile: noFiles})
			if file == nil {
				t.Fatal("nil file")
			}
			for _, d := range diags {
				if d.Pos.File == "" || d.Pos.Line < 1 || d.Pos.Col < 1 {
					t.Fatalf("invalid position %+v for %q", d.Pos, d.Msg)
				}
			}
		}
	})
}
