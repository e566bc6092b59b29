package mysql_test

import (
	"fmt"
	"testing"

	"gosips/db"
	"gosips/db/internal/sqldb"
	"gosips/internal/dbserver"
)

func TestKilledSessions(t *testing.T) {
	s := dbserver.Find(t, dbserver.MySQL)
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
		res, err := raw.RawQuery(ctx, "SELECT id FROM information_schema.processlist WHERE db = ?", db.StringValue(u.Database))
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range res.Rows {
			// KILL takes no placeholder; the id is a number from the server.
			if _, err := raw.RawQuery(ctx, fmt.Sprintf("KILL CONNECTION %d", r[0].Int64())); err != nil {
				t.Fatal(err)
			}
		}
		return len(res.Rows)
	})
}

func TestServerRestart(t *testing.T) {
	s := dbserver.Find(t, dbserver.MySQL)
	c, _ := fresh(t, s)
	defer c.Close()
	u, _ := db.ParseURL(s.URL)
	dbserver.Restart(t, s, c, sqldb.DefaultTimeout, u.Password)
}
