package dialog

import (
	"hash/fnv"
	"slices"
	"strings"
	"sync"
	"time"

	"gosips/api"
	"gosips/sip"
)

// Internal dialog flags (OpenSIPS' DLG_FLAG_*, same bits: the "flags"
// column of the dialog table holds them).
const (
	flagNew             = 1 << 0
	flagChanged         = 1 << 1
	flagHasBye          = 1 << 2
	flagByeOnTimeout    = 1 << 3
	flagIsInit          = 1 << 4
	flagPingCaller      = 1 << 5
	flagPingCallee      = 1 << 6
	flagFromDB          = 1 << 7
	flagVPChanged       = 1 << 8
	flagReinvPingCaller = 1 << 11
	flagReinvPingCallee = 1 << 12
	flagEndOnRace       = 1 << 15
	flagWasCancelled    = 1 << 16
	flagRaceOccurred    = 1 << 17
)

// leg is one side of a dialog.
type leg struct {
	tag      string
	cseq     string // last CSeq number seen from this side
	contact  string
	routeSet []string // Route URIs (with <>) to reach this side, nearest first
	socket   *sip.Socket
	// injected counts the requests the proxy sent to this side in the
	// other side's name (pings, dlg_send_sequential): the other side's
	// later requests get their CSeq raised by it so that this side still
	// sees it grow, and the replies get it back.
	injected uint32
	sdp      string // the last SDP this side sent (re-INVITE pinging)
}

// profLink is the membership of a dialog in a profile.
type profLink struct {
	prof  *profile
	value string
}

// cbEntry is a registered dialog callback.
type cbEntry struct {
	events api.DialogEvent
	cb     api.DialogCallback
}

// dlg is one dialog; every field below mu is guarded by it, the ids and
// the Call-ID never change.
type dlg struct {
	m       *Module
	hEntry  uint32
	hID     uint32
	callID  string
	fromURI string
	toURI   string

	mu        sync.Mutex
	state     api.DialogState
	legs      [2]leg
	hasCallee bool
	created   time.Time
	start     time.Time
	end       time.Time
	lifetime  time.Duration
	expiresAt time.Time // when the lifetime timer fires (confirmed dialogs)
	flags     uint32
	sflags    uint32
	mflags    uint32
	vals      []dlgVal
	profiles  []profLink
	cbs       []cbEntry
	attrs     map[any]any
	endReason string
	delDelay  time.Duration
	onTimeout string
	onAnswer  string
	onHangup  string
	// dirty marks changes the database does not have yet (db_mode 2/3).
	dirty   bool
	inDB    bool
	removed bool // out of the table
	timer   *time.Timer
	// pinging: a ping of a side is pending.
	pingPending [2]bool
	// calleeCallID, when set, is the Call-ID of the requests sent to the
	// callee (SetCalleeCallID).
	calleeCallID string
}

type dlgVal struct {
	name string
	v    api.Value
}

// ID implements api.Dialog.
func (d *dlg) ID() uint64 { return uint64(d.hEntry)<<32 | uint64(d.hID) }

// DID implements api.Dialog: the value of the Record-Route did
// parameter, $DLG_did and dlg_list's "ID": both numbers in reversed
// hexadecimal joined by '.', as OpenSIPS writes it.
func (d *dlg) DID() string { return d.rrDID() }

func (d *dlg) rrDID() string {
	return revHex(d.hEntry) + "." + revHex(d.hID)
}

func revHex(n uint32) string {
	const hex = "0123456789abcdef"
	var b [8]byte
	i := 0
	for {
		b[i] = hex[n&0xf]
		i++
		n >>= 4
		if n == 0 {
			break
		}
	}
	return string(b[:i])
}

// parseRevHex is the inverse of revHex.
func parseRevHex(s string) (uint32, bool) {
	if s == "" || len(s) > 8 {
		return 0, false
	}
	var n uint32
	for i := len(s) - 1; i >= 0; i-- {
		c := s[i]
		var v byte
		switch {
		case c >= '0' && c <= '9':
			v = c - '0'
		case c >= 'a' && c <= 'f':
			v = c - 'a' + 10
		case c >= 'A' && c <= 'F':
			v = c - 'A' + 10
		default:
			return 0, false
		}
		n = n<<4 | uint32(v)
	}
	return n, true
}

// parseDID splits a did parameter value.
func parseDID(s string) (entry, id uint32, ok bool) {
	a, b, found := strings.Cut(s, ".")
	if !found {
		return 0, 0, false
	}
	e, ok1 := parseRevHex(a)
	i, ok2 := parseRevHex(b)
	return e, i, ok1 && ok2
}

