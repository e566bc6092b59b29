package usrloc

import (
	"context"

	"gosips/api"
)

// EachContact implements api.Location: every valid contact held in
// memory (sql-only tables are not walked, as OpenSIPS pings only cached
// contacts).
func (m *Module) EachContact(fn func(c api.LocContact)) {
	now := m.Now()
	for _, d := range m.Domains() {
		if d.sqlOnly() {
			continue
		}
		var batch []api.LocContact
		d.Each(func(r *Record) {
			for _, c := range r.Contacts {
				if !c.Valid(now) {
					continue
				}
				batch = append(batch, locContact(d, c))
			}
		})
		// fn runs without bucket locks so that it may take its time.
		for _, c := range batch {
			fn(c)
		}
	}
}

// RemoveContact implements api.Location.
func (m *Module) RemoveContact(ctx context.Context, table, aor string, id uint64) error {
	d, ok := m.domains[table]
	if !ok {
		return nil
	}
	d.Lock(aor)
	defer d.Unlock(aor)
	r, ok, err := d.Get(ctx, aor)
	if err != nil || !ok {
		return err
	}
	for _, c := range r.Contacts {
		if c.ID == id {
			if err := r.Delete(ctx, c); err != nil {
				return err
			}
			break
		}
	}
	d.Release(r)
	return nil
}

// NATFlag implements api.Location.
func (m *Module) NATFlag() uint32 {
	if m.NATBFlagIndex < 0 {
		return 0
	}
	return 1 << uint(m.NATBFlagIndex)
}

var _ api.Location = (*Module)(nil)

// locContact is the api view of a contact.
func locContact(d *Domain, c *Contact) api.LocContact {
	return api.LocContact{Table: d.Name, AOR: c.AOR, ID: c.ID, URI: c.URI, Received: c.Received, Path: c.Path,
		Socket: c.Socket, CFlags: c.CFlags, CallID: c.CallID, Expires: c.Expires}
}

// contactCb is one registered contact callback.
type contactCb struct {
	events api.ContactEvent
	fn     func(ctx context.Context, ev api.ContactEvent, c api.LocContact)
}

// OnContact implements api.ContactWatcher.
func (m *Module) OnContact(events api.ContactEvent, cb func(ctx context.Context, ev api.ContactEvent, c api.LocContact)) {
	m.contactCbs = append(m.contactCbs, contactCb{events, cb})
}

// fireContact runs the callbacks registered for ev.
func (m *Module) fireContact(ctx context.Context, ev api.ContactEvent, d *Domain, c *Contact) {
	d.raiseContact(ev, c)
	if len(m.contactCbs) == 0 {
		return
	}
	lc := locContact(d, c)
	for _, cb := range m.contactCbs {
		if cb.events&ev != 0 {
			cb.fn(ctx, ev, lc)
		}
	}
}

var _ api.ContactWatcher = (*Module)(nil)
