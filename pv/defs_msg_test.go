package pv

import (
	"strconv"
	"strings"
	"testing"

	"gosips/api"
	"gosips/sip"
)

func TestRequestPVs(t *testing.T) {
	c, _ := msgCtx(t, inviteMsg)
	tests := []struct{ pv, want string }{
		{"$ru", "sip:bob@example.com"},
		{"$rU", "bob"},
		{"$ruri.user", "bob"},
		{"$rd", "example.com"},
		{"$rp", "5060"},
		{"$rP", "udp"},
		{"$ru_q", "-1"},
		{"$ou", "sip:bob@example.com"},
		{"$oU", "bob"},
		{"$op", "5060"},
		{"$rm", "INVITE"},
		{"$rs", "<null>"},
		{"$rr", "<null>"},
		{"$ci", "call-1@192.0.2.7"},
		{"$cs", "314"},
		{"$cl", "5"},
		{"$cT", "application/sdp"},
		{"$rb", "v=0\r\n"},
		{"$(rb[0])", "v=0\r\n"},
		{"$rb(application/sdp)", "v=0\r\n"},
		{"$rb(text/plain)", "<null>"},
		{"$fu", "sip:alice@atlanta.example.com:5070;transport=tcp"},
		{"$from", "sip:alice@atlanta.example.com:5070;transport=tcp"},
		{"$fU", "alice"},
		{"$fd", "atlanta.example.com"},
		{"$fn", `"Alice A."`},
		{"$ft", "ft1"},
		{"$tu", "sip:bob@example.com"},
		{"$tU", "bob"},
		{"$td", "example.com"},
		{"$tn", "Bob"},
		{"$tt", "<null>"},
		{"$ua", "softphone/1.0"},
		{"$ai", "sip:alice@trusted.example"},
		{"$pu", "sip:pref@pp.example"},
		{"$pU", "pref"},
		{"$pd", "pp.example"},
		{"$pn", `"Pref"`},
		{"$re", "sip:rpid@rp.example"},
		{"$rt", "<null>"},
		{"$di", "sip:div@dv.example"},
		{"$dir", "unconditional"},
		{"$dip", "full"},
		{"$ct", "<sip:alice@192.0.2.7:5080>;expires=60;q=0.7"},
		{"$(ct[1])", `"Al" <sip:al@10.1.1.1>;+sip.instance="x"`},
		{"$(ct[-1])", "<sip:third@h3>"},
		{"$(ct[3])", "<null>"},
		{"$(ct[*])", `<sip:alice@192.0.2.7:5080>;expires=60;q=0.7, "Al" <sip:al@10.1.1.1>;+sip.instance="x", <sip:third@h3>`},
		{"$ct.fields(uri)", "sip:alice@192.0.2.7:5080"},
		{"$ct.fields(expires)", "60"},
		{"$ct.fields(q)", "0.7"},
		{"$ct.fields(name)", "<null>"},
		{"$ct.fields(params)", "expires=60;q=0.7"},
		{"$(ct.fields(name)[1])", `"Al"`},
		{"$(ct.fields(uri)[*])", "sip:alice@192.0.2.7:5080, sip:al@10.1.1.1, sip:third@h3"},
		{"$hdr(Via)", "SIP/2.0/UDP 192.0.2.7:5080;branch=z9hG4bK1;rport"},
		{"$(hdr(v)[1])", "SIP/2.0/TCP proxy.example.net;branch=z9hG4bK0"},
		{"$(hdr(Via)[-1])", "SIP/2.0/TCP proxy.example.net;branch=z9hG4bK0"},
		{"$(hdr(Via)[2])", "<null>"},
		{"$hdr(From)", `"Alice A." <sip:alice@atlanta.example.com:5070;transport=tcp>;tag=ft1`},
		{"$hdr(x-custom)", "one"},
		{`$hdr("X-Custom")`, "one"},
		{"$(hdr(X-Custom)[*])", "one, two, three"},
		{"$(hdr(X-Custom)[-2])", "two"},
		{"$hdr(X-Missing)", "<null>"},
		{"$hdrcnt(X-Custom)", "3"},
		{"$hdrcnt(Via)", "2"},
		{"$hdrcnt(Contact)", "2"},
		{"$hdrcnt(Route)", "0"},
		{"$hdr_name", "Via"},
		{"$(hdr_name[1])", "v"},
		{"$(hdr_name[-1])", "l"},
		{"$si", "192.0.2.7"},
		{"$src_ip", "192.0.2.7"},
		{"$sp", "5080"},
		{"$msg.is_request", "1"},
		{"$msg.type", "request"},
		{"$du", "<null>"},
		{"$dd", "<null>"},
		{"$ds", "<null>"},
		{"$path", "<null>"},
		{"$rs", "<null>"},
	}
	for _, tt := range tests {
		if got := get(t, c, tt.pv); got != tt.want {
			t.Errorf("%s = %q, want %q", tt.pv, got, tt.want)
		}
	}
	if got := get(t, c, "$mb"); got != c.Msg.String() {
		t.Errorf("$mb = %q", got)
	}
	if got, want := get(t, c, "$ml"), strconv.Itoa(len(crlf(inviteMsg))); got != want {
		t.Errorf("$ml = %s, want %s", got, want)
	}
}

