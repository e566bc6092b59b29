package pv

import (
	"fmt"
	"strings"
)

// CoreDefs lists every PV of the core and of the common modules (with
// Module set), per the language reference. Core PVs come with their
// getters and setters; module PVs are placeholders that the modules
// replace with implementations through Table.Add or Exporter.
func CoreDefs() []Def {
	var out []Def
	add := func(d ...Def) { out = append(out, d...) }
	r := func(name, doc string, aliases ...string) Def { return Def{Name: name, Doc: doc, Aliases: aliases} }
	rw := func(name, doc string, aliases ...string) Def {
		return Def{Name: name, Doc: doc, Aliases: aliases, Writable: true}
	}
	idx := func(d Def) Def { d.Index = true; return d }
	need := func(d Def) Def { d.Inner = NeedInner; return d }
	opt := func(d Def) Def { d.Inner = OptInner; return d }
	mod := func(m string, d Def) Def { d.Module = m; return d }
	inner := func(d Def, f func(string) (any, error)) Def { d.ParseInner = f; return d }

	// Request-URI, destination URI, original URI.
	add(rw("ru", "request URI", "ruri"), rw("rU", "request URI user", "ruri.user"),
		rw("rd", "request URI host", "ruri.domain"), rw("rp", "request URI port (5060 when absent)"),
		r("rP", "request URI transport"), rw("ru_q", "q-value of the request URI branch"),
		r("ou", "original request URI", "ouri"), r("oU", "original request URI user"),
		r("od", "original request URI host"), r("op", "original request URI port"),
		r("oP", "original request URI transport"),
		rw("du", "destination URI", "duri"), rw("dd", "destination URI host"),
		rw("dp", "destination URI port"), r("dP", "destination URI transport"),
		r("ds", "destination set"))
	// First line, body, sizes.
	add(r("rm", "method"), r("rs", "reply status code"), r("rr", "reply reason"),
		idx(opt(r("rb", "message body or body part by MIME type"))),
		r("ml", "message length"), r("mb", "raw message"), r("mi", "internal message id"))
	// Headers.
	add(r("ci", "Call-ID"), r("cs", "CSeq number"), r("cl", "Content-Length"),
		idx(r("cT", "Content-Type")), idx(r("ct", "Contact body")),
		idx(inner(need(r("ct.fields", "Contact body part")), oneOf("uri", "name", "q", "expires", "methods", "received", "params"))),
		r("fu", "From URI", "from"), r("fU", "From user", "from.user"), r("fd", "From host", "from.domain"),
		r("fn", "From display name"), r("ft", "From tag"),
		r("tu", "To URI", "to"), r("tU", "To user", "to.user"), r("td", "To host", "to.domain"),
		r("tn", "To display name"), r("tt", "To tag"),
		r("ai", "P-Asserted-Identity URI"), r("pu", "P-Preferred-Identity URI"), r("pU", "P-Preferred-Identity user"),
		r("pd", "P-Preferred-Identity host"), r("pn", "P-Preferred-Identity display name"),
		r("re", "Remote-Party-ID URI"), r("rt", "Refer-To URI"),
		r("di", "Diversion URI"), r("dir", "Diversion reason"), r("dip", "Diversion privacy"),
		r("ua", "User-Agent"), r("path", "Path header"),
		idx(inner(need(r("hdr", "header body by name")), parseHdrName)),
		inner(need(r("hdrcnt", "number of headers with that name")), parseHdrName),
		idx(r("hdr_name", "name of the idx-th header")))
	// Network.
	add(r("si", "source IP", "src_ip"), r("sp", "source port"),
		inner(opt(r("socket_in", "receiving socket")), oneOf(socketFields...)),
		inner(opt(rw("socket_out", "forced sending socket")), oneOf(append(socketFields, "forced")...)),
		inner(need(r("proxy_protocol", "proxy protocol field")), oneOf("src_ip", "src_port", "dst_ip", "dst_port")),
		legacy(r("Ri", "receiving IP"), "$socket_in(ip)"), legacy(r("Rp", "receiving port"), "$socket_in(port)"),
		legacy(r("pr", "receiving protocol", "proto"), "$socket_in(proto)"),
		legacy(r("af", "address family"), "$socket_in(af)"), legacy(r("fs", "forced socket"), "$socket_out"))
	// Authentication.
	add(r("au", "digest username (user part)"), r("ar", "digest realm"), r("ad", "digest username domain"),
		r("adu", "digest URI"), r("aU", "whole digest username"), r("an", "digest nonce", "auth.nonce"),
		r("auth.resp", "digest response"), r("auth.cnonce", "digest cnonce"), r("auth.opaque", "digest opaque"),
		r("auth.alg", "digest algorithm"), r("auth.qop", "digest qop"), r("auth.nc", "digest nonce count"),
		r("Au", "accounting username"))
	for _, f := range []string{"algorithm", "realm", "nonce", "opaque", "qop", "ik", "ck"} {
		add(r("challenge."+f, "challenge "+f))
	}
	// Script state.
	add(need(r("param", "route parameter")), need(r("return", "extra return value")),
		need(r("argv", "command-line argument")),
		r("mf", "message flags"), r("bf", "branch flags"),
		inner(need(rw("msg.flag", "one message flag")), flagName),
		r("msg.is_request", "1 for requests"), r("msg.type", "request or reply"),
		idx(opt(rw("branch", "additional branch fields"))),
		idx(inner(need(rw("branch.flag", "branch flag")), flagName)),
		rw("msg.branch", "message branch"),
		r("msg.branch.last_idx", "index of the last branch"),
		r("err.class", "error class"), r("err.level", "error level"), r("err.info", "error info"),
		r("err.rcode", "error reply code"), r("err.rreason", "error reply reason"),
		rw("log_level", "process log level"), rw("xlog_level", "process xlog level"),
		r("cfg_line", "config line"), r("cfg_file", "config file"),
		idx(r("route", "route stack")), idx(r("route.name", "route name")), idx(r("route.type", "route type")))
	for _, f := range []string{"uri", "duri", "path", "q", "flags", "socket"} {
		add(idx(rw("msg.branch."+f, "message branch "+f)))
	}
	add(idx(inner(need(rw("msg.branch.flag", "message branch flag")), flagName)),
		idx(need(rw("msg.branch.attr", "message branch attribute"))))
	// SDP.
	sdpIns := func(d Def) Def { d.IndexWords = []string{"insert", "insertAfter"}; return d }
	add(opt(rw("sdp", "SDP body")), sdpIns(idx(need(rw("sdp.line", "SDP line")))),
		sdpIns(idx(need(rw("sdp.stream", "SDP stream")))), need(r("sdp.stream.idx", "SDP stream index")),
		sdpIns(idx(need(rw("sdp.session", "SDP session line")))))
	// Variables, time, process, terminal.
	add(varDefs()...)
	add(timeDefs()...)

	// Modules.
	tm := func(d Def) Def { return mod("tm", d) }
	add(tm(r("T_branch_idx", "current branch index")), tm(r("T_reply_code", "transaction reply code")),
		tm(r("T_ruri", "branch request URI")), tm(r("T_id", "transaction id")),
		tm(rw("T_fr_timeout", "final response timeout")), tm(rw("T_fr_inv_timeout", "INVITE final response timeout")),
		tm(r("T_branch_last_reply_code", "last reply code of the branch")),
		tm(idx(need(rw("bavp", "branch AVP")))))
	for _, f := range []string{"uri", "duri", "path", "q", "flags", "socket", "last_received", "type"} {
		add(tm(idx(r("tm.branch."+f, "transaction branch "+f))))
	}
	add(tm(idx(inner(need(rw("tm.branch.flag", "transaction branch flag")), flagName))),
		tm(idx(need(rw("tm.branch.attr", "transaction branch attribute")))))
	add(mod("rr", r("rr_params", "parameters of the matched Route")),
		mod("signaling", r("sig_local_totag", "To-tag of local replies")),
		mod("json", need(rw("json", "JSON document"))))
	for _, n := range []string{"DLG_status", "DLG_lifetime", "DLG_flags", "DLG_dir", "DLG_did", "DLG_end_reason"} {
		add(mod("dialog", r(n, "dialog "+strings.ToLower(strings.TrimPrefix(n, "DLG_")))))
	}
	add(mod("dialog", rw("DLG_timeout", "dialog timeout")), mod("dialog", need(rw("dlg_val", "dialog value"))))
	bindImpls(out, uriDefs(), hdrDefs(), bodyDefs(), msgDefs(), netDefs(), authDefs(), branchDefs())
	return out
}

