package tlsmgm

import (
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"net/netip"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"gosips/internal/fnmatch"
)

// domain is one TLS domain, from modparams or from the tls_mgm table.
type domain struct {
	Name   string
	Server bool
	FromDB bool

	MatchAddrs   []string // "*" or "ip:port"
	MatchDomains []string // "*", "none" or shell patterns

	Method                  string // as written ("" = SSLv23)
	VerifyCert, RequireCert bool
	CRLCheckAll             bool
	Certificate, PrivateKey string // file names, or PEM for DB domains
	CAList, CADir, CRLDir   string
	Ciphers, DHParams       string
	ECCurve                 string

	set map[string]bool // params given, for defaults

	// Built by build.
	certFile, keyFile string // with the defaults applied
	conf              *tls.Config
	leaf              *x509.Certificate // our certificate ($tls_my_*)
	pool              *x509.CertPool
	crls              []*x509.RevocationList
	minV              uint16
	maxV              uint16
	addrs             []netip.AddrPort // parsed MatchAddrs; empty = any
	anyAddr           bool
	pats              []*fnmatch.Pattern
}

func newDomain(name string, server bool) *domain {
	// Client domains ask for no certificate unless told (OpenSIPS sets
	// require_cert only on server domains by default).
	return &domain{Name: name, Server: server, VerifyCert: true, RequireCert: server, set: map[string]bool{}}
}

func (d *domain) kind() string {
	if d.Server {
		return "server"
	}
	return "client"
}

// tlsVersions maps OpenSIPS method names to TLS versions.
var tlsVersions = []struct {
	name string
	v    uint16
}{
	{"TLSv1", tls.VersionTLS10},
	{"TLSv1_1", tls.VersionTLS11},
	{"TLSv1_2", tls.VersionTLS12},
	{"TLSv1_3", tls.VersionTLS13},
}

// parseMethod turns "SSLv23", "TLSv1_2", "TLSv1-TLSv1_3", "-TLSv1_2" or
// "-" into a version range.
func parseMethod(s string) (lo, hi uint16, err error) {
	s = strings.TrimSpace(s)
	one := func(n string, def uint16) (uint16, error) {
		if n == "" {
			return def, nil
		}
		for _, v := range tlsVersions {
			if strings.EqualFold(v.name, n) {
				return v.v, nil
			}
		}
		return 0, fmt.Errorf("unknown tls method %q (SSLv23, TLSv1, TLSv1_2, TLSv1_3 or a range like TLSv1_2-TLSv1_3)", n)
	}
	if s == "" || strings.EqualFold(s, "SSLv23") || strings.EqualFold(s, "TLSany") {
		return tls.VersionTLS10, tls.VersionTLS13, nil
	}
	if a, b, ok := strings.Cut(s, "-"); ok {
		if lo, err = one(a, tls.VersionTLS10); err != nil {
			return 0, 0, err
		}
		if hi, err = one(b, tls.VersionTLS13); err != nil {
			return 0, 0, err
		}
		if lo > hi {
			return 0, 0, fmt.Errorf("tls method range %q is empty", s)
		}
		return lo, hi, nil
	}
	v, err := one(s, 0)
	return v, v, err
}

// methodName is the name tls_list shows for a version.
func methodName(v uint16) string {
	for _, x := range tlsVersions {
		if x.v == v {
			return x.name
		}
	}
	return "SSLv23"
}

// curves maps OpenSSL curve names to Go's.
var curves = map[string]tls.CurveID{
	"prime256v1": tls.CurveP256, "secp256r1": tls.CurveP256, "P-256": tls.CurveP256,
	"secp384r1": tls.CurveP384, "P-384": tls.CurveP384,
	"secp521r1": tls.CurveP521, "P-521": tls.CurveP521,
	"X25519": tls.X25519, "x25519": tls.X25519,
}

// buildOpts are the defaults that depend on the config location.
type buildOpts struct {
	cfgDir string
}

// build loads the files (or PEM blobs) and makes the crypto/tls
// configuration. Errors name the domain.
func (d *domain) build(o buildOpts) error {
	if err := d.buildErr(o); err != nil {
		return fmt.Errorf("tls %s domain %q: %w", d.kind(), d.Name, err)
	}
	return nil
}

