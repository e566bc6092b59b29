package dbserver

import (
	"os"
	"path/filepath"
	"sync"
	"syscall"
	"testing"
)

// The test servers are shared by every package go test runs in parallel
// (one process per package). A process using a server holds a shared lock
// on a lock file while any of its tests does; a test that stops a server
// converts the lock to an exclusive one first, so no other package uses
// the server while it is down, and converts back once it is up again. One
// descriptor per process: flock locks on two descriptors of the same
// process would conflict with each other.
var procLock struct {
	mu   sync.Mutex
	f    *os.File
	refs int
}

func lockPath() string {
	return filepath.Join(os.TempDir(), "gosips-dbservers.lock")
}

// lockShared takes the shared lock for t and drops it when t ends.
func lockShared(t testing.TB) {
	procLock.mu.Lock()
	defer procLock.mu.Unlock()
	if procLock.refs == 0 {
		f, err := os.OpenFile(lockPath(), os.O_CREATE|os.O_RDWR, 0o666)
		if err != nil {
			t.Logf("dbserver lock: %v (running without it)", err)
			return
		}
		if err := syscall.Flock(int(f.Fd()), syscall.LOCK_SH); err != nil {
			f.Close()
			t.Logf("dbserver lock: %v (running without it)", err)
			return
		}
		procLock.f = f
	}
	procLock.refs++
	t.Cleanup(func() {
		procLock.mu.Lock()
		defer procLock.mu.Unlock()
		procLock.refs--
		if procLock.refs == 0 && procLock.f != nil {
			procLock.f.Close()
			procLock.f = nil
		}
	})
}

// exclusive waits until no other package uses the servers.
func exclusive() {
	procLock.mu.Lock()
	f := procLock.f
	procLock.mu.Unlock()
	if f != nil {
		_ = syscall.Flock(int(f.Fd()), syscall.LOCK_EX)
	}
}

// shared lets the other packages in again.
func shared() {
	procLock.mu.Lock()
	f := procLock.f
	procLock.mu.Unlock()
	if f != nil {
		_ = syscall.Flock(int(f.Fd()), syscall.LOCK_SH)
	}
}
