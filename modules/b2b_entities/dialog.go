package b2bentities

import (
	"strconv"
	"strings"
	"time"

	"gosips/api"
	"gosips/sip"
)

// ServerNew implements api.B2BEntities.
func (m *Module) ServerNew(c *api.Ctx, contact string, h api.B2BHandler, param string) (api.B2BEntity, error) {
	req := c.Msg
	if req == nil || !req.IsRequest() {
		return nil, errf("no request to make a server entity of")
	}
	tx, ok, err := m.tm.NewServerTx(c)
	if err != nil {
		return nil, errf("cannot create the transaction: %w", err)
	}
	if !ok {
		return nil, nil
	}
	from, err := req.From()
	if err != nil {
		return nil, errf("bad From: %w", err)
	}
	to, err := req.To()
	if err != nil {
		return nil, errf("bad To: %w", err)
	}
	cseq, method, err := req.CSeq()
	if err != nil {
		return nil, errf("bad CSeq: %w", err)
	}
	key, _ := m.servers.newKey()
	e := &entity{
		key: key, typ: api.B2BServer, param: param, handler: h,
		callID: req.CallID(), fromHdr: hdrNoTag(from), toHdr: hdrNoTag(to),
		fromURI: from.URI, toURI: to.URI, fromTag: from.Tag, toTag: key,
		fromName: from.DisplayName(), toName: to.DisplayName(),
		ruri: req.OrigRURI(), remoteCSeq: cseq, localCSeq: 1, lastInviteCSeq: cseq,
		routeSet: splitRoutes(req.Headers("Record-Route")), remoteTarget: contactURI(req),
		contact: contact, state: stNew, dbFlag: 2, created: time.Now(),
		pending: map[string]api.ServerTx{method: tx},
	}
	if r := req.Recv(); r != nil {
		e.socket = r.Socket
	}
	if contact == "" {
		e.contact = m.defaultContact(e.socket)
	}
	m.servers.put(e)
	return e, nil
}

// defaultContact is the advertised_contact parameter, or the address of
// the socket.
func (m *Module) defaultContact(s *sip.Socket) string {
	if m.AdvertisedContact != "" {
		return m.AdvertisedContact
	}
	if s == nil {
		return ""
	}
	u := "sip:" + s.AdvertisedHost() + ":" + strconv.Itoa(s.AdvertisedPort())
	if s.Proto != sip.ProtoUDP && s.Proto != sip.ProtoNone {
		u += ";transport=" + s.Proto.String()
	}
	return u
}

// ClientNew implements api.B2BEntities.
func (m *Module) ClientNew(spec *api.B2BClientSpec, h api.B2BHandler, param string) (api.B2BEntity, error) {
	method := spec.Method
	if method == "" {
		method = "INVITE"
	}
	from, err := sip.ParseNameAddr(spec.From)
	if err != nil {
		return nil, errf("bad From %q: %w", spec.From, err)
	}
	to, err := sip.ParseNameAddr(spec.To)
	if err != nil {
		return nil, errf("bad To %q: %w", spec.To, err)
	}
	key, _ := m.clients.newKey()
	callID := spec.CallID
	if callID == "" {
		callID = key
	} else {
		key = callID
	}
	// The entity's CSeq starts at spec.CSeq (1 when unset) and, as in
	// OpenSIPS (tm's t_request_within counts before sending), the first
	// request already carries the next number: 2 by default.
	cseq := spec.CSeq
	if cseq == 0 {
		cseq = 1
	}
	cseq++
	e := &entity{
		key: key, typ: api.B2BClient, param: param, handler: h,
		callID: callID, fromHdr: hdrNoTag(from), toHdr: hdrNoTag(to),
		fromURI: from.URI, toURI: to.URI, fromTag: randHex(32),
		fromName: from.DisplayName(), toName: to.DisplayName(),
		ruri: spec.RURI, localCSeq: cseq, lastInviteCSeq: cseq, remoteTarget: spec.RURI,
		contact: spec.Contact, socket: spec.Socket, state: stNew, lastMethod: method, dbFlag: 2,
		created: time.Now(),
	}
	if e.contact == "" {
		e.contact = m.defaultContact(spec.Socket)
	}
	if spec.NextHop != "" {
		e.routeSet = nil
	}
	m.clients.put(e)
	hdrs, mf := takeMaxForwards(spec.Headers)
	r := &api.UACRequest{
		Method: method, RURI: spec.RURI, From: withTag(e.fromHdr, e.fromTag), To: e.toHdr, MaxForwards: mf,
		CallID: callID, CSeq: cseq, Headers: contactLine(e.contact) + hdrs,
		ContentType: spec.ContentType, Body: spec.Body, NextHop: spec.NextHop, Socket: spec.Socket,
		Provisional: true, Retransmitted2xx: true,
	}
	sr := &sentReq{r: r, method: method, cseq: cseq, notify: true, initial: true}
	r.OnReply = func(reply *sip.Msg, code int) { m.clientReply(e, sr, reply, code) }
	e.mu.Lock()
	if method == "INVITE" {
		e.invite = r
	}
	e.mu.Unlock()
	if spec.Created != nil {
		spec.Created(e)
	}
	if err := m.uac.SendRequest(m.ctx(), r); err != nil {
		m.clients.del(key)
		return nil, errf("sending %s: %w", method, err)
	}
	return e, nil
}

