package text_test

import (
	"fmt"
	"testing"

	"gosips/db"
)

func BenchmarkSelectLocation(b *testing.B) {
	c, err := db.Open(ctx, "text://"+b.TempDir())
	if err != nil {
		b.Fatal(err)
	}
	defer c.Close()
	if _, err := db.CreateTables(ctx, c, "location"); err != nil {
		b.Fatal(err)
	}
	cols := []string{"username", "contact", "expires", "q", "callid", "cseq", "last_modified", "flags", "user_agent"}
	for i := range 200 {
		vals := []db.Value{db.StringValue(fmt.Sprintf("user%d", i)), db.StringValue("sip:u@192.0.2.1"), db.IntValue(1893456000),
			db.DoubleValue(1), db.StringValue("cid"), db.IntValue(1), db.UnixValue(1700000000), db.IntValue(0), db.StringValue("ua")}
		if _, err := c.Insert(ctx, "location", cols, vals); err != nil {
			b.Fatal(err)
		}
	}
	where := []db.Cond{db.Eq("username", db.StringValue("user100"))}
	b.ReportAllocs()
	for b.Loop() {
		res, err := c.Query(ctx, "location", nil, where, "", 0)
		if err != nil || len(res.Rows) != 1 {
			b.Fatal(res, err)
		}
	}
}
