// Package dbtest holds the behaviour every db.Conn driver must share, as
// tests the drivers run against themselves.
package dbtest

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"gosips/db"
)

// Opener returns a fresh, empty database for one test.
type Opener func(t *testing.T) db.Conn

// Run runs the conformance tests against a driver.
func Run(t *testing.T, open Opener) {
	tests := []struct {
		name string
		fn   func(*testing.T, db.Conn)
	}{
		{"CreateAndVersion", testCreate},
		{"RoundTrip", testRoundTrip},
		{"Conditions", testConditions},
		{"OrderLimit", testOrderLimit},
		{"UpdateDelete", testUpdateDelete},
		{"Upsert", testUpsert},
		{"Errors", testErrors},
		{"Concurrent", testConcurrent},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := open(t)
			t.Cleanup(func() { c.Close() })
			if _, err := db.CreateTables(context.Background(), c); err != nil {
				t.Fatalf("CreateTables: %v", err)
			}
			tc.fn(t, c)
		})
	}
}

var ctx = context.Background()

var locCols = []string{"username", "domain", "contact", "received", "expires", "q", "callid", "cseq",
	"last_modified", "flags", "user_agent", "methods"}

func locRow(user string, expires int64, q float64, methods db.Value) []db.Value {
	return []db.Value{
		db.StringValue(user), db.NullValue(db.String), db.StringValue("sip:" + user + "@10.0.0.1:5060;ob"),
		db.NullValue(db.String), db.IntValue(expires), db.DoubleValue(q), db.StringValue("cid-" + user),
		db.IntValue(7), db.UnixValue(1700000000), db.IntValue(0), db.StringValue("ua/1.0"), methods,
	}
}

func insertLoc(t *testing.T, c db.Conn, user string, expires int64, q float64, methods db.Value) int64 {
	t.Helper()
	id, err := c.Insert(ctx, "location", locCols, locRow(user, expires, q, methods))
	if err != nil {
		t.Fatalf("insert %s: %v", user, err)
	}
	return id
}

func testCreate(t *testing.T, c db.Conn) {
	want := map[string]int{"location": 1013, "subscriber": 8, "silo": 6, "dispatcher": 9, "registrant": 3}
	for table, v := range want {
		got, err := c.TableVersion(ctx, table)
		if err != nil || got != v {
			t.Errorf("TableVersion(%s) = %d, %v; want %d", table, got, err, v)
		}
		if err := db.CheckVersion(ctx, c, table, v); err != nil {
			t.Errorf("CheckVersion(%s): %v", table, err)
		}
	}
	if err := db.CheckVersion(ctx, c, "location", 1012); err == nil {
		t.Error("CheckVersion(location, 1012) passed")
	}
	if _, err := c.TableVersion(ctx, "no_such_table"); !errors.Is(err, db.ErrNoVersion) {
		t.Errorf("TableVersion(no_such_table) error = %v, want ErrNoVersion", err)
	}
	// A second run creates nothing and keeps the versions.
	sts, err := db.CreateTables(ctx, c, "location")
	if err != nil {
		t.Fatal(err)
	}
	if len(sts) != 2 || sts[0].Created || sts[1].Created || sts[1].Version != 1013 {
		t.Errorf("second CreateTables = %+v", sts)
	}
}

