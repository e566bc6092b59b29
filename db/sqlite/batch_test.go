package sqlite_test

import (
	"context"
	"fmt"
	"testing"

	"gosips/db"
)

var accCols = []string{"method", "from_tag", "to_tag", "callid", "sip_code", "sip_reason", "time", "duration", "ms_duration", "setuptime", "created"}

func accRow(i int, toTag db.Value) []db.Value {
	return []db.Value{db.StringValue("INVITE"), db.StringValue(fmt.Sprintf("ft%d", i)), toTag,
		db.StringValue(fmt.Sprintf("call-%d@192.0.2.1", i)), db.StringValue("200"), db.StringValue("OK"),
		db.UnixValue(1700000000), db.IntValue(3), db.IntValue(3000), db.IntValue(1), db.UnixValue(1699999999)}
}

func accConn(t testing.TB) db.Conn {
	c := openTemp(t)
	t.Cleanup(func() { c.Close() })
	if _, err := db.CreateTables(context.Background(), c, "acc"); err != nil {
		t.Fatal(err)
	}
	return c
}

func TestInsertMany(t *testing.T) {
	ctx := context.Background()
	c := accConn(t)
	bi := c.(db.BatchInserter)
	rows := [][]db.Value{accRow(1, db.StringValue("tt1")), accRow(2, db.StringValue("")), accRow(3, db.StringValue("tt3"))}
	if err := bi.InsertMany(ctx, "acc", accCols, rows); err != nil {
		t.Fatal(err)
	}
	res, err := c.Query(ctx, "acc", []string{"callid", "to_tag"}, nil, "callid", 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Rows) != 3 || res.Rows[1][0].Str() != "call-2@192.0.2.1" || res.Rows[1][1].Str() != "" || res.Rows[2][1].Str() != "tt3" {
		t.Fatalf("rows %+v", res.Rows)
	}
	// A bad row fails the batch: nothing of it is written.
	bad := [][]db.Value{accRow(4, db.StringValue("tt4")), accRow(5, db.StringValue("tt5"))[:3]}
	if err := bi.InsertMany(ctx, "acc", accCols, bad); err == nil {
		t.Fatal("a short row was accepted")
	}
	if res, _ := c.Query(ctx, "acc", nil, nil, "", 0); len(res.Rows) != 3 {
		t.Fatalf("%d rows after a failed batch, want 3", len(res.Rows))
	}
}

// BenchmarkAccInsert compares one commit per CDR row with rows batched
// 64 to a transaction (per row).
func BenchmarkAccInsert(b *testing.B) {
	ctx := context.Background()
	b.Run("OneByOne", func(b *testing.B) {
		c := accConn(b)
		b.ReportAllocs()
		i := 0
		for b.Loop() {
			if _, err := c.Insert(ctx, "acc", accCols, accRow(i, db.StringValue("tt"))); err != nil {
				b.Fatal(err)
			}
			i++
		}
	})
	b.Run("Batch64", func(b *testing.B) {
		c := accConn(b)
		bi := c.(db.BatchInserter)
		rows := make([][]db.Value, 0, 64)
		b.ReportAllocs()
		i := 0
		for b.Loop() {
			rows = append(rows, accRow(i, db.StringValue("tt")))
			i++
			if len(rows) == cap(rows) {
				if err := bi.InsertMany(ctx, "acc", accCols, rows); err != nil {
					b.Fatal(err)
				}
				rows = rows[:0]
			}
		}
	})
}
