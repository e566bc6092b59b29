package sip

import (
	"net/netip"
	"strconv"
)

// ReplySpec describes a reply built from a request.
type ReplySpec struct {
	Code   int
	Reason string // default: StatusText(Code)
	ToTag  string // added to To when the request has none (not for 100)
	// Headers is raw header text, each line CRLF-terminated, added after
	// the copied ones (e.g. "Contact: <sip:x>\r\n").
	Headers     string
	ContentType string
	Body        string
	Server      string // Server header value, omitted when empty
}

// NewReply builds a reply to req per RFC 3261 §8.2.6: Via(s), From, To (with
// toTag added if it has none), Call-ID and CSeq are copied; Record-Route
// too for 180-299 replies (OpenSIPS' range). When req carries its RecvInfo the top Via gets
// received/rport (RFC 3261 §18.2.1, RFC 3581). Further headers or a body can
// be added with the edit methods, or use NewReplyWith.
func NewReply(req *Msg, code int, reason, toTag string) *Msg {
	return NewReplyWith(req, &ReplySpec{Code: code, Reason: reason, ToTag: toTag})
}

// NewReplyWith is NewReply with extra headers and body.
func NewReplyWith(req *Msg, spec *ReplySpec) *Msg {
	b := AppendReply(make([]byte, 0, replySizeHint(req, spec)), req, spec)
	m := &Msg{}
	// The text was just built from parsed parts; a parse failure can only
	// come from a malformed request header that was copied, and the Msg
	// still holds what was understood.
	_ = m.parse(b, true)
	return m
}

func replySizeHint(req *Msg, spec *ReplySpec) int {
	return len(req.s) - (req.bodyEnd - req.bodyStart) + len(spec.Headers) + len(spec.Body) + len(spec.ToTag) + 96
}

// AppendReply appends the text of a reply to req to dst; it is the
// allocation-free core of NewReply for stateless replies.
func AppendReply(dst []byte, req *Msg, spec *ReplySpec) []byte {
	req.ensure()
	reason := spec.Reason
	if reason == "" {
		reason = StatusText(spec.Code)
	}
	dst = append(dst, "SIP/2.0 "...)
	dst = strconv.AppendInt(dst, int64(spec.Code), 10)
	dst = append(dst, ' ')
	dst = append(dst, reason...)
	dst = append(dst, "\r\n"...)
	// OpenSIPS' order, whatever the request's: Vias, Record-Route, To,
	// From, Call-ID, CSeq, the added headers, Server.
	firstVia := true
	for i := range req.hdrs {
		if h := req.field(i); h.Type == HdrVia {
			if firstVia {
				firstVia = false
				dst = appendTopVia(dst, req, &h)
			} else {
				dst = appendLine(dst, req.s[h.Start:h.End])
			}
		}
	}
	if spec.Code >= 180 && spec.Code < 300 { // as OpenSIPS (not 101-179)
		dst = req.appendHeaders(dst, HdrRecordRoute)
	}
	dst = req.appendReplyTo(dst, spec)
	dst = req.appendHeaders(dst, HdrFrom)
	dst = req.appendHeaders(dst, HdrCallID)
	dst = req.appendHeaders(dst, HdrCSeq)
	dst = append(dst, spec.Headers...)
	if spec.ContentType != "" {
		dst = append(dst, "Content-Type: "...)
		dst = append(dst, spec.ContentType...)
		dst = append(dst, "\r\n"...)
	}
	if spec.Server != "" {
		dst = append(dst, "Server: "...)
		dst = append(dst, spec.Server...)
		dst = append(dst, "\r\n"...)
	}
	dst = append(dst, "Content-Length: "...)
	dst = strconv.AppendInt(dst, int64(len(spec.Body)), 10)
	dst = append(dst, "\r\n\r\n"...)
	return append(dst, spec.Body...)
}

// appendHeaders copies the request's header lines of type typ.
func (m *Msg) appendHeaders(dst []byte, typ Hdr) []byte {
	for i := range m.hdrs {
		if h := m.field(i); h.Type == typ {
			dst = appendLine(dst, m.s[h.Start:h.End])
		}
	}
	return dst
}

