package sipmsgops

import (
	"regexp"
	"strconv"
	"strings"
	"testing"

	"gosips/api"
	"gosips/modules/core/coretest"
	"gosips/sip"
)

func callFn(t testing.TB, name string, c *api.Ctx, args ...any) api.Ret {
	t.Helper()
	for _, f := range New().Funcs() {
		if f.Name == name {
			if f.Call == nil {
				t.Fatalf("%s has no Call", name)
			}
			full := make([]any, len(f.Args))
			copy(full, args)
			return f.Call(c, full)
		}
	}
	t.Fatalf("%s not declared", name)
	return 0
}

func ctxFor(t testing.TB, text string) *api.Ctx {
	return coretest.NewCtx(coretest.New(), coretest.Msg(t, text))
}

func mustMethods(t *testing.T, s string) Methods {
	m, err := ParseMethods(s)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

const reply = `SIP/2.0 180 Ringing
Via: SIP/2.0/UDP 10.0.0.1;branch=z9hG4bKx
To: <sip:bob@example.com>;tag=t1
From: <sip:alice@example.org>;tag=f1
Call-ID: r1
CSeq: 7 BYE
Content-Length: 0

`

func TestIsMethod(t *testing.T) {
	tests := []struct {
		text string
		arg  any
		want api.Ret
	}{
		{coretest.Invite, mustMethods(t, "INVITE"), 1},
		{coretest.Invite, mustMethods(t, "BYE|CANCEL"), -1},
		{coretest.Invite, mustMethods(t, "REGISTER,INVITE"), 1},
		{coretest.Options, mustMethods(t, "OPTIONS"), 1},
		{reply, mustMethods(t, "BYE"), 1}, // the CSeq method of a reply
		{reply, mustMethods(t, "INVITE"), -1},
		{coretest.Invite, "invite|ack", 1}, // evaluated at run time
		{strings.NewReplacer("OPTIONS sip", "KDMQ sip", "1 OPTIONS", "1 KDMQ").Replace(coretest.Options), mustMethods(t, "kdmq"), 1},
		{strings.NewReplacer("OPTIONS sip", "KDMQ sip", "1 OPTIONS", "1 KDMQ").Replace(coretest.Options), mustMethods(t, "OPTIONS"), -1},
	}
	for i, tc := range tests {
		if got := callFn(t, "is_method", ctxFor(t, tc.text), tc.arg); got != tc.want {
			t.Errorf("%d: is_method(%v) = %d, want %d", i, tc.arg, got, tc.want)
		}
	}
}

func TestHasToTag(t *testing.T) {
	if callFn(t, "has_totag", ctxFor(t, coretest.Invite)) != -1 {
		t.Error("INVITE without To tag")
	}
	if callFn(t, "has_totag", ctxFor(t, reply)) != 1 {
		t.Error("reply with To tag")
	}
}

// edit runs one function on a fresh INVITE and returns its code and the
// message text with the changes applied.
func edit(t *testing.T, text, name string, args ...any) (api.Ret, string) {
	t.Helper()
	c := ctxFor(t, text)
	rc := callFn(t, name, c, args...)
	return rc, string(c.Msg.Bytes())
}

func TestHeaderEdits(t *testing.T) {
	tests := []struct {
		name    string
		args    []any
		want    api.Ret
		has     []string
		hasNot  []string
		ordered []string // must appear in this order
	}{
		{name: "append_hf", args: []any{"X-A: 1\r\n"}, want: 1, ordered: []string{"Contact:", "Content-Length: 4\r\nX-A: 1\r\n\r\nv=0"}},
		{name: "append_hf", args: []any{"X-A: 1"}, want: 1, has: []string{"X-A: 1\r\n"}},
		{name: "append_hf", args: []any{"X-A: 1\r\n", HeaderName("Call-ID")}, want: 1,
			ordered: []string{"Call-ID:", "X-A: 1\r\n", "CSeq:"}},
		{name: "append_hf", args: []any{"X-A: 1\r\n", HeaderName("X-None")}, want: -1, hasNot: []string{"X-A"}},
		{name: "insert_hf", args: []any{"X-B: 2\r\n"}, want: 1, ordered: []string{"INVITE sip:bob@example.com SIP/2.0\r\nX-B: 2\r\nVia:"}},
		{name: "insert_hf", args: []any{"X-B: 2\r\n", HeaderName("CSeq")}, want: 1, ordered: []string{"X-B: 2\r\nCSeq:"}},
		{name: "remove_hf", args: []any{HeaderName("contact")}, want: 1, hasNot: []string{"Contact:"}},
		{name: "remove_hf", args: []any{HeaderName("X-None")}, want: -1},
		{name: "remove_hf_re", args: []any{regexp.MustCompile("(?i)^(contact|max-.*)$")}, want: 1, hasNot: []string{"Contact:", "Max-Forwards:"}},
		{name: "remove_hf_glob", args: []any{"Content-*"}, want: 1, hasNot: []string{"Content-Type:"}},
		{name: "append_urihf", args: []any{"X-URI: <", ">\r\n"}, want: 1, has: []string{"X-URI: <sip:bob@example.com>\r\n"}},
		{name: "append_time", want: 1, has: []string{"Date: ", " GMT\r\n"}},
		{name: "list_hdr_add_option", args: []any{HeaderName("Supported"), "timer"}, want: 1, has: []string{"Supported: timer\r\n"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rc, out := edit(t, coretest.Invite, tc.name, tc.args...)
			if rc != tc.want {
				t.Fatalf("rc = %d, want %d", rc, tc.want)
			}
			for _, s := range tc.has {
				if !strings.Contains(out, s) {
					t.Errorf("missing %q in\n%s", s, out)
				}
			}
			for _, s := range tc.hasNot {
				if strings.Contains(out, s) {
					t.Errorf("unexpected %q in\n%s", s, out)
				}
			}
			pos := 0
			for _, s := range tc.ordered {
				i := strings.Index(out[pos:], s)
				if i < 0 {
					t.Fatalf("%q not found in order in\n%s", s, out)
				}
				pos += i + len(s)
			}
			if _, err := sip.ParseString(out); err != nil {
				t.Errorf("result does not parse: %v", err)
			}
		})
	}
}

func TestListOptions(t *testing.T) {
	text := strings.Replace(coretest.Options, "Content-Length: 0", "Supported: 100rel, timer\nContent-Length: 0", 1)
	c := ctxFor(t, text)
	if callFn(t, "list_hdr_has_option", c, HeaderName("Supported"), "TIMER") != 1 ||
		callFn(t, "list_hdr_has_option", c, HeaderName("Supported"), "path") != -1 {
		t.Error("list_hdr_has_option")
	}
	if rc, out := edit(t, text, "list_hdr_remove_option", HeaderName("Supported"), "100rel"); rc != 1 || !strings.Contains(out, "Supported: timer\r\n") {
		t.Errorf("remove: %d\n%s", rc, out)
	}
	if rc, out := edit(t, text, "list_hdr_add_option", HeaderName("Supported"), "path"); rc != 1 || !strings.Contains(out, "Supported: 100rel, timer, path\r\n") {
		t.Errorf("add: %d\n%s", rc, out)
	}
}

func TestPresenceAndBody(t *testing.T) {
	c := ctxFor(t, coretest.Invite)
	tests := []struct {
		name string
		arg  any
		want api.Ret
	}{
		{"is_present_hf", HeaderName("contact"), 1},
		{"is_present_hf", HeaderName("m"), 1}, // compact form
		{"is_present_hf", HeaderName("X-None"), -1},
		{"has_body", nil, 1},
		{"has_body", Mime("application/sdp"), 1},
		{"has_body", Mime("text/plain"), -1},
		{"has_body_part", "application/SDP", 1},
	}
	for _, tc := range tests {
		if got := callFn(t, tc.name, c, tc.arg); got != tc.want {
			t.Errorf("%s(%v) = %d, want %d", tc.name, tc.arg, got, tc.want)
		}
	}
	if callFn(t, "has_body", ctxFor(t, coretest.Options)) != -1 {
		t.Error("has_body on an empty body")
	}
}

func TestReplyAdditions(t *testing.T) {
	c := ctxFor(t, coretest.Options)
	if callFn(t, "append_to_reply", c, "Allow: INVITE") != 1 || callFn(t, "append_to_reply", c, "X-B: 1\r\n") != 1 {
		t.Fatal("append_to_reply failed")
	}
	if c.ReplyHeaders != "Allow: INVITE\r\nX-B: 1\r\n" {
		t.Errorf("ReplyHeaders = %q", c.ReplyHeaders)
	}
	if callFn(t, "append_body_to_reply", c, "body") != 1 || c.ReplyBody != "body" {
		t.Errorf("ReplyBody = %q", c.ReplyBody)
	}
}

func TestRURIParams(t *testing.T) {
	text := strings.Replace(coretest.Options, "OPTIONS sip:10.0.0.1 SIP", "OPTIONS sip:bob@10.0.0.1;user=phone;lr SIP", 1)
	c := ctxFor(t, text)
	if callFn(t, "ruri_has_param", c, "user", "phone") != 1 || callFn(t, "ruri_has_param", c, "lr") != 1 ||
		callFn(t, "ruri_has_param", c, "user") != -1 || callFn(t, "ruri_has_param", c, "x") != -1 {
		t.Error("ruri_has_param")
	}
	if callFn(t, "ruri_add_param", c, "foo=bar") != 1 || c.Msg.RURI() != "sip:bob@10.0.0.1;user=phone;lr;foo=bar" {
		t.Errorf("after add: %s", c.Msg.RURI())
	}
	if callFn(t, "ruri_del_param", c, "user") != 1 || c.Msg.RURI() != "sip:bob@10.0.0.1;lr;foo=bar" {
		t.Errorf("after del: %s", c.Msg.RURI())
	}
	if callFn(t, "ruri_del_param", c, "nothere") != -1 {
		t.Error("deleting a missing param succeeded")
	}
	tel := ctxFor(t, strings.Replace(coretest.Options, "OPTIONS sip:10.0.0.1 SIP", "OPTIONS tel:+4930123;phone-context=x SIP", 1))
	if callFn(t, "ruri_tel2sip", tel) != 1 || tel.Msg.RURI() != "sip:+4930123;phone-context=x@example.org;user=phone" {
		t.Errorf("tel2sip: %s", tel.Msg.RURI())
	}
	for uri, want := range map[string]api.Ret{"sip:+4930123@x": 1, "sip:4930123@x": -1, "tel:+1": -1, "sip:+12a@x": -1} {
		if got := callFn(t, "is_uri_user_e164", c, uri); got != want {
			t.Errorf("is_uri_user_e164(%s) = %d", uri, got)
		}
	}
}

func TestPrivacy(t *testing.T) {
	c := ctxFor(t, strings.Replace(coretest.Options, "Content-Length: 0", "Privacy: id; header\nContent-Length: 0", 1))
	if callFn(t, "is_privacy", c, Privacy(1<<5)) != 1 || callFn(t, "is_privacy", c, "session") != -1 {
		t.Error("is_privacy")
	}
}

func TestChangeReplyStatus(t *testing.T) {
	c := ctxFor(t, strings.Replace(reply, "180 Ringing", "486 Busy Here", 1))
	c.RouteType = api.OnReplyRoute
	if callFn(t, "change_reply_status", c, int64(404), "Not Found") != 1 {
		t.Fatal("change failed")
	}
	if c.Msg.StatusCode() != 404 || !strings.HasPrefix(string(c.Msg.Bytes()), "SIP/2.0 404 Not Found\r\n") {
		t.Errorf("reply now %d:\n%s", c.Msg.StatusCode(), c.Msg.Bytes())
	}
	if callFn(t, "change_reply_status", c, int64(200), "OK") != -1 {
		t.Error("a 4xx became a 2xx")
	}
}

const sdpInvite = `INVITE sip:bob@example.com SIP/2.0
Via: SIP/2.0/UDP 192.0.2.10:5062;branch=z9hG4bKsdp
To: <sip:bob@example.com>
From: <sip:alice@example.org>;tag=1
Call-ID: sdp-1
CSeq: 1 INVITE
Content-Type: application/sdp
Content-Length: %d

`

const sdpBody = "v=0\r\no=- 1 1 IN IP4 192.0.2.10\r\ns=-\r\nc=IN IP4 192.0.2.10\r\nt=0 0\r\n" +
	"m=audio 4000 RTP/AVP 0 8 101\r\na=rtpmap:8 PCMA/8000\r\na=rtpmap:101 telephone-event/8000\r\na=fmtp:101 0-15\r\n"

func TestCodecs(t *testing.T) {
	text := strings.Replace(sdpInvite, "%d", strconv.Itoa(len(sdpBody)), 1) + sdpBody
	c := ctxFor(t, strings.ReplaceAll(text, "\r\n", "\n"))
	if c.Msg.Body() != sdpBody {
		t.Fatalf("body = %q", c.Msg.Body())
	}
	if callFn(t, "codec_exists", c, "pcmu") != 1 || callFn(t, "codec_exists", c, "G729") != -1 ||
		callFn(t, "codec_exists", c, "PCMA", "16000") != -1 || callFn(t, "codec_exists_re", c, regexp.MustCompile("(?i)^tele")) != 1 {
		t.Error("codec_exists")
	}
	if callFn(t, "codec_delete", c, "telephone-event") != 1 {
		t.Fatal("codec_delete failed")
	}
	want := "v=0\r\no=- 1 1 IN IP4 192.0.2.10\r\ns=-\r\nc=IN IP4 192.0.2.10\r\nt=0 0\r\n" +
		"m=audio 4000 RTP/AVP 0 8\r\na=rtpmap:8 PCMA/8000\r\n"
	if got := c.Msg.Body(); got != want {
		t.Errorf("body after delete:\n%q\nwant\n%q", got, want)
	}
	if !strings.Contains(string(c.Msg.Bytes()), "Content-Length: "+strconv.Itoa(len(want))+"\r\n") {
		t.Errorf("Content-Length not updated:\n%s", c.Msg.Bytes())
	}
}

func TestValidate(t *testing.T) {
	c := ctxFor(t, coretest.Invite)
	if rc := callFn(t, "sipmsg_validate", c, ValidateHeaders|ValidateRURI|ValidateContact|ValidateSDP); rc != 1 {
		t.Errorf("valid INVITE: %d", rc)
	}
	bad := ctxFor(t, strings.Replace(coretest.Options, "Max-Forwards: 70", "Max-Forwards: x", 1))
	if rc := callFn(t, "sipmsg_validate", bad); rc != invalidMaxFwd {
		t.Errorf("bad Max-Forwards: %d", rc)
	}
	if rc := callFn(t, "sipmsg_validate", bad, ValidateNoMaxFwd); rc != 1 {
		t.Errorf("bad Max-Forwards ignored with m: %d", rc)
	}
}

func BenchmarkIsMethod(b *testing.B) {
	c := ctxFor(b, coretest.Invite)
	ms, _ := ParseMethods("REGISTER|OPTIONS|INVITE")
	args := []any{ms}
	b.ReportAllocs()
	for b.Loop() {
		if isMethod(c, args) != 1 {
			b.Fatal("no match")
		}
	}
}

func BenchmarkHasToTag(b *testing.B) {
	c := ctxFor(b, reply)
	b.ReportAllocs()
	for b.Loop() {
		if hasToTag(c, nil) != 1 {
			b.Fatal("no tag")
		}
	}
}

func TestAllImplemented(t *testing.T) {
	for _, f := range New().Funcs() {
		if f.Call == nil {
			t.Errorf("%s has no Call", f.Name)
		}
	}
}

func TestSDPStreams(t *testing.T) {
	body := sdpBody + "m=video 5000 RTP/AVP 31\r\na=sendonly\r\n"
	text := strings.Replace(sdpInvite, "%d", strconv.Itoa(len(body)), 1) + body
	mk := func() *api.Ctx { return ctxFor(t, strings.ReplaceAll(text, "\r\n", "\n")) }
	c := mk()
	if callFn(t, "stream_exists", c, regexp.MustCompile("(?i)video")) != 1 || callFn(t, "stream_exists", c, regexp.MustCompile("image")) != -1 {
		t.Error("stream_exists")
	}
	if callFn(t, "is_audio_on_hold", c) != -1 {
		t.Error("audio reported on hold")
	}
	if callFn(t, "stream_delete", c, regexp.MustCompile("video")) != 1 || strings.Contains(c.Msg.Body(), "m=video") {
		t.Errorf("stream_delete: %q", c.Msg.Body())
	}
	c = mk()
	if callFn(t, "codec_move_up", c, "PCMA") != 1 || !strings.Contains(c.Msg.Body(), "m=audio 4000 RTP/AVP 8 0 101\r\n") {
		t.Errorf("codec_move_up: %q", c.Msg.Body())
	}
	c = mk()
	if callFn(t, "codec_delete_except_re", c, regexp.MustCompile("PCMU")) != 1 ||
		!strings.Contains(c.Msg.Body(), "m=audio 4000 RTP/AVP 0\r\nm=video 5000 RTP/AVP\r\n") || strings.Contains(c.Msg.Body(), "rtpmap") {
		t.Errorf("codec_delete_except_re: %q", c.Msg.Body())
	}
	c = mk()
	if callFn(t, "remove_body_part", c) != 1 || c.Msg.Body() != "" || strings.Contains(string(c.Msg.Bytes()), "Content-Type") {
		t.Errorf("remove_body_part: %s", c.Msg.Bytes())
	}
	c = ctxFor(t, coretest.Options)
	if callFn(t, "add_body_part", c, "hello", "text/plain") != 1 || callFn(t, "add_body_part", c, "v=0\r\n", "application/sdp") != 1 {
		t.Fatal("add_body_part failed")
	}
	out := string(c.Msg.Bytes())
	if !strings.Contains(out, "Content-Type: multipart/mixed;boundary=") || callFn(t, "has_body_part", c, Mime("application/sdp")) != 1 {
		t.Errorf("multipart body:\n%s", out)
	}
	if _, err := sip.ParseString(out); err != nil {
		t.Errorf("result does not parse: %v", err)
	}
}