func TestReplyPVs(t *testing.T) {
	c, _ := msgCtx(t, replyMsg)
	tests := []struct{ pv, want string }{
		{"$rs", "486"},
		{"$rr", "Busy Here"},
		{"$rm", "INVITE"},
		{"$ru", "<null>"},
		{"$rU", "<null>"},
		{"$ou", "<null>"},
		{"$tt", "b"},
		{"$cs", "7"},
		{"$cl", "0"},
		{"$rb", "<null>"},
		{"$cT", "<null>"},
		{"$ct", "<null>"},
		{"$msg.is_request", "0"},
		{"$msg.type", "reply"},
		{"$au", "<null>"},
		{"$challenge.realm", "example.com"},
		{"$challenge.nonce", "cn1"},
		{"$challenge.qop", "auth,auth-int"},
		{"$challenge.algorithm", "MD5"},
		{"$challenge.opaque", "o1"},
		{"$challenge.ik", "<null>"},
	}
	for _, tt := range tests {
		if got := get(t, c, tt.pv); got != tt.want {
			t.Errorf("%s = %q, want %q", tt.pv, got, tt.want)
		}
	}
	v, err := mustSpec(t, "$rs").Get(c)
	if err != nil || !v.IsInt() || v.I != 486 {
		t.Errorf("$rs = %+v, %v: want an integer", v, err)
	}
}

func TestMissingHeaders(t *testing.T) {
	c, _ := msgCtx(t, `OPTIONS sip:h SIP/2.0
Via: SIP/2.0/UDP 10.0.0.9;branch=z9hG4bKm
From: <sip:a@h>;tag=1
To: <sip:h>
Call-ID: m1
CSeq: 1 OPTIONS
Content-Length: 0

`)
	for _, pv := range []string{"$rU", "$tU", "$fn", "$tn", "$tt", "$ua", "$ai", "$pu", "$pU", "$pn", "$re",
		"$rt", "$di", "$dir", "$dip", "$ct", "$ct.fields(uri)", "$cT", "$rb", "$au", "$ar", "$aU", "$adu",
		"$auth.nc", "$hdr(Subject)", "$(hdr(Via)[1])", "$challenge.realm"} {
		if got := get(t, c, pv); got != "<null>" {
			t.Errorf("%s = %q, want <null>", pv, got)
		}
	}
	if got := get(t, c, "$Au"); got != "a@h" {
		t.Errorf("$Au = %q", got)
	}
}

func TestNoMessage(t *testing.T) {
	c := ctxWith(newFake())
	for _, pv := range []string{"$ru", "$rU", "$rm", "$si", "$fu", "$hdr(From)", "$ct", "$rb", "$au",
		"$socket_in", "$msg.type", "$ds", "$(branch(uri)[0])"} {
		if got := get(t, c, pv); got != "<null>" {
			t.Errorf("%s = %q, want <null>", pv, got)
		}
	}
	if err := mustSpec(t, "$ru").Set(c, api.StrValue("sip:x@y")); err == nil {
		t.Error("$ru = ... without a message should fail")
	}
}

