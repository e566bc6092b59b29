package b2bentities

import (
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"gosips/api"
	"gosips/sip"
)

// UA session flags (ua_session_server_init, ua_session_client_start), as
// OpenSIPS numbers them.
const (
	uaReportACK     = 1 << 1 // a: report received ACKs
	uaReportReplies = 1 << 2 // r: report replies
	uaNoAutoACK     = 1 << 3 // d: do not ACK a 2xx automatically
	uaProvideHdrs   = 1 << 4 // h: headers in the event
	uaProvideBody   = 1 << 5 // b: body in the event
	uaSuppressNew   = 1 << 6 // n: no NEW event for the initial INVITE
)

// E_UA_SESSION event types.
const (
	uaEvNew        = "NEW"
	uaEvEarly      = "EARLY"
	uaEvAnswered   = "ANSWERED"
	uaEvRejected   = "REJECTED"
	uaEvUpdated    = "UPDATED"
	uaEvTerminated = "TERMINATED"
)

// uaOpts are parsed session flags: the bits above and the t<nn> timeout
// in seconds (0: ua_default_timeout).
type uaOpts struct {
	flags   uint
	timeout int
}

// parseUAFlags reads a flags string; unknown letters are ignored (OpenSIPS
// warns about them).
func parseUAFlags(s string) uaOpts {
	var o uaOpts
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case 't':
			o.timeout = 0
			for i+1 < len(s) && s[i+1] >= '0' && s[i+1] <= '9' {
				o.timeout = o.timeout*10 + int(s[i+1]-'0')
				i++
			}
		case 'a':
			o.flags |= uaReportACK
		case 'r':
			o.flags |= uaReportReplies
		case 'd':
			o.flags |= uaNoAutoACK
		case 'h':
			o.flags |= uaProvideHdrs
		case 'b':
			o.flags |= uaProvideBody
		case 'n':
			o.flags |= uaSuppressNew
		}
	}
	return o
}

// uaSession drives an entity made by the UA session API: what happens on
// it is reported through E_UA_SESSION instead of a logic module.
type uaSession struct {
	m     *Module
	flags uint
	mu    sync.Mutex
	timer *time.Timer
	// ending is set before the session's own BYE (or CANCEL) goes out:
	// the answers to it are not reported (OpenSIPS sends it without
	// callback), even when they come before the entity is removed.
	ending atomic.Bool
}

// uaStart arms the session's lifetime timer: when it fires a BYE is sent
// and the entity removed.
func (s *uaSession) uaStart(e *entity, timeout int) {
	if timeout <= 0 {
		timeout = s.m.UADefaultTimeout
	}
	if timeout <= 0 {
		return
	}
	s.mu.Lock()
	s.timer = time.AfterFunc(time.Duration(timeout)*time.Second, func() {
		e.mu.Lock()
		early := e.typ == api.B2BServer && e.state < stConfirmed
		e.mu.Unlock()
		s.ending.Store(true)
		if early {
			// An unanswered server session cannot send a BYE: its
			// INVITE is answered 408 instead.
			_ = s.m.SendReply(e, "INVITE", 408, "Request Timeout", "", "", "")
		} else {
			_ = s.m.uaSend(e, "BYE", "", "", "")
		}
		s.m.uaDelete(e)
	})
	s.mu.Unlock()
}

func (s *uaSession) stop() {
	s.mu.Lock()
	if s.timer != nil {
		s.timer.Stop()
	}
	s.mu.Unlock()
}

// B2BRequest reports a request received on the session; a BYE (or the
// CANCEL of the initial INVITE) ends it.
func (s *uaSession) B2BRequest(be api.B2BEntity, c *api.Ctx, tx api.ServerTx) {
	e := be.(*entity)
	req := c.Msg
	switch req.MethodID() {
	case sip.MethodAck:
		if s.flags&uaReportACK != 0 {
			s.m.uaRaise(e, uaEvUpdated, s.flags, req, "", false)
		}
	case sip.MethodBye, sip.MethodCancel:
		s.m.uaRaise(e, uaEvTerminated, s.flags, req, "", false)
		if req.MethodID() == sip.MethodBye {
			_ = s.m.SendReply(e, "BYE", 200, "OK", "", "", "")
		} else {
			_ = s.m.SendReply(e, "INVITE", 487, "Request Terminated", "", "", "")
		}
		s.m.uaDelete(e)
	default:
		s.m.uaRaise(e, uaEvUpdated, s.flags, req, "", false)
	}
}

