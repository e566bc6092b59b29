package hep

import (
	"bytes"
	"encoding/hex"
	"net/netip"
	"strings"
	"testing"
)

func samplePacket() *Packet {
	return &Packet{Version: 3, Proto: IPProtoUDP,
		Src: netip.MustParseAddrPort("127.0.0.1:5060"), Dst: netip.MustParseAddrPort("127.0.0.2:5080"),
		TimeSec: 0x01020304, TimeUsec: 0x0a0b0c, ProtoType: TypeSIP, CaptureID: 1,
		Payload: []byte("OPTIONS sip:a@b SIP/2.0\r\n\r\n"),
		Chunks:  []Chunk{{Vendor: 0, Type: ChunkCorrelationID, Data: []byte("call-1")}}}
}

// TestV3Layout pins the byte layout OpenSIPS' proto_hep writes: header,
// family, proto, ports, times, payload type, capture id, addresses,
// payload, then the extra chunks.
func TestV3Layout(t *testing.T) {
	b, err := samplePacket().Marshal()
	if err != nil {
		t.Fatal(err)
	}
	want := "48455033" + "008a" +
		"000000010007" + "02" + "000000020007" + "11" +
		"000000070008" + "13c4" + "000000080008" + "13d8" +
		"00000009000a" + "01020304" + "0000000a000a" + "000a0b0c" +
		"0000000b0007" + "01" + "0000000c000a" + "00000001" +
		"00000003000a" + "7f000001" + "00000004000a" + "7f000002" +
		"0000000f0021" + hex.EncodeToString([]byte("OPTIONS sip:a@b SIP/2.0\r\n\r\n")) +
		"00000011000c" + hex.EncodeToString([]byte("call-1"))
	if got := hex.EncodeToString(b); got != want {
		t.Fatalf("layout\n got %s\nwant %s", got, want)
	}
	if len(b) != 0x8a || samplePacket().Len() != len(b) {
		t.Fatalf("len %d, Len() %d", len(b), samplePacket().Len())
	}
}

func TestRoundTrip(t *testing.T) {
	for _, v := range []int{1, 2, 3} {
		for _, addr := range []string{"10.0.0.1:5060", "[2001:db8::1]:5062"} {
			p := samplePacket()
			p.Version = v
			p.Src = netip.MustParseAddrPort(addr)
			p.Dst = netip.AddrPortFrom(p.Src.Addr(), 9)
			if v != 3 {
				p.Chunks = nil
				p.CaptureID = 7
			}
			b, err := p.Marshal()
			if err != nil {
				t.Fatal(err)
			}
			if len(b) != p.Len() {
				t.Errorf("v%d %s: %d bytes, Len %d", v, addr, len(b), p.Len())
			}
			q, err := Decode(b)
			if err != nil {
				t.Fatalf("v%d %s: %v", v, addr, err)
			}
			if q.Version != v || q.Src != p.Src || q.Dst != p.Dst || !bytes.Equal(q.Payload, p.Payload) || q.Proto != p.Proto {
				t.Errorf("v%d %s: decoded %+v", v, addr, q)
			}
			if v >= 2 && (q.TimeSec != p.TimeSec || q.TimeUsec != p.TimeUsec || q.CaptureID != p.CaptureID) {
				t.Errorf("v%d: time/capture id %+v", v, q)
			}
			if v == 3 {
				if c, ok := q.Chunk(0, ChunkCorrelationID); !ok || string(c.Data) != "call-1" {
					t.Errorf("correlation chunk %v %v", c, ok)
				}
			}
		}
	}
}

func TestDecodeErrors(t *testing.T) {
	good, _ := samplePacket().Marshal()
	noPayload := samplePacket()
	noPayload.Payload = nil
	cases := map[string][]byte{
		"short":          []byte("HEP3"),
		"length":         append(append([]byte{}, good[:4]...), 0xff, 0xff),
		"truncated":      good[:len(good)-3],
		"bad chunk size": func() []byte { b := append([]byte{}, good...); b[11] = 8; return b }(),
		"v2 short":       {2, 16, 2, 17, 0, 1},
		"v1 family":      {1, 16, 7, 17, 0, 1, 0, 2, 1, 2, 3, 4, 5, 6, 7, 8},
	}
	for name, b := range cases {
		if _, err := Decode(b); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
	// A packet whose advertised length stops before the payload.
	b, _ := noPayload.Marshal()
	b = b[:len(b)-len("call-1")-6-6]
	b[4], b[5] = 0, byte(len(b))
	if _, err := Decode(b); err == nil || !strings.Contains(err.Error(), "payload") {
		t.Errorf("no payload: %v", err)
	}
}

func TestSetDelChunk(t *testing.T) {
	p := samplePacket()
	p.SetChunk(3, 31, []byte{1})
	if p.Chunks[0].Type != 31 {
		t.Fatalf("new chunk not first: %+v", p.Chunks)
	}
	p.SetChunk(3, 31, []byte{2})
	if len(p.Chunks) != 2 || p.Chunks[0].Data[0] != 2 {
		t.Fatalf("replace: %+v", p.Chunks)
	}
	if !p.DelChunk(31) || p.DelChunk(31) || len(p.Chunks) != 1 {
		t.Fatalf("del: %+v", p.Chunks)
	}
}

func BenchmarkEncodeV3(b *testing.B) {
	p := samplePacket()
	p.Payload = bytes.Repeat([]byte("x"), 800)
	buf := make([]byte, 0, 2048)
	b.ReportAllocs()
	for b.Loop() {
		buf, _ = p.Append(buf[:0])
	}
	b.SetBytes(int64(len(buf)))
}

func BenchmarkDecodeV3(b *testing.B) {
	p := samplePacket()
	p.Payload = bytes.Repeat([]byte("x"), 800)
	raw, _ := p.Marshal()
	var q Packet
	b.ReportAllocs()
	for b.Loop() {
		if err := q.Decode(raw); err != nil {
			b.Fatal(err)
		}
	}
}
