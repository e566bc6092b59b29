package b2blogic

import (
	"math/rand/v2"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"gosips/api"
)

// Tuple states, as b2b_list shows them (OpenSIPS' b2b_tuple_state).
const (
	tsInit         = 0 // the initial entities are being connected
	tsBridging     = 3
	tsBridged      = 4
	tsDestroyed    = 5
	tsNotConfirmed = tsInit
)

// Bridge steps of a bridge in progress.
const (
	brNone      = iota
	brWaitNew   // INVITE without SDP sent to the new entity
	brWaitOld   // re-INVITE with the new entity's offer sent to the kept one
	brWaitRetry // the new entity failed; the reply route may retry
)

// leg is one entity of a tuple.
type leg struct {
	ent  api.B2BEntity
	id   string // the script's entity id ("" for top hiding)
	typ  api.B2BEntityType
	peer *leg
	no   int
	// disconnected: the leg got or sent a BYE.
	disconnected bool
	// confirmed: the leg's dialog was answered.
	confirmed bool
	fromURI   string
	toURI     string
	// pending maps a request sent on this leg (by method) to the leg it
	// came from, whose transaction waits for the answer.
	pendingFrom map[string]*leg
	// hdrs are the extra headers for every request sent on this leg.
	hdrs string
	// updateAnswers: the answer to the UPDATE sent on this early leg by
	// b2b_bridge_request answers its peer's initial INVITE; noAck: the
	// ACK of that INVITE goes nowhere (the UPDATE needs none).
	updateAnswers bool
	noAck         bool
}

// tuple is one B2B session (b2bl_tuple_t); guarded by mu.
type tuple struct {
	mu                   sync.Mutex
	key                  string
	id                   int
	scenario             string
	state                int
	reqRoute, replyRoute string
	servers, clients     []*leg
	bridge               [2]*leg
	ctx                  map[string]string
	created              time.Time
	lifetime             time.Duration
	expires              time.Time
	setupTimer           *time.Timer
	lifeTimer            *time.Timer
	deleted              bool
	preserveTo           bool
	transparentAuth      bool
	// bridging in progress: keep (the entity kept) and new (the one
	// contacted), step what is awaited; newBody is the new entity's
	// offer.
	bstep         int
	bkeep, bnew   *leg
	bnewOffer     string
	bnewOfferType string
	bflags        bridgeFlags
	// binit is the entity that asked for the bridge (a REFER's sender):
	// it learns the outcome (notify) and is ended once the new entity
	// answers, or kept when the bridge fails (rollback-failed).
	binit  *leg
	dbFlag int
	// inDB: the row exists; dirty: changed since written (db_mode 2).
	inDB, dirty bool
	// x is an extended bridge in progress (bstep brExt).
	x *extBridge
	// lateBye are the entities b2b_bridge_request's late_bye keeps until
	// the bridged INVITE's ACK.
	lateBye []*leg
}

type bridgeFlags struct {
	maxDuration int
	notify      bool // RFC 3515 NOTIFYs to the initiator
	rollback    bool // rollback-failed: a failed bridge restores the call
	hold        bool // the kept entity is put on hold first
	noLateSDP   bool // no-late-sdp: the new entity gets the kept one's last SDP
}

// legs returns every leg of the tuple.
func (t *tuple) legs() []*leg {
	out := make([]*leg, 0, len(t.servers)+len(t.clients))
	out = append(out, t.servers...)
	return append(out, t.clients...)
}

func (t *tuple) legOf(e api.B2BEntity) *leg {
	for _, l := range t.legs() {
		if l.ent == e {
			return l
		}
	}
	return nil
}

func (t *tuple) legByID(id string) *leg {
	for _, l := range t.legs() {
		if l.id == id {
			return l
		}
	}
	return nil
}

func (t *tuple) removeLeg(l *leg) {
	del := func(s []*leg) []*leg {
		for i, x := range s {
			if x == l {
				return append(s[:i:i], s[i+1:]...)
			}
		}
		return s
	}
	t.servers = del(t.servers)
	t.clients = del(t.clients)
	for i := range t.bridge {
		if t.bridge[i] == l {
			t.bridge[i] = nil
		}
	}
	for _, x := range t.legs() {
		if x.peer == l {
			x.peer = nil
		}
	}
}

// tuples is the hash table of sessions, keyed "hash.id".
type tuples struct {
	mask    uint32
	buckets []tupleBucket
	count   atomic.Int64
}

type tupleBucket struct {
	mu   sync.Mutex
	next int
	m    map[string]*tuple
}

func newTuples(hsize int) *tuples {
	n := 1 << hsize
	ts := &tuples{mask: uint32(n - 1), buckets: make([]tupleBucket, n)}
	for i := range ts.buckets {
		ts.buckets[i].m = map[string]*tuple{}
	}
	return ts
}

func (ts *tuples) add(t *tuple) {
	h := rand.Uint32() & ts.mask
	b := &ts.buckets[h]
	b.mu.Lock()
	t.id = b.next
	b.next++
	t.key = strconv.FormatUint(uint64(h), 10) + "." + strconv.Itoa(t.id)
	b.m[t.key] = t
	b.mu.Unlock()
	ts.count.Add(1)
}

func (ts *tuples) bucket(key string) *tupleBucket {
	for i := 0; i < len(key); i++ {
		if key[i] == '.' {
			h, err := strconv.ParseUint(key[:i], 10, 32)
			if err != nil {
				return nil
			}
			return &ts.buckets[uint32(h)&ts.mask]
		}
	}
	return nil
}

func (ts *tuples) get(key string) *tuple {
	b := ts.bucket(key)
	if b == nil {
		return nil
	}
	b.mu.Lock()
	t := b.m[key]
	b.mu.Unlock()
	return t
}

func (ts *tuples) del(key string) {
	b := ts.bucket(key)
	if b == nil {
		return
	}
	b.mu.Lock()
	_, ok := b.m[key]
	delete(b.m, key)
	b.mu.Unlock()
	if ok {
		ts.count.Add(-1)
	}
}

func (ts *tuples) all() []*tuple {
	var out []*tuple
	for i := range ts.buckets {
		b := &ts.buckets[i]
		b.mu.Lock()
		for _, t := range b.m {
			out = append(out, t)
		}
		b.mu.Unlock()
	}
	return out
}
