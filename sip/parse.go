package sip

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// Parse errors. ParseError wraps them with the offset where parsing stopped.
var (
	ErrEmpty      = errors.New("empty message")
	ErrFirstLine  = errors.New("malformed first line")
	ErrHeader     = errors.New("malformed header")
	ErrNoEnd      = errors.New("headers not terminated by an empty line")
	ErrTruncated  = errors.New("body shorter than content-length")
	ErrMissingHdr = errors.New("missing mandatory header")
	ErrTooLarge   = errors.New("message too large")
	ErrBadCSeq    = errors.New("malformed cseq")
	ErrBadCL      = errors.New("malformed content-length")
	ErrBadVersion = errors.New("unsupported sip version")
	ErrBadStatus  = errors.New("malformed status code")
	ErrCSeqMethod = errors.New("cseq method does not match request method")
	ErrNotRequest = errors.New("not a request")
	ErrNoVia      = errors.New("no via header")
)

// ParseError reports where and why a message could not be parsed.
type ParseError struct {
	Offset int
	Err    error
}

func (e *ParseError) Error() string { return fmt.Sprintf("sip: offset %d: %v", e.Offset, e.Err) }
func (e *ParseError) Unwrap() error { return e.Err }

// MaxMessageSize bounds a message (headers and body) accepted by Parse.
const MaxMessageSize = 65535

// Parse parses one complete datagram-style message. It keeps b (callers must
// not reuse it). On error the returned Msg is non-nil when the first line
// and some headers were understood, so that a 400 reply can still be built
// (check CanReply).
func Parse(b []byte) (*Msg, error) {
	m := &Msg{}
	if err := m.parse(b, true); err != nil {
		if m.hdrEnd == 0 && len(m.hdrs) == 0 && m.method == "" && m.status == 0 {
			return nil, err
		}
		return m, err
	}
	return m, nil
}

// ParseString is Parse on a string (for tests and generated messages).
func ParseString(s string) (*Msg, error) { return Parse([]byte(s)) }

// CanReply reports whether enough of a (possibly malformed) request was
// parsed to answer it statelessly: a request (not an ACK) with a Via. The
// reply copies whatever From, To, Call-ID and CSeq there are; it goes to
// the source address when the top Via does not parse (see ReplyDest).
func (m *Msg) CanReply() bool {
	if m == nil || !m.isReq || m.methodID == MethodAck || m.method == "" {
		return false
	}
	return m.find(HdrVia, "") >= 0
}

func (m *Msg) parse(b []byte, datagram bool) error {
	err := m.parseText(b, datagram)
	if err != nil && m.hdrEnd < m.hdrStart {
		// Keep a partial message consistent: its headers end after the
		// last one understood, and it has no body.
		m.hdrEnd = m.hdrStart
		if n := len(m.hdrs); n > 0 {
			m.hdrEnd = int(m.hdrs[n-1].end)
		}
		m.bodyStart, m.bodyEnd = m.hdrEnd, m.hdrEnd
	}
	return err
}

