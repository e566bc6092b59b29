package sipmsgops

import "testing"

func BenchmarkParseMethods(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ParseMethods("INVITE|BYE|CANCEL|ACK"); err != nil {
			b.Fatal(err)
		}
	}
}
