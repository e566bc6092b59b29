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
	Type          Hdr
	Name          string
	Value         string
	Start, End    int
	VStart, VEnd  int
	compactedName bool
}

// IsCompact reports whether the header was written in its compact form.
func (h *HeaderField) IsCompact() bool { return h.compactedName }

// Msg is a SIP request or reply. The received text is kept as is and never
// modified: header values returned by accessors are substrings of it, so
// reading costs no allocation. Changes made by the script (headers added or
// removed, a new R-URI, text replaced) are recorded as pending edits against
// that text, like OpenSIPS lumps, and applied by Bytes; accessors keep
// returning the received values until ApplyChanges folds the edits into a
// new text, which is re-parsed lazily on the next access.
//
// A Msg is not safe for concurrent mutation; Clone gives each branch its own.
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

	hdrs   []HeaderField
	hdrArr [24]HeaderField

	// Pending changes.
	newURI   string
	uriSet   bool
	via      string // our Via header line, written above every other header
	edits    []edit
	mfSet    int // new Max-Forwards value + 1; 0 = unchanged
	bodySet  bool
	newBody  string
	stale    bool // text replaced by ApplyChanges, index not rebuilt yet
	parseErr error

	cache msgCache
}

// msgCache holds typed header values parsed on first use.
type msgCache struct {
	flags             uint16
	from, to          NameAddr
	via               Via
	cseqNum           uint32
	cseqMethod        string
	fromErr, toErr    error
	viaErr, cseqErr   error
	contacts          []Contact
	contactStar       bool
	contactErr        error
	contactArr        [2]Contact
	routeArr, rrArr   [4]NameAddr
	routes, rrs       []NameAddr
	routeErr, rrErr   error
	maxFwd, cl, expir int
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
		if err := m.parse(m.raw, false); err != nil {
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

// Fields returns all header lines in order. The slice belongs to m.
func (m *Msg) Fields() []HeaderField { m.ensure(); return m.hdrs }

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
	if f := m.FieldOf(t, name); f != nil {
		return f.Value, true
	}
	return "", false
}

// FieldOf returns the first header line of the given type (or name for
// HdrOther), or nil.
func (m *Msg) FieldOf(t Hdr, name string) *HeaderField {
	m.ensure()
	for i := range m.hdrs {
		if h := &m.hdrs[i]; h.Type == t && (t != HdrOther || strings.EqualFold(h.Name, name)) {
			return h
		}
	}
	return nil
}

// Headers returns the values of all header lines named name, in order.
func (m *Msg) Headers(name string) []string {
	var out []string
	m.EachHeader(LookupHdr(name), name, func(h *HeaderField) bool {
		out = append(out, h.Value)
		return true
	})
	return out
}

// CountOf returns how many header lines are named name.
func (m *Msg) CountOf(name string) int {
	n := 0
	m.EachHeader(LookupHdr(name), name, func(*HeaderField) bool { n++; return true })
	return n
}

// EachHeader calls fn for every header line of type t (or named name when t
// is HdrOther) until fn returns false.
func (m *Msg) EachHeader(t Hdr, name string, fn func(h *HeaderField) bool) {
	m.ensure()
	for i := range m.hdrs {
		if h := &m.hdrs[i]; h.Type == t && (t != HdrOther || strings.EqualFold(h.Name, name)) {
			if !fn(h) {
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
		c.hdrs = make([]HeaderField, 0, len(m.hdrs))
	}
	c.hdrs = append(c.hdrs, m.hdrs...)
	c.edits = append([]edit(nil), m.edits...)
	c.cache = msgCache{}
	return &c
}

func bytesToString(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	return unsafe.String(&b[0], len(b))
}
