package pv

import (
	"strconv"
	"strings"
	"testing"

	"gosips/api"
	"gosips/sip"
)

// sdpMsgCtx builds a context for an INVITE carrying body as
// application/sdp (no body and no Content-Type when body is "").
func sdpMsgCtx(t testing.TB, body string) (*api.Ctx, *fakePriv) {
	t.Helper()
	hdrs := "INVITE sip:bob@example.com SIP/2.0\r\n" +
		"Via: SIP/2.0/UDP 192.0.2.7:5080;branch=z9hG4bK1\r\n" +
		"From: <sip:alice@example.com>;tag=1\r\nTo: <sip:bob@example.com>\r\n" +
		"Call-ID: sdp-1\r\nCSeq: 1 INVITE\r\n"
	if body != "" {
		hdrs += "Content-Type: application/sdp\r\n"
	}
	m, err := sip.ParseString(hdrs + "Content-Length: " + strconv.Itoa(len(body)) + "\r\n\r\n" + body)
	if err != nil {
		t.Fatal(err)
	}
	f := newFake()
	return &api.Ctx{Priv: f, Msg: m, Req: m, RURIQ: -1}, f
}

func sdpSet(t testing.TB, c *api.Ctx, raw string, v api.Value) error {
	t.Helper()
	return mustSpec(t, raw).Set(c, v)
}

func sdpGet(t testing.TB, c *api.Ctx, raw string) string {
	t.Helper()
	v, err := mustSpec(t, raw).Get(c)
	if err != nil {
		t.Fatalf("%s: %v", raw, err)
	}
	if v.IsNull() {
		return "<null>"
	}
	return Str(v)
}

func joinSDP(sep, last string, lines ...string) string {
	return strings.Join(lines, sep) + last
}

var sdpTestLines = []string{
	"v=0",
	"o=Sonus_UAC 14892 145022 IN IP4 1.2.3.4",
	"s=SIP Media Capabilities",
	"c=IN IP4 1.2.3.4",
	"t=0 0",
	"m=audio 46938 RTP/AVP 0 8 18 101",
	"a=rtpmap:0 PCMU/8000 bitrate=7000 bitrate=4000",
	"a=rtpmap:8 PCMA/8000",
	"a=rtpmap:18 G729/8000",
	"a=fmtp:18 annexb=no",
	"a=rtpmap:101 telephone-event/8000",
	"a=fmtp:101 0-15",
	"a=sendrecv",
	"a=maxptime:20",
}

var sdpStreamLines = append(append([]string{}, sdpTestLines...),
	"m=video 8000/2 RTP/AVP 96 97",
	"a=rtpmap:96 H264/90000",
	"a=fmtp:96 packetization-mode=0",
	"a=rtpmap:97 H264/90000",
	"a=fmtp:97 packetization-mode=0",
	"a=control:trackID=1",
	"m=audio 27292 RTP/AVP 9 8 0 2 102 100 99 101",
	"a=rtpmap:2 G726-32/8000",
	"a=rtpmap:102 G726-32/8000",
	"a=rtpmap:100 G726-40/8000",
	"a=rtpmap:99 G726-24/8000",
	"a=rtpmap:101 telephone-event/8000",
	"a=fmtp:101 0-15",
	"a=sendrecv",
	"a=ptime:20")

// forSeps runs fn for each line separator, with and without one after
// the last line, as OpenSIPS' own test of these variables does.
func forSeps(t *testing.T, fn func(t *testing.T, sep, last string)) {
	for _, sep := range []string{"\r\n", "\n"} {
		for _, last := range []string{sep, ""} {
			t.Run(strconv.Quote(sep)+"/last="+strconv.Quote(last), func(t *testing.T) { fn(t, sep, last) })
		}
	}
}

