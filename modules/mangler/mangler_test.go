package mangler

import (
	"bytes"
	"log/slog"
	"sort"
	"strings"
	"testing"

	"gosips/api"
	"gosips/sip"
	"gosips/sip/siptest"
)

// TestExports pins the export table to OpenSIPS 3.6 mangler.c.
func TestExports(t *testing.T) {
	m := New()
	var funcs []string
	for _, f := range m.Funcs() {
		funcs = append(funcs, f.Name)
		if f.Call == nil {
			t.Errorf("%s has no Call", f.Name)
		}
	}
	sort.Strings(funcs)
	if got := strings.Join(funcs, " "); got != "decode_contact decode_contact_header encode_contact sdp_mangle_ip sdp_mangle_port" {
		t.Errorf("funcs: %s", got)
	}
	if p := m.Params(); len(p) != 1 || p[0].Name != "contact_flds_separator" {
		t.Errorf("params: %+v", p)
	}
}

func TestFixups(t *testing.T) {
	for _, tc := range []struct {
		fn, arg string
		n       int64
		err     string
	}{
		{"sdp_mangle_ip", "10.0.0.0/8", 0, ""},
		{"sdp_mangle_ip", "10.0.0.0/255.0.0.0", 0, ""},
		{"sdp_mangle_ip", "192.168.1.7", 0, ""},
		{"sdp_mangle_ip", "10.0.0.0/255.x.0.0", 0, "invalid netmask"},
		{"sdp_mangle_ip", "10.0.0/8", 0, "invalid IPv4 address"},
		{"sdp_mangle_ip", "300.0.0.0/8", 0, "invalid IPv4 address"},
		{"sdp_mangle_ip", strings.Repeat("1", 40), 0, "invalid netmask"},
		{"sdp_mangle_port", "", -12000, ""},
		{"sdp_mangle_port", "", 70000, "out of range"},
	} {
		for _, f := range New().Funcs() {
			if f.Name != tc.fn {
				continue
			}
			a := &api.FixArg{Const: true, Given: true, Str: tc.arg, Int: tc.n}
			err := f.Args[0].Fixup(&api.FixupCtx{}, a)
			if (err == nil) != (tc.err == "") || (err != nil && !strings.Contains(err.Error(), tc.err)) {
				t.Errorf("%s(%q/%d): %v", tc.fn, tc.arg, tc.n, err)
			}
		}
	}
}

func TestPattern(t *testing.T) {
	for _, tc := range []struct {
		pat, ip string
		in      bool
	}{
		{"10.0.0.0/8", "10.200.3.4", true},
		{"10.0.0.0/8", "11.0.0.1", false},
		{"192.168.0.0/255.255.0.0", "192.168.77.1", true},
		{"192.168.0.0/255.255.0.0", "192.169.0.1", false},
		{"192.168.1.7", "192.168.1.7", true},
		{"192.168.1.7", "192.168.1.8", false},
		{"192.168.1.0/4", "192.168.1.1", false}, // lengths outside 8-30: the address alone
		{"192.168.1.0/", "192.168.1.0", true},
	} {
		n, err := parsePattern(tc.pat)
		if err != nil {
			t.Fatalf("%s: %v", tc.pat, err)
		}
		ip, _ := parseIPv4(tc.ip)
		if n.contains(ip) != tc.in {
			t.Errorf("%s contains %s = %v", tc.pat, tc.ip, !tc.in)
		}
	}
}

const sdpBody = "v=0\r\no=- 1 1 IN IP4 10.1.1.1\r\ns=-\r\nc=IN IP4 10.1.1.1\r\nt=0 0\r\n" +
	"m=audio 6000 RTP/AVP 0\r\nc=IN IP4 172.16.0.9\r\na=rtpmap:0 PCMU/8000\r\n" +
	"m=video 6002 RTP/AVP 96\r\nc=IN IP4 10.9.9.9\r\n"

func TestMangleIP(t *testing.T) {
	nb, n, code := MangleIPPattern(sdpBody, "10.0.0.0/8", "193.175.135.38")
	if code != 0 || n != 2 {
		t.Fatalf("n=%d code=%d", n, code)
	}
	want := strings.NewReplacer("c=IN IP4 10.1.1.1", "c=IN IP4 193.175.135.38", "c=IN IP4 10.9.9.9", "c=IN IP4 193.175.135.38").Replace(sdpBody)
	if nb != want {
		t.Errorf("body:\n%s\nwant:\n%s", nb, want)
	}
	if !strings.Contains(nb, "o=- 1 1 IN IP4 10.1.1.1") {
		t.Error("o= line changed (mangler only rewrites c= lines)")
	}
	if _, n, code := MangleIPPattern(sdpBody, "192.168.0.0/16", "1.2.3.4"); n != 0 || code != 0 {
		t.Errorf("no match: n=%d code=%d", n, code)
	}
}

