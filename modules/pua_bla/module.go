// Package puabla is the pua_bla module: bridged line appearances
// (draft-anil-sipping-bla). The phones registering to a BLA AOR (marked
// with bla_set_flag()) are subscribed to for "dialog;sla" through pua, and
// the NOTIFYs they send (bla_handle_notify()) are published to the
// presence server as the state of the shared line.
package puabla

import (
	"context"
	"errors"
	"log/slog"
	"strconv"
	"strings"
	"time"

	"gosips/api"
	"gosips/modules/internal/presxml"
	"gosips/sip"
)

// source is the name pua_bla subscribes under in pua (BLA_SUBSCRIBE).
const source = "pua_bla"

// event is the BLA event package.
const event = "dialog;sla"

func init() {
	api.Register(api.ModuleInfo{
		Name: "pua_bla",
		Deps: []api.Dep{{Name: "pua"}, {Name: "usrloc"}},
		New:  func() api.Module { return &Module{} },
		Doc:  "bridged line appearances: dialog;sla subscriptions and publications",
	})
}

// Module is one pua_bla instance.
type Module struct {
	ServerAddress  string
	DefaultDomain  string
	HeaderName     string
	OutboundProxy  string
	PresenceServer string

	log *slog.Logger
	sub api.PUASubscriber
	pub api.Publisher
	now func() time.Time
}

// Params binds the module parameters.
func (m *Module) Params() []api.Param {
	return []api.Param{
		api.StrParam("server_address", &m.ServerAddress),
		api.StrParam("default_domain", &m.DefaultDomain),
		api.StrParam("header_name", &m.HeaderName),
		api.StrParam("outbound_proxy", &m.OutboundProxy),
		api.StrParam("presence_server", &m.PresenceServer),
	}
}

// blaKey marks, in the context of a REGISTER, that its contacts are
// those of a BLA AOR; the value is the From URI of the REGISTER.
type blaKey struct{}

// Funcs declares bla_set_flag and bla_handle_notify.
func (m *Module) Funcs() []api.Func {
	return []api.Func{
		{Name: "bla_set_flag", Routes: api.RequestRoute,
			Returns: "1 (the contacts saved for this REGISTER are subscribed to); -1 no From header",
			Call: func(c *api.Ctx, _ []any) api.Ret {
				if c.Msg == nil {
					return api.RetFalse
				}
				from, err := c.Msg.From()
				if err != nil {
					c.Log.Error("bla_set_flag: cannot parse the From header")
					return api.RetFalse
				}
				parent := c.Context
				if parent == nil {
					parent = context.Background()
				}
				c.Context = context.WithValue(parent, blaKey{}, from.URI)
				return api.RetTrue
			}},
		{Name: "bla_handle_notify", Routes: api.RequestRoute,
			Returns: "1 published (or an empty NOTIFY); -2 not a dialog of pua_bla; -1 error",
			Call:    func(c *api.Ctx, _ []any) api.Ret { return m.handleNotify(c) }},
	}
}

// Validate checks the compulsory parameters.
func (m *Module) Validate(_ *api.ValidateCtx) error {
	if strings.TrimSpace(m.ServerAddress) == "" {
		return errors.New("pua_bla: compulsory 'server_address' parameter not set")
	}
	if m.HeaderName == "" {
		return errors.New("pua_bla: header_name parameter not set")
	}
	return nil
}

// Init binds pua and usrloc.
func (m *Module) Init(ic *api.InitCtx) error {
	m.log = ic.Log
	if m.log == nil {
		m.log = slog.New(slog.DiscardHandler)
	}
	if m.now == nil {
		m.now = time.Now
	}
	if err := m.Validate(nil); err != nil {
		return err
	}
	if ic.Module == nil {
		return errors.New("pua_bla: no module lookup")
	}
	var ok bool
	if m.sub, ok = ic.Module("pua").(api.PUASubscriber); !ok {
		return errors.New("pua_bla: the pua module is not loaded")
	}
	if m.pub, ok = ic.Module("pua").(api.Publisher); !ok {
		return errors.New("pua_bla: the pua module is not loaded")
	}
	ul, ok := ic.Module("usrloc").(api.ContactWatcher)
	if !ok {
		return errors.New("pua_bla: the usrloc module is not loaded")
	}
	ul.OnContact(api.ContactInsert|api.ContactUpdate|api.ContactDelete|api.ContactExpire, m.onContact)
	return nil
}

