package postgres_test

import (
	"testing"

	"gosips/db"
	"gosips/db/internal/sqldb"
	"gosips/internal/dbserver"
)

func TestKilledSessions(t *testing.T) {
	s := dbserver.Find(t, dbserver.Postgres)
	c, url := fresh(t, s)
	defer c.Close()
	u, _ := db.ParseURL(url)
	admin, err := db.Open(ctx, s.URL)
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	raw := admin.(db.RawQuerier)
	dbserver.KilledSessions(t, c, func(t *testing.T) int {
		res, err := raw.RawQuery(ctx, "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = ? AND pid <> pg_backend_pid()",
			db.StringValue(u.Database))
		if err != nil {
			t.Fatal(err)
		}
		return len(res.Rows)
	})
}

func TestServerRestart(t *testing.T) {
	s := dbserver.Find(t, dbserver.Postgres)
	c, _ := fresh(t, s)
	defer c.Close()
	u, _ := db.ParseURL(s.URL)
	dbserver.Restart(t, s, c, sqldb.DefaultTimeout, u.Password)
}
