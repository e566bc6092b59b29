package sip

import (
	"strings"
	"unsafe"
)

// HeaderField is one header line of a parsed message. Name and Value are
// substrings of the message text (Value is trimmed; folded continuation lines
// stay inside it). Start/End delimit the whole line including its line
// terminator; VStart/VEnd the value. Offsets index Msg.Raw.
type HeaderField struct {
	Type         Hdr
	Name         string
	Value        string
	Start, End   int
	VStart, VEnd int
}

// IsCompact reports whether the header was written in its compact form.
func (h HeaderField) IsCompact() bool { return len(h.Name) == 1 }

// hdr is the index entry of one header line: offsets only, so that the
// index holds no pointers and costs the garbage collector nothing.
type hdr struct {
	start, end   int32 // whole line including its terminator
	nameEnd      int32
	vstart, vend int32
	typ          Hdr
}

func (m *Msg) field(i int) HeaderField {
	h := &m.hdrs[i]
	return HeaderField{
		Type:   h.typ,
		Name:   m.s[h.start:h.nameEnd],
		Value:  m.s[h.vstart:h.vend],
		Start:  int(h.start),
		End:    int(h.end),
		VStart: int(h.vstart),
		VEnd:   int(h.vend),
	}
}

// value returns the value of header line i.
func (m *Msg) value(i int) string { h := &m.hdrs[i]; return m.s[h.vstart:h.vend] }

// find returns the index of the first header line of type t (or named name
// for HdrOther), or -1.
func (m *Msg) find(t Hdr, name string) int {
	if t != HdrOther {
		switch f := m.first[t]; f {
		case 0:
			return -1
		case 255:
		default:
			return int(f) - 1
		}
	}
	for i := range m.hdrs {
		if h := &m.hdrs[i]; h.typ == t && (t != HdrOther || eqFoldASCII(m.s[h.start:h.nameEnd], name)) {
			return i
		}
	}
	return -1
}

// Msg is a SIP request or reply. The received text is kept as is and never
// modified: header values returned by accessors are substrings of it, so
// reading costs no allocation. Changes made by the script (headers added or
// removed, a new R-URI, text replaced) are recorded as pending edits against
// that text, like OpenSIPS lumps, and applied by Bytes; accessors keep
// returning the received values until ApplyChanges folds the edits into a
// new text, which is re-parsed lazily on the next access.
//
// A Msg is not safe for concurrent use, reads included: accessors fill
// caches on first use. Share one between goroutines under a lock, or give
// each its own Clone (branches do).
type Msg struct {
	raw []byte // message text; never modified in place
	s   string // aliases raw

	isReq    bool
	method   string
	methodID Method
	ruri     string // as received
	ruriPos  [2]int // span of the R-URI in raw
	status   int
	reason   string
	version  string

	start     int // offset of the first line (CRLFs before it are skipped)
	hdrStart  int // offset of the first header line
	hdrEnd    int // offset of the empty line that ends the headers
	bodyStart int
	bodyEnd   int

	hdrs   []hdr
	hdrArr [24]hdr
	// first[t] is 1 + the index of the first line of known type t (0 when
	// absent; 255 when the index does not fit and a scan is needed).
	first [hdrCount]uint8

	// Pending changes.
	newURI   string
	uriSet   bool
	via      string // our Via header line, written above every other header
	edits    []edit
	editArr  [2]edit // first edits without an allocation (a proxy makes two)
	mfSet    int     // new Max-Forwards value + 1; 0 = unchanged
	bodySet  bool
	newBody  string
	stale    bool // text replaced by ApplyChanges, index not rebuilt yet
	noViaOK  bool // a local request whose Via is added when it is sent
	viaFixed bool // AddViaReceived done
	dstURI   string
	forced   *Socket
	sendSock *Socket // where Bytes builds the message for (InsertRawFor)
	parseErr error
	// callIDView, when set, is the Call-ID accessors report instead of
	// the received one (SetCallIDView).
	callIDView string

	cache  msgCache
	notes  []msgNote // module state attached to this message (SetNote)
	rcv    *RecvInfo
	rcvVal RecvInfo // storage for rcv, saving an allocation per message
}

// SetCallIDView makes CallID and HeaderOf(HdrCallID) report v instead of
// the received Call-ID, while the text (and so the replies built from it)
// keeps the received one: a module that encodes Call-IDs on the wire
// (topology_hiding) lets matching and the script see the real one. The
// text sent on is changed, as any header, with SetHeaderValue.
func (m *Msg) SetCallIDView(v string) { m.callIDView = v }

// Recv returns where the message came from (nil for local messages).
func (m *Msg) Recv() *RecvInfo { return m.rcv }

// SetRecv records where the message came from; transports do it.
func (m *Msg) SetRecv(r *RecvInfo) { m.rcv = r }

// msgCache holds typed header values parsed on first use.
type msgCache struct {
	flags           uint16
	from, to        NameAddr
	via             Via
	cseqNum         uint32
	cseqMethod      string
	fromErr, toErr  error
	viaErr, cseqErr error
	contacts        []Contact
	contactStar     bool
	contactErr      error
	routes, rrs     []NameAddr
	routeErr, rrErr error
}

const (
	cFrom uint16 = 1 << iota
	cTo
	cVia
	cCSeq
	cContact
	cRoute
	cRR
)

func (m *Msg) ensure() {
	if m.stale {
		m.stale = false
		if err := m.parse(m.raw, true); err != nil {
			m.parseErr = err
		}
	}
}

// Err reports the error of the last lazy re-parse after ApplyChanges, if any.
func (m *Msg) Err() error { m.ensure(); return m.parseErr }

