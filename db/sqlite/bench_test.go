package sqlite_test

import (
	"testing"

	"gosips/db"
	"gosips/db/dbtest"
)

func BenchmarkTables(b *testing.B) {
	dbtest.Bench(b, func(b *testing.B) db.Conn {
		c := openTemp(b)
		b.Cleanup(func() { c.Close() })
		return c
	})
}
