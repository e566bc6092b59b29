package sqlite

import (
	"database/sql"
	"fmt"
	"strconv"
	"strings"
	"time"

	"gosips/db"
)

// declType maps a declared column type to a value type by SQLite's
// affinity rules (and OpenSIPS' db_sqlite, which sees DATE* as datetime).
// Invalid means "from the value" (expressions have no declared type).
func declType(decl string) db.Type {
	d := strings.ToUpper(decl)
	switch {
	case d == "":
		return db.Invalid
	case strings.HasPrefix(d, "BIGINT"):
		return db.BigInt
	case strings.Contains(d, "INT"):
		return db.Int
	case strings.Contains(d, "CHAR"), strings.Contains(d, "CLOB"), strings.Contains(d, "TEXT"):
		return db.String
	case strings.Contains(d, "BLOB"), strings.Contains(d, "BINARY"):
		return db.Blob
	case strings.Contains(d, "REAL"), strings.Contains(d, "FLOA"), strings.Contains(d, "DOUB"),
		strings.Contains(d, "NUMERIC"), strings.Contains(d, "DECIMAL"):
		return db.Double
	case strings.HasPrefix(d, "DATE"), strings.HasPrefix(d, "TIME"):
		return db.Time
	}
	return db.String
}

// timeFormats are the text forms of DATETIME values OpenSIPS writes or its
// scripts use as defaults.
var timeFormats = []string{"2006-01-02 15:04:05", "2006-01-02T15:04:05", "2006-01-02"}

// convert turns what go-sqlite3 returned into a value of type t.
func convert(src any, t db.Type, col string) (db.Value, error) {
	if src == nil {
		if t == db.Invalid {
			t = db.String
		}
		return db.NullValue(t), nil
	}
	if t == db.Invalid {
		switch src.(type) {
		case int64, bool:
			t = db.BigInt
		case float64:
			t = db.Double
		case []byte:
			t = db.Blob
		case time.Time:
			t = db.Time
		default:
			t = db.String
		}
	}
	v := db.Value{Type: t}
	switch t {
	case db.Int, db.BigInt, db.Time:
		switch x := src.(type) {
		case int64:
			v.I = x
		case float64:
			v.I = int64(x)
		case bool:
			if x {
				v.I = 1
			}
		case time.Time:
			v.I = x.Unix()
		case string:
			return parseText(x, t, col)
		case []byte:
			return parseText(string(x), t, col)
		}
	case db.Double:
		switch x := src.(type) {
		case int64:
			v.F = float64(x)
		case float64:
			v.F = x
		case time.Time:
			v.F = float64(x.Unix())
		case string:
			return parseText(x, t, col)
		case []byte:
			return parseText(string(x), t, col)
		}
	case db.Blob:
		switch x := src.(type) {
		case []byte:
			v.B = x
		default:
			v.B = []byte(anyString(x))
		}
	default:
		v.S = anyString(src)
	}
	return v, nil
}

func anyString(src any) string {
	switch x := src.(type) {
	case string:
		return x
	case []byte:
		return string(x)
	case int64:
		return strconv.FormatInt(x, 10)
	case float64:
		return db.FormatDouble(x)
	case time.Time:
		return x.Format(timeFormats[0])
	}
	return fmt.Sprint(src)
}

// parseText reads a number or datetime stored as text (SQLite keeps text
// that does not look numeric as is, whatever the column's type).
func parseText(s string, t db.Type, col string) (db.Value, error) {
	s = strings.TrimSpace(s)
	v := db.Value{Type: t}
	if t == db.Time {
		if n, err := strconv.ParseInt(s, 10, 64); err == nil {
			v.I = n
			return v, nil
		}
		for _, f := range timeFormats {
			if tm, err := time.ParseInLocation(f, s, time.UTC); err == nil {
				v.I = tm.Unix()
				return v, nil
			}
		}
		return v, fmt.Errorf("column %s: %q is not a datetime", col, s)
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return v, fmt.Errorf("column %s: %q is not a number", col, s)
	}
	if t == db.Double {
		v.F = f
	} else if n, err := strconv.ParseInt(s, 10, 64); err == nil {
		v.I = n
	} else {
		v.I = int64(f)
	}
	return v, nil
}

// scanAll reads every row of rs into a Result.
// ci, when known from an earlier run of the same query, saves asking the
// driver for the column types; the info used is returned for caching.
func scanAll(rs *sql.Rows, ci *colInfo, limit int) (*db.Result, *colInfo, error) {
	defer rs.Close()
	if ci == nil {
		cts, err := rs.ColumnTypes()
		if err != nil {
			return nil, nil, err
		}
		ci = &colInfo{names: make([]string, len(cts)), types: make([]db.Type, len(cts))}
		for i, ct := range cts {
			ci.names[i] = ct.Name()
			ci.types[i] = declType(ct.DatabaseTypeName())
		}
	}
	n := len(ci.names)
	res := &db.Result{Cols: ci.names}
	types := ci.types
	raw := make([]any, n)
	ptrs := make([]any, n)
	for i := range raw {
		ptrs[i] = &raw[i]
	}
	for rs.Next() {
		if err := rs.Scan(ptrs...); err != nil {
			return nil, nil, err
		}
		row := make(db.Row, n)
		for i, src := range raw {
			v, err := convert(src, types[i], res.Cols[i])
			if err != nil {
				return nil, nil, err
			}
			row[i] = v
		}
		clear(raw)
		res.Rows = append(res.Rows, row)
		if limit > 0 && len(res.Rows) == limit {
			// The LIMIT is reached: asking for the next row would be one
			// more step through cgo only to learn there is none.
			break
		}
	}
	if err := rs.Err(); err != nil {
		return nil, nil, err
	}
	return res, ci, nil
}