func TestSDPBodySetNull(t *testing.T) {
	forSeps(t, func(t *testing.T, sep, last string) {
		c, _ := sdpMsgCtx(t, "")
		body := joinSDP(sep, last, sdpTestLines...)
		if got := sdpGet(t, c, "$sdp"); got != "<null>" {
			t.Fatalf("$sdp on a message without body = %q", got)
		}
		for i := 0; i < 3; i++ {
			if err := sdpSet(t, c, "$sdp", api.StrValue(body)); err != nil {
				t.Fatal(err)
			}
			if got := sdpGet(t, c, "$rb(application/sdp)"); got != body {
				t.Fatalf("$rb after set = %q", got)
			}
			if got := sdpGet(t, c, "$sdp"); got != body {
				t.Fatalf("$sdp after set = %q", got)
			}
			if ct := c.Msg.ContentType(); ct != "application/sdp" {
				t.Fatalf("Content-Type = %q", ct)
			}
			if err := sdpSet(t, c, "$sdp", api.Null); err != nil {
				t.Fatal(err)
			}
			if got := sdpGet(t, c, "$sdp"); got != "<null>" {
				t.Fatalf("$sdp after NULL = %q", got)
			}
		}
	})
}

func TestSDPBodySetRefusesBadSDP(t *testing.T) {
	good := joinSDP("\r\n", "\r\n", sdpTestLines...)
	for _, bad := range []string{
		"hello\r\n",
		"v=0\r\ns=x\r\nc=IN IP4 1.2.3.4\r\nm=audio 1 RTP/AVP 0\r\n", // no o=
		"v=0\r\no=x 1 1 IN IP4 1.2.3.4\r\nc=IN IP4 1.2.3.4\r\n",     // no m=
		"v=0\r\no=x 1 1 IN IP4 1.2.3.4\r\nm=audio 1 RTP/AVP 0\r\n",  // no c=
	} {
		c, _ := sdpMsgCtx(t, good)
		if err := sdpSet(t, c, "$sdp", api.StrValue(bad)); err == nil {
			t.Errorf("$sdp = %q accepted", bad)
		}
		if got := sdpGet(t, c, "$sdp"); got != good {
			t.Errorf("after a refused set $sdp = %q", got)
		}
	}
	c, _ := sdpMsgCtx(t, good)
	if err := sdpSet(t, c, "$sdp", api.IntValue(5)); err == nil {
		t.Error("$sdp = 5 accepted")
	}
}

