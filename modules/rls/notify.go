package rls

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"

	"gosips/api"
	"gosips/db"
	"gosips/modules/internal/presxml"
	"gosips/sip"
)

// rls_presentity.updated and auth_state values (OpenSIPS' rls.h).
const (
	noUpdateType = -1
	updatedType  = 1

	activeState     = 1 << 1
	pendingState    = 1 << 2
	terminatedState = 1 << 3
)

// instanceID is the id of every RLMI instance (OpenSIPS uses a constant).
const instanceID = "Scf8UhwQ"

func authString(flag int) string {
	switch flag {
	case activeState:
		return "active"
	case pendingState:
		return "pending"
	case terminatedState:
		return "terminated"
	}
	return ""
}

// boundary makes the 24-character multipart boundary.
func boundary() string {
	const alpha = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
	b := make([]byte, 24)
	for i := range b {
		b[i] = alpha[rand.IntN(len(alpha))]
	}
	return string(b)
}

// contentID makes the Content-ID of a part: time, URI, random number.
func (m *Module) contentID(uri string) string {
	return strconv.FormatInt(m.now().Unix(), 10) + "." + uri + "." + strconv.Itoa(int(rand.Int32()))
}

// resState is one row of rls_presentity.
type resState struct {
	uri, ctype, body, reason string
	auth                     int
}

// rlmi builds the RLMI document and the parts of the resources in it:
// resources lists the <resource> elements in order, states the rows of
// each (the instances).
type rlmi struct {
	list strings.Builder
	// parts are the body parts of each resource, sent in the order of
	// the rls_presentity rows (by resource URI), as OpenSIPS.
	parts     map[string]string
	bnd, cid  string
	listURI   string
	hasParts  bool
	fullState bool
}

func (m *Module) newRLMI(listURI string, version int, full bool) *rlmi {
	r := &rlmi{bnd: boundary(), listURI: listURI, fullState: full, parts: map[string]string{}}
	r.list.WriteString(`<?xml version="1.0"?>` + "\n")
	fmt.Fprintf(&r.list, `<list uri="%s" xmlns="urn:ietf:params:xml:ns:rlmi" version="%d" fullState="%t">`,
		presxml.Escape(listURI), version, full)
	return r
}

// resource adds a <resource> with one instance per state.
func (m *Module) addResource(r *rlmi, uri string, states []resState) {
	if len(states) == 0 {
		fmt.Fprintf(&r.list, `<resource uri="%s"/>`, presxml.Escape(uri))
		return
	}
	fmt.Fprintf(&r.list, `<resource uri="%s">`, presxml.Escape(uri))
	for _, st := range states {
		fmt.Fprintf(&r.list, `<instance id="%s" state="%s"`, instanceID, authString(st.auth))
		switch {
		case st.auth&activeState != 0:
			cid := m.contentID(uri)
			fmt.Fprintf(&r.list, ` cid="%s"/>`, presxml.Escape(cid))
			r.hasParts = true
			part := "--" + r.bnd + "\r\nContent-Transfer-Encoding: binary\r\n"
			if body := strings.TrimSpace(st.body); body != "" {
				part += "Content-ID: <" + cid + ">\r\nContent-Type: " + st.ctype + "\r\n\r\n" + body + "\r\n"
			}
			r.parts[uri] += part + "\r\n"
		case st.auth&terminatedState != 0:
			fmt.Fprintf(&r.list, ` reason="%s"/>`, presxml.Escape(st.reason))
		default:
			r.list.WriteString("/>")
		}
	}
	r.list.WriteString("</resource>")
}

// body is the multipart/related body, with the parts of the resources
// of order; it also sets r.cid, the start part.
func (r *rlmi) body(m *Module, order []string) string {
	r.list.WriteString("</list>\n")
	r.cid = m.contentID(r.listURI)
	var b strings.Builder
	b.WriteString("--" + r.bnd + "\r\nContent-Transfer-Encoding: binary\r\nContent-ID: <" + r.cid + ">\r\n" +
		"Content-Type: application/rlmi+xml;charset=\"UTF-8\"\r\n\r\n")
	b.WriteString(r.list.String())
	b.WriteString("\r\n")
	for _, u := range order {
		b.WriteString(r.parts[u])
	}
	b.WriteString("--" + r.bnd + "--\r\n")
	return b.String()
}

