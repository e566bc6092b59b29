package pv

import (
	"strings"

	"gosips/api"
	"gosips/sip"
)

// hdrName is the parsed inner name of $hdr / $hdrcnt: the name resolved
// to its sip.Hdr once, at load time.
type hdrName struct {
	name string
	typ  sip.Hdr
}

// parseHdrSpec is the ParseInner of $hdr and $hdrcnt.
func parseHdrSpec(in string) (any, error) {
	v, err := parseHdrName(in)
	if err != nil {
		return nil, err
	}
	n := v.(string)
	return hdrName{name: n, typ: sip.LookupHdr(n)}, nil
}

// specHdr returns the header a $hdr-like spec names, evaluating a PV name.
func specHdr(c *api.Ctx, s *Spec) (hdrName, error) {
	if h, ok := s.Parsed.(hdrName); ok {
		return h, nil
	}
	n, err := s.InnerName(c)
	if err != nil {
		return hdrName{}, err
	}
	return hdrName{name: n, typ: sip.LookupHdr(n)}, nil
}

// hdrAt returns the value of the i-th header named h (negative i counts
// from the end).
func hdrAt(m *sip.Msg, h hdrName, i int) (string, bool) {
	if i < 0 {
		i += m.CountOf(h.name)
		if i < 0 {
			return "", false
		}
	}
	var out string
	found := false
	m.EachHeader(h.typ, h.name, func(f sip.HeaderField) bool {
		if i == 0 {
			out, found = f.Value, true
			return false
		}
		i--
		return true
	})
	return out, found
}

func getHdr(c *api.Ctx, s *Spec) (api.Value, error) {
	m := msgOf(c)
	if m == nil {
		return api.Null, nil
	}
	h, err := specHdr(c, s)
	if err != nil {
		return api.Null, err
	}
	kind, i, err := s.IndexValue(c)
	if err != nil {
		return api.Null, err
	}
	switch kind {
	case IdxAll:
		vals := m.Headers(h.name)
		switch len(vals) {
		case 0:
			return api.Null, nil
		case 1:
			return api.StrValue(vals[0]), nil
		}
		return api.StrValue(strings.Join(vals, ", ")), nil
	case IdxInt:
		if v, ok := hdrAt(m, h, i); ok {
			return api.StrValue(v), nil
		}
		return api.Null, nil
	}
	if v, ok := m.HeaderOf(h.typ, h.name); ok {
		return api.StrValue(v), nil
	}
	return api.Null, nil
}

func getHdrCnt(c *api.Ctx, s *Spec) (api.Value, error) {
	m := msgOf(c)
	if m == nil {
		return api.Null, nil
	}
	h, err := specHdr(c, s)
	if err != nil {
		return api.Null, err
	}
	n := 0
	m.EachHeader(h.typ, h.name, func(sip.HeaderField) bool { n++; return true })
	return IntStr(int64(n)), nil
}

// getHdrName returns the name (as written) of the idx-th header line.
func getHdrName(c *api.Ctx, s *Spec) (api.Value, error) {
	m := msgOf(c)
	if m == nil {
		return api.Null, nil
	}
	return selectIdx(c, s, m.HeaderCount(), func(i int) string { return m.Field(i).Name })
}

// headerValue returns a header's first value, or NULL.
func headerValue(t sip.Hdr) func(*api.Ctx, *Spec) (api.Value, error) {
	return func(c *api.Ctx, _ *Spec) (api.Value, error) {
		m := msgOf(c)
		if m == nil {
			return api.Null, nil
		}
		if v, ok := m.HeaderOf(t, ""); ok {
			return api.StrValue(v), nil
		}
		return api.Null, nil
	}
}

// getCSeqNum returns the CSeq number as written.
func getCSeqNum(c *api.Ctx, _ *Spec) (api.Value, error) {
	m := msgOf(c)
	if m == nil {
		return api.Null, nil
	}
	n, _, err := m.CSeq()
	if err != nil {
		return api.Null, nil
	}
	v, _ := m.HeaderOf(sip.HdrCSeq, "")
	i := 0
	for i < len(v) && v[i] >= '0' && v[i] <= '9' {
		i++
	}
	return intText(int64(n), v[:i]), nil
}

func getContentLength(c *api.Ctx, _ *Spec) (api.Value, error) {
	m := msgOf(c)
	if m == nil {
		return api.Null, nil
	}
	v, ok := m.HeaderOf(sip.HdrContentLength, "")
	if !ok {
		return api.Null, nil
	}
	n, _ := m.ContentLength()
	return intText(int64(n), v), nil
}

// nameAddrField selects a part of a From/To-like header.
type nameAddrField uint8

const (
	naURI nameAddrField = iota
	naUser
	naHost
	naDisplay
	naTag
)