func (d *dlg) CallID() string  { return d.callID }
func (d *dlg) FromURI() string { return d.fromURI }
func (d *dlg) ToURI() string   { return d.toURI }

// Leg implements api.Dialog.
func (d *dlg) Leg(which api.DialogLegID) api.DialogLeg {
	d.mu.Lock()
	defer d.mu.Unlock()
	if which != api.DlgCaller && which != api.DlgCallee {
		return api.DialogLeg{}
	}
	l := &d.legs[which]
	return api.DialogLeg{Tag: l.tag, CSeq: l.cseq, Contact: l.contact,
		RouteSet: strings.Join(l.routeSet, ","), Socket: l.socket}
}

func (d *dlg) State() api.DialogState {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.state
}

func (d *dlg) Created() time.Time { d.mu.Lock(); defer d.mu.Unlock(); return d.created }
func (d *dlg) Start() time.Time   { d.mu.Lock(); defer d.mu.Unlock(); return d.start }
func (d *dlg) End() time.Time     { d.mu.Lock(); defer d.mu.Unlock(); return d.end }

func (d *dlg) Lifetime() time.Duration { d.mu.Lock(); defer d.mu.Unlock(); return d.lifetime }

// SetTimeout implements api.Dialog ($DLG_timeout = n).
func (d *dlg) SetTimeout(t time.Duration) {
	d.mu.Lock()
	d.setTimeoutLocked(t)
	d.mu.Unlock()
}

// setTimeoutLocked sets the time left; before confirmation it is the
// lifetime counted from the 2xx; mu held.
func (d *dlg) setTimeoutLocked(t time.Duration) {
	if d.flags&flagEndOnRace != 0 && d.flags&flagWasCancelled != 0 {
		// The race timeout is not extended.
		return
	}
	if d.state == api.DlgStateConfirmed || d.state == api.DlgStateConfirmedNA {
		d.lifetime = time.Since(d.start) + t
		d.expiresAt = time.Now().Add(t)
		d.m.timers.schedule(d, d.expiresAt)
	} else {
		d.lifetime = t
	}
	d.markChanged()
}

func (d *dlg) EndReason() string { d.mu.Lock(); defer d.mu.Unlock(); return d.endReason }

// Value implements api.Dialog.
func (d *dlg) Value(name string) (api.Value, bool) {
	d.mu.Lock()
	defer d.mu.Unlock()
	for _, v := range d.vals {
		if v.name == name {
			return v.v, true
		}
	}
	return api.Null, false
}

// SetValue implements api.Dialog.
func (d *dlg) SetValue(name string, v api.Value) {
	d.mu.Lock()
	d.setValueLocked(name, v)
	d.mu.Unlock()
	d.m.dbUpdate(d)
}

func (d *dlg) setValueLocked(name string, v api.Value) {
	d.flags |= flagVPChanged
	d.dirty = true
	i := slices.IndexFunc(d.vals, func(x dlgVal) bool { return x.name == name })
	switch {
	case v.IsNull() && i >= 0:
		d.vals = slices.Delete(d.vals, i, i+1)
	case v.IsNull():
	case i >= 0:
		d.vals[i].v = v
	default:
		d.vals = append(d.vals, dlgVal{name, v})
	}
}

// Values implements api.Dialog.
func (d *dlg) Values() map[string]api.Value {
	d.mu.Lock()
	defer d.mu.Unlock()
	out := make(map[string]api.Value, len(d.vals))
	for _, v := range d.vals {
		out[v.name] = v.v
	}
	return out
}

func (d *dlg) ScriptFlags() uint32 { d.mu.Lock(); defer d.mu.Unlock(); return d.sflags }

func (d *dlg) ModFlag(mask uint32) bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.mflags&mask == mask
}

// SetCalleeCallID implements api.Dialog.
func (d *dlg) SetCalleeCallID(v string) {
	d.mu.Lock()
	d.calleeCallID = v
	d.mu.Unlock()
}

func (d *dlg) SetModFlag(mask uint32) {
	d.mu.Lock()
	d.mflags |= mask
	d.markChanged()
	d.mu.Unlock()
}

// Register implements api.Dialog.
func (d *dlg) Register(events api.DialogEvent, cb api.DialogCallback) {
	if cb == nil || events == 0 {
		return
	}
	d.mu.Lock()
	d.cbs = append(d.cbs, cbEntry{events, cb})
	d.mu.Unlock()
}

func (d *dlg) Attr(key any) any {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.attrs[key]
}

func (d *dlg) SetAttr(key, v any) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.attrs == nil {
		d.attrs = map[any]any{}
	}
	d.attrs[key] = v
}

