package db

import (
	"fmt"
	"math"
	"strconv"
	"time"
)

// Type is a column or value type, as OpenSIPS' db_type_t.
type Type uint8

// The value types. Int is 32-bit in OpenSIPS and BigInt 64-bit; both are
// carried in an int64 here. Time is a Unix time with second precision.
const (
	Invalid Type = iota
	Int
	BigInt
	Double
	String
	Blob
	Time
)

var typeNames = [...]string{"invalid", "int", "bigint", "double", "string", "blob", "time"}

func (t Type) String() string {
	if int(t) < len(typeNames) {
		return typeNames[t]
	}
	return "type(" + strconv.Itoa(int(t)) + ")"
}

// IsInteger reports whether values of t are carried in Value.I.
func (t Type) IsInteger() bool { return t == Int || t == BigInt || t == Time }

// Value is one typed, possibly NULL, database value. Only the field for Type
// is meaningful: I for Int, BigInt and Time (Unix seconds), F for Double, S
// for String and B for Blob.
type Value struct {
	Type Type
	Null bool
	I    int64
	F    float64
	S    string
	B    []byte
}

// IntValue returns an Int value.
func IntValue(v int64) Value { return Value{Type: Int, I: v} }

// BigIntValue returns a BigInt value.
func BigIntValue(v int64) Value { return Value{Type: BigInt, I: v} }

// DoubleValue returns a Double value.
func DoubleValue(v float64) Value { return Value{Type: Double, F: v} }

// StringValue returns a String value.
func StringValue(v string) Value { return Value{Type: String, S: v} }

// BlobValue returns a Blob value; b is not copied.
func BlobValue(b []byte) Value { return Value{Type: Blob, B: b} }

// TimeValue returns a Time value (second precision).
func TimeValue(t time.Time) Value { return Value{Type: Time, I: t.Unix()} }

// UnixValue returns a Time value from Unix seconds.
func UnixValue(sec int64) Value { return Value{Type: Time, I: sec} }

// NullValue returns a NULL of type t.
func NullValue(t Type) Value { return Value{Type: t, Null: true} }

// Int64 returns the value as an integer: doubles are truncated, strings
// parsed; NULL and unparsable strings give 0.
func (v Value) Int64() int64 {
	if v.Null {
		return 0
	}
	switch v.Type {
	case Double:
		return int64(v.F)
	case String, Blob:
		s := v.S
		if v.Type == Blob {
			s = string(v.B)
		}
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			f, ferr := strconv.ParseFloat(s, 64)
			if ferr != nil {
				return 0
			}
			return int64(f)
		}
		return n
	}
	return v.I
}

// Float64 returns the value as a float; NULL gives 0.
func (v Value) Float64() float64 {
	if v.Null {
		return 0
	}
	switch v.Type {
	case Double:
		return v.F
	case String, Blob:
		s := v.S
		if v.Type == Blob {
			s = string(v.B)
		}
		f, _ := strconv.ParseFloat(s, 64)
		return f
	}
	return float64(v.I)
}

// Str returns the value as text: integers in decimal, doubles in the
// shortest form, times as Unix seconds; NULL gives "".
func (v Value) Str() string {
	if v.Null {
		return ""
	}
	switch v.Type {
	case Int, BigInt, Time:
		return strconv.FormatInt(v.I, 10)
	case Double:
		return FormatDouble(v.F)
	case Blob:
		return string(v.B)
	}
	return v.S
}

// Bytes returns the value as bytes (a copy is not made for blobs).
func (v Value) Bytes() []byte {
	if v.Type == Blob && !v.Null {
		return v.B
	}
	return []byte(v.Str())
}

// Time returns a Time (or integer) value as a time.Time; NULL gives the zero
// time.
func (v Value) Time() time.Time {
	if v.Null {
		return time.Time{}
	}
	return time.Unix(v.Int64(), 0)
}

// String renders the value for logs and errors.
func (v Value) String() string {
	if v.Null {
		return "NULL"
	}
	switch v.Type {
	case String:
		return strconv.Quote(v.S)
	case Blob:
		return fmt.Sprintf("blob(%d bytes)", len(v.B))
	}
	return v.Str()
}

// Equal reports whether two values are the same type and content.
func (v Value) Equal(o Value) bool {
	if v.Type != o.Type || v.Null != o.Null {
		return false
	}
	if v.Null {
		return true
	}
	switch v.Type {
	case Double:
		return v.F == o.F || (math.IsNaN(v.F) && math.IsNaN(o.F))
	case String:
		return v.S == o.S
	case Blob:
		return string(v.B) == string(o.B)
	}
	return v.I == o.I
}

// FormatDouble formats a double without an exponent, as both drivers store
// it (the db_text parser accepts only digits and one dot).
func FormatDouble(f float64) string {
	return strconv.FormatFloat(f, 'f', -1, 64)
}
