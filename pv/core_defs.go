package pv

import (
	"fmt"
	"strings"

	"gosips/api"
	"gosips/sip"
)

type (
	getFunc = func(c *api.Ctx, s *Spec) (api.Value, error)
	setFunc = func(c *api.Ctx, s *Spec, v api.Value) error
)

// CoreDefs lists every PV of the core and of the common modules (with
// Module set), per the language reference. Each core PV carries its
// getter, setter and inner-name parser in its declaration; module PVs are
// placeholders (no getter) that the modules replace with implementations
// through Table.Add or Exporter.
func CoreDefs() []Def {
	var out []Def
	add := func(d ...Def) { out = append(out, d...) }
	// r declares a read-only PV, rw a writable one; decl a placeholder
	// without behaviour (a module's PV, or a core PV not implemented yet).
	r := func(name, doc string, get getFunc, aliases ...string) Def {
		return Def{Name: name, Doc: doc, Aliases: aliases, Get: get}
	}
	rw := func(name, doc string, get getFunc, set setFunc, aliases ...string) Def {
		return Def{Name: name, Doc: doc, Aliases: aliases, Writable: true, Get: get, Set: set}
	}
	decl := func(name, doc string, writable bool) Def { return Def{Name: name, Doc: doc, Writable: writable} }
	idx := func(d Def) Def { d.Index = true; return d }
	need := func(d Def) Def { d.Inner = NeedInner; return d }
	opt := func(d Def) Def { d.Inner = OptInner; return d }
	mod := func(m string, d Def) Def { d.Module = m; return d }
	inner := func(d Def, f func(string) (any, error)) Def { d.ParseInner = f; return d }
	static := func(d Def) Def { d.StaticInner = true; return d }
	cred := func(name, doc string, f func(*digest) string, aliases ...string) Def {
		return r(name, doc, digestGetter(false, f), aliases...)
	}
	chal := func(field string, f func(*digest) string) Def {
		return r("challenge."+field, "challenge "+field, digestGetter(true, f))
	}

	// Request-URI, destination URI, original URI.
	add(rw("ru", "request URI", getURIPart(curRURI, partAll), setRURI, "ruri"),
		rw("rU", "request URI user", getURIPart(curRURI, partUser), setRURIPart(partUser), "ruri.user"),
		rw("rd", "request URI host", getURIPart(curRURI, partHost), setRURIPart(partHost), "ruri.domain"),
		rw("rp", "request URI port (5060 when absent)", getURIPart(curRURI, partPort), setRURIPart(partPort)),
		r("rP", "request URI transport", getURIPart(curRURI, partProto)),
		rw("ru_q", "q-value of the request URI branch", getRURIQ, setRURIQ),
		r("ou", "original request URI", getURIPart(origRURI, partAll), "ouri"),
		r("oU", "original request URI user", getURIPart(origRURI, partUser)),
		r("od", "original request URI host", getURIPart(origRURI, partHost)),
		r("op", "original request URI port", getURIPart(origRURI, partPort)),
		r("oP", "original request URI transport", getURIPart(origRURI, partProto)),
		rw("du", "destination URI", getURIPart(dstURI, partAll), setDstURI, "duri"),
		rw("dd", "destination URI host", getURIPart(dstURI, partHost), setDstPart(partHost)),
		rw("dp", "destination URI port", getURIPart(dstURI, partPort), setDstPart(partPort)),
		r("dP", "destination URI transport", getURIPart(dstURI, partProto)),
		r("ds", "destination set", getDset))
	// First line, body, sizes.
	add(r("rm", "method", getMethod), r("rs", "reply status code", getStatus), r("rr", "reply reason", getReason),
		idx(inner(opt(r("rb", "message body or body part by MIME type", getBody)), parseMime)),
		r("ml", "message length", getMsgLen), r("mb", "raw message", getMsgBuf), r("mi", "internal message id", getMsgID))
	// Headers.
	add(r("ci", "Call-ID", headerValue(sip.HdrCallID)), r("cs", "CSeq number", getCSeqNum),
		r("cl", "Content-Length", getContentLength),
		idx(r("cT", "Content-Type", getContentType)), idx(r("ct", "Contact body", getContact)),
		idx(inner(need(r("ct.fields", "Contact body part", getContact)), oneOf("uri", "name", "q", "expires", "methods", "received", "params"))),
		r("fu", "From URI", nameAddrGetter(false, naURI), "from"),
		r("fU", "From user", nameAddrGetter(false, naUser), "from.user"),
		r("fd", "From host", nameAddrGetter(false, naHost), "from.domain"),
		r("fn", "From display name", nameAddrGetter(false, naDisplay)),
		r("ft", "From tag", nameAddrGetter(false, naTag)),
		r("tu", "To URI", nameAddrGetter(true, naURI), "to"),
		r("tU", "To user", nameAddrGetter(true, naUser), "to.user"),
		r("td", "To host", nameAddrGetter(true, naHost), "to.domain"),
		r("tn", "To display name", nameAddrGetter(true, naDisplay)),
		r("tt", "To tag", nameAddrGetter(true, naTag)),
		r("ai", "P-Asserted-Identity URI", listHdrGetter(sip.HdrPAssertedIdentity, naURI)),
		r("pu", "P-Preferred-Identity URI", listHdrGetter(sip.HdrPPreferredIdentity, naURI)),
		r("pU", "P-Preferred-Identity user", listHdrGetter(sip.HdrPPreferredIdentity, naUser)),
		r("pd", "P-Preferred-Identity host", listHdrGetter(sip.HdrPPreferredIdentity, naHost)),
		r("pn", "P-Preferred-Identity display name", listHdrGetter(sip.HdrPPreferredIdentity, naDisplay)),
		r("re", "Remote-Party-ID URI", listHdrGetter(sip.HdrRPID, naURI)),
		r("rt", "Refer-To URI", listHdrGetter(sip.HdrReferTo, naURI)),
		r("di", "Diversion URI", listHdrGetter(sip.HdrDiversion, naURI)),
		r("dir", "Diversion reason", diversionParam("reason")),
		r("dip", "Diversion privacy", diversionParam("privacy")),
		r("ua", "User-Agent", headerValue(sip.HdrUserAgent)), r("path", "Path header", getPathVec),
		idx(inner(need(r("hdr", "header body by name", getHdr)), parseHdrSpec)),
		inner(need(r("hdrcnt", "number of headers with that name", getHdrCnt)), parseHdrSpec),
		idx(r("hdr_name", "name of the idx-th header", getHdrName)))
	// Network.
	add(r("si", "source IP", getSrcIP, "src_ip"), r("sp", "source port", getSrcPort),
		inner(opt(r("socket_in", "receiving socket", getSocketIn)), oneOf(socketFields...)),
		inner(opt(rw("socket_out", "forced sending socket", getSocketOut, setSocketOut)), oneOf(append(socketFields, "forced")...)),
		inner(need(r("proxy_protocol", "proxy protocol field", getProxyProtocol)), oneOf("src_ip", "src_port", "dst_ip", "dst_port")),
		legacy(r("Ri", "receiving IP", socketInField("ip")), "$socket_in(ip)"),
		legacy(r("Rp", "receiving port", socketInField("port")), "$socket_in(port)"),
		legacy(r("pr", "receiving protocol", socketInField("proto"), "proto"), "$socket_in(proto)"),
		legacy(r("af", "address family", socketInField("af")), "$socket_in(af)"),
		legacy(r("fs", "forced socket", getForcedSocket), "$socket_out"))
	// Authentication.
	add(cred("au", "digest username (user part)", func(d *digest) string { return d.user }),
		cred("ar", "digest realm", func(d *digest) string { return d.realm }),
		cred("ad", "digest username domain", func(d *digest) string { return d.domain }),
		cred("adu", "digest URI", func(d *digest) string { return d.uri }),
		cred("aU", "whole digest username", func(d *digest) string { return d.username }),
		cred("an", "digest nonce", func(d *digest) string { return d.nonce }, "auth.nonce"),
		cred("auth.resp", "digest response", func(d *digest) string { return d.response }),
		cred("auth.cnonce", "digest cnonce", func(d *digest) string { return d.cnonce }),
		cred("auth.opaque", "digest opaque", func(d *digest) string { return d.opaque }),
		cred("auth.alg", "digest algorithm", func(d *digest) string { return d.alg }),
		cred("auth.qop", "digest qop", func(d *digest) string { return d.qop }),
		cred("auth.nc", "digest nonce count", func(d *digest) string { return d.nc }),
		r("Au", "accounting username", getAccUser),
		chal("algorithm", func(d *digest) string { return d.alg }),
		chal("realm", func(d *digest) string { return d.realm }),
		chal("nonce", func(d *digest) string { return d.nonce }),
		chal("opaque", func(d *digest) string { return d.opaque }),
		chal("qop", func(d *digest) string { return d.qop }),
		chal("ik", func(d *digest) string { return d.ik }),
		chal("ck", func(d *digest) string { return d.ck }))
	// Script state.
	add(inner(need(r("param", "route parameter", getParam)), parsePositive),
		inner(need(r("return", "extra return value", getReturn)), parsePositive),
		need(r("argv", "command-line argument", getArgv)),
		r("mf", "message flags", getMsgFlags), r("bf", "branch flags", getBranchFlags),
		inner(need(rw("msg.flag", "one message flag", getMsgFlag, setMsgFlag)), flagName),
		r("msg.is_request", "1 for requests", getIsRequest), r("msg.type", "request or reply", getMsgType),
		idx(inner(opt(rw("branch", "additional branch fields", branchGetter(""), branchSetter(""))), oneOf(branchFields...))),
		idx(inner(need(rw("branch.flag", "branch flag", branchFlagGetter, branchFlagSetter)), flagName)),
		rw("msg.branch", "message branch", branchGetter("uri"), branchSetter("")),
		r("msg.branch.last_idx", "index of the last branch", getLastBranchIdx),
		r("err.class", "error class", errField(func(e *api.ErrInfo) api.Value { return IntStr(int64(e.Class)) })),
		r("err.level", "error level", errField(func(e *api.ErrInfo) api.Value { return IntStr(int64(e.Level)) })),
		r("err.info", "error info", errField(func(e *api.ErrInfo) api.Value { return strOrNull(e.Info) })),
		r("err.rcode", "error reply code", errField(func(e *api.ErrInfo) api.Value { return IntStr(int64(e.RCode)) })),
		r("err.rreason", "error reply reason", errField(func(e *api.ErrInfo) api.Value { return strOrNull(e.RReply) })),
		rw("log_level", "process log level", logLevelGetter(false), logLevelSetter(false)),
		rw("xlog_level", "process xlog level", logLevelGetter(true), logLevelSetter(true)),
		r("cfg_line", "config line", getCfgLine), r("cfg_file", "config file", getCfgFile),
		idx(r("route", "route stack", routeGetter(frameName, true))),
		idx(r("route.name", "route name", routeGetter(func(f RouteFrame) string { return f.Name }, false))),
		idx(r("route.type", "route type", routeGetter(func(f RouteFrame) string { return f.Type.BlockName() }, false))))
	for _, f := range []string{"uri", "duri", "path", "q", "flags", "socket"} {
		add(idx(rw("msg.branch."+f, "message branch "+f, branchGetter(f), branchSetter(f))))
	}
	add(idx(inner(need(rw("msg.branch.flag", "message branch flag", branchFlagGetter, branchFlagSetter)), flagName)),
		idx(need(decl("msg.branch.attr", "message branch attribute", true))))
	// SDP.
	sdpRW := func(name, doc string, scope sdpScope, parse func(string) (any, error)) Def {
		d := inner(need(rw(name, doc, sdpLineGetter(scope), sdpLineSetter(scope))), parse)
		d.IndexWords, d.StaticInner = []string{"insert", "insertAfter"}, true
		return d
	}
	add(rw("sdp", "SDP body", getSDP, setSDP),
		sdpRW("sdp.line", "SDP line or token", scopeBody, parseSDPLineName),
		sdpRW("sdp.stream", "SDP line or token of a media stream", scopeStream, parseSDPStreamName),
		static(inner(need(r("sdp.stream.idx", "index of an SDP line of a media stream", getSDPStreamIdx)), parseSDPStreamName)),
		sdpRW("sdp.session", "SDP session line or token", scopeSession, parseSDPLineName))
	// Variables, time, process, terminal.
	add(varDefs()...)
	add(timeDefs()...)

	// Modules.
	tm := func(d Def) Def { return mod("tm", d) }
	add(tm(decl("T_branch_idx", "current branch index", false)), tm(decl("T_reply_code", "transaction reply code", false)),
		tm(decl("T_ruri", "branch request URI", false)), tm(decl("T_id", "transaction id", false)),
		tm(decl("T_fr_timeout", "final response timeout", true)), tm(decl("T_fr_inv_timeout", "INVITE final response timeout", true)),
		tm(decl("T_branch_last_reply_code", "last reply code of the branch", false)),
		tm(idx(need(decl("bavp", "branch AVP", true)))))
	for _, f := range []string{"uri", "duri", "path", "q", "flags", "socket", "last_received", "type"} {
		add(tm(idx(decl("tm.branch."+f, "transaction branch "+f, false))))
	}
	add(tm(idx(inner(need(decl("tm.branch.flag", "transaction branch flag", true)), flagName))),
		tm(idx(need(decl("tm.branch.attr", "transaction branch attribute", true)))))
	add(mod("rr", decl("rr_params", "parameters of the matched Route", false)),
		mod("signaling", decl("sig_local_totag", "To-tag of local replies", false)),
		mod("json", need(decl("json", "JSON document", true))))
	for _, n := range []string{"DLG_status", "DLG_lifetime", "DLG_flags", "DLG_dir", "DLG_did", "DLG_end_reason"} {
		add(mod("dialog", decl(n, "dialog "+strings.ToLower(strings.TrimPrefix(n, "DLG_")), false)))
	}
	add(mod("dialog", decl("DLG_timeout", "dialog timeout", true)), mod("dialog", need(decl("dlg_val", "dialog value", true))))
	return out
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
