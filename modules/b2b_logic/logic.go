package b2blogic

import (
	"strconv"
	"strings"
	"time"

	"gosips/api"
	"gosips/sip"
)

// The headers passed from one side to the other besides the custom ones
// (Content-Type travels with the body).
var passedHdrs = map[string]bool{"supported": true, "allow": true, "proxy-require": true,
	"session-expires": true, "min-se": true, "require": true, "rseq": true}

// passHeaders returns the header lines of m passed to the other side:
// the default set, custom_headers and custom_headers_regexp;
// Max-Forwards decreased by one for requests.
func (m *Module) passHeaders(msg *sip.Msg) string {
	var b strings.Builder
	for _, f := range msg.Fields() {
		name := strings.ToLower(sip.CanonicalName(f.Name))
		switch {
		case name == "max-forwards":
			if msg.IsRequest() {
				if n, err := strconv.Atoi(strings.TrimSpace(f.Value)); err == nil && n > 0 {
					b.WriteString("Max-Forwards: " + strconv.Itoa(n-1) + "\r\n")
				}
			}
			continue
		case passedHdrs[name], m.custom[name], m.customRe != nil && m.customRe.MatchString(sip.CanonicalName(f.Name)):
		default:
			continue
		}
		b.WriteString(sip.CanonicalName(f.Name))
		b.WriteString(": ")
		b.WriteString(f.Value)
		b.WriteString("\r\n")
	}
	return b.String()
}

func contentType(msg *sip.Msg) string {
	v, _ := msg.Header("Content-Type")
	return v
}

// contactFor returns the Contact URI advertised on a session: the
// server_address parameter, or the socket the request came on.
func (m *Module) contactFor(req *sip.Msg, user string) string {
	if m.ServerAddress != "" {
		return m.ServerAddress
	}
	r := req.Recv()
	if r == nil || r.Socket == nil {
		return ""
	}
	s := r.Socket
	u := "sip:"
	if m.ContactUser != 0 && user != "" {
		u += user + "@"
	}
	u += s.AdvertisedHost() + ":" + strconv.Itoa(s.AdvertisedPort())
	if s.Proto != sip.ProtoUDP && s.Proto != sip.ProtoNone {
		u += ";transport=" + s.Proto.String()
	}
	return u
}

// newTuple creates and indexes a session.
func (m *Module) newTuple(scenario string) *tuple {
	t := &tuple{scenario: scenario, ctx: map[string]string{}, created: time.Now(), state: tsInit, dbFlag: 2}
	m.tuples.add(t)
	if m.MaxDuration > 0 {
		m.setLifetime(t, time.Duration(m.MaxDuration)*m.unit)
	}
	return t
}

// setLifetime arms the session's lifetime: when it runs out, every leg
// gets a BYE (or CANCEL) and the session is deleted.
func (m *Module) setLifetime(t *tuple, d time.Duration) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.lifetime = d
	t.expires = time.Now().Add(d)
	if t.lifeTimer != nil {
		t.lifeTimer.Stop()
	}
	t.lifeTimer = time.AfterFunc(d, func() { m.terminate(t) })
}