func testRoundTrip(t *testing.T, c db.Conn) {
	id1 := insertLoc(t, c, "alice", 1700003600, 0.5, db.NullValue(db.Int))
	id2 := insertLoc(t, c, "bob", 1700007200, -1, db.IntValue(8191))
	if id1 <= 0 || id2 != id1+1 {
		t.Errorf("ids = %d, %d; want consecutive positive ids", id1, id2)
	}
	res, err := c.Query(ctx, "location", nil, []db.Cond{db.Eq("username", db.StringValue("alice"))}, "", 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Rows) != 1 || len(res.Cols) != 19 {
		t.Fatalf("got %d rows × %d cols, want 1 × 19", len(res.Rows), len(res.Cols))
	}
	row := res.Rows[0]
	get := func(col string) db.Value {
		i := res.Index(col)
		if i < 0 {
			t.Fatalf("no column %s in %v", col, res.Cols)
		}
		return row[i]
	}
	checks := []struct {
		col  string
		want string
		null bool
	}{
		{"contact_id", fmt.Sprint(id1), false},
		{"username", "alice", false},
		{"domain", "", true},
		{"contact", "sip:alice@10.0.0.1:5060;ob", false},
		{"received", "", true},
		{"path", "", true},
		{"expires", "1700003600", false},
		{"q", "0.5", false},
		{"cseq", "7", false},
		{"last_modified", "1700000000", false},
		{"user_agent", "ua/1.0", false},
		{"methods", "", true},
		{"kv_store", "", true},
	}
	for _, ck := range checks {
		v := get(ck.col)
		if v.Null != ck.null || v.Str() != ck.want {
			t.Errorf("%s = %v (null %v), want %q (null %v)", ck.col, v, v.Null, ck.want, ck.null)
		}
	}
	if v := get("q"); v.Type != db.Double || v.Float64() != 0.5 {
		t.Errorf("q = %#v, want Double 0.5", v)
	}
	if v := get("expires"); !v.Type.IsInteger() {
		t.Errorf("expires type = %v, want an integer type", v.Type)
	}
	if v := get("last_modified"); v.Time().Unix() != 1700000000 {
		t.Errorf("last_modified = %v", v.Time())
	}

	// Blobs and awkward strings survive, including the text format's
	// delimiters and escapes.
	body := []byte("a:b\\c\nd\re\tf\x00g")
	cols := []string{"src_addr", "dst_addr", "username", "domain", "inc_time", "exp_time", "snd_time", "ctype", "body"}
	vals := []db.Value{db.StringValue("sip:a@x"), db.StringValue("sip:b@y:5060"), db.StringValue("b"),
		db.StringValue("y"), db.IntValue(1), db.IntValue(2), db.IntValue(0), db.StringValue("text/plain; x=\"a:b\""), db.BlobValue(body)}
	if _, err := c.Insert(ctx, "silo", cols, vals); err != nil {
		t.Fatal(err)
	}
	res, err = c.Query(ctx, "silo", []string{"body", "ctype", "dst_addr"}, nil, "", 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Rows) != 1 {
		t.Fatalf("silo rows = %d", len(res.Rows))
	}
	if got := res.Rows[0][0]; got.Type != db.Blob || string(got.B) != string(body) {
		t.Errorf("body = %#v, want %q", got, body)
	}
	if got := res.Rows[0][1].Str(); got != "text/plain; x=\"a:b\"" {
		t.Errorf("ctype = %q", got)
	}
	if res.Cols[2] != "dst_addr" || res.Rows[0][2].Str() != "sip:b@y:5060" {
		t.Errorf("dst_addr = %v %v", res.Cols, res.Rows[0][2])
	}
}

func fill(t *testing.T, c db.Conn) {
	t.Helper()
	insertLoc(t, c, "u1", 100, 1, db.NullValue(db.Int))
	insertLoc(t, c, "u2", 200, 0.5, db.IntValue(1))
	insertLoc(t, c, "u3", 300, 0.1, db.IntValue(2))
	insertLoc(t, c, "u4", 200, 0.9, db.NullValue(db.Int))
}

func users(t *testing.T, c db.Conn, where []db.Cond, order string, limit int) string {
	t.Helper()
	res, err := c.Query(ctx, "location", []string{"username"}, where, order, limit)
	if err != nil {
		t.Fatalf("query %v: %v", where, err)
	}
	s := ""
	for _, r := range res.Rows {
		if s != "" {
			s += ","
		}
		s += r[0].Str()
	}
	return s
}

