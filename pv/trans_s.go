package pv

import (
	"crypto/hmac"
	"crypto/md5"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/base64"
	"encoding/hex"
	"hash"
	"hash/crc32"
	"strconv"
	"strings"
	"time"

	"gosips/api"
)

func init() {
	RegisterTrans(
		sFn("len", func(s string) api.Value { return IntStr(int64(len(s))) }),
		TransDef{Class: "s", Name: "int", Apply: sInt},
		sFn("md5", func(s string) api.Value { h := md5.Sum([]byte(s)); return api.StrValue(hex.EncodeToString(h[:])) }),
		sFn("sha1", hashFn(sha1.New)),
		sFn("sha224", hashFn(sha256.New224)),
		sFn("sha256", hashFn(sha256.New)),
		sFn("sha384", hashFn(sha512.New384)),
		sFn("sha512", hashFn(sha512.New)),
		hmacDef("sha1_hmac", sha1.New),
		hmacDef("sha224_hmac", sha256.New224),
		hmacDef("sha256_hmac", sha256.New),
		hmacDef("sha384_hmac", sha512.New384),
		hmacDef("sha512_hmac", sha512.New),
		sFn("crc32", func(s string) api.Value {
			// OpenSIPS skips the final inversion of the IEEE checksum.
			return api.StrValue(strconv.FormatUint(uint64(^crc32.ChecksumIEEE([]byte(s))), 10))
		}),
		sFn("tolower", func(s string) api.Value { return api.StrValue(asciiLower(s)) }),
		sFn("toupper", func(s string) api.Value { return api.StrValue(asciiUpper(s)) }),
		sFn("encode.hexa", func(s string) api.Value { return api.StrValue(hex.EncodeToString([]byte(s))) }),
		sErrFn("decode.hexa", decodeHexa),
		TransDef{Class: "s", Name: "hex2dec", Apply: sHex2Dec},
		TransDef{Class: "s", Name: "dec2hex", Apply: sDec2Hex},
		sErrFn("date2unix", date2unix),
		sFn("escape.common", func(s string) api.Value { return api.StrValue(escapeCommon(s)) }),
		sFn("unescape.common", func(s string) api.Value { return api.StrValue(unescapeCommon(s)) }),
		sErrFn("escape.user", func(s string) (api.Value, error) { return escapeURIPart(s, isUserChar) }),
		sErrFn("unescape.user", unescapeURIPart),
		sErrFn("escape.param", func(s string) (api.Value, error) { return escapeURIPart(s, isParamChar) }),
		sErrFn("unescape.param", unescapeURIPart),
		sFn("b64encode", func(s string) api.Value { return api.StrValue(base64.StdEncoding.EncodeToString([]byte(s))) }),
		sFn("b64decode", b64decode),
		sFn("trim", func(s string) api.Value { return api.StrValue(strings.Trim(s, " \t\r\n")) }),
		sFn("trimr", func(s string) api.Value { return api.StrValue(strings.TrimRight(s, " \t\r\n")) }),
		sFn("triml", func(s string) api.Value { return api.StrValue(strings.TrimLeft(s, " \t\r\n")) }),
		sFn("reverse", reverse),
		TransDef{Class: "s", Name: "xor", MinArgs: 1, MaxArgs: 1, Apply: sXor},
		TransDef{Class: "s", Name: "substr", MinArgs: 2, MaxArgs: 2, Kinds: []ArgKind{ArgInt}, Apply: sSubstr},
		TransDef{Class: "s", Name: "select", MinArgs: 2, MaxArgs: 2, Kinds: []ArgKind{ArgInt, ArgChar}, Apply: sSelect},
		TransDef{Class: "s", Name: "index", MinArgs: 1, MaxArgs: 2, Kinds: []ArgKind{ArgStr, ArgInt}, Apply: func(in api.Value, a []api.Value) (api.Value, error) { return sIndex(in, a, false) }},
		TransDef{Class: "s", Name: "rindex", MinArgs: 1, MaxArgs: 2, Kinds: []ArgKind{ArgStr, ArgInt}, Apply: func(in api.Value, a []api.Value) (api.Value, error) { return sIndex(in, a, true) }},
		TransDef{Class: "s", Name: "fill.left", MinArgs: 2, MaxArgs: 2, Kinds: []ArgKind{ArgFill, ArgInt}, Check: checkFill, Apply: func(in api.Value, a []api.Value) (api.Value, error) { return sFill(in, a, true) }},
		TransDef{Class: "s", Name: "fill.right", MinArgs: 2, MaxArgs: 2, Kinds: []ArgKind{ArgFill, ArgInt}, Check: checkFill, Apply: func(in api.Value, a []api.Value) (api.Value, error) { return sFill(in, a, false) }},
		TransDef{Class: "s", Name: "width", MinArgs: 1, MaxArgs: 1, Kinds: []ArgKind{ArgInt}, Check: checkWidth, Apply: sWidth},
		TransDef{Class: "s", Name: "eval", Apply: func(api.Value, []api.Value) (api.Value, error) {
			return api.Null, transErr("needs a message context")
		}, Prepare: prepareEval},
	)
}