// B2BReply reports a reply to a request the session sent, ACKs a 2xx of
// an INVITE (unless the d flag is set) and removes an entity whose
// dialog ended.
func (s *uaSession) B2BReply(be api.B2BEntity, method string, reply *sip.Msg, code int) {
	e := be.(*entity)
	if code <= 100 || s.ending.Load() {
		return
	}
	// OpenSIPS 3.6 reports replies on every UA session, r flag or not.
	ev := uaEvRejected
	switch {
	case code < 200:
		ev = uaEvEarly
	case code < 300:
		ev = uaEvAnswered
	}
	if reply != nil {
		s.m.uaRaise(e, ev, s.flags, reply, "", false)
	} else {
		s.m.uaRaiseLocal(e, ev, method, code)
	}
	if method == "INVITE" && code >= 200 && code < 300 && s.flags&uaNoAutoACK == 0 {
		if err := s.m.SendRequest(e, "ACK", "", "", ""); err != nil {
			s.m.log.Debug("ua session: cannot ACK", "key", e.key, "err", err)
		}
	}
	e.mu.Lock()
	ended := e.state == stTerminated && (code >= 200 || method == "BYE")
	e.mu.Unlock()
	if ended {
		s.m.uaDelete(e)
	}
}

// uaRaise raises E_UA_SESSION for msg (a request or a reply) received on
// e, with OpenSIPS' attributes in OpenSIPS' order.
func (m *Module) uaRaise(e *entity, evType string, flags uint, msg *sip.Msg, extra string, hasExtra bool) {
	if !m.uaEvent.HasSubscribers() {
		return
	}
	// OpenSIPS' attributes and order: key, event_type, entity_type,
	// status, reason, method, body, headers, extra_params.
	p := make(api.EventParams, 0, 9)
	p.Str("key", e.key)
	p.Str("event_type", evType)
	p.Str("entity_type", uaEntityType(e.typ))
	var method string
	if msg.IsRequest() {
		method = msg.Method()
		p.Int("status", 0)
		p.StrOrNull("reason", "")
	} else {
		_, method, _ = msg.CSeq()
		p.Int("status", int64(msg.StatusCode()))
		p.Str("reason", msg.Reason())
	}
	p.Str("method", method)
	// With the b flag OpenSIPS gives an empty body as "" when the message
	// has a Content-Length header, null otherwise.
	if flags&uaProvideBody != 0 && (msg.Body() != "" || len(msg.Headers("Content-Length")) > 0) {
		p.Str("body", msg.Body())
	} else {
		p.StrOrNull("body", "")
	}
	hdrs := ""
	if flags&uaProvideHdrs != 0 {
		hdrs = rawHeaders(msg)
	}
	p.StrOrNull("headers", hdrs)
	if hasExtra {
		p.Str("extra_params", extra)
	} else {
		p.StrOrNull("extra_params", "")
	}
	m.uaEvent.Raise(p)
}

// uaRaiseLocal reports a reply made locally (a timeout), which has no
// message.
func (m *Module) uaRaiseLocal(e *entity, evType, method string, code int) {
	if !m.uaEvent.HasSubscribers() {
		return
	}
	p := make(api.EventParams, 0, 9)
	p.Str("key", e.key)
	p.Str("event_type", evType)
	p.Str("entity_type", uaEntityType(e.typ))
	p.Int("status", int64(code))
	p.Str("reason", sip.StatusText(code))
	p.Str("method", method)
	p.StrOrNull("body", "")
	p.StrOrNull("headers", "")
	p.StrOrNull("extra_params", "")
	m.uaEvent.Raise(p)
}

func uaEntityType(t api.B2BEntityType) string {
	if t == api.B2BServer {
		return "UAS"
	}
	return "UAC"
}

