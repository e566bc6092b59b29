package options

import "testing"

func TestHeaders(t *testing.T) {
	m := New()
	if got, want := m.Headers(), "Accept: */*\r\nAccept-Language: en\r\n"; got != want {
		t.Errorf("defaults: %q, want %q", got, want)
	}
	m.Accept, m.AcceptEncoding, m.AcceptLanguage, m.Support = "", "gzip", "", "100rel"
	if got, want := m.Headers(), "Accept-Encoding: gzip\r\nSupported: 100rel\r\n"; got != want {
		t.Errorf("set: %q, want %q", got, want)
	}
}
