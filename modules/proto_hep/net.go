package protohep

import (
	"bufio"
	"crypto/tls"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"net/netip"
	"strconv"
	"sync"
	"time"

	"gosips/internal/hep"
	"gosips/sip"
)

// listener is one bound hep socket.
type listener struct {
	proto string
	udp   *net.UDPConn
	tcp   *net.TCPListener
	local netip.AddrPort
	mu    sync.Mutex
	conns map[net.Conn]struct{}
}

func (l *listener) close() {
	if l.udp != nil {
		l.udp.Close()
	}
	if l.tcp != nil {
		l.tcp.Close()
	}
	l.mu.Lock()
	for c := range l.conns {
		c.Close()
	}
	l.mu.Unlock()
}

func (m *Module) listen(proto, host string, port int) error {
	if host == "" || host == "*" {
		host = "0.0.0.0"
	}
	addr := net.JoinHostPort(host, strconv.Itoa(port))
	l := &listener{proto: proto, conns: map[net.Conn]struct{}{}}
	switch proto {
	case "hep_udp":
		ua, err := net.ResolveUDPAddr("udp", addr)
		if err != nil {
			return fmt.Errorf("proto_hep: listen %s:%s: %w", proto, addr, err)
		}
		c, err := net.ListenUDP("udp", ua)
		if err != nil {
			return fmt.Errorf("proto_hep: listen %s:%s: %w", proto, addr, err)
		}
		l.udp, l.local = c, c.LocalAddr().(*net.UDPAddr).AddrPort()
		m.wg.Add(1)
		go m.udpReader(l)
	case "hep_tcp":
		ta, err := net.ResolveTCPAddr("tcp", addr)
		if err != nil {
			return fmt.Errorf("proto_hep: listen %s:%s: %w", proto, addr, err)
		}
		c, err := net.ListenTCP("tcp", ta)
		if err != nil {
			return fmt.Errorf("proto_hep: listen %s:%s: %w", proto, addr, err)
		}
		l.tcp, l.local = c, c.Addr().(*net.TCPAddr).AddrPort()
		m.wg.Add(1)
		go m.tcpAccept(l)
	default:
		return fmt.Errorf("proto_hep: protocol %s not supported", proto)
	}
	l.local = netip.AddrPortFrom(l.local.Addr().Unmap(), l.local.Port())
	m.listeners = append(m.listeners, l)
	m.log.Debug("listening", "socket", proto+":"+l.local.String())
	return nil
}

// Addr returns the address of the first bound socket of proto (tests).
func (m *Module) Addr(proto string) (netip.AddrPort, bool) {
	for _, l := range m.listeners {
		if l.proto == proto {
			return l.local, true
		}
	}
	return netip.AddrPort{}, false
}

func (m *Module) udpReader(l *listener) {
	defer m.wg.Done()
	buf := make([]byte, 65535)
	for {
		n, src, err := l.udp.ReadFromUDPAddrPort(buf)
		if err != nil {
			if errors.Is(err, net.ErrClosed) || m.ctx.Err() != nil {
				return
			}
			continue
		}
		raw := make([]byte, n)
		copy(raw, buf[:n])
		m.handle(l, raw, netip.AddrPortFrom(src.Addr().Unmap(), src.Port()))
	}
}

func (m *Module) tcpAccept(l *listener) {
	defer m.wg.Done()
	for {
		c, err := l.tcp.Accept()
		if err != nil {
			if errors.Is(err, net.ErrClosed) || m.ctx.Err() != nil {
				return
			}
			time.Sleep(10 * time.Millisecond)
			continue
		}
		l.mu.Lock()
		l.conns[c] = struct{}{}
		l.mu.Unlock()
		m.wg.Add(1)
		go m.tcpReader(l, c)
	}
}

// tcpReader frames HEPv3 packets ("HEP3" + 16-bit length) off a stream;
// anything else ends the connection.
func (m *Module) tcpReader(l *listener, c net.Conn) {
	defer m.wg.Done()
	defer func() {
		c.Close()
		l.mu.Lock()
		delete(l.conns, c)
		l.mu.Unlock()
	}()
	ra := c.RemoteAddr().(*net.TCPAddr).AddrPort()
	src := netip.AddrPortFrom(ra.Addr().Unmap(), ra.Port())
	r := bufio.NewReaderSize(c, 65536)
	for {
		hdr, err := r.Peek(6)
		if err != nil {
			return
		}
		if !hep.IsV3(hdr) {
			m.log.Warn("proto_hep: not a HEPv3 packet on a stream; closing", "src", src.String())
			return
		}
		n := int(binary.BigEndian.Uint16(hdr[4:]))
		if n < 6 {
			return
		}
		raw := make([]byte, n)
		if _, err := io.ReadFull(r, raw); err != nil {
			return
		}
		m.handle(l, raw, src)
	}
}

