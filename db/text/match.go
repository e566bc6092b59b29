package text

import (
	"bytes"
	"cmp"
	"fmt"
	"strconv"
	"strings"

	"gosips/db"
)

// cond is a where condition resolved against a table.
type cond struct {
	col int
	op  db.Op
	val db.Value
}

type matcher []cond

func compile(d *data, index map[string]int, where []db.Cond) (matcher, error) {
	m := make(matcher, len(where))
	for i, w := range where {
		op, err := w.CheckOp()
		if err != nil {
			return nil, err
		}
		j, ok := index[w.Col]
		if !ok {
			return nil, noColumn(d, w.Col)
		}
		v, err := coerceCond(d.cols[j], op, w.Val)
		if err != nil {
			return nil, err
		}
		m[i] = cond{col: j, op: op, val: v}
	}
	return m, nil
}

// coerceCond is coerce for condition values: an empty string is what a
// NULL field reads back as, so = "" on a nullable column means IS NULL;
// elsewhere it compares as an empty string.
func coerceCond(c column, op db.Op, v db.Value) (db.Value, error) {
	if (c.typ == db.String || c.typ == db.Blob) && !v.Null && v.Str() == "" {
		if c.null && (op == db.OpEq || op == db.OpNe) {
			return db.NullValue(c.typ), nil
		}
		return db.Value{Type: c.typ}, nil
	}
	return coerce(c, v)
}

// match applies SQL semantics: a NULL cell matches only "= NULL" (IS NULL)
// and "!= NULL" never; a NULL condition value means IS [NOT] NULL.
func (m matcher) match(r db.Row) bool {
	for _, c := range m {
		cell := r[c.col]
		if c.val.Null {
			if cell.Null != (c.op == db.OpEq) {
				return false
			}
			continue
		}
		if cell.Null {
			return false
		}
		n := compare(cell, c.val)
		var ok bool
		switch c.op {
		case db.OpEq:
			ok = n == 0
		case db.OpNe:
			ok = n != 0
		case db.OpLt:
			ok = n < 0
		case db.OpGt:
			ok = n > 0
		case db.OpLe:
			ok = n <= 0
		case db.OpGe:
			ok = n >= 0
		}
		if !ok {
			return false
		}
	}
	return true
}

// compare orders two non-NULL values of the same column type.
func compare(a, b db.Value) int {
	switch a.Type {
	case db.Int, db.BigInt, db.Time:
		return cmp.Compare(a.I, b.I)
	case db.Double:
		return cmp.Compare(a.F, b.F)
	case db.Blob:
		return bytes.Compare(a.B, b.B)
	}
	return strings.Compare(a.S, b.S)
}

// compareNullFirst sorts NULLs before everything, as SQLite does.
func compareNullFirst(a, b db.Value) int {
	switch {
	case a.Null && b.Null:
		return 0
	case a.Null:
		return -1
	case b.Null:
		return 1
	}
	return compare(a, b)
}

// coerce converts v to column c's type. Numbers and numeric strings convert
// to each other; strings and blobs too. An empty string becomes NULL, since
// an empty field means NULL in the file: in a non-null column that would
// make the file unloadable, so it is refused.
func coerce(c column, v db.Value) (db.Value, error) {
	if v.Null {
		return db.NullValue(c.typ), nil
	}
	out := db.Value{Type: c.typ}
	switch c.typ {
	case db.Int, db.BigInt, db.Time:
		switch v.Type {
		case db.Int, db.BigInt, db.Time:
			out.I = v.I
		case db.Double:
			out.I = int64(v.F)
		default:
			n, err := parseInt(strings.TrimSpace(v.Str()))
			if err != nil {
				return out, fmt.Errorf("column %s is %s, value %s is not an integer", c.name, c.spell, v)
			}
			out.I = n
		}
	case db.Double:
		switch v.Type {
		case db.Int, db.BigInt, db.Time:
			out.F = float64(v.I)
		case db.Double:
			out.F = v.F
		default:
			f, err := strconv.ParseFloat(strings.TrimSpace(v.Str()), 64)
			if err != nil {
				return out, fmt.Errorf("column %s is double, value %s is not a number", c.name, v)
			}
			out.F = f
		}
	case db.Blob:
		out.B = v.Bytes()
		if len(out.B) == 0 {
			return emptyValue(c)
		}
	default:
		out.S = v.Str()
		if out.S == "" {
			return emptyValue(c)
		}
	}
	return out, nil
}

func emptyValue(c column) (db.Value, error) {
	if !c.null {
		return db.Value{}, fmt.Errorf("column %s: db_text cannot store an empty string in a column not declared null (an empty field means NULL)", c.name)
	}
	return db.NullValue(c.typ), nil
}