// sFn declares an argument-less s.* transformation on the string form.
func sFn(name string, f func(string) api.Value) TransDef {
	return TransDef{Class: "s", Name: name, Apply: func(in api.Value, _ []api.Value) (api.Value, error) { return f(Str(in)), nil }}
}

func sErrFn(name string, f func(string) (api.Value, error)) TransDef {
	return TransDef{Class: "s", Name: name, Apply: func(in api.Value, _ []api.Value) (api.Value, error) { return f(Str(in)) }}
}

func hashFn(h func() hash.Hash) func(string) api.Value {
	return func(s string) api.Value {
		x := h()
		x.Write([]byte(s))
		return api.StrValue(hex.EncodeToString(x.Sum(nil)))
	}
}

func hmacDef(name string, h func() hash.Hash) TransDef {
	return TransDef{Class: "s", Name: name, MinArgs: 1, MaxArgs: 1, Apply: func(in api.Value, a []api.Value) (api.Value, error) {
		key, err := argStr(a[0], "key")
		if err != nil {
			return api.Null, err
		}
		m := hmac.New(h, []byte(key))
		m.Write([]byte(Str(in)))
		return api.StrValue(hex.EncodeToString(m.Sum(nil))), nil
	}}
}

func sInt(in api.Value, _ []api.Value) (api.Value, error) {
	if in.IsInt() {
		return IntStr(in.I), nil
	}
	return IntStr(leadingInt(in.S)), nil
}

func asciiLower(s string) string {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c >= 'A' && c <= 'Z' {
			b := []byte(s)
			for j := i; j < len(b); j++ {
				if b[j] >= 'A' && b[j] <= 'Z' {
					b[j] += 'a' - 'A'
				}
			}
			return string(b)
		}
	}
	return s
}

func asciiUpper(s string) string {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c >= 'a' && c <= 'z' {
			b := []byte(s)
			for j := i; j < len(b); j++ {
				if b[j] >= 'a' && b[j] <= 'z' {
					b[j] -= 'a' - 'A'
				}
			}
			return string(b)
		}
	}
	return s
}

// decodeHexa decodes pairs of hex digits; a trailing odd digit is ignored.
func decodeHexa(s string) (api.Value, error) {
	b, err := hex.DecodeString(s[:len(s)/2*2])
	if err != nil {
		return api.Null, transErr("invalid hex string")
	}
	return api.StrValue(string(b)), nil
}

func sHex2Dec(in api.Value, _ []api.Value) (api.Value, error) {
	if in.IsInt() {
		return IntStr(in.I), nil
	}
	s := in.S
	if len(s) > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X') {
		s = s[2:]
	}
	if s == "" || len(s) > 8 {
		return api.Null, transErr("invalid hex number %q", in.S)
	}
	n, err := strconv.ParseUint(s, 16, 32)
	if err != nil {
		return api.Null, transErr("invalid hex number %q", in.S)
	}
	return IntStr(int64(int32(uint32(n)))), nil
}

func sDec2Hex(in api.Value, _ []api.Value) (api.Value, error) {
	n := in.I
	if !in.IsInt() {
		var ok bool
		if n, ok = strictInt(in.S); !ok {
			return api.Null, transErr("not a decimal number: %q", in.S)
		}
	}
	// printf("%x") of a C int: negative numbers show their 32-bit form.
	return api.StrValue(strconv.FormatUint(uint64(uint32(int32(n))), 16)), nil
}

func date2unix(s string) (api.Value, error) {
	t, err := time.Parse("Mon, 02 Jan 2006 15:04:05 GMT", s)
	if err != nil {
		t, err = time.Parse("Mon, 2 Jan 2006 15:04:05 GMT", s)
	}
	if err != nil {
		return api.Null, transErr("cannot parse date %q", s)
	}
	return api.StrValue(strconv.FormatInt(t.Unix(), 10)), nil
}