func (d *domain) buildErr(o buildOpts) error {
	var err error
	if d.minV, d.maxV, err = parseMethod(d.Method); err != nil {
		return err
	}
	d.addrs, d.anyAddr, d.pats = nil, false, nil
	if len(d.MatchAddrs) == 0 {
		d.anyAddr = true
	}
	for _, a := range d.MatchAddrs {
		if a == "*" {
			d.anyAddr = true
			continue
		}
		ap, err := parseAddrPort(a)
		if err != nil {
			return fmt.Errorf("match_ip_address %q: %w", a, err)
		}
		d.addrs = append(d.addrs, ap)
	}
	for _, p := range d.MatchDomains {
		if p == "*" || strings.EqualFold(p, "none") {
			d.pats = append(d.pats, nil)
			continue
		}
		pat, err := fnmatch.Compile(strings.ToLower(p), false)
		if err != nil {
			return fmt.Errorf("match_sip_domain %q: %w", p, err)
		}
		d.pats = append(d.pats, pat)
	}
	conf := &tls.Config{MinVersion: d.minV, MaxVersion: d.maxV}
	// Certificate and key: server domains need one; client domains send
	// one only when configured.
	cert, key := d.Certificate, d.PrivateKey
	if cert == "" && d.Server {
		cert = filepath.Join(o.cfgDir, "tls/cert.pem")
	}
	if cert != "" {
		if key == "" {
			key = filepath.Join(o.cfgDir, "tls/ckey.pem")
		}
		d.certFile, d.keyFile = cert, key
		pair, err := d.keyPair(cert, key)
		if err != nil {
			return err
		}
		conf.Certificates = []tls.Certificate{pair}
		d.leaf = pair.Leaf
	}
	d.pool, err = d.caPool()
	if err != nil {
		return err
	}
	if d.CRLDir != "" {
		if d.crls, err = loadCRLs(d.CRLDir); err != nil {
			return err
		}
	}
	if d.Ciphers != "" {
		conf.CipherSuites = cipherSuites(d.Ciphers)
	}
	if d.ECCurve != "" {
		c, ok := curves[d.ECCurve]
		if !ok {
			return fmt.Errorf("ec_curve %q is not supported (prime256v1, secp384r1, secp521r1, X25519)", d.ECCurve)
		}
		conf.CurvePreferences = []tls.CurveID{c}
	}
	if d.Server {
		switch {
		case !d.VerifyCert:
			conf.ClientAuth = tls.NoClientCert
		case d.RequireCert:
			conf.ClientAuth = tls.RequireAndVerifyClientCert
		default:
			conf.ClientAuth = tls.VerifyClientCertIfGiven
		}
		conf.ClientCAs = d.pool
		if d.VerifyCert && len(d.crls) > 0 {
			conf.VerifyPeerCertificate = func(_ [][]byte, chains [][]*x509.Certificate) error {
				for _, ch := range chains {
					if err := d.checkCRL(ch); err != nil {
						return err
					}
				}
				return nil
			}
		}
	} else {
		// OpenSSL's SSL_VERIFY_PEER checks the chain, not the host name:
		// verify the same way.
		conf.InsecureSkipVerify = true
		if d.VerifyCert {
			conf.VerifyPeerCertificate = func(raw [][]byte, _ [][]*x509.Certificate) error {
				_, err := d.verifyChain(raw)
				return err
			}
		}
	}
	d.conf = conf
	return nil
}

// keyPair loads a certificate and key from files, or from PEM text for
// DB domains.
func (d *domain) keyPair(cert, key string) (tls.Certificate, error) {
	if d.FromDB {
		pair, err := tls.X509KeyPair([]byte(cert), []byte(key))
		if err != nil {
			return pair, fmt.Errorf("certificate/private_key: %w", err)
		}
		return pair, nil
	}
	pair, err := tls.LoadX509KeyPair(cert, key)
	if err != nil {
		return pair, fmt.Errorf("certificate %s / private_key %s: %w", cert, key, err)
	}
	return pair, nil
}

// caPool gathers ca_list (file, or PEM for DB domains) and the
// certificates in ca_dir.
func (d *domain) caPool() (*x509.CertPool, error) {
	pool := x509.NewCertPool()
	if d.CAList != "" {
		pemData := []byte(d.CAList)
		if !d.FromDB {
			b, err := os.ReadFile(d.CAList)
			if err != nil {
				return nil, fmt.Errorf("ca_list: %w", err)
			}
			pemData = b
		}
		if !pool.AppendCertsFromPEM(pemData) {
			return nil, fmt.Errorf("ca_list %s: no certificate found", d.CAList)
		}
	}
	dir := d.CADir
	explicit := dir != ""
	if !explicit {
		dir = defaultCADir
	}
	ents, err := os.ReadDir(dir)
	if err != nil {
		if explicit {
			return nil, fmt.Errorf("ca_dir: %w", err)
		}
		return pool, nil
	}
	for _, e := range ents {
		if e.IsDir() {
			continue
		}
		if b, err := os.ReadFile(filepath.Join(dir, e.Name())); err == nil {
			pool.AppendCertsFromPEM(b)
		}
	}
	return pool, nil
}

// defaultCADir is OpenSIPS' default ca_dir.
const defaultCADir = "/etc/pki/CA/"

// loadCRLs reads every PEM or DER revocation list in dir.
func loadCRLs(dir string) ([]*x509.RevocationList, error) {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("crl_dir: %w", err)
	}
	var out []*x509.RevocationList
	for _, e := range ents {
		if e.IsDir() {
			continue
		}
		b, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			continue
		}
		for len(b) > 0 {
			blk, rest := pem.Decode(b)
			if blk == nil {
				if l, err := x509.ParseRevocationList(b); err == nil {
					out = append(out, l)
				}
				break
			}
			if blk.Type == "X509 CRL" {
				if l, err := x509.ParseRevocationList(blk.Bytes); err == nil {
					out = append(out, l)
				}
			}
			b = rest
		}
	}
	return out, nil
}

