package sl

import (
	"crypto/md5"
	"encoding/hex"
	"errors"
	"fmt"
	"hash/fnv"
	"sync"
	"unsafe"

	"gosips/api"
	"gosips/sip"
)

// tagPrefixLen is the length of the fixed part of our To-tags; a tag is
// the prefix, '-', and 8 hex digits derived from the request's top Via, so
// that a retransmission gets the same tag and the ACK to a negative reply
// can be recognised by its To-tag alone (OpenSIPS sl does the same).
const (
	tagPrefixLen = 32
	tagLen       = tagPrefixLen + 1 + 8
)

// errNoReplyToAck: ACKs are never answered.
var errNoReplyToAck = errors.New("no reply to an ACK")

// replyBuf is the scratch space of one reply; pooled so that a stateless
// reply costs no allocation.
type replyBuf struct {
	b    []byte
	tag  [tagLen]byte
	spec sip.ReplySpec
}

var bufPool = sync.Pool{New: func() any { return &replyBuf{b: make([]byte, 0, 1024)} }}

// newTagPrefix derives the fixed part of the To-tags from a signature, as
// OpenSIPS hashes its stateless signature.
func newTagPrefix() [tagPrefixLen]byte {
	sum := md5.Sum([]byte("gosips-stateless"))
	var p [tagPrefixLen]byte
	hex.Encode(p[:], sum[:])
	return p
}

// appendTag writes the To-tag for req into dst.
func (s *SL) appendTag(dst *[tagLen]byte, req *sip.Msg) {
	copy(dst[:], s.prefix[:])
	dst[tagPrefixLen] = '-'
	h := fnv.New32a()
	if v, err := req.TopVia(); err == nil {
		writeStr(h, v.Host)
		var port [2]byte
		port[0], port[1] = byte(v.Port>>8), byte(v.Port)
		_, _ = h.Write(port[:])
		writeStr(h, v.Branch)
	}
	sum := h.Sum32()
	const digits = "0123456789abcdef"
	for i := 0; i < 8; i++ {
		dst[tagPrefixLen+1+i] = digits[(sum>>(28-4*i))&0xf]
	}
}

// writeStr hashes s without converting it to a byte slice copy.
func writeStr(h interface{ Write([]byte) (int, error) }, s string) {
	if s != "" {
		_, _ = h.Write(unsafe.Slice(unsafe.StringData(s), len(s)))
	}
}

// ToTag returns the To-tag sl puts in its replies to req.
func (s *SL) ToTag(req *sip.Msg) string {
	var t [tagLen]byte
	s.appendTag(&t, req)
	return string(t[:])
}

// isOurTag reports whether tag is the To-tag this sl gives replies to
// req: the variable part covers the top Via's host, port and branch, so
// an ACK whose Via differs from its INVITE's is not ours (it goes on to
// the script, as in OpenSIPS).
func (s *SL) isOurTag(tag string, req *sip.Msg) bool {
	if len(tag) != tagLen || tag[:tagPrefixLen] != string(s.prefix[:]) {
		return false
	}
	var t [tagLen]byte
	s.appendTag(&t, req)
	return tag == string(t[:])
}

// request returns the request a reply answers.
func request(c *api.Ctx) *sip.Msg {
	if c.Req != nil {
		return c.Req
	}
	return c.Msg
}

// Reply sends a stateless reply to the request of c; extra holds header
// lines and body an optional body. The headers and body added by
// append_to_reply()/append_body_to_reply() are included.
func (s *SL) Reply(c *api.Ctx, code int, reason, extra, body string) error {
	req := request(c)
	if req == nil || !req.IsRequest() {
		return fmt.Errorf("sl: reply %d: no request to answer", code)
	}
	if req.MethodID() == sip.MethodAck {
		return fmt.Errorf("sl: reply %d: %w", code, errNoReplyToAck)
	}
	if code < 100 || code > 699 {
		return fmt.Errorf("sl: reply code %d out of range", code)
	}
	rb := bufPool.Get().(*replyBuf)
	defer bufPool.Put(rb)
	s.appendTag(&rb.tag, req)
	hdrs := extra
	if c.ReplyHeaders != "" {
		hdrs = c.ReplyHeaders + extra
	}
	// A redirect carries the destination set (OpenSIPS sl_send_reply).
	if code >= 300 && code < 400 {
		if ds := c.DestSet(req); ds != "" {
			hdrs += ds + "\r\n"
		}
	}
	if body == "" {
		body = c.ReplyBody
	}
	rb.spec = sip.ReplySpec{Code: code, Reason: reason, Headers: hdrs, Body: body,
		ToTag: unsafe.String(&rb.tag[0], tagLen)}
	if c.Core != nil {
		rb.spec.Server = c.Core.ServerHeader()
	}
	rb.b = sip.AppendReply(rb.b[:0], req, &rb.spec)
	rb.spec = sip.ReplySpec{}
	if c.Core == nil {
		return fmt.Errorf("sl: reply %d: no transport", code)
	}
	if err := c.Core.SendReply(req, rb.b); err != nil {
		return fmt.Errorf("sl: sending %d: %w", code, err)
	}
	s.count(code)
	return nil
}

// FilterRequest absorbs the ACKs of our own stateless negative replies:
// an ACK whose To-tag is the one sl made for its top Via.
func (s *SL) FilterRequest(c *api.Ctx) bool {
	m := c.Msg
	if m == nil || m.MethodID() != sip.MethodAck {
		return true
	}
	if s.isOurTag(m.ToTag(), m) {
		s.stats.receivedACKs.Add(1)
		return false
	}
	return true
}

var (
	_ api.Replier       = (*SL)(nil)
	_ api.RequestFilter = (*SL)(nil)
)