// rawHeaders returns the header lines of msg as received (each with its
// CRLF), without the start line and the empty line.
func rawHeaders(msg *sip.Msg) string {
	raw := msg.Raw()
	end := msg.HeadersEnd()
	if end > len(raw) {
		end = len(raw)
	}
	s := string(raw[:end])
	s = strings.TrimLeft(s, "\r\n")
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[i+1:]
	}
	return ""
}

// uaEntity finds a session's entity by key, server entities first.
func (m *Module) uaEntity(key string) *entity {
	if m.servers == nil {
		return nil
	}
	if e := m.servers.get(key); e != nil {
		return e
	}
	return m.clients.get(key)
}

// uaDelete removes a session's entity and stops its timer.
func (m *Module) uaDelete(e *entity) {
	e.mu.Lock()
	s, _ := e.handler.(*uaSession)
	e.mu.Unlock()
	if s != nil {
		s.stop()
	}
	m.Delete(e)
}

// uaHeaders turns the content_type argument (a type, or a whole
// "Content-Type: type" header line as OpenSIPS takes it) into the type;
// application/sdp when a body comes without one.
func uaContentType(ct, body string) string {
	if body == "" {
		return ""
	}
	ct = strings.TrimSpace(ct)
	if len(ct) > 13 && strings.EqualFold(ct[:13], "content-type:") {
		ct = strings.TrimSpace(ct[13:])
	}
	if ct == "" {
		return "application/sdp"
	}
	return ct
}

// uaSend sends a request within a session as OpenSIPS' UA API does: a
// pending 2xx is ACKed first, a BYE before the client's dialog is
// confirmed becomes a CANCEL, and only UPDATE, PRACK, CANCEL and INVITE
// may go out before that.
func (m *Module) uaSend(e *entity, method, body, extraHeaders, contentType string) error {
	method = strings.ToUpper(method)
	e.mu.Lock()
	state, typ, needACK, deleted := e.state, e.typ, e.need2xxACK, e.deleted
	e.mu.Unlock()
	if deleted {
		return errf("session %s ended", e.key)
	}
	if state == stTerminated {
		if method == "BYE" || method == "CANCEL" {
			return nil
		}
		return errf("session %s ended", e.key)
	}
	if state < stConfirmed {
		switch {
		case method == "BYE" && typ == api.B2BClient:
			method = "CANCEL"
		case method == "UPDATE", method == "PRACK", method == "CANCEL", method == "INVITE":
		default:
			return errf("session %s not established: cannot send %s", e.key, method)
		}
	} else if needACK != 0 && method != "ACK" {
		if err := m.SendRequest(e, "ACK", "", "", ""); err != nil {
			return err
		}
	}
	if method == "CANCEL" {
		e.mu.Lock()
		e.state = stTerminated
		e.mu.Unlock()
	}
	return m.SendRequest(e, method, extraHeaders, uaContentType(contentType, body), body)
}

// uaServerInit is ua_session_server_init([key], [flags], [extra_params]).
func (m *Module) uaServerInit(c *api.Ctx, args []any) api.Ret {
	if c.Msg == nil || !c.Msg.IsRequest() {
		return api.RetFalse
	}
	opts := uaOpts{}
	if f, ok := args[1].(string); ok {
		opts = parseUAFlags(f)
	}
	s := &uaSession{m: m, flags: opts.flags}
	contact := ""
	if r := c.Msg.Recv(); r != nil && r.Socket != nil {
		contact = socketContact(r.Socket)
	}
	be, err := m.ServerNew(c, contact, s, "")
	if err != nil || be == nil {
		if err != nil {
			m.log.Error("ua_session_server_init: cannot create the server entity", "err", err)
		}
		return api.RetFalse
	}
	e := be.(*entity)
	if pv, ok := args[0].(api.PVRef); ok && pv != nil {
		if err := pv.Set(c, api.StrValue(e.key)); err != nil {
			m.log.Error("ua_session_server_init: cannot set the key variable", "err", err)
			m.Delete(e)
			return api.RetFalse
		}
	}
	s.uaStart(e, opts.timeout)
	if opts.flags&uaSuppressNew == 0 {
		extra, hasExtra := args[2].(string)
		m.uaRaise(e, uaEvNew, opts.flags, c.Msg, extra, hasExtra)
	}
	return api.RetTrue
}

