package pv

import (
	"strings"
	"unsafe"

	"gosips/api"
	"gosips/sip"
)

// digest holds the fields of a Digest credentials or challenge header
// (RFC 2617 / RFC 3261 §22.4). Every field is a substring of the header,
// without quotes.
type digest struct {
	username, user, domain string
	realm, nonce, uri      string
	response, cnonce       string
	opaque, alg, qop, nc   string
	ik, ck                 string
}

// parseDigest parses `Digest k=v, k="v", ...`; ok is false for another
// scheme or a malformed header.
func parseDigest(h string) (d digest, ok bool) {
	h = strings.TrimLeft(h, " \t")
	if len(h) < 6 || !strings.EqualFold(h[:6], "digest") {
		return d, false
	}
	rest := h[6:]
	if rest != "" && rest[0] != ' ' && rest[0] != '\t' {
		return d, false
	}
	for {
		rest = strings.TrimLeft(rest, " \t\r\n,")
		if rest == "" {
			break
		}
		eq := strings.IndexByte(rest, '=')
		if eq <= 0 {
			return d, false
		}
		name := strings.TrimSpace(rest[:eq])
		rest = strings.TrimLeft(rest[eq+1:], " \t")
		var val string
		if rest != "" && rest[0] == '"' {
			end := 1
			for end < len(rest) && rest[end] != '"' {
				if rest[end] == '\\' {
					end++
				}
				end++
			}
			if end >= len(rest) {
				return d, false
			}
			val, rest = rest[1:end], rest[end+1:]
		} else {
			end := strings.IndexByte(rest, ',')
			if end < 0 {
				end = len(rest)
			}
			val, rest = strings.TrimSpace(rest[:end]), rest[end:]
		}
		d.set(name, val)
	}
	d.user, d.domain = d.username, ""
	if at := strings.IndexByte(d.username, '@'); at >= 0 {
		d.user, d.domain = d.username[:at], d.username[at+1:]
	}
	return d, true
}

func (d *digest) set(name, val string) {
	switch strings.ToLower(name) {
	case "username":
		d.username = val
	case "realm":
		d.realm = val
	case "nonce":
		d.nonce = val
	case "uri":
		d.uri = val
	case "response":
		d.response = val
	case "cnonce":
		d.cnonce = val
	case "opaque":
		d.opaque = val
	case "algorithm":
		d.alg = val
	case "qop":
		d.qop = val
	case "nc":
		d.nc = val
	case "ik":
		d.ik = val
	case "ck":
		d.ck = val
	}
}

// sameString reports whether a and b are the same bytes in memory (the
// same header of the same message text).
func sameString(a, b string) bool {
	return len(a) == len(b) && unsafe.StringData(a) == unsafe.StringData(b)
}

// credentials parses the request's Proxy-Authorization header, else its
// Authorization header (ACK and CANCEL carry none), caching the result.
func credentials(c *api.Ctx) (*digest, bool) {
	m := reqOf(c)
	if m == nil {
		return nil, false
	}
	if id := m.MethodID(); id == sip.MethodAck || id == sip.MethodCancel {
		return nil, false
	}
	h, ok := m.HeaderOf(sip.HdrProxyAuthorization, "")
	if !ok {
		if h, ok = m.HeaderOf(sip.HdrAuthorization, ""); !ok {
			return nil, false
		}
	}
	return cachedDigest(c, h)
}

// challenge parses a reply's WWW-Authenticate, else Proxy-Authenticate.
func challenge(c *api.Ctx) (*digest, bool) {
	m := msgOf(c)
	if m == nil || m.IsRequest() {
		return nil, false
	}
	h, ok := m.HeaderOf(sip.HdrWWWAuthenticate, "")
	if !ok {
		if h, ok = m.HeaderOf(sip.HdrProxyAuthenticate, ""); !ok {
			return nil, false
		}
	}
	return cachedDigest(c, h)
}

func cachedDigest(c *api.Ctx, h string) (*digest, bool) {
	mc := cacheOf(c)
	if mc != nil && mc.authOK && sameString(mc.authHdr, h) {
		return &mc.auth, true
	}
	d, ok := parseDigest(h)
	if !ok {
		return nil, false
	}
	if mc != nil {
		mc.authHdr, mc.auth, mc.authOK = h, d, true
		return &mc.auth, true
	}
	return &d, true
}

// digestGetter reads one field of the credentials (or the challenge);
// an empty field is NULL.
func digestGetter(chal bool, field func(*digest) string) func(*api.Ctx, *Spec) (api.Value, error) {
	return func(c *api.Ctx, _ *Spec) (api.Value, error) {
		var d *digest
		var ok bool
		if chal {
			d, ok = challenge(c)
		} else {
			d, ok = credentials(c)
		}
		if !ok {
			return api.Null, nil
		}
		return strOrNull(field(d)), nil
	}
}

// getAccUser is $Au: user@realm from the credentials, else user@host of
// the From URI.
func getAccUser(c *api.Ctx, _ *Spec) (api.Value, error) {
	if d, ok := credentials(c); ok && d.user != "" {
		if d.realm == "" {
			return api.StrValue(d.user), nil
		}
		return api.StrValue(d.user + "@" + d.realm), nil
	}
	m := msgOf(c)
	if m == nil {
		return api.Null, nil
	}
	f, err := m.From()
	if err != nil {
		return api.Null, nil
	}
	u, err := sip.ParseURI(f.URI)
	if err != nil {
		return api.Null, nil
	}
	return api.StrValue(u.User + "@" + u.Host), nil
}