// initRequest starts a session on the initial INVITE in c: a server
// entity for the caller and a client entity per destination.
func (m *Module) initRequest(c *api.Ctx, scenario string, fl initFlags, reqRoute, replyRoute string) api.Ret {
	req := c.Msg
	st := msgState(c)
	topHiding := scenario == "top hiding"
	if !topHiding && (st.server == nil || len(st.clients) == 0) {
		m.log.Error("b2b_init_request: create the entities first with b2b_server_new and b2b_client_new", "callid", req.CallID())
		return api.RetFalse
	}
	from, err := req.From()
	if err != nil {
		return api.RetFalse
	}
	if f, ok := m.fromOverride(c); ok {
		from = f
	}
	contact := m.contactFor(req, sipUser(from.URI))
	srvContact := contact
	if st.server != nil && st.server.contact != "" {
		srvContact = st.server.contact
	}
	t := m.newTuple(scenario)
	t.reqRoute, t.replyRoute = reqRoute, replyRoute
	t.preserveTo, t.transparentAuth = fl.preserveTo, fl.transparentAuth
	for k, v := range st.ctx {
		t.ctx[k] = v
	}
	srv, err := m.ents.ServerNew(c, srvContact, m, t.key)
	if err != nil || srv == nil {
		m.deleteTuple(t)
		if err != nil {
			m.log.Error("b2b_init_request: cannot create the server entity", "callid", req.CallID(), "err", err)
			return api.RetFalse
		}
		return api.RetStop // retransmission
	}
	sl := &leg{ent: srv, typ: api.B2BServer, no: 0, fromURI: from.URI, toURI: srv.ToURI()}
	if topHiding {
		sl.toURI = c.RURI()
	}
	if st.server != nil {
		sl.id, sl.hdrs = st.server.id, st.server.hdrs
	}
	// The client entities: for top hiding, one to the R-URI (and $du).
	specs := st.clients
	if topHiding {
		specs = []*clientSpec{{uri: c.RURI(), proxy: c.DstURI}}
	}
	to, _ := req.To()
	body := req.Body()
	ct := contentType(req)
	hdrs := m.passHeaders(req)
	if m.InitCallIDHdr != "" {
		hdrs += m.InitCallIDHdr + ": " + req.CallID() + "\r\n"
	}
	t.mu.Lock()
	t.servers = []*leg{sl}
	t.bridge[0] = sl
	t.mu.Unlock()
	var first *leg
	for _, cs := range specs {
		fromHdr := "<" + from.URI + ">"
		if cs.fromDname != "" {
			fromHdr = quoteDname(cs.fromDname) + " " + fromHdr
		} else if from.Display != "" {
			fromHdr = from.Display + " " + fromHdr
		}
		toHdr := "<" + cs.uri + ">"
		if t.preserveTo {
			toHdr = "<" + to.URI + ">"
			if to.Display != "" {
				toHdr = to.Display + " " + toHdr
			}
		}
		cc := contact
		if cs.contact != "" {
			cc = cs.contact
		}
		l := &leg{id: cs.id, typ: api.B2BClient, no: 1, fromURI: from.URI, toURI: cs.uri, hdrs: cs.hdrs}
		_, err := m.ents.ClientNew(&api.B2BClientSpec{RURI: cs.uri, NextHop: cs.proxy, From: fromHdr, To: toHdr,
			Headers: hdrs + cs.hdrs, ContentType: ct, Body: body, Contact: cc, Socket: c.ForceSocket,
			Created: func(e api.B2BEntity) {
				t.mu.Lock()
				l.ent = e
				t.clients = append(t.clients, l)
				if first == nil {
					first = l
					t.bridge[1] = l
					l.peer, sl.peer = sl, l
				}
				t.mu.Unlock()
			}}, m, t.key)
		if err != nil {
			m.log.Error("b2b_init_request: cannot create the client entity", "callid", req.CallID(), "err", err)
			if l.ent != nil {
				t.mu.Lock()
				t.removeLeg(l)
				if first == l {
					first = nil
				}
				t.mu.Unlock()
			}
			continue
		}
	}
	if first == nil {
		_ = m.ents.SendReply(srv, "INVITE", 500, "Server Internal Error", "", "", "")
		m.deleteTuple(t)
		return api.RetFalse
	}
	t.mu.Lock()
	t.state = tsNotConfirmed
	setup := time.Duration(0)
	switch {
	case fl.setupTimeout > 0:
		setup = time.Duration(fl.setupTimeout) * m.unit
	case topHiding && m.THInitTimeout > 0 && !fl.setupSet:
		setup = time.Duration(m.THInitTimeout) * m.unit
	}
	if setup > 0 {
		t.setupTimer = time.AfterFunc(setup, func() { m.setupTimeout(t) })
	}
	t.mu.Unlock()
	m.dbSave(t)
	st.tuple, st.leg = t, sl
	return api.RetTrue
}

func sipUser(uri string) string {
	if u, err := sip.ParseURI(uri); err == nil {
		return u.User
	}
	return ""
}

func quoteDname(s string) string {
	if strings.HasPrefix(s, "\"") {
		return s
	}
	return "\"" + s + "\""
}