func contactLine(uri string) string {
	if uri == "" {
		return ""
	}
	if strings.HasPrefix(uri, "<") {
		return "Contact: " + uri + "\r\n"
	}
	return "Contact: <" + uri + ">\r\n"
}

// clientReply processes a reply to a request sent on e (initial or
// within the dialog) and hands it to the entity's handler.
func (m *Module) clientReply(e *entity, sr *sentReq, reply *sip.Msg, code int) {
	method, cseq := sr.method, sr.cseq
	if (code == 401 || code == 407) && m.authenticate(e, sr, reply, code) {
		return
	}
	e.mu.Lock()
	if e.deleted {
		e.mu.Unlock()
		return
	}
	retrans, reliable := false, false
	if method == "INVITE" {
		if code >= 200 {
			e.invite = nil
			if e.reinvite == cseq {
				e.reinvite = 0
			}
		}
		switch {
		case code > 100 && code < 300:
			if e.typ == api.B2BClient && e.state < stConfirmed {
				// The dialog's remote side: tag, target, route set
				// (reversed Record-Route).
				if t := reply.ToTag(); t != "" {
					e.toTag = t
				}
				if u := contactURI(reply); u != "" {
					e.remoteTarget = u
				}
				rr := splitRoutes(reply.Headers("Record-Route"))
				for i, j := 0, len(rr)-1; i < j; i, j = i+1, j-1 {
					rr[i], rr[j] = rr[j], rr[i]
				}
				if code >= 200 || len(rr) > 0 {
					e.routeSet = rr
				}
				if code < 200 {
					e.state = stEarly
					reliable = true
				}
			} else if code >= 200 {
				if u := contactURI(reply); u != "" {
					e.remoteTarget = u
				}
			}
			if e.socket == nil && reply.Recv() != nil {
				// The socket the dialog uses (stored, shown by MI).
				e.socket = reply.Recv().Socket
			}
			if code >= 200 {
				if e.ackCSeq == cseq && e.ack != nil {
					retrans = true
				} else {
					e.state = stConfirmed
					e.need2xxACK = cseq
				}
			}
		case code >= 300 && e.state < stConfirmed:
			e.state = stTerminated
		}
	}
	ack, dest := e.ack, e.ackDest
	e.mu.Unlock()
	if retrans {
		// A 2xx retransmission: our ACK was lost.
		if c := m.coreOf(); c != nil && ack != nil {
			_ = c.Send(dest, ack)
		}
		return
	}
	if reliable && sr.initial {
		m.reliableProvisional(e, reply)
	}
	if sr.notify && code > 100 {
		m.runReplyRoute(reply)
	}
	if e.handler != nil && sr.notify {
		e.handler.B2BReply(e, method, reply, code)
	}
	m.dbSave(e)
}

// SendRequest implements api.B2BEntities.
func (m *Module) SendRequest(be api.B2BEntity, method, headers, contentType, body string) error {
	e, ok := be.(*entity)
	if !ok || e == nil {
		return errf("not an entity")
	}
	method = strings.ToUpper(method)
	switch method {
	case "ACK":
		return m.sendACK(e, headers, contentType, body)
	case "CANCEL":
		e.mu.Lock()
		r := e.invite
		e.lastMethod = method
		e.mu.Unlock()
		if r == nil || !m.cancel.CancelRequest(r) {
			return errf("no pending INVITE to cancel")
		}
		return nil
	}
	return m.sendWithin(e, method, headers, contentType, body, true)
}

