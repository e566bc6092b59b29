package presence

import (
	"context"
	"hash/fnv"
	"strconv"
	"strings"

	"gosips/api"
	"gosips/modules/internal/presxml"
	"gosips/sip"
)

// statusName is the Subscription-State / watcherinfo name of a status.
func statusName(st int) string {
	switch st {
	case api.SubActive:
		return "active"
	case api.SubPending:
		return "pending"
	case api.SubWaiting:
		return "waiting"
	}
	return "terminated"
}

// notifyBody builds the body of a NOTIFY to s; publ is the body of the
// PUBLISH that caused it (nil otherwise), offline the body standing for a
// publication just removed, base the state already aggregated for a
// fan-out (nil: aggregate now); mu held.
func (m *Module) notifyBody(s *subscription, publ, offline, base []byte) []byte {
	ev := s.event
	if ev.Winfo {
		var ws []presxml.Watcher
		if ev.peer != nil {
			for _, w := range m.watchersOf(s.presURI, ev.peer) {
				h := fnv.New32a()
				h.Write([]byte(w.callID + w.fromTag))
				ws = append(ws, presxml.Watcher{ID: strconv.FormatUint(uint64(h.Sum32()), 16),
					URI: w.watcherURI(), Status: statusName(w.status), Event: "subscribe"})
			}
		}
		return presxml.Watcherinfo(s.presURI, ev.Peer, s.version, ws)
	}
	if s.status == api.SubPending || s.status == api.SubWaiting {
		return nil
	}
	body := base
	if body == nil {
		body = m.stateBody(s.presURI, ev, publ, offline)
	}
	if body != nil && ev.PerWatcher != nil {
		body = ev.PerWatcher(body, s.version)
	}
	return body
}

// stateBody aggregates the published state of presURI for ev; mu held.
func (m *Module) stateBody(presURI string, ev *event, publ, offline []byte) []byte {
	if publ != nil && ev.Name == "dialog" && ev.Aggregate != nil {
		// RFC 4235: a NOTIFY caused by a PUBLISH carries partial state.
		return ev.Aggregate(presURI, [][]byte{publ}, true)
	}
	bodies := m.bodies(presURI, ev)
	if offline != nil {
		bodies = append(bodies, offline)
	}
	switch {
	case len(bodies) == 0:
		if ev.Empty != nil {
			return ev.Empty(presURI)
		}
		return nil
	case ev.Aggregate != nil:
		return ev.Aggregate(presURI, bodies, false)
	}
	return bodies[len(bodies)-1]
}

// sendNotify sends one NOTIFY to s; with terminated the subscription has
// ended (it is already out of the tables).
func (m *Module) sendNotify(s *subscription, publ, offline []byte, terminated bool) {
	m.sendNotifyWith(s, publ, offline, nil, terminated)
}

// sendNotifyWith is sendNotify with the state already aggregated (base).
func (m *Module) sendNotifyWith(s *subscription, publ, offline, base []byte, terminated bool) {
	now := m.now().Unix()
	m.mu.Lock()
	s.localCSeq++
	body := m.notifyBody(s, publ, offline, base)
	s.version++
	if s.dbState&dbInsert == 0 {
		s.dbState |= dbUpdate
	}
	var st string
	if terminated {
		reason := s.reason
		if reason == "" {
			reason = "timeout"
		}
		st = "terminated;reason=" + reason
	} else {
		left := s.expires - now - int64(m.ExpiresOffset)
		if left < 0 {
			left = 0
		}
		st = statusName(s.status) + ";expires=" + strconv.FormatInt(left, 10)
	}
	var hdrs strings.Builder
	hdrs.WriteString("Event: ")
	hdrs.WriteString(s.event.Name)
	if s.eventID != "" {
		hdrs.WriteString(";id=" + s.eventID)
	}
	hdrs.WriteString("\r\nContact: <" + s.localContact + ">\r\nSubscription-State: " + st + "\r\n")
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
		Headers: hdrs.String(), NextHop: next, Socket: s.socket}
	if body != nil {
		req.ContentType, req.Body = s.event.ContentType, string(body)
	}
	if !terminated {
		k := s.key()
		req.OnReply = func(_ *sip.Msg, code int) { m.notifyReply(k, code) }
	}
	m.mu.Unlock()
	if m.uac == nil {
		return
	}
	if err := m.uac.SendRequest(context.Background(), req); err != nil {
		m.log.Error("sending NOTIFY failed", "presentity", s.presURI, "watcher", s.watcherURI(), "err", err)
	}
}

// notifyReply ends a subscription whose watcher answered 481, or did not
// answer at all (with end_sub_on_timeout).
func (m *Module) notifyReply(k dlgKey, code int) {
	if code != 481 && !(code == 408 && m.EndSubOnTimeout != 0) {
		return
	}
	m.mu.Lock()
	s := m.subs[k]
	if s != nil {
		m.removeSub(s)
	}
	m.mu.Unlock()
	if s != nil {
		m.log.Info("subscription ended by the NOTIFY reply", "presentity", s.presURI, "code", code)
		if s.event.peer != nil && !s.event.Winfo {
			m.notifyWinfo(s.presURI, s.event)
		}
	}
}

// notifyWatchers sends the state of presURI for ev to its active
// watchers; publ is the body of the PUBLISH that changed it, if any, and
// offline the body standing for a publication that just ended.
func (m *Module) notifyWatchers(presURI string, ev *event, publ, offline []byte) {
	m.mu.Lock()
	ws := m.activeWatchers(presURI, ev)
	var base []byte
	if len(ws) > 1 {
		base = m.stateBody(presURI, ev, publ, offline)
	}
	m.mu.Unlock()
	for _, s := range ws {
		m.sendNotifyWith(s, publ, offline, base, false)
	}
}

// activeWatchers returns the active subscriptions to presURI for ev; mu
// held.
func (m *Module) activeWatchers(presURI string, ev *event) []*subscription {
	ws := m.watchersOf(presURI, ev)
	out := ws[:0]
	for _, s := range ws {
		if s.status == api.SubActive {
			out = append(out, s)
		}
	}
	return out
}

// notifyWinfo sends the watcher list of presURI for ev to the watchers
// of its winfo event.
func (m *Module) notifyWinfo(presURI string, ev *event) {
	if ev.peer == nil {
		return
	}
	m.mu.Lock()
	ws := m.activeWatchers(presURI, ev.peer)
	m.mu.Unlock()
	for _, s := range ws {
		m.sendNotify(s, nil, nil, false)
	}
}