// states reads the rows of a list subscription, by resource URI.
func (m *Module) states(ctx context.Context, did string, onlyUpdated bool) (map[string][]resState, []string, error) {
	where := []db.Cond{db.Eq("rlsubs_did", db.StringValue(did))}
	if onlyUpdated {
		where = append(where, db.Eq("updated", db.IntValue(updatedType)))
	}
	res, err := m.dbh.Conn.Query(ctx, m.RLPresTable,
		[]string{"resource_uri", "content_type", "presence_state", "auth_state", "reason"}, where, "resource_uri", 0)
	if err != nil {
		return nil, nil, err
	}
	out := map[string][]resState{}
	var order []string
	for _, row := range res.Rows {
		st := resState{uri: row[0].Str(), ctype: row[1].Str(), body: string(row[2].Bytes()), auth: int(row[3].Int64()),
			reason: row[4].Str()}
		if _, ok := out[st.uri]; !ok {
			order = append(order, st.uri)
		}
		out[st.uri] = append(out[st.uri], st)
	}
	return out, order, nil
}

// fullNotify sends the whole list: every resource, with the state known
// for it, and marks the rows sent.
func (m *Module) fullNotify(ctx context.Context, s *sub, svc *node, expires int) error {
	uris, err := m.entries(ctx, svc, s.watcherUser, s.watcherDomain)
	if err != nil {
		return err
	}
	states, order, err := m.states(ctx, s.did(), false)
	if err != nil {
		return err
	}
	m.mu.Lock()
	r := m.newRLMI(s.presURI, s.version-1, true)
	m.mu.Unlock()
	for _, u := range uris {
		m.addResource(r, u, states[u])
	}
	m.send(s, r, order, expires)
	if _, err := m.dbh.Conn.Update(ctx, m.RLPresTable, []db.Cond{db.Eq("rlsubs_did", db.StringValue(s.did()))},
		[]string{"updated"}, []db.Value{db.IntValue(noUpdateType)}); err != nil {
		m.log.Error("updating rls_presentity failed", "err", err)
	}
	return nil
}

// send sends a NOTIFY of the subscription (r nil: no body); expires 0
// terminates it.
func (m *Module) send(s *sub, r *rlmi, order []string, expires int) {
	m.mu.Lock()
	s.localCSeq++
	s.version++
	if s.dbState == dbNoUpdate {
		s.dbState = dbUpdate
	}
	var hdrs strings.Builder
	hdrs.WriteString("Event: " + s.event)
	if s.eventID != "" {
		hdrs.WriteString(";id=" + s.eventID)
	}
	hdrs.WriteString("\r\nContact: <" + s.localContact + ">\r\n")
	if expires > 0 {
		hdrs.WriteString("Subscription-State: active;expires=" + strconv.Itoa(expires) + "\r\n")
	} else {
		hdrs.WriteString("Subscription-State: terminated;reason=timeout\r\n")
	}
	hdrs.WriteString("Require: eventlist\r\n")
	var body, ctype string
	if r != nil {
		body = r.body(m, order)
		ctype = `multipart/related;type="application/rlmi+xml";start="<` + r.cid + `>";boundary="` + r.bnd + `"`
	}
	next := ""
	if s.recordRoute != "" {
		hdrs.WriteString("Route: " + s.recordRoute + "\r\n")
		if first, _, _ := strings.Cut(s.recordRoute, ","); first != "" {
			if na, err := sip.ParseNameAddr(strings.TrimSpace(first)); err == nil {
				next = na.URI
			}
		}
	}
	req := &api.UACRequest{Method: "NOTIFY", RURI: s.contact,
		From: "<" + joinURI(s.toUser, s.toDomain) + ">;tag=" + s.toTag,
		To:   "<" + s.watcherURI() + ">;tag=" + s.fromTag, CallID: s.callID, CSeq: uint32(s.localCSeq),
		Headers: hdrs.String(), NextHop: next, Socket: s.socket, ContentType: ctype, Body: body}
	k := s.key()
	req.OnReply = func(_ *sip.Msg, code int) {
		if code >= 300 {
			m.notifyFailed(k)
		}
	}
	m.mu.Unlock()
	if err := m.uac.SendRequest(context.Background(), req); err != nil {
		m.log.Error("sending NOTIFY failed", "list", s.presURI, "watcher", s.watcherURI(), "err", err)
	}
}

// notifyFailed ends a subscription whose watcher refused a NOTIFY.
func (m *Module) notifyFailed(k dlgKey) {
	m.mu.Lock()
	s := m.subs[k]
	if s != nil {
		delete(m.subs, k)
		m.gone = append(m.gone, s)
	}
	m.mu.Unlock()
	if s != nil {
		m.log.Info("list subscription ended by a NOTIFY reply", "list", s.presURI, "watcher", s.watcherURI())
	}
}