func (m *Msg) parseText(b []byte, datagram bool) error {
	m.raw = b
	m.s = bytesToString(b)
	m.hdrs = m.hdrArr[:0]
	m.first = [hdrCount]uint8{}
	m.cache = msgCache{}
	m.parseErr = nil
	if len(b) > MaxMessageSize {
		return &ParseError{0, ErrTooLarge}
	}
	s := m.s
	// RFC 3261 §7.5: ignore CRLFs before the start line.
	i := 0
	for i < len(s) && (s[i] == '\r' || s[i] == '\n') {
		i++
	}
	if i == len(s) {
		return &ParseError{i, ErrEmpty}
	}
	m.start = i
	lineEnd, next := lineAt(s, i)
	if lineEnd < 0 {
		return &ParseError{i, ErrNoEnd}
	}
	// A request line that is wrong past the method (spaces in the URI, a
	// bad version) still lets the headers be read, so that the request can
	// be answered (400, or 505 for the version); the error is returned
	// once they are.
	lineErr := m.parseFirstLine(s, i, lineEnd)
	if lineErr != nil && (!m.isReq || m.method == "") {
		return lineErr
	}
	m.hdrStart = next
	pos := next
	for {
		if pos >= len(s) {
			m.hdrEnd = pos
			return &ParseError{pos, ErrNoEnd}
		}
		if s[pos] == '\n' || (s[pos] == '\r' && pos+1 < len(s) && s[pos+1] == '\n') {
			m.hdrEnd = pos
			if s[pos] == '\r' {
				pos++
			}
			pos++
			break
		}
		end, err := m.parseHeader(s, pos)
		if err != nil {
			if lineErr != nil {
				return lineErr
			}
			return err
		}
		pos = end
	}
	if lineErr != nil {
		return lineErr
	}
	m.bodyStart = pos
	m.bodyEnd = len(s)
	if i := m.find(HdrContentLength, ""); i >= 0 {
		n, ok := atoiSpan(m.value(i))
		if !ok {
			return &ParseError{int(m.hdrs[i].vstart), ErrBadCL}
		}
		// Several Content-Length values cannot frame one body (RFC 4475
		// §3.1.2.11).
		for j := i + 1; j < len(m.hdrs); j++ {
			if h := &m.hdrs[j]; h.typ == HdrContentLength {
				if n2, ok := atoiSpan(m.value(j)); !ok || n2 != n {
					return &ParseError{int(h.vstart), fmt.Errorf("%w: conflicting values", ErrBadCL)}
				}
			}
		}
		if m.bodyStart+n > len(s) {
			return &ParseError{len(s), ErrTruncated}
		}
		// RFC 3261 §18.3: octets beyond Content-Length are discarded.
		m.bodyEnd = m.bodyStart + n
	} else if !datagram && pos < len(s) {
		return &ParseError{m.hdrEnd, fmt.Errorf("%w: no content-length on a stream", ErrMissingHdr)}
	}
	return m.checkMandatory(m.find(HdrVia, "") < 0 && m.noViaOK)
}

// checkMandatory verifies the headers every message needs (RFC 3261 §8.1.1)
// and that CSeq is well formed.
func (m *Msg) checkMandatory(skipVia bool) error {
	for _, t := range [...]Hdr{HdrVia, HdrFrom, HdrTo, HdrCallID, HdrCSeq} {
		if m.find(t, "") < 0 && !(t == HdrVia && skipVia) {
			return &ParseError{m.hdrEnd, fmt.Errorf("%w: %s", ErrMissingHdr, t)}
		}
	}
	_, meth, err := m.CSeq()
	at := int(m.hdrs[m.find(HdrCSeq, "")].vstart)
	if err != nil {
		return &ParseError{at, err}
	}
	if m.isReq && meth != m.method {
		return &ParseError{at, ErrCSeqMethod}
	}
	return nil
}

// lineAt returns the end of the line starting at i (excluding CR LF) and the
// offset of the next line; end is -1 when there is no terminator. A bare LF
// is accepted as a terminator.
func lineAt(s string, i int) (end, next int) {
	k := strings.IndexByte(s[i:], '\n')
	if k < 0 {
		return -1, len(s)
	}
	j := i + k
	if k > 0 && s[j-1] == '\r' {
		return j - 1, j + 1
	}
	return j, j + 1
}

func (m *Msg) parseFirstLine(s string, start, end int) error {
	line := s[start:end]
	sp1 := indexByte(line, ' ')
	if sp1 <= 0 {
		return &ParseError{start, ErrFirstLine}
	}
	if len(line) > 8 && line[:8] == "SIP/2.0 " {
		// Status line: SIP-Version SP Status-Code SP Reason-Phrase.
		m.version = line[:7]
		rest := line[8:]
		if len(rest) < 3 {
			return &ParseError{start + 8, ErrBadStatus}
		}
		code, ok := atoiSpan(rest[:3])
		if !ok || code < 100 || code > 699 || (len(rest) > 3 && rest[3] != ' ') {
			return &ParseError{start + 8, ErrBadStatus}
		}
		m.status = code
		if len(rest) > 4 {
			m.reason = rest[4:]
		}
		return nil
	}
	rest := line[sp1+1:]
	if !isToken(line[:sp1]) {
		return &ParseError{start, fmt.Errorf("%w: bad method", ErrFirstLine)}
	}
	if strings.HasPrefix(line, "SIP/") {
		return &ParseError{start, ErrBadStatus}
	}
	m.isReq = true
	m.method = line[:sp1]
	m.methodID = exactMethod(m.method)
	sp2 := lastIndexByte(rest, ' ')
	if sp2 <= 0 {
		return &ParseError{start + sp1 + 1, ErrFirstLine}
	}
	// Methods are case-sensitive (RFC 3261 §7.1): "invite" is an
	// extension method.
	m.methodID = exactMethod(m.method)
	m.ruri = rest[:sp2]
	m.ruriPos = [2]int{start + sp1 + 1, start + sp1 + 1 + sp2}
	m.version = rest[sp2+1:]
	if len(m.ruri) == 0 || indexByte(m.ruri, ' ') >= 0 {
		return &ParseError{m.ruriPos[0], fmt.Errorf("%w: bad request-uri", ErrFirstLine)}
	}
	if !eqFoldASCII(m.version, "SIP/2.0") {
		return &ParseError{start + sp1 + 1 + sp2 + 1, ErrBadVersion}
	}
	return nil
}