// sendWithin sends a request within e's dialog; its replies go to the
// entity's handler when notify is set.
func (m *Module) sendWithin(e *entity, method, headers, contentType, body string, notify bool) error {
	return m.send(e, &sentReq{method: method, hdrs: headers, ct: contentType, body: body, notify: notify})
}

// send sends sr.method within e's dialog with the next CSeq.
func (m *Module) send(e *entity, sr *sentReq) error {
	method, headers, contentType, body := sr.method, sr.hdrs, sr.ct, sr.body
	e.mu.Lock()
	if e.deleted {
		e.mu.Unlock()
		return errf("entity %s deleted", e.key)
	}
	if e.toTag == "" && e.typ == api.B2BClient || e.remoteTarget == "" {
		e.mu.Unlock()
		return errf("entity %s has no dialog yet", e.key)
	}
	e.localCSeq++
	cseq := e.localCSeq
	if method == "INVITE" {
		e.lastInviteCSeq = cseq
		e.state = stModified
		e.reinvite = cseq
	}
	if method == "BYE" {
		e.state = stTerminated
	}
	e.lastMethod = method
	if method == "PRACK" && e.prackHdr != "" {
		headers = e.prackHdr + headers
	}
	local, remote := e.localRemote()
	headers, mf := takeMaxForwards(headers)
	r := &api.UACRequest{Method: method, RURI: e.remoteTarget, From: local, To: remote, MaxForwards: mf,
		CallID: e.callID, CSeq: cseq, Headers: routeLines(e.routeSet) + contactLine(e.contact) + headers,
		ContentType: contentType, Body: body, Socket: e.socket, Provisional: method == "INVITE",
		Retransmitted2xx: method == "INVITE"}
	if len(e.routeSet) > 0 {
		if u := routeURI(e.routeSet[0]); strings.Contains(u, ";lr") {
			r.NextHop = u
		}
	}
	e.mu.Unlock()
	sr.r, sr.cseq = r, cseq
	r.OnReply = func(reply *sip.Msg, code int) { m.clientReply(e, sr, reply, code) }
	if err := m.uac.SendRequest(m.ctx(), r); err != nil {
		return errf("sending %s: %w", method, err)
	}
	m.dbSave(e)
	return nil
}

func routeLines(rs []string) string {
	if len(rs) == 0 {
		return ""
	}
	var b strings.Builder
	for _, r := range rs {
		b.WriteString("Route: ")
		b.WriteString(r)
		b.WriteString("\r\n")
	}
	return b.String()
}

// sendACK acknowledges the last INVITE answered 2xx on e.
func (m *Module) sendACK(e *entity, headers, contentType, body string) error {
	core := m.coreOf()
	if core == nil {
		return errf("not started")
	}
	e.mu.Lock()
	cseq := e.need2xxACK
	if cseq == 0 {
		e.mu.Unlock()
		return errf("no 2xx to acknowledge on %s", e.key)
	}
	local, remote := e.localRemote()
	headers, mf := takeMaxForwards(headers)
	next := e.remoteTarget
	if len(e.routeSet) > 0 {
		if u := routeURI(e.routeSet[0]); strings.Contains(u, ";lr") {
			next = u
		}
	}
	msg, err := sip.NewRequest(&sip.RequestSpec{Method: "ACK", RURI: e.remoteTarget, From: local, To: remote, MaxForwards: mf,
		CallID: e.callID, CSeq: cseq, Headers: userAgentLine(core) + routeLines(e.routeSet) + contactLine(e.contact) + headers,
		ContentType: contentType, Body: body})
	sock := e.socket
	if e.state == stModified || e.state == stConfirmed {
		e.state = stEstablished
	}
	e.need2xxACK = 0
	e.lastMethod = "ACK"
	e.mu.Unlock()
	if err != nil {
		return errf("building ACK: %w", err)
	}
	d, err := core.Resolve(m.ctx(), next, sock)
	if err != nil {
		return errf("resolving %s: %w", next, err)
	}
	out := core.OutSocket(d)
	if out == nil {
		return errf("no socket towards %s", d.String())
	}
	if d.Socket == nil {
		d.Socket = out
	}
	msg.SetVia(sip.FormatVia(d.Proto.ViaName(), out.AdvertisedHost(), out.AdvertisedPort(), "z9hG4bK"+randHex(16), false))
	b := msg.Bytes()
	e.mu.Lock()
	e.ack, e.ackDest, e.ackCSeq = b, d, cseq
	e.mu.Unlock()
	m.dbSave(e)
	return core.Send(d, b)
}

