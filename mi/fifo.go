//go:build unix

package mi

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"
)

// FIFO protocol limits, as mi_fifo's.
const (
	maxReplyName  = 128
	maxFIFOBuffer = 1 << 20 // an unfinished request larger than this is dropped
	replyRetries  = 4
	replyWait     = 80 * time.Millisecond
)

// FIFOServer is the MI over a named pipe (mi_fifo). A client writes
// ":<reply_fifo>:<JSON-RPC request>" into the pipe; the request may span
// several lines and writes. The response goes to <reply_dir>/<reply_fifo>,
// a FIFO the client has created and opened for reading. With an empty reply
// name the command runs and nothing is answered.
type FIFOServer struct {
	path     string
	mode     os.FileMode
	replyDir string
	d        *Dispatcher
	o        options

	mu   sync.Mutex
	f    *os.File
	done chan struct{}
}

// NewFIFOServer makes a server for the pipe at path (DefaultFIFO), created
// with mode (DefaultFIFOMode), answering into replyDir (DefaultReplyDir).
func NewFIFOServer(path string, mode os.FileMode, replyDir string, d *Dispatcher, opts ...Option) *FIFOServer {
	if replyDir == "" {
		replyDir = DefaultReplyDir
	}
	return &FIFOServer{path: path, mode: mode, replyDir: replyDir, d: d, o: buildOptions(opts)}
}

// Start creates the pipe (replacing a stale one) and serves it in the
// background until Close or until ctx is cancelled; ctx is the parent of the
// commands' contexts.
func (s *FIFOServer) Start(ctx context.Context) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.f != nil {
		return errors.New("mi fifo server already started")
	}
	if fi, err := os.Lstat(s.path); err == nil {
		if fi.Mode()&os.ModeNamedPipe == 0 {
			return fmt.Errorf("mi fifo: %s exists and is not a fifo", s.path)
		}
		if err := os.Remove(s.path); err != nil {
			return fmt.Errorf("mi fifo: remove stale %s: %w", s.path, err)
		}
	}
	if err := syscall.Mkfifo(s.path, uint32(s.mode.Perm())); err != nil {
		return fmt.Errorf("mi fifo: create %s: %w", s.path, err)
	}
	// mkfifo is subject to the umask; the configured mode is not.
	if err := os.Chmod(s.path, s.mode.Perm()); err != nil {
		_ = os.Remove(s.path)
		return fmt.Errorf("mi fifo: chmod %s: %w", s.path, err)
	}
	if s.o.uid != -1 || s.o.gid != -1 {
		if err := os.Chown(s.path, s.o.uid, s.o.gid); err != nil {
			_ = os.Remove(s.path)
			return fmt.Errorf("mi fifo: chown %s to %d.%d: %w", s.path, s.o.uid, s.o.gid, err)
		}
	}
	// Read-write, so that opening does not wait for a writer and the last
	// client closing its end is not an end of file.
	f, err := os.OpenFile(s.path, os.O_RDWR, 0)
	if err != nil {
		_ = os.Remove(s.path)
		return fmt.Errorf("mi fifo: open %s: %w", s.path, err)
	}
	s.f = f
	s.done = make(chan struct{})
	s.o.log.Info("mi fifo server listening", "path", s.path)
	go s.serve(ctx, f)
	go func() {
		select {
		case <-ctx.Done():
			_ = s.Close()
		case <-s.done:
		}
	}()
	return nil
}

// Close stops the server and removes the pipe.
func (s *FIFOServer) Close() error {
	s.mu.Lock()
	f, done := s.f, s.done
	s.f = nil
	s.mu.Unlock()
	if f == nil {
		return nil
	}
	err := f.Close()
	<-done
	if rerr := os.Remove(s.path); rerr != nil && !errors.Is(rerr, os.ErrNotExist) && err == nil {
		err = rerr
	}
	if err != nil {
		return fmt.Errorf("mi fifo close: %w", err)
	}
	return nil
}

func (s *FIFOServer) serve(ctx context.Context, f *os.File) {
	defer close(s.done)
	var buf []byte
	chunk := make([]byte, 64<<10)
	for {
		n, err := f.Read(chunk)
		if n > 0 {
			buf = append(buf, chunk[:n]...)
			buf = s.process(ctx, buf)
		}
		if err != nil {
			if !errors.Is(err, os.ErrClosed) && !errors.Is(err, io.EOF) {
				s.o.log.Error("mi fifo read failed", "path", s.path, "err", err)
			}
			return
		}
	}
}

