package presence

import (
	"context"
	"strconv"
	"strings"

	"gosips/api"
	"gosips/db"
	"gosips/sip"
)

// toTagger is what signaling offers: the To-tag of its local replies.
type toTagger interface {
	LocalToTag(c *api.Ctx) (string, bool)
}

// reply answers the request of c through signaling (tm when the request
// has a transaction, else sl).
func reply(c *api.Ctx, code int, reason, hdrs string) api.Ret {
	if c.Core == nil {
		return api.RetFalse
	}
	r, ok := c.Core.Module("signaling").(api.Replier)
	if !ok {
		c.Log.Error("presence: signaling is not loaded, cannot reply")
		return api.RetFalse
	}
	if err := r.Reply(c, code, reason, hdrs, ""); err != nil {
		c.Log.Error("presence: sending reply failed", "code", code, "err", err)
		return api.RetFalse
	}
	return api.RetTrue
}

// presentityURI returns "sip:user@host" of a URI.
func presentityURI(uri string) (user, host string, ok bool) {
	u, err := sip.ParseURI(strings.TrimSpace(uri))
	if err != nil || u.Host == "" {
		return "", "", false
	}
	return u.User, u.Host, true
}

func joinURI(user, host string) string {
	if user == "" {
		return "sip:" + host
	}
	return "sip:" + user + "@" + host
}

// handlePublish is handle_publish([sender_uri]).
func (m *Module) handlePublish(c *api.Ctx, sender string) api.Ret {
	msg := c.Msg
	if msg == nil || !msg.IsRequest() || msg.MethodID() != sip.MethodPublish {
		c.Log.Error("handle_publish: not a PUBLISH request")
		return api.RetFalse
	}
	evHdr, ok := msg.Header("Event")
	if !ok || strings.TrimSpace(evHdr) == "" {
		return reply(c, 400, "Bad request", "")
	}
	name, _ := api.ParseEvent(evHdr)
	ev := m.byName[name]
	if ev == nil || ev.Winfo {
		return reply(c, 489, "Bad Event", "Allow-Events: "+m.allowEvents()+"\r\n")
	}
	user, host, ok := presentityURI(c.RURI())
	if !ok {
		return reply(c, 400, "Bad request", "")
	}
	uri := joinURI(user, host)
	expires := ev.DefaultExpires
	if v, ok := msg.Expires(); ok {
		expires = v
	}
	if expires > m.MaxExpiresPublish {
		expires = m.MaxExpiresPublish
	}
	body := []byte(msg.Body())
	etag, hasETag := msg.Header("SIP-If-Match")
	etag = strings.TrimSpace(etag)
	if !hasETag || etag == "" {
		if len(body) == 0 || expires == 0 {
			return reply(c, 400, "Bad request", "")
		}
	}
	if len(body) > 0 && ev.CheckBody != nil {
		if err := ev.CheckBody(body); err != nil {
			c.Log.Info("handle_publish: bad body", "event", ev.Name, "err", err)
			return reply(c, 415, "Unsupported media type", "")
		}
	}
	extra := publishExtraHeaders(msg)
	now := m.now().Unix()
	ctx := c.Context
	if ctx == nil {
		ctx = context.Background()
	}

	order := m.pubLock(uri, ev.Name)
	order.Lock()
	defer order.Unlock()
	m.mu.Lock()
	k := presKey{uri, ev.Name}
	var pub *publication
	idx := -1
	if hasETag && etag != "" {
		for i, p := range m.pres[k] {
			if p.etag == etag {
				pub, idx = p, i
				break
			}
		}
		if pub == nil {
			m.mu.Unlock()
			return reply(c, 412, "Conditional request failed", "")
		}
	}
	notify := false
	var removed *publication
	switch {
	case pub == nil: // new publication
		pub = &publication{user: user, domain: host, event: ev, etag: m.newETag(),
			expires: now + int64(expires), received: now, body: body, extraHdrs: extra, sender: sender}
		m.pres[k] = append(m.pres[k], pub)
		notify = true
		m.dbInsertPub(ctx, pub)
	case expires == 0: // removal
		list := m.pres[k]
		m.pres[k] = append(list[:idx:idx], list[idx+1:]...)
		if len(m.pres[k]) == 0 {
			delete(m.pres, k)
		}
		removed = pub
		notify = true
		m.dbDeletePub(ctx, pub)
	default: // refresh, or modification with a body
		old := pub.etag
		pub.etag = m.newETag()
		pub.expires = now + int64(expires)
		pub.received = now
		if len(body) > 0 {
			pub.body, pub.extraHdrs, pub.sender = body, extra, sender
			notify = true
		}
		m.dbUpdatePub(ctx, pub, old, len(body) > 0)
	}
	newTag := pub.etag
	var publBody, offline []byte
	switch {
	case removed == nil:
		publBody = pub.body
	case len(body) > 0:
		// A removal with a body: that body is the final state (the
		// dialog-info of a terminated call).
		publBody, offline = body, body
	case ev.Offline != nil:
		offline = ev.Offline(uri, removed.body)
	}
	m.mu.Unlock()

	hdrs := "Expires: " + strconv.Itoa(expires) + "\r\nSIP-ETag: " + newTag + "\r\n"
	ret := reply(c, 200, "OK", hdrs)
	if notify {
		m.notifyWatchers(uri, ev, publBody, offline)
	}
	return ret
}

