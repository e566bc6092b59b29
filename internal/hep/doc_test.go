package hep

import "testing"

func TestAppendJSON(t *testing.T) {
	got := string(AppendJSON(nil, "payload", "A\r\n\"b\"\x01", "k", "v"))
	want := "{\n\t\"payload\":\t\"A\\r\\n\\\"b\\\"\\u0001\",\n\t\"k\":\t\"v\"\n}"
	if got != want {
		t.Fatalf("got %q\nwant %q", got, want)
	}
}