func TestSDPLineReadWrite(t *testing.T) {
	forSeps(t, func(t *testing.T, sep, last string) {
		c, f := sdpMsgCtx(t, joinSDP(sep, last, sdpTestLines...))
		for i, want := range sdpTestLines {
			if got := sdpGet(t, c, "$sdp.line(["+strconv.Itoa(i)+"])"); got != want {
				t.Fatalf("line %d = %q, want %q", i, got, want)
			}
			f.vars.Set("i", api.IntValue(int64(i)))
			if got := sdpGet(t, c, "$sdp.line([$var(i)])"); got != want {
				t.Fatalf("line $var(i)=%d = %q, want %q", i, got, want)
			}
		}
		f.vars.Set("i", api.IntValue(2))
		reads := []struct{ pv, want string }{
			{"$sdp.line([14])", "<null>"},
			{"$sdp.line(a=rtpmap/PCMU)", "PCMU/8000"},
			{"$sdp.line(a=rtpmap[0])", "a=rtpmap:0 PCMU/8000 bitrate=7000 bitrate=4000"},
			{"$sdp.line(a=rtpmap[1])", "a=rtpmap:8 PCMA/8000"},
			{"$sdp.line(a=rtpmap[$var(i)])", "a=rtpmap:18 G729/8000"},
			{"$sdp.line(a=rtpmap[3])", "a=rtpmap:101 telephone-event/8000"},
			{"$sdp.line(a=rtpmap[4])", "<null>"},
			{"$sdp.line(A=RTPMAP[1])", "a=rtpmap:8 PCMA/8000"},
			{"$sdp.line(a=[3])", "a=fmtp:18 annexb=no"},
			{"$sdp.line(a=[30])", "<null>"},
			{"$sdp.line(a=[3]/annexb)", "annexb=no"},
			{"$sdp.line(a=[3]/annexb[0])", "annexb=no"},
			{"$sdp.line(a=[3]/annexb )", "<null>"},
			{"$sdp.line(a=[3]/annexb [0])", "<null>"},
			{"$sdp.line(a=[3]/annexb[1])", "<null>"},
			{"$sdp.line(a=[0]/bitrate[1])", "bitrate=4000"},
			{"$sdp.line([1]/[4])", "IP4"},
		}
		for _, r := range reads {
			if got := sdpGet(t, c, r.pv); got != r.want {
				t.Errorf("%s = %q, want %q", r.pv, got, r.want)
			}
		}

		must := func(raw string, v api.Value) {
			t.Helper()
			if err := sdpSet(t, c, raw, v); err != nil {
				t.Fatalf("%s: %v", raw, err)
			}
		}
		must("$sdp.line([3])", api.StrValue("c=IN IP4 1.2.3.10"))
		must("$sdp.line([12])", api.StrValue("a=nortpproxy:yes"))
		must("$(sdp.line([12])[insert])", api.StrValue("a=sendrecv"+sep))
		must("$(sdp.line([12])[insertAfter])", api.StrValue("a=ptime:80"))
		must("$sdp.line([13])", api.Null)
		if err := sdpSet(t, c, "$sdp.line([15])", api.Null); err == nil {
			t.Error("deleting past the last line succeeded")
		}
		want := append(append([]string{}, sdpTestLines[:12]...), "a=sendrecv", "a=nortpproxy:yes", "a=maxptime:20")
		want[3] = "c=IN IP4 1.2.3.10"
		// A rebuilt body ends every line with the separator.
		if got, w := sdpGet(t, c, "$sdp"), joinSDP(sep, sep, want...); got != w {
			t.Fatalf("rebuilt body:\n%q\nwant\n%q", got, w)
		}
		if got, w := sdpGet(t, c, "$rb"), joinSDP(sep, sep, want...); got != w {
			t.Fatalf("$rb after edits:\n%q\nwant\n%q", got, w)
		}
		if err := sdpSet(t, c, "$sdp.line(a=[0]/bitrate)", api.StrValue("x")); err == nil {
			t.Error("writing a token succeeded")
		}
	})
}

