// Package rls is the rls module: a resource list server (RFC 4662, RFC
// 4826). A SUBSCRIBE with "Supported: eventlist" to the URI of a service
// in the watcher's rls-services document (xcap table) gets one
// subscription per listed resource, made through pua; the NOTIFYs those
// bring (rls_handle_notify) are stored in rls_presentity and sent on to
// the watcher as multipart/related RLMI documents.
package rls

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"gosips/api"
	"gosips/internal/dbconn"
	"gosips/sip"
)

// Table versions OpenSIPS 3.6 expects.
const (
	WatchersTableVersion = 2
	PresTableVersion     = 1
)

// source is the name rls subscribes under in pua (OpenSIPS' RLS_SUBSCRIBE).
const source = "rls"

func init() {
	api.Register(api.ModuleInfo{
		Name: "rls",
		Deps: []api.Dep{{Name: "tm"}, {Name: "signaling"}, {Name: "xcap"}, {Name: "pua"}, {Name: "presence"}},
		New:  func() api.Module { return New() },
		Doc:  "resource list server: subscriptions to lists of presentities",
	})
}

// Module is one rls instance.
type Module struct {
	ContactUser    string
	PresenceServer string
	RLSubsTable    string
	RLPresTable    string
	WaitnTime      int
	CleanPeriod    int
	MaxExpires     int
	HashSize       int
	ToPresenceCode int
	XCAPRoot       string
	// Events are the event packages handled (rls_event; "presence").
	Events []string

	log    *slog.Logger
	uac    api.UAC
	pua    api.PUASubscriber
	xcap   api.XCAP
	pevs   api.PresenceEvents
	dbh    dbconn.Handle
	mu     sync.Mutex
	subs   map[dlgKey]*sub
	gone   []*sub // removed, still to delete from rls_watchers
	now    func() time.Time
	stop   context.CancelFunc
	done   chan struct{}
	evSet  bool
	notify sync.Mutex // one NOTIFY run at a time
}

// New returns an rls instance with OpenSIPS' defaults.
func New() *Module {
	return &Module{ContactUser: "rls", RLSubsTable: "rls_watchers", RLPresTable: "rls_presentity",
		WaitnTime: 50, CleanPeriod: 100, MaxExpires: 7200, HashSize: 9, Events: []string{"presence"}}
}

// Params binds the module parameters.
func (m *Module) Params() []api.Param {
	return []api.Param{
		api.StrParam("contact_user", &m.ContactUser),
		api.StrParam("presence_server", &m.PresenceServer),
		api.StrParam("rlsubs_table", &m.RLSubsTable),
		api.StrParam("rlpres_table", &m.RLPresTable),
		api.IntParam("waitn_time", &m.WaitnTime),
		api.PositiveParam("clean_period", &m.CleanPeriod),
		api.PositiveParam("max_expires", &m.MaxExpires),
		api.IntParam("hash_size", &m.HashSize),
		api.IntParam("to_presence_code", &m.ToPresenceCode),
		api.IgnoredParam(api.StrParam("xcap_root", &m.XCAPRoot),
			"lists are read from the xcap table only (no XCAP client)"),
		api.FuncParam("rls_event", api.ParamStr, true, func(v api.ParamValue) error {
			name := strings.ToLower(strings.TrimSpace(v.Str))
			switch name {
			case "presence", "presence.winfo", "dialog", "dialog;sla", "message-summary", "call-info",
				"line-seize", "as-feature-event", "xcap-diff":
			default:
				return fmt.Errorf("rls_event: unknown event %q", v.Str)
			}
			if !m.evSet {
				m.Events, m.evSet = nil, true
			}
			m.Events = append(m.Events, name)
			return nil
		}),
	}
}

// Funcs declares rls_handle_subscribe and rls_handle_notify.
func (m *Module) Funcs() []api.Func {
	return []api.Func{
		{Name: "rls_handle_subscribe", Routes: api.RequestRoute,
			Returns: "1 handled (a reply was sent); to_presence_code not a list subscription (no reply); -1 error (a reply was sent)",
			Call:    func(c *api.Ctx, _ []any) api.Ret { return m.handleSubscribe(c) }},
		{Name: "rls_handle_notify", Routes: api.RequestRoute,
			Returns: "1 handled (200 sent); 2 not a dialog of rls (no reply); -1 error (no reply)",
			Call:    func(c *api.Ctx, _ []any) api.Ret { return m.handleNotify(c) }},
	}
}

// MICommands lists rls_update_subscriptions.
func (m *Module) MICommands() []api.MICommand {
	return []api.MICommand{{Name: "rls_update_subscriptions", Recipes: [][]string{{"presentity_uri"}},
		Help: "re-read the lists of a watcher and update its resource subscriptions", Handler: m.miUpdate}}
}

