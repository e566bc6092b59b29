package sip

import (
	"context"
	"crypto/tls"
	"fmt"
	"net"
	"net/netip"
	"time"
)

// TLSConfigs hands out the crypto/tls configuration of tls sockets (the
// tls_mgm module implements it). The transport asks once per tls listener
// and once per outgoing connection.
type TLSConfigs interface {
	// ServerConfig returns the configuration for connections accepted on
	// sock. It usually sets GetConfigForClient to pick a domain by SNI.
	ServerConfig(sock *Socket) (*tls.Config, error)
	// ClientConfig returns the configuration for a connection from sock
	// to dst; sipDomain is the SIP domain of the next hop ("" when only
	// an address is known). ServerName must be set when the peer's
	// certificate is to be verified.
	ClientConfig(sock *Socket, dst netip.AddrPort, sipDomain string) (*tls.Config, error)
}

// defaultHandshakeTimeout bounds a TLS handshake when the configuration
// gives none.
const defaultHandshakeTimeout = 10 * time.Second

func (t *Transport) handshakeTimeout() time.Duration {
	if t.cfg.TLSHandshakeTimeout > 0 {
		return t.cfg.TLSHandshakeTimeout
	}
	return defaultHandshakeTimeout
}

// tlsServerConfig asks the provider for a tls listener's configuration.
func (t *Transport) tlsServerConfig(s *Socket) (*tls.Config, error) {
	if t.cfg.TLS == nil {
		return nil, fmt.Errorf("no tls configuration (load tls_mgm)")
	}
	conf, err := t.cfg.TLS.ServerConfig(s)
	if err != nil {
		return nil, err
	}
	if conf == nil {
		return nil, fmt.Errorf("no tls server domain for %s", s)
	}
	return conf, nil
}

// tlsClient runs the client handshake on a freshly dialled connection.
func (t *Transport) tlsClient(nc net.Conn, l *listener, d Dest) (net.Conn, error) {
	if t.cfg.TLS == nil {
		_ = nc.Close()
		return nil, fmt.Errorf("connect to %s: no tls configuration (load tls_mgm)", d)
	}
	conf, err := t.cfg.TLS.ClientConfig(&l.sock, d.Addr, d.Host)
	if err != nil || conf == nil {
		_ = nc.Close()
		if err == nil {
			err = fmt.Errorf("no tls client domain")
		}
		return nil, fmt.Errorf("connect to %s: %w", d, err)
	}
	tc := tls.Client(nc, conf)
	ctx, cancel := context.WithTimeout(t.ctx, t.handshakeTimeout())
	defer cancel()
	if err := tc.HandshakeContext(ctx); err != nil {
		_ = nc.Close()
		t.log.Warn("tls handshake failed", "remote", d.Addr.String(), "socket", l.sock.String(), "side", "client", "err", err)
		return nil, fmt.Errorf("connect to %s: tls handshake: %w", d, err)
	}
	return tc, nil
}

// tlsAccept runs the server handshake of an accepted connection on its
// reader; a failure is logged and the connection closed by the caller.
func (tc *tcpConn) tlsAccept(c *tls.Conn) bool {
	t := tc.t
	ctx, cancel := context.WithTimeout(t.ctx, t.handshakeTimeout())
	defer cancel()
	// The handshake grows a goroutine stack to tens of KiB: run it on a
	// goroutine that ends, so that the reader parked on an idle
	// connection keeps a small one.
	done := make(chan error, 1)
	go func() { done <- c.HandshakeContext(ctx) }()
	if err := <-done; err != nil {
		if t.ctx.Err() == nil {
			t.log.Warn("tls handshake failed", "remote", tc.remote.String(), "socket", tc.l.sock.String(), "side", "server", "err", err)
		}
		return false
	}
	cs := c.ConnectionState()
	tc.tlsState = &cs
	return true
}

// TLS returns the state of the TLS connection the message came on, or
// nil when it did not come over TLS.
func (r *RecvInfo) TLS() *tls.ConnectionState {
	if r == nil || r.conn == nil {
		return nil
	}
	return r.conn.tlsState
}

// Dialled reports whether the message came on a connection we opened
// (false for accepted connections and UDP).
func (r *RecvInfo) Dialled() bool {
	return r != nil && r.conn != nil && !r.conn.accepted
}
