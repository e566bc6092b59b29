// Package pua is the pua module: a presence user agent that sends
// PUBLISH requests on behalf of other modules (pua_usrloc,
// pua_dialoginfo) through tm and keeps the entity tag of each
// publication, so that changes, refreshes and removals go with
// SIP-If-Match as RFC 3903 asks.
package pua

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"sync"
	"time"

	"gosips/api"
	"gosips/internal/dbconn"
	"gosips/sip"
)

// TableVersion is the pua table version OpenSIPS 3.6 expects.
const TableVersion = 9

func init() {
	api.Register(api.ModuleInfo{
		Name: "pua",
		Deps: []api.Dep{{Name: "tm"}},
		New:  func() api.Module { return New() },
		Doc:  "presence user agent: PUBLISH on behalf of other modules",
	})
}

// Module is one pua instance.
type Module struct {
	HashSize       int
	DBURL          string
	DBTable        string
	MinExpires     int
	DefaultExpires int
	UpdatePeriod   int

	log  *slog.Logger
	uac  api.UAC
	dbh  dbconn.Handle
	mu   sync.Mutex
	pubs map[pubKey]*record
	// subs are the subscriptions kept for rls and pua_bla, subDlgs the
	// same by dialog.
	subs    map[subKey]*subRecord
	subDlgs map[subDlg]*subRecord
	stop    context.CancelFunc
	done    chan struct{}
	now     func() time.Time
}

// New returns a pua instance with OpenSIPS' defaults.
func New() *Module {
	return &Module{HashSize: 9, DBTable: "pua", DefaultExpires: 3600, UpdatePeriod: 100}
}

// Params binds the module parameters.
func (m *Module) Params() []api.Param {
	return []api.Param{
		api.IntParam("hash_size", &m.HashSize),
		api.StrParam("db_url", &m.DBURL),
		api.StrParam("db_table", &m.DBTable),
		api.IntParam("min_expires", &m.MinExpires),
		api.PositiveParam("default_expires", &m.DefaultExpires),
		api.PositiveParam("update_period", &m.UpdatePeriod),
		api.IgnoredParam(api.IntParam("cluster_id", new(int)), "clustering is not implemented"),
		api.IgnoredParam(api.StrParam("cluster_sharing_tag", new(string)), "clustering is not implemented"),
	}
}

// Funcs declares pua_update_contact (subscriptions made by pua are not
// implemented, so neither is it).
func (m *Module) Funcs() []api.Func {
	return []api.Func{{Name: "pua_update_contact", Routes: api.RequestRoute,
		Returns: "1 contact updated; -1 no such subscription"}}
}

// pubKey identifies one publication.
type pubKey struct{ uri, id, event string }

// record is the state of one publication.
type record struct {
	etag    string
	expires time.Time // when the presence server lets it expire
	desired int       // the Expires asked for
	proxy   string
	busy    bool             // a PUBLISH is in flight
	queued  *api.Publication // the next one to send after it
	last    *api.Publication
	// body and ctype are the last state published.
	body, ctype string
}

// Init binds tm.
func (m *Module) Init(ic *api.InitCtx) error {
	m.log = ic.Log
	if m.log == nil {
		m.log = slog.New(slog.DiscardHandler)
	}
	if m.now == nil {
		m.now = time.Now
	}
	m.pubs = map[pubKey]*record{}
	m.subs = map[subKey]*subRecord{}
	m.subDlgs = map[subDlg]*subRecord{}
	if m.uac == nil && ic.Module != nil {
		u, ok := ic.Module("tm").(api.UAC)
		if !ok {
			return errors.New("pua: the tm module is needed to send PUBLISH requests")
		}
		m.uac = u
	}
	if m.DBURL == "" {
		return nil
	}
	m.dbh.URL = m.DBURL
	if err := m.dbh.Open(ic, m.log); err != nil {
		return fmt.Errorf("pua: %w", err)
	}
	if err := m.dbh.CheckVersion(context.Background(), m.DBTable, TableVersion); err != nil {
		m.dbh.Close()
		return fmt.Errorf("pua: %w", err)
	}
	return nil
}

// Start restores the publications saved at the last shutdown and runs
// the refresh timer.
func (m *Module) Start(ctx context.Context) error {
	if m.dbh.Conn != nil {
		if err := m.load(ctx); err != nil {
			return fmt.Errorf("pua: %w", err)
		}
	}
	ctx, cancel := context.WithCancel(ctx)
	m.stop = cancel
	m.done = make(chan struct{})
	go func() {
		defer close(m.done)
		t := time.NewTicker(time.Duration(m.UpdatePeriod) * time.Second)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
				m.refresh(ctx)
			}
		}
	}()
	return nil
}

// Close stops the refresh timer and saves the publications.
func (m *Module) Close() error {
	if m.stop != nil {
		m.stop()
		<-m.done
		m.stop = nil
	}
	if m.dbh.Conn == nil {
		return nil
	}
	m.save(context.Background())
	return m.dbh.Close()
}