// SendReply implements api.B2BEntities.
func (m *Module) SendReply(be api.B2BEntity, method string, code int, reason, headers, contentType, body string) error {
	e, ok := be.(*entity)
	if !ok || e == nil {
		return errf("not an entity")
	}
	if method == "" {
		method = "INVITE"
	}
	e.mu.Lock()
	tx := e.pending[method]
	if tx == nil {
		e.mu.Unlock()
		return errf("no pending %s on %s", method, e.key)
	}
	toTag := ""
	if e.typ == api.B2BServer {
		toTag = e.key
	} else {
		toTag = e.fromTag
	}
	if code >= 200 {
		delete(e.pending, method)
		if method == "INVITE" {
			e.ackWait = time.Now()
			switch {
			case code < 300:
				if e.state < stConfirmed || e.state == stModified {
					e.state = stConfirmed
				}
			case e.state < stConfirmed:
				e.state = stTerminated
			case e.state == stModified:
				e.state = stEstablished
			}
		}
	} else if code > 100 && method == "INVITE" && e.state < stEarly {
		e.state = stEarly
	}
	e.lastReplyCode = code
	hdrs := headers
	if code > 100 && code < 300 && (method == "INVITE" || method == "UPDATE" || method == "SUBSCRIBE" || method == "REFER") {
		hdrs = contactLine(e.contact) + hdrs
	}
	e.mu.Unlock()
	if contentType != "" && body != "" {
		hdrs += "Content-Type: " + contentType + "\r\n"
	}
	err := tx.Reply(code, reason, toTag, hdrs, body)
	m.dbSave(e)
	return err
}

// Delete implements api.B2BEntities.
func (m *Module) Delete(be api.B2BEntity) {
	e, ok := be.(*entity)
	if !ok || e == nil {
		return
	}
	e.mu.Lock()
	e.deleted = true
	e.mu.Unlock()
	m.dbForget(e)
	if e.typ == api.B2BServer {
		m.servers.del(e.key)
	} else {
		m.clients.del(e.key)
	}
}

// Entity implements api.B2BEntities.
func (m *Module) Entity(t api.B2BEntityType, key string) api.B2BEntity {
	var e *entity
	if t == api.B2BServer {
		e = m.servers.get(key)
	} else {
		e = m.clients.get(key)
	}
	if e == nil {
		return nil
	}
	return e
}

// SetParam implements api.B2BEntities.
func (m *Module) SetParam(be api.B2BEntity, param string) {
	if e, ok := be.(*entity); ok && e != nil {
		e.mu.Lock()
		e.param = param
		e.mu.Unlock()
		m.dbSave(e)
	}
}

// takeMaxForwards removes a Max-Forwards line from extra headers and
// returns its value (0 when none), for the request's own header.
func takeMaxForwards(h string) (string, int) {
	i := strings.Index(h, "Max-Forwards:")
	if i < 0 || (i > 0 && h[i-1] != '\n') {
		return h, 0
	}
	j := strings.Index(h[i:], "\r\n")
	if j < 0 {
		return h, 0
	}
	n, err := strconv.Atoi(strings.TrimSpace(h[i+len("Max-Forwards:") : i+j]))
	if err != nil || n <= 0 {
		return h[:i] + h[i+j+2:], 0
	}
	return h[:i] + h[i+j+2:], n
}

// userAgentLine is the User-Agent line tm signs its requests with ("" with
// server_signature=0): the ACKs built here carry it too, as OpenSIPS'.
func userAgentLine(core api.Core) string {
	if ua := api.UserAgentOf(core); ua != "" {
		return "User-Agent: " + ua + "\r\n"
	}
	return ""
}
