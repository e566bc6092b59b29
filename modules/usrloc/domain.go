package usrloc

import (
	"context"
	"gosips/api"
	"hash/fnv"
	"math/rand/v2"
	"sort"
	"sync"
	"sync/atomic"
	"time"

	"gosips/sip"
)

// Domain is a usrloc table ("location"): AOR records hashed into buckets,
// each with its own lock. In sql-only mode the buckets stay empty and
// every access goes to the database.
type Domain struct {
	Name string
	m    *Module

	buckets []bucket

	users    atomic.Int64 // records in memory
	contacts atomic.Int64 // contacts in memory
	expired  atomic.Int64 // contacts removed by the timer

	// pendingDel holds the ids of contacts deleted in write-back mode,
	// removed from the database by the next flush.
	delMu      sync.Mutex
	pendingDel []uint64
}

type bucket struct {
	mu        sync.Mutex
	recs      map[string]*Record
	nextLabel uint32
}

// Record is the set of contacts of one AOR, kept sorted by q (highest
// first) unless desc_time_order is set, then newest first.
type Record struct {
	AOR      string
	Contacts []*Contact
	KV       map[string]string
	// first backs Contacts while the AOR has one binding, the usual case:
	// it saves an allocation per AOR and an object for the GC to mark.
	first [1]*Contact

	d          *Domain
	hash       uint32
	label      uint32
	nextCLabel uint16
	// transient records are built from the database in sql-only mode and
	// never kept in memory.
	transient bool
}

func newDomain(m *Module, name string) *Domain {
	d := &Domain{Name: name, m: m}
	n := 1 << m.HashSize
	d.buckets = make([]bucket, n)
	for i := range d.buckets {
		d.buckets[i].recs = map[string]*Record{}
		d.buckets[i].nextLabel = rand.Uint32()
	}
	return d
}

// Size is the bucket count (ul_dump's hash_size).
func (d *Domain) Size() int { return len(d.buckets) }

// Users, Contacts and Expired read the domain statistics
// (location-users, location-contacts, location-expires).
func (d *Domain) Users() int64    { return d.users.Load() }
func (d *Domain) Contacts() int64 { return d.contacts.Load() }
func (d *Domain) Expired() int64  { return d.expired.Load() }

func aorHash(aor string) uint32 {
	h := fnv.New32a()
	h.Write([]byte(aor))
	return h.Sum32()
}

func (d *Domain) slot(aor string) (*bucket, uint32) {
	h := aorHash(aor)
	return &d.buckets[h&uint32(len(d.buckets)-1)], h
}

// Lock takes the lock of the AOR's bucket; every record and contact
// operation on that AOR must happen between Lock and Unlock.
func (d *Domain) Lock(aor string) {
	b, _ := d.slot(aor)
	b.mu.Lock()
}

// Unlock releases the lock taken by Lock.
func (d *Domain) Unlock(aor string) {
	b, _ := d.slot(aor)
	b.mu.Unlock()
}

func (d *Domain) sqlOnly() bool { return d.m.mode.ClusterMode == "sql-only" }

// Get returns the AOR's record (the lock must be held). In sql-only mode
// the record is read from the database; a database error is returned then.
func (d *Domain) Get(ctx context.Context, aor string) (*Record, bool, error) {
	if d.sqlOnly() {
		r, err := d.m.dbLoadRecord(ctx, d, aor)
		if err != nil || r == nil {
			return nil, false, err
		}
		return r, true, nil
	}
	b, _ := d.slot(aor)
	r, ok := b.recs[aor]
	return r, ok, nil
}

// Insert creates an empty record for the AOR (the lock must be held) or
// returns the existing one. An empty record is dropped again by Release.
func (d *Domain) Insert(aor string) *Record {
	b, h := d.slot(aor)
	if d.sqlOnly() {
		r := &Record{AOR: aor, d: d, hash: h, transient: true}
		r.label = b.nextLabel
		b.nextLabel++
		r.nextCLabel = uint16(rand.UintN(clabelMask + 1))
		return r
	}
	if r, ok := b.recs[aor]; ok {
		return r
	}
	r := &Record{AOR: aor, d: d, hash: h}
	r.Contacts = r.first[:0]
	r.label = b.nextLabel
	b.nextLabel++
	r.nextCLabel = uint16(rand.UintN(clabelMask + 1))
	b.recs[aor] = r
	d.users.Add(1)
	d.raiseAOR(d.m.events.aorInsert, aor)
	return r
}

