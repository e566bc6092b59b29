package presence

import (
	"context"
	"strconv"
	"strings"

	"gosips/api"
	"gosips/db"
	"gosips/sip"
)

// handleSubscribe is handle_subscribe([force_active[, sharing_tag]]).
func (m *Module) handleSubscribe(c *api.Ctx, forceActive bool, sharingTag string) api.Ret {
	msg := c.Msg
	if msg == nil || !msg.IsRequest() || msg.MethodID() != sip.MethodSubscribe {
		c.Log.Error("handle_subscribe: not a SUBSCRIBE request")
		return api.RetFalse
	}
	evHdr, _ := msg.Header("Event")
	name, eventID := api.ParseEvent(evHdr)
	ev := m.byName[name]
	if ev == nil {
		return reply(c, 489, "Bad Event", "Allow-Events: "+m.allowEvents()+"\r\n")
	}
	expires := ev.DefaultExpires
	if v, ok := msg.Expires(); ok {
		expires = v
	}
	if expires > m.MaxExpiresSubscribe {
		expires = m.MaxExpiresSubscribe
	}
	if expires < 0 {
		expires = 0
	}
	ctx := c.Context
	if ctx == nil {
		ctx = context.Background()
	}
	cseq, _, err := msg.CSeq()
	if err != nil {
		return reply(c, 400, "Bad request", "")
	}
	var target string
	if cts, _, err := msg.Contacts(); err == nil && len(cts) > 0 {
		target = cts[0].URI
	}
	if msg.ToTag() != "" {
		return m.subscribeInDialog(c, ctx, ev, expires, int(cseq), target)
	}
	if target == "" {
		return reply(c, 400, "Bad request", "")
	}
	from, err1 := msg.From()
	to, err2 := msg.To()
	if err1 != nil || err2 != nil || from.Tag == "" {
		return reply(c, 400, "Bad request", "")
	}
	puser, phost, ok := presentityURI(c.RURI())
	if !ok {
		return reply(c, 400, "Bad request", "")
	}
	wuser, whost, ok := presentityURI(from.URI)
	if !ok {
		return reply(c, 400, "Bad request", "")
	}
	tuser, thost, _ := presentityURI(to.URI)
	tag := ""
	if tt, ok := c.Core.Module("signaling").(toTagger); ok {
		tag, _ = tt.LocalToTag(c)
	}
	if tag == "" {
		c.Log.Error("handle_subscribe: no To-tag from signaling")
		return api.RetFalse
	}
	s := &subscription{
		presURI: joinURI(puser, phost), event: ev, eventID: eventID,
		watcherUser: wuser, watcherDomain: whost, toUser: tuser, toDomain: thost,
		toTag: tag, fromTag: from.Tag, callID: msg.CallID(), remoteCSeq: int(cseq),
		contact: target, recordRoute: recordRoute(msg), status: api.SubActive,
		sharingTag: sharingTag, dbState: dbInsert,
	}
	s.socket, s.socketInfo, s.localContact = m.localContact(msg)
	s.expires = m.now().Unix() + int64(expires+m.ExpiresOffset)
	if !forceActive && ev.Authorize != nil {
		s.status, s.reason = ev.Authorize(ctx, s.presURI, s.watcherURI())
	}
	if expires > 0 && s.status != api.SubTerminated {
		m.mu.Lock()
		if _, dup := m.subs[s.key()]; dup {
			m.mu.Unlock()
			return reply(c, 500, "Server Internal Error", "")
		}
		m.addWatching(s)
		if m.Fallback2DB != 0 {
			m.dbWriteSub(ctx, s)
		}
		m.dbWatcher(ctx, s)
		m.mu.Unlock()
	} else {
		if s.status != api.SubTerminated {
			s.status, s.reason = api.SubTerminated, "timeout"
		}
		m.dbWatcher(ctx, s)
	}
	// s is not changed by anyone else before it is answered: the To-tag
	// is known only to this request until the reply leaves.
	terminated := s.status == api.SubTerminated
	ret := reply(c, m.replyCode(s), "OK", m.replyHeaders(s, expires))
	m.sendNotify(s, nil, nil, terminated)
	if ev.peer != nil && !ev.Winfo {
		m.notifyWinfo(s.presURI, ev)
	}
	return ret
}

