// Package coretest provides a fake api.Core and message helpers for module
// tests: sends are recorded instead of going to sockets.
package coretest

import (
	"context"
	"fmt"
	"log/slog"
	"net/netip"
	"strings"
	"sync"
	"testing"

	"gosips/api"
	"gosips/sip"
)

// Sent is one message handed to Core.Send or Core.SendReply.
type Sent struct {
	Dest  sip.Dest
	Bytes []byte
	Reply bool // through SendReply
}

// Core is a fake api.Core. Its zero value works; fields tune it.
type Core struct {
	mu   sync.Mutex
	sent []Sent

	// Sockets are the listening sockets (OutSocket, FindSocket, IsMyself).
	Sockets []*sip.Socket
	// Aliases are extra host names IsMyself accepts (any port).
	Aliases []string
	// Mods are the loaded modules Module returns.
	Mods map[string]api.Module
	// Server is the ServerHeader value.
	Server string
	// SendErr, when set, makes Send and SendReply fail.
	SendErr error
	// Routes answers RunRoute; nil means no route exists.
	Routes func(c *api.Ctx, kind api.RouteType, name string) (api.Ret, bool)
	// Flags name message flag bits (MsgFlagName); BFlags branch flags.
	Flags, BFlags []string
}

// New returns a fake core with one UDP socket on 10.0.0.1:5060.
func New() *Core {
	return &Core{
		Sockets: []*sip.Socket{{Proto: sip.ProtoUDP, IP: "10.0.0.1", Port: 5060}},
		Server:  "OpenSIPS (gosips test)",
		Mods:    map[string]api.Module{},
	}
}

// Sent returns the messages sent so far.
func (c *Core) Sent() []Sent {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]Sent(nil), c.sent...)
}

// Last returns the text of the last message sent ("" when none).
func (c *Core) Last() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.sent) == 0 {
		return ""
	}
	return string(c.sent[len(c.sent)-1].Bytes)
}

// Reset forgets the recorded messages.
func (c *Core) Reset() {
	c.mu.Lock()
	c.sent = nil
	c.mu.Unlock()
}

func (c *Core) record(s Sent) error {
	if c.SendErr != nil {
		return c.SendErr
	}
	s.Bytes = append([]byte(nil), s.Bytes...)
	c.mu.Lock()
	c.sent = append(c.sent, s)
	c.mu.Unlock()
	return nil
}

// Send implements api.Core.
func (c *Core) Send(dst sip.Dest, b []byte) error { return c.record(Sent{Dest: dst, Bytes: b}) }

// Resolve implements api.Core for numeric hosts only.
func (c *Core) Resolve(ctx context.Context, uri string, forced *sip.Socket) (sip.Dest, error) {
	u, err := sip.ParseURI(uri)
	if err != nil {
		return sip.Dest{}, err
	}
	t, err := sip.TargetOf(&u)
	if err != nil {
		return sip.Dest{}, err
	}
	a, err := netip.ParseAddr(t.Host)
	if err != nil {
		return sip.Dest{}, fmt.Errorf("resolve %s: not an ip address in tests", t.Host)
	}
	port := t.Port
	if port == 0 {
		port = t.Proto.DefaultPort()
	}
	return sip.Dest{Proto: t.Proto, Addr: netip.AddrPortFrom(a, uint16(port)), Socket: forced}, nil
}

// SendReply implements api.Core.
func (c *Core) SendReply(req *sip.Msg, reply []byte) error {
	d, _ := sip.ReplyDest(req)
	return c.record(Sent{Dest: d, Bytes: reply, Reply: true})
}

// OutSocket implements api.Core: the forced socket, else the first one of
// the destination's protocol.
func (c *Core) OutSocket(d sip.Dest) *sip.Socket {
	if d.Socket != nil {
		return d.Socket
	}
	p := d.Proto
	if p == sip.ProtoNone {
		p = sip.ProtoUDP
	}
	for _, s := range c.Sockets {
		if s.Proto == p {
			return s
		}
	}
	return nil
}

// FindSocket finds a socket by protocol, address and port (0 = any).
func (c *Core) FindSocket(proto sip.Proto, host string, port int) *sip.Socket {
	host = strings.Trim(host, "[]")
	for _, s := range c.Sockets {
		if s.Proto == proto && (port == 0 || s.Port == port) && (s.IP == host || s.AdvHost == host) {
			return s
		}
	}
	return nil
}

