package sip

import (
	"errors"
	"strconv"
	"strings"
)

// URI is a parsed SIP, SIPS or TEL URI (RFC 3261 §19.1, RFC 3966). Its
// strings are substrings of the parsed text, so parsing does not allocate.
// For tel URIs the number is in User and Host is empty.
type URI struct {
	Scheme      string // as written ("sip", "SIP", "sips", "tel")
	User        string // still escaped
	Password    string
	HasPassword bool
	Host        string // IPv6 references keep their brackets, as in OpenSIPS $rd
	Port        int    // 0 when absent
	PortStr     string // port as written
	Params      string // without the leading ';'
	Headers     string // without the leading '?'
}

var (
	errURIScheme = errors.New("unsupported uri scheme")
	errURIHost   = errors.New("malformed uri host")
	errURIPort   = errors.New("malformed uri port")
	errURIEmpty  = errors.New("empty uri")
)

// ParseURI parses s. Surrounding <> are accepted and ignored.
func ParseURI(s string) (URI, error) {
	var u URI
	if len(s) >= 2 && s[0] == '<' && s[len(s)-1] == '>' {
		s = s[1 : len(s)-1]
	}
	if s == "" {
		return u, errURIEmpty
	}
	colon := indexByte(s, ':')
	if colon <= 0 {
		return u, errURIScheme
	}
	u.Scheme = s[:colon]
	rest := s[colon+1:]
	switch {
	case eqFoldASCII(u.Scheme, "sip"), eqFoldASCII(u.Scheme, "sips"):
	case eqFoldASCII(u.Scheme, "tel"):
		return parseTel(u, rest)
	default:
		return u, errURIScheme
	}
	// userinfo "@" — the user part may itself contain ';' or '?', so
	// look for '@' first.
	if at := strings.IndexByte(rest, '@'); at >= 0 {
		ui := rest[:at]
		if c := indexByte(ui, ':'); c >= 0 {
			u.User, u.Password, u.HasPassword = ui[:c], ui[c+1:], true
		} else {
			u.User = ui
		}
		rest = rest[at+1:]
	}
	i := 0
	if i < len(rest) && rest[i] == '[' {
		j := indexByte(rest, ']')
		if j < 0 {
			return u, errURIHost
		}
		i = j + 1
	} else {
		for i < len(rest) && rest[i] != ':' && rest[i] != ';' && rest[i] != '?' {
			i++
		}
	}
	u.Host = rest[:i]
	if u.Host == "" || !validHost(u.Host) {
		return u, errURIHost
	}
	rest = rest[i:]
	if len(rest) > 0 && rest[0] == ':' {
		j := 1
		for j < len(rest) && rest[j] >= '0' && rest[j] <= '9' {
			j++
		}
		u.PortStr = rest[1:j]
		p, ok := atoiSpan(u.PortStr)
		if !ok || p > 65535 {
			return u, errURIPort
		}
		u.Port = p
		rest = rest[j:]
	}
	return u, u.tail(rest)
}

// tail parses ";params?headers".
func (u *URI) tail(rest string) error {
	if len(rest) > 0 && rest[0] == ';' {
		q := indexByte(rest, '?')
		if q < 0 {
			q = len(rest)
		}
		u.Params = rest[1:q]
		rest = rest[q:]
	}
	if len(rest) > 0 && rest[0] == '?' {
		u.Headers = rest[1:]
		rest = ""
	}
	if rest != "" {
		return errURIHost
	}
	return nil
}

func parseTel(u URI, rest string) (URI, error) {
	i := 0
	for i < len(rest) && rest[i] != ';' && rest[i] != '?' {
		i++
	}
	u.User = rest[:i]
	if u.User == "" {
		return u, errURIEmpty
	}
	return u, u.tail(rest[i:])
}

func validHost(h string) bool {
	if h[0] == '[' {
		return len(h) > 2 && h[len(h)-1] == ']'
	}
	for i := 0; i < len(h); i++ {
		c := h[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}

// IsTel reports whether the URI is a tel URI.
func (u *URI) IsTel() bool { return eqFoldASCII(u.Scheme, "tel") }

// IsSecure reports whether the scheme is sips.
func (u *URI) IsSecure() bool { return eqFoldASCII(u.Scheme, "sips") }

// Param returns a URI parameter (transport, lr, maddr, user...).
func (u *URI) Param(name string) (string, bool) { return Param(u.Params, name) }

// Transport returns the transport parameter in lower case ("" if absent).
func (u *URI) Transport() string {
	t, _ := u.Param("transport")
	for i := 0; i < len(t); i++ {
		if t[i] >= 'A' && t[i] <= 'Z' {
			return strings.ToLower(t)
		}
	}
	return t
}

// HostNoBrackets returns Host without IPv6 brackets.
func (u *URI) HostNoBrackets() string {
	if len(u.Host) > 1 && u.Host[0] == '[' {
		return u.Host[1 : len(u.Host)-1]
	}
	return u.Host
}

// HostPort returns host[:port] as written.
func (u *URI) HostPort() string {
	if u.PortStr == "" {
		return u.Host
	}
	return u.Host + ":" + u.PortStr
}

// String formats the URI.
func (u *URI) String() string {
	return string(u.Append(make([]byte, 0, u.len())))
}

func (u *URI) len() int {
	return len(u.Scheme) + len(u.User) + len(u.Password) + len(u.Host) + len(u.PortStr) +
		len(u.Params) + len(u.Headers) + 10
}

// Append appends the formatted URI to b.
func (u *URI) Append(b []byte) []byte {
	b = append(b, u.Scheme...)
	b = append(b, ':')
	if u.IsTel() {
		b = append(b, u.User...)
	} else {
		if u.User != "" || u.HasPassword {
			b = append(b, u.User...)
			if u.HasPassword {
				b = append(b, ':')
				b = append(b, u.Password...)
			}
			b = append(b, '@')
		}
		if u.Host != "" && u.Host[0] != '[' && strings.IndexByte(u.Host, ':') >= 0 {
			b = append(b, '[')
			b = append(b, u.Host...)
			b = append(b, ']')
		} else {
			b = append(b, u.Host...)
		}
		switch {
		case u.PortStr != "":
			b = append(b, ':')
			b = append(b, u.PortStr...)
		case u.Port != 0:
			b = append(b, ':')
			b = strconv.AppendInt(b, int64(u.Port), 10)
		}
	}
	if u.Params != "" {
		b = append(b, ';')
		b = append(b, u.Params...)
	}
	if u.Headers != "" {
		b = append(b, '?')
		b = append(b, u.Headers...)
	}
	return b
}

// SetPort sets Port and PortStr together (0 removes the port).
func (u *URI) SetPort(p int) {
	u.Port = p
	u.PortStr = ""
	if p != 0 {
		u.PortStr = strconv.Itoa(p)
	}
}
