//go:build unix

package mi

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"gosips/api"
)

type fifoEnv struct {
	fifo, replyDir string
	srv            *FIFOServer
	runs           *atomic.Int64
}

func startFIFO(t *testing.T) *fifoEnv {
	t.Helper()
	dir := t.TempDir()
	d := newTestDispatcher(t)
	runs := &atomic.Int64{}
	if err := d.Register(api.MICommand{Name: "count", Handler: func(context.Context, api.MIParams) (any, error) {
		runs.Add(1)
		return nil, nil
	}}); err != nil {
		t.Fatal(err)
	}
	env := &fifoEnv{fifo: filepath.Join(dir, "opensips_fifo"), replyDir: dir, runs: runs}
	env.srv = NewFIFOServer(env.fifo, 0o600, dir, d)
	if err := env.srv.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = env.srv.Close() })
	return env
}

// send writes chunks into the server fifo, pausing between them so that the
// server reads them separately.
func (e *fifoEnv) send(t *testing.T, chunks ...string) {
	t.Helper()
	w, err := os.OpenFile(e.fifo, os.O_WRONLY, 0)
	if err != nil {
		t.Error(err) // may run outside the test goroutine: no Fatal
		return
	}
	defer w.Close()
	for i, c := range chunks {
		if i > 0 {
			time.Sleep(30 * time.Millisecond)
		}
		if _, err := w.WriteString(c); err != nil {
			t.Error(err)
			return
		}
	}
}

