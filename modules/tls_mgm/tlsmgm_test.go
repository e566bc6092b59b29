package tlsmgm

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/json"
	"encoding/pem"
	"math/big"
	"net/netip"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"gosips/api"
	"gosips/db"
	_ "gosips/db/sqlite"
	"gosips/sip"
)

func TestParseMethod(t *testing.T) {
	tests := []struct {
		in     string
		lo, hi uint16
		err    bool
	}{
		{"", tls.VersionTLS10, tls.VersionTLS13, false},
		{"SSLv23", tls.VersionTLS10, tls.VersionTLS13, false},
		{"TLSv1", tls.VersionTLS10, tls.VersionTLS10, false},
		{"tlsv1_2", tls.VersionTLS12, tls.VersionTLS12, false},
		{"TLSv1_3", tls.VersionTLS13, tls.VersionTLS13, false},
		{"TLSv1_2-TLSv1_3", tls.VersionTLS12, tls.VersionTLS13, false},
		{"TLSv1-", tls.VersionTLS10, tls.VersionTLS13, false},
		{"-TLSv1_2", tls.VersionTLS10, tls.VersionTLS12, false},
		{"-", tls.VersionTLS10, tls.VersionTLS13, false},
		{"TLSv1_3-TLSv1", 0, 0, true},
		{"SSLv3", 0, 0, true},
	}
	for _, tc := range tests {
		lo, hi, err := parseMethod(tc.in)
		if (err != nil) != tc.err || !tc.err && (lo != tc.lo || hi != tc.hi) {
			t.Errorf("parseMethod(%q) = %x, %x, %v", tc.in, lo, hi, err)
		}
	}
}

func setParam(t *testing.T, m *Module, name, val string) error {
	t.Helper()
	for _, p := range m.Params() {
		if p.Name == name {
			return p.Set(api.ParamValue{Str: val})
		}
	}
	t.Fatalf("no param %s", name)
	return nil
}

func TestParams(t *testing.T) {
	m := New()
	for _, tc := range []struct{ name, val, err string }{
		{"server_domain", "dom1", ""},
		{"server_domain", "dom1", "already defined"},
		{"server_domain", "dom=1.2.3.4:5061", "bad tls domain name"},
		{"client_domain", "gw", ""},
		{"certificate", "/x/cert.pem", "missing the [domain] prefix"},
		{"certificate", "[nope]/x/cert.pem", "not defined"},
		{"certificate", "[dom1]/x/cert.pem", ""},
		{"verify_cert", "[dom1]2", "want 0 or 1"},
		{"require_cert", "[dom1]0", ""},
		{"tls_method", "[dom1]TLSv9", "unknown tls method"},
		{"tls_method", "[dom1]TLSv1_2-TLSv1_3", ""},
		{"match_ip_address", "[dom1]10.0.0.10:5061, 10.0.0.11:5061", ""},
		{"match_sip_domain", "[dom1]foo.com, *.bar.com", ""},
		{"ec_curve", "[dom1]brainpool", "not supported"},
		{"tls_library", "gnutls", "want auto"},
	} {
		err := setParam(t, m, tc.name, tc.val)
		if tc.err == "" && err != nil || tc.err != "" && (err == nil || !strings.Contains(err.Error(), tc.err)) {
			t.Errorf("%s=%q: err %v, want %q", tc.name, tc.val, err, tc.err)
		}
	}
	d := m.find("dom1")
	if d.Certificate != "/x/cert.pem" || d.RequireCert || !d.VerifyCert || d.Method != "TLSv1_2-TLSv1_3" ||
		len(d.MatchAddrs) != 2 || len(d.MatchDomains) != 2 {
		t.Errorf("dom1 = %+v", d)
	}
}

func TestValidateLibrary(t *testing.T) {
	for _, tc := range []struct {
		lib    string
		loaded []string
		err    string
	}{
		{"auto", []string{"tls_openssl"}, ""},
		{"auto", nil, "no TLS library"},
		{"auto", []string{"tls_openssl", "tls_wolfssl"}, "both"},
		{"wolfssl", []string{"tls_openssl"}, "needs the tls_wolfssl"},
		{"none", nil, ""},
	} {
		m := New()
		m.Library = tc.lib
		err := m.Validate(&api.ValidateCtx{Loaded: func(n string) bool {
			for _, l := range tc.loaded {
				if l == n {
					return true
				}
			}
			return false
		}})
		if tc.err == "" && err != nil || tc.err != "" && (err == nil || !strings.Contains(err.Error(), tc.err)) {
			t.Errorf("%s %v: %v, want %q", tc.lib, tc.loaded, err, tc.err)
		}
	}
}

