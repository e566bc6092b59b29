// Package sdp locates the fields of an SDP body (RFC 4566) that media
// relays and NAT helpers rewrite: origin and connection addresses and the
// media ports. It records byte ranges so callers can edit the body in
// place and leave every other byte as it was.
package sdp

import (
	"errors"
	"fmt"
	"net/netip"
	"sort"
	"strconv"
	"strings"
)

// Field is a byte range of the body and its text.
type Field struct {
	Start, End int
	Value      string
}

// Addr is the address of a c= or o= line.
type Addr struct {
	Field
	// Family is "IP4" or "IP6" as written; FamStart is its offset.
	Family   string
	FamStart int
	// Line is 'c' or 'o'.
	Line byte
	// Media is the index of the m= section the line belongs to, -1 for
	// the session level.
	Media int
}

// IsNull reports whether the address is the null address (0.0.0.0, ::).
func (a *Addr) IsNull() bool {
	ip, err := netip.ParseAddr(a.Value)
	return err == nil && ip.IsUnspecified()
}

// Media is one m= section.
type Media struct {
	Type  string // audio, video...
	Port  Field
	Proto string // RTP/AVP...
	// Conn is the section's own c= line, nil when it inherits the
	// session's.
	Conn *Addr
	// Start and End delimit the section (from its m= line to the next
	// m= line or the end of the body).
	Start, End int
	// Attrs are the a= lines of the section, without "a=".
	Attrs []string
}

// Session is a parsed body.
type Session struct {
	Body   string
	Origin *Addr
	// Conn is the session-level c= line, if any.
	Conn  *Addr
	Media []Media
	// Attrs are the session-level a= lines.
	Attrs []string
}

// ErrNotSDP reports a body that is not an SDP session description.
var ErrNotSDP = errors.New("not an SDP body")

// Parse locates the fields of body. It fails on a body that does not
// start with v=, on malformed c=, o= and m= lines, and on media ports
// that are not numbers.
func Parse(body string) (*Session, error) {
	s := &Session{Body: body}
	if !strings.HasPrefix(body, "v=") {
		return nil, ErrNotSDP
	}
	media := -1
	for off := 0; off < len(body); {
		end := strings.IndexByte(body[off:], '\n')
		next := len(body)
		if end >= 0 {
			next = off + end + 1
			end = off + end
		} else {
			end = len(body)
		}
		line := body[off:end]
		line = strings.TrimSuffix(line, "\r")
		if len(line) >= 2 && line[1] == '=' {
			switch line[0] {
			case 'o':
				a, err := parseAddrLine(line, off, 'o', media)
				if err != nil {
					return nil, err
				}
				s.Origin = a
			case 'c':
				a, err := parseAddrLine(line, off, 'c', media)
				if err != nil {
					return nil, err
				}
				if media < 0 {
					s.Conn = a
				} else {
					s.Media[media].Conn = a
				}
			case 'm':
				m, err := parseMedia(line, off)
				if err != nil {
					return nil, err
				}
				if media >= 0 {
					s.Media[media].End = off
				}
				s.Media = append(s.Media, m)
				media++
			case 'a':
				if media < 0 {
					s.Attrs = append(s.Attrs, line[2:])
				} else {
					s.Media[media].Attrs = append(s.Media[media].Attrs, line[2:])
				}
			}
		} else if strings.TrimSpace(line) != "" {
			return nil, fmt.Errorf("sdp: malformed line %q", clip(line))
		}
		off = next
	}
	if media >= 0 {
		s.Media[media].End = len(body)
	}
	return s, nil
}

func clip(s string) string {
	if len(s) > 40 {
		return s[:40] + "..."
	}
	return s
}

// fields splits a line value into space-separated fields with offsets.
func fields(line string, base int) []Field {
	var out []Field
	for i := 0; i < len(line); {
		for i < len(line) && line[i] == ' ' {
			i++
		}
		j := i
		for j < len(line) && line[j] != ' ' {
			j++
		}
		if j > i {
			out = append(out, Field{Start: base + i, End: base + j, Value: line[i:j]})
		}
		i = j
	}
	return out
}

