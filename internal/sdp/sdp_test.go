package sdp

import (
	"strings"
	"testing"
)

const body = "v=0\r\n" +
	"o=- 7 7 IN IP4 10.0.0.1\r\n" +
	"s=-\r\n" +
	"c=IN IP4 224.2.1.1/127\r\n" +
	"t=0 0\r\n" +
	"a=sendrecv\r\n" +
	"m=audio 49170/2 RTP/AVP 0\r\n" +
	"a=rtcp:49171\r\n" +
	"m=video 51372 RTP/AVP 31\r\n" +
	"c=IN IP6 ::1\r\n"

func TestParse(t *testing.T) {
	s, err := Parse(body)
	if err != nil {
		t.Fatal(err)
	}
	if s.Origin.Value != "10.0.0.1" || body[s.Origin.Start:s.Origin.End] != "10.0.0.1" {
		t.Errorf("origin %+v", s.Origin)
	}
	if s.Conn.Value != "224.2.1.1" || body[s.Conn.Start:s.Conn.End] != "224.2.1.1" {
		t.Errorf("session c= %+v", s.Conn)
	}
	if len(s.Media) != 2 || s.Media[0].PortNum() != 49170 || s.Media[1].Port.Value != "51372" {
		t.Fatalf("media %+v", s.Media)
	}
	if s.ConnFor(0) != s.Conn || s.ConnFor(1).Family != "IP6" || s.ConnFor(1).Media != 1 {
		t.Errorf("ConnFor: %+v %+v", s.ConnFor(0), s.ConnFor(1))
	}
	if got := s.Media[0].Attrs; len(got) != 1 || got[0] != "rtcp:49171" || s.Attrs[0] != "sendrecv" {
		t.Errorf("attrs %v %v", got, s.Attrs)
	}
	if !strings.HasPrefix(body[s.Media[1].Start:s.Media[1].End], "m=video") || s.Media[0].End != s.Media[1].Start {
		t.Errorf("media bounds %+v", s.Media)
	}
	out := Apply(body, []Edit{{s.Media[1].Port.Start, s.Media[1].Port.End, "4000"}, {s.Conn.Start, s.Conn.End, "1.2.3.4"},
		{TrimEnd(body), TrimEnd(body), "\r\na=x"}})
	if !strings.Contains(out, "c=IN IP4 1.2.3.4/127") || !strings.Contains(out, "m=video 4000 ") || !strings.HasSuffix(out, "::1\r\na=x\r\n") {
		t.Errorf("apply:\n%s", out)
	}
}

func TestParseErrors(t *testing.T) {
	for _, b := range []string{"", "x=0", "v=0\r\nc=IN IP4\r\n", "v=0\r\nc=XX IP4 1.2.3.4\r\n", "v=0\r\nc=IN IPX 1.2.3.4\r\n",
		"v=0\r\nm=audio\r\n", "v=0\r\nm=audio 99999 RTP/AVP 0\r\n", "v=0\r\no=a b c\r\n", "v=0\r\nnot a line\r\n", "v=0\r\nc=IN IP4 /5\r\n"} {
		if _, err := Parse(b); err == nil {
			t.Errorf("Parse(%q) accepted", b)
		}
	}
}

func FuzzParse(f *testing.F) {
	f.Add(body)
	f.Add("v=0\nc=IN IP4 0.0.0.0\nm=audio 0 RTP/AVP 0\n")
	f.Fuzz(func(t *testing.T, b string) {
		s, err := Parse(b)
		if err != nil {
			return
		}
		for _, a := range s.Conns() {
			if b[a.Start:a.End] != a.Value {
				t.Fatalf("c= offsets wrong: %q vs %q", b[a.Start:a.End], a.Value)
			}
		}
		for _, m := range s.Media {
			if b[m.Port.Start:m.Port.End] != m.Port.Value {
				t.Fatalf("m= port offsets wrong")
			}
		}
	})
}
