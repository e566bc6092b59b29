package postgres_test

import (
	"context"
	"testing"

	"gosips/db"
	"gosips/db/dbtest"
	_ "gosips/db/postgres"
	"gosips/internal/dbserver"
)

var ctx = context.Background()

// fresh opens a new, empty database on the test server, dropped when the
// test ends.
func fresh(t testing.TB, s *dbserver.Server) (db.Conn, string) {
	t.Helper()
	name := dbserver.UniqueName("gosips_t_")
	url, err := dbserver.WithDatabase(s.URL, name)
	if err != nil {
		t.Fatal(err)
	}
	c, err := db.Open(ctx, url, db.WithCreate())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		admin, err := db.Open(ctx, s.URL)
		if err != nil {
			t.Errorf("drop %s: %v", name, err)
			return
		}
		defer admin.Close()
		if _, err := admin.(db.RawQuerier).RawQuery(ctx, `DROP DATABASE IF EXISTS "`+name+`" WITH (FORCE)`); err != nil {
			t.Errorf("drop %s: %v", name, err)
		}
	})
	return c, url
}

func TestConformance(t *testing.T) {
	s := dbserver.Find(t, dbserver.Postgres)
	dbtest.Run(t, func(t *testing.T) db.Conn {
		c, _ := fresh(t, s)
		return c
	})
}