// replyCode is 202 for a pending subscription to a published event,
// else 200 (OpenSIPS answers 200 to winfo subscriptions).
func (m *Module) replyCode(s *subscription) int {
	if !s.event.Winfo && s.status == api.SubPending {
		return 202
	}
	return 200
}

func (m *Module) replyHeaders(s *subscription, expires int) string {
	return "Expires: " + strconv.Itoa(expires) + "\r\nContact: <" + s.localContact + ">\r\n"
}

// subscribeInDialog refreshes or ends a subscription.
func (m *Module) subscribeInDialog(c *api.Ctx, ctx context.Context, ev *event, expires, cseq int, target string) api.Ret {
	msg := c.Msg
	k := dlgKey{msg.CallID(), msg.ToTag(), msg.FromTag()}
	m.mu.Lock()
	s := m.subs[k]
	if s == nil || s.event != ev {
		m.mu.Unlock()
		return reply(c, 481, "Subscription does not exist", "")
	}
	if cseq <= s.remoteCSeq {
		m.mu.Unlock()
		return reply(c, 400, "Bad request", "")
	}
	s.remoteCSeq = cseq
	if target != "" {
		s.contact = target
	}
	terminated := expires == 0
	if terminated {
		m.removeSub(s)
		s.status, s.reason = api.SubTerminated, "timeout"
		s.expires = m.now().Unix()
	} else {
		s.expires = m.now().Unix() + int64(expires+m.ExpiresOffset)
		s.dbState |= dbUpdate
		if m.Fallback2DB != 0 {
			m.dbWriteSub(ctx, s)
		}
	}
	code, hdrs := m.replyCode(s), m.replyHeaders(s, expires)
	m.mu.Unlock()
	ret := reply(c, code, "OK", hdrs)
	m.sendNotify(s, nil, nil, terminated)
	if terminated && ev.peer != nil && !ev.Winfo {
		m.notifyWinfo(s.presURI, ev)
	}
	return ret
}

// recordRoute is the route set of the subscription dialog: the
// Record-Route values in order, comma separated.
func recordRoute(msg *sip.Msg) string {
	return strings.Join(msg.Headers("Record-Route"), ", ")
}

// localContact returns the socket a SUBSCRIBE came on, its text for the
// socket_info column and the Contact of the NOTIFYs.
func (m *Module) localContact(msg *sip.Msg) (*sip.Socket, string, string) {
	rcv := msg.Recv()
	if rcv == nil {
		return nil, "", "sip:" + m.ContactUser + "@127.0.0.1"
	}
	host := rcv.Local.Addr().String()
	if rcv.Local.Addr().Is6() {
		host = "[" + host + "]"
	}
	port := int(rcv.Local.Port())
	proto := rcv.Proto
	var info string
	if s := rcv.Socket; s != nil {
		info = s.String()
		if s.AdvHost != "" {
			host = s.AdvHost
		}
		if s.AdvPort != 0 {
			port = s.AdvPort
		}
	} else {
		info = proto.String() + ":" + host + ":" + strconv.Itoa(port)
	}
	ct := "sip:" + m.ContactUser + "@" + host + ":" + strconv.Itoa(port)
	if proto != sip.ProtoUDP && proto != sip.ProtoNone {
		ct += ";transport=" + proto.String()
	}
	return rcv.Socket, info, ct
}

// dbWatcher records a new watcher in the watchers table.
func (m *Module) dbWatcher(ctx context.Context, s *subscription) {
	if m.conn == nil || s.event.Winfo {
		return
	}
	cols := []string{"presentity_uri", "watcher_username", "watcher_domain", "event", "status", "reason", "inserted_time"}
	reason := db.NullValue(db.String)
	if s.reason != "" {
		reason = db.StringValue(s.reason)
	}
	vals := []db.Value{db.StringValue(s.presURI), db.StringValue(s.watcherUser), db.StringValue(s.watcherDomain),
		db.StringValue(s.event.Name), db.IntValue(int64(s.status)), reason, db.IntValue(m.now().Unix())}
	if _, err := m.conn.Upsert(ctx, m.WatchersTable, cols[:4], cols, vals); err != nil {
		m.log.Error("writing watcher failed", "presentity", s.presURI, "err", err)
	}
}
