// Package digest holds the HTTP digest (RFC 2617, RFC 8760) pieces shared by
// the modules that check credentials (auth) and that answer challenges
// (uac_auth, uac, dispatcher's hashing): algorithms, qop, the
// Authorization/Proxy-Authorization parser and the hashes.
package digest

import (
	"fmt"
	"strings"

	"gosips/api"
	"gosips/lang/diag"
)

// Qop is the fixed form of the challenge functions' qop argument.
type Qop uint8

// Qop values; the two-value forms keep the order written.
const (
	QopNone Qop = iota
	QopAuth
	QopAuthInt
	QopAuthAuthInt // "auth,auth-int"
	QopAuthIntAuth // "auth-int,auth"
)

func (q Qop) String() string {
	return [...]string{"", "auth", "auth-int", "auth,auth-int", "auth-int,auth"}[q]
}

// ParseQop parses "auth", "auth-int" or both, comma-separated.
func ParseQop(s string) (Qop, error) {
	q := QopNone
	for _, tok := range strings.Split(s, ",") {
		switch tok = strings.TrimSpace(tok); tok {
		case "auth":
			if q == QopAuthInt {
				q = QopAuthIntAuth
			} else {
				q = QopAuth
			}
		case "auth-int":
			if q == QopAuth {
				q = QopAuthAuthInt
			} else {
				q = QopAuthInt
			}
		case "":
		default:
			msg := fmt.Sprintf("bad qop %q (\"auth\", \"auth-int\" or \"auth,auth-int\")", tok)
			if h := diag.DidYouMean(tok, []string{"auth", "auth-int"}); h != "" {
				msg += " (" + h + ")"
			}
			return QopNone, fmt.Errorf("%s", msg)
		}
	}
	return q, nil
}

// Algorithm is a digest algorithm.
type Algorithm uint8

// Digest algorithms (RFC 8760 names).
const (
	MD5 Algorithm = iota + 1
	MD5Sess
	SHA256
	SHA256Sess
	SHA512_256
	SHA512_256Sess
)

var algNames = [...]string{MD5: "MD5", MD5Sess: "MD5-sess", SHA256: "SHA-256",
	SHA256Sess: "SHA-256-sess", SHA512_256: "SHA-512-256", SHA512_256Sess: "SHA-512-256-sess"}

func (a Algorithm) String() string { return algNames[a] }

// Algorithms is a set of digest algorithms (bit 1<<Algorithm).
type Algorithms uint16

// Has reports whether a is in the set.
func (s Algorithms) Has(a Algorithm) bool { return s&(1<<a) != 0 }

// List returns the members in canonical order.
func (s Algorithms) List() []Algorithm {
	var out []Algorithm
	for a := MD5; a <= SHA512_256Sess; a++ {
		if s.Has(a) {
			out = append(out, a)
		}
	}
	return out
}

// ParseAlgorithms parses a comma-separated algorithm list such as
// "MD5,SHA-256" (names are case-insensitive). The AKA variants are
// rejected: gosips has no auth_aka.
func ParseAlgorithms(s string) (Algorithms, error) {
	var set Algorithms
	names := algNames[1:]
	for _, tok := range strings.Split(s, ",") {
		tok = strings.TrimSpace(tok)
		found := false
		for a := MD5; a <= SHA512_256Sess; a++ {
			if strings.EqualFold(tok, algNames[a]) {
				set |= 1 << a
				found = true
				break
			}
		}
		if found {
			continue
		}
		if strings.HasPrefix(strings.ToUpper(tok), "AKAV") {
			return 0, fmt.Errorf("algorithm %q needs auth_aka, which gosips does not have", tok)
		}
		msg := fmt.Sprintf("unsupported algorithm %q", tok)
		if h := diag.DidYouMean(tok, names); h != "" {
			return 0, fmt.Errorf("%s (%s)", msg, h)
		}
		return 0, fmt.Errorf("%s (one of: %s)", msg, strings.Join(names, ", "))
	}
	return set, nil
}

// AlgorithmsFixup parses a literal algorithm list argument into
// Algorithms.
func AlgorithmsFixup(_ *api.FixupCtx, a *api.FixArg) error {
	set, err := ParseAlgorithms(a.Str)
	if err != nil {
		return err
	}
	a.Fixed = set
	return nil
}
