package tm

import (
	"context"
	"errors"
	"net/netip"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"gosips/api"
	"gosips/sip"
)

// fakeCore is an api.Core without sockets: sent messages are recorded,
// routes are Go callbacks keyed "block/name" (failure_route/next).
type fakeCore struct {
	mu     sync.Mutex
	out    []sent
	routes map[string]func(c *api.Ctx) api.Ret
	sock   sip.Socket
	failTo string // Send fails for this address
	mods   map[string]api.Module
}

type sent struct {
	dst sip.Dest
	msg *sip.Msg
}

// fakePriv stands for the runtime's thread: it records drop.
type fakePriv struct{ drop bool }

func (p *fakePriv) Dropped() bool { return p.drop }

func newCore() *fakeCore {
	return &fakeCore{routes: map[string]func(*api.Ctx) api.Ret{},
		sock: sip.Socket{Proto: sip.ProtoUDP, IP: "203.0.113.1", Port: 5060}}
}

func (f *fakeCore) Send(d sip.Dest, b []byte) error {
	if f.failTo != "" && d.Addr.String() == f.failTo {
		return errors.New("send failed")
	}
	m, err := sip.Parse(append([]byte(nil), b...))
	if err != nil {
		return err
	}
	f.mu.Lock()
	f.out = append(f.out, sent{d, m})
	f.mu.Unlock()
	return nil
}

func (f *fakeCore) Resolve(_ context.Context, uri string, forced *sip.Socket) (sip.Dest, error) {
	u, err := sip.ParseURI(uri)
	if err != nil {
		return sip.Dest{}, err
	}
	tg, err := sip.TargetOf(&u)
	if err != nil {
		return sip.Dest{}, err
	}
	a, err := netip.ParseAddr(tg.Host)
	if err != nil {
		return sip.Dest{}, err
	}
	port := tg.Port
	if port == 0 {
		port = 5060
	}
	return sip.Dest{Proto: tg.Proto, Addr: netip.AddrPortFrom(a, uint16(port)), Socket: forced}, nil
}

func (f *fakeCore) SendReply(req *sip.Msg, b []byte) error {
	d, err := sip.ReplyDest(req)
	if err != nil {
		return err
	}
	return f.Send(d, b)
}

func (f *fakeCore) OutSocket(d sip.Dest) *sip.Socket {
	if d.Socket != nil {
		return d.Socket
	}
	return &f.sock
}

func (f *fakeCore) IsMyself(string, int) bool { return false }

func (f *fakeCore) RunRoute(c *api.Ctx, kind api.RouteType, name string) (api.Ret, bool) {
	fn := f.routes[kind.BlockName()+"/"+name]
	if fn == nil {
		return 0, false
	}
	p := c.Priv.(*fakePriv)
	p.drop = false
	saved := c.RouteType
	c.RouteType = kind
	defer func() { c.RouteType = saved }()
	return fn(c), true
}

func (f *fakeCore) NewCtx(ctx context.Context, kind api.RouteType, msg *sip.Msg) *api.Ctx {
	return &api.Ctx{Context: ctx, RouteType: kind, Core: f, Msg: msg, Priv: &fakePriv{}, RURIQ: -1}
}

func (f *fakeCore) ReleaseCtx(*api.Ctx)                           {}
func (f *fakeCore) MsgFlagName(int) string                        { return "" }
func (f *fakeCore) BranchFlagName(int) string                     { return "" }
func (f *fakeCore) Module(n string) api.Module                    { return f.mods[n] }
func (f *fakeCore) ServerHeader() string                          { return "gosips-test" }
func (f *fakeCore) route(key string, fn func(c *api.Ctx) api.Ret) { f.routes[key] = fn }

// take returns and forgets what was sent so far.
func (f *fakeCore) take() []sent {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := f.out
	f.out = nil
	return out
}

// waitFor polls until pred holds on everything sent since the last take,
// then returns it.
func (f *fakeCore) waitFor(t *testing.T, what string, pred func([]sent) bool) []sent {
	t.Helper()
	deadline := time.Now().Add(3 * time.Second)
	for time.Now().Before(deadline) {
		f.mu.Lock()
		ok := pred(f.out)
		f.mu.Unlock()
		if ok {
			return f.take()
		}
		time.Sleep(2 * time.Millisecond)
	}
	t.Fatalf("timed out waiting for %s; sent: %v", what, summary(f.take()))
	return nil
}

