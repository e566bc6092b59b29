package pv

import (
	"errors"
	"fmt"
	"strings"

	"gosips/api"
	"gosips/internal/sdp"
	"gosips/sip"
)

// The SDP variables ($sdp, $sdp.line, $sdp.session, $sdp.stream,
// $sdp.stream.idx) read and edit the SDP body line by line, as OpenSIPS
// 3.6's SDP operations do. The body is cut into lines at the separator
// of its first line ("\r\n" or "\n"); a write rebuilds the body with that
// separator after every line and stores it with sip.Msg.SetBody, so the
// next body change (codec_*, rtpengine_offer, another write) starts from
// it and Content-Length is computed when the message is sent.

// sdpMaxLines bounds the lines of a body the SDP variables work on, as
// OpenSIPS does (SDP_MAX_LINES).
const sdpMaxLines = 500

// sdpIdx is an index written in an SDP variable name: a number or a
// variable holding one ([$var(i)]).
type sdpIdx struct {
	n  int
	pv *Spec
}

func (x sdpIdx) value(c *api.Ctx) (int, error) {
	if x.pv == nil {
		return x.n, nil
	}
	v, err := x.pv.Get(c)
	if err != nil {
		return 0, err
	}
	if !v.IsInt() {
		return 0, fmt.Errorf("SDP index %s holds a non-integer value %q", x.pv.Raw, Str(v))
	}
	return int(v.I), nil
}

// sdpMatch selects a chunk (stream, line or token) by prefix and index:
// the idx-th chunk starting with prefix (case-insensitive). set reports
// that the part was written at all: "[1]/" selects token 0 of line 1,
// "[1]" the whole line.
type sdpMatch struct {
	prefix string
	set    bool
	idx    sdpIdx
}

// sdpName is the parsed name of an SDP variable: "stream/line/token" for
// $sdp.stream and $sdp.stream.idx, "line/token" for $sdp.line and
// $sdp.session; each part is "prefix[index]", "/" and "\" escaped by "\".
type sdpName struct {
	stream, line, token sdpMatch
	vars                []*Format
}

// Formats gives the variables used as indexes, for Table.Resolve.
func (n *sdpName) Formats() []*Format { return n.vars }

func parseSDPLineName(in string) (any, error)   { return parseSDPName(in, false) }
func parseSDPStreamName(in string) (any, error) { return parseSDPName(in, true) }

func parseSDPName(in string, stream bool) (*sdpName, error) {
	n := &sdpName{}
	matches := []*sdpMatch{&n.line, &n.token}
	if stream {
		matches = []*sdpMatch{&n.stream, &n.line, &n.token}
	}
	switch {
	case in == "":
		return n, nil
	case in[0] == '$':
		return nil, errors.New("dynamic names are not supported")
	case in[0] == '@':
		return nil, errors.New("custom SDP holders are not supported")
	}
	var tok []byte
	escape := false
	midx := 0
	for i := 0; i < len(in) && midx < len(matches); i++ {
		c := in[i]
		if escape && (c == '\\' || c == '/') {
			tok[len(tok)-1] = c
			escape = false
			continue
		}
		escape = c == '\\'
		switch c {
		case '[':
			m := matches[midx]
			end, err := parseSDPIndex(in, i+1, &m.idx)
			if err != nil {
				return nil, err
			}
			if m.idx.pv != nil {
				n.vars = append(n.vars, &Format{Raw: m.idx.pv.Raw, Parts: []Part{{Spec: m.idx.pv}}})
			}
			slash := strings.IndexByte(in[end:], '/')
			m.prefix, m.set = trimLeadingWS(string(tok)), true
			midx++
			if slash < 0 {
				return n, nil
			}
			i = end + slash
			tok = tok[:0]
		case '/':
			matches[midx].prefix, matches[midx].set = trimLeadingWS(string(tok)), true
			midx++
			tok = tok[:0]
		default:
			tok = append(tok, c)
		}
		if i+1 == len(in) && midx < len(matches) {
			matches[midx].prefix, matches[midx].set = trimLeadingWS(string(tok)), true
			midx++
		}
	}
	return n, nil
}

