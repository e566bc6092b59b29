package sip

import "strconv"

// Bytes returns the message text with every pending change applied and a
// Content-Length matching the body. Without changes it returns Raw itself
// (no copy); callers must not modify the result.
func (m *Msg) Bytes() []byte {
	m.ensure()
	if !m.HasEdits() && m.start == 0 && m.clOK() {
		return m.raw
	}
	return m.AppendBytes(make([]byte, 0, m.sizeHint()))
}

func (m *Msg) sizeHint() int {
	n := len(m.raw) + len(m.via) + len(m.newURI) + len(m.newBody) + 24
	for _, e := range m.edits {
		n += len(e.text)
	}
	return n
}

// clOK reports whether the received Content-Length already matches the
// body and nothing follows the body.
func (m *Msg) clOK() bool {
	v, ok := m.ContentLength()
	return ok && v == m.bodyEnd-m.bodyStart && m.bodyEnd == len(m.raw)
}

// AppendBytes appends the serialised message to dst.
func (m *Msg) AppendBytes(dst []byte) []byte { return m.appendBytes(dst, nil) }

// BranchEdits are the changes a proxy makes to each copy of a request it
// forwards, on top of the message's pending edits.
type BranchEdits struct {
	Via  string // our Via line (FormatVia), written above the top Via
	RURI string // the branch's Request-URI; "" keeps the message's
	// Route is the raw Route line a Path turns into: written before the
	// first Route header, else after the last Via, else first (as
	// OpenSIPS places it).
	Route  string
	Bottom string  // raw header lines appended after the last header
	Out    *Socket // the socket the branch leaves from (see InsertRawFor)
}

// AppendBranch appends the message as Bytes would write it after SetVia,
// SetRURI, the Route insertion and AppendRaw(Bottom), without changing m: a
// proxy builds every branch from one message without cloning it.
func (m *Msg) AppendBranch(dst []byte, e *BranchEdits) []byte { return m.appendBytes(dst, e) }

// BranchSizeHint is the capacity AppendBranch needs for e.
func (m *Msg) BranchSizeHint(e *BranchEdits) int {
	return m.sizeHint() + len(e.Via) + len(e.RURI) + len(e.Route) + len(e.Bottom) + 32
}

