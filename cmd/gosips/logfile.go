package main

import (
	"fmt"
	"os"
	"sync"
)

// logFile is the file the server logs to instead of stderr (run
// --log-file); SIGHUP reopens it so that logrotate can move it away.
type logFile struct {
	path string
	mu   sync.Mutex
	f    *os.File
}

func openLogFile(path string) (*logFile, error) {
	l := &logFile{path: path}
	if err := l.reopen(); err != nil {
		return nil, err
	}
	return l, nil
}

func (l *logFile) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.f.Write(p)
}

// reopen opens the path again (a new file after rotation) and closes the
// old descriptor.
func (l *logFile) reopen() error {
	f, err := os.OpenFile(l.path, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o640)
	if err != nil {
		return fmt.Errorf("log file: %w", err)
	}
	l.mu.Lock()
	old := l.f
	l.f = f
	l.mu.Unlock()
	if old != nil {
		old.Close()
	}
	return nil
}

// activeLogFile is the running server's log file, nil when logging to
// stderr. It is set once by run before signals are handled.
var activeLogFile *logFile

func reopenLogs() error {
	if activeLogFile == nil {
		return nil
	}
	return activeLogFile.reopen()
}