func TestSDPStream(t *testing.T) {
	forSeps(t, func(t *testing.T, sep, last string) {
		c, f := sdpMsgCtx(t, joinSDP(sep, last, sdpStreamLines...))
		f.vars.Set("i", api.IntValue(1))
		f.vars.Set("j", api.IntValue(2))
		reads := []struct{ pv, want string }{
			{"$sdp.stream(/)", "m=audio 46938 RTP/AVP 0 8 18 101"},
			{"$sdp.stream(/[0])", "m=audio 46938 RTP/AVP 0 8 18 101"},
			{"$sdp.stream([1]/)", "m=video 8000/2 RTP/AVP 96 97"},
			{"$sdp.stream([2]/[0])", "m=audio 27292 RTP/AVP 9 8 0 2 102 100 99 101"},
			{"$sdp.stream(a)", "m=audio 46938 RTP/AVP 0 8 18 101"},
			{"$sdp.stream(audio[0]/a=rtpmap)", "a=rtpmap:0 PCMU/8000 bitrate=7000 bitrate=4000"},
			{"$sdp.stream(audio/a=rtpmap[3])", "a=rtpmap:101 telephone-event/8000"},
			{"$sdp.stream(audio/a=rtpmap[4])", "<null>"},
			{"$sdp.stream(audio[1]/a=rtpmap[1])", "a=rtpmap:102 G726-32/8000"},
			{"$sdp.stream(audio[$var(i)]/a=rtpmap[$var(j)])", "a=rtpmap:100 G726-40/8000"},
			{"$sdp.stream(audio[1]/a=rtpmap[5])", "<null>"},
			{"$sdp.stream(audio[2]/a=rtpmap)", "<null>"},
			{"$sdp.stream(video[0]/a=rtpmap[1])", "a=rtpmap:97 H264/90000"},
			{"$sdp.stream(video[0]/a=rtpmap[2])", "<null>"},
			{"$sdp.stream(video[1])", "<null>"},
			{"$sdp.stream(video/a=fmtp[0]/packetization)", "packetization-mode=0"},
		}
		for _, r := range reads {
			if got := sdpGet(t, c, r.pv); got != r.want {
				t.Errorf("%s = %q, want %q", r.pv, got, r.want)
			}
		}
		for raw, v := range map[string]api.Value{
			"$(sdp.stream(audio[0]/a=rtpmap[1])[insertAfter])": api.StrValue("a=rtpmap:9 PCMX/8000"),
		} {
			if err := sdpSet(t, c, raw, v); err != nil {
				t.Fatal(err)
			}
		}
		if err := sdpSet(t, c, "$(sdp.stream(audio[0]/a=rtpmap[2])[insert])", api.StrValue("a=rtpmap:40 Opus/32000")); err != nil {
			t.Fatal(err)
		}
		if err := sdpSet(t, c, "$sdp.stream(audio[1]/a=rtpmap[2])", api.StrValue("a=rtpmap:100 G726-40/16000")); err != nil {
			t.Fatal(err)
		}
		if err := sdpSet(t, c, "$sdp.stream(audio[1]/a=rtpmap[4])", api.Null); err != nil {
			t.Fatal(err)
		}
		for i, want := range []string{"a=rtpmap:0 PCMU/8000 bitrate=7000 bitrate=4000", "a=rtpmap:8 PCMA/8000",
			"a=rtpmap:40 Opus/32000", "a=rtpmap:9 PCMX/8000", "a=rtpmap:18 G729/8000",
			"a=rtpmap:101 telephone-event/8000", "<null>"} {
			pv := "$sdp.stream(audio[0]/a=rtpmap[" + strconv.Itoa(i) + "])"
			if got := sdpGet(t, c, pv); got != want {
				t.Errorf("%s = %q, want %q", pv, got, want)
			}
		}
		for pv, want := range map[string]string{
			"$sdp.stream.idx(/v=0)":              "<null>",
			"$sdp.stream.idx(audio/a=rtpmap:40)": "8",
			"$sdp.stream.idx(video/a=rtpmap:97)": "19",
			"$sdp.stream.idx(audio[1]/a=fmtp)":   "27",
			"$sdp.stream.idx(audio[1]/a=xmtp)":   "<null>",
		} {
			if got := sdpGet(t, c, pv); got != want {
				t.Errorf("%s = %q, want %q", pv, got, want)
			}
		}
		if got := sdpGet(t, c, "$sdp.stream(audio[1]/a=rtpmap[2])"); got != "a=rtpmap:100 G726-40/16000" {
			t.Errorf("edited stream line = %q", got)
		}
	})
}

func TestSDPSession(t *testing.T) {
	forSeps(t, func(t *testing.T, sep, last string) {
		c, f := sdpMsgCtx(t, joinSDP(sep, last, sdpTestLines...))
		f.vars.Set("i", api.IntValue(3))
		f.vars.Set("j", api.IntValue(2))
		for pv, want := range map[string]string{
			"$sdp.session(/)":                   "v=0",
			"$sdp.session([0]/[0])":             "v=0",
			"$sdp.session([1]/)":                "o=Sonus_UAC",
			"$sdp.session([3]/[1])":             "IP4",
			"$sdp.session([$var(i)]/[$var(j)])": "1.2.3.4",
			"$sdp.session([3]/[3])":             "<null>",
			"$sdp.session([4])":                 "t=0 0",
			"$sdp.session([5])":                 "<null>",
			"$sdp.session(c=)":                  "c=IN IP4 1.2.3.4",
			"$sdp.session(a=rtpmap)":            "<null>",
		} {
			if got := sdpGet(t, c, pv); got != want {
				t.Errorf("%s = %q, want %q", pv, got, want)
			}
		}
		for _, w := range []struct {
			pv string
			v  string
		}{{"$(sdp.session([0])[insert])", "x=0"}, {"$sdp.session([5])", "a=test"}, {"$(sdp.session([4])[insertAfter])", "a=test2"}} {
			if err := sdpSet(t, c, w.pv, api.StrValue(w.v)); err != nil {
				t.Fatalf("%s: %v", w.pv, err)
			}
		}
		for i, want := range []string{"x=0", "v=0", "o=Sonus_UAC 14892 145022 IN IP4 1.2.3.4", "s=SIP Media Capabilities",
			"c=IN IP4 1.2.3.4", "a=test2", "a=test", "<null>"} {
			pv := "$sdp.session([" + strconv.Itoa(i) + "])"
			if got := sdpGet(t, c, pv); got != want {
				t.Errorf("%s = %q, want %q", pv, got, want)
			}
		}
	})
}

