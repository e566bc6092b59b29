package text

import (
	"bytes"
	"os"
	"path/filepath"
	"reflect"
	"testing"
)

// FuzzParse: a hostile table file never panics the reader, and what it
// reads is written back in a form that reads the same.
func FuzzParse(f *testing.F) {
	files, _ := filepath.Glob("testdata/opensips/*")
	for _, p := range files {
		if b, err := os.ReadFile(p); err == nil {
			f.Add(b)
		}
	}
	for _, s := range []string{
		"id(int,auto) name(str) v(double,null)\n1:a\\:b:1.5\n:x:\n",
		"a(blob) b(datetime) c(long)\n\\0\\n\\\\:2024-01-01 00:00:00:9223372036854775807\n",
		"a(int)\n99999999999999999999\n", "x(\n", "", "a(str,null)\n\n\n:\n", "a(int,auto) b(int,auto)\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		d, err := parse(bytes.NewReader(b))
		if err != nil {
			return
		}
		var out bytes.Buffer
		if err := write(&out, d); err != nil {
			t.Fatal(err)
		}
		d2, err := parse(&out)
		if err != nil {
			t.Fatalf("written table does not read back: %v\n%q", err, out.String())
		}
		if len(d.rows) != len(d2.rows) || len(d.rows) > 0 && !reflect.DeepEqual(d.rows, d2.rows) {
			t.Fatalf("rows changed through a write:\n%v\n%v", d.rows, d2.rows)
		}
	})
}
