package sipmsgops

import (
	"encoding/json"
	"regexp"
	"strings"

	"gosips/api"
	"gosips/sip"
)

// multipartBoundary is the boundary of bodies built by add_body_part().
const multipartBoundary = "OSS-unique-boundary-42"

func mimeArg(a any) string {
	switch v := a.(type) {
	case Mime:
		return string(v)
	case string:
		return mimeOf(v)
	}
	return ""
}

// rebuild writes parts as the new body: a single part as is, several as
// multipart/mixed. The message is rebuilt at once so that later body
// functions see the new Content-Type.
func rebuild(m *sip.Msg, parts []part) {
	defer m.ApplyChanges()
	switch len(parts) {
	case 0:
		m.SetBody("", "")
	case 1:
		m.SetBody(parts[0].content, parts[0].mime)
	default:
		var b strings.Builder
		for _, p := range parts {
			b.WriteString("--" + multipartBoundary + "\r\nContent-Type: " + p.mime + "\r\n\r\n")
			b.WriteString(strings.TrimSuffix(p.content, "\r\n") + "\r\n")
		}
		b.WriteString("--" + multipartBoundary + "--\r\n")
		m.SetBody(b.String(), "multipart/mixed;boundary="+multipartBoundary)
	}
}

// removeBodyPart is remove_body_part([mime[, "revert"]]) and, with one
// argument, the 1.x strip_body(): the parts of that type (all without
// one), or with "revert" every other part.
func removeBodyPart(c *api.Ctx, args []any) api.Ret {
	m := msgOf(c)
	if m == nil || m.Body() == "" {
		return api.RetFalse
	}
	want := mimeArg(args[0])
	revert := false
	if len(args) > 1 {
		revert, _ = args[1].(bool)
		if s, ok := args[1].(string); ok {
			revert = s == "revert"
		}
	}
	if want == "" {
		m.SetBody("", "")
		return api.RetTrue
	}
	parts := bodyParts(m)
	var keep []part
	for _, p := range parts {
		if (p.mime == want) == revert {
			keep = append(keep, p)
		}
	}
	if len(keep) == len(parts) {
		return api.RetFalse
	}
	rebuild(m, keep)
	return api.RetTrue
}

// filterBody is the 1.x filter_body(mime): keep only that part.
func filterBody(c *api.Ctx, args []any) api.Ret {
	return removeBodyPart(c, []any{args[0], true})
}

// addBodyPart is add_body_part(body, mime[, headers]) and the 1.x
// add_body(body[, mime]): the body, or one more part of a multipart body.
func addBodyPart(c *api.Ctx, args []any) api.Ret {
	m := msgOf(c)
	body, _ := args[0].(string)
	mime, _ := args[1].(string)
	if m == nil || body == "" {
		return api.RetFalse
	}
	if mime == "" {
		mime = "application/sdp"
	}
	if m.Body() == "" {
		rebuild(m, []part{{mime: mime, content: body}})
		return api.RetTrue
	}
	rebuild(m, append(bodyParts(m), part{mime: mime, content: body}))
	return api.RetTrue
}

// getUpdatedBodyPart is get_updated_body_part([mime], var): the body (or
// the part) with the changes made so far.
func getUpdatedBodyPart(c *api.Ctx, args []any) api.Ret {
	m := msgOf(c)
	res, _ := args[1].(api.PVRef)
	if m == nil || res == nil {
		return api.RetFalse
	}
	want := mimeArg(args[0])
	for _, p := range bodyParts(m) {
		if want == "" || p.mime == want {
			return ret(res.Set(c, api.StrValue(p.content)) == nil)
		}
	}
	return api.RetFalse
}

// mediaMatch selects SDP media sections: re on the media type, re2 (when
// given) on the transport.
func mediaMatch(args []any) func(md *media) bool {
	re, _ := args[0].(*regexp.Regexp)
	var re2 *regexp.Regexp
	if len(args) > 1 {
		re2, _ = args[1].(*regexp.Regexp)
	}
	return func(md *media) bool {
		f := strings.Fields(strings.TrimPrefix(md.lines[0], "m="))
		if len(f) < 3 || re == nil || !re.MatchString(f[0]) {
			return false
		}
		return re2 == nil || re2.MatchString(f[2])
	}
}

func streamExists(c *api.Ctx, args []any) api.Ret {
	m := msgOf(c)
	if m == nil {
		return api.RetFalse
	}
	p, ok := sdpPart(m)
	if !ok {
		return api.RetFalse
	}
	_, ms, _ := parseSDP(p.content)
	match := mediaMatch(args)
	for _, md := range ms {
		if match(md) {
			return api.RetTrue
		}
	}
	return api.RetFalse
}