// nameAddrGetter reads From or To through the message's parsed cache.
func nameAddrGetter(to bool, f nameAddrField) func(*api.Ctx, *Spec) (api.Value, error) {
	return func(c *api.Ctx, _ *Spec) (api.Value, error) {
		m := msgOf(c)
		if m == nil {
			return api.Null, nil
		}
		var na sip.NameAddr
		var err error
		if to {
			na, err = m.To()
		} else {
			na, err = m.From()
		}
		if err != nil {
			return api.Null, nil
		}
		return nameAddrValue(&na, f), nil
	}
}

func nameAddrValue(na *sip.NameAddr, f nameAddrField) api.Value {
	switch f {
	case naURI:
		return strOrNull(na.URI)
	case naDisplay:
		return strOrNull(na.Display)
	case naTag:
		return strOrNull(na.Tag)
	}
	u, err := sip.ParseURI(na.URI)
	if err != nil {
		return api.Null
	}
	if f == naUser {
		return strOrNull(u.User)
	}
	return strOrNull(u.Host)
}

// firstNameAddr parses the first element of a name-addr list header
// (P-Asserted-Identity, Diversion, ...).
func firstNameAddr(m *sip.Msg, t sip.Hdr) (sip.NameAddr, bool) {
	v, ok := m.HeaderOf(t, "")
	if !ok {
		return sip.NameAddr{}, false
	}
	na, err := sip.ParseNameAddr(firstElem(v))
	return na, err == nil
}

// firstElem returns the first element of a comma-separated header value,
// ignoring commas inside quotes and <...>.
func firstElem(v string) string {
	angle := false
	for i := 0; i < len(v); i++ {
		switch v[i] {
		case '"':
			for i++; i < len(v) && v[i] != '"'; i++ {
				if v[i] == '\\' {
					i++
				}
			}
		case '<':
			angle = true
		case '>':
			angle = false
		case ',':
			if !angle {
				return v[:i]
			}
		}
	}
	return v
}

// listHdrGetter reads a part of the first element of a name-addr header.
func listHdrGetter(t sip.Hdr, f nameAddrField) func(*api.Ctx, *Spec) (api.Value, error) {
	return func(c *api.Ctx, _ *Spec) (api.Value, error) {
		m := msgOf(c)
		if m == nil {
			return api.Null, nil
		}
		na, ok := firstNameAddr(m, t)
		if !ok {
			return api.Null, nil
		}
		return nameAddrValue(&na, f), nil
	}
}

// diversionParam reads a parameter of the first Diversion element.
func diversionParam(name string) func(*api.Ctx, *Spec) (api.Value, error) {
	return func(c *api.Ctx, _ *Spec) (api.Value, error) {
		m := msgOf(c)
		if m == nil {
			return api.Null, nil
		}
		na, ok := firstNameAddr(m, sip.HdrDiversion)
		if !ok {
			return api.Null, nil
		}
		if v, ok := na.Param(name); ok {
			return api.StrValue(v), nil
		}
		return api.Null, nil
	}
}

// contactText returns the text of one Contact element.
func contactText(m *sip.Msg, ct *sip.Contact) string {
	s := m.String()
	if ct.Start < ct.End && ct.End <= len(s) {
		return s[ct.Start:ct.End]
	}
	return ct.URI
}

// contactField returns a part of a Contact element ($ct.fields(name)).
func contactField(m *sip.Msg, ct *sip.Contact, field string) api.Value {
	switch field {
	case "":
		return api.StrValue(contactText(m, ct))
	case "uri":
		return strOrNull(ct.URI)
	case "name":
		return strOrNull(ct.Display)
	case "params":
		return strOrNull(ct.Params)
	}
	v, _ := ct.Param(field)
	return strOrNull(v)
}

// getContact implements $ct and $ct.fields(...): no index is the first
// element, [-1] the last, [*] all joined with ", ". "Contact: *" reads as
// "*" (and NULL for any field).
func getContact(c *api.Ctx, s *Spec) (api.Value, error) {
	m := msgOf(c)
	if m == nil {
		return api.Null, nil
	}
	field, _ := s.Parsed.(string)
	cts, star, err := m.Contacts()
	if err != nil {
		return api.Null, nil
	}
	if len(cts) == 0 {
		if star && field == "" {
			return api.StrValue("*"), nil
		}
		return api.Null, nil
	}
	kind, i, err := s.IndexValue(c)
	if err != nil {
		return api.Null, err
	}
	switch kind {
	case IdxAll:
		var b strings.Builder
		for k := range cts {
			if k > 0 {
				b.WriteString(", ")
			}
			b.WriteString(Str(contactField(m, &cts[k], field)))
		}
		return api.StrValue(b.String()), nil
	case IdxInt:
		if i < 0 {
			i += len(cts)
		}
		if i < 0 || i >= len(cts) {
			return api.Null, nil
		}
	default:
		i = 0
	}
	return contactField(m, &cts[i], field), nil
}
