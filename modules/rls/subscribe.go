package rls

import (
	"context"
	"slices"
	"strconv"
	"strings"

	"gosips/api"
	"gosips/sip"
)

// dlgKey identifies a list subscription: Call-ID, To-tag, From-tag.
type dlgKey struct{ callID, toTag, fromTag string }

// sub is one subscription to a list (a row of rls_watchers).
type sub struct {
	presURI       string // the list URI
	event         string
	eventID       string
	toUser        string
	toDomain      string
	watcherUser   string
	watcherDomain string
	toTag         string
	fromTag       string
	callID        string
	localCSeq     int
	remoteCSeq    int
	contact       string
	recordRoute   string
	expires       int64 // absolute, Unix seconds
	status        int
	reason        string
	version       int
	socket        *sip.Socket
	socketInfo    string
	localContact  string
	dbState       int
}

// Database states of a subscription (OpenSIPS' db_flag).
const (
	dbNoUpdate = 1 << iota
	dbUpdate
	dbInsert
)

func (s *sub) key() dlgKey { return dlgKey{s.callID, s.toTag, s.fromTag} }

func (s *sub) watcherURI() string { return joinURI(s.watcherUser, s.watcherDomain) }

// did is the identifier of the list subscription in rls_presentity and
// in pua (callid;fromtag;totag).
func (s *sub) did() string { return s.callID + ";" + s.fromTag + ";" + s.toTag }

func joinURI(user, host string) string {
	if user == "" {
		return "sip:" + host
	}
	return "sip:" + user + "@" + host
}

// subsExtraHeaders go on the SUBSCRIBEs sent to the resources.
const subsExtraHeaders = "Supported: eventlist\r\nAccept: application/pidf+xml, application/rlmi+xml, " +
	"application/watcherinfo+xml, multipart/related, application/xcap-diff+xml\r\n"

// hasEventlist tells whether a Supported header lists eventlist.
func hasEventlist(msg *sip.Msg) bool {
	for _, v := range msg.Headers("Supported") {
		for _, t := range strings.Split(v, ",") {
			if strings.EqualFold(strings.TrimSpace(t), "eventlist") {
				return true
			}
		}
	}
	for _, v := range msg.Headers("k") {
		for _, t := range strings.Split(v, ",") {
			if strings.EqualFold(strings.TrimSpace(t), "eventlist") {
				return true
			}
		}
	}
	return false
}

func (m *Module) handlesEvent(name string) bool { return slices.Contains(m.Events, name) }