// parseSubState reads a Subscription-State value: the auth state, the
// reason of a termination ("unknown" when missing) and the expires
// parameter (-1 when missing, 0 when terminated).
func parseSubState(v string) (flag int, reason string, expires int) {
	parts := strings.Split(v, ";")
	expires = -1
	switch strings.ToLower(strings.TrimSpace(parts[0])) {
	case "active":
		flag = activeState
	case "pending":
		flag = pendingState
	case "terminated":
		reason = "unknown"
		for _, p := range parts[1:] {
			if k, val, ok := strings.Cut(strings.TrimSpace(p), "="); ok && strings.EqualFold(k, "reason") && val != "" {
				reason = val
			}
		}
		return terminatedState, reason, 0
	default:
		return -1, "", -1
	}
	for _, p := range parts[1:] {
		if k, val, ok := strings.Cut(strings.TrimSpace(p), "="); ok && strings.EqualFold(k, "expires") {
			if n, err := strconv.Atoi(strings.TrimSpace(val)); err == nil {
				expires = n
			}
		}
	}
	return flag, reason, expires
}

// handleNotify is rls_handle_notify(): a NOTIFY of a resource
// subscription updates its row of rls_presentity and gets 200.
func (m *Module) handleNotify(c *api.Ctx) api.Ret {
	msg := c.Msg
	if msg == nil || !msg.IsRequest() || msg.MethodID() != sip.MethodNotify {
		c.Log.Error("rls_handle_notify: not a NOTIFY request")
		return api.RetFalse
	}
	ev, _ := msg.Header("Event")
	if strings.TrimSpace(ev) == "" {
		c.Log.Error("rls_handle_notify: missing Event header")
		return api.RetFalse
	}
	from, err1 := msg.From()
	to, err2 := msg.To()
	if err1 != nil || err2 != nil || to.Tag == "" || from.Tag == "" {
		c.Log.Error("rls_handle_notify: To or From without tag")
		return api.RetFalse
	}
	st, ok := msg.Header("Subscription-State")
	if !ok {
		c.Log.Error("rls_handle_notify: no Subscription-State header")
		return api.RetFalse
	}
	flag, reason, expires := parseSubState(st)
	if flag < 0 {
		c.Log.Error("rls_handle_notify: bad Subscription-State", "value", st)
		return api.RetFalse
	}
	did, ok := m.pua.SubscriptionID(source, msg.CallID(), to.Tag, from.Tag)
	if !ok {
		if flag == terminatedState {
			reply(c, 200, "OK", "")
			return api.RetTrue
		}
		return 2
	}
	ctype, _ := msg.Header("Content-Type")
	body := msg.Body()
	if len(body) > 0 && ctype == "" {
		c.Log.Error("rls_handle_notify: a body without Content-Type")
		return api.RetFalse
	}
	ctx := c.Context
	if ctx == nil {
		ctx = context.Background()
	}
	cols := []string{"rlsubs_did", "resource_uri", "updated", "auth_state", "reason", "content_type", "presence_state", "expires"}
	vals := []db.Value{db.StringValue(did), db.StringValue(from.URI), db.IntValue(updatedType), db.IntValue(int64(flag)),
		db.StringValue(reason), db.StringValue(strings.TrimSpace(ctype)), db.BlobValue([]byte(body))}
	if expires > -1 {
		vals = append(vals, db.IntValue(m.now().Unix()+int64(expires)))
	} else {
		cols = cols[:len(cols)-1]
		// A new row needs an expiry: the list subscription's.
		res, err := m.dbh.Conn.Query(ctx, m.RLPresTable, []string{"id"}, []db.Cond{db.Eq("rlsubs_did", db.StringValue(did)),
			db.Eq("resource_uri", db.StringValue(from.URI))}, "", 1)
		if err == nil && len(res.Rows) == 0 {
			cols = append(cols, "expires")
			vals = append(vals, db.IntValue(m.now().Unix()+3600))
		}
	}
	if _, err := m.dbh.Conn.Upsert(ctx, m.RLPresTable, cols[:2], cols, vals); err != nil {
		c.Log.Error("rls_handle_notify: writing rls_presentity failed", "err", err)
		return api.RetFalse
	}
	if !reply(c, 200, "OK", "") {
		return api.RetFalse
	}
	return api.RetTrue
}

