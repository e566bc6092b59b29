package sip

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// crlf turns a readable "\n"-separated message into wire format.
func crlf(s string) string { return strings.ReplaceAll(s, "\n", "\r\n") }

func readMsgFile(t testing.TB, dir, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "testdata", "sip", dir, name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func mustParse(t testing.TB, s string) *Msg {
	t.Helper()
	m, err := ParseString(s)
	if err != nil {
		t.Fatalf("parse: %v\n%s", err, s)
	}
	return m
}

const optionsMsg = `OPTIONS sip:carol@chicago.example.com SIP/2.0
Via: SIP/2.0/UDP pc33.atlanta.example.com;branch=z9hG4bKhjhs8ass877;rport
Max-Forwards: 70
To: <sip:carol@chicago.example.com>
From: Alice <sip:alice@atlanta.example.com>;tag=1928301774
Call-ID: a84b4c76e66710
CSeq: 63104 OPTIONS
Contact: <sip:alice@pc33.atlanta.example.com>
Accept: application/sdp
Content-Length: 0

`