// publishExtraHeaders keeps the headers OpenSIPS stores with a
// publication and copies into NOTIFYs (none for the standard packages).
func publishExtraHeaders(*sip.Msg) []byte { return nil }

// dbInsertPub writes a new presentity row; mu held.
func (m *Module) dbInsertPub(ctx context.Context, p *publication) {
	if m.conn == nil {
		return
	}
	_, err := m.conn.Insert(ctx, m.PresentityTable, presCols, presVals(p))
	if err != nil {
		m.log.Error("inserting presentity failed", "uri", joinURI(p.user, p.domain), "err", err)
	}
}

var presCols = []string{"username", "domain", "event", "etag", "expires", "received_time", "body", "extra_hdrs", "sender"}

func presVals(p *publication) []db.Value {
	body := db.BlobValue(p.body)
	extra := db.NullValue(db.Blob)
	if len(p.extraHdrs) > 0 {
		extra = db.BlobValue(p.extraHdrs)
	}
	sender := db.NullValue(db.String)
	if p.sender != "" {
		sender = db.StringValue(p.sender)
	}
	return []db.Value{db.StringValue(p.user), db.StringValue(p.domain), db.StringValue(p.event.Name),
		db.StringValue(p.etag), db.IntValue(p.expires), db.IntValue(p.received), body, extra, sender}
}

func presWhere(p *publication, etag string) []db.Cond {
	return []db.Cond{db.Eq("username", db.StringValue(p.user)), db.Eq("domain", db.StringValue(p.domain)),
		db.Eq("event", db.StringValue(p.event.Name)), db.Eq("etag", db.StringValue(etag))}
}

// dbUpdatePub rewrites a refreshed or modified presentity row; mu held.
func (m *Module) dbUpdatePub(ctx context.Context, p *publication, oldETag string, withBody bool) {
	if m.conn == nil {
		return
	}
	cols := []string{"etag", "expires", "received_time"}
	vals := []db.Value{db.StringValue(p.etag), db.IntValue(p.expires), db.IntValue(p.received)}
	if withBody {
		all := presVals(p)
		cols = append(cols, "body", "extra_hdrs", "sender")
		vals = append(vals, all[6:]...)
	}
	if _, err := m.conn.Update(ctx, m.PresentityTable, presWhere(p, oldETag), cols, vals); err != nil {
		m.log.Error("updating presentity failed", "uri", joinURI(p.user, p.domain), "err", err)
	}
}

// dbDeletePub deletes a presentity row; mu held.
func (m *Module) dbDeletePub(ctx context.Context, p *publication) {
	if m.conn == nil {
		return
	}
	if _, err := m.conn.Delete(ctx, m.PresentityTable, presWhere(p, p.etag)); err != nil {
		m.log.Error("deleting presentity failed", "uri", joinURI(p.user, p.domain), "err", err)
	}
}

// loadPresentities restores the unexpired presentity rows.
func (m *Module) loadPresentities(ctx context.Context) error {
	now := m.now().Unix()
	res, err := m.conn.Query(ctx, m.PresentityTable, presCols, nil, "received_time", 0)
	if err != nil {
		return err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, r := range res.Rows {
		ev := m.byName[r[2].Str()]
		if ev == nil || r[4].Int64() <= now {
			continue
		}
		p := &publication{user: r[0].Str(), domain: r[1].Str(), event: ev, etag: r[3].Str(),
			expires: r[4].Int64(), received: r[5].Int64(), body: r[6].Bytes(), extraHdrs: r[7].Bytes(), sender: r[8].Str()}
		k := presKey{joinURI(p.user, p.domain), ev.Name}
		m.pres[k] = append(m.pres[k], p)
	}
	return nil
}
