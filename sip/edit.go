package sip

import (
	"errors"
	"fmt"
	"strconv"
)

// edit replaces raw[start:end] by text when the message is serialised
// (start == end inserts). Edits are kept in call order; serialisation
// applies them by offset.
type edit struct {
	start, end int
	text       string
	rank       int8 // order among edits at the same offset
	// dyn, when set, gives the text once the outgoing socket is known
	// (nil when it is not); text is then only a size hint.
	dyn SocketText
}

// SocketText is header text that depends on the socket a request leaves
// from (see Msg.InsertRawFor).
type SocketText interface {
	// Text returns the text for a message sent from out; out is nil when
	// the socket is not known.
	Text(out *Socket) string
}

// Among edits at one offset insertions come first, in call order, then
// replacements and deletions.
const (
	rankInsert int8 = iota
	rankDelete
)

// ErrRange reports an edit outside the message text.
var ErrRange = errors.New("edit outside message")

func (m *Msg) addEdit(start, end int, text string) {
	r := rankInsert
	if end > start {
		r = rankDelete
	}
	if m.edits == nil {
		m.edits = m.editArr[:0]
	}
	m.edits = append(m.edits, edit{start: start, end: end, text: text, rank: r})
}

// ReplaceRange schedules replacing Raw()[start:end] by text (start == end
// inserts, empty text deletes). This is the primitive behind textops'
// replace/subst/search_append: search Raw(), then edit by offset. Offsets
// refer to Raw as it is now; the text seen by accessors does not change
// until ApplyChanges.
func (m *Msg) ReplaceRange(start, end int, text string) error {
	m.ensure()
	if start < 0 || end < start || end > len(m.raw) {
		return fmt.Errorf("replace [%d,%d) of %d bytes: %w", start, end, len(m.raw), ErrRange)
	}
	m.addEdit(start, end, text)
	return nil
}

// Edit is a pending change of a message's text, as tools show it.
type Edit struct {
	Old string // the replaced text of Raw() ("" for an insertion)
	New string // the new text (socket-dependent text as for an unknown socket)
}

// EditsFrom returns the pending edits made after the first n, in the order
// they were made, and how many there are in all (gosips trace reports
// what each script function changed).
func (m *Msg) EditsFrom(n int) ([]Edit, int) {
	if n < 0 || n >= len(m.edits) {
		return nil, len(m.edits)
	}
	out := make([]Edit, 0, len(m.edits)-n)
	for _, e := range m.edits[n:] {
		ed := Edit{New: e.text}
		if e.dyn != nil {
			ed.New = e.dyn.Text(nil)
		}
		if e.start <= e.end && e.end <= len(m.raw) {
			ed.Old = string(m.raw[e.start:e.end])
		}
		out = append(out, ed)
	}
	return out, len(m.edits)
}

// HasEdits reports whether changes are pending.
func (m *Msg) HasEdits() bool {
	return len(m.edits) > 0 || m.uriSet || m.via != "" || m.mfSet != 0 || m.bodySet
}

// SetRURI sets the Request-URI used from now on by RURI and by Bytes.
func (m *Msg) SetRURI(uri string) { m.newURI, m.uriSet = uri, true }

// ResetRURI drops a pending SetRURI (OpenSIPS revert_uri).
func (m *Msg) ResetRURI() { m.newURI, m.uriSet = "", false }

// headerLine formats "Name: value\r\n".
func headerLine(name, value string) string {
	return name + ": " + value + "\r\n"
}

// AppendHeader adds "name: value" after the last header.
func (m *Msg) AppendHeader(name, value string) { m.AppendRaw(headerLine(name, value)) }

// AppendRaw adds raw header text (it must end with CRLF) after the last
// header (OpenSIPS append_hf).
func (m *Msg) AppendRaw(text string) { m.ensure(); m.addEdit(m.hdrEnd, m.hdrEnd, text) }

// InsertHeader adds "name: value" before the first header.
func (m *Msg) InsertHeader(name, value string) { m.InsertRaw(headerLine(name, value)) }

// InsertRaw adds raw header text before the first header (OpenSIPS
// insert_hf).
func (m *Msg) InsertRaw(text string) { m.ensure(); m.addEdit(m.hdrStart, m.hdrStart, text) }

