// Package tlsmgm is OpenSIPS' tls_mgm module: TLS server and client
// domains (certificates, CAs, verification, protocol versions, ciphers)
// defined by modparams or in the tls_mgm table, chosen per connection by
// socket address and SNI / SIP domain, the $tls_* variables and
// is_peer_verified(). Go's crypto/tls does the TLS work.
package tlsmgm

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net/netip"
	"strings"
	"sync"
	"sync/atomic"

	"gosips/api"
	"gosips/internal/dbconn"
	"gosips/sip"
)

func init() {
	api.Register(api.ModuleInfo{Name: "tls_mgm", New: func() api.Module { return New() },
		Deps: []api.Dep{{Name: "tls_openssl", Optional: true}, {Name: "tls_wolfssl", Optional: true}},
		Doc:  "TLS domains, certificates and $tls_* variables"})
}

// TableVersion is the tls_mgm table version OpenSIPS 3.6 expects.
const TableVersion = 3

// Columns are the tls_mgm table column names.
type Columns struct {
	Domain, MatchAddr, MatchDomain, Method, Verify, Require, Cert, Key,
	CRLCheck, CRLDir, CAList, CADir, Ciphers, DHParams, ECCurve string
}

// Module is one tls_mgm instance.
type Module struct {
	Library            string
	ClientTLSDomainAVP string
	ClientSIPDomainAVP string
	Table              string
	Cols               Columns
	script             []*domain // modparam domains, in definition order
	dbh                dbconn.Handle
	log                *slog.Logger
	opts               buildOpts
	cur                atomic.Pointer[domains]
	reloadMu           sync.Mutex
}

// domains is one immutable set of built domains.
type domains struct {
	srv, cli []*domain
}

// New returns a tls_mgm instance with OpenSIPS' defaults.
func New() *Module {
	return &Module{Library: "auto", Table: "tls_mgm", log: slog.New(slog.DiscardHandler),
		Cols: Columns{Domain: "domain", MatchAddr: "match_ip_address", MatchDomain: "match_sip_domain",
			Method: "method", Verify: "verify_cert", Require: "require_cert", Cert: "certificate",
			Key: "private_key", CRLCheck: "crl_check_all", CRLDir: "crl_dir", CAList: "ca_list",
			CADir: "ca_dir", Ciphers: "cipher_list", DHParams: "dh_params", ECCurve: "ec_curve"}}
}

// splitDom splits "[dom]value".
func splitDom(s string) (string, string, error) {
	s = strings.TrimSpace(s)
	if !strings.HasPrefix(s, "[") {
		return "", "", &api.HintError{Err: fmt.Errorf("%q: missing the [domain] prefix", s), Hint: `write "[dom]value", dom being a server_domain or client_domain`}
	}
	end := strings.IndexByte(s, ']')
	if end < 0 {
		return "", "", fmt.Errorf("%q: unterminated [domain] prefix", s)
	}
	return s[1:end], strings.TrimSpace(s[end+1:]), nil
}

func (m *Module) find(name string) *domain {
	for _, d := range m.script {
		if d.Name == name {
			return d
		}
	}
	return nil
}

// domParam is a "[dom]value" parameter applied to a defined domain.
func (m *Module) domParam(name string, set func(d *domain, v string) error) api.Param {
	return api.FuncParam(name, api.ParamStr, true, func(v api.ParamValue) error {
		dn, val, err := splitDom(v.Str)
		if err != nil {
			return err
		}
		d := m.find(dn)
		if d == nil {
			return &api.HintError{Err: fmt.Errorf("tls domain [%s] not defined", dn),
				Hint: `define it first with modparam("tls_mgm", "server_domain", "` + dn + `") or client_domain`}
		}
		if err := set(d, val); err != nil {
			return err
		}
		d.set[name] = true
		return nil
	})
}

func boolVal(name, v string) (bool, error) {
	switch strings.TrimSpace(v) {
	case "0":
		return false, nil
	case "1":
		return true, nil
	}
	return false, fmt.Errorf("%s: want 0 or 1, got %q", name, v)
}

// boolField sets a 0/1 domain setting, leaving it alone on bad input.
func boolField(name string, field func(d *domain) *bool) func(d *domain, v string) error {
	return func(d *domain, v string) error {
		b, err := boolVal(name, v)
		if err != nil {
			return err
		}
		*field(d) = b
		return nil
	}
}

