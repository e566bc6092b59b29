package pv

import (
	"strconv"

	"gosips/api"
)

// NullText is how a NULL value prints in formats (as OpenSIPS does).
const NullText = "<null>"

// Str returns the string form of v: its string, else its integer in
// decimal, else "" for NULL.
func Str(v api.Value) string {
	switch {
	case v.IsStr():
		return v.S
	case v.IsInt():
		return strconv.FormatInt(v.I, 10)
	}
	return ""
}

// Print returns v as a format prints it: NULL becomes "<null>".
func Print(v api.Value) string {
	if v.IsNull() {
		return NullText
	}
	return Str(v)
}

// IntStr makes an integer value that also carries its decimal string form,
// like OpenSIPS integer PVs.
func IntStr(n int64) api.Value {
	return api.Value{Flags: api.VInt | api.VStr, I: n, S: strconv.FormatInt(n, 10)}
}

// leadingInt parses an optional sign and the digits that follow, stopping
// at the first other character ("12ab" is 12, "ab" is 0), as OpenSIPS'
// s.int does.
func leadingInt(s string) int64 {
	neg := false
	i := 0
	if i < len(s) && (s[i] == '-' || s[i] == '+') {
		neg = s[i] == '-'
		i++
	}
	var n int64
	for ; i < len(s) && s[i] >= '0' && s[i] <= '9'; i++ {
		n = n*10 + int64(s[i]-'0')
		if n > 1<<40 {
			break
		}
	}
	if neg {
		n = -n
	}
	return int64(int32(n))
}

// strictInt parses a whole string as a signed decimal integer.
func strictInt(s string) (int64, bool) {
	if s == "" {
		return 0, false
	}
	n, err := strconv.ParseInt(s, 10, 64)
	return n, err == nil
}

// argInt returns an argument's integer form.
func argInt(v api.Value, what string) (int, error) {
	if !v.IsInt() {
		return 0, transErr("%s is not an integer", what)
	}
	return int(v.I), nil
}

// argStr returns an argument's non-empty string form.
func argStr(v api.Value, what string) (string, error) {
	if !v.IsStr() || v.S == "" {
		return "", transErr("%s is not a non-empty string", what)
	}
	return v.S, nil
}

// inputStr returns the non-empty string form the uri/param/via/...
// classes require.
func inputStr(v api.Value) (string, error) {
	if !v.IsStr() || v.S == "" {
		return "", errTransInput
	}
	return v.S, nil
}

// strOrNull returns s, or NULL when it is empty (how OpenSIPS reports a
// missing URI part).
func strOrNull(s string) api.Value {
	if s == "" {
		return api.Null
	}
	return api.StrValue(s)
}