// markChanged notes a change the database must get; mu held.
func (d *dlg) markChanged() {
	d.flags |= flagChanged
	d.dirty = true
}

// run calls the dialog's callbacks registered for ev, without the lock.
func (d *dlg) run(ev api.DialogEvent, c *api.Ctx, msg *sip.Msg, dir api.DialogDir) {
	d.mu.Lock()
	var cbs []api.DialogCallback
	for _, e := range d.cbs {
		if e.events&ev != 0 {
			cbs = append(cbs, e.cb)
		}
	}
	d.mu.Unlock()
	if len(cbs) == 0 {
		return
	}
	info := &api.DialogEventInfo{Type: ev, Dialog: d, Ctx: c, Msg: msg, Dir: dir}
	for _, cb := range cbs {
		cb(info)
	}
}

// table holds the dialogs, by hash entry of the Call-ID.
type table struct {
	entries []entry
	mask    uint32
}

type entry struct {
	mu     sync.Mutex
	nextID uint32
	dlgs   []*dlg
}

func newTable(size int) *table {
	n := 1
	for n < size {
		n <<= 1
	}
	return &table{entries: make([]entry, n), mask: uint32(n - 1)}
}

func (t *table) hash(callID string) uint32 {
	h := fnv.New32a()
	h.Write([]byte(callID))
	return h.Sum32() & t.mask
}

// insert places d in its entry with a fresh id.
func (t *table) insert(d *dlg) {
	d.hEntry = t.hash(d.callID)
	e := &t.entries[d.hEntry]
	e.mu.Lock()
	e.nextID++
	d.hID = e.nextID
	e.dlgs = append(e.dlgs, d)
	e.mu.Unlock()
}

// restore places a dialog loaded from the database under its own ids.
func (t *table) restore(d *dlg) bool {
	if d.hEntry > t.mask {
		return false
	}
	e := &t.entries[d.hEntry]
	e.mu.Lock()
	defer e.mu.Unlock()
	for _, x := range e.dlgs {
		if x.hID == d.hID {
			return false
		}
	}
	e.nextID = max(e.nextID, d.hID)
	e.dlgs = append(e.dlgs, d)
	return true
}

func (t *table) remove(d *dlg) {
	if d.hEntry > t.mask {
		return
	}
	e := &t.entries[d.hEntry]
	e.mu.Lock()
	if i := slices.Index(e.dlgs, d); i >= 0 {
		e.dlgs = slices.Delete(e.dlgs, i, i+1)
	}
	e.mu.Unlock()
}

func (t *table) byID(entry, id uint32) *dlg {
	if entry > t.mask {
		return nil
	}
	e := &t.entries[entry]
	e.mu.Lock()
	defer e.mu.Unlock()
	for _, d := range e.dlgs {
		if d.hID == id {
			return d
		}
	}
	return nil
}

// byCallID finds a dialog by Call-ID and, when given, the tags: ftag and
// ttag in either order (a request from the callee swaps them). dir tells
// which way the request flows.
func (t *table) byCallID(callID, ftag, ttag string) (*dlg, api.DialogDir) {
	e := &t.entries[t.hash(callID)]
	e.mu.Lock()
	list := slices.Clone(e.dlgs)
	e.mu.Unlock()
	for _, d := range list {
		if d.callID != callID {
			continue
		}
		if dir, ok := d.matchTags(ftag, ttag); ok {
			return d, dir
		}
	}
	return nil, api.DlgDirNone
}

// matchTags tells whether the From/To tags of a request belong to d, and
// the direction. An empty ftag matches any dialog of the Call-ID.
func (d *dlg) matchTags(ftag, ttag string) (api.DialogDir, bool) {
	d.mu.Lock()
	defer d.mu.Unlock()
	caller, callee := d.legs[0].tag, d.legs[1].tag
	switch {
	case ftag == "":
		return api.DlgDirNone, true
	case ftag == caller && (ttag == "" || !d.hasCallee || ttag == callee):
		return api.DlgDirDownstream, true
	case d.hasCallee && ftag == callee && ttag == caller:
		return api.DlgDirUpstream, true
	}
	return api.DlgDirNone, false
}

// all returns every dialog, in table order.
func (t *table) all() []*dlg {
	var out []*dlg
	for i := range t.entries {
		e := &t.entries[i]
		e.mu.Lock()
		out = append(out, e.dlgs...)
		e.mu.Unlock()
	}
	return out
}

// copyVals returns the values for printing/storing; mu held.
func (d *dlg) copyVals() []dlgVal { return slices.Clone(d.vals) }
