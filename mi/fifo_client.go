//go:build unix

package mi

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"syscall"
	"time"
)

// errNoReply: the server closed the reply fifo without answering.
var errNoReply = errors.New("no reply from the server")

// CallFIFO sends a request through the server's fifo and reads the answer
// from a reply fifo it creates in replyDir, as opensips-cli does.
func CallFIFO(ctx context.Context, fifo, replyDir, method string, params any) (json.RawMessage, error) {
	if replyDir == "" {
		replyDir = DefaultReplyDir
	}
	body, err := NewRequest(method, params, newID())
	if err != nil {
		return nil, fmt.Errorf("encode request: %w", err)
	}
	name := "gosips_fifo_reply_" + newID()
	reply := filepath.Join(replyDir, name)
	_ = os.Remove(reply)
	if err := syscall.Mkfifo(reply, 0o600); err != nil {
		return nil, fmt.Errorf("create reply fifo %s: %w", reply, err)
	}
	defer os.Remove(reply)

	// Non-blocking: with no server reading, this fails instead of hanging.
	w, err := os.OpenFile(fifo, os.O_WRONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		if errors.Is(err, syscall.ENXIO) {
			return nil, fmt.Errorf("fifo %s: no server is reading it", fifo)
		}
		return nil, fmt.Errorf("open fifo: %w", err)
	}
	msg := append([]byte(":"+name+":"), body...)
	_, err = w.Write(append(msg, '\n'))
	w.Close()
	if err != nil {
		return nil, fmt.Errorf("write fifo %s: %w", fifo, err)
	}

	b, err := readReply(ctx, reply)
	if err != nil {
		return nil, err
	}
	if len(b) == 0 {
		return nil, errNoReply
	}
	return ParseReply(b)
}

// readReply opens the reply fifo, waiting for the server to open it for
// writing, and reads until the server closes it or ctx ends.
func readReply(ctx context.Context, path string) ([]byte, error) {
	type opened struct {
		f   *os.File
		err error
	}
	ch := make(chan opened, 1)
	go func() {
		f, err := os.OpenFile(path, os.O_RDONLY, 0)
		ch <- opened{f, err}
	}()
	var f *os.File
	select {
	case o := <-ch:
		if o.err != nil {
			return nil, fmt.Errorf("open reply fifo: %w", o.err)
		}
		f = o.f
	case <-ctx.Done():
		// Release the blocked open by opening the other end ourselves.
		if w, err := os.OpenFile(path, os.O_WRONLY|syscall.O_NONBLOCK, 0); err == nil {
			w.Close()
		}
		if o := <-ch; o.f != nil {
			o.f.Close()
		}
		return nil, fmt.Errorf("waiting for the reply: %w", ctx.Err())
	}
	defer f.Close()
	if dl, ok := ctx.Deadline(); ok {
		_ = f.SetReadDeadline(dl)
	}
	stop := context.AfterFunc(ctx, func() { _ = f.SetReadDeadline(time.Now()) })
	defer stop()
	b, err := io.ReadAll(f)
	if err != nil {
		return nil, fmt.Errorf("read reply fifo: %w", err)
	}
	return b, nil
}
