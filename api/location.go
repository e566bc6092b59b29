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
}