func testConditions(t *testing.T, c db.Conn) {
	fill(t, c)
	tests := []struct {
		where []db.Cond
		want  string
	}{
		{nil, "u1,u2,u3,u4"},
		{[]db.Cond{{Col: "expires", Op: db.OpEq, Val: db.IntValue(200)}}, "u2,u4"},
		{[]db.Cond{{Col: "expires", Op: db.OpNe, Val: db.IntValue(200)}}, "u1,u3"},
		{[]db.Cond{{Col: "expires", Op: db.OpLt, Val: db.IntValue(200)}}, "u1"},
		{[]db.Cond{{Col: "expires", Op: db.OpLe, Val: db.IntValue(200)}}, "u1,u2,u4"},
		{[]db.Cond{{Col: "expires", Op: db.OpGt, Val: db.IntValue(200)}}, "u3"},
		{[]db.Cond{{Col: "expires", Op: db.OpGe, Val: db.IntValue(200)}}, "u2,u3,u4"},
		{[]db.Cond{{Col: "q", Op: db.OpLt, Val: db.DoubleValue(0.6)}}, "u2,u3"},
		{[]db.Cond{{Col: "methods", Op: db.OpEq, Val: db.NullValue(db.Int)}}, "u1,u4"},
		{[]db.Cond{{Col: "methods", Op: db.OpNe, Val: db.NullValue(db.Int)}}, "u2,u3"},
		{[]db.Cond{{Col: "methods", Op: db.OpNe, Val: db.IntValue(1)}}, "u3"}, // SQL: NULL != 1 is not true
		{[]db.Cond{{Col: "expires", Val: db.IntValue(200)}, {Col: "username", Op: db.OpNe, Val: db.StringValue("u2")}}, "u4"},
		{[]db.Cond{{Col: "username", Op: db.OpGt, Val: db.StringValue("u2")}}, "u3,u4"},
		{[]db.Cond{{Col: "domain", Val: db.NullValue(db.String)}, {Col: "expires", Op: db.OpGe, Val: db.IntValue(300)}}, "u3"},
	}
	for _, tc := range tests {
		if got := users(t, c, tc.where, "contact_id", 0); got != tc.want {
			t.Errorf("where %v = %q, want %q", tc.where, got, tc.want)
		}
	}
}

func testOrderLimit(t *testing.T, c db.Conn) {
	fill(t, c)
	tests := []struct {
		order string
		limit int
		want  string
	}{
		{"q", 0, "u3,u2,u4,u1"},
		{"q desc", 0, "u1,u4,u2,u3"},
		{"q DESC", 2, "u1,u4"},
		{"username asc", 3, "u1,u2,u3"},
		{"methods", 0, "u1,u4,u2,u3"}, // NULLs first, ties in insertion order
	}
	for _, tc := range tests {
		if got := users(t, c, nil, tc.order, tc.limit); got != tc.want {
			t.Errorf("order %q limit %d = %q, want %q", tc.order, tc.limit, got, tc.want)
		}
	}
}

func testUpdateDelete(t *testing.T, c db.Conn) {
	fill(t, c)
	n, err := c.Update(ctx, "location", []db.Cond{db.Eq("expires", db.IntValue(200))},
		[]string{"expires", "methods", "received"}, []db.Value{db.IntValue(250), db.NullValue(db.Int), db.StringValue("sip:1.2.3.4:5")})
	if err != nil || n != 2 {
		t.Fatalf("update = %d, %v; want 2", n, err)
	}
	if got := users(t, c, []db.Cond{db.Eq("received", db.StringValue("sip:1.2.3.4:5"))}, "username", 0); got != "u2,u4" {
		t.Errorf("after update: %q", got)
	}
	if got := users(t, c, []db.Cond{db.Eq("methods", db.NullValue(db.Int))}, "username", 0); got != "u1,u2,u4" {
		t.Errorf("methods NULL after update: %q", got)
	}
	n, err = c.Update(ctx, "location", []db.Cond{db.Eq("username", db.StringValue("nobody"))}, []string{"expires"}, []db.Value{db.IntValue(1)})
	if err != nil || n != 0 {
		t.Errorf("update nothing = %d, %v", n, err)
	}
	n, err = c.Delete(ctx, "location", []db.Cond{{Col: "expires", Op: db.OpLt, Val: db.IntValue(260)}})
	if err != nil || n != 3 {
		t.Fatalf("delete = %d, %v; want 3", n, err)
	}
	if got := users(t, c, nil, "", 0); got != "u3" {
		t.Errorf("after delete: %q", got)
	}
	n, err = c.Delete(ctx, "location", nil)
	if err != nil || n != 1 {
		t.Errorf("delete all = %d, %v", n, err)
	}
	// Ids are not reused after deletes.
	id := insertLoc(t, c, "u5", 1, 1, db.NullValue(db.Int))
	if id <= 4 {
		t.Errorf("id after deletes = %d, want > 4", id)
	}
}

