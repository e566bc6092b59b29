package b2bentities

import (
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"gosips/api"
	"gosips/sip"
)

// Dialog states, numbered as OpenSIPS' B2B_* dialog states (b2be_list
// "state").
const (
	stUndefined = iota
	stNew
	stNewAuth
	stEarly
	stConfirmed
	stEstablished
	stModified
	stTerminated
)

// Methods as b2be_list's "last_method" and the lm column number them
// (OpenSIPS' METHOD_* bit values).
var methodNo = map[string]int{"INVITE": 1, "CANCEL": 2, "ACK": 4, "BYE": 8, "INFO": 16,
	"OPTIONS": 32, "UPDATE": 64, "REGISTER": 128, "MESSAGE": 256, "SUBSCRIBE": 512, "NOTIFY": 1024,
	"PRACK": 2048, "REFER": 4096, "PUBLISH": 8192}

// lastMethodNo is e.lastMethod as OpenSIPS numbers it: 0 before the
// entity sent any request.
func lastMethodNo(method string) int {
	if method == "" {
		return 0
	}
	if no, ok := methodNo[method]; ok {
		return no
	}
	return 16384 // METHOD_OTHER
}

// entity is one B2B dialog. Its fields are guarded by mu.
type entity struct {
	mu      sync.Mutex
	key     string
	typ     api.B2BEntityType
	param   string
	handler api.B2BHandler

	callID string
	// from and to are the dialog's From and To header values without
	// tags, as they appear in requests the caller (server: the remote
	// side; client: gosips) sends.
	fromHdr, toHdr   string
	fromURI, toURI   string
	fromTag, toTag   string
	fromName, toName string
	ruri             string
	// localCSeq numbers the requests gosips sends; remoteCSeq is the last
	// received.
	localCSeq, remoteCSeq uint32
	lastInviteCSeq        uint32
	routeSet              []string // Route values to send, in order
	remoteTarget          string
	contact               string // our Contact URI
	socket                *sip.Socket
	state                 int
	lastMethod            string
	lastReplyCode         int
	dbFlag                int
	created               time.Time

	// pending are received requests not answered yet, by method.
	pending map[string]api.ServerTx
	// invite is the client entity's pending initial INVITE (CANCEL).
	invite *api.UACRequest
	// ack is the last ACK sent for a 2xx, re-sent on 2xx retransmissions.
	ack     []byte
	ackDest sip.Dest
	ackCSeq uint32
	// reinvite is the CSeq of a re-INVITE we sent that has no final
	// answer yet: requests received meanwhile get 491 (glare).
	reinvite uint32
	// acked2xx reports an INVITE whose 2xx waits for our ACK.
	need2xxACK uint32
	// prackHdr is the RAck of the last reliable provisional reply, for
	// the PRACK b2b_logic passes (passthru_prack).
	prackHdr string
	// ackWait is when a received INVITE was answered, until its ACK.
	ackWait time.Time
	deleted bool
	// inDB: the row exists; dirty: changed since written (db_mode 2).
	inDB, dirty bool
}

// sentReq is a request sent on an entity, kept until its final reply
// (to resend it with credentials).
type sentReq struct {
	r               *api.UACRequest
	method          string
	cseq            uint32
	hdrs, ct, body  string // as passed to SendRequest (within the dialog)
	notify, initial bool
	// authed marks a request resent with credentials: a second challenge
	// is not answered again.
	authed bool
}

func (e *entity) Key() string             { return e.key }
func (e *entity) Type() api.B2BEntityType { return e.typ }
func (e *entity) Param() string           { e.mu.Lock(); defer e.mu.Unlock(); return e.param }
func (e *entity) FromURI() string         { return e.fromURI }
func (e *entity) ToURI() string           { return e.toURI }
func (e *entity) Dialog() (string, string, string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.callID, e.fromTag, e.toTag
}

// local and remote are our and the peer's header values with tags, for
// requests gosips sends within the dialog.
func (e *entity) localRemote() (local, remote string) {
	from := withTag(e.fromHdr, e.fromTag)
	to := withTag(e.toHdr, e.toTag)
	if e.typ == api.B2BServer {
		return to, from
	}
	return from, to
}

func withTag(hdr, tag string) string {
	if tag == "" {
		return hdr
	}
	return hdr + ";tag=" + tag
}

// table is a hash table of entities of one type.
type table struct {
	// prefix is b2b_key_prefix and the dot that ends it.
	prefix  string
	mask    uint32
	buckets []bucket
	seq     atomic.Uint32
	count   atomic.Int64
}

type bucket struct {
	mu sync.Mutex
	m  map[string]*entity
}