// Without a message (startup, timer routes) the variables work on a
// dummy request, as OpenSIPS' do.
func TestSDPWithoutMessage(t *testing.T) {
	f := newFake()
	c := &api.Ctx{Priv: f}
	body := joinSDP("\r\n", "\r\n", sdpTestLines...)
	if got := sdpGet(t, c, "$rb(application/sdp)"); got != "<null>" {
		t.Fatalf("$rb = %q", got)
	}
	if err := sdpSet(t, c, "$sdp", api.StrValue(body)); err != nil {
		t.Fatal(err)
	}
	if got := sdpGet(t, c, "$rb(application/sdp)"); got != body {
		t.Fatalf("$rb = %q", got)
	}
	if got := sdpGet(t, c, "$sdp.line(m=)"); got != "m=audio 46938 RTP/AVP 0 8 18 101" {
		t.Fatalf("$sdp.line(m=) = %q", got)
	}
	if c.Msg != nil {
		t.Fatal("the dummy message leaked into the context's Msg")
	}
}

// A body edited by $sdp.line leaves with a Content-Length that fits.
func TestSDPLineContentLength(t *testing.T) {
	body := joinSDP("\r\n", "\r\n", sdpTestLines...)
	c, _ := sdpMsgCtx(t, body)
	if err := sdpSet(t, c, "$(sdp.line(a=sendrecv)[insert])", api.StrValue("a=x-long-attribute:1234567890")); err != nil {
		t.Fatal(err)
	}
	out, err := sip.ParseString(string(c.Msg.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	n, _ := out.ContentLength()
	if n != len(out.Body()) || !strings.Contains(out.Body(), "a=x-long-attribute:1234567890\r\na=sendrecv\r\n") {
		t.Fatalf("Content-Length %d, body %d bytes:\n%s", n, len(out.Body()), out.Body())
	}
}

func TestSDPNameParseErrors(t *testing.T) {
	tab := NewTable(CoreDefs())
	for _, raw := range []string{
		"$sdp.line([-1])", "$sdp.line([x])", "$sdp.line([1)", "$sdp.line($var(x))",
		"$(sdp.line([1])[2])", "$(sdp.line([1])[before])", "$sdp(x)", "$sdp.line",
	} {
		s, err := Parse(raw)
		if err == nil {
			err = tab.Resolve(s)
		}
		if err == nil {
			t.Errorf("%s accepted", raw)
		}
	}
}

func TestSDPStreamTrans(t *testing.T) {
	body := joinSDP("\r\n", "\r\n", sdpStreamLines...)
	audio0 := joinSDP("\r\n", "\r\n", sdpStreamLines[5:14]...)
	video := joinSDP("\r\n", "\r\n", sdpStreamLines[14:20]...)
	audio1 := joinSDP("\r\n", "\r\n", sdpStreamLines[20:]...)
	session := joinSDP("\r\n", "\r\n", sdpStreamLines[:5]...)
	for _, tc := range []struct {
		name string
		arg  api.Value
		want string
		err  bool
	}{
		{"stream", api.StrValue("audio"), audio0, false},
		{"stream", api.StrValue("VIDEO"), video, false},
		{"stream", api.IntValue(2), audio1, false},
		{"stream", api.StrValue("1"), video, false},
		{"stream", api.IntValue(-1), audio1, false},
		{"stream", api.IntValue(3), "", true},
		{"stream", api.StrValue("image"), "", true},
		{"stream-delete", api.StrValue("audio"), session + video, false},
		{"stream-delete", api.IntValue(1), session + audio0 + audio1, false},
		{"stream-delete", api.IntValue(-3), session + video + audio1, false},
		{"stream-delete", api.StrValue("text"), "", true},
	} {
		got, err := ApplyTrans("sdp", tc.name, api.StrValue(body), tc.arg)
		if tc.err {
			if err == nil {
				t.Errorf("{sdp.%s,%s} = %q, want an error", tc.name, Str(tc.arg), Str(got))
			}
			continue
		}
		if err != nil || got.S != tc.want {
			t.Errorf("{sdp.%s,%s} = %q, %v\nwant %q", tc.name, Str(tc.arg), got.S, err, tc.want)
		}
	}
	if _, err := ApplyTrans("sdp", "stream", api.StrValue("not sdp"), api.StrValue("audio")); err == nil {
		t.Error("{sdp.stream} of a non-SDP string succeeded")
	}
	// A variable argument: a number is an index, anything else a media.
	f := newFake()
	f.vars.Set("sdp", api.StrValue(body))
	f.vars.Set("m", api.StrValue("video"))
	f.vars.Set("n", api.IntValue(2))
	c := ctxWith(f)
	if got := get(t, c, "$(var(sdp){sdp.stream,$var(m)})"); got != video {
		t.Errorf("{sdp.stream,$var(m)} = %q", got)
	}
	if got := get(t, c, "$(var(sdp){sdp.stream-delete,$var(n)})"); got != session+audio0+video {
		t.Errorf("{sdp.stream-delete,$var(n)} = %q", got)
	}
}

func BenchmarkSDPLineRead(b *testing.B) {
	body := joinSDP("\r\n", "\r\n", sdpStreamLines...)
	c, f := sdpMsgCtx(b, body)
	s := mustSpec(b, "$sdp.stream(audio[1]/a=rtpmap[2])")
	b.Run("cached", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if v, err := s.Get(c); err != nil || v.S != "a=rtpmap:100 G726-40/8000" {
				b.Fatal(v, err)
			}
		}
	})
	// Every message cuts its body into lines once: reset the cache.
	b.Run("parse+read", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			f.cache.Reset()
			if v, err := s.Get(c); err != nil || v.S != "a=rtpmap:100 G726-40/8000" {
				b.Fatal(v, err)
			}
		}
	})
}