// writeSDP replaces the SDP of m.
func writeSDP(m *sip.Msg, p part, session []string, ms []*media, eol string) {
	var b strings.Builder
	for _, l := range session {
		b.WriteString(l + eol)
	}
	for _, md := range ms {
		for _, l := range md.lines {
			b.WriteString(l + eol)
		}
	}
	body := m.Body()
	if p.off == 0 && len(p.content) == len(body) {
		m.SetBody(b.String(), "")
		return
	}
	m.SetBody(body[:p.off]+b.String()+strings.TrimPrefix(body[p.off+len(p.content):], "\r\n"), "")
}

func streamDelete(c *api.Ctx, args []any) api.Ret {
	m := msgOf(c)
	if m == nil {
		return api.RetFalse
	}
	p, ok := sdpPart(m)
	if !ok {
		return api.RetFalse
	}
	session, ms, eol := parseSDP(p.content)
	match := mediaMatch(args)
	var keep []*media
	for _, md := range ms {
		if !match(md) {
			keep = append(keep, md)
		}
	}
	if len(keep) == len(ms) {
		return api.RetFalse
	}
	writeSDP(m, p, session, keep, eol)
	return api.RetTrue
}

// isAudioOnHold is is_audio_on_hold(): an audio stream is sendonly,
// inactive or has a null connection address.
func isAudioOnHold(c *api.Ctx, _ []any) api.Ret {
	m := msgOf(c)
	if m == nil {
		return api.RetFalse
	}
	p, ok := sdpPart(m)
	if !ok {
		return api.RetFalse
	}
	session, ms, _ := parseSDP(p.content)
	sessionHold := false
	for _, l := range session {
		sessionHold = sessionHold || l == "a=sendonly" || l == "a=inactive" || strings.HasPrefix(l, "c=IN IP4 0.0.0.0")
	}
	for _, md := range ms {
		if !strings.HasPrefix(md.lines[0], "m=audio") {
			continue
		}
		hold, explicit := sessionHold, false
		for _, l := range md.lines[1:] {
			switch {
			case l == "a=sendonly" || l == "a=inactive" || strings.HasPrefix(l, "c=IN IP4 0.0.0.0"):
				hold, explicit = true, true
			case (l == "a=sendrecv" || l == "a=recvonly") && !explicit:
				hold = false
			}
		}
		if hold {
			return api.RetTrue
		}
	}
	return api.RetFalse
}

// codecReorder moves the matching payload types to the front (up) or the
// end (down) of every media line, or keeps only them (except).
func codecReorder(c *api.Ctx, match func(codec) bool, mode string) api.Ret {
	m := msgOf(c)
	if m == nil {
		return api.RetFalse
	}
	p, ok := sdpPart(m)
	if !ok {
		return api.RetFalse
	}
	session, ms, eol := parseSDP(p.content)
	changed := false
	for _, md := range ms {
		var hit, miss []string
		for _, pt := range md.pts {
			if cd, ok := md.codec[pt]; ok && match(cd) {
				hit = append(hit, pt)
			} else {
				miss = append(miss, pt)
			}
		}
		if len(hit) == 0 && mode != "except" {
			continue
		}
		var order []string
		switch mode {
		case "up":
			order = append(hit, miss...)
		case "down":
			order = append(miss, hit...)
		case "except":
			order = hit
			drop := map[string]bool{}
			for _, pt := range miss {
				drop[pt] = true
			}
			out := md.lines[:1]
			for _, l := range md.lines[1:] {
				if pt, ok := attrPT(l); ok && drop[pt] {
					continue
				}
				out = append(out, l)
			}
			md.lines = out
		}
		f := strings.Fields(md.lines[0][2:])
		md.lines[0] = "m=" + strings.Join(append(f[:3:3], order...), " ")
		changed = true
	}
	if !changed {
		return api.RetFalse
	}
	writeSDP(m, p, session, ms, eol)
	return api.RetTrue
}

func codecMoveUp(c *api.Ctx, args []any) api.Ret {
	return codecReorder(c, codecMatcher(args), "up")
}

func codecMoveDown(c *api.Ctx, args []any) api.Ret {
	return codecReorder(c, codecMatcher(args), "down")
}

func codecDeleteExceptRe(c *api.Ctx, args []any) api.Ret {
	return codecReorder(c, codecMatcher(args), "except")
}

// sipToJSON is sip_to_json(var): the message as JSON (first line, the
// headers by name in order, the body).
func sipToJSON(c *api.Ctx, args []any) api.Ret {
	m := msgOf(c)
	res, _ := args[0].(api.PVRef)
	if m == nil || res == nil {
		return api.RetFalse
	}
	hdrs := map[string][]string{}
	for i, n := 0, m.HeaderCount(); i < n; i++ {
		h := m.Field(i)
		name := sip.CanonicalName(h.Name)
		hdrs[name] = append(hdrs[name], h.Value)
	}
	doc := map[string]any{"first_line": m.FirstLine(), "headers": hdrs, "body": m.Body()}
	b, err := json.Marshal(doc)
	if err != nil {
		return api.RetFalse
	}
	return ret(res.Set(c, api.StrValue(string(b))) == nil)
}
