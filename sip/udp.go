package sip

import (
	"errors"
	"net"
	"net/netip"
)

// maxDatagram is the receive buffer per UDP worker.
const maxDatagram = 65535

func (t *Transport) udpReader(l *listener) {
	defer t.wg.Done()
	buf := make([]byte, maxDatagram)
	for {
		n, src, err := l.udp.ReadFromUDPAddrPort(buf)
		if err != nil {
			if errors.Is(err, net.ErrClosed) || t.ctx.Err() != nil {
				return
			}
			t.log.Warn("udp read", "socket", l.sock.String(), "err", err)
			continue
		}
		t.handleDatagram(l, buf[:n], src)
	}
}

// handleDatagram parses one datagram and hands it to the handler. b is the
// reader's buffer: the message keeps its own copy.
func (t *Transport) handleDatagram(l *listener, b []byte, src netip.AddrPort) {
	if len(b) == 0 || isKeepalive(b) {
		return
	}
	m := &Msg{}
	m.rcvVal = RecvInfo{Proto: ProtoUDP, Src: netip.AddrPortFrom(src.Addr().Unmap(), src.Port()), Local: l.local, Socket: &l.sock, lst: l}
	m.rcv = &m.rcvVal
	raw := make([]byte, len(b))
	copy(raw, b)
	err := m.parse(raw, true)
	if err == nil {
		err = m.Validate()
	}
	if err != nil {
		var partial *Msg
		if m.isReq || m.status != 0 {
			partial = m
		}
		t.reportError(raw, partial, m.rcv, err)
		return
	}
	if t.cfg.OnMessage != nil {
		t.cfg.OnMessage(m, m.rcv)
	}
}

// isKeepalive reports whether a datagram is only CR/LF (NAT keepalive) or
// a 4-byte zero ping.
func isKeepalive(b []byte) bool {
	for _, c := range b {
		if c != '\r' && c != '\n' && c != 0 {
			return false
		}
	}
	return true
}
