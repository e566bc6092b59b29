//go:build linux

package sip

import (
	"net/netip"
	"os"
	"syscall"
	"unsafe"
)

// udpBlockingReader reads from a blocking duplicate of the socket in plain
// recvfrom calls, bypassing the netpoller: each worker sleeps in the kernel
// and is woken directly by a datagram, which measured cheaper per message
// than the poller's park/unpark (BenchmarkUDPServerCPU).
func (t *Transport) udpBlockingReader(l *listener, f *os.File) {
	defer t.wg.Done()
	fd := int(f.Fd())
	buf := make([]byte, maxDatagram)
	var rsa syscall.RawSockaddrAny
	for {
		alen := uint32(syscall.SizeofSockaddrAny)
		n, _, errno := syscall.Syscall6(syscall.SYS_RECVFROM, uintptr(fd), uintptr(unsafe.Pointer(&buf[0])),
			uintptr(len(buf)), 0, uintptr(unsafe.Pointer(&rsa)), uintptr(unsafe.Pointer(&alen)))
		if t.ctx.Err() != nil {
			return
		}
		if errno != 0 {
			if errno == syscall.EINTR || errno == syscall.EAGAIN {
				continue
			}
			t.log.Warn("udp read", "socket", l.sock.String(), "err", errno)
			continue
		}
		src, ok := rawToAddrPort(&rsa)
		if !ok || n == 0 {
			continue
		}
		t.handleDatagram(l, buf[:n], src)
	}
}

func rawToAddrPort(rsa *syscall.RawSockaddrAny) (netip.AddrPort, bool) {
	switch rsa.Addr.Family {
	case syscall.AF_INET:
		p := (*syscall.RawSockaddrInet4)(unsafe.Pointer(rsa))
		port := uint16(p.Port>>8) | uint16(p.Port<<8)
		return netip.AddrPortFrom(netip.AddrFrom4(p.Addr), port), true
	case syscall.AF_INET6:
		p := (*syscall.RawSockaddrInet6)(unsafe.Pointer(rsa))
		port := uint16(p.Port>>8) | uint16(p.Port<<8)
		return netip.AddrPortFrom(netip.AddrFrom16(p.Addr).Unmap(), port), true
	}
	return netip.AddrPort{}, false
}

// startBlockingReaders starts n blocking readers on a duplicate of l's
// socket; false when the duplicate cannot be made (the caller then uses
// the poller-based readers).
func (t *Transport) startBlockingReaders(l *listener, n int) bool {
	f, err := l.udp.File() // a blocking duplicate
	if err != nil {
		return false
	}
	l.dup = f
	t.mu.Lock()
	l.raw.init(int(f.Fd()))
	t.mu.Unlock()
	for range n {
		t.wg.Add(1)
		go t.udpBlockingReader(l, f)
	}
	return true
}

// wakeBlockingReaders makes blocked recvfrom calls return so that the
// readers see the closed context.
func wakeBlockingReaders(l *listener) {
	if l.dup != nil {
		_ = syscall.Shutdown(int(l.dup.Fd()), syscall.SHUT_RD)
	}
}