func list(v string) []string {
	var out []string
	for _, f := range strings.Split(v, ",") {
		if f = strings.TrimSpace(f); f != "" {
			out = append(out, f)
		}
	}
	return out
}

// Params lists the module parameters.
func (m *Module) Params() []api.Param {
	addDomain := func(server bool) func(v api.ParamValue) error {
		return func(v api.ParamValue) error {
			name := strings.TrimSpace(v.Str)
			if name == "" || strings.ContainsAny(name, "=[]") {
				return &api.HintError{Err: fmt.Errorf("bad tls domain name %q", v.Str),
					Hint: `give a plain name, and its address with modparam("tls_mgm", "match_ip_address", "[name]ip:port")`}
			}
			if m.find(name) != nil {
				return fmt.Errorf("tls domain %q already defined", name)
			}
			m.script = append(m.script, newDomain(name, server))
			return nil
		}
	}
	c := &m.Cols
	return []api.Param{
		{Name: "tls_library", Type: api.ParamStr, Default: "auto", Set: func(v api.ParamValue) error {
			switch strings.ToLower(v.Str) {
			case "auto", "none", "openssl", "wolfssl":
				m.Library = strings.ToLower(v.Str)
				return nil
			}
			return fmt.Errorf("tls_library %q: want auto, none, openssl or wolfssl", v.Str)
		}},
		api.IgnoredParam(api.StrParam("client_tls_domain_avp", &m.ClientTLSDomainAVP),
			"the client domain is matched by destination address and next-hop host name only"),
		api.IgnoredParam(api.StrParam("client_sip_domain_avp", &m.ClientSIPDomainAVP),
			"the next hop's host name is the SIP domain used to match client domains"),
		api.FuncParam("server_domain", api.ParamStr, true, addDomain(true)),
		api.FuncParam("client_domain", api.ParamStr, true, addDomain(false)),
		m.domParam("match_ip_address", func(d *domain, v string) error { d.MatchAddrs = append(d.MatchAddrs, list(v)...); return nil }),
		m.domParam("match_sip_domain", func(d *domain, v string) error {
			d.MatchDomains = append(d.MatchDomains, list(v)...)
			return nil
		}),
		m.domParam("tls_method", func(d *domain, v string) error {
			if _, _, err := parseMethod(v); err != nil {
				return err
			}
			d.Method = v
			return nil
		}),
		m.domParam("verify_cert", boolField("verify_cert", func(d *domain) *bool { return &d.VerifyCert })),
		m.domParam("require_cert", boolField("require_cert", func(d *domain) *bool { return &d.RequireCert })),
		m.domParam("certificate", func(d *domain, v string) error { d.Certificate = v; return nil }),
		m.domParam("private_key", func(d *domain, v string) error { d.PrivateKey = v; return nil }),
		m.domParam("crl_check_all", boolField("crl_check_all", func(d *domain) *bool { return &d.CRLCheckAll })),
		m.domParam("crl_dir", func(d *domain, v string) error { d.CRLDir = v; return nil }),
		m.domParam("ca_list", func(d *domain, v string) error { d.CAList = v; return nil }),
		m.domParam("ca_dir", func(d *domain, v string) error { d.CADir = v; return nil }),
		m.domParam("ciphers_list", func(d *domain, v string) error { d.Ciphers = v; return nil }),
		m.domParam("dh_params", func(d *domain, v string) error { d.DHParams = v; return nil }),
		m.domParam("ec_curve", func(d *domain, v string) error {
			if _, ok := curves[v]; !ok {
				return fmt.Errorf("ec_curve %q is not supported (prime256v1, secp384r1, secp521r1, X25519)", v)
			}
			d.ECCurve = v
			return nil
		}),
		api.StrParam("db_url", &m.dbh.URL),
		api.StrParam("db_table", &m.Table),
		api.StrParam("domain_col", &c.Domain),
		api.StrParam("match_ip_address_col", &c.MatchAddr),
		api.StrParam("match_sip_domain_col", &c.MatchDomain),
		api.StrParam("tls_method_col", &c.Method),
		api.StrParam("verify_cert_col", &c.Verify),
		api.StrParam("require_cert_col", &c.Require),
		api.StrParam("certificate_col", &c.Cert),
		api.StrParam("private_key_col", &c.Key),
		api.StrParam("crl_check_all_col", &c.CRLCheck),
		api.StrParam("crl_dir_col", &c.CRLDir),
		api.StrParam("ca_list_col", &c.CAList),
		api.StrParam("ca_dir_col", &c.CADir),
		api.StrParam("ciphers_list_col", &c.Ciphers),
		api.StrParam("dh_params_col", &c.DHParams),
		api.StrParam("ec_curve_col", &c.ECCurve),
	}
}

