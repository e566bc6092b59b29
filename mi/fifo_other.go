//go:build !unix

package mi

import (
	"context"
	"errors"
	"os"
)

// FIFOServer is the MI over a named pipe; named pipes need a Unix system.
type FIFOServer struct{}

// NewFIFOServer makes a server that cannot start on this system.
func NewFIFOServer(path string, mode os.FileMode, replyDir string, d *Dispatcher, opts ...Option) *FIFOServer {
	return &FIFOServer{}
}

// Start reports that named pipes are not supported.
func (s *FIFOServer) Start(ctx context.Context) error {
	return errors.New("mi fifo: named pipes are not supported on this system")
}

// Close does nothing.
func (s *FIFOServer) Close() error { return nil }