var errRevoked = errors.New("certificate revoked")

// checkCRL fails when the leaf (or, with crl_check_all, any certificate
// of the chain) is listed in a CRL of its issuer.
func (d *domain) checkCRL(chain []*x509.Certificate) error {
	n := 1
	if d.CRLCheckAll {
		n = len(chain)
	}
	for i := 0; i < n && i < len(chain); i++ {
		c := chain[i]
		for _, l := range d.crls {
			if !bytesEqual(l.RawIssuer, c.RawIssuer) {
				continue
			}
			for _, e := range l.RevokedCertificateEntries {
				if e.SerialNumber.Cmp(c.SerialNumber) == 0 {
					return fmt.Errorf("%w: serial %s", errRevoked, c.SerialNumber)
				}
			}
		}
	}
	return nil
}

func bytesEqual(a, b []byte) bool { return string(a) == string(b) }

// verifyChain checks a peer's chain against the domain's CAs and CRLs.
func (d *domain) verifyChain(raw [][]byte) ([][]*x509.Certificate, error) {
	if len(raw) == 0 {
		return nil, errors.New("peer sent no certificate")
	}
	certs := make([]*x509.Certificate, len(raw))
	for i, r := range raw {
		c, err := x509.ParseCertificate(r)
		if err != nil {
			return nil, fmt.Errorf("peer certificate: %w", err)
		}
		certs[i] = c
	}
	inter := x509.NewCertPool()
	for _, c := range certs[1:] {
		inter.AddCert(c)
	}
	chains, err := certs[0].Verify(x509.VerifyOptions{Roots: d.pool, Intermediates: inter,
		KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageAny}})
	if err != nil {
		return nil, err
	}
	for _, ch := range chains {
		if err := d.checkCRL(ch); err != nil {
			return nil, err
		}
	}
	return chains, nil
}

// parseAddrPort reads "ip:port", "[v6]:port" or a bare ip (any port).
func parseAddrPort(s string) (netip.AddrPort, error) {
	if ap, err := netip.ParseAddrPort(s); err == nil {
		return netip.AddrPortFrom(ap.Addr().Unmap(), ap.Port()), nil
	}
	a, err := netip.ParseAddr(strings.Trim(s, "[]"))
	if err != nil {
		return netip.AddrPort{}, fmt.Errorf("want ip:port")
	}
	return netip.AddrPortFrom(a.Unmap(), 0), nil
}

// addrScore tells how a domain matches an address: 2 by its address, 1
// by "*", 0 not at all.
func (d *domain) addrScore(a netip.AddrPort) int {
	a = netip.AddrPortFrom(a.Addr().Unmap(), a.Port())
	for _, x := range d.addrs {
		if x.Addr() == a.Addr() && (x.Port() == 0 || x.Port() == a.Port()) {
			return 2
		}
	}
	if d.anyAddr {
		return 1
	}
	return 0
}

// nameScore tells how specifically a domain's match_sip_domain matches
// name ("" = no SNI / no SIP domain): exact > pattern (longer first) >
// "none" > "*"; 0 is no match.
func (d *domain) nameScore(name string) int {
	name = strings.ToLower(strings.TrimSuffix(name, "."))
	if len(d.MatchDomains) == 0 {
		return 1
	}
	best := 0
	for i, p := range d.MatchDomains {
		s := 0
		switch {
		case p == "*":
			s = 1
		case strings.EqualFold(p, "none"):
			if name == "" {
				s = 2
			}
		case name == "":
		case strings.EqualFold(p, name):
			s = 10000
		case d.pats[i] != nil && d.pats[i].Match(name):
			s = 10 + len(p)
		}
		best = max(best, s)
	}
	return best
}

// pickDomain chooses among doms by address first (a domain listing the
// address beats "*"), then by name, as tls_mgm does.
func pickDomain(doms []*domain, a netip.AddrPort, name string) *domain {
	for _, want := range []int{2, 1} {
		var best *domain
		bestScore := 0
		found := false
		for _, d := range doms {
			if d.addrScore(a) != want {
				continue
			}
			found = true
			if s := d.nameScore(name); s > bestScore {
				best, bestScore = d, s
			}
		}
		if found {
			return best
		}
	}
	return nil
}

// sslTime prints a time as OpenSSL's ASN1_TIME_print does.
func sslTime(t time.Time) string { return t.UTC().Format("Jan _2 15:04:05 2006 GMT") }

// serialValue is a serial as ASN1_INTEGER_get would give it.
func serialValue(n *big.Int) (int64, string) {
	if n.IsInt64() {
		return n.Int64(), strconv.FormatInt(n.Int64(), 10)
	}
	return -1, "-1"
}
