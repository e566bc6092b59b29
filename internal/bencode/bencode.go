// Package bencode encodes and decodes bencoded values (BitTorrent's
// encoding, used by rtpengine's ng control protocol): byte strings,
// integers, lists and dictionaries.
//
// Decoded values are string, int64, []any and map[string]any. Encode
// accepts those plus []byte, int, []string and map[string]string.
package bencode

import (
	"errors"
	"fmt"
	"sort"
	"strconv"
)

// maxDepth bounds nesting so hostile input cannot exhaust the stack.
const maxDepth = 64

// Encode appends the encoding of v to dst.
func Encode(dst []byte, v any) ([]byte, error) {
	switch x := v.(type) {
	case string:
		dst = strconv.AppendInt(dst, int64(len(x)), 10)
		dst = append(dst, ':')
		return append(dst, x...), nil
	case []byte:
		dst = strconv.AppendInt(dst, int64(len(x)), 10)
		dst = append(dst, ':')
		return append(dst, x...), nil
	case int:
		return encInt(dst, int64(x)), nil
	case int64:
		return encInt(dst, x), nil
	case []string:
		dst = append(dst, 'l')
		for _, s := range x {
			dst, _ = Encode(dst, s)
		}
		return append(dst, 'e'), nil
	case []any:
		dst = append(dst, 'l')
		for _, e := range x {
			var err error
			if dst, err = Encode(dst, e); err != nil {
				return nil, err
			}
		}
		return append(dst, 'e'), nil
	case map[string]string:
		m := make(map[string]any, len(x))
		for k, s := range x {
			m[k] = s
		}
		return Encode(dst, m)
	case map[string]any:
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		dst = append(dst, 'd')
		for _, k := range keys {
			dst, _ = Encode(dst, k)
			var err error
			if dst, err = Encode(dst, x[k]); err != nil {
				return nil, err
			}
		}
		return append(dst, 'e'), nil
	}
	return nil, fmt.Errorf("bencode: cannot encode %T", v)
}

func encInt(dst []byte, n int64) []byte {
	dst = append(dst, 'i')
	dst = strconv.AppendInt(dst, n, 10)
	return append(dst, 'e')
}

// ErrSyntax reports malformed input.
var ErrSyntax = errors.New("bencode: malformed input")

// Decode decodes exactly one value from b; trailing bytes are an error.
func Decode(b []byte) (any, error) {
	v, n, err := decode(b, 0, 0)
	if err != nil {
		return nil, err
	}
	if n != len(b) {
		return nil, fmt.Errorf("%w: %d trailing bytes", ErrSyntax, len(b)-n)
	}
	return v, nil
}

func decode(b []byte, i, depth int) (any, int, error) {
	if depth > maxDepth {
		return nil, 0, fmt.Errorf("%w: nested too deep", ErrSyntax)
	}
	if i >= len(b) {
		return nil, 0, fmt.Errorf("%w: unexpected end", ErrSyntax)
	}
	switch c := b[i]; {
	case c == 'i':
		j := i + 1
		for j < len(b) && b[j] != 'e' {
			j++
		}
		if j >= len(b) {
			return nil, 0, fmt.Errorf("%w: unterminated integer", ErrSyntax)
		}
		n, err := strconv.ParseInt(string(b[i+1:j]), 10, 64)
		if err != nil {
			return nil, 0, fmt.Errorf("%w: bad integer %q", ErrSyntax, b[i+1:j])
		}
		return n, j + 1, nil
	case c >= '0' && c <= '9':
		j := i
		for j < len(b) && b[j] >= '0' && b[j] <= '9' {
			j++
		}
		if j >= len(b) || b[j] != ':' || j-i > 9 {
			return nil, 0, fmt.Errorf("%w: bad string length", ErrSyntax)
		}
		n, _ := strconv.Atoi(string(b[i:j]))
		if n > len(b)-j-1 {
			return nil, 0, fmt.Errorf("%w: string longer than input", ErrSyntax)
		}
		return string(b[j+1 : j+1+n]), j + 1 + n, nil
	case c == 'l':
		out := []any{}
		i++
		for {
			if i >= len(b) {
				return nil, 0, fmt.Errorf("%w: unterminated list", ErrSyntax)
			}
			if b[i] == 'e' {
				return out, i + 1, nil
			}
			v, n, err := decode(b, i, depth+1)
			if err != nil {
				return nil, 0, err
			}
			out = append(out, v)
			i = n
		}
	case c == 'd':
		out := map[string]any{}
		i++
		for {
			if i >= len(b) {
				return nil, 0, fmt.Errorf("%w: unterminated dictionary", ErrSyntax)
			}
			if b[i] == 'e' {
				return out, i + 1, nil
			}
			k, n, err := decode(b, i, depth+1)
			if err != nil {
				return nil, 0, err
			}
			key, ok := k.(string)
			if !ok {
				return nil, 0, fmt.Errorf("%w: dictionary key is not a string", ErrSyntax)
			}
			v, n2, err := decode(b, n, depth+1)
			if err != nil {
				return nil, 0, err
			}
			out[key] = v
			i = n2
		}
	}
	return nil, 0, fmt.Errorf("%w: unexpected byte %q", ErrSyntax, b[i])
}

// Str returns d[key] when it is a string.
func Str(d map[string]any, key string) (string, bool) {
	s, ok := d[key].(string)
	return s, ok
}

// Int returns d[key] when it is an integer, else def.
func Int(d map[string]any, key string, def int64) int64 {
	if n, ok := d[key].(int64); ok {
		return n
	}
	return def
}

// Dict returns d[key] when it is a dictionary.
func Dict(d map[string]any, key string) map[string]any {
	m, _ := d[key].(map[string]any)
	return m
}
