package uacauth

import (
	"gosips/api"
	"gosips/sip"
)

// AuthorizeChallenge implements api.UACAuthenticator with the credential
// list (as OpenSIPS' uac_auth API lookup_realm: the AVPs are not used).
func (m *Module) AuthorizeChallenge(reply *sip.Msg, method, uri, body string) (string, bool) {
	ch, err := PickChallenge(reply, 0)
	if err != nil {
		return "", false
	}
	cr, ok := m.Lookup(ch.Realm, "")
	if !ok {
		return "", false
	}
	return HeaderName(reply.StatusCode()) + ": " + Authorization(ch, cr, method, uri, body) + "\r\n", true
}

var _ api.UACAuthenticator = (*Module)(nil)