// IsMyself implements api.Core.
func (c *Core) IsMyself(host string, port int) bool {
	host = strings.Trim(host, "[]")
	for _, s := range c.Sockets {
		if (port == 0 || port == s.Port || port == s.AdvPort) && (strings.EqualFold(host, s.IP) || strings.EqualFold(host, s.AdvHost)) {
			return true
		}
	}
	for _, a := range c.Aliases {
		if strings.EqualFold(a, host) {
			return true
		}
	}
	return false
}

// RunRoute implements api.Core.
func (c *Core) RunRoute(ctx *api.Ctx, kind api.RouteType, name string) (api.Ret, bool) {
	if c.Routes == nil {
		return 0, false
	}
	return c.Routes(ctx, kind, name)
}

// NewCtx implements api.Core.
func (c *Core) NewCtx(ctx context.Context, kind api.RouteType, msg *sip.Msg) *api.Ctx {
	x := NewCtx(c, msg)
	x.RouteType = kind
	if ctx != nil {
		x.Context = ctx
	}
	return x
}

// ReleaseCtx implements api.Core.
func (c *Core) ReleaseCtx(*api.Ctx) {}

// MsgFlagName implements api.Core.
func (c *Core) MsgFlagName(bit int) string { return name(c.Flags, bit) }

// BranchFlagName implements api.Core.
func (c *Core) BranchFlagName(bit int) string { return name(c.BFlags, bit) }

func name(list []string, bit int) string {
	if bit >= 0 && bit < len(list) {
		return list[bit]
	}
	return ""
}

// Module implements api.Core.
func (c *Core) Module(name string) api.Module {
	if m, ok := c.Mods[name]; ok {
		return m
	}
	return nil
}

// ServerHeader implements api.Core.
func (c *Core) ServerHeader() string { return c.Server }

var _ api.Core = (*Core)(nil)

// NewCtx makes a request-route context for msg (nil allowed) with a
// discarding logger.
func NewCtx(core api.Core, msg *sip.Msg) *api.Ctx {
	return &api.Ctx{
		Context:   context.Background(),
		RouteType: api.RequestRoute,
		Log:       slog.New(slog.DiscardHandler),
		Core:      core,
		Msg:       msg,
		Req:       msg,
		RURIQ:     -1,
	}
}

// Src is the source address Msg gives received messages.
var Src = netip.MustParseAddrPort("192.0.2.10:5062")

// Msg parses text as a message received over UDP from Src; bare LF line
// ends are turned into CRLF.
func Msg(t testing.TB, text string) *sip.Msg {
	t.Helper()
	m, err := ParseMsg(text)
	if err != nil {
		t.Fatalf("parse: %v", err)
	}
	return m
}

// ParseMsg is Msg without a testing.TB (for benchmarks and examples).
func ParseMsg(text string) (*sip.Msg, error) {
	text = strings.ReplaceAll(strings.ReplaceAll(text, "\r\n", "\n"), "\n", "\r\n")
	m, err := sip.ParseString(text)
	if err != nil {
		return nil, err
	}
	sock := &sip.Socket{Proto: sip.ProtoUDP, IP: "10.0.0.1", Port: 5060}
	m.SetRecv(&sip.RecvInfo{Proto: sip.ProtoUDP, Src: Src,
		Local: netip.MustParseAddrPort("10.0.0.1:5060"), Socket: sock})
	return m, nil
}

// Invite is a typical INVITE from 192.0.2.10 to the proxy at 10.0.0.1.
const Invite = `INVITE sip:bob@example.com SIP/2.0
Via: SIP/2.0/UDP 192.0.2.10:5062;branch=z9hG4bK776asdhds;rport
Max-Forwards: 70
To: Bob <sip:bob@example.com>
From: Alice <sip:alice@example.org>;tag=1928301774
Call-ID: a84b4c76e66710@pc33.example.org
CSeq: 314159 INVITE
Contact: <sip:alice@192.0.2.10:5062>
Content-Type: application/sdp
Content-Length: 4

v=0
`

// Options is an out-of-dialog OPTIONS without a body.
const Options = `OPTIONS sip:10.0.0.1 SIP/2.0
Via: SIP/2.0/UDP 192.0.2.10:5062;branch=z9hG4bKopt1
Max-Forwards: 70
To: <sip:10.0.0.1>
From: <sip:alice@example.org>;tag=abc
Call-ID: opt-1@192.0.2.10
CSeq: 1 OPTIONS
Content-Length: 0

`
