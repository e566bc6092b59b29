package sip

import (
	"errors"
	"fmt"
	"strings"
)

// ErrInvalid reports a message that parses but that a proxy must not
// process (RFC 4475 §3.1.2): a top Via, Request-URI, From or To that does
// not parse, or a header that must appear once appearing twice.
var ErrInvalid = errors.New("invalid message")

// singleHdrs may appear at most once (RFC 3261 §20, RFC 4475 multi01).
var singleHdrs = [...]Hdr{HdrFrom, HdrTo, HdrCallID, HdrCSeq, HdrMaxForwards}

// Validate checks, beyond Parse, what the receive path relies on before a
// message reaches the script: every element of the first Via line, the
// Request-URI of a request (no whitespace or angle brackets; a sip/sips
// URI must parse and carry no headers, RFC 3261 §19.1.1), the From and To
// name-addrs, and single-instance headers. The error is a *ParseError.
func (m *Msg) Validate() error {
	m.ensure()
	bad := func(off int, format string, args ...any) error {
		return &ParseError{off, fmt.Errorf("%w: "+format, append([]any{ErrInvalid}, args...)...)}
	}
	// Top Via line: no empty elements, each one parses.
	for i := range m.hdrs {
		if m.hdrs[i].typ != HdrVia {
			continue
		}
		h := m.field(i)
		var verr error
		n := 0
		for _, el := range strings.Split(h.Value, ",") {
			el = strings.TrimSpace(el)
			if el == "" {
				verr = ErrVia
				break
			}
			_, err := ParseVia(el)
			if err != nil {
				verr = err
				break
			}
			if emptyParam(el) {
				verr = fmt.Errorf("%w: empty parameter", ErrVia)
				break
			}
			n++
		}
		if verr != nil || n == 0 {
			return bad(h.VStart, "top via: %v", verr)
		}
		break
	}
	if _, err := m.TopVia(); err != nil && !(errors.Is(err, ErrNoVia) && m.noViaOK) {
		return bad(m.hdrStart, "top via: %v", err)
	}
	if m.isReq {
		r := m.ruri
		if strings.ContainsAny(r, " \t<>\"") {
			return bad(m.ruriPos[0], "request-uri %q", r)
		}
		if scheme, _, ok := strings.Cut(r, ":"); ok && (eqFoldASCII(scheme, "sip") || eqFoldASCII(scheme, "sips")) {
			u, err := ParseURI(r)
			if err != nil {
				return bad(m.ruriPos[0], "request-uri: %v", err)
			}
			if u.Headers != "" {
				return bad(m.ruriPos[0], "request-uri with headers")
			}
			if strings.IndexByte(u.Host, ':') >= 0 && !strings.HasPrefix(r[len(scheme)+1:], "[") && !strings.Contains(r, "@[") {
				return bad(m.ruriPos[0], "request-uri: ipv6 address without brackets")
			}
		}
	}
	for _, t := range [...]Hdr{HdrFrom, HdrTo} {
		i := m.find(t, "")
		if i < 0 {
			continue
		}
		na, err := ParseNameAddr(m.value(i))
		if err == nil && !displayOK(na.Display) {
			err = ErrNameAddr
		}
		if err == nil {
			_, err = parseAnyURI(na.URI)
		}
		if err != nil {
			return bad(int(m.hdrs[i].vstart), "%s: %v", t, err)
		}
	}
	for _, t := range singleHdrs {
		if i := m.find(t, ""); i >= 0 {
			for j := i + 1; j < len(m.hdrs); j++ {
				if m.hdrs[j].typ == t {
					return bad(int(m.hdrs[j].start), "%s given twice", t)
				}
			}
		}
	}
	return nil
}

// displayOK reports whether a display name is a quoted string or tokens
// separated by whitespace (RFC 3261 §25.1 display-name).
func displayOK(d string) bool {
	if d == "" || d[0] == '"' {
		return true
	}
	for i := 0; i < len(d); i++ {
		if !isTokenChar(d[i]) && !isLWS(d[i]) {
			return false
		}
	}
	return true
}

// parseAnyURI checks a sip/sips URI strictly and any other scheme for a
// scheme and no whitespace.
func parseAnyURI(s string) (URI, error) {
	scheme, _, ok := strings.Cut(s, ":")
	if !ok || scheme == "" || strings.ContainsAny(s, " \t") {
		return URI{}, fmt.Errorf("bad uri %q", s)
	}
	if eqFoldASCII(scheme, "sip") || eqFoldASCII(scheme, "sips") {
		return ParseURI(s)
	}
	return URI{}, nil
}

// emptyParam reports a ";;" or a trailing ';' in a via-parm.
func emptyParam(el string) bool {
	prev := byte(0)
	for i := 0; i < len(el); i++ {
		c := el[i]
		if c == ';' && prev == ';' {
			return true
		}
		if !isLWS(c) {
			prev = c
		}
	}
	return prev == ';'
}
