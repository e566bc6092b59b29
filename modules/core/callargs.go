package core

// Call-time argument helpers. A fixup only runs on literal arguments, so a
// function receives either its fixup's type or the evaluated value of a
// variable (int64 or string); these accept both.

// IntArg returns an integer argument: int64, int, or one of the fixed
// integer types of this package.
func IntArg(a any) (int64, bool) {
	switch v := a.(type) {
	case int64:
		return v, true
	case int:
		return int64(v), true
	case ReplyCode:
		return int64(v), true
	case Flag:
		return int64(v), true
	case LogLevel:
		return int64(v), true
	case Q:
		return int64(v), true
	}
	return 0, false
}

// StrArg returns a string argument ("" when omitted or of another type).
func StrArg(a any) string {
	s, _ := a.(string)
	return s
}