// handleSubscribe is rls_handle_subscribe(): a SUBSCRIBE that is not
// for a list (no "Supported: eventlist", another event, no such service
// or dialog) returns to_presence_code without a reply.
func (m *Module) handleSubscribe(c *api.Ctx) api.Ret {
	msg := c.Msg
	if msg == nil || !msg.IsRequest() || msg.MethodID() != sip.MethodSubscribe {
		c.Log.Error("rls_handle_subscribe: not a SUBSCRIBE request")
		return api.RetFalse
	}
	notList := api.Ret(m.ToPresenceCode)
	if !hasEventlist(msg) {
		return notList
	}
	evHdr, _ := msg.Header("Event")
	if strings.TrimSpace(evHdr) == "" {
		return m.badEvent(c)
	}
	name, eventID := api.ParseEvent(evHdr)
	if !m.handlesEvent(name) {
		return notList
	}
	if !slices.Contains(m.pevs.EventNames(), name) {
		return m.badEvent(c)
	}
	from, err1 := msg.From()
	to, err2 := msg.To()
	if err1 != nil || err2 != nil || from.Tag == "" {
		reply(c, 400, "Bad request", "")
		return api.RetFalse
	}
	ctx := c.Context
	if ctx == nil {
		ctx = context.Background()
	}
	fu, err := sip.ParseURI(from.URI)
	if err != nil {
		reply(c, 400, "Bad request", "")
		return api.RetFalse
	}
	expires := 3600
	if v, ok := msg.Expires(); ok {
		expires = v
	}
	if expires > m.MaxExpires {
		expires = m.MaxExpires
	}
	if expires < 0 {
		expires = 0
	}
	cseq, _, err := msg.CSeq()
	if err != nil {
		reply(c, 400, "Bad request", "")
		return api.RetFalse
	}
	var target string
	if cts, _, err := msg.Contacts(); err == nil && len(cts) > 0 {
		target = cts[0].URI
	}
	if msg.ToTag() != "" {
		return m.subscribeInDialog(c, ctx, int(cseq), expires, target)
	}
	listURI := userHostURI(c.RURI())
	if listURI == "" {
		reply(c, 400, "Bad request", "")
		return api.RetFalse
	}
	svc, err := m.service(ctx, listURI, fu.User, fu.Host)
	if err != nil {
		c.Log.Error("rls_handle_subscribe: reading the resource list failed", "err", err)
		reply(c, 500, "Server Error", "")
		return api.RetFalse
	}
	if svc == nil {
		return notList
	}
	if target == "" {
		reply(c, 400, "Bad request", "")
		return api.RetFalse
	}
	tag := ""
	if tt, ok := c.Core.Module("signaling").(toTagger); ok {
		tag, _ = tt.LocalToTag(c)
	}
	if tag == "" {
		c.Log.Error("rls_handle_subscribe: no To-tag from signaling")
		return api.RetFalse
	}
	tu, tuErr := sip.ParseURI(to.URI)
	s := &sub{presURI: listURI, event: name, eventID: eventID, toTag: tag, fromTag: from.Tag, callID: msg.CallID(),
		watcherUser: fu.User, watcherDomain: fu.Host, remoteCSeq: int(cseq), contact: target,
		recordRoute: strings.Join(msg.Headers("Record-Route"), ", "), status: api.SubActive, version: 1,
		dbState: dbInsert}
	if tuErr == nil {
		s.toUser, s.toDomain = tu.User, tu.Host
	}
	s.socket, s.socketInfo, s.localContact = m.localContact(msg)
	s.expires = m.now().Unix() + int64(expires)
	m.mu.Lock()
	if _, dup := m.subs[s.key()]; dup {
		m.mu.Unlock()
		c.Log.Error("rls_handle_subscribe: subscription overlapping detected, rejecting")
		reply(c, 500, "Server Error", "")
		return api.RetFalse
	}
	if expires > 0 {
		m.subs[s.key()] = s
	}
	m.mu.Unlock()
	if !reply(c, 200, "OK", replyHeaders(s, expires)) {
		return api.RetFalse
	}
	return m.afterReply(ctx, s, svc, expires)
}

func replyHeaders(s *sub, expires int) string {
	return "Expires: " + strconv.Itoa(expires) + "\r\nContact: <" + s.localContact + ">\r\nRequire: eventlist\r\n"
}

// afterReply sends the full-state NOTIFY and the resource SUBSCRIBEs.
func (m *Module) afterReply(ctx context.Context, s *sub, svc *node, expires int) api.Ret {
	if err := m.fullNotify(ctx, s, svc, expires); err != nil {
		m.log.Error("sending full state NOTIFY failed", "list", s.presURI, "err", err)
		return api.RetFalse
	}
	if err := m.subscribeResources(ctx, s, svc, expires, false); err != nil {
		m.log.Error("subscribing to the resources failed", "list", s.presURI, "err", err)
		return api.RetFalse
	}
	return api.RetTrue
}

