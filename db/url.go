package db

import (
	"fmt"
	"strings"
)

// URL is a parsed db_url. Drivers mostly use Rest; the user, password, host,
// port and database fields follow OpenSIPS' "scheme://user:pass@host:port/db"
// form and are empty when the URL has no authority part ("text:///dir").
type URL struct {
	Raw    string // as written in the config
	Scheme string // lower-case
	// Rest is everything after "scheme:" ("///tmp/x.db" for
	// "sqlite:///tmp/x.db").
	Rest     string
	User     string
	Password string
	Host     string
	Port     string
	Database string
}

// ParseURL splits a db_url. Only the scheme is required; drivers judge the
// rest.
func ParseURL(raw string) (*URL, error) {
	scheme, rest, ok := strings.Cut(raw, ":")
	if !ok || scheme == "" || !validScheme(scheme) {
		return nil, fmt.Errorf("db_url %q has no scheme (expected e.g. \"sqlite:///path/db.sqlite\" or \"text:///dir\")", MaskURL(raw))
	}
	u := &URL{Raw: raw, Scheme: strings.ToLower(scheme), Rest: rest}
	if s, ok := strings.CutPrefix(rest, "//"); ok && s != "" && s[0] != '/' {
		hostpart := s
		if at := strings.LastIndexByte(s, '@'); at >= 0 {
			userinfo := s[:at]
			hostpart = s[at+1:]
			u.User, u.Password, _ = strings.Cut(userinfo, ":")
		}
		hostport, dbname, _ := strings.Cut(hostpart, "/")
		u.Database = dbname
		u.Host = hostport
		if i := strings.LastIndexByte(hostport, ':'); i >= 0 && !strings.Contains(hostport[i:], "]") {
			u.Host, u.Port = hostport[:i], hostport[i+1:]
		}
	}
	return u, nil
}

func validScheme(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c != '_' && c != '+' && c != '-' && (c < '0' || c > '9') && (c < 'a' || c > 'z') && (c < 'A' || c > 'Z') {
			return false
		}
	}
	return true
}

// String returns the URL with its password masked.
func (u *URL) String() string { return MaskURL(u.Raw) }

// MaskURL replaces the password of a db_url by "***" so that the URL can be
// logged and shown in errors.
func MaskURL(raw string) string {
	i := strings.Index(raw, "://")
	if i < 0 {
		return raw
	}
	s := raw[i+3:]
	if s == "" || s[0] == '/' {
		return raw
	}
	at := strings.LastIndexByte(s, '@')
	if at < 0 {
		return raw
	}
	colon := strings.IndexByte(s[:at], ':')
	if colon < 0 {
		return raw
	}
	return raw[:i+3] + s[:colon+1] + "***" + s[at:]
}
