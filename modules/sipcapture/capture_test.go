package sipcapture

import (
	"strings"
	"testing"
	"time"

	"gosips/internal/hep"
)

func TestTableName(t *testing.T) {
	at := time.Date(2014, 4, 13, 13, 5, 9, 0, time.UTC)
	for in, want := range map[string]string{
		"sip_capture":           "sip_capture",
		"homer_%m_%d":           "homer_04_13",
		"homer_%m_%d_%H":        "homer_04_13_13",
		"sip_capture_%Y%m%d":    "sip_capture_20140413",
		"t_%j_%y_%M%S_%u_%w_%%": "t_103_14_0509_7_0_%",
	} {
		if got := tableName(in, at); got != want {
			t.Errorf("%s: got %s, want %s", in, got, want)
		}
	}
	if _, _, err := splitTable("bad-name_%d"); err == nil {
		t.Error("bad table name accepted")
	}
}

func TestChunkIDs(t *testing.T) {
	for in, want := range map[string]uint16{"proto_type": 0x0b, "0x11": 0x11, "31": 31, "src_ip": 3, "payload": 0x0f} {
		got, err := parseChunkID(in)
		if err != nil || got != want {
			t.Errorf("%s: %d %v, want %d", in, got, err, want)
		}
	}
	for _, in := range []string{"foo", "0", "70000"} {
		if _, err := parseChunkID(in); err == nil {
			t.Errorf("%s accepted", in)
		}
	}
}

func TestSetChunk(t *testing.T) {
	p := &hep.Packet{Version: 3}
	for _, c := range []struct {
		id                uint16
		data, typ, vendor string
	}{
		{0x0b, "H321", "", ""}, {2, "TCP", "", ""}, {31, "132", "uint32", "3"}, {32, "192.168.5.14", "inet4-addr", "3"},
		{3, "10.0.0.1", "", ""}, {7, "5070", "", ""}, {0x0c, "234", "", ""},
	} {
		if err := setChunk(p, c.id, c.data, c.typ, c.vendor); err != nil {
			t.Fatalf("%+v: %v", c, err)
		}
	}
	if p.ProtoType != 12 || p.Proto != hep.IPProtoTCP || p.Src.String() != "10.0.0.1:5070" || p.CaptureID != 234 {
		t.Errorf("generic chunks: %+v", p)
	}
	if c, ok := p.Chunk(3, 31); !ok || string(c.Data) != "\x00\x00\x00\x84" {
		t.Errorf("uint32 chunk %v %v", c, ok)
	}
	if c, ok := p.Chunk(3, 32); !ok || decodeData(c.Data, "inet4-addr").S != "192.168.5.14" {
		t.Errorf("address chunk %v %v", c, ok)
	}
	if err := setChunk(p, 9, "1", "", ""); err == nil || !strings.Contains(err.Error(), "cannot be set") {
		t.Errorf("timestamp set: %v", err)
	}
	if err := setChunk(p, 31, "x", "uint8", ""); err == nil {
		t.Error("bad uint8 accepted")
	}
}
