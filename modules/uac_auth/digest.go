package uacauth

import (
	"crypto/md5"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"hash/fnv"
	"strconv"
	"strings"

	"gosips/api"
	"gosips/internal/digest"
	"gosips/pv"
	"gosips/sip"
)

// Challenge is one parsed Digest challenge of a WWW-Authenticate or
// Proxy-Authenticate header.
type Challenge struct {
	Realm, Nonce, Opaque string
	// Alg is the algorithm (MD5 when the challenge names none).
	Alg digest.Algorithm
	// QopAuth and QopAuthInt tell which qop values were offered.
	QopAuth, QopAuthInt bool
	Stale               bool
}

// ErrNoChallenge is returned when a reply has no usable challenge.
var ErrNoChallenge = errors.New("no compatible digest challenge")

// ParseChallenge parses a challenge header value ("Digest realm=...").
func ParseChallenge(v string) (Challenge, error) {
	var ch Challenge
	v = strings.TrimSpace(v)
	if len(v) < 7 || !strings.EqualFold(v[:6], "Digest") || (v[6] != ' ' && v[6] != '\t') {
		return ch, fmt.Errorf("not a Digest challenge")
	}
	rest := v[7:]
	algSeen := false
	for {
		rest = strings.TrimLeft(rest, " \t\r\n,")
		if rest == "" {
			break
		}
		eq := strings.IndexByte(rest, '=')
		if eq <= 0 {
			return ch, fmt.Errorf("bad challenge parameter %q", rest)
		}
		name := strings.ToLower(strings.TrimSpace(rest[:eq]))
		rest = strings.TrimLeft(rest[eq+1:], " \t")
		var val string
		if strings.HasPrefix(rest, `"`) {
			end := 1
			for end < len(rest) && rest[end] != '"' {
				if rest[end] == '\\' {
					end++
				}
				end++
			}
			if end >= len(rest) {
				return ch, fmt.Errorf("unterminated quoted value of %s", name)
			}
			val, rest = sip.Unquote(rest[:end+1]), rest[end+1:]
		} else {
			end := strings.IndexByte(rest, ',')
			if end < 0 {
				end = len(rest)
			}
			val, rest = strings.TrimSpace(rest[:end]), rest[end:]
		}
		switch name {
		case "realm":
			ch.Realm = val
		case "nonce":
			ch.Nonce = val
		case "opaque":
			ch.Opaque = val
		case "stale":
			ch.Stale = strings.EqualFold(val, "true")
		case "algorithm":
			algs, err := digest.ParseAlgorithms(val)
			if err != nil || len(algs.List()) != 1 {
				return ch, fmt.Errorf("unsupported algorithm %q", val)
			}
			ch.Alg, algSeen = algs.List()[0], true
		case "qop":
			for _, q := range strings.Split(val, ",") {
				switch strings.ToLower(strings.TrimSpace(q)) {
				case "auth":
					ch.QopAuth = true
				case "auth-int":
					ch.QopAuthInt = true
				}
			}
		}
	}
	if !algSeen {
		ch.Alg = digest.MD5
	}
	if ch.Nonce == "" {
		return ch, fmt.Errorf("challenge without nonce")
	}
	return ch, nil
}

// PickChallenge finds in a 401 (WWW-Authenticate) or 407
// (Proxy-Authenticate) reply the first challenge whose algorithm is in
// algs (0 = any supported algorithm).
func PickChallenge(reply *sip.Msg, algs digest.Algorithms) (Challenge, error) {
	name := "WWW-Authenticate"
	if reply.StatusCode() == 407 {
		name = "Proxy-Authenticate"
	} else if reply.StatusCode() != 401 {
		return Challenge{}, fmt.Errorf("reply %d is not a challenge", reply.StatusCode())
	}
	for _, v := range reply.Headers(name) {
		ch, err := ParseChallenge(v)
		if err != nil {
			continue
		}
		if algs == 0 || algs.Has(ch.Alg) {
			return ch, nil
		}
	}
	return Challenge{}, ErrNoChallenge
}

