package digest

import (
	"crypto/md5"
	"crypto/sha256"
	"crypto/sha512"
	"crypto/subtle"
	"encoding/hex"
	"errors"
	"hash"
	"strings"
)

// Credentials are the parsed Digest credentials of an Authorization or
// Proxy-Authorization header (RFC 2617 / RFC 8760).
type Credentials struct {
	Username string // as sent ("alice" or "alice@example.com")
	User     string // part before '@'
	Domain   string // part after '@' ("" when none)
	Realm    string
	Nonce    string
	URI      string
	Response string
	Opaque   string
	CNonce   string
	NC       string
	QopStr   string // qop as sent
	Qop      Qop    // QopNone, QopAuth or QopAuthInt (or QopOther)
	AlgStr   string
	// Alg is the algorithm; 0 when none was given (MD5), AlgOther when
	// unknown.
	Alg Algorithm
}

// AlgOther marks an algorithm gosips does not support.
const AlgOther Algorithm = 15

// QopOther marks an unknown qop value.
const QopOther Qop = 15

var ErrNotDigest = errors.New("not Digest credentials")

// ParseCredentials parses a credentials header value. It returns
// ErrNotDigest for another scheme.
func ParseCredentials(v string) (*Credentials, error) {
	v = strings.TrimSpace(v)
	if len(v) < 7 || !strings.EqualFold(v[:6], "Digest") || (v[6] != ' ' && v[6] != '\t') {
		return nil, ErrNotDigest
	}
	cr := &Credentials{}
	rest := v[7:]
	for {
		rest = strings.TrimLeft(rest, " \t\r\n,")
		if rest == "" {
			break
		}
		eq := strings.IndexByte(rest, '=')
		if eq <= 0 {
			return nil, errors.New("bad digest parameter")
		}
		name := strings.TrimSpace(rest[:eq])
		rest = strings.TrimLeft(rest[eq+1:], " \t")
		var val string
		if strings.HasPrefix(rest, "\"") {
			end := 1
			for end < len(rest) && rest[end] != '"' {
				if rest[end] == '\\' {
					end++
				}
				end++
			}
			if end >= len(rest) {
				return nil, errors.New("unterminated quoted digest parameter")
			}
			val = rest[1:end]
			rest = rest[end+1:]
		} else {
			end := strings.IndexByte(rest, ',')
			if end < 0 {
				end = len(rest)
			}
			val = strings.TrimSpace(rest[:end])
			rest = rest[end:]
		}
		cr.set(name, val)
	}
	return cr, nil
}

func (cr *Credentials) set(name, val string) {
	switch strings.ToLower(name) {
	case "username":
		cr.Username = val
		cr.User, cr.Domain = val, ""
		if i := strings.IndexByte(val, '@'); i >= 0 {
			cr.User, cr.Domain = val[:i], val[i+1:]
		}
	case "realm":
		cr.Realm = val
	case "nonce":
		cr.Nonce = val
	case "uri":
		cr.URI = val
	case "response":
		cr.Response = val
	case "opaque":
		cr.Opaque = val
	case "cnonce":
		cr.CNonce = val
	case "nc":
		cr.NC = val
	case "qop":
		cr.QopStr = val
		switch strings.ToLower(val) {
		case "auth":
			cr.Qop = QopAuth
		case "auth-int":
			cr.Qop = QopAuthInt
		default:
			cr.Qop = QopOther
		}
	case "algorithm":
		cr.AlgStr = val
		cr.Alg = AlgOther
		for a := MD5; a <= SHA512_256Sess; a++ {
			if strings.EqualFold(val, algNames[a]) {
				cr.Alg = a
			}
		}
	}
}

// complete reports whether the mandatory fields are there (check_dig_cred).
func (cr *Credentials) Complete() bool {
	if cr.Username == "" || cr.Realm == "" || cr.Nonce == "" || cr.URI == "" || cr.Response == "" {
		return false
	}
	if cr.QopStr != "" && (cr.CNonce == "" || cr.NC == "") {
		return false
	}
	return true
}

// algorithm is the effective algorithm (MD5 when unspecified).
func (cr *Credentials) Algorithm() Algorithm {
	if cr.Alg == 0 {
		return MD5
	}
	return cr.Alg
}

// hasher returns the hash of an algorithm and its hex length.
func hasher(a Algorithm) (func() hash.Hash, int) {
	switch a {
	case 0, MD5, MD5Sess:
		return md5.New, 32
	case SHA256, SHA256Sess:
		return sha256.New, 64
	case SHA512_256, SHA512_256Sess:
		return sha512.New512_256, 64
	}
	return nil, 0
}

func isSess(a Algorithm) bool { return a == MD5Sess || a == SHA256Sess || a == SHA512_256Sess }

// hexHash hashes the parts joined by ':'.
func hexHash(newH func() hash.Hash, parts ...string) string {
	h := newH()
	for i, p := range parts {
		if i > 0 {
			h.Write([]byte{':'})
		}
		h.Write([]byte(p))
	}
	var sum [64]byte
	return hex.EncodeToString(h.Sum(sum[:0]))
}

// HA1 computes H(user:realm:password) for the algorithm (the -sess
// variants give the plain HA1; SessionHA1 adds nonce and cnonce).
func HA1(a Algorithm, user, realm, password string) string {
	newH, _ := hasher(a)
	if newH == nil {
		return ""
	}
	return hexHash(newH, user, realm, password)
}

// SessionHA1 turns a stored HA1 into the key the response uses: itself,
// or H(HA1:nonce:cnonce) for the -sess algorithms. ok is false when the
// stored hash does not have the algorithm's length.
func (cr *Credentials) SessionHA1(ha1 string) (string, bool) {
	a := cr.Algorithm()
	newH, n := hasher(a)
	if newH == nil || len(ha1) != n {
		return "", false
	}
	if isSess(a) {
		return hexHash(newH, ha1, cr.Nonce, cr.CNonce), true
	}
	return ha1, true
}

// Check verifies the response against the session key ha1 (from
// SessionHA1) for the request method and body (auth-int).
func (cr *Credentials) Check(method, body, ha1 string) bool {
	newH, n := hasher(cr.Algorithm())
	if newH == nil || len(cr.Response) != n {
		return false
	}
	var ha2 string
	if cr.Qop == QopAuthInt {
		ha2 = hexHash(newH, method, cr.URI, hexHash(newH, body))
	} else {
		ha2 = hexHash(newH, method, cr.URI)
	}
	var want string
	if cr.QopStr != "" {
		want = hexHash(newH, ha1, cr.Nonce, cr.NC, cr.CNonce, cr.QopStr, ha2)
	} else {
		want = hexHash(newH, ha1, cr.Nonce, ha2)
	}
	return subtle.ConstantTimeCompare([]byte(want), []byte(strings.ToLower(cr.Response))) == 1
}