// Release drops the record from memory when it has no contacts left (the
// lock must be held), as OpenSIPS release_urecord does.
func (d *Domain) Release(r *Record) {
	if r == nil || r.transient || len(r.Contacts) > 0 {
		return
	}
	b, _ := d.slot(r.AOR)
	if b.recs[r.AOR] == r {
		delete(b.recs, r.AOR)
		d.users.Add(-1)
		d.raiseAOR(d.m.events.aorDelete, r.AOR)
	}
}

// Delete removes the AOR with all its contacts, in memory and in the
// database (the lock must be held).
func (d *Domain) Delete(ctx context.Context, aor string) error {
	if d.sqlOnly() {
		return d.m.dbDeleteAOR(ctx, d, aor)
	}
	b, _ := d.slot(aor)
	r, ok := b.recs[aor]
	if !ok {
		return nil
	}
	for len(r.Contacts) > 0 {
		if err := r.Delete(ctx, r.Contacts[0]); err != nil {
			return err
		}
	}
	d.Release(r)
	return nil
}

// nextContactID returns a fresh contact id for the record.
func (r *Record) nextContactID() uint64 {
	id := contactID(uint16(r.hash), r.label, r.nextCLabel)
	r.nextCLabel = (r.nextCLabel + 1) & clabelMask
	return id
}

// Match selects how a contact of a REGISTER is matched to a binding.
type Match struct {
	Mode   int      // MatchContact, MatchCallID or MatchParams; -1: matching_mode
	Params []string // contact URI parameters for MatchParams
}

// Contact matching modes.
const (
	MatchDefault = -1
	MatchContact = 0
	MatchCallID  = 1
	MatchParams  = 2
)

// Find returns the binding matching uri (and Call-ID, by mode) and checks
// the CSeq as OpenSIPS get_ucontact: 0 found, 1 not found, -1 CSeq too
// low (an out-of-order request), -2 a retransmission (same CSeq within
// cseq_delay seconds).
func (r *Record) Find(uri, callID string, cseq int, match Match, now int64) (*Contact, int) {
	mode := match.Mode
	if mode == MatchDefault {
		mode = r.d.m.MatchingMode
	}
	var found *Contact
	for _, c := range r.Contacts {
		switch mode {
		case MatchCallID:
			if c.CallID == callID && SameURI(c.URI, uri) {
				found = c
			}
		case MatchParams:
			if sameParams(c.URI, uri, match.Params) {
				found = c
			}
		default:
			if SameURI(c.URI, uri) {
				found = c
			}
		}
		if found != nil {
			break
		}
	}
	if found == nil {
		return nil, 1
	}
	if mode == MatchCallID || found.CallID == callID {
		if cseq < found.CSeq {
			return found, -1
		}
		if cseq == found.CSeq {
			if found.LastModified+int64(r.d.m.CSeqDelay) > now {
				return found, -2
			}
			return found, -1
		}
	}
	return found, 0
}

// FindURI returns the binding whose URI matches (get_simple_ucontact).
func (r *Record) FindURI(uri string) *Contact {
	for _, c := range r.Contacts {
		if SameURI(c.URI, uri) {
			return c
		}
	}
	return nil
}

// sameParams matches two contacts on the listed URI parameters (and
// host/user when no parameter is present), for matching-mode=<...>.
func sameParams(a, b string, params []string) bool {
	ua, err1 := sip.ParseURI(a)
	ub, err2 := sip.ParseURI(b)
	if err1 != nil || err2 != nil {
		return a == b
	}
	any := false
	for _, p := range params {
		va, oka := ua.Param(p)
		vb, okb := ub.Param(p)
		if oka != okb || va != vb {
			return false
		}
		any = any || oka
	}
	if !any {
		return SameURI(a, b)
	}
	return true
}

// Insert adds a contact (the lock must be held) and writes it to the
// database as the working mode requires.
func (r *Record) Insert(ctx context.Context, uri string, ci *ContactInfo) (*Contact, error) {
	c := &Contact{AOR: r.AOR, URI: uri, ID: r.nextContactID(), State: CSNew}
	c.apply(ci)
	if err := r.d.m.dbInsert(ctx, r.d, c); err != nil {
		return nil, err
	}
	r.place(c)
	if !r.transient {
		r.d.contacts.Add(1)
	}
	r.d.m.fireContact(ctx, api.ContactInsert, r.d, c)
	return c, nil
}