// mkReply creates a reply fifo the way opensips-cli does.
func (e *fifoEnv) mkReply(t *testing.T, name string) string {
	t.Helper()
	p := filepath.Join(e.replyDir, name)
	if err := syscall.Mkfifo(p, 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func (e *fifoEnv) read(t *testing.T, path string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	b, err := readReply(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestFIFORequests(t *testing.T) {
	e := startFIFO(t)
	const dumpOK = `{"jsonrpc":"2.0","result":{},"id":1}` + "\n"
	tests := []struct {
		name   string
		chunks []string
		want   string
	}{
		{"one line", []string{`:r1:{"jsonrpc":"2.0","method":"ul_dump","id":1}` + "\n"}, dumpOK},
		{"multi-line, two writes", []string{":r2:{\n\"jsonrpc\":\"2.0\",\n", "\"method\":\"ul_dump\",\"id\":1}\n"}, dumpOK},
		{"split reply name", []string{":r3", `:{"jsonrpc":"2.0","method":"ul_dump","id":1}`}, dumpOK},
		{"garbage line first", []string{"garbage\n" + `:r4:{"jsonrpc":"2.0","method":"ul_dump","id":1}`}, dumpOK},
		{"bad JSON", []string{`:r5:{"jsonrpc":"2.0",]` + "\n"},
			`{"jsonrpc":"2.0","error":{"code":-32700,"message":"Parse error"},"id":null}` + "\n"},
		{"method error", []string{`:r6:{"jsonrpc":"2.0","method":"nope","id":9}`},
			`{"jsonrpc":"2.0","error":{"code":-32601,"message":"Method not found"},"id":9}` + "\n"},
		{"notification gets end of file", []string{`:r7:{"jsonrpc":"2.0","method":"ul_dump"}`}, ""},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			reply := e.mkReply(t, "r"+string(rune('1'+i)))
			go e.send(t, tt.chunks...)
			if got := e.read(t, reply); got != tt.want {
				t.Errorf("reply %q, want %q", got, tt.want)
			}
		})
	}
}

func TestFIFOTwoRequestsOneWrite(t *testing.T) {
	e := startFIFO(t)
	a, b := e.mkReply(t, "ra"), e.mkReply(t, "rb")
	go e.send(t, `:ra:{"jsonrpc":"2.0","method":"ul_dump","id":1}`+"\n"+
		`:rb:{"jsonrpc":"2.0","method":"ul_dump","params":["1"],"id":2}`+"\n")
	if got := e.read(t, a); got != `{"jsonrpc":"2.0","result":{},"id":1}`+"\n" {
		t.Errorf("first reply %q", got)
	}
	if got := e.read(t, b); got != `{"jsonrpc":"2.0","result":{"brief":"1"},"id":2}`+"\n" {
		t.Errorf("second reply %q", got)
	}
}

func TestFIFONoReplyName(t *testing.T) {
	e := startFIFO(t)
	e.send(t, `::{"jsonrpc":"2.0","method":"count","id":1}`+"\n")
	waitFor(t, func() bool { return e.runs.Load() == 1 })
}

func TestFIFOSurvivesBadInput(t *testing.T) {
	e := startFIFO(t)
	// A forbidden reply name, a reply fifo nobody reads, an empty write:
	// none of them may stop the server.
	e.send(t, `:../etc:{"jsonrpc":"2.0","method":"count","id":1}`+"\n")
	e.mkReply(t, "absent")
	e.send(t, `:absent:{"jsonrpc":"2.0","method":"count","id":1}`+"\n")
	e.send(t, "")
	waitFor(t, func() bool { return e.runs.Load() == 1 })

	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	res, err := CallFIFO(ctx, e.fifo, e.replyDir, "ul_dump", []any{"1"})
	if err != nil {
		t.Fatal(err)
	}
	if string(res) != `{"brief":"1"}` {
		t.Errorf("result %s", res)
	}
	_, err = CallFIFO(ctx, e.fifo, e.replyDir, "ul_show_contact", []any{"location", "nobody"})
	if err == nil || err.Error() != "404: AOR not found" {
		t.Errorf("error %v, want 404: AOR not found", err)
	}
}

func TestFIFOLifecycle(t *testing.T) {
	dir := t.TempDir()
	d := newTestDispatcher(t)
	path := filepath.Join(dir, "fifo")

	// A regular file in the way is an error; a stale fifo is replaced.
	if err := os.WriteFile(path, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := NewFIFOServer(path, 0o600, dir, d).Start(context.Background()); err == nil ||
		!strings.Contains(err.Error(), "not a fifo") {
		t.Fatalf("start over a regular file: err = %v", err)
	}
	os.Remove(path)
	if err := syscall.Mkfifo(path, 0o600); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	s := NewFIFOServer(path, 0o640, dir, d, WithFIFOOwner(-1, os.Getgid()))
	if err := s.Start(ctx); err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(path)
	if err != nil || fi.Mode()&os.ModeNamedPipe == 0 || fi.Mode().Perm() != 0o640 {
		t.Fatalf("fifo: %v, %v", fi, err)
	}
	// Cancelling the context closes the server and removes the fifo.
	cancel()
	waitFor(t, func() bool { _, err := os.Stat(path); return os.IsNotExist(err) })
	if err := s.Close(); err != nil {
		t.Errorf("second close: %v", err)
	}

	// With no server, a client fails at once instead of hanging.
	if err := syscall.Mkfifo(path, 0o600); err != nil {
		t.Fatal(err)
	}
	cctx, ccancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer ccancel()
	if _, err := CallFIFO(cctx, path, dir, "ul_dump", nil); err == nil || !strings.Contains(err.Error(), "no server") {
		t.Errorf("call without server: err = %v", err)
	}
}

func TestFIFOClientTimeout(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "fifo")
	if err := syscall.Mkfifo(path, 0o600); err != nil {
		t.Fatal(err)
	}
	// A reader that never answers.
	r, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	start := time.Now()
	if _, err := CallFIFO(ctx, path, dir, "ul_dump", nil); err == nil {
		t.Fatal("no error from a silent server")
	}
	if time.Since(start) > 3*time.Second {
		t.Errorf("timeout took %v", time.Since(start))
	}
}

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition not met within 5s")
		}
		time.Sleep(10 * time.Millisecond)
	}
}