// InsertRawFor adds header text before the first header that depends on
// the socket the message leaves from, as OpenSIPS' conditional lumps do
// for Record-Route: t.Text(out) is called when the message is serialised
// for sending from out (AppendBranch with BranchEdits.Out, or after
// SetSendSocket), and with nil when no socket is known (ApplyChanges).
func (m *Msg) InsertRawFor(t SocketText) {
	m.ensure()
	m.addEdit(m.hdrStart, m.hdrStart, t.Text(nil))
	m.edits[len(m.edits)-1].dyn = t
}

// SocketTexts returns the pending InsertRawFor texts, in call order (a
// copy of the message made by Clone shares them).
func (m *Msg) SocketTexts() []SocketText {
	var out []SocketText
	for _, e := range m.edits {
		if e.dyn != nil {
			out = append(out, e.dyn)
		}
	}
	return out
}

// SetSendSocket tells Bytes which socket the message leaves from (see
// InsertRawFor).
func (m *Msg) SetSendSocket(s *Socket) { m.sendSock = s }

// InsertRawAfter adds raw header text after the first header named anchor;
// false if there is none.
func (m *Msg) InsertRawAfter(anchor, text string) bool {
	f, ok := m.FieldOf(LookupHdr(anchor), anchor)
	if !ok {
		return false
	}
	m.addEdit(f.End, f.End, text)
	return true
}

// InsertRawBefore adds raw header text before the first header named
// anchor; false if there is none.
func (m *Msg) InsertRawBefore(anchor, text string) bool {
	f, ok := m.FieldOf(LookupHdr(anchor), anchor)
	if !ok {
		return false
	}
	m.addEdit(f.Start, f.Start, text)
	return true
}

// RemoveHeader removes every header line named name and returns how many
// were removed.
func (m *Msg) RemoveHeader(name string) int {
	return m.RemoveHeaderOf(LookupHdr(name), name)
}

// RemoveHeaderOf is RemoveHeader with a pre-resolved name.
func (m *Msg) RemoveHeaderOf(t Hdr, name string) int {
	n := 0
	m.EachHeader(t, name, func(h HeaderField) bool {
		m.RemoveField(h)
		n++
		return true
	})
	return n
}

// RemoveField removes one header line (from Fields or FieldOf).
func (m *Msg) RemoveField(h HeaderField) { m.addEdit(h.Start, h.End, "") }

// SetHeaderValue replaces the value of one header line.
func (m *Msg) SetHeaderValue(h HeaderField, value string) { m.addEdit(h.VStart, h.VEnd, value) }

// SetBody replaces the body. A non-empty contentType replaces (or adds) the
// Content-Type header; an empty body with an empty contentType removes it.
// Content-Length is fixed by Bytes.
func (m *Msg) SetBody(body, contentType string) {
	m.ensure()
	m.bodySet, m.newBody = true, body
	switch {
	case contentType != "":
		if f, ok := m.FieldOf(HdrContentType, ""); ok {
			m.addEdit(f.VStart, f.VEnd, contentType)
		} else {
			m.AppendHeader("Content-Type", contentType)
		}
	case body == "":
		m.RemoveHeaderOf(HdrContentType, "")
	}
}

// SetVia sets the Via header line (with CRLF) that Bytes writes right
// above the top Via, below the headers inserted there (InsertRaw,
// AddRecordRoute), as OpenSIPS does; see FormatVia. An empty string removes it. On a received
// request it also schedules AddViaReceived, as forwarding requires.
func (m *Msg) SetVia(line string) {
	m.via = line
	if line != "" && m.isReq {
		m.AddViaReceived()
	}
}

// AddViaReceived adds received=<source ip> to the top Via of a received
// request when its host differs from the source, and fills an empty rport
// with the source port (RFC 3261 §18.2.1, RFC 3581 §4), so that replies
// relayed by Via alone find their way back. Idempotent.
func (m *Msg) AddViaReceived() {
	m.ensure()
	if m.viaFixed || !m.isReq {
		return
	}
	v, err := m.TopVia()
	if err != nil || !m.viaNeedsReceived(&v) {
		return
	}
	m.viaFixed = true
	m.addEdit(v.Start, v.End, string(m.appendViaReceived(nil, &v)))
}

// FormatVia builds our Via header line: proto is "UDP"/"TCP"..., host an
// IP or name (IPv6 without brackets is bracketed), rport adds an empty
// rport parameter (RFC 3581).
func FormatVia(proto, host string, port int, branch string, rport bool) string {
	b := make([]byte, 0, 64+len(host)+len(branch))
	b = append(b, "Via: SIP/2.0/"...)
	b = append(b, proto...)
	b = append(b, ' ')
	b = appendHost(b, host)
	if port != 0 {
		b = append(b, ':')
		b = strconv.AppendInt(b, int64(port), 10)
	}
	b = append(b, ";branch="...)
	b = append(b, branch...)
	if rport {
		b = append(b, ";rport"...)
	}
	b = append(b, "\r\n"...)
	return string(b)
}