// parseSDPIndex reads the index starting at in[p] (just after "[") up to
// "]" and returns the offset after the "]" and the blanks that follow.
func parseSDPIndex(in string, p int, idx *sdpIdx) (int, error) {
	bad := func() error { return fmt.Errorf("invalid index in %q (a number or a variable in [ ])", in) }
	if p >= len(in) {
		return 0, bad()
	}
	if in[p] == '$' {
		s, n, err := ParsePrefix(in[p:])
		if err != nil {
			return 0, fmt.Errorf("index variable in %q: %w", in, err)
		}
		idx.pv = s
		p += n
	} else {
		for p < len(in) && isSDPWS(in[p]) {
			p++
		}
		neg := false
		if p < len(in) && (in[p] == '-' || in[p] == '+') {
			neg = in[p] == '-'
			p++
		}
		digits := 0
		for ; p < len(in) && in[p] >= '0' && in[p] <= '9'; p++ {
			if digits++; digits > 9 {
				return 0, fmt.Errorf("index too big in %q", in)
			}
			idx.n = idx.n*10 + int(in[p]-'0')
		}
		if neg && idx.n != 0 {
			return 0, fmt.Errorf("negative index in %q", in)
		}
	}
	for p < len(in) && isSDPWS(in[p]) {
		p++
	}
	if p >= len(in) || in[p] != ']' {
		return 0, bad()
	}
	p++
	for p < len(in) && isSDPWS(in[p]) {
		p++
	}
	return p, nil
}

func isSDPWS(c byte) bool { return c == ' ' || c == '\t' || c == '\r' || c == '\n' }

func trimLeadingWS(s string) string {
	for s != "" && isSDPWS(s[0]) {
		s = s[1:]
	}
	return s
}

// sdpLines is an SDP body cut into lines (without their separators).
type sdpLines struct {
	body  string // the text the lines were cut from (the cache key)
	lines []string
	sep   string
}

// detectSDPSep returns the line separator of body's first line.
func detectSDPSep(body string) (string, bool) {
	i := strings.IndexAny(body, "\r\n")
	switch {
	case i < 0:
		return "", false
	case body[i] == '\r' && i+1 < len(body) && body[i+1] == '\n':
		return "\r\n", true
	case body[i] == '\r':
		return "\r", true
	}
	return "\n", true
}

// splitSDPLines cuts body at its separator; a last line without one is
// kept.
func splitSDPLines(body string, dst []string) ([]string, string, error) {
	sep, ok := detectSDPSep(body)
	if !ok {
		return nil, "", errors.New("no line separator in the SDP body")
	}
	n := min(strings.Count(body, sep)+1, sdpMaxLines+1)
	if cap(dst) < n {
		dst = make([]string, 0, n)
	}
	lines := dst[:0]
	for rest := body; rest != ""; {
		i := strings.Index(rest, sep)
		if i < 0 && sep == "\r\n" && strings.HasSuffix(rest, "\r") {
			i = len(rest) - 1 // a final lone CR ends the last line
		}
		if len(lines) == sdpMaxLines {
			return nil, "", fmt.Errorf("SDP body exceeds %d lines", sdpMaxLines)
		}
		if i < 0 {
			lines = append(lines, rest)
			break
		}
		lines = append(lines, rest[:i])
		rest = rest[min(i+len(sep), len(rest)):]
	}
	return lines, sep, nil
}

// sdpHolder returns the message the SDP variables work on: the current
// one, or, in routes without a message (startup, timer, event), a dummy
// request kept for the rest of the route, as OpenSIPS runs those routes
// with one; create tells whether to make it when missing.
func sdpHolder(c *api.Ctx, create bool) *sip.Msg {
	if c == nil {
		return nil
	}
	if c.Msg != nil {
		return c.Msg
	}
	if m, ok := c.Slots[dummyMsgKey{}].(*sip.Msg); ok {
		return m
	}
	if !create {
		return nil
	}
	m, err := sip.ParseString(dummyMsgText)
	if err != nil {
		return nil
	}
	if c.Slots == nil {
		c.Slots = map[any]any{}
	}
	c.Slots[dummyMsgKey{}] = m
	return m
}