func escapeCommon(s string) string {
	if !strings.ContainsAny(s, "'\"\\\x00") {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case '\'', '"', '\\':
			b.WriteByte('\\')
			b.WriteByte(c)
		case 0:
			b.WriteString("\\0")
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

func unescapeCommon(s string) string {
	if strings.IndexByte(s, '\\') < 0 {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+1 < len(s) {
			switch s[i+1] {
			case '\'', '"', '\\':
				b.WriteByte(s[i+1])
				i++
				continue
			case '0':
				b.WriteByte(0)
				i++
				continue
			}
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

func isAlnum(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}

// isUserChar: RFC 3261 unreserved and user-unreserved characters.
func isUserChar(c byte) bool {
	return isAlnum(c) || strings.IndexByte("-_.!~*'()&=+$,;?/", c) >= 0
}

// isParamChar: RFC 3261 unreserved and param-unreserved characters.
func isParamChar(c byte) bool {
	return isAlnum(c) || strings.IndexByte("-_.!~*'()[]/:&+$", c) >= 0
}

const hexDigits = "0123456789abcdef"

func escapeURIPart(s string, keep func(byte) bool) (api.Value, error) {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < 32 || c > 126 {
			return api.Null, transErr("cannot escape character %#x", c)
		}
		if keep(c) {
			b.WriteByte(c)
			continue
		}
		b.WriteByte('%')
		b.WriteByte(hexDigits[c>>4])
		b.WriteByte(hexDigits[c&15])
	}
	return api.StrValue(b.String()), nil
}

func unhex(c byte) (byte, bool) {
	switch {
	case c >= '0' && c <= '9':
		return c - '0', true
	case c >= 'a' && c <= 'f':
		return c - 'a' + 10, true
	case c >= 'A' && c <= 'F':
		return c - 'A' + 10, true
	}
	return 0, false
}

func unescapeURIPart(s string) (api.Value, error) {
	if strings.IndexByte(s, '%') < 0 {
		return api.StrValue(s), nil
	}
	b := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		if s[i] != '%' {
			b = append(b, s[i])
			continue
		}
		if i+2 >= len(s) {
			return api.Null, transErr("truncated escape in %q", s)
		}
		hi, ok1 := unhex(s[i+1])
		lo, ok2 := unhex(s[i+2])
		if !ok1 || !ok2 {
			return api.Null, transErr("invalid escape in %q", s)
		}
		c := hi<<4 | lo
		if c < 32 || c > 126 {
			return api.Null, transErr("invalid escaped character %#x", c)
		}
		b = append(b, c)
		i += 2
	}
	return api.StrValue(string(b)), nil
}

func b64decode(s string) api.Value {
	b, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		// Accept unpadded input as OpenSIPS' decoder does.
		b, err = base64.RawStdEncoding.DecodeString(strings.TrimRight(s, "="))
		if err != nil {
			return api.StrValue("")
		}
	}
	return api.StrValue(string(b))
}

func reverse(s string) api.Value {
	b := make([]byte, len(s))
	for i := 0; i < len(s); i++ {
		b[len(s)-1-i] = s[i]
	}
	return api.StrValue(string(b))
}

func sXor(in api.Value, a []api.Value) (api.Value, error) {
	key, err := argStr(a[0], "key")
	if err != nil {
		return api.Null, err
	}
	s := Str(in)
	b := make([]byte, len(s))
	for i := 0; i < len(s); i++ {
		b[i] = s[i] ^ key[i%len(key)]
	}
	return api.StrValue(string(b)), nil
}

// sSubstr: a negative offset counts from the end; a length of 0 means "to
// the end" and a negative length stops that many bytes before the end.
func sSubstr(in api.Value, a []api.Value) (api.Value, error) {
	i, err := argInt(a[0], "offset")
	if err != nil {
		return api.Null, err
	}
	j, err := argInt(a[1], "length")
	if err != nil {
		return api.Null, err
	}
	s := Str(in)
	n := len(s)
	if i < 0 {
		if -i > n {
			return api.Null, transErr("offset %d out of range", i)
		}
		i += n
	}
	if i >= n {
		return api.Null, transErr("offset %d out of range", i)
	}
	if j < 1 {
		j = n + j - i
	}
	if i+j > n {
		j = n - i
	}
	if j < 0 {
		return api.Null, transErr("length out of range")
	}
	return api.StrValue(s[i : i+j]), nil
}

// sSelect returns the idx-th field split by sep (negative from the end);
// NULL when there are not enough fields.
func sSelect(in api.Value, a []api.Value) (api.Value, error) {
	idx, err := argInt(a[0], "index")
	if err != nil {
		return api.Null, err
	}
	sepStr := Str(a[1])
	if sepStr == "" {
		return api.Null, transErr("missing separator")
	}
	sep := sepStr[0]
	s := Str(in)
	if idx >= 0 {
		start := 0
		for p := 0; p < len(s); p++ {
			if s[p] == sep {
				if idx == 0 {
					return api.StrValue(s[start:p]), nil
				}
				start = p + 1
				idx--
			}
		}
		if idx == 0 {
			return api.StrValue(s[start:]), nil
		}
		return api.Null, nil
	}
	idx = -idx - 1
	end := len(s)
	for p := len(s) - 1; p >= 0; p-- {
		if s[p] == sep {
			if idx == 0 {
				return api.StrValue(s[p+1 : end]), nil
			}
			end = p
			idx--
		}
	}
	if idx == 0 {
		return api.StrValue(s[:end]), nil
	}
	return api.Null, nil
}

func sIndex(in api.Value, a []api.Value, rev bool) (api.Value, error) {
	needle, err := argStr(a[0], "needle")
	if err != nil {
		return api.Null, err
	}
	s := Str(in)
	n := len(s)
	var i int
	if len(a) > 1 {
		if i, err = argInt(a[1], "start"); err != nil {
			return api.Null, err
		}
	} else if rev {
		i = n - 1
	}
	if i < 0 {
		if n > 0 {
			// -2 and -12 are the same start on a 10-byte string.
			i = (-i) % n
			if i > 0 {
				i = n - i
			}
		} else {
			i = 0
		}
	}
	if !rev {
		if i >= n || len(needle) > n-i {
			return api.Null, nil
		}
		if k := strings.Index(s[i:], needle); k >= 0 {
			return IntStr(int64(i + k)), nil
		}
		return api.Null, nil
	}
	if len(needle) > n {
		return api.Null, nil
	}
	if i >= n {
		i = n - 1
	}
	if len(needle) > n-i {
		i = n - len(needle)
	}
	if k := strings.LastIndex(s[:i+len(needle)], needle); k >= 0 {
		return IntStr(int64(k)), nil
	}
	return api.Null, nil
}

func checkFill(args []TransArg) error {
	if len(args) < 2 {
		return nil
	}
	if args[0].PV != nil || args[1].PV != nil || strings.HasPrefix(args[0].Lit, "$") {
		return transErr("fill does not accept variables")
	}
	if args[0].Lit == "" {
		return transErr("empty fill string (quote blanks: \" \")")
	}
	return nil
}

// sFill pads to a total width with a character or a repeated string.
func sFill(in api.Value, a []api.Value, left bool) (api.Value, error) {
	pad := Str(a[0])
	width, err := argInt(a[1], "width")
	if err != nil {
		return api.Null, err
	}
	s := Str(in)
	n := width - len(s)
	if n < 0 || pad == "" {
		return in, nil
	}
	if n > 1<<16 {
		return api.Null, transErr("width %d too large", width)
	}
	var b strings.Builder
	b.Grow(width)
	if left {
		// The first, partial copy takes the tail of the pad string.
		if r := n % len(pad); r != 0 {
			b.WriteString(pad[len(pad)-r:])
			n -= r
		}
		for ; n > 0; n -= len(pad) {
			b.WriteString(pad)
		}
		b.WriteString(s)
		return api.StrValue(b.String()), nil
	}
	b.WriteString(s)
	for ; n > 0; n -= len(pad) {
		b.WriteString(pad[:min(n, len(pad))])
	}
	return api.StrValue(b.String()), nil
}

func checkWidth(args []TransArg) error {
	if len(args) == 1 && args[0].IsInt && args[0].Int <= 0 {
		return transErr("width must be at least 1")
	}
	return nil
}

// sWidth cuts or right-pads with blanks to exactly N bytes.
func sWidth(in api.Value, a []api.Value) (api.Value, error) {
	w, err := argInt(a[0], "width")
	if err != nil {
		return api.Null, err
	}
	if w <= 0 {
		return api.Null, transErr("width must be at least 1")
	}
	s := Str(in)
	if w <= len(s) {
		return api.StrValue(s[:w]), nil
	}
	if w > 1<<16 {
		return api.Null, transErr("width %d too large", w)
	}
	return api.StrValue(s + strings.Repeat(" ", w-len(s))), nil
}

// prepareEval parses the value as a format at run time and prints it with
// the message's variables.
func prepareEval([]TransArg, func(*Spec) error) (Applier, error) {
	return func(c *api.Ctx, in api.Value, _ []api.Value) (api.Value, error) {
		t := tableOf(c)
		if t == nil {
			return api.Null, transErr("needs the script's PV table")
		}
		f, err := ParseFormat(Str(in))
		if err != nil {
			return api.Null, err
		}
		if err := t.ResolveFormat(f); err != nil {
			return api.Null, err
		}
		out, err := f.Eval(c)
		if err != nil {
			return api.Null, err
		}
		return api.StrValue(out), nil
	}, nil
}