// Validate checks the library choice against the loaded modules and the
// database URL.
func (m *Module) Validate(vc *api.ValidateCtx) error {
	ossl, wssl := vc.Loaded("tls_openssl"), vc.Loaded("tls_wolfssl")
	switch m.Library {
	case "auto":
		if !ossl && !wssl {
			return &api.HintError{Err: errors.New("no TLS library module loaded"),
				Hint: `loadmodule "tls_openssl.so" (or "tls_wolfssl.so"), or set modparam("tls_mgm", "tls_library", "none")`}
		}
		if ossl && wssl {
			return &api.HintError{Err: errors.New("both tls_openssl and tls_wolfssl are loaded"),
				Hint: `load one, or pick one with modparam("tls_mgm", "tls_library", "openssl")`}
		}
	case "openssl":
		if !ossl {
			return &api.HintError{Err: errors.New(`tls_library "openssl" needs the tls_openssl module`), Hint: `loadmodule "tls_openssl.so"`}
		}
	case "wolfssl":
		if !wssl {
			return &api.HintError{Err: errors.New(`tls_library "wolfssl" needs the tls_wolfssl module`), Hint: `loadmodule "tls_wolfssl.so"`}
		}
	}
	for _, d := range m.script {
		if d.DHParams != "" && vc.Warn != nil {
			vc.Warn(fmt.Sprintf("tls domain %q: dh_params is ignored", d.Name),
				"Go's crypto/tls has no finite-field Diffie-Hellman; ECDHE and TLS 1.3 key exchange are used")
			break
		}
	}
	if m.dbh.URL != "" {
		return m.dbh.Validate(vc)
	}
	return nil
}

// Init builds the script domains and loads the table's.
func (m *Module) Init(ic *api.InitCtx) error {
	if ic.Log != nil {
		m.log = ic.Log
	}
	m.opts = buildOpts{cfgDir: ic.ConfigDir}
	for _, d := range m.script {
		if err := d.build(m.opts); err != nil {
			return err
		}
	}
	if m.dbh.URL != "" {
		if err := m.dbh.Open(ic, m.log); err != nil {
			return fmt.Errorf("tls_mgm: %w", err)
		}
		if err := m.dbh.CheckVersion(context.Background(), m.Table, TableVersion); err != nil {
			return fmt.Errorf("tls_mgm: %w", err)
		}
	}
	return m.reload(context.Background())
}

// Close closes the database.
func (m *Module) Close() error { return m.dbh.Close() }

// reload rebuilds the set: script domains plus the table's. A DB domain
// that fails to build is skipped with a warning, as OpenSIPS does.
func (m *Module) reload(ctx context.Context) error {
	m.reloadMu.Lock()
	defer m.reloadMu.Unlock()
	set := &domains{}
	add := func(d *domain) {
		if d.Server {
			set.srv = append(set.srv, d)
		} else {
			set.cli = append(set.cli, d)
		}
	}
	for _, d := range m.script {
		add(d)
	}
	if m.dbh.Conn != nil {
		dbDoms, err := m.loadDB(ctx)
		if err != nil {
			return fmt.Errorf("tls_mgm: %w", err)
		}
		for _, d := range dbDoms {
			if err := d.build(m.opts); err != nil {
				m.log.Warn("skipping tls domain from database", "err", err)
				continue
			}
			add(d)
		}
	}
	m.cur.Store(set)
	return nil
}