// FuzzSDPName feeds names and bodies to the SDP variables: no panic, and
// a read never returns text that is not in the body.
func FuzzSDPName(f *testing.F) {
	for _, s := range []string{"a=[3]/annexb[$var(i)]", "audio[1]/a=rtpmap[2]", "/", "[1]/", "\\/x\\\\[0]/y", "a=rtpmap/PCMU", "[", "x[ 3 ] /"} {
		f.Add(s, joinSDP("\r\n", "", sdpStreamLines...))
	}
	f.Fuzz(func(t *testing.T, name, body string) {
		for _, stream := range []bool{false, true} {
			n, err := parseSDPName(name, stream)
			if err != nil {
				continue
			}
			c, fp := sdpMsgCtx(t, "")
			fp.vars.Set("i", api.IntValue(1))
			c.Msg.SetBody(body, "application/sdp")
			c.Msg.ApplyChanges()
			for _, d := range []*Def{{Name: "sdp.line", Get: sdpLineGetter(scopeBody)}, {Name: "sdp.stream", Get: sdpLineGetter(scopeStream)}} {
				s := &Spec{Name: d.Name, Def: d, Parsed: n}
				v, _ := d.Get(c, s)
				if v.IsStr() && !strings.Contains(c.Msg.Body(), v.S) {
					t.Fatalf("%s(%s) = %q, not in the body", d.Name, name, v.S)
				}
				_ = sdpLineSetter(scopeStream)(c, &Spec{Name: d.Name, Def: d, Parsed: n, Index: Index{Kind: IdxWord, Word: "insert"}}, api.StrValue("a=x"))
			}
		}
	})
}