func TestRURIWrites(t *testing.T) {
	tests := []struct {
		pv     string
		val    api.Value
		wantRU string
	}{
		{"$rU", api.StrValue("carol"), "sip:carol@example.com"},
		{"$ruri.user", api.StrValue("+123"), "sip:+123@example.com"},
		{"$rU", api.Null, "sip:example.com"},
		{"$rd", api.StrValue("10.0.0.2"), "sip:bob@10.0.0.2"},
		{"$rd", api.StrValue("::1"), "sip:bob@[::1]"},
		{"$rp", api.IntValue(5070), "sip:bob@example.com:5070"},
		{"$rp", api.StrValue("5080"), "sip:bob@example.com:5080"},
		{"$ru", api.StrValue("sip:dave@h.example;transport=tcp"), "sip:dave@h.example;transport=tcp"},
	}
	for _, tt := range tests {
		c, _ := msgCtx(t, inviteMsg)
		set(t, c, tt.pv, tt.val)
		if got := get(t, c, "$ru"); got != tt.wantRU {
			t.Errorf("%s = %s: $ru = %q, want %q", tt.pv, Print(tt.val), got, tt.wantRU)
		}
		if first := strings.SplitN(string(c.Msg.Bytes()), "\r\n", 2)[0]; first != "INVITE "+tt.wantRU+" SIP/2.0" {
			t.Errorf("%s = %s: first line %q", tt.pv, Print(tt.val), first)
		}
		if got := get(t, c, "$ou"); got != "sip:bob@example.com" {
			t.Errorf("$ou changed to %q", got)
		}
	}

	c, _ := msgCtx(t, inviteMsg)
	set(t, c, "$rp", api.IntValue(5070))
	set(t, c, "$rp", api.Null)
	if got := get(t, c, "$ru"); got != "sip:bob@example.com" {
		t.Errorf("$rp = null: $ru = %q", got)
	}
	set(t, c, "$ru", api.StrValue("sips:x@secure.example"))
	if got := get(t, c, "$rp") + " " + get(t, c, "$rP"); got != "5061 tls" {
		t.Errorf("sips defaults: %q", got)
	}
	set(t, c, "$ru", api.StrValue("sip:x@h:5999;transport=TCP"))
	if got := get(t, c, "$rp") + " " + get(t, c, "$rP"); got != "5999 TCP" {
		t.Errorf("explicit port/transport: %q", got)
	}
	for _, bad := range []struct {
		pv string
		v  api.Value
	}{
		{"$ru", api.StrValue("not a uri")},
		{"$ru", api.Null},
		{"$rd", api.StrValue("")},
		{"$rp", api.StrValue("http")},
		{"$rp", api.IntValue(70000)},
	} {
		if err := mustSpec(t, bad.pv).Set(c, bad.v); err == nil {
			t.Errorf("%s = %s: no error", bad.pv, Print(bad.v))
		}
	}
	if err := mustSpec(t, "$ou").Set(c, api.StrValue("sip:a@b")); err == nil {
		t.Error("$ou is read-only")
	}
}

func TestDstURI(t *testing.T) {
	c, _ := msgCtx(t, inviteMsg)
	set(t, c, "$dd", api.StrValue("gw.example"))
	if c.DstURI != "sip:bob@gw.example" {
		t.Errorf("$dd on an empty $du builds on the R-URI: %q", c.DstURI)
	}
	set(t, c, "$du", api.StrValue("sip:10.0.0.5:5070;transport=tcp"))
	tests := []struct{ pv, want string }{
		{"$du", "sip:10.0.0.5:5070;transport=tcp"},
		{"$duri", "sip:10.0.0.5:5070;transport=tcp"},
		{"$dd", "10.0.0.5"},
		{"$dp", "5070"},
		{"$dP", "tcp"},
		{"$ru", "sip:bob@example.com"},
	}
	for _, tt := range tests {
		if got := get(t, c, tt.pv); got != tt.want {
			t.Errorf("%s = %q, want %q", tt.pv, got, tt.want)
		}
	}
	set(t, c, "$dp", api.IntValue(5090))
	set(t, c, "$dd", api.StrValue("10.0.0.6"))
	if c.DstURI != "sip:10.0.0.6:5090;transport=tcp" {
		t.Errorf("$dd/$dp: %q", c.DstURI)
	}
	set(t, c, "$du", api.Null)
	if c.DstURI != "" || get(t, c, "$du") != "<null>" || get(t, c, "$dp") != "<null>" {
		t.Errorf("$du = null left %q", c.DstURI)
	}
	if err := mustSpec(t, "$du").Set(c, api.StrValue("bogus")); err == nil {
		t.Error("$du = bogus: no error")
	}
	if bs := string(c.Msg.Bytes()); !strings.HasPrefix(bs, "INVITE sip:bob@example.com SIP/2.0") {
		t.Errorf("$du changed the R-URI: %q", bs[:40])
	}
}