func mkDomain(t *testing.T, name string, addrs, doms []string) *domain {
	t.Helper()
	d := newDomain(name, true)
	d.MatchAddrs, d.MatchDomains = addrs, doms
	d.Certificate = "unused"
	d.Server = false // build without files
	if err := d.build(buildOpts{}); err == nil {
		t.Fatal("build without a key file must fail")
	}
	d.Certificate = ""
	if err := d.build(buildOpts{}); err != nil {
		t.Fatal(err)
	}
	d.Server = true
	return d
}

func TestPickDomain(t *testing.T) {
	sock := netip.MustParseAddrPort("10.0.0.10:5061")
	atlanta := mkDomain(t, "atlanta", []string{"10.0.0.10:5061"}, []string{"atlanta.com"})
	wild := mkDomain(t, "wild", []string{"10.0.0.10:5061"}, []string{"*.biloxi.com"})
	wilder := mkDomain(t, "wilder", []string{"10.0.0.10:5061"}, []string{"*.com"})
	none := mkDomain(t, "nosni", []string{"10.0.0.10:5061"}, []string{"none"})
	other := mkDomain(t, "other", []string{"*"}, []string{"*"})
	doms := []*domain{other, wilder, wild, atlanta, none}
	for _, tc := range []struct {
		addr netip.AddrPort
		name string
		want *domain
	}{
		{sock, "atlanta.com", atlanta},
		{sock, "ATLANTA.com.", atlanta},
		{sock, "a.biloxi.com", wild},
		{sock, "x.com", wilder},
		{sock, "", none},
		{sock, "example.org", nil}, // SNI no domain accepts: refused
		{netip.MustParseAddrPort("10.0.0.11:5061"), "atlanta.com", other},
		{netip.MustParseAddrPort("10.0.0.10:5062"), "", other},
	} {
		if got := pickDomain(doms, tc.addr, tc.name); got != tc.want {
			t.Errorf("pick(%s, %q) = %v, want %v", tc.addr, tc.name, name(got), name(tc.want))
		}
	}
}

func name(d *domain) string {
	if d == nil {
		return "<nil>"
	}
	return d.Name
}

func TestCipherSuites(t *testing.T) {
	got := cipherSuites("ECDHE-RSA-AES128-GCM-SHA256:!aNULL:HIGH:ECDHE-ECDSA-AES256-GCM-SHA384:NOPE")
	want := []uint16{tls.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256, tls.TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384}
	if len(got) != 2 || got[0] != want[0] || got[1] != want[1] {
		t.Errorf("cipherSuites = %v", got)
	}
	if cipherSuites("HIGH:!aNULL") != nil {
		t.Error("keywords only must keep Go's defaults")
	}
	if d := describe(tls.TLS_AES_128_GCM_SHA256); d != "TLS_AES_128_GCM_SHA256         TLSv1.3 Kx=any      Au=any  Enc=AESGCM(128)            Mac=AEAD\n" {
		t.Errorf("describe = %q", d)
	}
}

func TestOneline(t *testing.T) {
	n := pkix.Name{Country: []string{"AT"}, Province: []string{"Vienna"}, Locality: []string{"Vienna"},
		Organization: []string{"enum.at"}, CommonName: "enum.at"}
	raw, err := asn1Name(n)
	if err != nil {
		t.Fatal(err)
	}
	if got := oneline(raw); got != "/C=AT/ST=Vienna/L=Vienna/O=enum.at/CN=enum.at" {
		t.Errorf("oneline = %q", got)
	}
	if cn, ok := nameField(raw, oidCN); !ok || cn != "enum.at" {
		t.Errorf("cn = %q %v", cn, ok)
	}
}

// testPEM makes a self-signed certificate and key as PEM.
func testPEM(t *testing.T, cn string) (string, string) {
	t.Helper()
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(3), Subject: pkix.Name{CommonName: cn},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour)}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	kder, _ := x509.MarshalECPrivateKey(key)
	return string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})),
		string(pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kder}))
}

