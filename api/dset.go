package api

import (
	"strings"

	"gosips/sip"
)

// DestSet prints the destination set of request m as a Contact header
// line without its CRLF ("" when empty): the rewritten request URI, then
// every extra branch, each with its q-value. It is $ds, and the Contact
// of a locally generated 3xx reply.
func (c *Ctx) DestSet(m *sip.Msg) string {
	var b strings.Builder
	add := func(uri string, q int) {
		if b.Len() == 0 {
			b.WriteString("Contact: ")
		} else {
			b.WriteString(", ")
		}
		b.WriteByte('<')
		b.WriteString(uri)
		b.WriteByte('>')
		if q >= 0 {
			b.WriteString(";q=")
			b.WriteString(QString(q))
		}
	}
	if m != nil && m.RURIChanged() {
		add(m.RURI(), c.RURIQ)
	}
	for _, br := range c.Branches {
		add(br.URI, br.Q)
	}
	return b.String()
}

// QString formats a q-value held ×1000 ("1", "0.5", "0.025").
func QString(q int) string {
	if q >= 1000 {
		return "1"
	}
	if q <= 0 {
		return "0"
	}
	d := []byte{'0', '.', byte('0' + q/100), byte('0' + q/10%10), byte('0' + q%10)}
	for d[len(d)-1] == '0' {
		d = d[:len(d)-1]
	}
	return string(d)
}
