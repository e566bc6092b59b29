package tlsmgm

import (
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"errors"
	"strconv"
	"strings"
	"time"

	"gosips/api"
	"gosips/pv"
)

// verifyResult is the outcome of checking a peer certificate, as
// OpenSSL's verify result codes tell it.
type verifyResult int

const (
	verifyOther verifyResult = iota
	verifyOK
	verifyRevoked
	verifyExpired
	verifySelfSigned
)

// conn returns the TLS state of the connection the message came on.
func conn(c *api.Ctx) *tls.ConnectionState {
	if c == nil || c.Msg == nil {
		return nil
	}
	return c.Msg.Recv().TLS()
}

// connDomain is the domain that served the message's connection.
func (m *Module) connDomain(c *api.Ctx, cs *tls.ConnectionState) *domain {
	r := c.Msg.Recv()
	if r.Dialled() {
		return m.clientDomain(r.Src, cs.ServerName)
	}
	if r.Socket == nil {
		return nil
	}
	return m.serverDomain(r.Socket, cs.ServerName)
}

// peerResult checks the peer certificate the way OpenSSL's verify result
// reports it; ok is false without a TLS peer certificate.
func (m *Module) peerResult(c *api.Ctx) (verifyResult, bool) {
	cs := conn(c)
	if cs == nil || len(cs.PeerCertificates) == 0 {
		return verifyOther, false
	}
	if len(cs.VerifiedChains) > 0 {
		return verifyOK, true
	}
	d := m.connDomain(c, cs)
	if d == nil {
		return verifyOther, true
	}
	if c.Msg.Recv().Dialled() && d.VerifyCert {
		return verifyOK, true // the handshake verified it
	}
	raw := make([][]byte, len(cs.PeerCertificates))
	for i, p := range cs.PeerCertificates {
		raw[i] = p.Raw
	}
	_, err := d.verifyChain(raw)
	var inv x509.CertificateInvalidError
	var ua x509.UnknownAuthorityError
	leaf := cs.PeerCertificates[0]
	switch {
	case err == nil:
		return verifyOK, true
	case errors.Is(err, errRevoked):
		return verifyRevoked, true
	case errors.As(err, &inv) && inv.Reason == x509.Expired:
		if time.Now().After(leaf.NotAfter) {
			return verifyExpired, true
		}
	case errors.As(err, &ua) && len(cs.PeerCertificates) == 1 && leaf.CheckSignatureFrom(leaf) == nil:
		return verifySelfSigned, true
	}
	return verifyOther, true
}

// peerCheck reports whether the peer's verify result is want.
func (m *Module) peerCheck(c *api.Ctx, want verifyResult) (bool, bool) {
	r, ok := m.peerResult(c)
	return ok && r == want, ok
}

// name attribute OIDs and X509_NAME_oneline's short names.
var (
	oidCN     = asn1.ObjectIdentifier{2, 5, 4, 3}
	oidSerial = asn1.ObjectIdentifier{2, 5, 4, 5}
	oidC      = asn1.ObjectIdentifier{2, 5, 4, 6}
	oidL      = asn1.ObjectIdentifier{2, 5, 4, 7}
	oidST     = asn1.ObjectIdentifier{2, 5, 4, 8}
	oidO      = asn1.ObjectIdentifier{2, 5, 4, 10}
	oidOU     = asn1.ObjectIdentifier{2, 5, 4, 11}
)

var shortNames = map[string]string{
	"2.5.4.3": "CN", "2.5.4.5": "serialNumber", "2.5.4.6": "C", "2.5.4.7": "L", "2.5.4.8": "ST",
	"2.5.4.9": "street", "2.5.4.10": "O", "2.5.4.11": "OU", "2.5.4.12": "title", "2.5.4.17": "postalCode",
	"2.5.4.42": "GN", "2.5.4.4": "SN", "1.2.840.113549.1.9.1": "emailAddress",
	"0.9.2342.19200300.100.1.25": "DC", "0.9.2342.19200300.100.1.1": "UID",
}

