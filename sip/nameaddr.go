package sip

import "errors"

// NameAddr is a From/To/Contact/Route style value: an optional display
// name, a URI and header parameters. All strings are substrings of the
// parsed text. Start/End locate the element in Msg.Raw (0,0 when parsed from
// a free-standing string).
type NameAddr struct {
	Display string // as written, quotes included
	URI     string
	Params  string // raw header parameters after the URI, without the first ';'
	Tag     string
	// Angle reports whether the URI was enclosed in <>.
	Angle      bool
	Start, End int
}

// DisplayName returns the display name without quotes or escapes.
func (n *NameAddr) DisplayName() string { return Unquote(n.Display) }

// Param returns a header parameter of the value (tag, expires, q, lr...).
func (n *NameAddr) Param(name string) (string, bool) { return Param(n.Params, name) }

// ErrNameAddr reports a malformed From/To/Contact/Route value.
var ErrNameAddr = errors.New("malformed name-addr")

// ParseNameAddr parses name-addr / addr-spec with header parameters
// (RFC 3261 §20.10, §25.1).
func ParseNameAddr(s string) (NameAddr, error) {
	var n NameAddr
	a, b := trimSpan(s, 0, len(s))
	s = s[a:b]
	if s == "" {
		return n, ErrNameAddr
	}
	i := 0
	// Find '<' outside quotes, if any, before a ';' of an addr-spec.
	lt := -1
	for j := 0; j < len(s); j++ {
		c := s[j]
		if c == '"' {
			j = skipQuoted(s, j) - 1
			if j >= len(s)-1 && s[len(s)-1] != '"' {
				return n, ErrNameAddr
			}
			continue
		}
		if c == '<' {
			lt = j
			break
		}
		if c == ';' || c == ',' {
			break
		}
	}
	var rest string
	if lt >= 0 {
		d0, d1 := trimSpan(s, 0, lt)
		n.Display = s[d0:d1]
		gt := indexByte(s[lt:], '>')
		if gt < 0 {
			return n, ErrNameAddr
		}
		n.URI = s[lt+1 : lt+gt]
		n.Angle = true
		rest = s[lt+gt+1:]
	} else {
		if s[0] == '"' {
			return n, ErrNameAddr
		}
		for i < len(s) && s[i] != ';' {
			i++
		}
		u0, u1 := trimSpan(s, 0, i)
		n.URI = s[u0:u1]
		rest = s[i:]
	}
	r0, r1 := trimSpan(rest, 0, len(rest))
	rest = rest[r0:r1]
	if rest != "" {
		if rest[0] != ';' {
			return n, ErrNameAddr
		}
		n.Params = rest[1:]
		n.Tag, _ = Param(n.Params, "tag")
	}
	if n.URI == "" {
		return n, ErrNameAddr
	}
	return n, nil
}
