package auth

import "gosips/internal/digest"

// The digest pieces live in internal/digest, shared with uac_auth and
// uac; these names keep the auth API (used by auth_db) unchanged.
type (
	Qop         = digest.Qop
	Algorithm   = digest.Algorithm
	Algorithms  = digest.Algorithms
	Credentials = digest.Credentials
)

const (
	QopNone        = digest.QopNone
	QopAuth        = digest.QopAuth
	QopAuthInt     = digest.QopAuthInt
	QopAuthAuthInt = digest.QopAuthAuthInt
	QopAuthIntAuth = digest.QopAuthIntAuth

	MD5            = digest.MD5
	MD5Sess        = digest.MD5Sess
	SHA256         = digest.SHA256
	SHA256Sess     = digest.SHA256Sess
	SHA512_256     = digest.SHA512_256
	SHA512_256Sess = digest.SHA512_256Sess
)

// ParseCredentials parses a Digest Authorization header body.
func ParseCredentials(v string) (*Credentials, error) { return digest.ParseCredentials(v) }

// HA1 is the digest HA1 of a user's password.
func HA1(a Algorithm, user, realm, password string) string {
	return digest.HA1(a, user, realm, password)
}
