//go:build linux

package sip

import (
	"net/netip"
	"syscall"
	"unsafe"
)

// rawSock sends datagrams with a plain sendto on the blocking readers'
// duplicate descriptor. Compared with net.UDPConn.WriteToUDPAddrPort it
// skips the descriptor's reference lock and poller bookkeeping, and, as
// MSG_DONTWAIT keeps the call from blocking, the scheduler's syscall
// hand-off (entersyscall/exitsyscall): a loopback or LAN sendto returns
// in microseconds. A full send buffer (EAGAIN) falls back to the poller
// path, which waits for room.
type rawSock struct {
	fd  int
	ok  bool
	six bool // the socket is AF_INET6: IPv4 peers go as mapped addresses
}

// init records the duplicate's descriptor and address family.
func (r *rawSock) init(fd int) {
	sa, err := syscall.Getsockname(fd)
	if err != nil {
		return
	}
	switch sa.(type) {
	case *syscall.SockaddrInet4:
		*r = rawSock{fd: fd, ok: true}
	case *syscall.SockaddrInet6:
		*r = rawSock{fd: fd, ok: true, six: true}
	}
}

// send reports whether it handled the datagram (sent, or failed with an
// error other than a full buffer); false leaves it to the caller.
func (r *rawSock) send(b []byte, to netip.AddrPort) (bool, error) {
	if !r.ok || len(b) == 0 {
		return false, nil
	}
	a := to.Addr()
	port := to.Port()
	var errno syscall.Errno
	switch {
	case !r.six:
		a = a.Unmap()
		if !a.Is4() {
			return false, nil
		}
		sa := syscall.RawSockaddrInet4{Family: syscall.AF_INET, Port: port<<8 | port>>8, Addr: a.As4()}
		_, _, errno = syscall.RawSyscall6(syscall.SYS_SENDTO, uintptr(r.fd), uintptr(unsafe.Pointer(&b[0])), uintptr(len(b)),
			syscall.MSG_DONTWAIT, uintptr(unsafe.Pointer(&sa)), syscall.SizeofSockaddrInet4)
	default:
		if a.Zone() != "" {
			return false, nil // scope ids are left to the net package
		}
		sa := syscall.RawSockaddrInet6{Family: syscall.AF_INET6, Port: port<<8 | port>>8, Addr: a.As16()}
		_, _, errno = syscall.RawSyscall6(syscall.SYS_SENDTO, uintptr(r.fd), uintptr(unsafe.Pointer(&b[0])), uintptr(len(b)),
			syscall.MSG_DONTWAIT, uintptr(unsafe.Pointer(&sa)), syscall.SizeofSockaddrInet6)
	}
	switch errno {
	case 0:
		return true, nil
	case syscall.EAGAIN, syscall.EINTR:
		return false, nil
	}
	return true, errno
}
