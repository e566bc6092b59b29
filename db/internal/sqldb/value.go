package sqldb

import (
	"math"
	"strconv"
	"strings"
	"time"

	"gosips/db"
	"gosips/db/schema"
)

// coerce converts a value to the type of the column it is written to or
// compared with, when gosips knows the table: the servers (PostgreSQL
// above all) do not convert a time into an INTEGER column or a number into
// a VARCHAR one, which SQLite and db_text accept.
func coerce(t *schema.Table, col string, v db.Value) db.Value {
	if t == nil || v.Null {
		return v
	}
	var c schema.Column
	found := false
	for _, x := range t.Columns {
		if strings.EqualFold(x.Name, col) {
			c, found = x, true
			break
		}
	}
	if !found {
		return v
	}
	switch c.Type {
	case schema.Int, schema.Long, schema.Short:
		switch v.Type {
		case db.Time:
			return db.IntValue(v.I)
		case db.String:
			if n, err := strconv.ParseInt(strings.TrimSpace(v.S), 10, 64); err == nil {
				return db.IntValue(n)
			}
		case db.Double:
			if v.F == math.Trunc(v.F) {
				return db.IntValue(int64(v.F))
			}
		}
	case schema.Float:
		switch v.Type {
		case db.Int, db.BigInt:
			return db.DoubleValue(float64(v.I))
		case db.String:
			if f, err := strconv.ParseFloat(strings.TrimSpace(v.S), 64); err == nil {
				return db.DoubleValue(f)
			}
		}
	case schema.String, schema.Text:
		if v.Type != db.String {
			return db.StringValue(v.Str())
		}
	case schema.DateTime:
		if v.Type == db.Int || v.Type == db.BigInt {
			return db.UnixValue(v.I)
		}
	case schema.Blob:
		if v.Type == db.String {
			return db.BlobValue([]byte(v.S))
		}
	}
	return v
}

// Arg converts a value to what the Go drivers bind. Times are bound as
// local date-times, as OpenSIPS' SQL modules write them.
func Arg(v db.Value) any {
	if v.Null {
		return nil
	}
	switch v.Type {
	case db.Int, db.BigInt:
		return v.I
	case db.Time:
		return time.Unix(v.I, 0)
	case db.Double:
		return v.F
	case db.Blob:
		if v.B == nil {
			return []byte{}
		}
		return v.B
	case db.String:
		return v.S
	}
	return v.Str()
}

// colInfo is what convert needs to know of a result column.
type colInfo struct {
	t      db.Type // Invalid: from the Go type of the value
	single bool    // single-precision float
	wall   bool    // wall-clock timestamp
}

// convert turns what the driver returned into a value of the column's type.
func convert(src any, ci colInfo) db.Value {
	t := ci.t
	if src == nil {
		if t == db.Invalid {
			t = db.String
		}
		return db.NullValue(t)
	}
	if t == db.Invalid {
		switch src.(type) {
		case int64, int32, uint64, bool:
			t = db.BigInt
		case float64, float32:
			t = db.Double
		case time.Time:
			t = db.Time
		case []byte:
			t = db.String
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
		case int32:
			v.I = int64(x)
		case uint64:
			v.I = int64(x)
		case float64:
			v.I = int64(x)
		case float32:
			v.I = int64(x)
		case bool:
			if x {
				v.I = 1
			}
		case time.Time:
			v.I = unix(x, ci.wall)
		case string:
			v.I = parseInt(x, t)
		case []byte:
			v.I = parseInt(string(x), t)
		}
	case db.Double:
		switch x := src.(type) {
		case float64:
			v.F = x
			if ci.single {
				v.F = round32(float32(x))
			}
		case float32:
			v.F = round32(x)
		case int64:
			v.F = float64(x)
		case uint64:
			v.F = float64(x)
		case string:
			v.F, _ = strconv.ParseFloat(x, 64)
		case []byte:
			v.F, _ = strconv.ParseFloat(string(x), 64)
		}
	case db.Blob:
		switch x := src.(type) {
		case []byte:
			v.B = x
		case string:
			v.B = []byte(x)
		default:
			v.B = []byte(anyString(x))
		}
	default:
		v.S = anyString(src)
	}
	return v
}

// round32 gives the float64 whose shortest text is that of the float32
// the server stored (0.9, not 0.8999999761581421).
func round32(f float32) float64 {
	r, err := strconv.ParseFloat(strconv.FormatFloat(float64(f), 'g', -1, 32), 64)
	if err != nil {
		return float64(f)
	}
	return r
}

func unix(t time.Time, wall bool) int64 {
	if t.IsZero() {
		// MySQL's zero date.
		return 0
	}
	if wall {
		t = time.Date(t.Year(), t.Month(), t.Day(), t.Hour(), t.Minute(), t.Second(), t.Nanosecond(), time.Local)
	}
	return t.Unix()
}

// timeLayouts are the text forms of date-times a raw query may return.
var timeLayouts = []string{"2006-01-02 15:04:05", "2006-01-02T15:04:05", "2006-01-02"}

func parseInt(s string, t db.Type) int64 {
	s = strings.TrimSpace(s)
	if n, err := strconv.ParseInt(s, 10, 64); err == nil {
		return n
	}
	if t == db.Time {
		for _, l := range timeLayouts {
			if tm, err := time.ParseInLocation(l, s, time.Local); err == nil {
				return tm.Unix()
			}
		}
	}
	f, _ := strconv.ParseFloat(s, 64)
	return int64(f)
}

func anyString(src any) string {
	switch x := src.(type) {
	case string:
		return x
	case []byte:
		return string(x)
	case int64:
		return strconv.FormatInt(x, 10)
	case uint64:
		return strconv.FormatUint(x, 10)
	case float64:
		return db.FormatDouble(x)
	case float32:
		return db.FormatDouble(round32(x))
	case bool:
		if x {
			return "1"
		}
		return "0"
	case time.Time:
		return x.Format(timeLayouts[0])
	}
	return ""
}