// parseAddrLine reads "c=IN IP4 addr[/ttl]" or "o=u id ver IN IP4 addr".
func parseAddrLine(line string, off int, kind byte, media int) (*Addr, error) {
	f := fields(line[2:], off+2)
	i := 0
	if kind == 'o' {
		i = 3
	}
	if len(f) < i+3 || f[i].Value != "IN" {
		return nil, fmt.Errorf("sdp: malformed %c= line %q", kind, clip(line))
	}
	fam, addr := f[i+1], f[i+2]
	if fam.Value != "IP4" && fam.Value != "IP6" {
		return nil, fmt.Errorf("sdp: unknown address type %q in %c= line", fam.Value, kind)
	}
	// c=IN IP4 224.2.1.1/127: the address ends at the slash.
	if k := strings.IndexByte(addr.Value, '/'); k >= 0 {
		addr.Value = addr.Value[:k]
		addr.End = addr.Start + k
	}
	if addr.Value == "" {
		return nil, fmt.Errorf("sdp: empty address in %c= line", kind)
	}
	return &Addr{Field: addr, Family: fam.Value, FamStart: fam.Start, Line: kind, Media: media}, nil
}

func parseMedia(line string, off int) (Media, error) {
	f := fields(line[2:], off+2)
	if len(f) < 3 {
		return Media{}, fmt.Errorf("sdp: malformed m= line %q", clip(line))
	}
	port := f[1]
	if k := strings.IndexByte(port.Value, '/'); k >= 0 { // m=audio 49170/2 RTP/AVP
		port.Value = port.Value[:k]
		port.End = port.Start + k
	}
	if n, err := strconv.Atoi(port.Value); err != nil || n < 0 || n > 65535 {
		return Media{}, fmt.Errorf("sdp: bad media port %q", port.Value)
	}
	return Media{Type: f[0].Value, Port: port, Proto: f[2].Value, Start: off}, nil
}

// PortNum returns the media port as a number.
func (m *Media) PortNum() int { n, _ := strconv.Atoi(m.Port.Value); return n }

// ConnFor returns the connection address that applies to media i: its
// own c= line or the session's.
func (s *Session) ConnFor(i int) *Addr {
	if i >= 0 && i < len(s.Media) && s.Media[i].Conn != nil {
		return s.Media[i].Conn
	}
	return s.Conn
}

// Conns lists every c= line, session level first.
func (s *Session) Conns() []*Addr {
	var out []*Addr
	if s.Conn != nil {
		out = append(out, s.Conn)
	}
	for i := range s.Media {
		if s.Media[i].Conn != nil {
			out = append(out, s.Media[i].Conn)
		}
	}
	return out
}

// Edit replaces Body[Start:End] by Text (Start == End inserts).
type Edit struct {
	Start, End int
	Text       string
}

// Apply returns body with the edits applied. Edits must not overlap;
// insertions at the same offset keep their order.
func Apply(body string, edits []Edit) string {
	sort.SliceStable(edits, func(i, j int) bool { return edits[i].Start < edits[j].Start })
	var b strings.Builder
	b.Grow(len(body) + 64)
	pos := 0
	for _, e := range edits {
		if e.Start < pos {
			continue // overlapping edit: keep the first
		}
		b.WriteString(body[pos:e.Start])
		b.WriteString(e.Text)
		pos = e.End
	}
	b.WriteString(body[pos:])
	return b.String()
}

// TrimEnd returns the offset where trailing CR/LF characters begin, the
// place where lines are appended (before the final line break).
func TrimEnd(body string) int {
	n := len(body)
	for n > 0 && (body[n-1] == '\n' || body[n-1] == '\r') {
		n--
	}
	return n
}

// Check reports whether body is an SDP session description a SIP server
// can work with, as OpenSIPS' parser demands: up to two leading line
// breaks, then v=, an o= line, at least one m= line, and a c= line for
// every media (its own or the session's).
func Check(body string) error {
	for i := 0; i < 2 && body != "" && (body[0] == '\r' || body[0] == '\n'); i++ {
		body = body[1:]
	}
	s, err := Parse(body)
	if err != nil {
		return err
	}
	switch {
	case s.Origin == nil:
		return errors.New("sdp: no o= line")
	case len(s.Media) == 0:
		return errors.New("sdp: no m= line")
	}
	for i := range s.Media {
		if s.ConnFor(i) == nil {
			return fmt.Errorf("sdp: no c= line for media %d", i)
		}
	}
	return nil
}