// subscribeInDialog refreshes or ends a list subscription.
func (m *Module) subscribeInDialog(c *api.Ctx, ctx context.Context, cseq, expires int, target string) api.Ret {
	msg := c.Msg
	k := dlgKey{msg.CallID(), msg.ToTag(), msg.FromTag()}
	m.mu.Lock()
	s := m.subs[k]
	if s == nil {
		m.mu.Unlock()
		return api.Ret(m.ToPresenceCode)
	}
	if cseq <= s.remoteCSeq {
		// OpenSIPS 3.6 picks 401 "Stale Cseq Value" here but its error
		// path replies 500 to every failed update: the wire answer is 500.
		m.mu.Unlock()
		c.Log.Error("rls_handle_subscribe: stale CSeq", "received", cseq, "stored", s.remoteCSeq)
		reply(c, 500, "Server Error", "")
		return api.RetFalse
	}
	s.remoteCSeq = cseq
	if target != "" {
		s.contact = target
	}
	s.expires = m.now().Unix() + int64(expires)
	if s.dbState == dbNoUpdate {
		s.dbState = dbUpdate
	}
	if expires == 0 {
		delete(m.subs, k)
		m.gone = append(m.gone, s)
	}
	cp := *s
	m.mu.Unlock()
	svc, err := m.service(ctx, cp.presURI, cp.watcherUser, cp.watcherDomain)
	if err != nil {
		reply(c, 500, "Server Error", "")
		return api.RetFalse
	}
	if svc == nil {
		reply(c, 404, "Not Found", "")
		return api.RetFalse
	}
	if !reply(c, 200, "OK", replyHeaders(s, expires)) {
		return api.RetFalse
	}
	return m.afterReply(ctx, s, svc, expires)
}

// subscribeResources subscribes (or, with expires 0, unsubscribes) the
// list's resources through pua; update also ends the subscriptions of
// resources no longer listed.
func (m *Module) subscribeResources(ctx context.Context, s *sub, svc *node, expires int, update bool) error {
	uris, err := m.entries(ctx, svc, s.watcherUser, s.watcherDomain)
	if err != nil {
		return err
	}
	m.log.Info("list subscription expanded", "watcher", s.watcherURI(), "list", s.presURI, "resources", len(uris))
	req := api.SubscribeRequest{WatcherURI: s.watcherURI(), Contact: s.localContact, ID: s.did(), Source: source,
		Event: s.event, Expires: expires, OutboundProxy: strings.TrimSpace(m.PresenceServer), ExtraHeaders: subsExtraHeaders}
	for _, u := range uris {
		r := req
		r.PresURI = u
		if err := m.pua.Subscribe(ctx, &r); err != nil {
			m.log.Error("subscribing to a resource failed", "resource", u, "err", err)
		}
	}
	if !update {
		return nil
	}
	for _, u := range m.pua.SubscribedURIs(source, s.did()) {
		if slices.Contains(uris, u) {
			continue
		}
		r := req
		r.PresURI, r.Expires = u, 0
		if err := m.pua.Subscribe(ctx, &r); err != nil {
			m.log.Error("unsubscribing a resource failed", "resource", u, "err", err)
		}
	}
	return nil
}

// badEvent answers 489 with the events presence knows.
func (m *Module) badEvent(c *api.Ctx) api.Ret {
	reply(c, 489, "Bad Event", "Allow-Events: "+strings.Join(m.pevs.EventNames(), ", ")+"\r\n")
	return api.RetFalse
}

// localContact returns the socket a SUBSCRIBE came on, its text for the
// socket_info column and the Contact of the replies and NOTIFYs.
func (m *Module) localContact(msg *sip.Msg) (*sip.Socket, string, string) {
	user := ""
	if m.ContactUser != "" {
		user = m.ContactUser + "@"
	}
	rcv := msg.Recv()
	if rcv == nil {
		return nil, "", "sip:" + user + "127.0.0.1"
	}
	host, port := rcv.Local.Addr().String(), int(rcv.Local.Port())
	if rcv.Local.Addr().Is6() {
		host = "[" + host + "]"
	}
	info := rcv.Proto.String() + ":" + host + ":" + strconv.Itoa(port)
	if so := rcv.Socket; so != nil {
		info = so.String()
		if so.AdvHost != "" {
			host = so.AdvHost
		}
		if so.AdvPort != 0 {
			port = so.AdvPort
		}
	}
	ct := "sip:" + user + host + ":" + strconv.Itoa(port)
	if rcv.Proto != sip.ProtoUDP && rcv.Proto != sip.ProtoNone {
		ct += ";transport=" + rcv.Proto.String()
	}
	return rcv.Socket, info, ct
}
