// Package siptest helps test code that handles SIP messages without
// sockets: build messages from readable text, record what would be sent.
package siptest

import (
	"fmt"
	"net/netip"
	"strings"
	"sync"

	"gosips/sip"
)

// Text turns a readable message ("\n" line ends, Content-Length optional)
// into wire format: CRLF line ends and a Content-Length matching the body.
func Text(s string) string {
	s = strings.ReplaceAll(s, "\r\n", "\n")
	head, body, _ := strings.Cut(s, "\n\n")
	var lines []string
	for _, l := range strings.Split(head, "\n") {
		name, _, _ := strings.Cut(l, ":")
		if h := sip.LookupHdr(strings.TrimSpace(name)); h == sip.HdrContentLength && strings.Contains(l, ":") {
			continue
		}
		lines = append(lines, l)
	}
	body = strings.ReplaceAll(body, "\n", "\r\n")
	lines = append(lines, fmt.Sprintf("Content-Length: %d", len(body)))
	return strings.Join(lines, "\r\n") + "\r\n\r\n" + body
}

// Parse builds a message with Text and parses it as received over proto
// from src ("ip:port"); it panics on malformed input, which is a bug in
// the test.
func Parse(s string, proto sip.Proto, src string) *sip.Msg {
	m, err := sip.ParseString(Text(s))
	if err != nil {
		panic(fmt.Sprintf("siptest: %v\n%s", err, s))
	}
	rcv := &sip.RecvInfo{Proto: proto}
	if src != "" {
		rcv.Src = netip.MustParseAddrPort(src)
	}
	m.SetRecv(rcv)
	return m
}

// Sent is one recorded message.
type Sent struct {
	Dest  sip.Dest
	Raw   []byte
	Msg   *sip.Msg // parsed Raw (nil if it does not parse)
	Reply bool     // sent with SendReply
}

// Recorder implements sip.Sender by recording. Socket is returned by
// PickSocket (a UDP 127.0.0.1:5060 socket when nil). Safe for concurrent
// use.
type Recorder struct {
	Socket *sip.Socket

	mu   sync.Mutex
	sent []Sent
}

var _ sip.Sender = (*Recorder)(nil)

// Send records b for d.
func (r *Recorder) Send(d sip.Dest, b []byte) error {
	r.record(d, b, false)
	return nil
}

// SendReply records reply for the destination sip.ReplyDest computes.
func (r *Recorder) SendReply(req *sip.Msg, reply []byte) error {
	d, err := sip.ReplyDest(req)
	if err != nil {
		return err
	}
	r.record(d, reply, true)
	return nil
}

// PickSocket returns r.Socket.
func (r *Recorder) PickSocket(sip.Dest) (*sip.Socket, error) {
	if r.Socket != nil {
		return r.Socket, nil
	}
	return &sip.Socket{Proto: sip.ProtoUDP, IP: "127.0.0.1", Port: 5060}, nil
}

func (r *Recorder) record(d sip.Dest, b []byte, reply bool) {
	raw := append([]byte(nil), b...)
	m, _ := sip.Parse(append([]byte(nil), b...))
	r.mu.Lock()
	r.sent = append(r.sent, Sent{Dest: d, Raw: raw, Msg: m, Reply: reply})
	r.mu.Unlock()
}

// Sent returns a copy of what was sent so far.
func (r *Recorder) Sent() []Sent {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]Sent(nil), r.sent...)
}

// Reset forgets what was sent.
func (r *Recorder) Reset() {
	r.mu.Lock()
	r.sent = nil
	r.mu.Unlock()
}
