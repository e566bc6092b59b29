package sip

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// corpusBytes decodes a one-value "go test fuzz v1" file holding []byte.
func corpusBytes(s string) ([]byte, bool) {
	rest, ok := strings.CutPrefix(s, "go test fuzz v1\n")
	if !ok {
		return nil, false
	}
	rest = strings.TrimSpace(rest)
	lit, ok := strings.CutPrefix(rest, "[]byte(")
	if !ok || !strings.HasSuffix(lit, ")") {
		return nil, false
	}
	v, err := strconv.Unquote(lit[:len(lit)-1])
	if err != nil {
		return nil, false
	}
	return []byte(v), true
}

// FuzzParseMessage checks that no input makes the parser, the typed
// accessors, reply building or serialisation panic, and that serialising a
// parsed message gives something that parses again.
func FuzzParseMessage(f *testing.F) {
	for _, dir := range []string{"valid", "invalid"} {
		files, _ := filepath.Glob(filepath.Join("..", "testdata", "sip", dir, "*.sip"))
		for _, fn := range files {
			b, err := os.ReadFile(fn)
			if err != nil {
				f.Fatal(err)
			}
			f.Add(b)
		}
	}
	// Inputs found by earlier fuzzing runs, kept in the repository-wide
	// corpus directory in the "go test fuzz v1" format.
	files, _ := filepath.Glob(filepath.Join("..", "testdata", "fuzz", "FuzzParseMessage", "*"))
	for _, fn := range files {
		b, err := os.ReadFile(fn)
		if err != nil {
			f.Fatal(err)
		}
		if v, ok := corpusBytes(string(b)); ok {
			f.Add(v)
		}
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		m, err := Parse(append([]byte(nil), b...))
		if m == nil {
			return
		}
		_, _ = m.TopVia()
		_, _ = m.Vias()
		_, _ = m.From()
		_, _ = m.To()
		_, _, _ = m.CSeq()
		_, _, _ = m.Contacts()
		_, _ = m.Routes()
		_, _ = m.RecordRoutes()
		_, _ = ParseURI(m.RURI())
		_ = m.Body()
		if m.CanReply() {
			_ = NewReply(m, 400, "", "x").Bytes()
		}
		// Partial messages reach error_route, whose script may edit them.
		p := m.Clone()
		p.AppendHeader("X-Partial", "1")
		p.SetRURI("sip:x@y")
		_ = p.Bytes()
		if err != nil {
			return
		}
		m.AppendHeader("X-Fuzz", "1")
		if vs, _ := m.Vias(); len(vs) > 1 {
			_ = m.RemoveTopVia()
		}
		out := m.Bytes()
		if _, err := Parse(out); err != nil {
			t.Fatalf("re-parse of serialised message: %v\n%q\nfrom\n%q", err, out, b)
		}
	})
}
