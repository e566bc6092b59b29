package auth

import (
	"crypto/rand"
	"strings"
	"time"

	"gosips/api"
	"gosips/internal/digest"
)

// challenge sends a 401 or 407 with one authenticate header per
// algorithm (the strongest first), all carrying nonces with the same
// replay index, as OpenSIPS challenge() does.
func (m *Module) challenge(c *api.Ctx, args []any, proxy bool) api.Ret {
	realm, _ := args[0].(string)
	qop := QopNone
	switch q := args[1].(type) {
	case Qop:
		qop = q
	case string:
		p, err := digest.ParseQop(q)
		if err != nil {
			m.log.Error("bad qop", "qop", q, "err", err)
			return api.RetFalse
		}
		qop = p
	}
	var algs Algorithms
	switch a := args[2].(type) {
	case Algorithms:
		algs = a
	case string:
		p, err := digest.ParseAlgorithms(a)
		if err != nil {
			m.log.Error("bad algorithms", "algorithms", a, "err", err)
			return api.RetFalse
		}
		algs = p
	}
	code, reason, hdrName := 401, "Unauthorized", "WWW-Authenticate"
	if proxy {
		code, reason, hdrName = 407, "Proxy Authentication Required", "Proxy-Authenticate"
	}
	msg := c.Msg
	if realm == "" {
		r, ok := m.DefaultRealm(msg, proxy)
		if !ok {
			m.reply(c, 400, "Bad Request", "")
			return api.RetStop
		}
		realm = r
	}
	// RFC 8760 algorithms and the -sess ones mandate qop.
	if algs != 0 && qop == QopNone {
		qop = QopAuth
	}
	isStale := false
	if st, ok := m.states.get(msg); ok {
		isStale = st.stale
	}
	hdrs, err := m.AuthHeaders(hdrName, realm, qop, algs, isStale)
	if err != nil {
		m.log.Error("failed to build the challenge", "err", err)
		return api.RetFalse
	}
	if err := Reply(c, code, reason, hdrs); err != nil {
		m.log.Error("failed to send the challenge", "code", code, "err", err)
		return api.RetFalse
	}
	return api.RetStop
}

// AuthHeaders builds the challenge header lines: "Name: Digest
// realm=\"..\", nonce=\"..\"[, qop=\"..\"][, stale=true][,
// algorithm=..]\r\n" per algorithm, strongest first; no algorithm set
// means one header without the algorithm parameter (MD5).
func (m *Module) AuthHeaders(name, realm string, qop Qop, algs Algorithms, isStale bool) (string, error) {
	index := 0
	if m.DisableNonceCheck == 0 {
		if index = m.pool.reserve(); index < 0 {
			return "", errNoIndex
		}
	}
	expires := m.clock().Add(m.lifetime())
	list := algs.List()
	if len(list) == 0 {
		list = []Algorithm{0}
	}
	var b strings.Builder
	for i := len(list) - 1; i >= 0; i-- {
		a := list[i]
		alg := uint8(a)
		if a == 0 {
			alg = uint8(MD5)
		}
		nonce, err := m.noncer.calc(nonceParams{index: int32(index), qop: qopCode(qop), alg: alg, expires: expires})
		if err != nil {
			return "", err
		}
		b.WriteString(name)
		b.WriteString(": Digest realm=\"")
		b.WriteString(realm)
		b.WriteString("\", nonce=\"")
		b.WriteString(nonce)
		b.WriteByte('"')
		if qop != QopNone {
			b.WriteString(", qop=\"")
			b.WriteString(qop.String())
			b.WriteByte('"')
		}
		if isStale {
			b.WriteString(", stale=true")
		}
		if a != 0 {
			b.WriteString(", algorithm=")
			b.WriteString(a.String())
		}
		b.WriteString("\r\n")
	}
	return b.String(), nil
}

type authErr string

func (e authErr) Error() string { return string(e) }

const errNoIndex = authErr("no more nonces can be generated")

func (m *Module) lifetime() time.Duration { return time.Duration(m.NonceExpire) * time.Second }

func (m *Module) clock() time.Time {
	if m.Clock != nil {
		return m.Clock()
	}
	return time.Now()
}

func randomSecret() ([]byte, error) {
	b := make([]byte, SecretLen)
	_, err := rand.Read(b)
	return b, err
}
