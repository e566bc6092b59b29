package sqlite_test

import (
	"context"
	"path/filepath"
	"testing"

	"gosips/db"
	"gosips/db/dbtest"
	_ "gosips/db/sqlite"
)

func openTemp(t testing.TB) db.Conn {
	t.Helper()
	c, err := db.Open(context.Background(), "sqlite://"+filepath.Join(t.TempDir(), "test.db"), db.WithCreate())
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestConformance(t *testing.T) {
	dbtest.Run(t, func(t *testing.T) db.Conn { return openTemp(t) })
}

func TestConformanceMemory(t *testing.T) {
	dbtest.Run(t, func(t *testing.T) db.Conn {
		c, err := db.Open(context.Background(), "sqlite://:memory:")
		if err != nil {
			t.Fatal(err)
		}
		return c
	})
}
