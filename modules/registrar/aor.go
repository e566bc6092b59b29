package registrar

import (
	"strings"

	"gosips/sip"
)

// extractAOR builds the AOR of a URI as OpenSIPS extract_aor: the
// unescaped user, plus "@host" with use_domain (realm_prefix stripped),
// the host (or everything, without case_sensitive) in lower case.
func (m *Module) extractAOR(uri string) (string, rerr) {
	u, err := sip.ParseURI(uri)
	if err != nil {
		return "", rAORParse
	}
	if len(u.User)+len(u.Host)+1 > m.MaxAORLen || len(u.User) > m.MaxUsernameLen || len(u.Host) > m.MaxDomainLen {
		return "", rAORLen
	}
	user, ok := unescape(u.User)
	if !ok {
		return "", rUnescape
	}
	var b strings.Builder
	b.Grow(len(user) + 1 + len(u.Host))
	if m.CaseSensitive != 0 {
		b.WriteString(user)
	} else {
		b.WriteString(strings.ToLower(user))
	}
	if m.useDomain() {
		if user != "" {
			b.WriteByte('@')
		}
		host := u.Host
		if p := m.RealmPrefix; p != "" && len(p) < len(host) && strings.HasPrefix(host, p) {
			host = host[len(p):]
		}
		b.WriteString(strings.ToLower(host))
	}
	return b.String(), rFine
}

func (m *Module) useDomain() bool { return m.ul != nil && m.ul.UseDomain != 0 }

// unescape decodes %XX escapes (RFC 3261 §10.3 canonical form).
func unescape(s string) (string, bool) {
	if strings.IndexByte(s, '%') < 0 {
		return s, true
	}
	b := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		if s[i] != '%' {
			b = append(b, s[i])
			continue
		}
		if i+2 >= len(s) {
			return "", false
		}
		hi, ok1 := unhex(s[i+1])
		lo, ok2 := unhex(s[i+2])
		if !ok1 || !ok2 {
			return "", false
		}
		b = append(b, hi<<4|lo)
		i += 2
	}
	return string(b), true
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
