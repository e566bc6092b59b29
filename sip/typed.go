package sip

// CallID returns the Call-ID value.
func (m *Msg) CallID() string {
	v, _ := m.HeaderOf(HdrCallID, "")
	return v
}

// CSeq returns the CSeq number and method.
func (m *Msg) CSeq() (uint32, string, error) {
	m.ensure()
	if m.cache.flags&cCSeq == 0 {
		m.cache.flags |= cCSeq
		m.cache.cseqErr = ErrBadCSeq
		if v, ok := m.HeaderOf(HdrCSeq, ""); ok {
			i := 0
			for i < len(v) && v[i] >= '0' && v[i] <= '9' {
				i++
			}
			n, nok := atoiSpan(v[:i])
			j := i
			for j < len(v) && isLWS(v[j]) {
				j++
			}
			meth := v[j:]
			if nok && i < len(v) && isLWS(v[i]) && isToken(meth) && uint64(n) <= 1<<31-1 {
				m.cache.cseqNum, m.cache.cseqMethod, m.cache.cseqErr = uint32(n), meth, nil
			}
		}
	}
	return m.cache.cseqNum, m.cache.cseqMethod, m.cache.cseqErr
}

func (m *Msg) nameAddr(t Hdr, flag uint16, dst *NameAddr, errp *error) (NameAddr, error) {
	m.ensure()
	if m.cache.flags&flag == 0 {
		m.cache.flags |= flag
		f, ok := m.FieldOf(t, "")
		if !ok {
			*errp = ErrMissingHdr
		} else {
			*dst, *errp = ParseNameAddr(f.Value)
			if *errp == nil {
				dst.Start, dst.End = f.VStart, f.VEnd
			}
		}
	}
	return *dst, *errp
}

// From returns the parsed From header.
func (m *Msg) From() (NameAddr, error) {
	return m.nameAddr(HdrFrom, cFrom, &m.cache.from, &m.cache.fromErr)
}

// To returns the parsed To header.
func (m *Msg) To() (NameAddr, error) {
	return m.nameAddr(HdrTo, cTo, &m.cache.to, &m.cache.toErr)
}

// FromTag returns the From tag ("" if absent or unparsable).
func (m *Msg) FromTag() string { f, _ := m.From(); return f.Tag }

// ToTag returns the To tag ("" if absent or unparsable).
func (m *Msg) ToTag() string { t, _ := m.To(); return t.Tag }

// intHeader parses the first header of type t as a decimal integer.
func (m *Msg) intHeader(t Hdr) (int, bool) {
	v, ok := m.HeaderOf(t, "")
	if !ok {
		return 0, false
	}
	return atoiSpan(v)
}

// MaxForwards returns the Max-Forwards value.
func (m *Msg) MaxForwards() (int, bool) { return m.intHeader(HdrMaxForwards) }

// ContentLength returns the Content-Length header value.
func (m *Msg) ContentLength() (int, bool) { return m.intHeader(HdrContentLength) }

// Expires returns the Expires header value.
func (m *Msg) Expires() (int, bool) { return m.intHeader(HdrExpires) }

// ContentType returns the Content-Type header value.
func (m *Msg) ContentType() string { v, _ := m.HeaderOf(HdrContentType, ""); return v }

// Contact is one Contact element with its registration parameters.
type Contact struct {
	NameAddr
	Expires int    // expires parameter, -1 when absent
	Q       string // q parameter, "" when absent
}

// Contacts returns the Contact elements of every Contact header; star is
// true for "Contact: *".
func (m *Msg) Contacts() (cs []Contact, star bool, err error) {
	m.ensure()
	if m.cache.flags&cContact != 0 {
		return m.cache.contacts, m.cache.contactStar, m.cache.contactErr
	}
	m.cache.flags |= cContact
	m.EachHeader(HdrContact, "", func(h HeaderField) bool {
		if h.Value == "*" {
			star = true
			return true
		}
		splitList(h.Value, func(a, b int) bool {
			na, e := ParseNameAddr(h.Value[a:b])
			if e != nil {
				err = e
				return false
			}
			na.Start, na.End = h.VStart+a, h.VStart+b
			c := Contact{NameAddr: na, Expires: -1}
			if v, ok := na.Param("expires"); ok {
				if n, ok := atoiSpan(v); ok {
					c.Expires = n
				}
			}
			c.Q, _ = na.Param("q")
			cs = append(cs, c)
			return true
		})
		return err == nil
	})
	m.cache.contacts, m.cache.contactStar, m.cache.contactErr = cs, star, err
	return cs, star, err
}

func (m *Msg) nameAddrList(t Hdr) ([]NameAddr, error) {
	var out []NameAddr
	var err error
	m.EachHeader(t, "", func(h HeaderField) bool {
		splitList(h.Value, func(a, b int) bool {
			na, e := ParseNameAddr(h.Value[a:b])
			if e != nil {
				err = e
				return false
			}
			na.Start, na.End = h.VStart+a, h.VStart+b
			out = append(out, na)
			return true
		})
		return err == nil
	})
	return out, err
}

// Routes returns the Route set in order.
func (m *Msg) Routes() ([]NameAddr, error) {
	m.ensure()
	if m.cache.flags&cRoute == 0 {
		m.cache.flags |= cRoute
		m.cache.routes, m.cache.routeErr = m.nameAddrList(HdrRoute)
	}
	return m.cache.routes, m.cache.routeErr
}

// RecordRoutes returns the Record-Route set in order.
func (m *Msg) RecordRoutes() ([]NameAddr, error) {
	m.ensure()
	if m.cache.flags&cRR == 0 {
		m.cache.flags |= cRR
		m.cache.rrs, m.cache.rrErr = m.nameAddrList(HdrRecordRoute)
	}
	return m.cache.rrs, m.cache.rrErr
}