// Raw returns the message text the accessors see (the received text, or the
// text produced by the last ApplyChanges). Callers must not modify it.
func (m *Msg) Raw() []byte { m.ensure(); return m.raw }

// String returns the same text as Raw, without copying.
func (m *Msg) String() string { m.ensure(); return m.s }

// IsRequest reports whether m is a request.
func (m *Msg) IsRequest() bool { m.ensure(); return m.isReq }

// Method returns the request method, or the CSeq method for a reply.
func (m *Msg) Method() string {
	m.ensure()
	if m.isReq {
		return m.method
	}
	_, meth, _ := m.CSeq()
	return meth
}

// MethodID returns the bit of Method().
func (m *Msg) MethodID() Method {
	m.ensure()
	if m.isReq {
		return m.methodID
	}
	_, meth, _ := m.CSeq()
	return LookupMethod(meth)
}

// RURI returns the current Request-URI: the one set by SetRURI if any, else
// the received one. Empty for replies.
func (m *Msg) RURI() string {
	m.ensure()
	if m.uriSet {
		return m.newURI
	}
	return m.ruri
}

// OrigRURI returns the Request-URI as received (OpenSIPS $ou).
func (m *Msg) OrigRURI() string { m.ensure(); return m.ruri }

// RURIChanged reports whether SetRURI was called since the last ApplyChanges.
func (m *Msg) RURIChanged() bool { return m.uriSet }

// StatusCode returns the reply status code (0 for requests).
func (m *Msg) StatusCode() int { m.ensure(); return m.status }

// Reason returns the reply reason phrase.
func (m *Msg) Reason() string { m.ensure(); return m.reason }

// Version returns the SIP version token of the first line ("SIP/2.0").
func (m *Msg) Version() string { m.ensure(); return m.version }

// FirstLine returns the first line without its terminator.
func (m *Msg) FirstLine() string {
	m.ensure()
	return strings.TrimRight(m.s[:m.hdrStart], "\r\n")
}

// Fields returns all header lines in order.
func (m *Msg) Fields() []HeaderField {
	m.ensure()
	out := make([]HeaderField, len(m.hdrs))
	for i := range m.hdrs {
		out[i] = m.field(i)
	}
	return out
}

// Field returns header line i (0 <= i < HeaderCount).
func (m *Msg) Field(i int) HeaderField { m.ensure(); return m.field(i) }

// HeaderCount returns the number of header lines.
func (m *Msg) HeaderCount() int { m.ensure(); return len(m.hdrs) }

// Header returns the value of the first header named name (long or compact
// form, any case).
func (m *Msg) Header(name string) (string, bool) {
	return m.HeaderOf(LookupHdr(name), name)
}

// HeaderOf is Header with the name already resolved (t from LookupHdr); name
// is only used when t is HdrOther.
func (m *Msg) HeaderOf(t Hdr, name string) (string, bool) {
	m.ensure()
	if t == HdrCallID && m.callIDView != "" {
		return m.callIDView, true
	}
	if i := m.find(t, name); i >= 0 {
		return m.value(i), true
	}
	return "", false
}

// FieldOf returns the first header line of the given type (or name for
// HdrOther).
func (m *Msg) FieldOf(t Hdr, name string) (HeaderField, bool) {
	m.ensure()
	if i := m.find(t, name); i >= 0 {
		return m.field(i), true
	}
	return HeaderField{}, false
}

// Headers returns the values of all header lines named name, in order.
func (m *Msg) Headers(name string) []string {
	var out []string
	m.EachHeader(LookupHdr(name), name, func(h HeaderField) bool {
		out = append(out, h.Value)
		return true
	})
	return out
}

// CountOf returns how many header lines are named name.
func (m *Msg) CountOf(name string) int {
	n := 0
	m.EachHeader(LookupHdr(name), name, func(HeaderField) bool { n++; return true })
	return n
}

// EachHeader calls fn for every header line of type t (or named name when t
// is HdrOther) until fn returns false.
func (m *Msg) EachHeader(t Hdr, name string, fn func(h HeaderField) bool) {
	m.ensure()
	for i := range m.hdrs {
		if h := &m.hdrs[i]; h.typ == t && (t != HdrOther || eqFoldASCII(m.s[h.start:h.nameEnd], name)) {
			if !fn(m.field(i)) {
				return
			}
		}
	}
}

// Body returns the current body: the one set by SetBody if any, else the
// received one (bounded by Content-Length).
func (m *Msg) Body() string {
	m.ensure()
	if m.bodySet {
		return m.newBody
	}
	return m.s[m.bodyStart:m.bodyEnd]
}

// HeadersEnd returns the offset of the empty line ending the headers, and
// BodyStart the offset of the body, both into Raw.
func (m *Msg) HeadersEnd() int { m.ensure(); return m.hdrEnd }

// BodyStart returns the offset of the body in Raw.
func (m *Msg) BodyStart() int { m.ensure(); return m.bodyStart }

// Clone returns a copy sharing the (immutable) text but with its own pending
// edits, for building branches.
func (m *Msg) Clone() *Msg {
	m.ensure()
	c := *m
	c.hdrs = c.hdrArr[:0]
	if len(m.hdrs) > len(c.hdrArr) {
		c.hdrs = make([]hdr, 0, len(m.hdrs))
	}
	c.hdrs = append(c.hdrs, m.hdrs...)
	c.edits = nil
	if len(m.edits) > 0 {
		c.edits = append(c.editArr[:0], m.edits...)
	}
	c.cache = msgCache{}
	c.notes = nil
	if m.rcv == &m.rcvVal {
		// Point at the copy: a pointer into m would keep the whole
		// original message alive as long as the clone (a transaction).
		c.rcv = &c.rcvVal
	}
	return &c
}

func bytesToString(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	return unsafe.String(&b[0], len(b))
}
