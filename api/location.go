package api

import (
	"context"

	"gosips/sip"
)

// Location is implemented by usrloc for modules that walk the registered
// contacts outside the registrar (nathelper's NAT pinging), as OpenSIPS'
// get_domain_ucontacts / delete_ucontact_from_coords.
type Location interface {
	// EachContact calls fn with a copy of every valid contact in memory,
	// table by table; fn must not call back into the location store.
	EachContact(fn func(c LocContact))
	// RemoveContact deletes one contact by table, AOR and contact id; a
	// contact that no longer exists is not an error.
	RemoveContact(ctx context.Context, table, aor string, id uint64) error
	// NATFlag is the branch flag marking NATed contacts (usrloc's
	// nat_bflag) as a bit mask, 0 when unset.
	NATFlag() uint32
}

// LocContact is a snapshot of one registered contact.
type LocContact struct {
	Table    string
	AOR      string
	ID       uint64
	URI      string
	Received string // the source the contact registered from, as a SIP URI
	Path     string
	Socket   *sip.Socket // the socket it registered on; nil when unknown
	CFlags   uint32      // branch flags saved with the contact
	CallID   string
	Expires  int64 // absolute Unix time; 0 is permanent
}

// ContactEvent is a change of a registered contact (OpenSIPS'
// UL_CONTACT_* callback types).
type ContactEvent uint8

// Contact events.
const (
	ContactInsert ContactEvent = 1 << iota
	ContactUpdate
	ContactDelete
	ContactExpire
)

// ContactWatcher is implemented by usrloc for modules that follow the
// registrations (pua_usrloc), as OpenSIPS' ul_register_ulcb. The callback
// runs in the goroutine that changed the contact (save() or the expiry
// timer) with the record locked: it must not block nor call back into
// the location store. ctx is the context of that change (the REGISTER's
// for save()). Register callbacks in Init; contacts of sql-only domains
// are not reported.
type ContactWatcher interface {
	OnContact(events ContactEvent, cb func(ctx context.Context, ev ContactEvent, c LocContact))
}