type dummyMsgKey struct{}

const dummyMsgText = "DUMMY sip:user@dummy.com SIP/2.0\r\n" +
	"Via: SIP/2.0/UDP 127.0.0.1;branch=z9hG4bKdummy\r\n" +
	"To: <sip:to@dummy.com>\r\n" +
	"From: <sip:from@dummy.com>;tag=1\r\n" +
	"Call-ID: dummy-1\r\n" +
	"CSeq: 1 DUMMY\r\n\r\n"

// bodyMsgOf is the message whose body $rb and $sdp read: the current one
// or the dummy one an SDP write made in a route without a message.
func bodyMsgOf(c *api.Ctx) *sip.Msg { return sdpHolder(c, false) }

// sdpText returns the SDP of m (its application/sdp body or body part)
// and where it sits in the whole body.
func sdpText(m *sip.Msg) (text string, off int, ok bool) {
	body := m.Body()
	if body == "" {
		return "", 0, false
	}
	ct := mimeOf(m.ContentType())
	if ct == "application/sdp" {
		return body, 0, true
	}
	if !strings.HasPrefix(ct, "multipart/") {
		return "", 0, false
	}
	for _, p := range bodyParts(m) {
		if mimeOf(p.ctype) == "application/sdp" {
			if i := strings.Index(body, p.body); i >= 0 {
				return p.body, i, true
			}
		}
	}
	return "", 0, false
}

// sdpLinesOf returns the lines of m's SDP, cut once per body and kept in
// the per-message cache.
func sdpLinesOf(c *api.Ctx, m *sip.Msg) (*sdpLines, error) {
	text, _, ok := sdpText(m)
	if !ok {
		return nil, errors.New("the message has no SDP body")
	}
	mc := cacheOf(c)
	if mc != nil && mc.sdp.lines != nil && mc.sdp.body == text {
		return &mc.sdp, nil
	}
	var l *sdpLines
	if mc != nil {
		l = &mc.sdp
	} else {
		l = &sdpLines{}
	}
	lines, sep, err := splitSDPLines(text, l.lines)
	if err != nil {
		l.body, l.lines = "", nil
		return nil, err
	}
	l.body, l.lines, l.sep = text, lines, sep
	return l, nil
}

// storeSDPLines writes lines back as m's SDP: every line followed by the
// separator, in place of the SDP part when the body is multipart.
func storeSDPLines(c *api.Ctx, m *sip.Msg, lines []string, sep string) {
	n := 0
	for _, l := range lines {
		n += len(l) + len(sep)
	}
	var b strings.Builder
	b.Grow(n)
	for _, l := range lines {
		b.WriteString(l)
		b.WriteString(sep)
	}
	text := b.String()
	old, off, _ := sdpText(m)
	body := m.Body()
	if len(old) != len(body) {
		text = body[:off] + text + body[off+len(old):]
	}
	m.SetBody(text, "")
	if mc := cacheOf(c); mc != nil {
		// Keep the edited lines as they are (a value holding a line break
		// stays one line), as OpenSIPS keeps its line array.
		cur, _, _ := sdpText(m)
		mc.sdp = sdpLines{body: cur, lines: lines, sep: sep}
	}
}

// getSDP implements $sdp: the SDP body (or body part).
func getSDP(c *api.Ctx, _ *Spec) (api.Value, error) {
	m := bodyMsgOf(c)
	if m == nil {
		return api.Null, nil
	}
	text, _, ok := sdpText(m)
	if !ok {
		return api.Null, nil
	}
	return api.StrValue(text), nil
}

