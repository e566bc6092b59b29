package pv

import (
	"errors"
	"strings"
)

// URI is a parsed SIP/SIPS/TEL URI. Every field is a slice of the input,
// so parsing does not allocate.
type URI struct {
	Scheme  string // "sip", "sips", "tel", "tels" as written
	User    string
	Passwd  string
	Host    string // IPv6 references keep their brackets
	Port    string
	PortNo  int
	Params  string // after the first ";" of the host part, without it
	Headers string // after "?"
	HasUser bool
	HasPort bool
	IsTel   bool
}

var errBadURI = errors.New("invalid SIP URI")

// ParseURI parses "sip:user:pass@host:port;params?headers" and the sips,
// tel and tels forms. A tel URI keeps its number in User and has no host.
func ParseURI(s string) (URI, error) {
	var u URI
	colon := strings.IndexByte(s, ':')
	if colon <= 0 {
		return u, errBadURI
	}
	u.Scheme = s[:colon]
	switch {
	case strings.EqualFold(u.Scheme, "sip"), strings.EqualFold(u.Scheme, "sips"):
	case strings.EqualFold(u.Scheme, "tel"), strings.EqualFold(u.Scheme, "tels"):
		u.IsTel = true
	default:
		return u, errBadURI
	}
	rest := s[colon+1:]
	if q := strings.IndexByte(rest, '?'); q >= 0 {
		u.Headers = rest[q+1:]
		rest = rest[:q]
	}
	if u.IsTel {
		u.HasUser = true
		if sc := strings.IndexByte(rest, ';'); sc >= 0 {
			u.User, u.Params = rest[:sc], rest[sc+1:]
		} else {
			u.User = rest
		}
		if u.User == "" {
			return u, errBadURI
		}
		return u, nil
	}
	if at := strings.IndexByte(rest, '@'); at >= 0 {
		u.HasUser = true
		user := rest[:at]
		if c := strings.IndexByte(user, ':'); c >= 0 {
			u.User, u.Passwd = user[:c], user[c+1:]
		} else {
			u.User = user
		}
		rest = rest[at+1:]
	}
	hostport := rest
	if sc := strings.IndexByte(rest, ';'); sc >= 0 {
		hostport, u.Params = rest[:sc], rest[sc+1:]
	}
	if hostport == "" {
		return u, errBadURI
	}
	if hostport[0] == '[' {
		end := strings.IndexByte(hostport, ']')
		if end < 0 {
			return u, errBadURI
		}
		u.Host = hostport[:end+1]
		hostport = hostport[end+1:]
		if hostport != "" && hostport[0] != ':' {
			return u, errBadURI
		}
	} else if c := strings.IndexByte(hostport, ':'); c >= 0 {
		u.Host = hostport[:c]
		hostport = hostport[c:]
	} else {
		u.Host, hostport = hostport, ""
	}
	if u.Host == "" || strings.ContainsAny(u.Host, " \t<>\"") {
		return u, errBadURI
	}
	if hostport != "" {
		port := hostport[1:]
		if port == "" || len(port) > 5 {
			return u, errBadURI
		}
		n := 0
		for i := 0; i < len(port); i++ {
			if port[i] < '0' || port[i] > '9' {
				return u, errBadURI
			}
			n = n*10 + int(port[i]-'0')
		}
		if n > 65535 {
			return u, errBadURI
		}
		u.Port, u.PortNo, u.HasPort = port, n, true
	}
	return u, nil
}

// Param returns the value of a URI parameter (names are case-insensitive)
// and whether it is present; a flag parameter (";lr") has an empty value.
func (u *URI) Param(name string) (string, bool) {
	return paramLookup(u.Params, name)
}

// paramLookup finds name in a ";"-separated "a=1;b;c=3" list.
func paramLookup(list, name string) (string, bool) {
	for list != "" {
		var item string
		if sc := strings.IndexByte(list, ';'); sc >= 0 {
			item, list = list[:sc], list[sc+1:]
		} else {
			item, list = list, ""
		}
		n, v := splitParam(item)
		if strings.EqualFold(n, name) {
			return v, true
		}
	}
	return "", false
}

// splitParam splits "name=value" (blanks around both trimmed).
func splitParam(item string) (string, string) {
	if eq := strings.IndexByte(item, '='); eq >= 0 {
		return strings.TrimSpace(item[:eq]), strings.TrimSpace(item[eq+1:])
	}
	return strings.TrimSpace(item), ""
}