func TestRURIQAndDset(t *testing.T) {
	c, _ := msgCtx(t, inviteMsg)
	set(t, c, "$ru_q", api.IntValue(500))
	if get(t, c, "$ru_q") != "500" || c.RURIQ != 500 {
		t.Errorf("$ru_q = %q", get(t, c, "$ru_q"))
	}
	set(t, c, "$ru_q", api.IntValue(5000))
	if c.RURIQ != 1000 {
		t.Errorf("$ru_q is capped at 1000: %d", c.RURIQ)
	}
	set(t, c, "$ru_q", api.IntValue(500))
	set(t, c, "$rU", api.StrValue("new"))
	c.Branches = []api.Branch{{URI: "sip:b1@h", Q: 250}, {URI: "sip:b2@h", Q: -1}}
	want := "Contact: <sip:new@example.com>;q=0.5, <sip:b1@h>;q=0.25, <sip:b2@h>"
	if got := get(t, c, "$ds"); got != want {
		t.Errorf("$ds = %q, want %q", got, want)
	}
}

func TestQStr(t *testing.T) {
	for q, want := range map[int]string{0: "0", 1000: "1", 500: "0.5", 25: "0.025", 999: "0.999", 100: "0.1"} {
		if got := api.QString(q); got != want {
			t.Errorf("api.QString(%d) = %q, want %q", q, got, want)
		}
	}
}

func TestFlagPVs(t *testing.T) {
	c, _ := msgCtx(t, inviteMsg)
	if got := get(t, c, "$mf"); got != "" {
		t.Errorf("$mf = %q", got)
	}
	set(t, c, "$msg.flag(ACC)", api.IntValue(1))
	set(t, c, "$msg.flag(NAT)", api.StrValue("yes"))
	if c.Flags != 3 {
		t.Errorf("flags = %b", c.Flags)
	}
	tests := []struct{ pv, want string }{
		{"$mf", "NAT ACC"},
		{"$msg.flag(NAT)", "1"},
		{"$msg.flag(OTHER)", "0"},
		{"$bf", ""},
	}
	for _, tt := range tests {
		if got := get(t, c, tt.pv); got != tt.want {
			t.Errorf("%s = %q, want %q", tt.pv, got, tt.want)
		}
	}
	set(t, c, "$msg.flag(NAT)", api.Null)
	set(t, c, "$msg.flag(ACC)", api.IntValue(0))
	if c.Flags != 0 {
		t.Errorf("reset: flags = %b", c.Flags)
	}
	if err := mustSpec(t, "$msg.flag(UNKNOWN)").Set(c, api.IntValue(1)); err == nil {
		t.Error("setting an unallocated flag should fail")
	}
	c.BFlags = 1
	if got := get(t, c, "$bf"); got != "BNAT" {
		t.Errorf("$bf = %q", got)
	}
	// A resolver on the runtime state takes precedence and may allocate.
	c.Priv = resolverPriv{fakePriv: newFake()}
	set(t, c, "$msg.flag(NEW)", api.IntValue(1))
	if c.Flags != 1<<7 {
		t.Errorf("resolver flags = %b", c.Flags)
	}
}

type resolverPriv struct{ *fakePriv }

