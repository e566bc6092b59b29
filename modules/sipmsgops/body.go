package sipmsgops

import (
	"strings"

	"gosips/api"
	"gosips/sip"
)

// part is one body part: its content type (lower case, no parameters)
// and its content, with the offset of the content inside the whole body.
type part struct {
	mime    string
	content string
	off     int
}

// mimeOf returns "type/subtype" of a Content-Type value in lower case.
func mimeOf(ct string) string {
	if i := strings.IndexByte(ct, ';'); i >= 0 {
		ct = ct[:i]
	}
	return strings.ToLower(strings.TrimSpace(ct))
}

// bodyParts splits the body of m: the parts of a multipart body, else the
// body itself.
func bodyParts(m *sip.Msg) []part {
	body := m.Body()
	if body == "" {
		return nil
	}
	ct := m.ContentType()
	mt := mimeOf(ct)
	if !strings.HasPrefix(mt, "multipart/") {
		return []part{{mime: mt, content: body}}
	}
	i := strings.IndexByte(ct, ';')
	boundary, ok := "", false
	if i >= 0 {
		boundary, ok = sip.Param(ct[i+1:], "boundary")
	}
	if !ok || boundary == "" {
		return []part{{mime: mt, content: body}}
	}
	return splitMultipart(body, "--"+strings.Trim(boundary, `"`))
}

// splitMultipart cuts a multipart body at its delimiter lines (RFC 2046
// §5.1.1); each part's headers give its type.
func splitMultipart(body, delim string) []part {
	var out []part
	pos := strings.Index(body, delim)
	for pos >= 0 {
		start := pos + len(delim)
		if strings.HasPrefix(body[start:], "--") {
			break
		}
		nl := strings.IndexByte(body[start:], '\n')
		if nl < 0 {
			break
		}
		start += nl + 1
		next := strings.Index(body[start:], "\n"+delim)
		end := len(body)
		if next >= 0 {
			end = start + next
		}
		chunk := body[start:end]
		p := part{}
		hdrEnd := strings.Index(chunk, "\r\n\r\n")
		sep := 4
		if hdrEnd < 0 {
			hdrEnd, sep = strings.Index(chunk, "\n\n"), 2
		}
		if hdrEnd >= 0 {
			for _, line := range strings.Split(chunk[:hdrEnd], "\n") {
				name, val, ok := strings.Cut(line, ":")
				if ok && strings.EqualFold(strings.TrimSpace(name), "Content-Type") {
					p.mime = mimeOf(val)
				}
			}
			p.content, p.off = chunk[hdrEnd+sep:], start+hdrEnd+sep
		} else {
			p.content, p.off = chunk, start
		}
		p.content = strings.TrimSuffix(p.content, "\r")
		if p.mime == "" {
			p.mime = "text/plain"
		}
		out = append(out, p)
		if next < 0 {
			break
		}
		pos = start + next + 1
	}
	return out
}

// hasBody is has_body([mime]) and has_body_part([mime]).
func hasBody(c *api.Ctx, args []any) api.Ret {
	m := msgOf(c)
	if m == nil || m.Body() == "" {
		return api.RetFalse
	}
	var want string
	switch v := args[0].(type) {
	case Mime:
		want = string(v)
	case string:
		want = mimeOf(v)
	}
	if want == "" {
		return api.RetTrue
	}
	if mimeOf(m.ContentType()) == want {
		return api.RetTrue
	}
	for _, p := range bodyParts(m) {
		if p.mime == want {
			return api.RetTrue
		}
	}
	return api.RetFalse
}
