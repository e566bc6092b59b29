package sip

import (
	"errors"
	"net"
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
		if n == 0 || isKeepalive(buf[:n]) {
			continue
		}
		// The message keeps its own copy: buf is reused for the next read.
		m := &Msg{}
		m.rcvVal = RecvInfo{Proto: ProtoUDP, Src: src, Local: l.local, Socket: &l.sock, lst: l}
		m.rcv = &m.rcvVal
		raw := make([]byte, n)
		copy(raw, buf[:n])
		if err := m.parse(raw, true); err != nil {
			var partial *Msg
			if m.isReq || m.status != 0 {
				partial = m
			}
			t.reportError(raw, partial, m.rcv, err)
			continue
		}
		if t.cfg.OnMessage != nil {
			t.cfg.OnMessage(m, m.rcv)
		}
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