// setSDP implements $sdp = "..." (the whole body becomes that SDP, which
// must parse) and $sdp = NULL (the body is removed).
func setSDP(c *api.Ctx, s *Spec, v api.Value) error {
	if v.IsNull() {
		if m := bodyMsgOf(c); m != nil {
			m.SetBody("", "")
		}
		return nil
	}
	if !v.IsStr() || v.S == "" {
		return errf(s, "a non-empty string is required to set the SDP body")
	}
	if err := sdp.Check(v.S); err != nil {
		return errf(s, fmt.Sprintf("refusing a bad SDP body (%s): %v", clipText(v.S, 40), err))
	}
	if _, ok := detectSDPSep(v.S); !ok {
		return errf(s, "refusing an SDP body without line breaks")
	}
	m := sdpHolder(c, true)
	if m == nil {
		return errf(s, "no message to set the SDP body of")
	}
	ct := ""
	if mimeOf(m.ContentType()) != "application/sdp" {
		ct = "application/sdp"
	}
	m.SetBody(v.S, ct)
	if ct != "" {
		// Make the new Content-Type visible to the readers of the body.
		m.ApplyChanges()
	}
	return nil
}

func clipText(s string, n int) string {
	if len(s) > n {
		return s[:n] + " ..."
	}
	return s
}

// sdpScope tells which lines a variable searches.
type sdpScope uint8

const (
	scopeBody    sdpScope = iota // $sdp.line: every line
	scopeSession                 // $sdp.session: the lines before the first m=
	scopeStream                  // $sdp.stream: the lines of one m= section
)

// findSDPLine returns the index of the idx-th line in [from, until)
// starting with prefix; with no prefix it is from+idx, which may be until
// (the place to insert after the last line). -1 when there is none.
func findSDPLine(lines []string, idx int, prefix string, token bool, from, until int) int {
	if from+idx > until || from+idx >= sdpMaxLines || token && from+idx == until {
		return -1
	}
	if prefix == "" {
		return from + idx
	}
	for i := from; i < until; i++ {
		if !hasPrefixFold(lines[i], prefix) {
			continue
		}
		if idx > 0 {
			idx--
			continue
		}
		return i
	}
	return -1
}

func hasPrefixFold(s, prefix string) bool {
	return len(s) >= len(prefix) && strings.EqualFold(s[:len(prefix)], prefix)
}

func isMediaLine(l string) bool { return hasPrefixFold(l, "m=") }

// locate finds the line a variable designates; idx is the line index to
// use (the name's, moved by one for [insertAfter]); write lets a session
// write reach the first m= line (to insert at the end of the session).
func (n *sdpName) locate(c *api.Ctx, lines []string, scope sdpScope, idx int, write bool) (int, error) {
	switch scope {
	case scopeSession:
		end := len(lines)
		for i, l := range lines {
			if isMediaLine(l) {
				end = i
				break
			}
		}
		i := findSDPLine(lines, idx, n.line.prefix, n.token.set, 0, end)
		if i > end || i == end && !write {
			return -1, nil
		}
		return i, nil
	case scopeStream:
		want, err := n.stream.idx.value(c)
		if err != nil {
			return -1, err
		}
		start := -1
		for i, l := range lines {
			if !isMediaLine(l) || !hasPrefixFold(l[2:], n.stream.prefix) {
				continue
			}
			if want > 0 {
				want--
				continue
			}
			start = i
			break
		}
		if start < 0 {
			return -1, nil
		}
		end := start + 1
		for end < len(lines) && !isMediaLine(lines[end]) {
			end++
		}
		return findSDPLine(lines, idx, n.line.prefix, n.token.set, start, end), nil
	}
	return findSDPLine(lines, idx, n.line.prefix, n.token.set, 0, len(lines)), nil
}

// sdpToken returns the idx-th blank-separated token of line starting with
// prefix.
func sdpToken(line, prefix string, idx int) (string, bool) {
	for rest := line; ; {
		rest = trimLeadingWS(rest)
		if rest == "" {
			return "", false
		}
		end := strings.IndexAny(rest, " \t\r\n")
		if end < 0 {
			end = len(rest)
		}
		tok := rest[:end]
		rest = rest[end:]
		if prefix != "" && !hasPrefixFold(tok, prefix) {
			continue
		}
		if idx > 0 {
			idx--
			continue
		}
		return tok, true
	}
}

func sdpNameOf(s *Spec) *sdpName {
	if n, ok := s.Parsed.(*sdpName); ok {
		return n
	}
	return &sdpName{}
}

