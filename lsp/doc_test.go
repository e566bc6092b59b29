package lsp

import (
	"strings"
	"testing"

	protocol "github.com/tliron/glsp/protocol_3_16"

	"gosips/api"
	_ "gosips/modules/all"
)

// TestPositions checks the UTF-16 columns of LSP against byte offsets.
func TestPositions(t *testing.T) {
	d := newDocument("file:///x.cfg", "/x.cfg", "# é😀\nroute {\n\txlog(\"ü\");\n}\n")
	for _, c := range []struct{ off, line, char int }{
		{0, 0, 0}, {4, 0, 3}, {8, 0, 5}, {9, 1, 0}, {17, 2, 0}, {24, 2, 7},
	} {
		l, ch := d.position(c.off)
		if l != c.line || ch != c.char {
			t.Errorf("position(%d) = %d:%d, want %d:%d", c.off, l, ch, c.line, c.char)
		}
		if back := d.offset(c.line, c.char); back != c.off {
			t.Errorf("offset(%d:%d) = %d, want %d", c.line, c.char, back, c.off)
		}
	}
}

// TestHoverPVAndModule checks hover texts drawn from the export tables.
func TestHoverPVAndModule(t *testing.T) {
	s := New(api.Default(), "test")
	text := "loadmodule \"tm.so\"\nroute {\n\t$du = $ru;\n}\n"
	d := newDocument("file:///x.cfg", "/x.cfg", text)
	for _, c := range []struct {
		off  int
		want string
	}{{35, "`$ru`"}, {29, "`$du`"}, {13, "module **tm**"}} {
		h := s.hover(d, posOf(d, c.off))
		if h == nil {
			t.Errorf("no hover at %d", c.off)
			continue
		}
		if got := h.Contents.(protocol.MarkupContent).Value; !strings.Contains(got, c.want) {
			t.Errorf("hover at %d: %q, want %q", c.off, got, c.want)
		}
	}
}

func posOf(d *document, off int) protocol.Position {
	l, c := d.position(off)
	return protocol.Position{Line: protocol.UInteger(l), Character: protocol.UInteger(c)}
}
