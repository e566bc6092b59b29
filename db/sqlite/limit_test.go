package sqlite_test

import (
	"fmt"
	"testing"

	"gosips/db"
)

// TestQueryLimit checks that LIMIT, written into the statement as a
// literal, caps the rows for each limit and keyed value, and that the
// early stop after the last wanted row leaves the statement reusable.
func TestQueryLimit(t *testing.T) {
	c := openTemp(t)
	defer c.Close()
	if _, err := c.(db.RawQuerier).RawQuery(ctx, "CREATE TABLE t (k TEXT, v INTEGER)"); err != nil {
		t.Fatal(err)
	}
	for i := range 6 {
		k := fmt.Sprint("k", i%2)
		if _, err := c.Insert(ctx, "t", []string{"k", "v"}, []db.Value{db.StringValue(k), db.IntValue(int64(i))}); err != nil {
			t.Fatal(err)
		}
	}
	for _, tc := range []struct {
		key   string
		limit int
		want  int
	}{
		{"k0", 1, 1}, {"k1", 1, 1}, {"k0", 2, 2}, {"k0", 0, 3}, {"k1", 5, 3}, {"k2", 1, 0}, {"k0", 1, 1},
	} {
		res, err := c.Query(ctx, "t", []string{"v"}, []db.Cond{db.Eq("k", db.StringValue(tc.key))}, "v", tc.limit)
		if err != nil {
			t.Fatal(err)
		}
		if len(res.Rows) != tc.want {
			t.Errorf("k=%s limit %d: %d rows, want %d", tc.key, tc.limit, len(res.Rows), tc.want)
		}
	}
}
