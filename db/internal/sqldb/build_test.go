package sqldb

import (
	"reflect"
	"strconv"
	"testing"
	"time"

	"gosips/db"
)

var (
	backticks = &Dialect{
		Quote:       func(b []byte, n string) []byte { return append(append(append(b, '`'), n...), '`') },
		Placeholder: func(b []byte, _ int) []byte { return append(b, '?') },
	}
	dollars = &Dialect{
		Quote:       func(b []byte, n string) []byte { return append(append(append(b, '"'), n...), '"') },
		Placeholder: func(b []byte, n int) []byte { return strconv.AppendInt(append(b, '$'), int64(n), 10) },
		NullsLow:    true,
		Returning:   true,
	}
)

func TestBuild(t *testing.T) {
	tests := []struct {
		name  string
		d     *Dialect
		table string
		build func(*builder) error
		sql   string
		args  []any
	}{
		{"select", backticks, "location", func(bd *builder) error {
			return bd.selectQ("location", []string{"contact"}, []db.Cond{db.Eq("username", db.StringValue("a")),
				{Col: "expires", Op: db.OpNe, Val: db.IntValue(1)}, db.Eq("domain", db.NullValue(db.String))}, "q desc", 5)
		}, "SELECT `contact` FROM `location` WHERE `username`=? AND `expires`<>? AND `domain` IS NULL ORDER BY `q` DESC,`contact_id` LIMIT ?",
			[]any{"a", int64(1), int64(5)}},
		{"select nulls low", dollars, "location", func(bd *builder) error {
			return bd.selectQ("location", nil, []db.Cond{{Col: "q", Op: db.OpGe, Val: db.DoubleValue(0.5)}}, "methods", 0)
		}, `SELECT * FROM "location" WHERE "q">=$1 ORDER BY "methods" NULLS FIRST,"contact_id"`, []any{0.5}},
		{"select unknown table", dollars, "mytable", func(bd *builder) error {
			return bd.selectQ("mytable", []string{"a"}, nil, "a desc", 0)
		}, `SELECT "a" FROM "mytable" ORDER BY "a" DESC NULLS LAST`, nil},
		{"insert returning", dollars, "subscriber", func(bd *builder) error {
			return bd.insertQ("subscriber", []string{"username", "domain"}, []db.Value{db.StringValue("u"), db.IntValue(7)})
		}, `INSERT INTO "subscriber" ("username","domain") VALUES ($1,$2) RETURNING "id"`, []any{"u", "7"}},
		{"insert coerces", backticks, "location", func(bd *builder) error {
			return bd.insertQ("location", []string{"expires", "last_modified", "q"},
				[]db.Value{db.UnixValue(100), db.IntValue(200), db.IntValue(1)})
		}, "INSERT INTO `location` (`expires`,`last_modified`,`q`) VALUES (?,?,?)", []any{int64(100), time.Unix(200, 0), 1.0}},
		{"update", dollars, "dispatcher", func(bd *builder) error {
			return bd.updateQ("dispatcher", []db.Cond{db.Eq("setid", db.StringValue("3"))}, []string{"weight", "state"},
				[]db.Value{db.IntValue(5), db.NullValue(db.Int)})
		}, `UPDATE "dispatcher" SET "weight"=$1,"state"=$2 WHERE "setid"=$3`, []any{"5", nil, int64(3)}},
		{"delete all", backticks, "silo", func(bd *builder) error { return bd.deleteQ("silo", nil) }, "DELETE FROM `silo`", nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			bd := getBuilder(tc.d, tc.table)
			defer bd.release()
			if err := tc.build(bd); err != nil {
				t.Fatal(err)
			}
			if string(bd.b) != tc.sql {
				t.Errorf("sql\n got %s\nwant %s", bd.b, tc.sql)
			}
			if len(bd.args) != len(tc.args) || (len(tc.args) > 0 && !reflect.DeepEqual(bd.args, tc.args)) {
				t.Errorf("args = %#v, want %#v", bd.args, tc.args)
			}
		})
	}
}

func TestBuildRejects(t *testing.T) {
	tests := []struct {
		name  string
		build func(*builder) error
	}{
		{"bad table", func(bd *builder) error { return bd.selectQ("a;b", nil, nil, "", 0) }},
		{"bad column", func(bd *builder) error { return bd.selectQ("t", []string{"a`b"}, nil, "", 0) }},
		{"bad order", func(bd *builder) error { return bd.selectQ("t", nil, nil, "a sideways", 0) }},
		{"bad operator", func(bd *builder) error {
			return bd.selectQ("t", nil, []db.Cond{{Col: "a", Op: "LIKE", Val: db.StringValue("x")}}, "", 0)
		}},
		{"no columns", func(bd *builder) error { return bd.updateQ("t", nil, nil, nil) }},
		{"mismatch", func(bd *builder) error { return bd.insertQ("t", []string{"a"}, nil) }},
	}
	for _, tc := range tests {
		bd := getBuilder(backticks, "t")
		if err := tc.build(bd); err == nil {
			t.Errorf("%s: built %s", tc.name, bd.b)
		}
		bd.release()
	}
}

func TestConvert(t *testing.T) {
	loc := time.Date(2023, 11, 14, 22, 13, 20, 0, time.Local)
	wall := time.Date(2023, 11, 14, 22, 13, 20, 0, time.UTC)
	tests := []struct {
		src  any
		ci   colInfo
		want db.Value
	}{
		{nil, colInfo{t: db.Int}, db.NullValue(db.Int)},
		{nil, colInfo{}, db.NullValue(db.String)},
		{int64(7), colInfo{t: db.Int}, db.IntValue(7)},
		{uint64(9), colInfo{t: db.BigInt}, db.Value{Type: db.BigInt, I: 9}},
		{[]byte("42"), colInfo{t: db.Int}, db.IntValue(42)},
		{float32(0.9), colInfo{t: db.Double}, db.DoubleValue(0.9)},
		{float64(float32(0.9)), colInfo{t: db.Double, single: true}, db.DoubleValue(0.9)},
		{loc, colInfo{t: db.Time}, db.UnixValue(loc.Unix())},
		{wall, colInfo{t: db.Time, wall: true}, db.UnixValue(loc.Unix())},
		{time.Time{}, colInfo{t: db.Time}, db.UnixValue(0)},
		{"2023-11-14 22:13:20", colInfo{t: db.Time}, db.UnixValue(loc.Unix())},
		{[]byte("sip:a@b"), colInfo{t: db.String}, db.StringValue("sip:a@b")},
		{[]byte{0, 1}, colInfo{t: db.Blob}, db.BlobValue([]byte{0, 1})},
		{int64(3), colInfo{}, db.Value{Type: db.BigInt, I: 3}},
	}
	for _, tc := range tests {
		if got := convert(tc.src, tc.ci); !got.Equal(tc.want) {
			t.Errorf("convert(%#v, %+v) = %#v, want %#v", tc.src, tc.ci, got, tc.want)
		}
	}
}