func TestManglePort(t *testing.T) {
	nb, n, code := ManglePort(sdpBody, 1000)
	if code != 0 || n != 2 || !strings.Contains(nb, "m=audio 7000 RTP/AVP 0\r\n") || !strings.Contains(nb, "m=video 7002 RTP/AVP 96\r\n") {
		t.Fatalf("n=%d code=%d body:\n%s", n, code, nb)
	}
	if nb, n, _ := ManglePort(sdpBody, -5999); n != 2 || !strings.Contains(nb, "m=audio 1 RTP") {
		t.Errorf("negative offset: %s", nb)
	}
}

// TestMalformedSDP: bad input gives OpenSIPS' error code, no panic, and
// the body back unchanged.
func TestMalformedSDP(t *testing.T) {
	for _, tc := range []struct {
		name, body string
		port       int
		wantPort   int
		wantIP     int
	}{
		{"port out of range after offset", "m=audio 65000 RTP/AVP 0\r\n", 1000, -9, 1},
		{"port 0", "m=audio 6000 RTP/AVP 0\r\nm=video 0 RTP/AVP 31\r\n", 10, -8, 1},
		{"port too large", "m=audio 99999 RTP/AVP 0\r\n", 1, -7, 1},
		{"address over 255", "c=IN IP4 10.0.0.300\r\nm=audio 6000 RTP/AVP 0\r\n", 1, 2, -11},
		{"address with a letter", "c=IN IP4 10.0x0.1\r\n", 1, 1, -11},
		{"binary garbage", "\x00\xff=m=audio c=IN IP4 \r\n\r\n", 1, 1, 1},
		{"no SDP lines", "hello", 1, 1, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			nb, n, code := ManglePort(tc.body, tc.port)
			if got := map[bool]int{true: code, false: n + 1}[code != 0]; got != tc.wantPort {
				t.Errorf("port: %d, want %d", got, tc.wantPort)
			}
			if code != 0 && nb != tc.body {
				t.Errorf("port: body changed on error")
			}
			nb, n, code = MangleIPPattern(tc.body, "10.0.0.0/8", "1.2.3.4")
			if got := map[bool]int{true: code, false: n + 1}[code != 0]; got != tc.wantIP {
				t.Errorf("ip: %d, want %d", got, tc.wantIP)
			}
			if code != 0 && nb != tc.body {
				t.Errorf("ip: body changed on error")
			}
		})
	}
	if _, _, code := ManglePort(sdpBody, 70000); code != -3 {
		t.Errorf("offset 70000: %d, want -3", code)
	}
	if _, _, code := MangleIPPattern(sdpBody, "10.0.0.0/255.x", "1.2.3.4"); code != -5 {
		t.Errorf("bad mask: %d, want -5", code)
	}
	if _, _, code := MangleIPPattern(sdpBody, "10.0.0/8", "1.2.3.4"); code != -6 {
		t.Errorf("bad address: %d, want -6", code)
	}
}

func TestEncodeDecodeURI(t *testing.T) {
	for _, tc := range []struct{ uri, enc, dec string }{
		{"sip:alice@10.0.0.5:5070;transport=udp", "sip:enc*alice**10.0.0.5*5070*udp@193.175.135.38", "sip:alice@10.0.0.5:5070;transport=udp"},
		{"sip:bob:secret@192.168.1.2", "sip:enc*bob*secret*192.168.1.2**@193.175.135.38", "sip:bob:secret@192.168.1.2"},
		// Other URI parameters are dropped, as in OpenSIPS.
		{"sip:carol@10.1.2.3:5062;ob;transport=TCP", "sip:enc*carol**10.1.2.3*5062*TCP@193.175.135.38", "sip:carol@10.1.2.3:5062;transport=TCP"},
		{"sip:10.0.0.9", "sip:enc***10.0.0.9**@193.175.135.38", "sip:10.0.0.9"},
	} {
		enc, code := EncodeURI(tc.uri, "enc", "193.175.135.38", '*')
		if code != 0 || enc != tc.enc {
			t.Errorf("encode %s = %q (%d), want %q", tc.uri, enc, code, tc.enc)
			continue
		}
		dec, code := DecodeURI(enc+";lr", '*')
		if code != 0 || dec != tc.dec+";lr" {
			t.Errorf("decode %s = %q (%d), want %q", enc, dec, code, tc.dec+";lr")
		}
	}
	if enc, _ := EncodeURI("sip:a@10.0.0.1:5060", "p", "1.2.3.4", '-'); enc != "sip:p-a--10.0.0.1-5060-@1.2.3.4" {
		t.Errorf("separator: %s", enc)
	}
}

func TestMalformedContactURI(t *testing.T) {
	for _, tc := range []struct {
		uri, public string
		code        int
	}{
		{"s", "1.2.3.4", -1},
		{"sip:a@b", "", -2},
		{"alice", "1.2.3.4", -25},
		{"x:alice@h", "1.2.3.4", -26},
		{"sips:alice@h", "1.2.3.4", -505},
		{"sip:alice@[::1", "1.2.3.4", -505},
	} {
		if _, code := EncodeURI(tc.uri, "enc", tc.public, '*'); code != tc.code {
			t.Errorf("encode %q: %d, want %d", tc.uri, code, tc.code)
		}
	}
	for _, tc := range []struct {
		uri  string
		code int
	}{
		{"", -1},
		{"alice", -22},
		{"sip:enc*alice**10.0.0.1*5060*udp", -23},
		{"sip:enc*a**h*1*udp*x@p", -24},
		{"sip:enc*a;x**h*1*udp@p", -25},
		{"sip:enc*a**h@p", -26},
		{"sip:enc*a****udp@p", -2},
		{"sip:enc**pw*h**@p", -3},
		{"sip:\x00*\xff**h**@p", 0},
	} {
		if _, code := DecodeURI(tc.uri, '*'); code != tc.code {
			t.Errorf("decode %q: %d, want %d", tc.uri, code, tc.code)
		}
	}
}

