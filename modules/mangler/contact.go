package mangler

import (
	"strings"

	"gosips/api"
	"gosips/sip"
)

// EncodeURI turns sip:user:pass@host:port;transport=proto into
// sip:PREFIX*user*pass*host*port*proto@PUBLIC (with sep for "*"). As in
// OpenSIPS, the other URI parameters are not kept. It returns OpenSIPS'
// error code (0 when fine): -1 empty URI, -2 empty public address, -25 no
// scheme, -26 scheme too short, -505 unparsable URI.
func EncodeURI(uri, prefix, public string, sep byte) (string, int) {
	if len(uri) <= 1 {
		return "", -1
	}
	if public == "" {
		return "", -2
	}
	colon := strings.IndexByte(uri, ':')
	switch {
	case colon < 0:
		return "", -25
	case colon < 3:
		return "", -26
	}
	// OpenSIPS parses from three characters before the colon: "sips:"
	// becomes "ips:", which fails.
	u, err := sip.ParseURI(uri[colon-3:])
	if err != nil {
		return "", -505
	}
	tr, _ := u.Param("transport")
	var b strings.Builder
	b.Grow(len(uri) + len(prefix) + len(public) + 8)
	b.WriteString(uri[:colon+1])
	for _, f := range []string{prefix, u.User, u.Password, u.Host, u.PortStr} {
		b.WriteString(f)
		b.WriteByte(sep)
	}
	b.WriteString(tr)
	b.WriteByte('@')
	b.WriteString(public)
	return b.String(), 0
}

// DecodeURI reverses EncodeURI: sip:PREFIX*user*pass*host*port*proto@PUBLIC;p
// becomes sip:user:pass@host:port;transport=proto;p. It returns
// OpenSIPS' error code (0 when fine): -1 empty URI, -2 no host, -3 a
// password without user, -22 no scheme, -23 no "@", -24 too many fields,
// -25 ">" or ";" in the encoded part, -26 too few fields.
func DecodeURI(uri string, sep byte) (string, int) {
	if uri == "" {
		return "", -1
	}
	colon := strings.IndexByte(uri, ':')
	if colon < 0 {
		return "", -22
	}
	first := colon + 1
	at := strings.IndexByte(uri[first:], '@')
	if at < 0 {
		return "", -23
	}
	at += first
	var fields [4]string // user, password, host, port
	state, last := 0, first
	for i := first; i < at; i++ {
		switch uri[i] {
		case sep:
			if state > 4 {
				return "", -24
			}
			if state > 0 {
				fields[state-1] = uri[last:i]
			}
			state++
			last = i + 1
		case '>', ';':
			return "", -25
		}
	}
	if state != 5 {
		return "", -26
	}
	proto := uri[last:at]
	user, pass, host, port := fields[0], fields[1], fields[2], fields[3]
	second := len(uri)
	if k := strings.IndexAny(uri[at:], ";>"); k >= 0 {
		second = at + k
	}
	if host == "" {
		return "", -2
	}
	if pass != "" && user == "" {
		return "", -3
	}
	var b strings.Builder
	b.Grow(len(uri) + 11)
	b.WriteString(uri[:first])
	if user != "" {
		b.WriteString(user)
		if pass != "" {
			b.WriteString(":" + pass)
		}
		b.WriteByte('@')
	}
	b.WriteString(host)
	if port != "" {
		b.WriteString(":" + port)
	}
	if proto != "" {
		b.WriteString(";transport=" + proto)
	}
	b.WriteString(uri[second:])
	return b.String(), 0
}

// firstContact returns the first Contact and the place of its URI in the
// message (end 0 when the URI was already rewritten). A non-zero ret is
// the function's answer when there is nothing to work on: -1 no or a bad
// Contact header, 1 for "Contact: *".
func firstContact(c *api.Ctx, fn string) (ct sip.Contact, start, end int, ret api.Ret) {
	msg := c.Msg
	cs, star, err := msg.Contacts()
	switch {
	case err != nil:
		c.Log.Error(fn+": cannot parse Contact header", "err", err)
		return ct, 0, 0, -1
	case len(cs) == 0 && !star:
		c.Log.Error(fn + ": no Contact header present")
		return ct, 0, 0, -1
	case len(cs) == 0:
		return ct, 0, 0, api.RetTrue // "Contact: *": nothing to do
	}
	ct = cs[0]
	uo := strings.Index(msg.String()[ct.Start:ct.End], ct.URI)
	if uo < 0 {
		return ct, 0, 0, 0
	}
	return ct, ct.Start + uo, ct.Start + uo + len(ct.URI), 0
}

func (m *Mangler) encodeContact(c *api.Ctx, args []any) api.Ret {
	ct, start, end, ret := firstContact(c, "encode_contact")
	if ret != 0 {
		return ret
	}
	if end == 0 {
		c.Log.Error("encode_contact: the Contact was already changed")
		return -1
	}
	nu, code := EncodeURI(ct.URI, api.StrArg(args[0]), api.StrArg(args[1]), m.sep())
	if code != 0 {
		c.Log.Error("encode_contact: failed encoding contact", "code", code, "uri", ct.URI)
		return api.Ret(code)
	}
	if err := c.Msg.SetContactURI(0, start, end, nu, nu); err != nil {
		c.Log.Error("encode_contact: cannot rewrite Contact", "err", err)
		return -2
	}
	return api.RetTrue
}

func (m *Mangler) decodeContactHeader(c *api.Ctx, _ []any) api.Ret {
	ct, start, end, ret := firstContact(c, "decode_contact_header")
	if ret != 0 {
		return ret
	}
	nu, code := DecodeURI(ct.URI, m.sep())
	if code != 0 {
		c.Log.Error("decode_contact_header: failed decoding contact", "code", code, "uri", ct.URI)
		return api.Ret(code)
	}
	if end == 0 {
		c.Log.Error("decode_contact_header: the Contact was already changed")
		return -2
	}
	if err := c.Msg.SetContactURI(0, start, end, nu, nu); err != nil {
		c.Log.Error("decode_contact_header: cannot rewrite Contact", "err", err)
		return -2
	}
	return api.RetTrue
}

// decodeContact decodes the Request-URI as received; as in OpenSIPS it
// fails when the script already changed the Request-URI.
func (m *Mangler) decodeContact(c *api.Ctx, _ []any) api.Ret {
	msg := c.Msg
	if msg.RURIChanged() {
		c.Log.Error("decode_contact: the Request-URI was already changed")
		return -1
	}
	nu, code := DecodeURI(msg.OrigRURI(), m.sep())
	if code != 0 {
		c.Log.Error("decode_contact: failed decoding contact", "code", code, "uri", msg.OrigRURI())
		return api.Ret(code)
	}
	msg.SetRURI(nu)
	return api.RetTrue
}
