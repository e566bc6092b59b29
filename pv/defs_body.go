package pv

import (
	"errors"
	"strings"

	"gosips/api"
	"gosips/sip"
)

// bodyPart is one part of a (possibly multipart) body.
type bodyPart struct {
	ctype string // Content-Type of the part, as written
	body  string
}

// mimeOf returns the lower-case "type/subtype" of a Content-Type value,
// without parameters.
func mimeOf(ct string) string {
	if i := strings.IndexByte(ct, ';'); i >= 0 {
		ct = ct[:i]
	}
	ct = strings.TrimSpace(ct)
	for i := 0; i < len(ct); i++ {
		if c := ct[i]; c >= 'A' && c <= 'Z' || c == ' ' || c == '\t' {
			return strings.ToLower(strings.Join(strings.Fields(ct), ""))
		}
	}
	return ct
}

// bodyParts splits the message body: a multipart body gives its parts, any
// other body a single part with the message's Content-Type.
func bodyParts(m *sip.Msg) []bodyPart {
	body := m.Body()
	if body == "" {
		return nil
	}
	ct := m.ContentType()
	if !strings.HasPrefix(mimeOf(ct), "multipart/") {
		return []bodyPart{{ctype: ct, body: body}}
	}
	boundary, ok := sip.Param(ct[strings.IndexByte(ct, ';')+1:], "boundary")
	if !ok || boundary == "" {
		return []bodyPart{{ctype: ct, body: body}}
	}
	boundary = strings.Trim(boundary, `"`)
	return splitMultipart(body, "--"+boundary)
}

// splitMultipart cuts a multipart body at its delimiter lines (RFC 2046
// §5.1.1); each part's headers give its Content-Type.
func splitMultipart(body, delim string) []bodyPart {
	var out []bodyPart
	rest := body
	i := strings.Index(rest, delim)
	if i < 0 {
		return nil
	}
	rest = rest[i+len(delim):]
	for {
		if strings.HasPrefix(rest, "--") {
			return out
		}
		// Skip to the end of the delimiter line.
		nl := strings.IndexByte(rest, '\n')
		if nl < 0 {
			return out
		}
		rest = rest[nl+1:]
		end := strings.Index(rest, "\r\n"+delim)
		cut := 2
		if end < 0 {
			if end = strings.Index(rest, "\n"+delim); end < 0 {
				return out
			}
			cut = 1
		}
		out = append(out, parsePart(rest[:end]))
		rest = rest[end+cut+len(delim):]
	}
}

// parsePart separates a body part's headers from its content.
func parsePart(p string) bodyPart {
	var bp bodyPart
	for {
		nl := strings.IndexByte(p, '\n')
		line := p
		if nl >= 0 {
			line = p[:nl]
		}
		line = strings.TrimRight(line, "\r")
		if line == "" {
			if nl >= 0 {
				bp.body = p[nl+1:]
			}
			return bp
		}
		if c := strings.IndexByte(line, ':'); c > 0 {
			name := strings.TrimSpace(line[:c])
			if sip.LookupHdr(name) == sip.HdrContentType {
				bp.ctype = strings.TrimSpace(line[c+1:])
			}
		}
		if nl < 0 {
			return bp
		}
		p = p[nl+1:]
	}
}

// parseMime is the ParseInner of $rb: a "type/subtype" MIME type.
func parseMime(in string) (any, error) {
	m := mimeOf(in)
	if i := strings.IndexByte(m, '/'); i <= 0 || i == len(m)-1 {
		return nil, errors.New("invalid MIME type (type/subtype expected)")
	}
	return m, nil
}

// getBody implements $rb, $rb(mime), $(rb[idx]) and $(rb(mime)[idx]): no
// MIME and no index is the whole body; otherwise the idx-th part (of that
// MIME type).
func getBody(c *api.Ctx, s *Spec) (api.Value, error) {
	m := bodyMsgOf(c)
	if m == nil {
		return api.Null, nil
	}
	kind, i, err := s.IndexValue(c)
	if err != nil {
		return api.Null, err
	}
	mime, _ := s.Parsed.(string)
	if s.InnerPV != nil {
		in, err := s.InnerName(c)
		if err != nil {
			return api.Null, err
		}
		mime = mimeOf(in)
	}
	if mime == "" && kind != IdxInt {
		return strOrNull(m.Body()), nil
	}
	var parts []bodyPart
	for _, p := range bodyParts(m) {
		if mime == "" || mimeOf(p.ctype) == mime {
			parts = append(parts, p)
		}
	}
	if kind != IdxInt {
		i = 0
	}
	if i < 0 {
		i += len(parts)
	}
	if i < 0 || i >= len(parts) {
		return api.Null, nil
	}
	return api.StrValue(parts[i].body), nil
}

// getContentType implements $cT (the Content-Type header), $(cT[idx]) (of
// the idx-th body part) and $(cT[*]) (the header, then every part's, joined
// by ",").
func getContentType(c *api.Ctx, s *Spec) (api.Value, error) {
	m := msgOf(c)
	if m == nil {
		return api.Null, nil
	}
	kind, i, err := s.IndexValue(c)
	if err != nil {
		return api.Null, err
	}
	ct, ok := m.HeaderOf(sip.HdrContentType, "")
	switch kind {
	case IdxInt:
		parts := bodyParts(m)
		if i < 0 {
			i += len(parts)
		}
		if i < 0 || i >= len(parts) {
			return api.Null, nil
		}
		return strOrNull(parts[i].ctype), nil
	case IdxAll:
		if !ok {
			return api.Null, nil
		}
		parts := bodyParts(m)
		if len(parts) < 2 && (len(parts) == 0 || parts[0].ctype == ct) {
			return api.StrValue(ct), nil
		}
		var b strings.Builder
		b.WriteString(ct)
		for _, p := range parts {
			b.WriteByte(',')
			b.WriteString(p.ctype)
		}
		return api.StrValue(b.String()), nil
	}
	if !ok {
		return api.Null, nil
	}
	return api.StrValue(ct), nil
}