func (resolverPriv) MsgFlagBit(string) (int, bool)    { return 7, true }
func (resolverPriv) BranchFlagBit(string) (int, bool) { return 3, true }

func TestDigestCredentials(t *testing.T) {
	c, _ := msgCtx(t, inviteMsg)
	tests := []struct{ pv, want string }{
		{"$au", "alice"},
		{"$ad", "atlanta.example.com"},
		{"$aU", "alice@atlanta.example.com"},
		{"$ar", "example.com"},
		{"$adu", "sip:bob@example.com"},
		{"$an", "n0nce"},
		{"$auth.nonce", "n0nce"},
		{"$auth.resp", "abc123"},
		{"$auth.cnonce", "cn"},
		{"$auth.opaque", "op"},
		{"$auth.alg", "MD5"},
		{"$auth.qop", "auth"},
		{"$auth.nc", "00000001"},
		{"$Au", "alice@example.com"},
	}
	for _, tt := range tests {
		if got := get(t, c, tt.pv); got != tt.want {
			t.Errorf("%s = %q, want %q", tt.pv, got, tt.want)
		}
	}
}

func TestParseDigest(t *testing.T) {
	tests := []struct {
		in     string
		ok     bool
		user   string
		domain string
		realm  string
		uri    string
	}{
		{`Digest username="bob", realm="r", uri="sip:x"`, true, "bob", "", "r", "sip:x"},
		{`digest  username = "a@b" ,realm=r2,uri="sip:a,b"`, true, "a", "b", "r2", "sip:a,b"},
		{`Digest username="q\"x", realm="r"`, true, `q\"x`, "", "r", ""},
		{`Basic YWxhZGRpbjpvcGVuc2VzYW1l`, false, "", "", "", ""},
		{`Digestusername="x"`, false, "", "", "", ""},
		{`Digest username="unterminated`, false, "", "", "", ""},
		{`Digest novalue`, false, "", "", "", ""},
	}
	for _, tt := range tests {
		d, ok := parseDigest(tt.in)
		if ok != tt.ok || d.user != tt.user || d.domain != tt.domain || d.realm != tt.realm || d.uri != tt.uri {
			t.Errorf("parseDigest(%q) = %+v, %v", tt.in, d, ok)
		}
	}
}

func TestAuthSkipsAckAndPrefersProxy(t *testing.T) {
	c, _ := msgCtx(t, `ACK sip:b@h SIP/2.0
Via: SIP/2.0/UDP 10.0.0.9;branch=z9hG4bKa
From: <sip:a@h>;tag=1
To: <sip:b@h>;tag=2
Call-ID: a1
CSeq: 1 ACK
Authorization: Digest username="x", realm="r"
Content-Length: 0

`)
	if got := get(t, c, "$au"); got != "<null>" {
		t.Errorf("ACK $au = %q", got)
	}
	c, f := msgCtx(t, `BYE sip:b@h SIP/2.0
Via: SIP/2.0/UDP 10.0.0.9;branch=z9hG4bKa
From: <sip:a@h>;tag=1
To: <sip:b@h>;tag=2
Call-ID: a1
CSeq: 2 BYE
Authorization: Digest username="www", realm="r1"
Proxy-Authorization: Digest username="proxy", realm="r2"
Content-Length: 0

`)
	if got := get(t, c, "$au") + "/" + get(t, c, "$ar"); got != "proxy/r2" {
		t.Errorf("got %q, want the Proxy-Authorization credentials", got)
	}
	if !f.cache.authOK || f.cache.auth.user != "proxy" {
		t.Errorf("credentials not cached: %+v", f.cache)
	}
}

