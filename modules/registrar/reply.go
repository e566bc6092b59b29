package registrar

import (
	"fmt"
	"hash/fnv"
	"strconv"
	"strings"

	"gosips/api"
	"gosips/modules/usrloc"
	"gosips/sip"
)

// Reply answers the request in c through signaling (stateful when a
// transaction exists), as OpenSIPS modules do through sigb.reply; without
// a Replier it falls back to a stateless reply. extra holds header lines.
func Reply(c *api.Ctx, code int, reason, extra string) error {
	if c.Core != nil {
		if r, ok := c.Core.Module("signaling").(api.Replier); ok {
			return r.Reply(c, code, reason, extra, "")
		}
	}
	req := c.Msg
	if req == nil || !req.IsRequest() {
		return fmt.Errorf("no request to reply to")
	}
	if c.Core == nil {
		return fmt.Errorf("no core to send the reply")
	}
	spec := &sip.ReplySpec{Code: code, Reason: reason, Headers: extra, Server: c.Core.ServerHeader(),
		ToTag: statelessTag(req)}
	return c.Core.SendReply(req, sip.AppendReply(nil, req, spec))
}

// statelessTag derives a To tag from the request, so that retransmitted
// requests get the same tag.
func statelessTag(m *sip.Msg) string {
	h := fnv.New64a()
	h.Write([]byte(m.CallID()))
	h.Write([]byte(m.FromTag()))
	return strconv.FormatUint(h.Sum64(), 16)
}

// contactHeader lists the valid bindings as OpenSIPS build_contact does:
// one Contact header, "<uri>;q=..;expires=N;received=\"..\"" joined by ", ".
func (m *Module) contactHeader(cts []*usrloc.Contact, now int64) string {
	var b strings.Builder
	for _, c := range cts {
		if !c.Valid(now) {
			continue
		}
		if b.Len() == 0 {
			b.WriteString("Contact: ")
		} else {
			b.WriteString(", ")
		}
		b.WriteByte('<')
		b.WriteString(c.URI)
		b.WriteByte('>')
		if q := usrloc.FormatQ(c.Q); q != "" {
			b.WriteString(";q=")
			b.WriteString(q)
		}
		b.WriteString(";expires=")
		b.WriteString(strconv.FormatInt(c.Expires-now, 10))
		if c.Received != "" {
			b.WriteByte(';')
			b.WriteString(m.ReceivedParam)
			b.WriteString("=\"")
			b.WriteString(c.Received)
			b.WriteByte('"')
		}
	}
	if b.Len() > 0 {
		b.WriteString("\r\n")
	}
	return b.String()
}

// sendReply sends the answer of save() for the outcome e, with the
// contacts header (when built) and the Path negotiation of the save flags.
func (m *Module) sendReply(c *api.Ctx, e rerr, contacts, path string, f *SaveFlags) error {
	var hdrs strings.Builder
	hdrs.WriteString(contacts)
	if e == rFine && f.pathMode() && path != "" && !f.PathOff {
		switch {
		case supports(c.Msg, "path"):
			hdrs.WriteString("Path: " + path + "\r\n")
		case f.PathStrict:
			e = rPathUnsup
			hdrs.WriteString("Unsupported: path\r\nPath: " + path + "\r\n")
		}
	}
	info := rerrInfo[e]
	if info.code != 200 {
		hdrs.WriteString("P-Registrar-Error: " + info.info + "\r\n")
		if info.code >= 500 && m.RetryAfter != 0 {
			hdrs.WriteString("Retry-After: " + strconv.Itoa(m.RetryAfter) + "\r\n")
		}
	}
	return Reply(c, info.code, reason(info.code), hdrs.String())
}

// supports reports whether a Supported header lists the option tag.
func supports(msg *sip.Msg, tag string) bool {
	found := false
	msg.EachHeader(sip.HdrSupported, "Supported", func(h sip.HeaderField) bool {
		for _, t := range strings.Split(h.Value, ",") {
			if strings.EqualFold(strings.TrimSpace(t), tag) {
				found = true
				return false
			}
		}
		return true
	})
	return found
}

func itoa(n int) string { return strconv.Itoa(n) }