// handle decodes one packet, runs the receive callbacks and, unless one
// of them kept it, the script with the payload as a SIP message whose
// source and destination are the ones the packet carries.
func (m *Module) handle(l *listener, raw []byte, src netip.AddrPort) {
	r := &hep.Received{Proto: l.proto, Src: src, Local: l.local, Raw: raw}
	if err := r.Packet.Decode(raw); err != nil {
		m.log.Warn("proto_hep: dropping a bad packet", "src", src.String(), "err", err)
		return
	}
	msg, err := sip.Parse(append([]byte(nil), r.Packet.Payload...))
	if err == nil {
		err = msg.Validate()
	}
	if err != nil {
		msg = nil
	}
	run := true
	for _, cb := range m.callbacks {
		if !cb(r, msg) {
			run = false
		}
	}
	if !run {
		return
	}
	if msg == nil {
		m.log.Warn("proto_hep: payload is not a SIP message", "src", src.String())
		return
	}
	d, ok := m.core.(interface{ Dispatch(*sip.Msg) })
	if !ok {
		return
	}
	proto := sip.ParseProto(hep.Transport(r.Packet.Proto))
	if proto == sip.ProtoNone {
		proto = sip.ProtoUDP
	}
	sock := &sip.Socket{Proto: proto, IP: r.Packet.Dst.Addr().String(), Port: int(r.Packet.Dst.Port())}
	msg.SetRecv(&sip.RecvInfo{Proto: proto, Src: r.Packet.Src, Local: r.Packet.Dst, Socket: sock})
	m.received.Store(msg, r)
	defer m.received.Delete(msg)
	d.Dispatch(msg)
}

// sender keeps the outgoing sockets: one UDP socket and a connection per
// stream destination.
type sender struct {
	m     *Module
	mu    sync.Mutex
	udp   *net.UDPConn
	conns map[string]net.Conn
}

func (s *sender) close() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.udp != nil {
		s.udp.Close()
	}
	for _, c := range s.conns {
		c.Close()
	}
	s.conns = nil
}

func (s *sender) timeout() time.Duration {
	t := time.Duration(s.m.sendTimeout) * time.Millisecond
	if t <= 0 {
		t = 100 * time.Millisecond
	}
	return t
}

func (s *sender) send(d *hep.Dest, b []byte) error {
	addr := net.JoinHostPort(d.Host, strconv.Itoa(d.Port))
	if d.Transport == "udp" {
		ua, err := net.ResolveUDPAddr("udp", addr)
		if err != nil {
			return fmt.Errorf("hep destination %s: %w", addr, err)
		}
		c, err := s.udpConn()
		if err != nil {
			return err
		}
		_, err = c.WriteToUDP(b, ua)
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.conns == nil {
		s.conns = map[string]net.Conn{}
	}
	key := d.Transport + ":" + addr
	for attempt := 0; attempt < 2; attempt++ {
		c := s.conns[key]
		if c == nil {
			var err error
			dl := &net.Dialer{Timeout: max(s.timeout(), time.Second)}
			if d.Transport == "tls" {
				c, err = tls.DialWithDialer(dl, "tcp", addr, &tls.Config{InsecureSkipVerify: true, ServerName: d.Host}) //nolint:gosec // HEP collectors rarely have verifiable certificates; tls_mgm domains are not wired yet
			} else {
				c, err = dl.Dial("tcp", addr)
			}
			if err != nil {
				return fmt.Errorf("hep destination %s: %w", addr, err)
			}
			s.conns[key] = c
		}
		c.SetWriteDeadline(time.Now().Add(s.timeout()))
		if _, err := c.Write(b); err != nil {
			c.Close()
			delete(s.conns, key)
			if attempt == 1 {
				return fmt.Errorf("hep destination %s: %w", addr, err)
			}
			continue
		}
		return nil
	}
	return nil
}

// udpConn returns the socket HEP datagrams leave from: the first hep_udp
// listener, as OpenSIPS sends from one, else an unbound socket.
func (s *sender) udpConn() (*net.UDPConn, error) {
	for _, l := range s.m.listeners {
		if l.udp != nil {
			return l.udp, nil
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.udp == nil {
		c, err := net.ListenUDP("udp", nil)
		if err != nil {
			return nil, fmt.Errorf("hep: udp socket: %w", err)
		}
		s.udp = c
	}
	return s.udp, nil
}
