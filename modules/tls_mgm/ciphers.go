package tlsmgm

import (
	"crypto/tls"
	"fmt"
	"strings"
)

// suiteInfo is what OpenSSL says of a cipher suite Go implements.
type suiteInfo struct {
	id             uint16
	openssl        string // SSL_CIPHER_get_name
	kx, au, enc    string // SSL_CIPHER_description fields
	mac            string
	bits           int
	tls13, tls12ok bool
}

// suites lists Go's cipher suites with their OpenSSL names.
var suites = []suiteInfo{
	{tls.TLS_AES_128_GCM_SHA256, "TLS_AES_128_GCM_SHA256", "any", "any", "AESGCM(128)", "AEAD", 128, true, false},
	{tls.TLS_AES_256_GCM_SHA384, "TLS_AES_256_GCM_SHA384", "any", "any", "AESGCM(256)", "AEAD", 256, true, false},
	{tls.TLS_CHACHA20_POLY1305_SHA256, "TLS_CHACHA20_POLY1305_SHA256", "any", "any", "CHACHA20/POLY1305(256)", "AEAD", 256, true, false},
	{tls.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256, "ECDHE-ECDSA-AES128-GCM-SHA256", "ECDH", "ECDSA", "AESGCM(128)", "AEAD", 128, false, true},
	{tls.TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384, "ECDHE-ECDSA-AES256-GCM-SHA384", "ECDH", "ECDSA", "AESGCM(256)", "AEAD", 256, false, true},
	{tls.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256, "ECDHE-RSA-AES128-GCM-SHA256", "ECDH", "RSA", "AESGCM(128)", "AEAD", 128, false, true},
	{tls.TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384, "ECDHE-RSA-AES256-GCM-SHA384", "ECDH", "RSA", "AESGCM(256)", "AEAD", 256, false, true},
	{tls.TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256, "ECDHE-ECDSA-CHACHA20-POLY1305", "ECDH", "ECDSA", "CHACHA20/POLY1305(256)", "AEAD", 256, false, true},
	{tls.TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256, "ECDHE-RSA-CHACHA20-POLY1305", "ECDH", "RSA", "CHACHA20/POLY1305(256)", "AEAD", 256, false, true},
	{tls.TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA, "ECDHE-ECDSA-AES128-SHA", "ECDH", "ECDSA", "AES(128)", "SHA1", 128, false, true},
	{tls.TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA, "ECDHE-ECDSA-AES256-SHA", "ECDH", "ECDSA", "AES(256)", "SHA1", 256, false, true},
	{tls.TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA, "ECDHE-RSA-AES128-SHA", "ECDH", "RSA", "AES(128)", "SHA1", 128, false, true},
	{tls.TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA, "ECDHE-RSA-AES256-SHA", "ECDH", "RSA", "AES(256)", "SHA1", 256, false, true},
	{tls.TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256, "ECDHE-ECDSA-AES128-SHA256", "ECDH", "ECDSA", "AES(128)", "SHA256", 128, false, true},
	{tls.TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256, "ECDHE-RSA-AES128-SHA256", "ECDH", "RSA", "AES(128)", "SHA256", 128, false, true},
	{tls.TLS_RSA_WITH_AES_128_GCM_SHA256, "AES128-GCM-SHA256", "RSA", "RSA", "AESGCM(128)", "AEAD", 128, false, true},
	{tls.TLS_RSA_WITH_AES_256_GCM_SHA384, "AES256-GCM-SHA384", "RSA", "RSA", "AESGCM(256)", "AEAD", 256, false, true},
	{tls.TLS_RSA_WITH_AES_128_CBC_SHA, "AES128-SHA", "RSA", "RSA", "AES(128)", "SHA1", 128, false, true},
	{tls.TLS_RSA_WITH_AES_256_CBC_SHA, "AES256-SHA", "RSA", "RSA", "AES(256)", "SHA1", 256, false, true},
	{tls.TLS_RSA_WITH_AES_128_CBC_SHA256, "AES128-SHA256", "RSA", "RSA", "AES(128)", "SHA256", 128, false, true},
	{tls.TLS_ECDHE_RSA_WITH_3DES_EDE_CBC_SHA, "ECDHE-RSA-DES-CBC3-SHA", "ECDH", "RSA", "3DES(168)", "SHA1", 112, false, true},
	{tls.TLS_RSA_WITH_3DES_EDE_CBC_SHA, "DES-CBC3-SHA", "RSA", "RSA", "3DES(168)", "SHA1", 112, false, true},
}

func suiteByID(id uint16) *suiteInfo {
	for i := range suites {
		if suites[i].id == id {
			return &suites[i]
		}
	}
	return nil
}

// cipherSuites turns an OpenSSL cipher list into the TLS 1.2 suites Go
// knows: named suites are kept in order; keywords (HIGH, !aNULL, ...) and
// unknown names are skipped. nil (Go's defaults) when nothing is named.
func cipherSuites(list string) []uint16 {
	var out []uint16
	for _, f := range strings.FieldsFunc(list, func(r rune) bool { return r == ':' || r == ',' || r == ' ' }) {
		if f == "" || strings.ContainsAny(f[:1], "!-+@") {
			continue
		}
		for _, s := range suites {
			if s.tls12ok && (strings.EqualFold(s.openssl, f) || strings.EqualFold(tls.CipherSuiteName(s.id), f)) {
				out = append(out, s.id)
			}
		}
	}
	return out
}

// versionName is SSL_get_version's name for a TLS version.
func versionName(v uint16) string {
	switch v {
	case tls.VersionTLS10:
		return "TLSv1"
	case tls.VersionTLS11:
		return "TLSv1.1"
	case tls.VersionTLS12:
		return "TLSv1.2"
	case tls.VersionTLS13:
		return "TLSv1.3"
	}
	return "unknown"
}

// describe is SSL_CIPHER_description's line for a suite, trailing
// newline included as OpenSSL writes it.
func describe(id uint16) string {
	s := suiteByID(id)
	if s == nil {
		return tls.CipherSuiteName(id) + "\n"
	}
	proto := "TLSv1.2"
	switch {
	case s.tls13:
		proto = "TLSv1.3"
	case s.mac == "SHA1" && s.kx == "RSA":
		proto = "SSLv3"
	case s.mac == "SHA1":
		proto = "TLSv1"
	}
	return fmt.Sprintf("%-30s %-7s Kx=%-8s Au=%-4s Enc=%-22s Mac=%-4s\n", s.openssl, proto, s.kx, s.au, s.enc, s.mac)
}
