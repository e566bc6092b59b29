// Package puausrloc is the pua_usrloc module: it publishes the
// registration state of the AORs whose REGISTER called pua_set_publish()
// as presence (PIDF "open" while registered), through pua.
package puausrloc

import (
	"context"
	"errors"
	"log/slog"
	"strconv"
	"strings"
	"time"

	"gosips/api"
	"gosips/modules/internal/presxml"
)

func init() {
	api.Register(api.ModuleInfo{
		Name: "pua_usrloc",
		Deps: []api.Dep{{Name: "usrloc"}, {Name: "pua"}},
		New:  func() api.Module { return &Module{} },
		Doc:  "publish the registration state of users as presence",
	})
}

// Module is one pua_usrloc instance.
type Module struct {
	DefaultDomain  string
	EntityPrefix   string
	PresenceServer string

	log *slog.Logger
	pua api.Publisher
	now func() time.Time
}

// Params binds the module parameters.
func (m *Module) Params() []api.Param {
	return []api.Param{
		api.StrParam("default_domain", &m.DefaultDomain),
		api.StrParam("entity_prefix", &m.EntityPrefix),
		api.StrParam("presence_server", &m.PresenceServer),
	}
}

// publishKey marks, in the context of a REGISTER, that its contacts are
// to be published.
type publishKey struct{}

// Funcs declares pua_set_publish.
func (m *Module) Funcs() []api.Func {
	return []api.Func{{Name: "pua_set_publish", Routes: api.RequestRoute,
		Returns: "1 (the contacts saved for this REGISTER will be published)",
		Call: func(c *api.Ctx, _ []any) api.Ret {
			parent := c.Context
			if parent == nil {
				parent = context.Background()
			}
			c.Context = context.WithValue(parent, publishKey{}, true)
			return api.RetTrue
		}}}
}

// Init binds usrloc and pua.
func (m *Module) Init(ic *api.InitCtx) error {
	m.log = ic.Log
	if m.log == nil {
		m.log = slog.New(slog.DiscardHandler)
	}
	if m.now == nil {
		m.now = time.Now
	}
	if ic.Module == nil {
		return errors.New("pua_usrloc: no module lookup")
	}
	ul, ok := ic.Module("usrloc").(api.ContactWatcher)
	if !ok {
		return errors.New("pua_usrloc: the usrloc module is not loaded")
	}
	if m.pua, ok = ic.Module("pua").(api.Publisher); !ok {
		return errors.New("pua_usrloc: the pua module is not loaded")
	}
	ul.OnContact(api.ContactInsert|api.ContactUpdate|api.ContactDelete|api.ContactExpire, m.onContact)
	return nil
}

// presURI is the presentity of an AOR ("sip:" + aor [+ "@" +
// default_domain]).
func (m *Module) presURI(aor string) string {
	if !strings.Contains(aor, "@") && m.DefaultDomain != "" {
		aor += "@" + m.DefaultDomain
	}
	return "sip:" + aor
}

// onContact publishes a registration change: a new contact publishes
// "open", an updated one refreshes the publication, a removed or expired
// one ends it. Only REGISTERs marked with pua_set_publish() count, except
// expiries, which are always published.
func (m *Module) onContact(ctx context.Context, ev api.ContactEvent, c api.LocContact) {
	if ev != api.ContactExpire && (ctx == nil || ctx.Value(publishKey{}) == nil) {
		return
	}
	uri := m.presURI(c.AOR)
	p := &api.Publication{PresURI: uri, ID: c.CallID, Event: "presence", ContentType: "application/pidf+xml",
		OutboundProxy: m.PresenceServer}
	switch ev {
	case api.ContactInsert:
		entity := uri
		if m.EntityPrefix != "" {
			entity = m.EntityPrefix + ":" + strings.TrimPrefix(uri, "sip:")
		}
		p.Body = string(presxml.RegistrationPIDF(entity, "ul"+strconv.FormatUint(c.ID, 16)))
		p.Expires = m.left(c)
	case api.ContactUpdate:
		p.Expires = m.left(c)
	default:
		p.Expires = 0
	}
	if err := m.pua.Publish(context.Background(), p); err != nil {
		m.log.Error("publishing the registration failed", "aor", c.AOR, "err", err)
	}
}

// left is the time a contact has left (the pua default when permanent).
func (m *Module) left(c api.LocContact) int {
	if c.Expires == 0 {
		return -1
	}
	n := int(c.Expires - m.now().Unix())
	if n < 1 {
		n = 1
	}
	return n
}

var _ api.Initer = (*Module)(nil)