// Publish implements api.Publisher: the first PUBLISH of a publication
// carries the body, the next ones SIP-If-Match with the entity tag the
// presence server gave; Expires 0 removes it. PUBLISHes of one
// publication are sent one at a time, in order.
func (m *Module) Publish(ctx context.Context, p *api.Publication) error {
	if p == nil || p.PresURI == "" || p.Event == "" {
		return errors.New("pua: publication without presentity or event")
	}
	k := pubKey{p.PresURI, p.ID, p.Event}
	m.mu.Lock()
	r := m.pubs[k]
	if r == nil {
		if p.Expires == 0 {
			m.mu.Unlock()
			return nil // nothing published, nothing to remove
		}
		r = &record{}
		m.pubs[k] = r
	}
	if r.busy {
		r.queued = p
		m.mu.Unlock()
		return nil
	}
	r.busy = true
	req := m.request(k, r, p)
	m.mu.Unlock()
	return m.send(ctx, k, req)
}

// request builds the PUBLISH for p; mu held.
func (m *Module) request(k pubKey, r *record, p *api.Publication) *api.UACRequest {
	exp := p.Expires
	if exp < 0 {
		exp = m.DefaultExpires
	}
	if exp > 0 && exp < m.MinExpires {
		exp = m.MinExpires
	}
	r.desired, r.proxy, r.last = exp, p.OutboundProxy, p
	var hdrs strings.Builder
	hdrs.WriteString("Event: " + p.Event + "\r\nExpires: " + strconv.Itoa(exp) + "\r\n")
	if r.etag != "" {
		hdrs.WriteString("SIP-If-Match: " + r.etag + "\r\n")
	}
	hdrs.WriteString(p.ExtraHeaders)
	req := &api.UACRequest{Method: "PUBLISH", RURI: p.PresURI, From: "<" + p.PresURI + ">", To: "<" + p.PresURI + ">",
		Headers: hdrs.String(), NextHop: p.OutboundProxy}
	if p.Body != "" {
		r.body, r.ctype = p.Body, p.ContentType
	}
	// A new publication needs the state; a refresh or a removal goes
	// without unless one was given.
	if p.Body != "" || (r.etag == "" && exp > 0) {
		req.ContentType, req.Body = r.ctype, r.body
	}
	req.OnReply = func(reply *sip.Msg, code int) { m.onReply(k, exp, reply, code) }
	return req
}

func (m *Module) send(ctx context.Context, k pubKey, req *api.UACRequest) error {
	if m.uac == nil {
		return errors.New("pua: no tm")
	}
	if err := m.uac.SendRequest(context.Background(), req); err != nil {
		m.mu.Lock()
		if r := m.pubs[k]; r != nil {
			r.busy = false
		}
		m.mu.Unlock()
		return err
	}
	return nil
}

// onReply stores the entity tag of a 2xx, forgets the publication on a
// removal or a refusal (a 412 makes the next PUBLISH a new one), and
// sends the queued PUBLISH.
func (m *Module) onReply(k pubKey, exp int, reply *sip.Msg, code int) {
	if code < 200 {
		return
	}
	m.mu.Lock()
	r := m.pubs[k]
	if r == nil {
		m.mu.Unlock()
		return
	}
	r.busy = false
	switch {
	case code < 300 && exp == 0:
		r.etag = ""
	case code < 300:
		if reply != nil {
			if tag, ok := reply.Header("SIP-ETag"); ok {
				r.etag = strings.TrimSpace(tag)
			}
			if v, ok := reply.Expires(); ok && v > 0 {
				exp = v
			}
		}
		r.expires = m.now().Add(time.Duration(exp) * time.Second)
	default:
		m.log.Info("PUBLISH refused", "presentity", k.uri, "event", k.event, "code", code)
		r.etag = ""
	}
	next := r.queued
	r.queued = nil
	if next == nil {
		// A removal ends the publication (refused or not); after another
		// refusal its last state is kept for the next PUBLISH.
		if exp == 0 {
			delete(m.pubs, k)
		}
		m.mu.Unlock()
		return
	}
	if r.etag == "" && next.Expires == 0 {
		delete(m.pubs, k)
		m.mu.Unlock()
		return
	}
	r.busy = true
	req := m.request(k, r, next)
	m.mu.Unlock()
	if err := m.send(context.Background(), k, req); err != nil {
		m.log.Error("sending PUBLISH failed", "presentity", k.uri, "err", err)
	}
}

// refresh re-publishes (SIP-If-Match, no body) the publications that
// expire before the next run.
func (m *Module) refresh(ctx context.Context) {
	limit := m.now().Add(time.Duration(m.UpdatePeriod+10) * time.Second)
	type item struct {
		k   pubKey
		req *api.UACRequest
	}
	var out []item
	m.mu.Lock()
	for k, r := range m.pubs {
		if r.busy || r.etag == "" || r.expires.After(limit) {
			continue
		}
		r.busy = true
		p := *r.last
		p.Body, p.ContentType, p.Expires = "", "", r.desired
		out = append(out, item{k, m.request(k, r, &p)})
	}
	m.mu.Unlock()
	for _, it := range out {
		if err := m.send(ctx, it.k, it.req); err != nil {
			m.log.Error("refreshing PUBLISH failed", "presentity", it.k.uri, "err", err)
		}
	}
	m.refreshSubs(limit)
}

var (
	_ api.Initer    = (*Module)(nil)
	_ api.Starter   = (*Module)(nil)
	_ api.Closer    = (*Module)(nil)
	_ api.Publisher = (*Module)(nil)
)