// onContact subscribes to (or unsubscribes from) a contact of a BLA AOR
// for dialog;sla: the phone is the presentity, the AOR the watcher.
func (m *Module) onContact(ctx context.Context, ev api.ContactEvent, c api.LocContact) {
	if ctx == nil {
		return
	}
	regFrom, _ := ctx.Value(blaKey{}).(string)
	if regFrom == "" {
		return
	}
	watcher := "sip:" + c.AOR
	if !strings.Contains(c.AOR, "@") {
		if m.DefaultDomain == "" {
			m.log.Error("no domain in the AOR and no default_domain", "aor", c.AOR)
			return
		}
		watcher += "@" + m.DefaultDomain
	}
	s := &api.SubscribeRequest{PresURI: c.URI, ToURI: regFrom, WatcherURI: watcher, Contact: strings.TrimSpace(m.ServerAddress),
		Source: source, Event: event, OutboundProxy: strings.TrimSpace(m.OutboundProxy)}
	if s.OutboundProxy == "" {
		s.OutboundProxy = c.Received
	}
	switch ev {
	case api.ContactDelete, api.ContactExpire:
		s.Expires = 0
	default:
		s.Expires = -1
		if c.Expires != 0 {
			s.Expires = max(int(c.Expires-m.now().Unix()), 1)
		}
	}
	if err := m.sub.Subscribe(context.Background(), s); err != nil {
		m.log.Error("subscribing to the BLA contact failed", "contact", c.URI, "err", err)
	}
}

// validBody accepts a dialog-info document whose children are dialogs.
func validBody(body []byte) error {
	doc, err := presxml.Parse(body)
	if err != nil {
		return err
	}
	if !strings.EqualFold(doc.Root.Local, "dialog-info") {
		return errors.New("required dialog-info element not found (found <" + doc.Root.Local + "> instead)")
	}
	for _, c := range doc.Children {
		if !strings.EqualFold(c.Name.Local, "dialog") {
			return errors.New("invalid element <" + c.Name.Local + "> found")
		}
	}
	return nil
}

// handleNotify is bla_handle_notify(): the NOTIFY of a phone of the line
// is published for the AOR, with the phone's Contact in header_name.
func (m *Module) handleNotify(c *api.Ctx) api.Ret {
	msg := c.Msg
	if msg == nil || !msg.IsRequest() || msg.MethodID() != sip.MethodNotify {
		c.Log.Error("bla_handle_notify: not a NOTIFY request")
		return api.RetFalse
	}
	to, err := msg.To()
	if err != nil || to.Tag == "" {
		c.Log.Error("bla_handle_notify: NULL to_tag value")
		return api.RetFalse
	}
	from, err := msg.From()
	if err != nil || from.Tag == "" {
		c.Log.Error("bla_handle_notify: no from tag value present")
		return api.RetFalse
	}
	body := msg.Body()
	if len(body) == 0 {
		return api.RetTrue
	}
	if err := validBody([]byte(body)); err != nil {
		c.Log.Error("bla_handle_notify: bad XML body", "err", err)
		return api.RetFalse
	}
	cts, _, err := msg.Contacts()
	if err != nil || len(cts) == 0 {
		c.Log.Error("bla_handle_notify: no contact header found")
		return api.RetFalse
	}
	contact := cts[0].URI
	if _, ok := m.sub.SubscriptionID(source, msg.CallID(), to.Tag, from.Tag); !ok {
		c.Log.Error("bla_handle_notify: Notify in a non existing dialog")
		return -2
	}
	st, ok := msg.Header("Subscription-State")
	if !ok {
		c.Log.Error("bla_handle_notify: No Subscription-State header found")
		return api.RetFalse
	}
	expires, ok := subStateExpires(st)
	if !ok {
		c.Log.Error("bla_handle_notify: unknown Subscription-state token", "value", st)
		return api.RetFalse
	}
	p := &api.Publication{PresURI: to.URI, ID: contact, Event: event, ContentType: "application/dialog-info+xml",
		Body: string(body), Expires: expires, OutboundProxy: strings.TrimSpace(m.PresenceServer),
		ExtraHeaders: m.HeaderName + ": " + contact + "\r\n"}
	if err := m.pub.Publish(context.Background(), p); err != nil {
		c.Log.Error("bla_handle_notify: failed to send Publish message", "err", err)
		return api.RetFalse
	}
	return api.RetTrue
}

// subStateExpires is the lifetime a Subscription-State gives: 0 when
// terminated, its expires parameter (3600 without) when active or
// pending.
func subStateExpires(v string) (int, bool) {
	parts := strings.Split(v, ";")
	switch strings.ToLower(strings.TrimSpace(parts[0])) {
	case "terminated":
		return 0, true
	case "active", "pending":
	default:
		return 0, false
	}
	for _, p := range parts[1:] {
		if k, val, ok := strings.Cut(strings.TrimSpace(p), "="); ok && strings.EqualFold(k, "expires") {
			n, err := strconv.Atoi(strings.TrimSpace(val))
			if err != nil {
				return 0, false
			}
			return n, true
		}
	}
	return 3600, true
}

var (
	_ api.Initer    = (*Module)(nil)
	_ api.Validator = (*Module)(nil)
)
