package sip

import (
	"errors"
	"strconv"
	"strings"
)

// Via is one via-parm (RFC 3261 §20.42) with the parameters a proxy needs.
type Via struct {
	Protocol  string // "SIP/2.0"
	Transport string // "UDP", "TCP", ... as written
	Host      string // without IPv6 brackets
	Port      int    // 0 when absent
	Params    string // raw, without the first ';'
	Branch    string
	Received  string
	RPort     string // value of rport, "" when empty or absent
	HasRPort  bool   // rport present (possibly without a value)
	// Start/End locate this element inside Msg.Raw; Line is the index of
	// its header line in Msg.Fields, and First reports whether it is the
	// first element of that line.
	Start, End int
	Line       int
	First      bool
}

// Param returns a Via parameter.
func (v *Via) Param(name string) (string, bool) { return Param(v.Params, name) }

// SentBy returns host[:port] as it appears in the Via.
func (v *Via) SentBy() string {
	h := v.Host
	if strings.IndexByte(h, ':') >= 0 {
		h = "[" + h + "]"
	}
	if v.Port == 0 {
		return h
	}
	return h + ":" + strconv.Itoa(v.Port)
}

// ErrVia reports a malformed Via element.
var ErrVia = errors.New("malformed via")

// ParseVia parses a single via-parm.
func ParseVia(s string) (Via, error) {
	var v Via
	a, b := trimSpan(s, 0, len(s))
	s = s[a:b]
	// sent-protocol = name SLASH version SLASH transport, LWS allowed
	// around the slashes.
	i := 0
	var parts [3]string
	var p0s, p1e, tEnd int
	for k := 0; k < 3; k++ {
		for i < len(s) && isLWS(s[i]) {
			i++
		}
		st := i
		for i < len(s) && isTokenChar(s[i]) {
			i++
		}
		if st == i {
			return v, ErrVia
		}
		parts[k] = s[st:i]
		switch k {
		case 0:
			p0s = st
		case 1:
			p1e = i
		case 2:
			tEnd = i
		}
		for i < len(s) && isLWS(s[i]) {
			i++
		}
		if k < 2 {
			if i >= len(s) || s[i] != '/' {
				return v, ErrVia
			}
			i++
		}
	}
	if !eqFoldASCII(parts[0], "SIP") {
		return v, ErrVia
	}
	v.Protocol = s[p0s:p1e]
	if len(v.Protocol) != len(parts[0])+1+len(parts[1]) {
		v.Protocol = parts[0] + "/" + parts[1]
	}
	v.Transport = parts[2]
	if i == tEnd || i >= len(s) {
		return v, ErrVia
	}
	// sent-by = host [":" port]
	hs := i
	if i < len(s) && s[i] == '[' {
		j := strings.IndexByte(s[i:], ']')
		if j < 0 {
			return v, ErrVia
		}
		v.Host = s[i+1 : i+j]
		i += j + 1
	} else {
		for i < len(s) && s[i] != ':' && s[i] != ';' && !isLWS(s[i]) {
			i++
		}
		v.Host = s[hs:i]
	}
	if v.Host == "" {
		return v, ErrVia
	}
	for i < len(s) && isLWS(s[i]) {
		i++
	}
	if i < len(s) && s[i] == ':' {
		i++
		for i < len(s) && isLWS(s[i]) {
			i++
		}
		ps := i
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
		}
		p, ok := atoiSpan(s[ps:i])
		if !ok || p > 65535 {
			return v, ErrVia
		}
		v.Port = p
	}
	for i < len(s) && isLWS(s[i]) {
		i++
	}
	if i < len(s) {
		if s[i] != ';' {
			return v, ErrVia
		}
		v.Params = s[i+1:]
		EachParam(v.Params, func(k, val string) bool {
			switch {
			case eqFoldASCII(k, "branch"):
				v.Branch = val
			case eqFoldASCII(k, "received"):
				v.Received = val
			case eqFoldASCII(k, "rport"):
				v.RPort = val
				v.HasRPort = true
			}
			return true
		})
	}
	return v, nil
}

// TopVia returns the first Via of the message.
func (m *Msg) TopVia() (Via, error) {
	m.ensure()
	if m.cache.flags&cVia == 0 {
		m.cache.flags |= cVia
		m.cache.viaErr = ErrNoVia
		for i := range m.hdrs {
			if m.hdrs[i].typ != HdrVia {
				continue
			}
			h := m.field(i)
			splitList(h.Value, func(a, b int) bool {
				m.cache.via, m.cache.viaErr = ParseVia(h.Value[a:b])
				m.cache.via.Start, m.cache.via.End = h.VStart+a, h.VStart+b
				m.cache.via.Line, m.cache.via.First = i, true
				return false
			})
			break
		}
	}
	return m.cache.via, m.cache.viaErr
}

// Vias returns every Via element in order (top first).
func (m *Msg) Vias() ([]Via, error) {
	m.ensure()
	var out []Via
	var err error
	for i := range m.hdrs {
		if m.hdrs[i].typ != HdrVia {
			continue
		}
		h := m.field(i)
		first := true
		splitList(h.Value, func(a, b int) bool {
			v, e := ParseVia(h.Value[a:b])
			if e != nil {
				err = e
				return false
			}
			v.Start, v.End, v.Line, v.First = h.VStart+a, h.VStart+b, i, first
			first = false
			out = append(out, v)
			return true
		})
		if err != nil {
			return out, err
		}
	}
	if len(out) == 0 {
		return nil, ErrNoVia
	}
	return out, nil
}
