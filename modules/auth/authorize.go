package auth

import (
	"fmt"
	"hash/fnv"
	"strconv"
	"strings"

	"gosips/api"
	"gosips/internal/digest"
	"gosips/sip"
)

// Result is an authorization outcome; the negative values are the script
// return codes of the *_authorize functions.
type Result int

// Results, as OpenSIPS' auth_result_t.
const (
	AuthError       Result = -5 // error, no reply sent
	NoCredentials   Result = -4
	StaleNonce      Result = -3
	InvalidPassword Result = -2
	UserUnknown     Result = -1
	Error           Result = 0 // error, a reply was sent: stop the script
	Authorized      Result = 1
	DoAuthorization Result = 2 // PreAuth: go on and check the response
)

// Reply answers the request through signaling (stateful when a
// transaction exists), falling back to a stateless reply.
func Reply(c *api.Ctx, code int, reason, extra string) error {
	if c.Core != nil {
		if r, ok := c.Core.Module("signaling").(api.Replier); ok {
			return r.Reply(c, code, reason, extra, "")
		}
	}
	req := c.Msg
	if req == nil || !req.IsRequest() || c.Core == nil {
		return fmt.Errorf("no request to reply to")
	}
	h := fnv.New64a()
	h.Write([]byte(req.CallID()))
	h.Write([]byte(req.FromTag()))
	spec := &sip.ReplySpec{Code: code, Reason: reason, Headers: extra, Server: c.Core.ServerHeader(),
		ToTag: strconv.FormatUint(h.Sum64(), 16)}
	return c.Core.SendReply(req, sip.AppendReply(nil, req, spec))
}

// credHeader names the credentials header of a challenge kind.
func credHeader(proxy bool) (sip.Hdr, string) {
	if proxy {
		return sip.HdrProxyAuthorization, "Proxy-Authorization"
	}
	return sip.HdrAuthorization, "Authorization"
}

// DefaultRealm is the realm used when the script gives "": the To host
// for a REGISTER checked with Authorization, else the From host, without
// realm_prefix.
func (m *Module) DefaultRealm(msg *sip.Msg, proxy bool) (string, bool) {
	var na sip.NameAddr
	var err error
	if msg.MethodID() == sip.MethodRegister && !proxy {
		na, err = msg.To()
	} else {
		na, err = msg.From()
	}
	if err != nil {
		return "", false
	}
	u, err := sip.ParseURI(na.URI)
	if err != nil {
		return "", false
	}
	realm := u.Host
	if p := m.RealmPrefix; p != "" && len(p) <= len(realm) && strings.HasPrefix(realm, p) {
		realm = realm[len(p):]
	}
	return realm, true
}

// PreAuth finds the credentials for realm, checks them and their nonce
// (OpenSIPS pre_auth). DoAuthorization means the caller must now check
// the response; Authorized is returned for ACK and CANCEL. On Error a
// reply was sent. realm "" is derived from the message.
func (m *Module) PreAuth(c *api.Ctx, realm string, proxy bool) (*Credentials, string, Result) {
	msg := c.Msg
	switch msg.MethodID() {
	case sip.MethodAck, sip.MethodCancel:
		return nil, realm, Authorized
	}
	if realm == "" {
		r, ok := m.DefaultRealm(msg, proxy)
		if !ok {
			m.reply(c, 400, "Bad Request", "")
			return nil, realm, Error
		}
		realm = r
	}
	t, name := credHeader(proxy)
	var cred *Credentials
	var field sip.HeaderField
	var perr error
	msg.EachHeader(t, name, func(h sip.HeaderField) bool {
		cr, err := ParseCredentials(h.Value)
		if err == digest.ErrNotDigest {
			return true
		}
		if err != nil {
			perr = err
			return false
		}
		if len(cr.Realm) == len(realm) && strings.EqualFold(cr.Realm, realm) && cr.Alg != digest.AlgOther {
			cred, field = cr, h
			return false
		}
		return true
	})
	if perr != nil {
		m.reply(c, 400, "Bad Request", "")
		return nil, realm, Error
	}
	if cred == nil {
		return nil, realm, NoCredentials
	}
	// RFC 2617 §3.2.2: nc counts from 00000001; §3.2.2.5: the digest-uri
	// must be the Request-URI, else a response computed for another
	// request could be replayed on this one.
	if !cred.Complete() || (cred.QopStr != "" && !validNC(cred.NC)) || !uriMatches(cred.URI, msg.OrigRURI()) {
		m.reply(c, 400, "Bad Request", "")
		return nil, realm, Error
	}
	switch m.checkNonce(cred) {
	case nonceStale:
		m.mark(c, field, cred, true)
		return cred, realm, StaleNonce
	case nonceInvalid:
		// Not issued by us, or answered with another qop or algorithm
		// than offered: the credentials are wrong, not out of date, so
		// no stale=true (which would make the client retry silently).
		m.mark(c, field, cred, false)
		return cred, realm, InvalidPassword
	}
	m.mark(c, field, cred, false)
	return cred, realm, DoAuthorization
}

// nonceVerdict is what checkNonce found.
type nonceVerdict int

const (
	nonceGood    nonceVerdict = iota
	nonceStale                // ours, but expired or already used
	nonceInvalid              // not ours (forged, damaged) or answered with another qop/algorithm
)

