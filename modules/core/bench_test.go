package core

import "testing"

// BenchmarkTables measures building the export tables, done once per
// config load.
func BenchmarkTables(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		c := New()
		if len(c.Params()) == 0 || len(c.Funcs()) == 0 {
			b.Fatal("empty tables")
		}
	}
}
