//go:build !linux

package sip

// Blocking UDP readers are Linux-only; elsewhere the poller readers run.
func (t *Transport) startBlockingReaders(*listener, int) bool { return false }

func wakeBlockingReaders(*listener) {}