// parseHeader parses the header line at pos (with continuation lines) and
// returns the offset of the next line.
func (m *Msg) parseHeader(s string, pos int) (int, error) {
	// Name: token, optional whitespace, colon.
	j := pos
	for j < len(s) && isTokenChar(s[j]) {
		j++
	}
	nameEnd := j
	for j < len(s) && (s[j] == ' ' || s[j] == '\t') {
		j++
	}
	if nameEnd == pos || j >= len(s) || s[j] != ':' {
		return 0, &ParseError{pos, ErrHeader}
	}
	j++
	// Find the end of the value, following continuation lines.
	end := j
	next := j
	for {
		e, n := lineAt(s, next)
		if e < 0 {
			return 0, &ParseError{next, ErrNoEnd}
		}
		end, next = e, n
		if next < len(s) && (s[next] == ' ' || s[next] == '\t') {
			continue
		}
		break
	}
	vs, ve := trimSpan(s, j, end)
	t := LookupHdr(s[pos:nameEnd])
	if t != HdrOther && m.first[t] == 0 {
		m.first[t] = uint8(min(len(m.hdrs)+1, 255))
	}
	m.hdrs = append(m.hdrs, hdr{
		start:   int32(pos),
		end:     int32(next),
		nameEnd: int32(nameEnd),
		vstart:  int32(vs),
		vend:    int32(ve),
		typ:     t,
	})
	return next, nil
}

func trimSpan(s string, i, j int) (int, int) {
	for i < j && isLWS(s[i]) {
		i++
	}
	for j > i && isLWS(s[j-1]) {
		j--
	}
	return i, j
}

func isLWS(c byte) bool { return c == ' ' || c == '\t' || c == '\r' || c == '\n' }

// tokenChars marks RFC 3261 "token" characters.
var tokenChars = func() (t [256]bool) {
	for c := 'a'; c <= 'z'; c++ {
		t[c] = true
		t[c-'a'+'A'] = true
	}
	for c := '0'; c <= '9'; c++ {
		t[c] = true
	}
	for _, c := range "-.!%*_+`'~" {
		t[c] = true
	}
	return t
}()

func isTokenChar(c byte) bool { return tokenChars[c] }

func isToken(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !tokenChars[s[i]] {
			return false
		}
	}
	return true
}

func indexByte(s string, c byte) int {
	for i := 0; i < len(s); i++ {
		if s[i] == c {
			return i
		}
	}
	return -1
}

func lastIndexByte(s string, c byte) int {
	for i := len(s) - 1; i >= 0; i-- {
		if s[i] == c {
			return i
		}
	}
	return -1
}

func eqFoldASCII(a, b string) bool {
	if len(a) != len(b) {
		return false
	}
	if a == b {
		return true
	}
	for i := 0; i < len(a); i++ {
		x, y := a[i], b[i]
		if x == y {
			continue
		}
		// Only letters fold: other bytes differing in bit 0x20 ('\r' and
		// '-') must not compare equal.
		if x|0x20 != y|0x20 || x|0x20 < 'a' || x|0x20 > 'z' {
			return false
		}
	}
	return true
}

// atoiSpan parses a non-negative decimal integer (at most 9 digits, so that
// it cannot overflow), ignoring surrounding whitespace.
func atoiSpan(s string) (int, bool) {
	i, j := trimSpan(s, 0, len(s))
	s = s[i:j]
	if s == "" || len(s) > 9 {
		if len(s) > 9 {
			if n, err := strconv.ParseUint(s, 10, 31); err == nil {
				return int(n), true
			}
		}
		return 0, false
	}
	n := 0
	for k := 0; k < len(s); k++ {
		c := s[k]
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int(c-'0')
	}
	return n, true
}
