package pv

import (
	"net/netip"
	"strings"
	"testing"

	"gosips/api"
	"gosips/sip"
)

// crlf turns a readable "\n"-separated message into wire format.
func crlf(s string) string { return strings.ReplaceAll(s, "\n", "\r\n") }

func parseMsg(t testing.TB, text string) *sip.Msg {
	t.Helper()
	m, err := sip.ParseString(crlf(text))
	if err != nil {
		t.Fatalf("parse: %v\n%s", err, text)
	}
	return m
}

// fakeCore names flags; every other api.Core method is unused here.
type fakeCore struct {
	api.Core
	msgFlags, brFlags []string
}

func (f *fakeCore) MsgFlagName(bit int) string    { return nameAt(f.msgFlags, bit) }
func (f *fakeCore) BranchFlagName(bit int) string { return nameAt(f.brFlags, bit) }

func nameAt(names []string, bit int) string {
	if bit >= 0 && bit < len(names) {
		return names[bit]
	}
	return ""
}

var testSocket = &sip.Socket{Proto: sip.ProtoUDP, IP: "10.0.0.1", Port: 5060, Tag: "ext"}

// msgCtx builds a context for text received over UDP from 192.0.2.7:5080
// on testSocket.
func msgCtx(t testing.TB, text string) (*api.Ctx, *fakePriv) {
	t.Helper()
	m := parseMsg(t, text)
	m.SetRecv(&sip.RecvInfo{Proto: sip.ProtoUDP,
		Src:    netip.MustParseAddrPort("192.0.2.7:5080"),
		Local:  netip.MustParseAddrPort("10.0.0.1:5060"),
		Socket: testSocket})
	f := newFake()
	c := &api.Ctx{Priv: f, Msg: m, Req: m, RURIQ: -1,
		Core: &fakeCore{msgFlags: []string{"NAT", "ACC"}, brFlags: []string{"BNAT"}}}
	return c, f
}

// get evaluates one PV and renders it for comparisons.
func get(t testing.TB, c *api.Ctx, raw string) string {
	t.Helper()
	v, err := mustSpec(t, raw).Get(c)
	if err != nil {
		return "error: " + err.Error()
	}
	return Print(v)
}

// set assigns one PV and fails the test on error.
func set(t testing.TB, c *api.Ctx, raw string, v api.Value) {
	t.Helper()
	if err := mustSpec(t, raw).Set(c, v); err != nil {
		t.Fatalf("%s = %v: %v", raw, Print(v), err)
	}
}

const inviteMsg = `INVITE sip:bob@example.com SIP/2.0
Via: SIP/2.0/UDP 192.0.2.7:5080;branch=z9hG4bK1;rport
v: SIP/2.0/TCP proxy.example.net;branch=z9hG4bK0
Max-Forwards: 70
f: "Alice A." <sip:alice@atlanta.example.com:5070;transport=tcp>;tag=ft1
t: Bob <sip:bob@example.com>
i: call-1@192.0.2.7
CSeq: 314 INVITE
m: <sip:alice@192.0.2.7:5080>;expires=60;q=0.7, "Al" <sip:al@10.1.1.1>;+sip.instance="x"
Contact: <sip:third@h3>
User-Agent: softphone/1.0
P-Asserted-Identity: "Alice" <sip:alice@trusted.example>, <tel:+15551234>
P-Preferred-Identity: "Pref" <sip:pref@pp.example>
Remote-Party-ID: <sip:rpid@rp.example>;party=calling
Diversion: <sip:div@dv.example>;reason=unconditional;privacy=full
X-Custom: one
X-Custom: two
x-custom: three
Proxy-Authorization: Digest username="alice@atlanta.example.com", realm="example.com", nonce="n0nce", uri="sip:bob@example.com", response="abc123", algorithm=MD5, cnonce="cn", opaque="op", qop=auth, nc=00000001
c: application/sdp
l: 5

v=0
`

const replyMsg = `SIP/2.0 486 Busy Here
Via: SIP/2.0/UDP 10.0.0.1;branch=z9hG4bKx
From: <sip:alice@atlanta.example.com>;tag=a
To: <sip:bob@example.com>;tag=b
Call-ID: r1
CSeq: 7 INVITE
WWW-Authenticate: Digest realm="example.com", nonce="cn1", algorithm=MD5, qop="auth,auth-int", opaque="o1"
Content-Length: 0

`
