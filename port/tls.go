package port

import (
	"strconv"
	"strings"

	"gosips/lang/ast"
)

// TLS settings (G21, P15). Until 2.4 OpenSIPS always had two implicit TLS
// domains, the default server domain and the default client domain: the
// 1.x core globals (tls_certificate, tls_verify_client, ...) and the 2.x
// proto_tls / tls_mgm modparams written without a "[domain]" prefix set
// them. 3.0 dropped the implicit domains (a value must name its domain)
// and 3.2 moved the TLS library into tls_openssl / tls_wolfssl. The port
// defines the two domains explicitly, matching any address as the
// implicit ones did, and gives every old setting the domain(s) it applied
// to; 1.x and 2.x built on OpenSSL, so tls_openssl is the library loaded.
const (
	tlsServerDomain = "default_server"
	tlsClientDomain = "default_client"
)

// tlsGlobal says where a 1.x core TLS global went.
type tlsGlobal struct {
	param          string // tls_mgm parameter ("" = proto_tls, same name)
	server, client bool   // the default domains it set
}

// tlsGlobals are the 1.x core TLS parameters (cfg.y of 1.4–1.11).
var tlsGlobals = map[string]tlsGlobal{
	"tls_method":                     {"tls_method", true, true},
	"tls_verify_client":              {"verify_cert", true, false},
	"tls_verify_server":              {"verify_cert", false, true},
	"tls_require_client_certificate": {"require_cert", true, false},
	"tls_certificate":                {"certificate", true, true},
	"tls_private_key":                {"private_key", true, true},
	"tls_ca_list":                    {"ca_list", true, true},
	"tls_ca_dir":                     {"ca_dir", true, true},
	"tls_ciphers_list":               {"ciphers_list", true, true},
	"tls_dh_params":                  {"dh_params", true, true},
	"tls_ec_curve":                   {"ec_curve", true, true},
	"tls_handshake_timeout":          {"", false, false},
	"tls_send_timeout":               {"", false, false},
}

// tlsDomainParams are the per-domain tls_mgm parameters a 2.x config may
// have set without a "[domain]" prefix (tls_params.c of 2.1–2.4).
var tlsDomainParams = map[string]bool{
	"tls_method": true, "verify_cert": true, "require_cert": true,
	"certificate": true, "private_key": true, "ca_list": true, "ca_dir": true,
	"ciphers_list": true, "dh_params": true, "ec_curve": true,
	"crl_dir": true, "crl_check_all": true,
}

// tlsSettings rewrites the TLS settings of a 1.x or 2.x config.
func tlsSettings(ps *pass) {
	var disable *ast.GlobalParam
	var olds []*ast.GlobalParam
	for _, it := range ps.f.Items {
		g, ok := it.(*ast.GlobalParam)
		if !ok || !ps.mine(g.At) || g.Value == nil {
			continue
		}
		if g.Name == "disable_tls" {
			disable = g
		} else if _, ok := tlsGlobals[g.Name]; ok {
			olds = append(olds, g)
		}
	}
	if disable == nil && len(olds) == 0 {
		tlsDomains(ps)
		return
	}
	// 1.x: TLS was off unless disable_tls said otherwise.
	on := disable != nil && !truthy(disable.Value)
	if disable != nil {
		ps.es.deleteItem(disable.At.Offset, disable.Value.End.Offset)
		if on {
			ps.note(disable.At, "G21", "removed disable_tls=no: TLS is on when proto_tls is loaded")
		} else {
			ps.note(disable.At, "G21", "removed disable_tls: TLS stays off as long as proto_tls is not loaded")
		}
	}
	if !on {
		for _, g := range olds {
			ps.es.deleteItem(g.At.Offset, g.Value.End.Offset)
			ps.note(g.At, "G21", "removed %s: TLS was disabled, the setting had no effect", g.Name)
		}
		return
	}
	var lines []string
	defined := false
	for _, g := range olds {
		tg := tlsGlobals[g.Name]
		val := globalText(ps, g.Value)
		if g.Name == "tls_method" && !tlsMethodKnown(val) {
			ps.manual(g.At, "G21", "tls_method %s is not offered by OpenSIPS 3.x: choose SSLv23, TLSv1, TLSv1_2 or a range in tls_mgm tls_method", val)
			continue
		}
		ps.es.deleteItem(g.At.Offset, g.Value.End.Offset)
		if tg.param == "" {
			lines = append(lines, `modparam("proto_tls", "`+g.Name+`", `+strconv.Itoa(atoiOr(val, 0))+`)`)
			ps.note(g.At, "G21", "%s is a proto_tls parameter since 2.1", g.Name)
			continue
		}
		if !defined {
			lines = append(tlsDefineDomains(), lines...)
			defined = true
		}
		doms := []string{}
		if tg.server {
			doms = append(doms, tlsServerDomain)
		}
		if tg.client {
			doms = append(doms, tlsClientDomain)
		}
		for _, d := range doms {
			lines = append(lines, tlsModparam(tg.param, d, val))
		}
		ps.note(g.At, "G21", "%s set the default TLS %s: now tls_mgm %s of domain %s", g.Name, domainKinds(tg), tg.param, strings.Join(doms, " and "))
		if g.Name == "tls_method" {
			tlsMethodReview(ps, g.At, val)
		}
	}
	for _, l := range lines {
		mod := "tls_mgm"
		if strings.HasPrefix(l, `modparam("proto_tls"`) {
			mod = "proto_tls"
		}
		ps.addModparam(mod, l)
	}
}