// setupTimeout ends a session not answered in time: the pending client
// INVITEs are cancelled (their 487 ends the caller's INVITE).
func (m *Module) setupTimeout(t *tuple) {
	t.mu.Lock()
	if t.deleted || t.state != tsNotConfirmed {
		t.mu.Unlock()
		return
	}
	clients := append([]*leg(nil), t.clients...)
	servers := append([]*leg(nil), t.servers...)
	t.mu.Unlock()
	cancelled := false
	for _, l := range clients {
		if m.ents.SendRequest(l.ent, "CANCEL", "", "", "") == nil {
			cancelled = true
		}
	}
	if !cancelled {
		for _, l := range servers {
			_ = m.ents.SendReply(l.ent, "INVITE", 408, "Request Timeout", "", "", "")
		}
		m.deleteTuple(t)
	}
}

// deleteTuple removes a session and its entities.
func (m *Module) deleteTuple(t *tuple) {
	t.mu.Lock()
	if t.deleted {
		t.mu.Unlock()
		return
	}
	t.deleted = true
	t.state = tsDestroyed
	if t.setupTimer != nil {
		t.setupTimer.Stop()
	}
	if t.lifeTimer != nil {
		t.lifeTimer.Stop()
	}
	legs := t.legs()
	t.mu.Unlock()
	for _, l := range legs {
		m.ents.Delete(l.ent)
	}
	m.dbForget(t)
	m.tuples.del(t.key)
}

// terminate ends every leg of a session (BYE when confirmed, CANCEL or
// an error reply before) and deletes it: lifetime expiry,
// b2b_terminate_call.
func (m *Module) terminate(t *tuple) {
	t.mu.Lock()
	if t.deleted {
		t.mu.Unlock()
		return
	}
	legs := t.legs()
	t.mu.Unlock()
	for _, l := range legs {
		m.endLeg(l)
	}
	m.deleteTuple(t)
}

// endLeg ends one leg: BYE within its dialog, else CANCEL (client) or
// an error reply (server).
func (m *Module) endLeg(l *leg) {
	if l.disconnected {
		return
	}
	l.disconnected = true
	if m.ents.SendRequest(l.ent, "BYE", l.hdrs, "", "") == nil {
		return
	}
	if l.typ == api.B2BClient {
		_ = m.ents.SendRequest(l.ent, "CANCEL", "", "", "")
		return
	}
	_ = m.ents.SendReply(l.ent, "INVITE", 480, "Temporarily Unavailable", "", "", "")
}