func ctxFor(msg *sip.Msg, logs *bytes.Buffer) *api.Ctx {
	return &api.Ctx{Msg: msg, Log: slog.New(slog.NewTextHandler(logs, nil))}
}

func TestContactFunctions(t *testing.T) {
	const req = "REGISTER sip:example.com SIP/2.0\r\nVia: SIP/2.0/UDP 10.0.0.5:5070;branch=z9hG4bK1\r\n" +
		"From: <sip:alice@example.com>;tag=1\r\nTo: <sip:alice@example.com>\r\nCall-ID: c1\r\nCSeq: 1 REGISTER\r\n" +
		"Contact: \"Alice\" <sip:alice@10.0.0.5:5070;transport=udp>;expires=60\r\nContent-Length: 0\r\n\r\n"
	m := New()
	var logs bytes.Buffer
	msg := siptest.Parse(req, sip.ProtoUDP, "127.0.0.2:5070")
	c := ctxFor(msg, &logs)
	if r := m.encodeContact(c, []any{"enc", "193.175.135.38"}); r != 1 {
		t.Fatalf("encode_contact = %d: %s", r, logs.String())
	}
	if r := m.encodeContact(c, []any{"enc", "193.175.135.38"}); r != -1 {
		t.Errorf("second encode_contact = %d, want -1", r)
	}
	out := string(msg.Bytes())
	if !strings.Contains(out, "Contact: \"Alice\" <sip:enc*alice**10.0.0.5*5070*udp@193.175.135.38>;expires=60\r\n") {
		t.Fatalf("encoded:\n%s", out)
	}
	// The encoded message comes back: decode its Contact.
	msg = siptest.Parse(out, sip.ProtoUDP, "127.0.0.2:5070")
	c = ctxFor(msg, &logs)
	if r := m.decodeContactHeader(c, nil); r != 1 {
		t.Fatalf("decode_contact_header = %d: %s", r, logs.String())
	}
	if out := string(msg.Bytes()); !strings.Contains(out, "Contact: \"Alice\" <sip:alice@10.0.0.5:5070;transport=udp>;expires=60\r\n") {
		t.Fatalf("decoded:\n%s", out)
	}

	// decode_contact works on the Request-URI as received.
	inv := strings.NewReplacer("REGISTER sip:example.com", "INVITE sip:enc*alice**10.0.0.5*5070*udp@193.175.135.38;lr",
		"CSeq: 1 REGISTER", "CSeq: 1 INVITE").Replace(req)
	msg = siptest.Parse(inv, sip.ProtoUDP, "127.0.0.2:5070")
	c = ctxFor(msg, &logs)
	if r := m.decodeContact(c, nil); r != 1 || msg.RURI() != "sip:alice@10.0.0.5:5070;transport=udp;lr" {
		t.Errorf("decode_contact = %d, R-URI %s", r, msg.RURI())
	}
	if r := m.decodeContact(c, nil); r != -1 {
		t.Errorf("decode_contact after a rewrite = %d, want -1", r)
	}

	star := strings.Replace(req, "Contact: \"Alice\" <sip:alice@10.0.0.5:5070;transport=udp>;expires=60", "Contact: *", 1)
	c = ctxFor(siptest.Parse(star, sip.ProtoUDP, "127.0.0.2:5070"), &logs)
	if r := m.encodeContact(c, []any{"enc", "1.2.3.4"}); r != 1 {
		t.Errorf("encode_contact on Contact: * = %d, want 1", r)
	}
	none := strings.Replace(req, "Contact: \"Alice\" <sip:alice@10.0.0.5:5070;transport=udp>;expires=60\r\n", "", 1)
	logs.Reset()
	c = ctxFor(siptest.Parse(none, sip.ProtoUDP, "127.0.0.2:5070"), &logs)
	if r := m.decodeContactHeader(c, nil); r != -1 || !strings.Contains(logs.String(), "no Contact header") {
		t.Errorf("decode_contact_header without Contact = %d: %s", r, logs.String())
	}
}

func FuzzDecodeURI(f *testing.F) {
	for _, s := range []string{"sip:enc*alice**10.0.0.5*5070*udp@1.2.3.4;lr", "sip:@", "*****@", ":*;"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		DecodeURI(s, '*')
		EncodeURI(s, "e", "1.2.3.4", '*')
		ManglePort(s, 100)
		MangleIPPattern(s, "10.0.0.0/8", "1.2.3.4")
	})
}
