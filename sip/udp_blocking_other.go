//go:build !linux

package sip

import "net/netip"

// Blocking UDP readers are Linux-only; elsewhere the poller readers run.
func (t *Transport) startBlockingReaders(*listener, int) bool { return false }

func wakeBlockingReaders(*listener) {}

// rawSock is the Linux direct sender; elsewhere the net package sends.
type rawSock struct{}

func (rawSock) send([]byte, netip.AddrPort) (bool, error) { return false, nil }