// Domains from the tls_mgm table: loaded at Init, replaced by
// tls_reload, script domains kept, a broken row skipped.
func TestDBDomainsAndReload(t *testing.T) {
	ctx := context.Background()
	url := "sqlite://" + filepath.Join(t.TempDir(), "tls.db")
	conn, err := db.Open(ctx, url, db.WithCreate())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := db.CreateTables(ctx, conn, "tls_mgm"); err != nil {
		t.Fatal(err)
	}
	cols := []string{"domain", "match_ip_address", "match_sip_domain", "type", "certificate", "private_key", "verify_cert", "require_cert"}
	add := func(name string, typ int64, addr, sipDom string, cert, key string) {
		t.Helper()
		if _, err := conn.Insert(ctx, "tls_mgm", cols, []db.Value{db.StringValue(name), db.StringValue(addr), db.StringValue(sipDom),
			db.IntValue(typ), db.BlobValue([]byte(cert)), db.BlobValue([]byte(key)), db.IntValue(0), db.IntValue(0)}); err != nil {
			t.Fatal(err)
		}
	}
	cert, key := testPEM(t, "db.example.com")
	add("dbsrv", 2, "127.0.0.1:5061", "*", cert, key)

	m := New()
	m.Library = "none"
	if err := setParam(t, m, "client_domain", "cli"); err != nil {
		t.Fatal(err)
	}
	m.dbh.URL = url
	if err := m.Init(&api.InitCtx{ConfigDir: t.TempDir()}); err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	sock := &sip.Socket{Proto: sip.ProtoTLS, IP: "127.0.0.1", Port: 5061}
	d := m.serverDomain(sock, "")
	if d == nil || d.Name != "dbsrv" || d.leaf == nil || d.leaf.Subject.CommonName != "db.example.com" {
		t.Fatalf("server domain from the table: %+v", d)
	}
	if _, err := m.ServerConfig(sock); err != nil {
		t.Fatal(err)
	}
	if _, err := m.ServerConfig(&sip.Socket{Proto: sip.ProtoTLS, IP: "127.0.0.2", Port: 5061}); err == nil {
		t.Error("ServerConfig for a socket no domain matches must fail")
	}

	cert2, key2 := testPEM(t, "second.example.com")
	add("second", 2, "127.0.0.2:5061", "*", cert2, key2)
	add("broken", 2, "127.0.0.3:5061", "*", "not a certificate", key2)
	var reload, list api.MICommand
	for _, c := range m.MICommands() {
		switch c.Name {
		case "tls_reload":
			reload = c
		case "tls_list":
			list = c
		}
	}
	if r, err := reload.Handler(ctx, nil); err != nil || r != "OK" {
		t.Fatalf("tls_reload = %v, %v", r, err)
	}
	if d := m.serverDomain(&sip.Socket{IP: "127.0.0.2", Port: 5061}, ""); d == nil || d.Name != "second" {
		t.Errorf("after tls_reload: %v", name(d))
	}
	out, _ := list.Handler(ctx, nil)
	b, _ := json.Marshal(out)
	got := string(b)
	for _, want := range []string{`{"Domains":[{"name":"cli","type":"TLS_DOMAIN_CLI","IP ADDRESS FILTERS":["*"],"SIP DOMAIN FILTERS":["*"],"METHOD":"SSLv23","VERIFY_CERT":true,"REQ_CLI_CERT":false,"CRL_CHECKALL":false,"CERT_FILE":"","CRL_DIR":"","CA_FILE":"","CA_DIR":"/etc/pki/CA/","PKEY_FILE":"","CIPHER_LIST":"","DH_PARAMS_FILE":"","EC_CURVE":""}`,
		`{"name":"dbsrv","type":"TLS_DOMAIN_SRV","IP ADDRESS FILTERS":["127.0.0.1:5061"],"SIP DOMAIN FILTERS":["*"],"METHOD":"SSLv23","VERIFY_CERT":false,"REQ_CLI_CERT":false,"CRL_CHECKALL":false,"CRL_DIR":"","CA_DIR":"/etc/pki/CA/","CIPHER_LIST":"","EC_CURVE":""}`,
		`"name":"second"`} {
		if !strings.Contains(got, want) {
			t.Errorf("tls_list lacks %s\n in %s", want, got)
		}
	}
	if strings.Contains(got, "broken") {
		t.Errorf("a row that does not build is listed: %s", got)
	}
}

func TestReloadWithoutDB(t *testing.T) {
	m := New()
	for _, c := range m.MICommands() {
		if c.Name == "tls_reload" {
			if _, err := c.Handler(context.Background(), nil); err == nil {
				t.Error("tls_reload without db_url must fail")
			}
		}
	}
}

func asn1Name(n pkix.Name) ([]byte, error) { return asn1.Marshal(n.ToRDNSequence()) }