// oneline formats a name as X509_NAME_oneline: "/C=AT/O=x/CN=y".
func oneline(raw []byte) string {
	var seq pkix.RDNSequence
	if _, err := asn1.Unmarshal(raw, &seq); err != nil {
		return ""
	}
	var b strings.Builder
	for _, rdn := range seq {
		for _, atv := range rdn {
			n := shortNames[atv.Type.String()]
			if n == "" {
				n = atv.Type.String()
			}
			b.WriteByte('/')
			b.WriteString(n)
			b.WriteByte('=')
			b.WriteString(valueString(atv.Value))
		}
	}
	return b.String()
}

func valueString(v any) string {
	if s, ok := v.(string); ok {
		return s
	}
	return ""
}

// nameField is the first value of an attribute in a name.
func nameField(raw []byte, oid asn1.ObjectIdentifier) (string, bool) {
	var seq pkix.RDNSequence
	if _, err := asn1.Unmarshal(raw, &seq); err != nil {
		return "", false
	}
	for _, rdn := range seq {
		for _, atv := range rdn {
			if atv.Type.Equal(oid) {
				return valueString(atv.Value), true
			}
		}
	}
	return "", false
}

// PVs lists the $tls_* variables.
func (m *Module) PVs() []pv.Def {
	type getter = func(*api.Ctx, *pv.Spec) (api.Value, error)
	sess := func(name, doc string, f func(cs *tls.ConnectionState) api.Value) pv.Def {
		return pv.Def{Name: name, Module: "tls_mgm", Doc: doc, Get: func(c *api.Ctx, _ *pv.Spec) (api.Value, error) {
			cs := conn(c)
			if cs == nil {
				return api.Null, nil
			}
			return f(cs), nil
		}}
	}
	defs := []pv.Def{
		sess("tls_version", "TLS version of the connection", func(cs *tls.ConnectionState) api.Value {
			return api.StrValue(versionName(cs.Version))
		}),
		sess("tls_description", "description of the connection's cipher", func(cs *tls.ConnectionState) api.Value {
			return api.StrValue(describe(cs.CipherSuite))
		}),
		sess("tls_cipher_info", "the connection's cipher", func(cs *tls.ConnectionState) api.Value {
			if s := suiteByID(cs.CipherSuite); s != nil {
				return api.StrValue(s.openssl)
			}
			return api.StrValue(tls.CipherSuiteName(cs.CipherSuite))
		}),
		sess("tls_cipher_bits", "bits of the connection's cipher", func(cs *tls.ConnectionState) api.Value {
			n := 0
			if s := suiteByID(cs.CipherSuite); s != nil {
				n = s.bits
			}
			return api.Value{Flags: api.VInt | api.VStr, I: int64(n), S: strconv.Itoa(n)}
		}),
	}
	// cert returns the peer's or our certificate of the connection.
	cert := func(my bool) func(c *api.Ctx) *x509.Certificate {
		return func(c *api.Ctx) *x509.Certificate {
			cs := conn(c)
			if cs == nil {
				return nil
			}
			if !my {
				if len(cs.PeerCertificates) == 0 {
					return nil
				}
				return cs.PeerCertificates[0]
			}
			if d := m.connDomain(c, cs); d != nil {
				return d.leaf
			}
			return nil
		}
	}
	certPV := func(name, doc string, my bool, f func(x *x509.Certificate) (api.Value, bool)) pv.Def {
		get := cert(my)
		var g getter = func(c *api.Ctx, _ *pv.Spec) (api.Value, error) {
			x := get(c)
			if x == nil {
				return api.Null, nil
			}
			if v, ok := f(x); ok {
				return v, nil
			}
			return api.Null, nil
		}
		return pv.Def{Name: name, Module: "tls_mgm", Doc: doc, Get: g}
	}
	comps := []struct {
		suffix string
		oid    asn1.ObjectIdentifier
	}{{"", nil}, {"_cn", oidCN}, {"_locality", oidL}, {"_country", oidC}, {"_state", oidST},
		{"_organization", oidO}, {"_unit", oidOU}}
	for _, who := range []string{"peer", "my"} {
		my := who == "my"
		defs = append(defs,
			certPV("tls_"+who+"_version", "version of the "+who+" certificate", my, func(x *x509.Certificate) (api.Value, bool) {
				return api.StrValue(strconv.Itoa(x.Version - 1)), true
			}),
			certPV("tls_"+who+"_serial", "serial number of the "+who+" certificate", my, func(x *x509.Certificate) (api.Value, bool) {
				i, s := serialValue(x.SerialNumber)
				return api.Value{Flags: api.VInt | api.VStr, I: i, S: s}, true
			}))
		for _, part := range []string{"subject", "issuer"} {
			issuer := part == "issuer"
			for _, cp := range comps {
				oid := cp.oid
				defs = append(defs, certPV("tls_"+who+"_"+part+cp.suffix, part+strings.ReplaceAll(cp.suffix, "_", " ")+" of the "+who+" certificate", my,
					func(x *x509.Certificate) (api.Value, bool) {
						raw := x.RawSubject
						if issuer {
							raw = x.RawIssuer
						}
						if oid == nil {
							return api.StrValue(oneline(raw)), true
						}
						s, ok := nameField(raw, oid)
						return api.StrValue(s), ok
					}))
			}
		}
		defs = append(defs,
			certPV("tls_"+who+"_subject_serial", "subject serialNumber of the "+who+" certificate", my, func(x *x509.Certificate) (api.Value, bool) {
				s, ok := nameField(x.RawSubject, oidSerial)
				return api.StrValue(s), ok
			}),
			certPV("tls_"+who+"_san_email", "first e-mail subject alternative name", my, func(x *x509.Certificate) (api.Value, bool) {
				return first(x.EmailAddresses)
			}),
			certPV("tls_"+who+"_san_hostname", "first DNS subject alternative name", my, func(x *x509.Certificate) (api.Value, bool) {
				return first(x.DNSNames)
			}),
			certPV("tls_"+who+"_san_uri", "first URI subject alternative name", my, func(x *x509.Certificate) (api.Value, bool) {
				if len(x.URIs) == 0 {
					return api.Null, false
				}
				return api.StrValue(x.URIs[0].String()), true
			}),
			certPV("tls_"+who+"_san_ip", "first IP subject alternative name", my, func(x *x509.Certificate) (api.Value, bool) {
				if len(x.IPAddresses) == 0 {
					return api.Null, false
				}
				return api.StrValue(x.IPAddresses[0].String()), true
			}))
	}
	check := func(name, doc string, want verifyResult) pv.Def {
		return pv.Def{Name: name, Module: "tls_mgm", Doc: doc, Get: func(c *api.Ctx, _ *pv.Spec) (api.Value, error) {
			if conn(c) == nil {
				return api.Null, nil
			}
			if ok, _ := m.peerCheck(c, want); ok {
				return api.Value{Flags: api.VInt | api.VStr, I: 1, S: "1"}, nil
			}
			return api.Value{Flags: api.VInt | api.VStr, I: 0, S: "0"}, nil
		}}
	}
	defs = append(defs,
		check("tls_peer_verified", "1 when the peer certificate was verified", verifyOK),
		check("tls_peer_revoked", "1 when the peer certificate is revoked", verifyRevoked),
		check("tls_peer_expired", "1 when the peer certificate has expired", verifyExpired),
		check("tls_peer_selfsigned", "1 when the peer certificate is self-signed", verifySelfSigned),
		certPV("tls_peer_notBefore", "start of the peer certificate's validity", false, func(x *x509.Certificate) (api.Value, bool) {
			return api.StrValue(sslTime(x.NotBefore)), true
		}),
		certPV("tls_peer_notAfter", "end of the peer certificate's validity", false, func(x *x509.Certificate) (api.Value, bool) {
			return api.StrValue(sslTime(x.NotAfter)), true
		}),
	)
	return defs
}

func first(l []string) (api.Value, bool) {
	if len(l) == 0 {
		return api.Null, false
	}
	return api.StrValue(l[0]), true
}