func TestMultipartBody(t *testing.T) {
	body := `--XyZ
Content-Type: text/plain

hello
--XyZ
content-type: application/sdp

v=0
--XyZ
Content-Type: text/plain

bye
--XyZ--
`
	c, _ := msgCtx(t, `MESSAGE sip:b@h SIP/2.0
Via: SIP/2.0/UDP 10.0.0.9;branch=z9hG4bKb
From: <sip:a@h>;tag=1
To: <sip:b@h>
Call-ID: mp1
CSeq: 1 MESSAGE
Content-Type: multipart/mixed;boundary="XyZ"
Content-Length: `+strconv.Itoa(len(crlf(body)))+`

`+body)
	tests := []struct{ pv, want string }{
		{"$rb(text/plain)", "hello"},
		{"$rb(application/sdp)", "v=0"},
		{"$(rb(text/plain)[1])", "bye"},
		{"$(rb(text/plain)[-1])", "bye"},
		{"$(rb(text/plain)[2])", "<null>"},
		{"$(rb[1])", "v=0"},
		{"$(rb[-1])", "bye"},
		{"$cT", `multipart/mixed;boundary="XyZ"`},
		{"$(cT[0])", "text/plain"},
		{"$(cT[1])", "application/sdp"},
		{"$(cT[5])", "<null>"},
		{"$(cT[*])", `multipart/mixed;boundary="XyZ",text/plain,application/sdp,text/plain`},
	}
	for _, tt := range tests {
		if got := get(t, c, tt.pv); got != tt.want {
			t.Errorf("%s = %q, want %q", tt.pv, got, tt.want)
		}
	}
}

func TestSocketPVs(t *testing.T) {
	c, _ := msgCtx(t, inviteMsg)
	tests := []struct{ pv, want string }{
		{"$socket_in", "udp:10.0.0.1:5060"},
		{"$socket_in(ip)", "10.0.0.1"},
		{"$socket_in(port)", "5060"},
		{"$socket_in(proto)", "udp"},
		{"$socket_in(af)", "INET"},
		{"$socket_in(tag)", "ext"},
		{"$socket_in(advertised_ip)", "<null>"},
		{"$Ri", "10.0.0.1"},
		{"$Rp", "5060"},
		{"$pr", "udp"},
		{"$proto", "udp"},
		{"$af", "INET"},
		{"$fs", "<null>"},
		{"$socket_out", "udp:10.0.0.1:5060"},
		{"$socket_out(forced)", "0"},
	}
	for _, tt := range tests {
		if got := get(t, c, tt.pv); got != tt.want {
			t.Errorf("%s = %q, want %q", tt.pv, got, tt.want)
		}
	}
	set(t, c, "$socket_out", api.StrValue("tcp:[2001:db8::1]:5062"))
	for _, tt := range []struct{ pv, want string }{
		{"$socket_out", "tcp:[2001:db8::1]:5062"},
		{"$socket_out(ip)", "2001:db8::1"},
		{"$socket_out(af)", "INET6"},
		{"$socket_out(forced)", "1"},
		{"$fs", "tcp:[2001:db8::1]:5062"},
	} {
		if got := get(t, c, tt.pv); got != tt.want {
			t.Errorf("%s = %q, want %q", tt.pv, got, tt.want)
		}
	}
	set(t, c, "$socket_out", api.Null)
	if c.ForceSocket != nil {
		t.Error("$socket_out = null kept the socket")
	}
	// With a socket finder only listening sockets are accepted.
	c.Priv = finderPriv{fakePriv: newFake()}
	set(t, c, "$socket_out", api.StrValue("udp:10.0.0.1"))
	if c.ForceSocket != testSocket {
		t.Errorf("finder: forced %v", c.ForceSocket)
	}
	if err := mustSpec(t, "$socket_out").Set(c, api.StrValue("udp:10.9.9.9:5060")); err == nil {
		t.Error("unknown socket accepted")
	}
}

type finderPriv struct{ *fakePriv }

func (finderPriv) FindSocket(p sip.Proto, host string, port int) *sip.Socket {
	if p == testSocket.Proto && host == testSocket.IP && (port == 0 || port == testSocket.Port) {
		return testSocket
	}
	return nil
}

func TestExplicitPort(t *testing.T) {
	for in, want := range map[string]bool{"udp:1.2.3.4": false, "udp:1.2.3.4:5060": true, "1.2.3.4:7": true,
		"tcp:[::1]": false, "tcp:[::1]:5060": true, "::1": false, "host": false} {
		if got := explicitPort(in); got != want {
			t.Errorf("explicitPort(%q) = %v", in, got)
		}
	}
}
