package dbtest

import (
	"context"
	"fmt"
	"testing"

	"gosips/db"
)

var benchCols = []string{"username", "domain", "contact", "received", "path", "expires", "q", "callid", "cseq",
	"last_modified", "flags", "cflags", "user_agent", "socket", "methods", "sip_instance"}

func benchRow(i int) []db.Value {
	return []db.Value{
		db.StringValue(fmt.Sprintf("user%d", i)), db.StringValue("example.com"),
		db.StringValue("sip:user@192.0.2.10:5060;transport=udp"), db.NullValue(db.String), db.NullValue(db.String),
		db.IntValue(1893456000), db.DoubleValue(1), db.StringValue("a84b4c76e66710@pc33.example.com"), db.IntValue(1),
		db.UnixValue(1700000000), db.IntValue(0), db.NullValue(db.String), db.StringValue("Linphone/5.2"),
		db.StringValue("udp:192.0.2.1:5060"), db.IntValue(8191), db.NullValue(db.String),
	}
}

// Bench runs the same location/subscriber benchmarks on any driver; open
// returns an empty database (closed by the caller's cleanup).
func Bench(b *testing.B, open func(b *testing.B) db.Conn) {
	ctx := context.Background()
	conn := func(b *testing.B, rows int) db.Conn {
		c := open(b)
		if _, err := db.CreateTables(ctx, c, "location", "subscriber"); err != nil {
			b.Fatal(err)
		}
		for i := range rows {
			if _, err := c.Insert(ctx, "location", benchCols, benchRow(i)); err != nil {
				b.Fatal(err)
			}
		}
		return c
	}
	b.Run("InsertLocation", func(b *testing.B) {
		c := conn(b, 0)
		row := benchRow(0)
		b.ReportAllocs()
		for b.Loop() {
			if _, err := c.Insert(ctx, "location", benchCols, row); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("UpdateLocation", func(b *testing.B) {
		c := conn(b, 1000)
		where := []db.Cond{db.Eq("username", db.StringValue("user500")), db.Eq("contact", db.StringValue("sip:user@192.0.2.10:5060;transport=udp"))}
		cols := []string{"expires", "cseq", "last_modified"}
		vals := []db.Value{db.IntValue(1893459600), db.IntValue(2), db.UnixValue(1700003600)}
		b.ReportAllocs()
		for b.Loop() {
			if _, err := c.Update(ctx, "location", where, cols, vals); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("SelectLocation", func(b *testing.B) {
		c := conn(b, 1000)
		where := []db.Cond{db.Eq("username", db.StringValue("user500"))}
		b.ReportAllocs()
		for b.Loop() {
			res, err := c.Query(ctx, "location", nil, where, "", 0)
			if err != nil || len(res.Rows) != 1 {
				b.Fatal(res, err)
			}
		}
	})
	b.Run("UpsertSubscriber", func(b *testing.B) {
		c := conn(b, 0)
		keys := []string{"username", "domain"}
		cols := []string{"username", "domain", "password", "ha1"}
		b.ReportAllocs()
		i := 0
		for b.Loop() {
			i++
			vals := []db.Value{db.StringValue(fmt.Sprintf("u%d", i%100)), db.StringValue("example.com"), db.StringValue("pw"), db.StringValue("h")}
			if _, err := c.Upsert(ctx, "subscriber", keys, cols, vals); err != nil {
				b.Fatal(err)
			}
		}
	})
}
