package usrloc

import "gosips/api"

// ulEvents are the events usrloc publishes (OpenSIPS ul_evi.c).
type ulEvents struct {
	aorInsert, aorDelete                    *api.Event
	ctInsert, ctUpdate, ctDelete, ctRefresh *api.Event
	latencyUpdate                           *api.Event
}

func (m *Module) publishEvents(evs *api.Events) {
	if evs == nil {
		return
	}
	m.events = ulEvents{
		aorInsert:     evs.MustPublish("E_UL_AOR_INSERT"),
		aorDelete:     evs.MustPublish("E_UL_AOR_DELETE"),
		ctInsert:      evs.MustPublish("E_UL_CONTACT_INSERT"),
		ctUpdate:      evs.MustPublish("E_UL_CONTACT_UPDATE"),
		ctDelete:      evs.MustPublish("E_UL_CONTACT_DELETE"),
		ctRefresh:     evs.MustPublish("E_UL_CONTACT_REFRESH"),
		latencyUpdate: evs.MustPublish("E_UL_LATENCY_UPDATE"),
	}
}

// raiseAOR raises E_UL_AOR_INSERT / E_UL_AOR_DELETE.
func (d *Domain) raiseAOR(ev *api.Event, aor string) {
	if !ev.HasSubscribers() {
		return
	}
	var p api.EventParams
	p.Str("domain", d.Name)
	p.Str("aor", aor)
	ev.Raise(p)
}

// raiseContact raises a contact event with OpenSIPS' attributes.
func (d *Domain) raiseContact(ce api.ContactEvent, c *Contact) {
	var ev *api.Event
	switch ce {
	case api.ContactInsert:
		ev = d.m.events.ctInsert
	case api.ContactUpdate:
		ev = d.m.events.ctUpdate
	case api.ContactDelete, api.ContactExpire:
		ev = d.m.events.ctDelete
	}
	if !ev.HasSubscribers() {
		return
	}
	ev.Raise(contactParams(d.Name, c))
}

func contactParams(domain string, c *Contact) api.EventParams {
	p := make(api.EventParams, 0, 15)
	p.Str("domain", domain)
	p.Str("aor", c.AOR)
	p.Str("uri", c.URI)
	p.StrOrNull("received", c.Received)
	p.StrOrNull("path", c.Path)
	p.Int("qval", int64(c.Q))
	p.StrOrNull("user_agent", c.UserAgent)
	p.Str("socket", c.SocketStr)
	p.Int("bflags", int64(c.CFlags))
	p.Int("expires", c.Expires)
	p.StrOrNull("callid", c.CallID)
	p.Int("cseq", int64(c.CSeq))
	p.Str("attr", c.Attr)
	p.Int("latency", 0)
	p.Str("shtag", "")
	return p
}
