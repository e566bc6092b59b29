package db

import (
	"testing"
	"time"
)

func TestValueConversions(t *testing.T) {
	tests := []struct {
		v     Value
		i     int64
		f     float64
		s     string
		print string
	}{
		{IntValue(42), 42, 42, "42", "42"},
		{BigIntValue(-1 << 40), -1 << 40, -(1 << 40), "-1099511627776", "-1099511627776"},
		{DoubleValue(0.5), 0, 0.5, "0.5", "0.5"},
		{DoubleValue(1e15), 1e15, 1e15, "1000000000000000", "1000000000000000"},
		{StringValue("17"), 17, 17, "17", `"17"`},
		{StringValue("2.9"), 2, 2.9, "2.9", `"2.9"`},
		{StringValue("x"), 0, 0, "x", `"x"`},
		{BlobValue([]byte("5")), 5, 5, "5", "blob(1 bytes)"},
		{TimeValue(time.Unix(1700000000, 999)), 1700000000, 1700000000, "1700000000", "1700000000"},
		{NullValue(Int), 0, 0, "", "NULL"},
		{NullValue(String), 0, 0, "", "NULL"},
	}
	for _, tc := range tests {
		if got := tc.v.Int64(); got != tc.i {
			t.Errorf("%#v.Int64() = %d, want %d", tc.v, got, tc.i)
		}
		if got := tc.v.Float64(); got != tc.f {
			t.Errorf("%#v.Float64() = %g, want %g", tc.v, got, tc.f)
		}
		if got := tc.v.Str(); got != tc.s {
			t.Errorf("%#v.Str() = %q, want %q", tc.v, got, tc.s)
		}
		if got := tc.v.String(); got != tc.print {
			t.Errorf("%#v.String() = %q, want %q", tc.v, got, tc.print)
		}
	}
	if !UnixValue(5).Equal(TimeValue(time.Unix(5, 0))) || IntValue(5).Equal(BigIntValue(5)) || !NullValue(Int).Equal(NullValue(Int)) {
		t.Error("Equal")
	}
	if got := UnixValue(1700000000).Time(); !got.Equal(time.Unix(1700000000, 0)) {
		t.Errorf("Time() = %v", got)
	}
}

func TestIdentAndOrder(t *testing.T) {
	for _, ok := range []string{"location", "binding_URI", "ha1_sha512t256", "_x9"} {
		if err := CheckIdent(ok); err != nil {
			t.Errorf("CheckIdent(%q) = %v", ok, err)
		}
	}
	for _, bad := range []string{"", "a b", "a;b", `a"`, "a`", "a-b", "ä", string(make([]byte, 65))} {
		if err := CheckIdent(bad); err == nil {
			t.Errorf("CheckIdent(%q) accepted", bad)
		}
	}
	orders := []struct {
		in   string
		col  string
		desc bool
		err  bool
	}{
		{"", "", false, false},
		{"q", "q", false, false},
		{"  q   DESC ", "q", true, false},
		{"expires asc", "expires", false, false},
		{"q desc, x", "", false, true},
		{"q down", "", false, true},
		{"q;", "", false, true},
	}
	for _, tc := range orders {
		col, desc, err := ParseOrder(tc.in)
		if (err != nil) != tc.err || col != tc.col || desc != tc.desc {
			t.Errorf("ParseOrder(%q) = %q, %v, %v", tc.in, col, desc, err)
		}
	}
}

func TestCondCheckOp(t *testing.T) {
	tests := []struct {
		c    Cond
		want Op
		err  bool
	}{
		{Cond{Col: "a"}, OpEq, false},
		{Cond{Col: "a", Op: "<>"}, OpNe, false},
		{Cond{Col: "a", Op: "=="}, OpEq, false},
		{Cond{Col: "a", Op: ">="}, OpGe, false},
		{Cond{Col: "a", Op: "like"}, "", true},
		{Cond{Col: "a", Op: "<", Val: NullValue(Int)}, "", true},
		{Cond{Col: "a", Op: "!=", Val: NullValue(Int)}, OpNe, false},
	}
	for _, tc := range tests {
		got, err := tc.c.CheckOp()
		if got != tc.want || (err != nil) != tc.err {
			t.Errorf("%+v.CheckOp() = %q, %v", tc.c, got, err)
		}
	}
}

func TestKeyConds(t *testing.T) {
	cols := []string{"a", "b", "c"}
	vals := []Value{IntValue(1), StringValue("x"), NullValue(Int)}
	w, err := KeyConds([]string{"b", "a"}, cols, vals)
	if err != nil || len(w) != 2 || w[0].Col != "b" || w[0].Val.S != "x" || w[1].Val.I != 1 {
		t.Errorf("KeyConds = %+v, %v", w, err)
	}
	for _, keys := range [][]string{nil, {"z"}} {
		if _, err := KeyConds(keys, cols, vals); err == nil {
			t.Errorf("KeyConds(%v) accepted", keys)
		}
	}
	if _, err := KeyConds([]string{"a"}, cols, vals[:2]); err == nil {
		t.Error("KeyConds with fewer values accepted")
	}
}