// process runs every complete request in buf and returns what is left
// (the start of an unfinished request).
func (s *FIFOServer) process(ctx context.Context, buf []byte) []byte {
	for {
		buf = bytes.TrimLeft(buf, " \t\r\n")
		if len(buf) == 0 {
			return nil
		}
		if buf[0] != ':' {
			s.o.log.Warn("mi fifo: command must begin with ':'", "line", firstLine(buf))
			buf = dropLine(buf)
			continue
		}
		end := bytes.IndexByte(buf[1:], ':')
		if end < 0 {
			if len(buf) > maxReplyName+2 {
				s.o.log.Warn("mi fifo: reply fifo name not terminated", "line", firstLine(buf))
				buf = dropLine(buf)
				continue
			}
			return buf
		}
		name := string(buf[1 : 1+end])
		rest := buf[2+end:]
		if strings.ContainsAny(name, "./\\\n") || len(name) > maxReplyName {
			s.o.log.Warn("mi fifo: forbidden reply fifo name", "name", name)
			buf = dropLine(buf)
			continue
		}
		if len(bytes.TrimSpace(rest)) == 0 {
			return buf
		}
		dec := json.NewDecoder(bytes.NewReader(rest))
		var raw json.RawMessage
		err := dec.Decode(&raw)
		switch {
		case err == nil:
			s.answer(ctx, name, s.d.Handle(ctx, raw))
			buf = rest[dec.InputOffset():]
		case errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF):
			if len(buf) > maxFIFOBuffer {
				s.o.log.Warn("mi fifo: request too long, dropped", "size", len(buf))
				return nil
			}
			return buf // wait for the rest
		default:
			s.o.log.Warn("mi fifo: bad JSON request", "err", err)
			s.answer(ctx, name, encodeResponse(errResponse(nullID,
				&Error{Code: CodeParseError, Message: MsgParseError})))
			buf = dropRequest(rest)
		}
	}
}

// dropLine discards up to and including the next newline.
func dropLine(b []byte) []byte {
	if i := bytes.IndexByte(b, '\n'); i >= 0 {
		return b[i+1:]
	}
	return nil
}

// dropRequest discards up to the next line that starts a request.
func dropRequest(b []byte) []byte {
	if i := bytes.Index(b, []byte("\n:")); i >= 0 {
		return b[i+1:]
	}
	return nil
}

func firstLine(b []byte) string {
	if i := bytes.IndexByte(b, '\n'); i >= 0 {
		b = b[:i]
	}
	if len(b) > 80 {
		b = b[:80]
	}
	return string(b)
}

// answer writes resp (nil: nothing) into the client's reply fifo. The pipe
// is opened even with nothing to write, so that a client waiting on it sees
// the end of file.
func (s *FIFOServer) answer(ctx context.Context, name string, resp []byte) {
	if name == "" {
		return
	}
	path := filepath.Join(s.replyDir, name)
	w, err := openReply(ctx, path)
	if err != nil {
		s.o.log.Warn("mi fifo: cannot open reply fifo", "path", path, "err", err)
		return
	}
	defer w.Close()
	if resp == nil {
		return
	}
	if s.o.pretty {
		resp = Pretty(resp)
	}
	if s.o.replyTimeout > 0 {
		_ = w.SetWriteDeadline(time.Now().Add(s.o.replyTimeout))
	}
	if _, err := w.Write(append(resp, '\n')); err != nil {
		s.o.log.Warn("mi fifo: reply not written", "path", path, "err", err)
	}
}

// openReply opens a client's reply fifo without blocking on a client that
// is not reading yet (a few retries, then give up), and refuses anything
// but a plain fifo: no symlink, no hard link.
func openReply(ctx context.Context, path string) (*os.File, error) {
	var f *os.File
	var err error
	for i := 0; ; i++ {
		f, err = os.OpenFile(path, os.O_WRONLY|syscall.O_NONBLOCK, 0)
		if err == nil {
			break
		}
		if !errors.Is(err, syscall.ENXIO) || i == replyRetries {
			return nil, err
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(replyWait):
		}
	}
	if err := checkFIFO(f, path); err != nil {
		f.Close()
		return nil, err
	}
	return f, nil
}

func checkFIFO(f *os.File, path string) error {
	fi, err := f.Stat()
	if err != nil {
		return err
	}
	if fi.Mode()&os.ModeNamedPipe == 0 {
		return errors.New("not a fifo")
	}
	li, err := os.Lstat(path)
	if err != nil {
		return err
	}
	if li.Mode()&os.ModeSymlink != 0 {
		return errors.New("is a symbolic link")
	}
	fs, ok1 := fi.Sys().(*syscall.Stat_t)
	ls, ok2 := li.Sys().(*syscall.Stat_t)
	if ok1 && ok2 {
		if fs.Nlink > 1 {
			return fmt.Errorf("hard-linked %d times", fs.Nlink)
		}
		if fs.Dev != ls.Dev || fs.Ino != ls.Ino {
			return errors.New("replaced while opening")
		}
	}
	return nil
}