// bindImpls copies the getters, setters and inner-name parsers of the
// implementation lists onto the declarations of the same name, which keep
// their flags and documentation.
func bindImpls(decls []Def, impls ...[]Def) {
	byName := make(map[string]*Def, len(decls))
	for i := range decls {
		byName[decls[i].Name] = &decls[i]
	}
	for _, list := range impls {
		for _, im := range list {
			d, ok := byName[im.Name]
			if !ok {
				panic("pv: implementation of undeclared variable $" + im.Name)
			}
			d.Get, d.Set, d.Replace = im.Get, im.Set, im.Replace
			if im.ParseInner != nil {
				d.ParseInner = im.ParseInner
			}
		}
	}
}

var socketFields = []string{"ip", "port", "proto", "advertised_ip", "advertised_port", "tag", "anycast", "af"}

func legacy(d Def, modern string) Def { d.Legacy = modern; return d }

// oneOf validates an inner name against a fixed list.
func oneOf(names ...string) func(string) (any, error) {
	return func(in string) (any, error) {
		for _, n := range names {
			if in == n {
				return in, nil
			}
		}
		return nil, fmt.Errorf("unknown field %q (one of %s)", in, strings.Join(names, ", "))
	}
}

// parseHdrName checks a header name (a token without blanks); a quoted
// name, accepted by OpenSIPS, loses its quotes.
func parseHdrName(in string) (any, error) {
	if len(in) > 2 && in[0] == '"' && in[len(in)-1] == '"' {
		in = in[1 : len(in)-1]
	}
	for i := 0; i < len(in); i++ {
		c := in[i]
		if c <= ' ' || strings.IndexByte("()<>@,;:\\/[]?={}\"", c) >= 0 {
			return nil, fmt.Errorf("invalid header name")
		}
	}
	return in, nil
}

// flagName checks a static flag name.
func flagName(in string) (any, error) {
	if strings.TrimSpace(in) == "" {
		return nil, fmt.Errorf("empty flag name")
	}
	return in, nil
}
