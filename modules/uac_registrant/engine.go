package uacregistrant

import (
	"context"
	"strconv"
	"strings"

	"gosips/api"
	uacauth "gosips/modules/uac_auth"
	"gosips/sip"
)

// send is a request decided under a bucket lock and sent after it is
// released (tm may report a local failure synchronously).
type send struct {
	rec   *record
	req   *api.UACRequest
	onErr State // state to take if the request cannot be sent
	retry bool  // set the retry timeout along with onErr
}

// retryAt is when a failed record is tried again.
func (m *Module) retryAt(r *record, now int64) int64 {
	d := m.FailureRetryInterval
	if d == 0 {
		d = r.expires
	}
	return now + int64(d) - int64(m.TimerInterval)
}

// register builds a REGISTER for r (with credentials when auth is set).
// b.mu must be held.
func (m *Module) register(r *record, auth string) *send {
	r.cseq++
	hdrs := "Contact: <" + r.contact + ">" + r.params + ";expires=" + strconv.Itoa(r.wanted) + "\r\n" + auth
	return &send{rec: r, req: m.request(r, hdrs), onErr: InternalError, retry: true}
}

// unregister builds a REGISTER removing the binding (all bindings of the
// AOR with all). b.mu must be held.
func (m *Module) unregister(r *record, auth string, all bool) *send {
	r.cseq++
	hdrs := "Contact: <" + r.contact + ">" + r.params + ";expires=0\r\n"
	if all {
		hdrs = "Contact: *\r\nExpires: 0\r\n"
	}
	return &send{rec: r, req: m.request(r, hdrs+auth), onErr: InternalError}
}

func (m *Module) request(r *record, hdrs string) *api.UACRequest {
	return &api.UACRequest{Method: "REGISTER", RURI: r.registrar, To: "<" + r.aor + ">",
		From: "<" + r.from + ">;tag=" + r.ftag, CallID: r.callID, CSeq: r.cseq, Headers: hdrs,
		NextHop: r.proxy, OnReply: m.onReply(r, r.callID)}
}

// dispatch sends the decided requests; a request that cannot be sent
// moves its record to the error state.
func (m *Module) dispatch(sends []*send) {
	for _, s := range sends {
		if s == nil {
			continue
		}
		if err := m.uac.SendRequest(m.ctx(), s.req); err != nil {
			m.log.Error("cannot send REGISTER", "aor", s.rec.aor, "err", err)
			b := m.buckets[s.rec.bucketIndex]
			b.mu.Lock()
			s.rec.state = s.onErr
			if s.retry {
				s.rec.timeout = m.retryAt(s.rec, m.now().Unix())
			}
			b.mu.Unlock()
		}
	}
}

func (m *Module) ctx() context.Context {
	if m.root != nil {
		return m.root
	}
	return context.Background()
}

// checkBucket is one timer tick over bucket i (run_timer_check).
func (m *Module) checkBucket(i int) {
	b := m.buckets[i]
	now := m.now()
	t := now.Unix()
	var sends []*send
	b.mu.Lock()
	for _, r := range b.recs {
		if !m.owns(r) {
			continue
		}
		switch r.state {
		case Registering, Unregistering, Authenticating, AuthenticatingUnregister:
		case WrongCredentials, RegisterTimeout, InternalError, RegistrarError:
			if t < r.timeout {
				break
			}
			if r.enabled {
				r.newDialogID(now, m.seq.Add(1))
				r.lastSent, r.state = t, Registering
				sends = append(sends, m.register(r, ""))
			} else {
				r.state = Unregistering
				sends = append(sends, m.unregister(r, "", false))
			}
		case Registered:
			if t < r.timeout {
				break
			}
			fallthrough
		case NotRegistered:
			if r.enabled {
				r.lastSent, r.state = t, Registering
				sends = append(sends, m.register(r, ""))
			}
		}
	}
	b.mu.Unlock()
	m.dispatch(sends)
}

// onReply returns the tm callback of a record's REGISTER.
func (m *Module) onReply(r *record, callID string) func(*sip.Msg, int) {
	return func(reply *sip.Msg, code int) {
		if code < 200 {
			return
		}
		b := m.buckets[r.bucketIndex]
		b.mu.Lock()
		if r.callID != callID {
			// The record started over (sharing tag switched) while the
			// request was out: this reply belongs to the old dialog.
			b.mu.Unlock()
			return
		}
		s := m.handleReply(r, reply, code)
		b.mu.Unlock()
		m.dispatch([]*send{s})
	}
}

