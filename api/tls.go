package api

import "gosips/sip"

// TLSConfigs is the API of the tls_mgm module: the crypto/tls
// configuration of its server and client domains, for the transport
// modules that run TLS (proto_tls, proto_wss). Get it in Init with
//
//	tm, _ := ic.Module("tls_mgm").(api.TLSConfigs)
//
// ServerConfig(sock) gives the *tls.Config for connections accepted on
// sock (any protocol, e.g. a wss socket): the server domain is matched
// by the socket's address, and per handshake by SNI through
// GetConfigForClient, as tls_mgm's match_ip_address and
// match_sip_domain say; it fails when no server domain matches.
// ClientConfig(sock, dst, sipDomain) gives the configuration for an
// outgoing connection from sock to dst (client domain matched by dst and
// sipDomain, which is also sent as SNI when it is a name). Both are safe
// for concurrent use and reflect tls_reload: ask again for each new
// connection rather than caching the result.
type TLSConfigs = sip.TLSConfigs