// socketContact is the Contact URI of a socket's address, as OpenSIPS
// builds it for server UA sessions.
func socketContact(s *sip.Socket) string {
	u := "sip:" + s.AdvertisedHost() + ":" + strconv.Itoa(s.AdvertisedPort())
	if s.Proto != sip.ProtoUDP && s.Proto != sip.ProtoNone {
		u += ";transport=" + s.Proto.String()
	}
	return u
}

func optStr(args []any, i int) string {
	if i < len(args) {
		if s, ok := args[i].(string); ok {
			return s
		}
	}
	return ""
}

// uaUpdate is ua_session_update(key, method, [body], [extra_headers],
// [content_type]).
func (m *Module) uaUpdate(c *api.Ctx, args []any) api.Ret {
	key, method := optStr(args, 0), optStr(args, 1)
	e := m.uaEntity(key)
	if e == nil {
		m.log.Error("ua_session_update: no session", "key", key)
		return api.RetFalse
	}
	if err := m.uaSend(e, method, optStr(args, 2), optStr(args, 3), optStr(args, 4)); err != nil {
		m.log.Error("ua_session_update: cannot send the request", "key", key, "err", err)
		return api.RetFalse
	}
	return api.RetTrue
}

// uaReply is ua_session_reply(key, method, code, [reason], [body],
// [extra_headers], [content_type]).
func (m *Module) uaReply(c *api.Ctx, args []any) api.Ret {
	key, method := optStr(args, 0), strings.ToUpper(optStr(args, 1))
	code, _ := args[2].(int64)
	if err := m.uaSendReply(key, method, int(code), optStr(args, 3), optStr(args, 4), optStr(args, 5), optStr(args, 6)); err != nil {
		m.log.Error("ua_session_reply: cannot send the reply", "key", key, "err", err)
		return api.RetFalse
	}
	return api.RetTrue
}

// uaSendReply answers the pending request of method on a session; a
// final negative answer to the initial INVITE ends the session.
func (m *Module) uaSendReply(key, method string, code int, reason, body, extraHeaders, contentType string) error {
	e := m.uaEntity(key)
	if e == nil {
		return errf("no session %s", key)
	}
	if reason == "" {
		reason = sip.StatusText(code)
	}
	if err := m.SendReply(e, method, code, reason, extraHeaders, uaContentType(contentType, body), body); err != nil {
		return err
	}
	e.mu.Lock()
	ended := e.state == stTerminated
	e.mu.Unlock()
	if ended {
		m.uaDelete(e)
	}
	return nil
}

// uaTerminate is ua_session_terminate(key, [extra_headers]).
func (m *Module) uaTerminate(c *api.Ctx, args []any) api.Ret {
	key := optStr(args, 0)
	if err := m.uaEnd(key, optStr(args, 1)); err != nil {
		m.log.Error("ua_session_terminate: cannot end the session", "key", key, "err", err)
		return api.RetFalse
	}
	return api.RetTrue
}

// uaEnd sends a BYE (a CANCEL for an unanswered client session) whose
// answer is not reported, and removes the session.
func (m *Module) uaEnd(key, extraHeaders string) error {
	e := m.uaEntity(key)
	if e == nil {
		return errf("no session %s", key)
	}
	e.mu.Lock()
	s, _ := e.handler.(*uaSession)
	e.mu.Unlock()
	if s != nil {
		s.ending.Store(true)
	}
	if err := m.uaSend(e, "BYE", "", extraHeaders, ""); err != nil {
		if s != nil {
			s.ending.Store(false)
		}
		return err
	}
	m.uaDelete(e)
	return nil
}

// uaIsSession reports whether e was made by the UA session API.
func (e *entity) uaIsSession() bool {
	_, ok := e.handler.(*uaSession)
	return ok
}