func testUpsert(t *testing.T, c db.Conn) {
	keys := []string{"username", "domain"}
	cols := []string{"username", "domain", "password", "ha1", "ha1_sha256", "ha1_sha512t256"}
	row := func(pw string) []db.Value {
		return []db.Value{db.StringValue("alice"), db.StringValue("example.com"), db.StringValue(pw),
			db.StringValue("h-" + pw), db.StringValue("s"), db.StringValue("t")}
	}
	for i, pw := range []string{"one", "two"} {
		n, err := c.Upsert(ctx, "subscriber", keys, cols, row(pw))
		if err != nil || n != 1 {
			t.Fatalf("upsert %d = %d, %v", i, n, err)
		}
	}
	res, err := c.Query(ctx, "subscriber", []string{"password", "ha1"}, nil, "", 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Rows) != 1 || res.Rows[0][0].Str() != "two" || res.Rows[0][1].Str() != "h-two" {
		t.Errorf("after upserts: %v", res.Rows)
	}
	if _, err := c.Upsert(ctx, "subscriber", []string{"id"}, cols, row("x")); err == nil {
		t.Error("upsert with a key not among the columns passed")
	}
}

func testErrors(t *testing.T, c db.Conn) {
	if _, err := c.Query(ctx, "nosuch", nil, nil, "", 0); !errors.Is(err, db.ErrNoTable) {
		t.Errorf("query unknown table: %v, want ErrNoTable", err)
	}
	if _, err := c.Query(ctx, "location", []string{"nosuch"}, nil, "", 0); !errors.Is(err, db.ErrNoColumn) {
		t.Errorf("query unknown column: %v, want ErrNoColumn", err)
	}
	bad := []func() error{
		func() error { _, err := c.Query(ctx, "location; drop table x", nil, nil, "", 0); return err },
		func() error { _, err := c.Query(ctx, "location", []string{"a b"}, nil, "", 0); return err },
		func() error { _, err := c.Query(ctx, "location", nil, nil, "q; drop", 0); return err },
		func() error {
			_, err := c.Query(ctx, "location", nil, []db.Cond{{Col: "q", Op: "LIKE", Val: db.StringValue("x")}}, "", 0)
			return err
		},
		func() error {
			_, err := c.Query(ctx, "location", nil, []db.Cond{{Col: "q", Op: db.OpLt, Val: db.NullValue(db.Int)}}, "", 0)
			return err
		},
		func() error { _, err := c.Insert(ctx, "location", []string{"username"}, nil); return err },
		func() error {
			_, err := c.Insert(ctx, "location", []string{`user"name`}, []db.Value{db.StringValue("x")})
			return err
		},
		func() error {
			_, err := c.Delete(ctx, "location", []db.Cond{{Col: "x'", Val: db.IntValue(1)}})
			return err
		},
	}
	for i, f := range bad {
		if err := f(); err == nil {
			t.Errorf("bad call %d succeeded", i)
		}
	}
	if _, err := c.Query(ctx, "location", nil, nil, "", 0); err != nil {
		t.Errorf("table unusable after bad calls: %v", err)
	}
}

func testConcurrent(t *testing.T, c db.Conn) {
	const workers, each = 8, 25
	var wg sync.WaitGroup
	errs := make(chan error, workers*each)
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range each {
				user := fmt.Sprintf("w%d-%d", w, i)
				if _, err := c.Insert(ctx, "location", locCols, locRow(user, int64(i), 1, db.NullValue(db.Int))); err != nil {
					errs <- err
					return
				}
				if _, err := c.Query(ctx, "location", []string{"contact_id"}, []db.Cond{db.Eq("username", db.StringValue(user))}, "", 1); err != nil {
					errs <- err
					return
				}
				if _, err := c.Update(ctx, "location", []db.Cond{db.Eq("username", db.StringValue(user))},
					[]string{"last_modified"}, []db.Value{db.TimeValue(time.Unix(1700000001, 0))}); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	res, err := c.Query(ctx, "location", []string{"contact_id"}, nil, "", 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Rows) != workers*each {
		t.Errorf("rows = %d, want %d", len(res.Rows), workers*each)
	}
	seen := map[int64]bool{}
	for _, r := range res.Rows {
		if seen[r[0].Int64()] {
			t.Errorf("duplicate id %d", r[0].Int64())
		}
		seen[r[0].Int64()] = true
	}
}