// handleReply is the state machine of run_reg_tm_cback; b.mu held.
func (m *Module) handleReply(r *record, reply *sip.Msg, code int) *send {
	now := m.now()
	t := now.Unix()
	fail := func() *send {
		r.state = InternalError
		r.timeout = m.retryAt(r, t)
		return nil
	}
	if reply != nil && reply.Recv() != nil && r.dstIP == "" {
		r.dstIP = reply.Recv().Src.Addr().String()
	}
	// A disabled record, or any record once shutting down, is only ever
	// un-registered.
	wanted := r.enabled && !m.closing.Load()
	switch {
	case code == 200:
		if reply == nil {
			return fail()
		}
		cts, _, err := reply.Contacts()
		if err != nil {
			return fail()
		}
		if len(cts) == 0 {
			switch r.state {
			case Unregistering, AuthenticatingUnregister:
				if !wanted {
					r.state, r.timeout = NotRegistered, 0
					return nil
				}
				r.newDialogID(now, m.seq.Add(1))
				r.lastSent, r.state = t, Registering
				return m.register(r, "")
			}
			m.log.Error("no Contact in the 200 for a REGISTER", "aor", r.aor, "state", r.state)
			return fail()
		}
		if r.single && (r.state == Registering || r.state == Authenticating) && len(cts) > 1 {
			r.state = Unregistering
			return m.unregister(r, "", true)
		}
		exp := 0
		for _, ct := range cts {
			if sameURI(ct.URI, r.contact) {
				if ct.Expires > 0 {
					exp = ct.Expires
				}
				break
			}
		}
		if exp == 0 {
			if v, ok := reply.Expires(); ok && v > 0 {
				exp = v
			}
		}
		if !wanted {
			if r.state == Registering || r.state == Authenticating {
				r.state = Unregistering
				return m.unregister(r, "", false)
			}
			r.state, r.timeout = NotRegistered, 0
			return nil
		}
		if r.state == Unregistering || r.state == AuthenticatingUnregister {
			r.newDialogID(now, m.seq.Add(1))
			r.lastSent, r.state = t, Registering
			return m.register(r, "")
		}
		r.state = Registered
		if exp > 0 {
			r.expires = exp
		}
		if r.expires <= m.TimerInterval {
			m.log.Error("registrar expires too short for timer_interval: decrease timer_interval",
				"aor", r.aor, "expires", r.expires, "timer_interval", m.TimerInterval)
		}
		r.timeout = t + int64(r.expires) - int64(m.TimerInterval)
		return nil
	case code == 401 || code == 407:
		if reply == nil {
			return fail()
		}
		switch r.state {
		case Registering, Unregistering:
		case Authenticating, AuthenticatingUnregister:
			m.log.Warn("wrong credentials", "aor", r.aor)
			r.state = WrongCredentials
			r.timeout = m.retryAt(r, t)
			return nil
		default:
			return fail()
		}
		ch, err := uacauth.PickChallenge(reply, 0)
		if err != nil || ch.Realm == "" {
			m.log.Error("unable to extract the authentication challenge", "aor", r.aor, "err", err)
			return fail()
		}
		cred, ok := m.credential(r, ch.Realm)
		if !ok {
			m.log.Error("credentials not provisioned", "aor", r.aor, "realm", ch.Realm)
			r.state = WrongCredentials
			r.timeout = m.retryAt(r, t)
			return nil
		}
		hdr := uacauth.HeaderName(code) + ": " + uacauth.Authorization(ch, cred, "REGISTER", r.registrar, "") + "\r\n"
		if r.state == Registering {
			r.state = Authenticating
			return m.register(r, hdr)
		}
		r.state = AuthenticatingUnregister
		return m.unregister(r, hdr, false)
	case code == 423:
		if reply != nil {
			if v, ok := reply.Header("Min-Expires"); ok {
				if n, err := strconv.Atoi(strings.TrimSpace(v)); err == nil && n >= 5 {
					r.wanted = n
					r.state = Registering
					return m.register(r, "")
				}
			}
		}
		r.state = RegistrarError
		r.timeout = m.retryAt(r, t)
	case code == 408:
		r.state = RegisterTimeout
		r.timeout = m.retryAt(r, t)
	case code >= 300 && code < 400:
		m.log.Error("redirection is not supported for REGISTER", "aor", r.aor, "code", code)
		r.state = InternalError
	default:
		r.state = RegistrarError
		r.timeout = m.retryAt(r, t)
	}
	return nil
}

// credential is the record's username/password, else uac_auth's
// credential for the realm.
func (m *Module) credential(r *record, realm string) (uacauth.Credential, bool) {
	if r.user != "" && r.password != "" {
		c, err := uacauth.ParseCredential(r.user + ":" + realm + ":" + r.password)
		if err == nil {
			return c, true
		}
		return uacauth.Credential{User: r.user, Realm: realm, Password: r.password}, true
	}
	if m.creds != nil {
		return m.creds.Lookup(realm, r.user)
	}
	return uacauth.Credential{}, false
}