func newTable(hsize int, prefix string) *table {
	n := 1 << hsize
	t := &table{prefix: prefix + ".", mask: uint32(n - 1), buckets: make([]bucket, n)}
	for i := range t.buckets {
		t.buckets[i].m = map[string]*entity{}
	}
	return t
}

// newKey makes a key in OpenSIPS' form <prefix>.<hash>.<local id>.<time>.<random>
// (prefix b2b_key_prefix, B2B by default) and reserves its bucket.
func (t *table) newKey() (string, uint32) {
	h := rand.Uint32() & t.mask
	id := t.seq.Add(1)
	return t.prefix + strconv.FormatUint(uint64(h), 10) + "." + strconv.FormatUint(uint64(id), 10) + "." +
		strconv.FormatInt(time.Now().Unix(), 10) + "." + strconv.FormatUint(uint64(rand.Uint32()>>1), 10), h
}

// bucketOf finds a key's bucket from its hash part (keys made here), or
// by hashing a foreign one.
func (t *table) bucketOf(key string) *bucket {
	if rest, ok := strings.CutPrefix(key, t.prefix); ok {
		if i := strings.IndexByte(rest, '.'); i > 0 {
			if h, err := strconv.ParseUint(rest[:i], 10, 32); err == nil {
				return &t.buckets[uint32(h)&t.mask]
			}
		}
	}
	var h uint32 = 2166136261
	for i := 0; i < len(key); i++ {
		h = (h ^ uint32(key[i])) * 16777619
	}
	return &t.buckets[h&t.mask]
}

func (t *table) get(key string) *entity {
	b := t.bucketOf(key)
	b.mu.Lock()
	e := b.m[key]
	b.mu.Unlock()
	return e
}

func (t *table) put(e *entity) {
	b := t.bucketOf(e.key)
	b.mu.Lock()
	if _, ok := b.m[e.key]; !ok {
		t.count.Add(1)
	}
	b.m[e.key] = e
	b.mu.Unlock()
}

func (t *table) del(key string) bool {
	b := t.bucketOf(key)
	b.mu.Lock()
	_, ok := b.m[key]
	delete(b.m, key)
	b.mu.Unlock()
	if ok {
		t.count.Add(-1)
	}
	return ok
}

// all returns every entity, bucket by bucket.
func (t *table) all() []*entity {
	var out []*entity
	for i := range t.buckets {
		b := &t.buckets[i]
		b.mu.Lock()
		for _, e := range b.m {
			out = append(out, e)
		}
		b.mu.Unlock()
	}
	return out
}

// splitRoutes splits header values holding comma-separated name-addrs.
func splitRoutes(vals []string) []string {
	var out []string
	for _, v := range vals {
		depth, start := 0, 0
		inq := false
		for i := 0; i < len(v); i++ {
			switch c := v[i]; {
			case c == '"':
				inq = !inq
			case inq:
			case c == '<':
				depth++
			case c == '>':
				depth--
			case c == ',' && depth == 0:
				if s := strings.TrimSpace(v[start:i]); s != "" {
					out = append(out, s)
				}
				start = i + 1
			}
		}
		if s := strings.TrimSpace(v[start:]); s != "" {
			out = append(out, s)
		}
	}
	return out
}

// routeURI returns the URI inside a Route value.
func routeURI(r string) string {
	if i := strings.IndexByte(r, '<'); i >= 0 {
		if j := strings.IndexByte(r[i:], '>'); j > 0 {
			return r[i+1 : i+j]
		}
	}
	return r
}

// contactURI returns the first Contact URI of m, "" when none.
func contactURI(m *sip.Msg) string {
	cs, _, err := m.Contacts()
	if err != nil || len(cs) == 0 {
		return ""
	}
	return cs[0].URI
}

// hdrNoTag returns a From/To header value without its tag parameter.
func hdrNoTag(na sip.NameAddr) string {
	var b strings.Builder
	if na.Display != "" {
		b.WriteString(na.Display)
		b.WriteByte(' ')
	}
	b.WriteByte('<')
	b.WriteString(na.URI)
	b.WriteByte('>')
	if na.Params != "" {
		sip.EachParam(na.Params, func(name, value string) bool {
			if strings.EqualFold(name, "tag") {
				return true
			}
			b.WriteByte(';')
			b.WriteString(name)
			if value != "" {
				b.WriteByte('=')
				b.WriteString(value)
			}
			return true
		})
	}
	return b.String()
}

func randHex(n int) string {
	const hexd = "0123456789abcdef"
	b := make([]byte, n)
	for i := range b {
		b[i] = hexd[rand.IntN(16)]
	}
	return string(b)
}

func errf(format string, a ...any) error { return fmt.Errorf("b2b_entities: "+format, a...) }
