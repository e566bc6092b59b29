package nathelper

import (
	"strings"
	"testing"
)

const offer = "v=0\r\n" +
	"o=alice 2890844526 2890844526 IN IP4 192.168.1.10\r\n" +
	"s=-\r\n" +
	"c=IN IP4 192.168.1.10\r\n" +
	"t=0 0\r\n" +
	"m=audio 49170 RTP/AVP 0\r\n" +
	"a=rtpmap:0 PCMU/8000\r\n"

func TestFixSDPFlags(t *testing.T) {
	tests := []struct {
		name  string
		flags string
		ip    string
		body  string
		want  []string // substrings expected
		not   []string // substrings that must be absent
	}{
		{name: "media ip", flags: "rewrite-media-ip", ip: "127.0.0.2",
			want: []string{"c=IN IP4 127.0.0.2\r\n", "o=alice 2890844526 2890844526 IN IP4 192.168.1.10", "a=rtpmap:0 PCMU/8000\r\na=oldcip:192.168.1.10\r\n"}},
		{name: "origin ip", flags: "rewrite-origin-ip", ip: "127.0.0.2",
			want: []string{"IN IP4 127.0.0.2\r\ns=-", "c=IN IP4 192.168.1.10", "a=oldoip:192.168.1.10"}},
		{name: "both, old 2 as number", flags: "10", ip: "10.0.0.1",
			want: []string{"c=IN IP4 10.0.0.1", "o=alice 2890844526 2890844526 IN IP4 10.0.0.1"}},
		{name: "direction and nortpproxy", flags: "add-dir-active,add-no-rtpproxy", ip: "127.0.0.2",
			want: []string{"a=rtpmap:0 PCMU/8000\r\na=direction:active\r\na=nortpproxy:yes\r\n"}, not: []string{"oldcip"}},
		{name: "null address kept", flags: "rewrite-media-ip", ip: "127.0.0.2",
			body: strings.Replace(offer, "c=IN IP4 192.168.1.10", "c=IN IP4 0.0.0.0", 1),
			want: []string{"c=IN IP4 0.0.0.0"}, not: []string{"oldcip"}},
		{name: "null address forced", flags: "rewrite-media-ip,rewrite-null-ips", ip: "127.0.0.2",
			body: strings.Replace(offer, "c=IN IP4 192.168.1.10", "c=IN IP4 0.0.0.0", 1),
			want: []string{"c=IN IP4 127.0.0.2", "a=oldcip:0.0.0.0"}},
		{name: "same address untouched", flags: "rewrite-media-ip", ip: "192.168.1.10", want: []string{offer}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			bits, err := parseNamedFlags(tc.flags, sdpFlagNames)
			if err != nil {
				t.Fatal(err)
			}
			body := tc.body
			if body == "" {
				body = offer
			}
			got, err := FixSDP(body, SDPFixOptions{Flags: bits, IP: tc.ip, NoRTPProxy: "a=nortpproxy:yes"})
			if err != nil {
				t.Fatal(err)
			}
			for _, w := range tc.want {
				if !strings.Contains(got, w) {
					t.Errorf("missing %q in\n%s", w, got)
				}
			}
			for _, w := range tc.not {
				if strings.Contains(got, w) {
					t.Errorf("unexpected %q in\n%s", w, got)
				}
			}
		})
	}
}

func TestFixSDPMalformed(t *testing.T) {
	for _, body := range []string{
		"",
		"hello world",
		"v=0\r\nc=IN\r\n",
		"v=0\r\nc=IN IPX 1.2.3.4\r\n",
		"v=0\r\nm=audio notaport RTP/AVP 0\r\n",
		"v=0\r\no=short\r\n",
		"v=0\r\ns=-\r\n", // no c= line to rewrite
		"v=0\r\nc=IN IP6 ::1\r\nm=audio 1000 RTP/AVP 0\r\n",
		"v=0\r\nc=IN IP4 not-an-ip\r\n",
		"v=0\r\n\x00\x01garbage\r\n",
	} {
		if _, err := FixSDP(body, SDPFixOptions{Flags: sdpFixMediaIP | sdpFixOriginIP, IP: "127.0.0.1"}); err == nil {
			t.Errorf("FixSDP(%q) accepted a malformed body", body)
		}
	}
}

func TestFlagsFixup(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want uint32
		bad  bool
	}{
		{in: "private-contact,private-sdp", want: testContact1918 | testSDP1918},
		{in: "19", want: 19},
		{in: "carrier-grade-nat, diff-port-src-contact", want: testRFC6333 | testContactRPort},
		{in: "private-contacts", bad: true},
		{in: "256", bad: true},
	} {
		got, err := parseNamedFlags(tc.in, uacTestNames)
		if tc.bad != (err != nil) || (!tc.bad && got != tc.want) {
			t.Errorf("%q: got %d, %v", tc.in, got, err)
		}
	}
}

func TestIsPrivate(t *testing.T) {
	for host, want := range map[string]bool{
		"10.1.2.3": true, "172.16.0.1": true, "172.31.255.255": true, "172.32.0.1": false,
		"192.168.0.1": true, "100.64.0.1": true, "100.128.0.1": false, "127.0.0.2": true,
		"192.0.0.1": false, "8.8.8.8": false, "example.com": false, "[::1]": false,
	} {
		if got := isPrivate(host, false); got != want {
			t.Errorf("isPrivate(%q) = %v", host, got)
		}
	}
	if !isPrivate("192.0.0.5", true) {
		t.Error("RFC 6333 address not private with carrier-grade-nat")
	}
}
