package bencode

import (
	"reflect"
	"strings"
	"testing"
)

func TestRoundTrip(t *testing.T) {
	v := map[string]any{
		"command":       "offer",
		"sdp":           "v=0\r\no=- 1 1 IN IP4 1.2.3.4\r\n",
		"flags":         []any{"trust-address", "symmetric"},
		"replace":       []string{"origin"},
		"received-from": []any{"IP4", "127.0.0.1"},
		"n":             int64(-42),
		"nested":        map[string]any{"a": []any{int64(1), "x", []any{}}},
		"empty":         "",
	}
	b, err := Encode(nil, v)
	if err != nil {
		t.Fatal(err)
	}
	got, err := Decode(b)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]any{}
	for k, x := range v {
		want[k] = x
	}
	want["replace"] = []any{"origin"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("round trip:\n got %#v\nwant %#v", got, want)
	}
}

func TestEncodeKnown(t *testing.T) {
	b, _ := Encode(nil, map[string]any{"command": "ping"})
	if string(b) != "d7:command4:pinge" {
		t.Errorf("got %q", b)
	}
	b, _ = Encode(nil, map[string]any{"b": int64(1), "a": []any{"x"}})
	if string(b) != "d1:al1:xe1:bi1ee" {
		t.Errorf("keys not sorted: %q", b)
	}
	if _, err := Encode(nil, 1.5); err == nil {
		t.Error("float encoded")
	}
}

func TestDecodeMalformed(t *testing.T) {
	for _, in := range []string{
		"", "d", "l", "i12", "ie", "i1x2e", "5:abc", "99999999999:a", "d3:keye", "di1ei2ee",
		"x", "d7:command4:pinge-", "3abc", strings.Repeat("l", 100) + strings.Repeat("e", 100),
		"-1:a", "d6:result2:ok",
	} {
		if v, err := Decode([]byte(in)); err == nil {
			t.Errorf("Decode(%q) = %#v, want error", in, v)
		}
	}
}

func FuzzDecode(f *testing.F) {
	for _, s := range []string{"d7:command4:pinge", "li1ei2ee", "d3:sdp3:v=0e"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		v, err := Decode(b)
		if err != nil {
			return
		}
		out, err := Encode(nil, v)
		if err != nil {
			t.Fatalf("re-encode %#v: %v", v, err)
		}
		if _, err := Decode(out); err != nil {
			t.Fatalf("decode of re-encoded value: %v", err)
		}
	})
}