// summary lists the first lines of sent messages.
func summary(out []sent) []string {
	var s []string
	for _, o := range out {
		s = append(s, o.msg.FirstLine()+" -> "+o.dst.Addr.String())
	}
	return s
}

// count counts sent messages whose first line starts with prefix.
func count(out []sent, prefix string) int {
	n := 0
	for _, o := range out {
		if strings.HasPrefix(o.msg.FirstLine(), prefix) {
			n++
		}
	}
	return n
}

// find returns the first sent message whose first line starts with prefix.
func find(t *testing.T, out []sent, prefix string) sent {
	t.Helper()
	for _, o := range out {
		if strings.HasPrefix(o.msg.FirstLine(), prefix) {
			return o
		}
	}
	t.Fatalf("no %q among %v", prefix, summary(out))
	return sent{}
}

const uacAddr = "192.0.2.1:5060"

// request parses a request as received from the UAC over UDP.
func request(t testing.TB, lines ...string) *sip.Msg {
	t.Helper()
	m, err := sip.ParseString(strings.Join(lines, "\r\n") + "\r\n\r\n")
	if err != nil {
		t.Fatal(err)
	}
	m.SetRecv(&sip.RecvInfo{Proto: sip.ProtoUDP, Src: netip.MustParseAddrPort(uacAddr)})
	return m
}

func invite(t testing.TB, branch string) *sip.Msg {
	return request(t,
		"INVITE sip:bob@198.51.100.2:5070 SIP/2.0",
		"Via: SIP/2.0/UDP 192.0.2.1:5060;branch="+branch,
		"Max-Forwards: 70",
		"Record-Route: <sip:rr.example.org;lr>",
		"From: <sip:alice@example.org>;tag=a1",
		"To: <sip:bob@example.org>",
		"Call-ID: call-1@192.0.2.1",
		"CSeq: 1 INVITE",
		"Contact: <sip:alice@192.0.2.1>",
		"Content-Length: 0")
}

// hopRequest is an ACK or CANCEL of the INVITE above, with its Via.
func hopRequest(t testing.TB, method, branch, toTag string) *sip.Msg {
	to := "To: <sip:bob@example.org>"
	if toTag != "" {
		to += ";tag=" + toTag
	}
	return request(t,
		method+" sip:bob@198.51.100.2:5070 SIP/2.0",
		"Via: SIP/2.0/UDP 192.0.2.1:5060;branch="+branch,
		"Max-Forwards: 70",
		"From: <sip:alice@example.org>;tag=a1",
		to,
		"Call-ID: call-1@192.0.2.1",
		"CSeq: 1 "+method,
		"Content-Length: 0")
}

func (f *fakeCore) ctx(m *sip.Msg) *api.Ctx {
	return &api.Ctx{Context: context.Background(), RouteType: api.RequestRoute, Core: f, Msg: m, Req: m,
		Priv: &fakePriv{}, RURIQ: -1}
}

// replyTo builds the reply a downstream UAS sends to a relayed request.
func replyTo(t testing.TB, req *sip.Msg, code int, toTag string) *sip.Msg {
	t.Helper()
	r := sip.NewReply(req, code, "", toTag)
	m, err := sip.Parse(append([]byte(nil), r.Bytes()...))
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// deliver hands a reply to tm as the engine does.
func (f *fakeCore) deliver(t testing.TB, tm *TM, reply *sip.Msg) bool {
	c := &api.Ctx{Context: context.Background(), RouteType: api.OnReplyRoute, Core: f, Msg: reply, Reply: reply,
		Priv: &fakePriv{}, RURIQ: -1}
	return tm.ReceiveReply(c)
}

// newTM returns a tm with fast timers: "seconds" are 10 ms.
func newTM() *TM {
	t := New()
	t.unit = 10 * time.Millisecond
	t.T1Timer, t.T2Timer = 20, 80
	return t
}

// vias returns the Via values of a message, top first.
func vias(m *sip.Msg) []string {
	vs, _ := m.Vias()
	var out []string
	for _, v := range vs {
		out = append(out, v.Host+":"+strconv.Itoa(v.Port))
	}
	return out
}
