package sip

import (
	"fmt"
	"strconv"
)

// RequestSpec describes a request built locally (UAC, keepalive pings).
type RequestSpec struct {
	Method string
	RURI   string
	Via    string // full Via header line with CRLF (FormatVia); optional
	From   string // full header values, e.g. "<sip:a@b>;tag=x"
	To     string
	CallID string
	CSeq   uint32
	// MaxForwards defaults to 70.
	MaxForwards int
	// Headers is raw extra header text, each line CRLF-terminated.
	Headers     string
	ContentType string
	Body        string
}

// NewRequest builds and parses a request.
func NewRequest(spec *RequestSpec) (*Msg, error) {
	if !isToken(spec.Method) || spec.RURI == "" {
		return nil, fmt.Errorf("new request: bad method %q or empty request-uri", spec.Method)
	}
	mf := spec.MaxForwards
	if mf == 0 {
		mf = 70
	}
	b := make([]byte, 0, 256+len(spec.RURI)+len(spec.Via)+len(spec.From)+len(spec.To)+len(spec.CallID)+len(spec.Headers)+len(spec.Body))
	b = append(b, spec.Method...)
	b = append(b, ' ')
	b = append(b, spec.RURI...)
	b = append(b, " SIP/2.0\r\n"...)
	b = append(b, spec.Via...)
	b = appendHeader(b, "Max-Forwards", strconv.Itoa(mf))
	b = appendHeader(b, "From", spec.From)
	b = appendHeader(b, "To", spec.To)
	b = appendHeader(b, "Call-ID", spec.CallID)
	b = appendHeader(b, "CSeq", strconv.FormatUint(uint64(spec.CSeq), 10)+" "+spec.Method)
	b = append(b, spec.Headers...)
	if spec.ContentType != "" {
		b = appendHeader(b, "Content-Type", spec.ContentType)
	}
	b = appendHeader(b, "Content-Length", strconv.Itoa(len(spec.Body)))
	b = append(b, "\r\n"...)
	b = append(b, spec.Body...)
	// Without a Via the request gets one when it is sent (SetVia).
	m := &Msg{noViaOK: spec.Via == ""}
	if err := m.parse(b, true); err != nil {
		return nil, fmt.Errorf("new request: %w", err)
	}
	return m, nil
}

func appendHeader(b []byte, name, value string) []byte {
	b = append(b, name...)
	b = append(b, ": "...)
	b = append(b, value...)
	return append(b, "\r\n"...)
}

// NewCancel builds the CANCEL for a request we sent (RFC 3261 §9.1): same
// Request-URI, Call-ID, From, To and CSeq number, its top Via only, its
// Route headers. extra (raw header lines, CRLF-terminated) goes right
// before Content-Length, as OpenSIPS writes Reason and User-Agent there.
func NewCancel(req *Msg, extra string) (*Msg, error) {
	return newHopRequest(req, nil, "CANCEL", extra)
}

// NewAck builds the ACK for a non-2xx final reply to an INVITE we sent
// (RFC 3261 §17.1.1.3): like CANCEL, but To comes from the reply (with its
// tag). extra is as for NewCancel.
func NewAck(inv, reply *Msg, extra string) (*Msg, error) {
	return newHopRequest(inv, reply, "ACK", extra)
}

func newHopRequest(req, reply *Msg, method, extra string) (*Msg, error) {
	req.ensure()
	if !req.isReq {
		return nil, fmt.Errorf("build %s: %w", method, ErrNotRequest)
	}
	num, _, err := req.CSeq()
	if err != nil {
		return nil, fmt.Errorf("build %s: %w", method, err)
	}
	vi := req.find(HdrVia, "")
	if vi < 0 {
		return nil, fmt.Errorf("build %s: %w", method, ErrNoVia)
	}
	top, err := req.TopVia()
	if err != nil {
		return nil, fmt.Errorf("build %s: %w", method, err)
	}
	to, _ := req.HeaderOf(HdrTo, "")
	if reply != nil {
		if v, ok := reply.HeaderOf(HdrTo, ""); ok {
			to = v
		}
	}
	from, _ := req.HeaderOf(HdrFrom, "")
	var routes []byte
	req.EachHeader(HdrRoute, "", func(h HeaderField) bool {
		routes = appendLine(routes, req.s[h.Start:h.End])
		return true
	})
	// OpenSIPS' order for the requests tm builds itself: Via, From,
	// Call-ID, To, CSeq, Max-Forwards, Route, extra, Content-Length.
	b := make([]byte, 0, 160+len(req.RURI())+(top.End-top.Start)+len(from)+len(to)+len(req.CallID())+len(routes)+len(extra))
	b = append(b, method...)
	b = append(b, ' ')
	b = append(b, req.RURI()...)
	b = append(b, " SIP/2.0\r\n"...)
	b = appendHeader(b, "Via", req.s[top.Start:top.End])
	b = appendHeader(b, "From", from)
	b = appendHeader(b, "Call-ID", req.CallID())
	b = appendHeader(b, "To", to)
	b = appendHeader(b, "CSeq", strconv.FormatUint(uint64(num), 10)+" "+method)
	b = appendHeader(b, "Max-Forwards", "70")
	b = append(b, routes...)
	b = append(b, extra...)
	b = append(b, "Content-Length: 0\r\n\r\n"...)
	m := &Msg{}
	if err := m.parse(b, true); err != nil {
		return nil, fmt.Errorf("build %s: %w", method, err)
	}
	return m, nil
}