// tupleOf finds the session and leg of an entity.
func (m *Module) tupleOf(e api.B2BEntity) (*tuple, *leg) {
	t := m.tuples.get(e.Param())
	if t == nil {
		return nil, nil
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.deleted {
		return nil, nil
	}
	return t, t.legOf(e)
}

// B2BRequest implements api.B2BHandler: a request within a leg's
// dialog goes to the session's request route, or is passed on.
func (m *Module) B2BRequest(e api.B2BEntity, c *api.Ctx, tx api.ServerTx) {
	t, l := m.tupleOf(e)
	method := c.Msg.Method()
	if t == nil || l == nil {
		if tx != nil && method != "CANCEL" {
			_ = tx.Reply(481, "Call/Transaction Does Not Exist", "", "", "")
		}
		return
	}
	t.mu.Lock()
	route := t.reqRoute
	if route == "" {
		route = m.ScriptReqRoute
	}
	bridging := t.bstep != brNone
	if method == "BYE" {
		l.disconnected = true
	}
	t.mu.Unlock()
	// ACKs, CANCELs, requests of a leg being bridged and BYEs during a
	// bridge are handled here; the rest goes to the route when there is
	// one.
	if t.scenario != "top hiding" && route != "" && method != "ACK" && method != "CANCEL" && !(bridging && method == "BYE") {
		st := &state{tuple: t, leg: l, tx: tx}
		c.SetSlot(slotKey{}, st)
		if _, ok := m.core.RunRoute(c, api.RequestRoute, route); !ok {
			m.log.Error("b2b_logic: no route", "route", route)
		}
		return
	}
	m.passRequest(t, l, c.Msg, tx)
}

// passRequest sends a request received on leg l to its peer; the peer's
// answer will answer l's transaction.
func (m *Module) passRequest(t *tuple, l *leg, req *sip.Msg, tx api.ServerTx) {
	method := req.Method()
	t.mu.Lock()
	peer := l.peer
	bstep, bkeep, bnew := t.bstep, t.bkeep, t.bnew
	t.mu.Unlock()
	switch method {
	case "ACK":
		m.lateBye(t)
		if bstep == brWaitOld && l == bkeep {
			return // our ACK goes from the bridge step
		}
		if peer != nil && !l.noAck {
			_ = m.ents.SendRequest(peer.ent, "ACK", peer.hdrs, contentType(req), req.Body())
		}
		return
	case "CANCEL":
		_ = m.ents.SendReply(l.ent, "INVITE", 487, "Request Terminated", "", "", "")
		earlyBridged := false
		for _, p := range m.otherLegs(t, l) {
			if p.noAck {
				// A call bridged to this early leg (b2bl_early_update)
				// was answered: it is hung up.
				m.endLeg(p)
				earlyBridged = true
				continue
			}
			_ = m.ents.SendRequest(p.ent, "CANCEL", "", "", "")
		}
		if earlyBridged {
			t.mu.Lock()
			l.disconnected = true
			t.mu.Unlock()
		}
		m.maybeDone(t)
		return
	case "BYE":
		_ = m.ents.SendReply(l.ent, "BYE", 200, "OK", "", "", "")
		t.mu.Lock()
		l.disconnected = true
		t.mu.Unlock()
		if bstep != brNone {
			// The kept or the new side hung up during the bridge: end
			// everything.
			for _, p := range append([]*leg{bkeep, bnew, peer}, m.otherLegs(t, l)...) {
				if p != nil && p != l {
					m.endLeg(p)
				}
			}
			m.deleteTuple(t)
			return
		}
		if peer == nil {
			m.maybeDone(t)
			return
		}
		t.mu.Lock()
		if l.noAck && peer.typ == api.B2BServer && !peer.confirmed && t.state != tsBridged {
			// The peer's call is still unanswered (a caller bridged
			// early, b2bl_early_update): a callee never sends BYE on an
			// early dialog, its INVITE gets a final reply instead.
			peer.disconnected = true
			t.mu.Unlock()
			_ = m.ents.SendReply(peer.ent, "INVITE", 487, "Request Terminated", "", "", "")
			m.maybeDone(t)
			return
		}
		if peer.pendingFrom == nil {
			peer.pendingFrom = map[string]*leg{}
		}
		peer.pendingFrom["BYE"] = l
		peer.disconnected = true
		t.mu.Unlock()
		if err := m.ents.SendRequest(peer.ent, "BYE", peer.hdrs+m.passHeaders(req), "", ""); err != nil {
			m.deleteTuple(t)
		}
		return
	}
	if peer == nil {
		_ = m.ents.SendReply(l.ent, method, 481, "Call/Transaction Does Not Exist", "", "", "")
		return
	}
	t.mu.Lock()
	if peer.pendingFrom == nil {
		peer.pendingFrom = map[string]*leg{}
	}
	peer.pendingFrom[method] = l
	t.mu.Unlock()
	if err := m.ents.SendRequest(peer.ent, method, peer.hdrs+m.passHeaders(req), contentType(req), req.Body()); err != nil {
		m.log.Debug("b2b_logic: cannot pass request", "method", method, "err", err)
		_ = m.ents.SendReply(l.ent, method, 500, "Server Internal Error", "", "", "")
	}
}

// otherLegs returns the legs of t other than l.
func (m *Module) otherLegs(t *tuple, l *leg) []*leg {
	t.mu.Lock()
	defer t.mu.Unlock()
	var out []*leg
	for _, x := range t.legs() {
		if x != l {
			out = append(out, x)
		}
	}
	return out
}

// maybeDone deletes a session none of whose legs lasts.
func (m *Module) maybeDone(t *tuple) {
	t.mu.Lock()
	for _, l := range t.legs() {
		if !l.disconnected {
			t.mu.Unlock()
			return
		}
	}
	t.mu.Unlock()
	m.deleteTuple(t)
}

// B2BReply implements api.B2BHandler: a reply on a leg goes to the
// session's reply route, or is handled here.
func (m *Module) B2BReply(e api.B2BEntity, method string, reply *sip.Msg, code int) {
	t, l := m.tupleOf(e)
	if t == nil || l == nil {
		// The session is gone: acknowledge a late 2xx and hang it up.
		if method == "INVITE" && code >= 200 && code < 300 {
			_ = m.ents.SendRequest(e, "ACK", "", "", "")
			_ = m.ents.SendRequest(e, "BYE", "", "", "")
		}
		return
	}
	t.mu.Lock()
	route := t.replyRoute
	if route == "" {
		route = m.ScriptReplyRoute
	}
	t.mu.Unlock()
	if t.scenario != "top hiding" && route != "" && code > 100 && m.core != nil {
		c := m.core.NewCtx(m.ctx(), api.RequestRoute, reply)
		c.Reply = reply
		c.SetSlot(slotKey{}, &state{tuple: t, leg: l, reply: reply, method: method, code: code})
		m.core.RunRoute(c, api.RequestRoute, route)
		m.core.ReleaseCtx(c)
		return
	}
	m.handleReply(t, l, method, reply, code)
}

// handleReply is b2b_handle_reply(): a reply on leg l answers the
// request its peer sent, or moves a bridge on.
func (m *Module) handleReply(t *tuple, l *leg, method string, reply *sip.Msg, code int) {
	if code <= 100 {
		return
	}
	t.mu.Lock()
	if t.bstep != brNone && method == "INVITE" && (l == t.bnew || l == t.bkeep || t.bstep == brExt) {
		t.mu.Unlock()
		m.bridgeReply(t, l, reply, code)
		return
	}
	from := l.pendingFrom[method]
	if code >= 200 && from != nil {
		delete(l.pendingFrom, method)
	}
	replyMethod := method
	if method == "UPDATE" && l.updateAnswers && from != nil {
		replyMethod = "INVITE"
		if code >= 200 {
			l.updateAnswers = false
		}
	}
	peer := l.peer
	initial := method == "INVITE" && l.typ == api.B2BClient && t.state == tsNotConfirmed
	t.mu.Unlock()
	if initial {
		m.initialReply(t, l, reply, code)
		return
	}
	if method == "BYE" {
		if code >= 200 {
			m.maybeDone(t)
		}
		return
	}
	if from == nil && method == "NOTIFY" {
		return // the answer to a REFER progress NOTIFY of ours
	}
	if from == nil {
		from = peer
	}
	if from == nil {
		if method == "INVITE" && code < 300 && code >= 200 {
			_ = m.ents.SendRequest(l.ent, "ACK", "", "", "")
		}
		return
	}
	hdrs := m.passHeaders(reply)
	if err := m.ents.SendReply(from.ent, replyMethod, code, reply.Reason(), hdrs, contentType(reply), reply.Body()); err != nil {
		m.log.Debug("b2b_logic: cannot pass reply", "method", replyMethod, "code", code, "err", err)
	}
}

// initialReply passes a reply to the initial INVITE of a client leg to
// the server leg.
func (m *Module) initialReply(t *tuple, l *leg, reply *sip.Msg, code int) {
	t.mu.Lock()
	srv := l.peer
	if srv == nil && len(t.servers) > 0 {
		srv = t.servers[0]
	}
	if code >= 200 && code < 300 {
		t.state = tsBridged
		if t.setupTimer != nil {
			t.setupTimer.Stop()
		}
	}
	t.mu.Unlock()
	if srv == nil {
		if code >= 200 && code < 300 {
			m.dbSave(t)
		}
		return
	}
	hdrs := m.passHeaders(reply)
	if code >= 300 && code < 400 {
		// The caller is redirected to the Contacts of the 3xx.
		for _, v := range reply.Headers("Contact") {
			hdrs += "Contact: " + v + "\r\n"
		}
	}
	if (code == 401 || code == 407) && t.transparentAuth {
		for _, n := range []string{"WWW-Authenticate", "Proxy-Authenticate"} {
			for _, v := range reply.Headers(n) {
				hdrs += n + ": " + v + "\r\n"
			}
		}
	}
	err := m.ents.SendReply(srv.ent, "INVITE", code, reply.Reason(), hdrs, contentType(reply), reply.Body())
	if code >= 200 && code < 300 {
		m.dbSave(t) // with the answer sent to the caller
	}
	if code >= 300 {
		t.mu.Lock()
		l.disconnected = true
		t.mu.Unlock()
		if err != nil {
			m.log.Debug("b2b_logic: cannot pass the final reply", "code", code, "err", err)
		}
		m.deleteTuple(t)
	}
}