func appendHost(b []byte, host string) []byte {
	if indexByte(host, ':') >= 0 && (len(host) == 0 || host[0] != '[') {
		b = append(b, '[')
		b = append(b, host...)
		return append(b, ']')
	}
	return append(b, host...)
}

// RemoveTopVia removes the first Via element (the whole line when it holds
// one element), as a proxy does before relaying a reply.
func (m *Msg) RemoveTopVia() error {
	v, err := m.TopVia()
	if err != nil {
		return err
	}
	h := m.field(v.Line)
	if v.End >= h.VEnd {
		m.RemoveField(h)
		return nil
	}
	// Remove "elem ,  " up to the next element.
	j := v.End
	for j < h.VEnd && (m.s[j] == ',' || isLWS(m.s[j])) {
		j++
	}
	m.addEdit(v.Start, j, "")
	return nil
}

// AddRecordRoute inserts "Record-Route: value" above the other headers;
// value is the full name-addr, e.g. "<sip:10.0.0.1;lr>".
func (m *Msg) AddRecordRoute(value string) { m.InsertHeader("Record-Route", value) }

// RemoveFirstRoute removes the first Route element (loose routing).
func (m *Msg) RemoveFirstRoute() error {
	rs, err := m.Routes()
	if err != nil {
		return err
	}
	if len(rs) == 0 {
		return ErrMissingHdr
	}
	r := rs[0]
	for i := range m.hdrs {
		h := m.field(i)
		if h.Type != HdrRoute || r.Start < h.VStart || r.Start > h.VEnd {
			continue
		}
		if r.Start == h.VStart && r.End >= h.VEnd {
			m.RemoveField(h)
			return nil
		}
		j := r.End
		for j < h.VEnd && (m.s[j] == ',' || isLWS(m.s[j])) {
			j++
		}
		m.addEdit(r.Start, j, "")
		return nil
	}
	return ErrMissingHdr
}

// SetMaxForwards sets the Max-Forwards value written by Bytes (added when
// the message has none).
func (m *Msg) SetMaxForwards(n int) { m.mfSet = n + 1 }

// DecMaxForwards lowers Max-Forwards by one and returns the new value. When
// the header is absent it is added with def-1. ok is false when the value
// is already 0 (the caller answers 483) or unparsable.
func (m *Msg) DecMaxForwards(def int) (n int, ok bool) {
	cur := m.mfSet - 1
	if m.mfSet == 0 {
		v, present := m.MaxForwards()
		switch {
		case !present && m.find(HdrMaxForwards, "") < 0:
			cur = def
		case !present:
			return 0, false
		default:
			cur = v
		}
	}
	if cur <= 0 {
		return 0, false
	}
	m.SetMaxForwards(cur - 1)
	return cur - 1, true
}

// ApplyChanges folds the pending edits into a new message text (OpenSIPS
// msg_apply_changes). The text is re-parsed on the next access; Err
// reports a failure.
func (m *Msg) ApplyChanges() {
	if !m.HasEdits() {
		return
	}
	b := m.AppendBytes(nil)
	*m = Msg{raw: b, s: bytesToString(b), stale: true,
		rcv: m.rcv, rcvVal: m.rcvVal, noViaOK: m.noViaOK, dstURI: m.dstURI, forced: m.forced, notes: m.notes}
}

// SetContactURI replaces Raw()[start:end] (inside the i-th element
// returned by Contacts) by text and makes later Contacts() calls report
// uri as that element's URI: functions that rewrite a Contact (nathelper's
// fix_nated_contact) are seen by those that read it next (registrar's
// save), as OpenSIPS updates the parsed contact.
func (m *Msg) SetContactURI(i, start, end int, text, uri string) error {
	cs, _, err := m.Contacts()
	if err != nil {
		return err
	}
	if i < 0 || i >= len(cs) || start < cs[i].Start || end > cs[i].End {
		return fmt.Errorf("contact %d [%d,%d): %w", i, start, end, ErrRange)
	}
	if err := m.ReplaceRange(start, end, text); err != nil {
		return err
	}
	m.cache.contacts[i].URI = uri
	return nil
}
