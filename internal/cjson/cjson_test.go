package cjson

import "testing"

func TestAppendString(t *testing.T) {
	for in, want := range map[string]string{
		"":                       `""`,
		`a"b\c`:                  `"a\"b\\c"`,
		"l1\nl2\r\t\b\f":         `"l1\nl2\r\t\b\f"`,
		"\x00\x1f\x7f":           "\"\\u0000\\u001f\x7f\"",
		"café <sip:a@b>;tag=1/2": `"café <sip:a@b>;tag=1/2"`,
	} {
		if got := string(AppendString([]byte("x"), in)); got != "x"+want {
			t.Errorf("AppendString(%q) = %s, want x%s", in, got, want)
		}
	}
}