// Init binds tm, pua, xcap and presence and opens the database of xcap.
func (m *Module) Init(ic *api.InitCtx) error {
	m.log = ic.Log
	if m.log == nil {
		m.log = slog.New(slog.DiscardHandler)
	}
	if m.now == nil {
		m.now = time.Now
	}
	if m.WaitnTime <= 0 {
		m.WaitnTime = 50
	}
	m.subs = map[dlgKey]*sub{}
	if ic.Module == nil {
		return errors.New("rls: no module lookup")
	}
	var ok bool
	if m.uac, ok = ic.Module("tm").(api.UAC); !ok {
		return errors.New("rls: the tm module is needed to send NOTIFY requests")
	}
	if m.pua, ok = ic.Module("pua").(api.PUASubscriber); !ok {
		return errors.New("rls: the pua module is not loaded")
	}
	if m.xcap, ok = ic.Module("xcap").(api.XCAP); !ok {
		return errors.New("rls: the xcap module is not loaded")
	}
	if m.pevs, ok = ic.Module("presence").(api.PresenceEvents); !ok {
		return errors.New("rls: the presence module is not loaded")
	}
	if xd, ok := ic.Module("xcap").(api.XCAPDatabase); ok {
		m.dbh.URL = xd.DatabaseURL()
	}
	if err := m.dbh.Open(ic, m.log); err != nil {
		return fmt.Errorf("rls: the database of xcap: %w", err)
	}
	ctx := context.Background()
	for _, t := range []struct {
		name string
		v    int
	}{{m.RLSubsTable, WatchersTableVersion}, {m.RLPresTable, PresTableVersion}} {
		if err := m.dbh.CheckVersion(ctx, t.name, t.v); err != nil {
			m.dbh.Close()
			return fmt.Errorf("rls: %w", err)
		}
	}
	return nil
}

// Start runs the timers: NOTIFYs of updated resources every waitn_time,
// cleaning and the rls_watchers flush every clean_period.
func (m *Module) Start(ctx context.Context) error {
	ctx, cancel := context.WithCancel(ctx)
	m.stop = cancel
	m.done = make(chan struct{})
	go func() {
		defer close(m.done)
		tn := time.NewTicker(time.Duration(m.WaitnTime) * time.Second)
		tc := time.NewTicker(time.Duration(m.CleanPeriod) * time.Second)
		defer tn.Stop()
		defer tc.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-tn.C:
				m.sendUpdates(ctx)
			case <-tc.C:
				m.cleanPresentity(ctx)
				m.flush(ctx)
			}
		}
	}()
	return nil
}

// Close stops the timers and writes the subscriptions to rls_watchers.
func (m *Module) Close() error {
	if m.stop != nil {
		m.stop()
		<-m.done
		m.stop = nil
	}
	if m.dbh.Conn == nil {
		return nil
	}
	m.flush(context.Background())
	return m.dbh.Close()
}

// reply answers the request of c through signaling.
func reply(c *api.Ctx, code int, reason, hdrs string) bool {
	if c.Core == nil {
		return false
	}
	r, ok := c.Core.Module("signaling").(api.Replier)
	if !ok {
		c.Log.Error("rls: signaling is not loaded, cannot reply")
		return false
	}
	if err := r.Reply(c, code, reason, hdrs, ""); err != nil {
		c.Log.Error("rls: sending reply failed", "code", code, "err", err)
		return false
	}
	return true
}

// toTagger is what signaling offers: the To-tag of its local replies.
type toTagger interface {
	LocalToTag(c *api.Ctx) (string, bool)
}

// miUpdate is rls_update_subscriptions: the lists of the watcher are read
// again and its resource subscriptions follow them.
func (m *Module) miUpdate(ctx context.Context, p api.MIParams) (any, error) {
	uri, _ := p.Str("presentity_uri")
	if uri == "" {
		return nil, &api.MIError{Code: 404, Msg: "Empty presentity URI"}
	}
	u, err := sip.ParseURI(strings.TrimSpace(uri))
	if err != nil {
		return nil, &api.MIError{Code: 400, Msg: "Bad presentity URI"}
	}
	m.mu.Lock()
	var list []sub
	now := m.now().Unix()
	for _, s := range m.subs {
		if s.watcherUser == u.User && s.watcherDomain == u.Host && s.expires > now {
			list = append(list, *s)
		}
	}
	m.mu.Unlock()
	for i := range list {
		s := &list[i]
		svc, err := m.service(ctx, s.presURI, s.watcherUser, s.watcherDomain)
		if err != nil || svc == nil {
			m.log.Warn("no list for subscription", "list", s.presURI, "err", err)
			continue
		}
		if err := m.subscribeResources(ctx, s, svc, int(s.expires-now), true); err != nil {
			m.log.Error("updating resource subscriptions failed", "list", s.presURI, "err", err)
		}
	}
	return "OK", nil
}

var (
	_ api.Initer     = (*Module)(nil)
	_ api.Starter    = (*Module)(nil)
	_ api.Closer     = (*Module)(nil)
	_ api.MIExporter = (*Module)(nil)
)
