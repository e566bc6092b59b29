package bencode

import "testing"

var offerCmd = map[string]any{
	"command": "offer", "call-id": "a84b4c76e66710@pc33.atlanta.com", "from-tag": "1928301774",
	"sdp":           "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 5000 RTP/AVP 0\r\n",
	"flags":         []any{"trust-address"},
	"replace":       []any{"origin", "session-connection"},
	"received-from": []any{"IP4", "127.0.0.1"},
}

func BenchmarkEncodeOffer(b *testing.B) {
	b.ReportAllocs()
	buf := make([]byte, 0, 512)
	for b.Loop() {
		var err error
		if buf, err = Encode(buf[:0], offerCmd); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkDecodeAnswer(b *testing.B) {
	raw, _ := Encode(nil, map[string]any{"result": "ok", "sdp": offerCmd["sdp"]})
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Decode(raw); err != nil {
			b.Fatal(err)
		}
	}
}
