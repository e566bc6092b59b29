package mysql_test

import (
	"testing"

	"gosips/db"
	"gosips/db/dbtest"
	"gosips/internal/dbserver"
)

func BenchmarkTables(b *testing.B) {
	s := dbserver.Find(b, dbserver.MySQL)
	dbtest.Bench(b, func(b *testing.B) db.Conn {
		c, _ := fresh(b, s)
		b.Cleanup(func() { c.Close() })
		return c
	})
}
