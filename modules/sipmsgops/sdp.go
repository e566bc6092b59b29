package sipmsgops

import (
	"regexp"
	"strconv"
	"strings"

	"gosips/api"
	"gosips/sip"
)

// staticPayloads names the RTP payload types of RFC 3551 that need no
// rtpmap line.
var staticPayloads = map[string]codec{
	"0": {"PCMU", "8000"}, "3": {"GSM", "8000"}, "4": {"G723", "8000"}, "5": {"DVI4", "8000"},
	"6": {"DVI4", "16000"}, "7": {"LPC", "8000"}, "8": {"PCMA", "8000"}, "9": {"G722", "8000"},
	"10": {"L16", "44100"}, "11": {"L16", "44100"}, "12": {"QCELP", "8000"}, "13": {"CN", "8000"},
	"14": {"MPA", "90000"}, "15": {"G728", "8000"}, "16": {"DVI4", "11025"}, "17": {"DVI4", "22050"},
	"18": {"G729", "8000"}, "25": {"CelB", "90000"}, "26": {"JPEG", "90000"}, "28": {"nv", "90000"},
	"31": {"H261", "90000"}, "32": {"MPV", "90000"}, "33": {"MP2T", "90000"}, "34": {"H263", "90000"},
}

type codec struct{ name, clock string }

// sdpPart finds the SDP of m: the body or its application/sdp part.
func sdpPart(m *sip.Msg) (part, bool) {
	for _, p := range bodyParts(m) {
		if p.mime == "application/sdp" {
			return p, true
		}
	}
	return part{}, false
}

// media is one m= section: its payload types and their codecs.
type media struct {
	lines []string // every line of the section, m= first
	pts   []string
	codec map[string]codec
}

// parseSDP splits SDP text into the session lines and media sections.
func parseSDP(sdp string) (session []string, ms []*media, eol string) {
	eol = "\r\n"
	if !strings.Contains(sdp, "\r\n") {
		eol = "\n"
	}
	lines := strings.Split(strings.TrimRight(sdp, "\r\n"), eol)
	var cur *media
	for _, l := range lines {
		if strings.HasPrefix(l, "m=") {
			f := strings.Fields(l[2:])
			cur = &media{lines: []string{l}, codec: map[string]codec{}}
			if len(f) > 3 {
				cur.pts = f[3:]
			}
			for _, pt := range cur.pts {
				if c, ok := staticPayloads[pt]; ok {
					cur.codec[pt] = c
				}
			}
			ms = append(ms, cur)
			continue
		}
		if cur == nil {
			session = append(session, l)
			continue
		}
		cur.lines = append(cur.lines, l)
		if v, ok := strings.CutPrefix(l, "a=rtpmap:"); ok {
			pt, enc, _ := strings.Cut(v, " ")
			name, rest, _ := strings.Cut(strings.TrimSpace(enc), "/")
			clock, _, _ := strings.Cut(rest, "/")
			cur.codec[pt] = codec{name, clock}
		}
	}
	return session, ms, eol
}

// codecMatcher builds the test of a codec_* function's arguments.
func codecMatcher(args []any) func(codec) bool {
	if re, ok := args[0].(*regexp.Regexp); ok {
		return func(c codec) bool { return re.MatchString(c.name) }
	}
	name, _ := args[0].(string)
	clock := ""
	if len(args) > 1 {
		clock, _ = args[1].(string)
	}
	return func(c codec) bool {
		return strings.EqualFold(c.name, name) && (clock == "" || c.clock == clock)
	}
}

func codecExistsWith(c *api.Ctx, match func(codec) bool) api.Ret {
	m := msgOf(c)
	if m == nil {
		return api.RetFalse
	}
	p, ok := sdpPart(m)
	if !ok {
		return api.RetFalse
	}
	_, ms, _ := parseSDP(p.content)
	for _, md := range ms {
		for _, pt := range md.pts {
			if cd, ok := md.codec[pt]; ok && match(cd) {
				return api.RetTrue
			}
		}
	}
	return api.RetFalse
}

// codecExists is codec_exists(name[, clock]).
func codecExists(c *api.Ctx, args []any) api.Ret { return codecExistsWith(c, codecMatcher(args)) }

// codecExistsRe is codec_exists_re(regex).
func codecExistsRe(c *api.Ctx, args []any) api.Ret { return codecExistsWith(c, codecMatcher(args)) }

// codecDeleteWith removes the matching codecs from every media line, with
// their rtpmap and fmtp attributes.
func codecDeleteWith(c *api.Ctx, match func(codec) bool) api.Ret {
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
		drop := map[string]bool{}
		var keep []string
		for _, pt := range md.pts {
			if cd, ok := md.codec[pt]; ok && match(cd) {
				drop[pt] = true
				continue
			}
			keep = append(keep, pt)
		}
		if len(drop) == 0 {
			continue
		}
		changed = true
		f := strings.Fields(md.lines[0][2:])
		md.lines[0] = "m=" + strings.Join(append(f[:3:3], keep...), " ")
		out := md.lines[:1]
		for _, l := range md.lines[1:] {
			if pt, ok := attrPT(l); ok && drop[pt] {
				continue
			}
			out = append(out, l)
		}
		md.lines = out
	}
	if !changed {
		return api.RetFalse
	}
	writeSDP(m, p, session, ms, eol)
	return api.RetTrue
}

// attrPT returns the payload type of an a=rtpmap/a=fmtp/a=rtcp-fb line.
func attrPT(l string) (string, bool) {
	for _, pfx := range []string{"a=rtpmap:", "a=fmtp:", "a=rtcp-fb:"} {
		if v, ok := strings.CutPrefix(l, pfx); ok {
			pt, _, _ := strings.Cut(v, " ")
			if _, err := strconv.Atoi(pt); err == nil {
				return pt, true
			}
		}
	}
	return "", false
}

// codecDelete is codec_delete(name[, clock]).
func codecDelete(c *api.Ctx, args []any) api.Ret { return codecDeleteWith(c, codecMatcher(args)) }

// codecDeleteRe is codec_delete_re(regex).
func codecDeleteRe(c *api.Ctx, args []any) api.Ret { return codecDeleteWith(c, codecMatcher(args)) }