// checkNonce checks that the nonce is ours, is answered with the
// algorithm and qop it was issued for, is not expired and has not been
// used yet. Unlike OpenSIPS (and RFC 8760's reading), a response without
// qop to a challenge that offered qop is refused (RFC 2617 §3.2.2: the
// client must use it).
func (m *Module) checkNonce(cred *Credentials) nonceVerdict {
	p, err := m.noncer.open(cred.Nonce)
	if err != nil {
		return nonceInvalid
	}
	if Algorithm(p.alg) != cred.Algorithm() {
		return nonceInvalid
	}
	qop := qopCode(cred.Qop)
	if p.qop != qop {
		both := p.qop == qopCode(QopAuthAuthInt) || p.qop == qopCode(QopAuthIntAuth)
		if !both || (cred.Qop != QopAuth && cred.Qop != QopAuthInt) {
			return nonceInvalid
		}
	}
	if stale(p, m.clock(), m.lifetime()) {
		return nonceStale
	}
	if m.DisableNonceCheck == 0 {
		if !m.pool.use(int(p.index)) {
			return nonceStale
		}
		return nonceGood
	}
	if p.index != 0 {
		return nonceStale
	}
	return nonceGood
}

// validNC reports whether a nonce-count is 8 hex digits and not zero.
func validNC(nc string) bool {
	if len(nc) != 8 {
		return false
	}
	n, err := strconv.ParseUint(nc, 16, 32)
	return err == nil && n != 0
}

// uriMatches compares the credentials' digest-uri with the Request-URI as
// received: the same text, or the same SIP URI (scheme, user, password,
// host, port and parameters; scheme and host case-insensitively).
func uriMatches(digestURI, ruri string) bool {
	if digestURI == ruri {
		return true
	}
	a, err1 := sip.ParseURI(digestURI)
	b, err2 := sip.ParseURI(ruri)
	if err1 != nil || err2 != nil {
		return false
	}
	return strings.EqualFold(a.Scheme, b.Scheme) && a.User == b.User && a.Password == b.Password &&
		strings.EqualFold(a.Host, b.Host) && a.Port == b.Port && strings.EqualFold(a.Params, b.Params) &&
		a.Headers == b.Headers
}

// qopCode maps a Qop to OpenSIPS' qop_type_t numbering (kept in nonces).
func qopCode(q Qop) uint8 {
	switch q {
	case QopAuth:
		return 1
	case QopAuthInt:
		return 2
	case QopAuthIntAuth:
		return 3
	case QopAuthAuthInt:
		return 4
	}
	return 0
}

// mark records the credentials as the message's authorized ones.
func (m *Module) mark(c *api.Ctx, h sip.HeaderField, cred *Credentials, stale bool) {
	m.states.set(c.Msg, credState{hdr: h, cred: cred, stale: stale})
	if s, ok := c.Priv.(AuthorizedSetter); ok {
		s.SetAuthorized(h)
	}
}

// AuthorizedCredentials returns the credentials marked by the last
// *_authorize call on the message.
func (m *Module) AuthorizedCredentials(msg *sip.Msg) (*Credentials, sip.HeaderField, bool) {
	st, ok := m.states.get(msg)
	if !ok {
		return nil, sip.HeaderField{}, false
	}
	return st.cred, st.hdr, true
}

func (m *Module) reply(c *api.Ctx, code int, reason, extra string) {
	if err := Reply(c, code, reason, extra); err != nil {
		m.log.Error("failed to send reply", "code", code, "err", err)
	}
}

// VerifyPassword checks the credentials against a password (plain=true)
// or a stored HA1 of the credentials' algorithm. ok is false when the
// stored hash has the wrong length (an error, not a wrong password).
func VerifyPassword(cred *Credentials, realm, secret string, plain bool, method, body string) (match, ok bool) {
	ha1 := secret
	if plain {
		ha1 = HA1(cred.Algorithm(), cred.Username, realm, secret)
	}
	key, ok := cred.SessionHA1(ha1)
	if !ok {
		return false, false
	}
	return cred.Check(method, body, key), true
}

// pvAuthorize verifies against the username_spec / password_spec PVs.
func (m *Module) pvAuthorize(c *api.Ctx, args []any, proxy bool) api.Ret {
	realm, _ := args[0].(string)
	cred, realm, res := m.PreAuth(c, realm, proxy)
	if res != DoAuthorization {
		return api.Ret(res)
	}
	if m.userSpec == nil || m.passSpec == nil {
		m.log.Error("pv_*_authorize needs username_spec and password_spec")
		return api.Ret(AuthError)
	}
	uv, err1 := m.userSpec.Get(c)
	pw, err2 := m.passSpec.Get(c)
	if err1 != nil || err2 != nil || uv.IsNull() || pw.IsNull() {
		return api.Ret(UserUnknown)
	}
	if pvStr(uv) != cred.Username {
		return api.Ret(UserUnknown)
	}
	match, ok := VerifyPassword(cred, realm, pvStr(pw), m.CalculateHA1 != 0, c.Msg.Method(), c.Msg.Body())
	if !ok {
		return api.Ret(AuthError)
	}
	if !match {
		return api.Ret(InvalidPassword)
	}
	return api.Ret(Authorized)
}

func pvStr(v api.Value) string {
	if v.IsStr() {
		return v.S
	}
	return strconv.FormatInt(v.I, 10)
}

// consumeCredentials removes the authorized credentials header.
func (m *Module) consumeCredentials(c *api.Ctx, _ []any) api.Ret {
	st, ok := m.states.get(c.Msg)
	if !ok {
		if id := c.Msg.MethodID(); id != sip.MethodAck && id != sip.MethodCancel {
			m.log.Error("no authorized credentials found (error in scripts)")
		}
		return api.RetFalse
	}
	c.Msg.RemoveField(st.hdr)
	return api.RetTrue
}