// tlsDomains gives the un-prefixed tls_mgm values of a 2.x config their
// default domains, and defines the default domains when TLS is used and
// no domain is defined (the implicit 2.x domains had the defaults).
func tlsDomains(ps *pass) {
	if !ps.script.Loaded("tls_mgm") {
		return
	}
	var first *ast.ModParam
	hasDomain, hasDB := false, false
	var bare []*ast.ModParam
	for _, it := range ps.f.Items {
		mp, ok := it.(*ast.ModParam)
		if !ok || mp.Module != "tls_mgm" || mp.Value == nil {
			continue
		}
		if first == nil && ps.mine(mp.At) {
			first = mp
		}
		switch {
		case mp.Param == "server_domain" || mp.Param == "client_domain":
			hasDomain = true
		case mp.Param == "db_url":
			hasDB = true
		case tlsDomainParams[mp.Param] && ps.mine(mp.At):
			if v := strings.TrimSpace(mp.Value.Str); mp.Value.Kind == ast.ValInt || !strings.HasPrefix(v, "[") {
				bare = append(bare, mp)
			}
		}
	}
	if len(bare) > 0 && hasDomain {
		for _, mp := range bare {
			ps.manual(mp.At, "P15", "tls_mgm %s without a [domain] prefix set the implicit default domains, which OpenSIPS 3.x no longer has, next to the domains defined here: give it the domain it is for", mp.Param)
		}
		return
	}
	if hasDomain || hasDB {
		return
	}
	usesTLS := false
	for _, s := range ps.script.Sockets {
		if s.Proto == "tls" {
			usesTLS = true
		}
	}
	if len(bare) == 0 && !usesTLS {
		return
	}
	defs := tlsDefineDomains()
	if first != nil {
		for _, l := range defs {
			ps.es.insertLineBefore(first.At.Offset, l)
		}
	} else {
		for _, l := range defs {
			ps.addModparam("tls_mgm", l)
		}
	}
	if len(bare) == 0 {
		ps.noteAtLoads("P15", "defined the TLS domains %s and %s matching any address, with the default settings of the implicit domains of OpenSIPS 2.x", tlsServerDomain, tlsClientDomain)
	}
	for _, mp := range bare {
		val := mp.Value.Str
		if mp.Value.Kind == ast.ValInt {
			val = mp.Value.Raw
		}
		ps.es.replace(mp.Value.At.Offset, mp.Value.End.Offset, strconv.Quote("["+tlsServerDomain+"]"+val))
		ps.es.insertLineAfter(mp.End.Offset, tlsModparam(mp.Param, tlsClientDomain, val))
		ps.note(mp.At, "P15", "tls_mgm %s without a [domain] prefix set both default domains until 2.4: now set for %s and %s", mp.Param, tlsServerDomain, tlsClientDomain)
		if mp.Param == "tls_method" {
			tlsMethodReview(ps, mp.At, val)
		}
	}
}

// tlsDefineDomains are the modparams defining the two default domains.
func tlsDefineDomains() []string {
	return []string{
		`modparam("tls_mgm", "server_domain", "` + tlsServerDomain + `")`,
		`modparam("tls_mgm", "match_ip_address", "[` + tlsServerDomain + `]*")`,
		`modparam("tls_mgm", "client_domain", "` + tlsClientDomain + `")`,
		`modparam("tls_mgm", "match_ip_address", "[` + tlsClientDomain + `]*")`,
	}
}

func tlsModparam(param, dom, val string) string {
	return `modparam("tls_mgm", "` + param + `", ` + strconv.Quote("["+dom+"]"+val) + `)`
}

func domainKinds(tg tlsGlobal) string {
	switch {
	case tg.server && tg.client:
		return "server and client domains"
	case tg.server:
		return "server domain"
	}
	return "client domain"
}

// tlsMethodKnown reports whether 3.x accepts an old method name.
func tlsMethodKnown(m string) bool {
	switch strings.ToLower(m) {
	case "sslv23", "tlsv1", "tlsv1_2", "tlsany":
		return true
	}
	return false
}

// tlsMethodReview warns that TLSv1 meant TLS 1.0 only, then as now.
func tlsMethodReview(ps *pass, at ast.Pos, m string) {
	if strings.EqualFold(m, "TLSv1") {
		ps.note(at, "G21", "tls_method TLSv1 allows TLS 1.0 only, as it did: most peers and TLS libraries refuse TLS 1.0 today; consider \"TLSv1_2-TLSv1_3\"")
	}
}

// globalText is a global's value without quotes.
func globalText(ps *pass, v *ast.Value) string {
	if v.Kind == ast.ValString {
		return v.Str
	}
	return strings.TrimSpace(string(ps.src[v.At.Offset:v.End.Offset]))
}

// truthy reads an old boolean global (yes/no, on/off, 1/0).
func truthy(v *ast.Value) bool {
	if v.Kind == ast.ValInt {
		return v.Int != 0
	}
	switch strings.ToLower(strings.TrimSpace(v.Str)) {
	case "no", "off", "false", "0":
		return false
	}
	return true
}

func atoiOr(s string, def int) int {
	n, err := strconv.Atoi(strings.TrimSpace(s))
	if err != nil {
		return def
	}
	return n
}