// loadDB reads the tls_mgm table (type 1 = client, 2 = server).
func (m *Module) loadDB(ctx context.Context) ([]*domain, error) {
	c := m.Cols
	cols := []string{c.Domain, c.MatchAddr, c.MatchDomain, "type", c.Method, c.Verify, c.Require, c.Cert, c.Key,
		c.CRLCheck, c.CRLDir, c.CAList, c.CADir, c.Ciphers, c.DHParams, c.ECCurve}
	res, err := m.dbh.Conn.Query(ctx, m.Table, cols, nil, "", 0)
	if err != nil {
		return nil, fmt.Errorf("table %s: %w", m.Table, err)
	}
	var out []*domain
	for _, r := range res.Rows {
		str := func(i int) string {
			if r[i].Null {
				return ""
			}
			return strings.TrimSpace(string(r[i].Bytes()))
		}
		d := newDomain(str(0), false)
		d.FromDB = true
		switch r[3].Int64() {
		case 1:
		case 2:
			d.Server = true
		default:
			m.log.Warn("tls domain from database has a bad type, skipped", "domain", d.Name, "type", r[3].Int64())
			continue
		}
		d.MatchAddrs, d.MatchDomains = list(str(1)), list(str(2))
		d.Method = str(4)
		d.VerifyCert = r[5].Null || r[5].Int64() != 0
		d.RequireCert = r[6].Null || r[6].Int64() != 0
		d.Certificate, d.PrivateKey = str(7), str(8)
		d.CRLCheckAll = !r[9].Null && r[9].Int64() != 0
		d.CRLDir, d.CAList, d.CADir, d.Ciphers, d.DHParams, d.ECCurve = str(10), str(11), str(12), str(13), str(14), str(15)
		out = append(out, d)
	}
	return out, nil
}

func (m *Module) set() *domains {
	if s := m.cur.Load(); s != nil {
		return s
	}
	return &domains{}
}

// sockAddr is the address a socket's domain is matched by.
func sockAddr(s *sip.Socket) netip.AddrPort {
	a, err := netip.ParseAddr(strings.Trim(s.IP, "[]"))
	if err != nil {
		return netip.AddrPort{}
	}
	return netip.AddrPortFrom(a.Unmap(), uint16(s.Port))
}

// serverDomain picks the server domain for a socket and SNI name.
func (m *Module) serverDomain(s *sip.Socket, sni string) *domain {
	return pickDomain(m.set().srv, sockAddr(s), sni)
}

// clientDomain picks the client domain for a destination and SIP domain.
func (m *Module) clientDomain(dst netip.AddrPort, sipDomain string) *domain {
	return pickDomain(m.set().cli, dst, sipDomain)
}

// ServerConfig implements api.TLSConfigs: the server domain is chosen per
// handshake, so tls_reload applies to new connections at once.
func (m *Module) ServerConfig(s *sip.Socket) (*tls.Config, error) {
	if !m.hasServerFor(s) {
		return nil, fmt.Errorf("no tls server domain matches %s", s)
	}
	sock := *s
	return &tls.Config{GetConfigForClient: func(h *tls.ClientHelloInfo) (*tls.Config, error) {
		d := m.serverDomain(&sock, h.ServerName)
		if d == nil {
			return nil, fmt.Errorf("no tls server domain for %s (server name %q)", sock.String(), h.ServerName)
		}
		return d.conf, nil
	}}, nil
}

// hasServerFor reports whether some server domain can serve s.
func (m *Module) hasServerFor(s *sip.Socket) bool {
	a := sockAddr(s)
	for _, d := range m.set().srv {
		if d.addrScore(a) > 0 {
			return true
		}
	}
	return false
}

// ClientConfig implements api.TLSConfigs.
func (m *Module) ClientConfig(_ *sip.Socket, dst netip.AddrPort, sipDomain string) (*tls.Config, error) {
	d := m.clientDomain(dst, sipDomain)
	if d == nil {
		return nil, fmt.Errorf("no tls client domain matches %s (sip domain %q)", dst, sipDomain)
	}
	conf := d.conf.Clone()
	if sipDomain != "" {
		if _, err := netip.ParseAddr(sipDomain); err != nil {
			conf.ServerName = sipDomain
		}
	}
	return conf, nil
}

