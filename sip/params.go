package sip

// Param looks a parameter up in a raw ";"-separated list (without or with a
// leading ';'), case-insensitively. present is true for a flag parameter
// without a value ("lr"); quoted values keep their quotes.
func Param(params, name string) (value string, present bool) {
	for i := 0; i < len(params); {
		// Skip separators and whitespace.
		for i < len(params) && (params[i] == ';' || isLWS(params[i])) {
			i++
		}
		start := i
		for i < len(params) && params[i] != '=' && params[i] != ';' && !isLWS(params[i]) {
			i++
		}
		key := params[start:i]
		for i < len(params) && isLWS(params[i]) {
			i++
		}
		var val string
		if i < len(params) && params[i] == '=' {
			i++
			for i < len(params) && isLWS(params[i]) {
				i++
			}
			vs := i
			if i < len(params) && params[i] == '"' {
				i = skipQuoted(params, i)
			}
			for i < len(params) && params[i] != ';' {
				i++
			}
			a, b := trimSpan(params, vs, i)
			val = params[a:b]
		}
		if key != "" && eqFoldASCII(key, name) {
			return val, true
		}
	}
	return "", false
}

// EachParam calls fn for every parameter of a raw list, in order.
func EachParam(params string, fn func(name, value string) bool) {
	for i := 0; i < len(params); {
		for i < len(params) && (params[i] == ';' || isLWS(params[i])) {
			i++
		}
		start := i
		for i < len(params) && params[i] != '=' && params[i] != ';' {
			i++
		}
		a, b := trimSpan(params, start, i)
		key := params[a:b]
		var val string
		if i < len(params) && params[i] == '=' {
			i++
			vs := i
			for i < len(params) && isLWS(params[i]) {
				i++
			}
			if i < len(params) && params[i] == '"' {
				i = skipQuoted(params, i)
			}
			for i < len(params) && params[i] != ';' {
				i++
			}
			a, b := trimSpan(params, vs, i)
			val = params[a:b]
		}
		if key != "" && !fn(key, val) {
			return
		}
	}
}

// skipQuoted returns the offset just past the quoted string starting at i
// (s[i] == '"'), honouring backslash escapes; len(s) if unterminated.
func skipQuoted(s string, i int) int {
	for i++; i < len(s); i++ {
		switch s[i] {
		case '\\':
			i++
		case '"':
			return i + 1
		}
	}
	return len(s)
}

// splitList calls fn with the [start,end) span (trimmed) of every element of
// a comma-separated header value, skipping commas inside quotes and <...>.
func splitList(s string, fn func(start, end int) bool) {
	start := 0
	inAngle := false
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '"':
			i = skipQuoted(s, i) - 1
		case '<':
			inAngle = true
		case '>':
			inAngle = false
		case ',':
			if !inAngle {
				a, b := trimSpan(s, start, i)
				if a < b && !fn(a, b) {
					return
				}
				start = i + 1
			}
		}
	}
	if a, b := trimSpan(s, start, len(s)); a < b {
		fn(a, b)
	}
}

// Unquote removes the surrounding quotes of a quoted-string and its
// backslash escapes; other strings are returned unchanged.
func Unquote(s string) string {
	if len(s) < 2 || s[0] != '"' || s[len(s)-1] != '"' {
		return s
	}
	s = s[1 : len(s)-1]
	if indexByte(s, '\\') < 0 {
		return s
	}
	b := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+1 < len(s) {
			i++
		}
		b = append(b, s[i])
	}
	return string(b)
}