// sdpLineGetter reads $sdp.line / $sdp.session / $sdp.stream: the line,
// or one token of it when the name has a token part.
func sdpLineGetter(scope sdpScope) getFunc {
	return func(c *api.Ctx, s *Spec) (api.Value, error) {
		i, l, err := sdpFind(c, s, scope)
		if err != nil || i < 0 {
			return api.Null, err
		}
		n := sdpNameOf(s)
		line := l.lines[i]
		if !n.token.set {
			return api.StrValue(line), nil
		}
		ti, err := n.token.idx.value(c)
		if err != nil {
			return api.Null, err
		}
		if tok, ok := sdpToken(line, n.token.prefix, ti); ok {
			return api.StrValue(tok), nil
		}
		return api.Null, nil
	}
}

// getSDPStreamIdx reads $sdp.stream.idx: the index of the line among all
// the lines of the body.
func getSDPStreamIdx(c *api.Ctx, s *Spec) (api.Value, error) {
	i, _, err := sdpFind(c, s, scopeStream)
	if err != nil || i < 0 {
		return api.Null, err
	}
	return IntStr(int64(i)), nil
}

// sdpFind locates the line a read designates; -1 when there is none (a
// message without SDP reads as NULL, as in OpenSIPS, with the reason
// logged at debug level by the caller's NULL).
func sdpFind(c *api.Ctx, s *Spec, scope sdpScope) (int, *sdpLines, error) {
	m := bodyMsgOf(c)
	if m == nil {
		return -1, nil, nil
	}
	l, err := sdpLinesOf(c, m)
	if err != nil {
		return -1, nil, nil
	}
	n := sdpNameOf(s)
	idx, err := n.line.idx.value(c)
	if err != nil {
		return -1, nil, err
	}
	i, err := n.locate(c, l.lines, scope, idx, false)
	if err != nil || i < 0 || i >= len(l.lines) {
		return -1, nil, err
	}
	return i, l, nil
}

// sdpLineSetter writes $sdp.line / $sdp.session / $sdp.stream: replace
// the line, insert before it ([insert]) or after it ([insertAfter]),
// or delete it (= NULL).
func sdpLineSetter(scope sdpScope) setFunc {
	return func(c *api.Ctx, s *Spec, v api.Value) error {
		if !v.IsNull() && !v.IsStr() {
			return errf(s, "refusing to set an SDP line to a non-string value")
		}
		m := bodyMsgOf(c)
		if m == nil {
			return errf(s, "the message has no SDP body")
		}
		l, err := sdpLinesOf(c, m)
		if err != nil {
			return errf(s, err.Error())
		}
		n := sdpNameOf(s)
		idx, err := n.line.idx.value(c)
		if err != nil {
			return err
		}
		insert := s.Index.Kind == IdxWord
		if insert && strings.EqualFold(s.Index.Word, "insertAfter") {
			idx++
		}
		i, err := n.locate(c, l.lines, scope, idx, true)
		if err != nil {
			return err
		}
		if i < 0 {
			return errf(s, fmt.Sprintf("no SDP line to write at index %d", idx))
		}
		if n.token.set {
			return errf(s, "writing a single token is not supported")
		}
		lines := make([]string, 0, len(l.lines)+1)
		switch {
		case v.IsNull():
			if i == len(l.lines) {
				return errf(s, fmt.Sprintf("no SDP line %d to delete (the body has %d)", i, len(l.lines)))
			}
			lines = append(append(lines, l.lines[:i]...), l.lines[i+1:]...)
		default:
			// One trailing line break (\n, \r or \r\n) is dropped.
			val := strings.TrimSuffix(strings.TrimSuffix(v.S, "\n"), "\r")
			switch {
			case insert:
				if len(l.lines) >= sdpMaxLines {
					return errf(s, fmt.Sprintf("the SDP body already has %d lines", sdpMaxLines))
				}
				lines = append(append(append(lines, l.lines[:i]...), val), l.lines[i:]...)
			case i == len(l.lines):
				return errf(s, fmt.Sprintf("no SDP line %d to replace (the body has %d)", i, len(l.lines)))
			default:
				lines = append(append(append(lines, l.lines[:i]...), val), l.lines[i+1:]...)
			}
		}
		storeSDPLines(c, m, lines, l.sep)
		return nil
	}
}