// Funcs lists is_peer_verified.
func (m *Module) Funcs() []api.Func {
	return []api.Func{{Name: "is_peer_verified", Routes: api.RequestRoute,
		Returns: "1 the message came over TLS from a peer whose certificate was verified, -1 otherwise",
		Call: func(c *api.Ctx, _ []any) api.Ret {
			if v, ok := m.peerCheck(c, verifyOK); ok && v {
				return api.RetTrue
			}
			return api.RetFalse
		}}}
}

// MICommands lists tls_list and tls_reload.
func (m *Module) MICommands() []api.MICommand {
	return []api.MICommand{
		{Name: "tls_reload", Help: "reloads stored data from the database", Recipes: [][]string{{}},
			Handler: func(ctx context.Context, _ api.MIParams) (any, error) {
				if m.dbh.Conn == nil {
					return nil, &api.MIError{Code: 500, Msg: "Failed to reload"}
				}
				if err := m.reload(ctx); err != nil {
					m.log.Error("tls_reload", "err", err)
					return nil, &api.MIError{Code: 500, Msg: "Failed to reload"}
				}
				return "OK", nil
			}},
		{Name: "tls_list", Help: "lists all domains", Recipes: [][]string{{}},
			Handler: func(context.Context, api.MIParams) (any, error) {
				s := m.set()
				out := make([]miDomain, 0, len(s.cli)+len(s.srv))
				for _, d := range s.cli {
					out = append(out, d.mi())
				}
				for _, d := range s.srv {
					out = append(out, d.mi())
				}
				return struct {
					Domains []miDomain `json:"Domains"`
				}{out}, nil
			}},
	}
}

// miDomain is one tls_list entry, in OpenSIPS' key order.
type miDomain struct {
	Name         string   `json:"name"`
	Type         string   `json:"type"`
	Addrs        []string `json:"IP ADDRESS FILTERS"`
	Doms         []string `json:"SIP DOMAIN FILTERS"`
	Method       string   `json:"METHOD"`
	Verify       bool     `json:"VERIFY_CERT"`
	Require      bool     `json:"REQ_CLI_CERT"`
	CRLCheckAll  bool     `json:"CRL_CHECKALL"`
	CertFile     *string  `json:"CERT_FILE,omitempty"`
	CRLDir       string   `json:"CRL_DIR"`
	CAFile       *string  `json:"CA_FILE,omitempty"`
	CADir        string   `json:"CA_DIR"`
	PKeyFile     *string  `json:"PKEY_FILE,omitempty"`
	CipherList   string   `json:"CIPHER_LIST"`
	DHParamsFile *string  `json:"DH_PARAMS_FILE,omitempty"`
	ECCurve      string   `json:"EC_CURVE"`
}

func (d *domain) mi() miDomain {
	o := miDomain{Name: d.Name, Type: "TLS_DOMAIN_CLI", Addrs: d.MatchAddrs, Doms: d.MatchDomains,
		Verify: d.VerifyCert, Require: d.RequireCert, CRLCheckAll: d.CRLCheckAll, CRLDir: d.CRLDir,
		CADir: d.CADir, CipherList: d.Ciphers, ECCurve: d.ECCurve}
	if d.Server {
		o.Type = "TLS_DOMAIN_SRV"
	}
	if o.Addrs == nil {
		o.Addrs = []string{"*"}
	}
	if o.Doms == nil {
		o.Doms = []string{"*"}
	}
	if o.CADir == "" {
		o.CADir = defaultCADir
	}
	if d.minV == d.maxV {
		o.Method = methodName(d.minV)
	} else if d.Method == "" || strings.EqualFold(d.Method, "SSLv23") {
		o.Method = "SSLv23"
	} else {
		o.Method = methodName(d.minV) + "-" + methodName(d.maxV)
	}
	if !d.FromDB {
		cert, key, ca, dh := d.certFile, d.keyFile, d.CAList, d.DHParams
		o.CertFile, o.CAFile, o.PKeyFile, o.DHParamsFile = &cert, &ca, &key, &dh
	}
	return o
}

var (
	_ api.Module     = (*Module)(nil)
	_ api.Initer     = (*Module)(nil)
	_ api.Validator  = (*Module)(nil)
	_ api.MIExporter = (*Module)(nil)
	_ api.TLSConfigs = (*Module)(nil)
)