// appendReplyTo copies the request's To line, with spec.ToTag added when
// it has no tag (not for 100).
func (m *Msg) appendReplyTo(dst []byte, spec *ReplySpec) []byte {
	for i := range m.hdrs {
		h := m.field(i)
		if h.Type != HdrTo {
			continue
		}
		if spec.ToTag != "" && spec.Code > 100 {
			if to, err := m.To(); err == nil && to.Tag == "" {
				dst = append(dst, m.s[h.Start:h.VEnd]...)
				dst = append(dst, ";tag="...)
				dst = append(dst, spec.ToTag...)
				dst = append(dst, "\r\n"...)
				continue
			}
		}
		dst = appendLine(dst, m.s[h.Start:h.End])
	}
	return dst
}

// appendLine copies a header line, normalising a bare LF terminator.
func appendLine(dst []byte, line string) []byte {
	n := len(line)
	if n >= 2 && line[n-2] == '\r' {
		return append(dst, line...)
	}
	if n >= 1 && line[n-1] == '\n' {
		line = line[:n-1]
	}
	dst = append(dst, line...)
	return append(dst, "\r\n"...)
}

// appendTopVia copies the top Via line, adding received and filling rport
// from the request's source.
func appendTopVia(dst []byte, req *Msg, h *HeaderField) []byte {
	s := req.s
	v, err := req.TopVia()
	if err != nil || !req.viaNeedsReceived(&v) {
		return appendLine(dst, s[h.Start:h.End])
	}
	dst = append(dst, s[h.Start:v.Start]...)
	dst = req.appendViaReceived(dst, &v)
	return appendLine(dst, s[v.End:h.End])
}

// viaNeedsReceived reports whether the top Via v of a received request
// gets received (and rport) values, as OpenSIPS decides: when its host is
// not the source address, when it has rport (RFC 3581 §4: received even
// if the address is the same) or already a received.
func (m *Msg) viaNeedsReceived(v *Via) bool {
	if m.rcv == nil || !m.rcv.Src.IsValid() {
		return false
	}
	return v.HasRPort || v.Received != "" || !hostIs(v.Host, m.rcv.Src.Addr().Unmap())
}

// appendViaReceived appends the Via element v rewritten as OpenSIPS
// rewrites it: received=<source ip> in place of an existing received, or
// else right after host[:port]; an rport parameter gets the source port
// as its value (replacing one it had).
func (m *Msg) appendViaReceived(dst []byte, v *Via) []byte {
	src := m.rcv.Src
	ip := src.Addr().Unmap()
	elem := m.s[v.Start:v.End]
	hp := indexByte(elem, ';')
	if hp < 0 {
		hp = len(elem)
	}
	dst = append(dst, elem[:hp]...)
	if v.Received == "" {
		dst = append(dst, ";received="...)
		dst = ip.AppendTo(dst)
	}
	eachParam(elem[hp:], func(seg, key string) {
		switch {
		case eqFoldASCII(key, "received"):
			dst = append(dst, ";received="...)
			dst = ip.AppendTo(dst)
		case eqFoldASCII(key, "rport"):
			dst = append(dst, ";rport="...)
			dst = strconv.AppendUint(dst, uint64(src.Port()), 10)
		default:
			dst = append(dst, seg...)
		}
	})
	return dst
}

// eachParam calls f with each ";name[=value]" segment of params (which
// starts with ';') and its trimmed name; quoted values may hold ';'.
func eachParam(params string, f func(seg, key string)) {
	start := 0
	for i := 1; i <= len(params); i++ {
		if i < len(params) && params[i] == '"' {
			i = skipQuoted(params, i) - 1
			continue
		}
		if i == len(params) || params[i] == ';' {
			seg := params[start:i]
			key := seg[min(1, len(seg)):]
			if e := indexByte(key, '='); e >= 0 {
				key = key[:e]
			}
			a, b := trimSpan(key, 0, len(key))
			f(seg, key[a:b])
			start = i
		}
	}
}

// hostIs reports whether a Via host is literally the address ip.
func hostIs(host string, ip netip.Addr) bool {
	a, ok := parseIP(host)
	return ok && a.Unmap() == ip
}

// parseIP parses a literal address without allocating an error for host
// names, which netip.ParseAddr would.
func parseIP(host string) (netip.Addr, bool) {
	if host == "" {
		return netip.Addr{}, false
	}
	for i := 0; i < len(host); i++ {
		c := host[i]
		if c == ':' {
			break // IPv6
		}
		if c != '.' && (c < '0' || c > '9') {
			return netip.Addr{}, false
		}
	}
	a, err := netip.ParseAddr(host)
	return a, err == nil
}