// sendUpdates sends, to each list subscription with updated resources,
// a NOTIFY (fullState false) with those resources.
func (m *Module) sendUpdates(ctx context.Context) {
	m.notify.Lock()
	defer m.notify.Unlock()
	res, err := m.dbh.Conn.Query(ctx, m.RLPresTable, []string{"rlsubs_did"},
		[]db.Cond{db.Eq("updated", db.IntValue(updatedType))}, "rlsubs_did", 0)
	if err != nil {
		m.log.Error("reading rls_presentity failed", "err", err)
		return
	}
	var dids []string
	for _, row := range res.Rows {
		if d := row[0].Str(); len(dids) == 0 || dids[len(dids)-1] != d {
			dids = append(dids, d)
		}
	}
	now := m.now().Unix()
	for _, did := range dids {
		states, order, err := m.states(ctx, did, true)
		if err != nil {
			m.log.Error("reading rls_presentity failed", "err", err)
			return
		}
		if _, err := m.dbh.Conn.Update(ctx, m.RLPresTable, []db.Cond{db.Eq("rlsubs_did", db.StringValue(did)),
			db.Eq("updated", db.IntValue(updatedType))}, []string{"updated"}, []db.Value{db.IntValue(noUpdateType)}); err != nil {
			m.log.Error("updating rls_presentity failed", "err", err)
		}
		s := m.byDID(did)
		if s == nil {
			continue
		}
		m.mu.Lock()
		r := m.newRLMI(s.presURI, s.version-1, false)
		left := int(s.expires - now)
		m.mu.Unlock()
		for _, u := range order {
			m.addResource(r, u, states[u])
		}
		if left < 1 {
			left = 1
		}
		m.send(s, r, order, left)
	}
}

// byDID finds the subscription of an rlsubs_did.
func (m *Module) byDID(did string) *sub {
	callID, rest, ok1 := strings.Cut(did, ";")
	fromTag, toTag, ok2 := strings.Cut(rest, ";")
	if !ok1 || !ok2 {
		return nil
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.subs[dlgKey{callID, toTag, fromTag}]
}

// cleanPresentity removes the expired rows already sent.
func (m *Module) cleanPresentity(ctx context.Context) {
	where := []db.Cond{{Col: "expires", Op: db.OpLt, Val: db.IntValue(m.now().Unix() - 10)},
		db.Eq("updated", db.IntValue(noUpdateType))}
	if _, err := m.dbh.Conn.Delete(ctx, m.RLPresTable, where); err != nil {
		m.log.Error("cleaning rls_presentity failed", "err", err)
	}
}

// flush ends the expired subscriptions (a terminating NOTIFY) and writes
// the subscriptions to rls_watchers.
func (m *Module) flush(ctx context.Context) {
	now := m.now().Unix()
	m.mu.Lock()
	var expired []*sub
	for k, s := range m.subs {
		if s.expires <= now {
			delete(m.subs, k)
			m.gone = append(m.gone, s)
			expired = append(expired, s)
		}
	}
	gone := m.gone
	m.gone = nil
	var write []sub
	for _, s := range m.subs {
		if s.dbState != dbNoUpdate {
			write = append(write, *s)
			s.dbState = dbNoUpdate
		}
	}
	m.mu.Unlock()
	for _, s := range expired {
		m.send(s, nil, nil, 0)
	}
	if m.dbh.Conn == nil {
		return
	}
	for _, s := range gone {
		where := []db.Cond{db.Eq("callid", db.StringValue(s.callID)), db.Eq("to_tag", db.StringValue(s.toTag)),
			db.Eq("from_tag", db.StringValue(s.fromTag))}
		if _, err := m.dbh.Conn.Delete(ctx, m.RLSubsTable, where); err != nil {
			m.log.Error("deleting from rls_watchers failed", "err", err)
		}
	}
	cols := []string{"presentity_uri", "callid", "to_tag", "from_tag", "to_user", "to_domain", "watcher_username",
		"watcher_domain", "event", "event_id", "local_cseq", "remote_cseq", "contact", "record_route", "expires",
		"status", "reason", "version", "socket_info", "local_contact"}
	for _, s := range write {
		eid := db.NullValue(db.String)
		if s.eventID != "" {
			eid = db.StringValue(s.eventID)
		}
		vals := []db.Value{db.StringValue(s.presURI), db.StringValue(s.callID), db.StringValue(s.toTag),
			db.StringValue(s.fromTag), db.StringValue(s.toUser), db.StringValue(s.toDomain), db.StringValue(s.watcherUser),
			db.StringValue(s.watcherDomain), db.StringValue(s.event), eid, db.IntValue(int64(s.localCSeq)),
			db.IntValue(int64(s.remoteCSeq)), db.StringValue(s.contact), db.StringValue(s.recordRoute),
			db.IntValue(s.expires), db.IntValue(int64(s.status)), db.StringValue(s.reason), db.IntValue(int64(s.version)),
			db.StringValue(s.socketInfo), db.StringValue(s.localContact)}
		if _, err := m.dbh.Conn.Upsert(ctx, m.RLSubsTable, cols[:4], cols, vals); err != nil {
			m.log.Error("writing rls_watchers failed", "list", s.presURI, "err", err)
		}
	}
}
