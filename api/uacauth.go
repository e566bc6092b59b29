package api

import "gosips/sip"

// UACAuthenticator is implemented by uac_auth: it answers a digest
// challenge with the credentials of the module's credential list, for
// modules that authenticate the requests they send (b2b_entities).
type UACAuthenticator interface {
	// AuthorizeChallenge returns the Authorization (401) or
	// Proxy-Authorization (407) header line, CRLF-terminated, answering
	// the challenge of reply for a request with that method, Request-URI
	// and body; ok is false when the reply has no usable challenge or no
	// credential has its realm.
	AuthorizeChallenge(reply *sip.Msg, method, uri, body string) (line string, ok bool)
}