// HeaderName is the credentials header answering a challenge reply code.
func HeaderName(code int) string {
	if code == 407 {
		return "Proxy-Authorization"
	}
	return "Authorization"
}

// Credential returns the credential for a realm: from the AVPs when
// auth_*_avp are set and match, else from the credential params.
func (m *Module) Credential(c *api.Ctx, realm string) (Credential, bool) {
	if m.RealmAVP != "" && c != nil {
		if h, ok := c.Priv.(pv.AVPHolder); ok {
			st := h.AVPs()
			get := func(spec string) string {
				name := strings.TrimSuffix(strings.TrimPrefix(strings.TrimSpace(spec), "$avp("), ")")
				v := st.Get(name, 0)
				if !v.IsStr() {
					return ""
				}
				return v.S
			}
			if r := get(m.RealmAVP); r != "" && r == realm {
				u, p := get(m.UsernameAVP), get(m.PasswordAVP)
				if u != "" && p != "" {
					return Credential{User: u, Realm: r, Password: p}, true
				}
			}
		}
	}
	return m.Lookup(realm, "")
}

func hasher(a digest.Algorithm) func() hash.Hash {
	switch a {
	case digest.SHA256, digest.SHA256Sess:
		return sha256.New
	case digest.SHA512_256, digest.SHA512_256Sess:
		return sha512.New512_256
	}
	return md5.New
}

func hexHash(newH func() hash.Hash, parts ...string) string {
	h := newH()
	for i, p := range parts {
		if i > 0 {
			h.Write([]byte{':'})
		}
		h.Write([]byte(p))
	}
	return hex.EncodeToString(h.Sum(nil))
}

func isSess(a digest.Algorithm) bool {
	return a == digest.MD5Sess || a == digest.SHA256Sess || a == digest.SHA512_256Sess
}

// Authorization computes the credentials header value answering ch for a
// request (method, R-URI uri, body for auth-int): "Digest username=...".
// With qop, nc is 00000001 and the cnonce is derived from the nonce.
func Authorization(ch Challenge, cr Credential, method, uri, body string) string {
	newH := hasher(ch.Alg)
	hexLen := newH().Size() * 2
	var ha1 string
	if pw, ok := strings.CutPrefix(cr.Password, "0x"); ok && cr.HA1 && len(pw) == hexLen {
		ha1 = pw
	} else {
		ha1 = hexHash(newH, cr.User, cr.Realm, cr.Password)
	}
	qop, nc, cnonce := "", "", ""
	if ch.QopAuth || ch.QopAuthInt {
		qop, nc = "auth", "00000001"
		if !ch.QopAuth {
			qop = "auth-int"
		}
		f := fnv.New32a()
		f.Write([]byte(ch.Nonce))
		cnonce = strconv.FormatUint(uint64(f.Sum32()), 10)
	}
	if isSess(ch.Alg) {
		ha1 = hexHash(newH, ha1, ch.Nonce, cnonce)
	}
	ha2 := hexHash(newH, method, uri)
	if qop == "auth-int" {
		ha2 = hexHash(newH, method, uri, hexHash(newH, body))
	}
	var resp string
	if qop != "" {
		resp = hexHash(newH, ha1, ch.Nonce, nc, cnonce, qop, ha2)
	} else {
		resp = hexHash(newH, ha1, ch.Nonce, ha2)
	}
	var b strings.Builder
	b.WriteString(`Digest username="` + cr.User + `", realm="` + cr.Realm + `", nonce="` + ch.Nonce +
		`", uri="` + uri)
	if ch.Opaque != "" {
		b.WriteString(`", opaque="` + ch.Opaque)
	}
	if qop != "" {
		b.WriteString(`", qop=` + qop + `, nc=` + nc + `, cnonce="` + cnonce)
	}
	b.WriteString(`", response="` + resp + `", algorithm=` + ch.Alg.String())
	return b.String()
}