// place inserts c in q order (or at the head with desc_time_order).
func (r *Record) place(c *Contact) {
	i := 0
	if r.d.m.DescTimeOrder == 0 {
		i = sort.Search(len(r.Contacts), func(i int) bool { return r.Contacts[i].Q < c.Q })
	}
	r.Contacts = append(r.Contacts, nil)
	copy(r.Contacts[i+1:], r.Contacts[i:])
	r.Contacts[i] = c
}

func (r *Record) unlink(c *Contact) bool {
	for i, x := range r.Contacts {
		if x == c {
			r.Contacts = append(r.Contacts[:i], r.Contacts[i+1:]...)
			return true
		}
	}
	return false
}

// Update changes a contact (the lock must be held), keeping the q order.
func (r *Record) Update(ctx context.Context, c *Contact, ci *ContactInfo) error {
	old := *c
	c.apply(ci)
	if c.State == CSSync {
		c.State = CSDirty
	}
	if err := r.d.m.dbUpdate(ctx, r.d, c); err != nil {
		*c = old
		return err
	}
	if c.Q != old.Q || r.d.m.DescTimeOrder != 0 {
		r.unlink(c)
		r.place(c)
	}
	r.d.m.fireContact(ctx, api.ContactUpdate, r.d, c)
	return nil
}

// Delete removes a contact (the lock must be held).
func (r *Record) Delete(ctx context.Context, c *Contact) error {
	return r.remove(ctx, c, api.ContactDelete)
}

// remove deletes a contact and reports it as ev (delete or expire).
func (r *Record) remove(ctx context.Context, c *Contact, ev api.ContactEvent) error {
	if err := r.d.m.dbDelete(ctx, r.d, c); err != nil {
		return err
	}
	if r.unlink(c) && !r.transient {
		r.d.contacts.Add(-1)
	}
	r.d.m.fireContact(ctx, ev, r.d, c)
	return nil
}

// ValidCount counts the bindings still active at now.
func (r *Record) ValidCount(now int64) int {
	n := 0
	for _, c := range r.Contacts {
		if c.Valid(now) {
			n++
		}
	}
	return n
}

// expire removes the contacts whose time has passed (timer, lock held).
func (r *Record) expire(ctx context.Context, now int64) {
	for i := 0; i < len(r.Contacts); {
		c := r.Contacts[i]
		if c.Valid(now) {
			i++
			continue
		}
		if err := r.remove(ctx, c, api.ContactExpire); err != nil {
			r.d.m.log.Error("failed to remove expired contact", "aor", r.AOR, "contact", c.URI, "err", err)
			i++
			continue
		}
		r.d.expired.Add(1)
	}
}

// Each calls fn for every record in memory, bucket by bucket with the
// bucket locked; fn must not lock the domain.
func (d *Domain) Each(fn func(r *Record)) {
	for i := range d.buckets {
		b := &d.buckets[i]
		b.mu.Lock()
		recs := make([]*Record, 0, len(b.recs))
		for _, r := range b.recs {
			recs = append(recs, r)
		}
		sort.Slice(recs, func(i, j int) bool { return recs[i].AOR < recs[j].AOR })
		for _, r := range recs {
			fn(r)
		}
		b.mu.Unlock()
	}
}

// timer expires contacts and drops empty records.
func (d *Domain) timer(ctx context.Context, now int64) {
	if d.sqlOnly() {
		if err := d.m.dbExpire(ctx, d, now); err != nil {
			d.m.log.Error("failed to delete expired contacts", "table", d.Name, "err", err)
		}
		return
	}
	for i := range d.buckets {
		b := &d.buckets[i]
		b.mu.Lock()
		for _, r := range b.recs {
			r.expire(ctx, now)
			d.Release(r)
		}
		b.mu.Unlock()
	}
}

// Now is the clock usrloc and registrar share (Unix seconds).
func (m *Module) Now() int64 {
	if m.Clock != nil {
		return m.Clock().Unix()
	}
	return time.Now().Unix()
}
