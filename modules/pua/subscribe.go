package pua

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"slices"
	"strconv"
	"strings"
	"time"

	"gosips/api"
	"gosips/sip"
)

// subKey identifies one subscription kept for another module.
type subKey struct{ pres, watcher, event, id, source string }

// subDlg identifies a subscription dialog: Call-ID and our From-tag.
type subDlg struct{ callID, fromTag string }

// subRecord is the state of one subscription.
type subRecord struct {
	key            subKey
	req            api.SubscribeRequest // the last request asked for
	callID         string
	fromTag, toTag string
	cseq           uint32
	target         string   // the notifier's Contact
	routes         []string // route set, in the order the Route header lists it
	expires        time.Time
	busy           bool
	queued         *api.SubscribeRequest
	confirmed      bool
}

func newTag() string {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// Subscribe implements api.PUASubscriber: the first SUBSCRIBE opens a
// dialog, the next ones refresh it within the dialog, Expires 0 ends it.
// The SUBSCRIBEs of one subscription go one at a time.
func (m *Module) Subscribe(ctx context.Context, s *api.SubscribeRequest) error {
	if s == nil || s.PresURI == "" || s.WatcherURI == "" || s.Event == "" {
		return errors.New("pua: subscription without presentity, watcher or event")
	}
	k := subKey{s.PresURI, s.WatcherURI, s.Event, s.ID, s.Source}
	m.mu.Lock()
	r := m.subs[k]
	if r == nil {
		if s.Expires == 0 {
			m.mu.Unlock()
			return nil
		}
		r = &subRecord{key: k, callID: newTag() + "@gosips", fromTag: newTag()}
		m.subs[k] = r
		m.subDlgs[subDlg{r.callID, r.fromTag}] = r
	}
	if r.busy {
		cp := *s
		r.queued = &cp
		m.mu.Unlock()
		return nil
	}
	r.busy = true
	req := m.subscribeRequest(r, s)
	m.mu.Unlock()
	return m.sendSubscribe(r, req)
}

// subscribeRequest builds the SUBSCRIBE for s; mu held.
func (m *Module) subscribeRequest(r *subRecord, s *api.SubscribeRequest) *api.UACRequest {
	exp := s.Expires
	if exp < 0 {
		exp = m.DefaultExpires
	}
	if exp > 0 && exp < m.MinExpires {
		exp = m.MinExpires
	}
	r.req = *s
	r.req.Expires = exp
	r.cseq++
	to := s.ToURI
	if to == "" {
		to = s.PresURI
	}
	hdrs := "Event: " + s.Event + "\r\nContact: <" + s.Contact + ">\r\nExpires: " + strconv.Itoa(exp) + "\r\n" + s.ExtraHeaders
	// Without an outbound proxy the initial SUBSCRIBE goes where the To
	// URI points (as OpenSIPS' pua: for pua_bla, the line's domain).
	next := s.OutboundProxy
	if next == "" {
		next = s.ToURI
	}
	req := &api.UACRequest{Method: "SUBSCRIBE", RURI: s.PresURI, From: "<" + s.WatcherURI + ">;tag=" + r.fromTag,
		To: "<" + to + ">", CallID: r.callID, CSeq: r.cseq, NextHop: next}
	if r.confirmed {
		req.To += ";tag=" + r.toTag
		if r.target != "" {
			req.RURI = r.target
		}
		req.NextHop = ""
		if len(r.routes) > 0 {
			hdrs = "Route: " + strings.Join(r.routes, ", ") + "\r\n" + hdrs
			if na, err := sip.ParseNameAddr(r.routes[0]); err == nil {
				req.NextHop = na.URI
			}
		}
	}
	req.Headers = hdrs
	req.OnReply = func(reply *sip.Msg, code int) { m.onSubscribeReply(r, exp, reply, code) }
	return req
}

func (m *Module) sendSubscribe(r *subRecord, req *api.UACRequest) error {
	if m.uac == nil {
		return errors.New("pua: no tm")
	}
	if err := m.uac.SendRequest(context.Background(), req); err != nil {
		m.mu.Lock()
		r.busy = false
		if !r.confirmed {
			m.dropSub(r)
		}
		m.mu.Unlock()
		return err
	}
	return nil
}

// dropSub forgets a subscription; mu held.
func (m *Module) dropSub(r *subRecord) {
	if m.subs[r.key] == r {
		delete(m.subs, r.key)
	}
	delete(m.subDlgs, subDlg{r.callID, r.fromTag})
}

// onSubscribeReply keeps the dialog a 2xx confirms (To-tag, Contact,
// route set, Expires) and forgets the subscription on a refusal or when
// it was ended; then it sends the queued SUBSCRIBE.
func (m *Module) onSubscribeReply(r *subRecord, exp int, reply *sip.Msg, code int) {
	if code < 200 {
		return
	}
	m.mu.Lock()
	r.busy = false
	switch {
	case code < 300 && exp > 0:
		if reply != nil {
			if !r.confirmed {
				r.toTag = reply.ToTag()
				if cts, _, err := reply.Contacts(); err == nil && len(cts) > 0 {
					r.target = cts[0].URI
				}
				rr := reply.Headers("Record-Route")
				var routes []string
				for _, v := range rr {
					for _, p := range strings.Split(v, ",") {
						if p = strings.TrimSpace(p); p != "" {
							routes = append(routes, p)
						}
					}
				}
				slices.Reverse(routes)
				r.routes = routes
			}
			if v, ok := reply.Expires(); ok && v > 0 {
				exp = v
			}
		}
		r.confirmed = true
		r.expires = m.now().Add(time.Duration(exp) * time.Second)
	case code < 300:
		m.dropSub(r)
	default:
		m.log.Info("SUBSCRIBE refused", "presentity", r.key.pres, "event", r.key.event, "code", code)
		m.dropSub(r)
	}
	next := r.queued
	r.queued = nil
	if next == nil || m.subs[r.key] != r {
		m.mu.Unlock()
		if next != nil && next.Expires != 0 {
			_ = m.Subscribe(context.Background(), next)
		}
		return
	}
	r.busy = true
	req := m.subscribeRequest(r, next)
	m.mu.Unlock()
	if err := m.sendSubscribe(r, req); err != nil {
		m.log.Error("sending SUBSCRIBE failed", "presentity", r.key.pres, "err", err)
	}
}

// SubscriptionID implements api.PUASubscriber. A NOTIFY that comes before
// the 2xx of its SUBSCRIBE is matched on Call-ID and From-tag alone.
func (m *Module) SubscriptionID(source, callID, localTag, remoteTag string) (string, bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	r := m.subDlgs[subDlg{callID, localTag}]
	if r == nil || r.key.source != source || (r.confirmed && r.toTag != "" && r.toTag != remoteTag) {
		return "", false
	}
	return r.key.id, true
}

// SubscribedURIs implements api.PUASubscriber.
func (m *Module) SubscribedURIs(source, id string) []string {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []string
	for k := range m.subs {
		if k.source == source && k.id == id {
			out = append(out, k.pres)
		}
	}
	slices.Sort(out)
	return out
}

// refreshSubs re-sends, within their dialogs, the subscriptions that
// expire before the next run.
func (m *Module) refreshSubs(limit time.Time) {
	type item struct {
		r   *subRecord
		req *api.UACRequest
	}
	var out []item
	m.mu.Lock()
	for _, r := range m.subs {
		if r.busy || !r.confirmed || r.expires.After(limit) {
			continue
		}
		r.busy = true
		s := r.req
		out = append(out, item{r, m.subscribeRequest(r, &s)})
	}
	m.mu.Unlock()
	for _, it := range out {
		if err := m.sendSubscribe(it.r, it.req); err != nil {
			m.log.Error("refreshing SUBSCRIBE failed", "presentity", it.r.key.pres, "err", err)
		}
	}
}

var _ api.PUASubscriber = (*Module)(nil)
