//go:build unix

package mi

import (
	"bytes"
	"context"
	"testing"
)

// FuzzFIFOProcess: whatever is written into the MI fifo, the framer
// neither panics nor grows its buffer: what it keeps is a suffix of its
// input (the start of an unfinished request).
func FuzzFIFOProcess(f *testing.F) {
	for _, s := range []string{
		":reply:{\"jsonrpc\":\"2.0\",\"method\":\"ul_show_contact\",\"params\":[\"l\",\"a\"],\"id\":1}\n",
		"::{\"jsonrpc\":\"2.0\",\"method\":\"ul_show_contact\",\"params\":[\"l\",\"a\"]}\n:r2:{\"jsonrpc\":\"2.0\",",
		":../etc/passwd:{}\n", "no colon\n:x:", ":" + string(bytes.Repeat([]byte("n"), 200)) + ":{}",
		":r:{\"jsonrpc\":\"2.0\",\"method\":\n\"ul_show_contact\"}\n", ":r:}{\n:r:[", "\r\n\t :a:\"\\u12\"",
	} {
		f.Add([]byte(s))
	}
	d, err := NewDispatcher(nil, fakeCommands()...)
	if err != nil {
		f.Fatal(err)
	}
	s := NewFIFOServer(f.TempDir()+"/fifo", 0o600, f.TempDir(), d)
	f.Fuzz(func(t *testing.T, b []byte) {
		in := append([]byte(nil), b...)
		rest := s.process(context.Background(), b)
		if len(rest) > 0 && !bytes.HasSuffix(in, rest) {
			t.Fatalf("kept %q, not a suffix of the input", rest)
		}
	})
}