func (m *Msg) appendBytes(dst []byte, be *BranchEdits) []byte {
	m.ensure()
	s := m.s
	hdrEnd := m.hdrEnd

	// Edits inside the body are applied to the body first: its length goes
	// into Content-Length, which precedes it.
	var head []edit
	var bodyEdits []edit
	var arr [16]edit
	head = arr[:0]
	out := m.sendSock
	if be != nil && be.Out != nil {
		out = be.Out
	}
	for _, e := range m.edits {
		if e.dyn != nil {
			e.text = e.dyn.Text(out)
		}
		if e.start >= m.bodyStart {
			st, en := min(e.start, m.bodyEnd), max(min(e.end, m.bodyEnd), min(e.start, m.bodyEnd))
			bodyEdits = append(bodyEdits, edit{start: st - m.bodyStart, end: en - m.bodyStart, text: e.text, rank: e.rank})
			continue
		}
		// Never eat the empty line that ends the headers.
		e.start, e.end = min(e.start, hdrEnd), min(e.end, hdrEnd)
		head = append(head, e)
	}
	var body string
	switch {
	case m.bodySet:
		body = m.newBody
	case len(bodyEdits) > 0:
		sortEdits(bodyEdits)
		body = string(applyEdits(nil, s[m.bodyStart:m.bodyEnd], 0, bodyEdits))
	default:
		body = s[m.bodyStart:m.bodyEnd]
	}

	uri, uriSet, via := m.newURI, m.uriSet, m.via
	if be != nil {
		if be.Route != "" {
			at := m.pathRoutePos()
			head = append(head, edit{start: at, end: at, text: be.Route, rank: rankInsert})
		}
		if be.Bottom != "" {
			head = append(head, edit{start: hdrEnd, end: hdrEnd, text: be.Bottom, rank: rankInsert})
		}
		if be.RURI != "" {
			uri, uriSet = be.RURI, true
		}
		if be.Via != "" {
			via = be.Via
			// As SetVia does, without recording the edit in m.
			if v, err := m.TopVia(); m.isReq && !m.viaFixed && err == nil && m.viaNeedsReceived(&v) {
				head = append(head, edit{start: v.Start, end: v.End, text: string(m.appendViaReceived(nil, &v)), rank: rankDelete})
			}
		}
	}
	if uriSet && m.isReq {
		head = append(head, edit{start: m.ruriPos[0], end: m.ruriPos[1], text: uri, rank: rankDelete})
	}
	if via != "" {
		// Right above the top Via, after what the script inserted there
		// (OpenSIPS anchors its Via lump at the first Via after the
		// script's lumps: a Record-Route ends up above it).
		at := m.hdrStart
		if i := m.find(HdrVia, ""); i >= 0 {
			at = int(m.hdrs[i].start)
		}
		head = append(head, edit{start: at, end: at, text: via, rank: rankInsert})
	}
	if m.mfSet != 0 {
		val := strconv.Itoa(m.mfSet - 1)
		if f, ok := m.FieldOf(HdrMaxForwards, ""); ok && !deleted(head, &f) {
			head = append(head, edit{start: f.VStart, end: f.VEnd, text: val, rank: rankDelete})
		} else {
			head = append(head, edit{start: hdrEnd, end: hdrEnd, text: "Max-Forwards: " + val + "\r\n", rank: rankInsert})
		}
	}
	clVal := strconv.Itoa(len(body))
	if f, ok := m.FieldOf(HdrContentLength, ""); ok && !deleted(head, &f) {
		if f.Value != clVal {
			head = append(head, edit{start: f.VStart, end: f.VEnd, text: clVal, rank: rankDelete})
		}
	} else {
		head = append(head, edit{start: hdrEnd, end: hdrEnd, text: "Content-Length: " + clVal + "\r\n", rank: rankInsert})
	}
	// Offsets of a partial (malformed) message may point past the
	// headers that were understood.
	for i := range head {
		head[i].start = min(max(head[i].start, m.start), hdrEnd)
		head[i].end = min(max(head[i].end, head[i].start), hdrEnd)
	}
	sortEdits(head)
	dst = applyEdits(dst, s[:hdrEnd], min(m.start, hdrEnd), head)
	dst = append(dst, "\r\n"...)
	return append(dst, body...)
}

// pathRoutePos is where a Route made of a Path goes: before the first
// Route header, else after the last Via, else before the first header.
func (m *Msg) pathRoutePos() int {
	at := m.hdrStart
	for i := range m.hdrs {
		switch m.hdrs[i].typ {
		case HdrRoute:
			return int(m.hdrs[i].start)
		case HdrVia:
			at = int(m.hdrs[i].end)
		}
	}
	return at
}

// deleted reports whether a pending edit deletes the whole header line.
func deleted(es []edit, f *HeaderField) bool {
	for _, e := range es {
		if e.start <= f.Start && e.end >= f.End && e.end > e.start {
			return true
		}
	}
	return false
}

// sortEdits orders edits by offset, then rank, keeping call order otherwise
// (insertion sort: the lists are short).
func sortEdits(es []edit) {
	for i := 1; i < len(es); i++ {
		for j := i; j > 0 && less(es[j], es[j-1]); j-- {
			es[j], es[j-1] = es[j-1], es[j]
		}
	}
}

func less(a, b edit) bool {
	if a.start != b.start {
		return a.start < b.start
	}
	return a.rank < b.rank
}

// applyEdits copies s[from:] to dst with sorted edits applied. Inserts
// falling inside a deleted range are dropped; overlapping deletions merge.
func applyEdits(dst []byte, s string, from int, es []edit) []byte {
	pos := from
	for _, e := range es {
		if e.start < pos {
			if e.end > pos && e.end > e.start {
				pos = e.end
			}
			continue
		}
		dst = append(dst, s[pos:e.start]...)
		dst = append(dst, e.text...)
		if e.end > pos {
			pos = e.end
		}
	}
	if pos < len(s) {
		dst = append(dst, s[pos:]...)
	}
	return dst
}
