package e2e

import (
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"gosips/internal/testenv"
)

// The differential tests in this file send the same requests to gosips and
// to real OpenSIPS running the same script, and compare every header of
// what comes back (and of what the callees receive), in order, up to the
// values that must differ between two runs.

// wireStep is one request of a differential exchange and what it is
// expected to produce.
type wireStep struct {
	name string
	msg  string // the request; LPORT is the client's port, CALLID a per-step Call-ID
	// replies is how many replies to wait for (all of them compared);
	// 0 waits for a final reply.
	replies int
}

var (
	wireNonce   = regexp.MustCompile(`nonce="[^"]*"`)
	wireOpaque  = regexp.MustCompile(`opaque="[^"]*"`)
	wireSign    = regexp.MustCompile(`(?m)^(Server|User-Agent): .*$`)
	wireExpires = regexp.MustCompile(`expires=(\d+)`)
	wireRport   = regexp.MustCompile(`rport=(\d+)`)
	wireSecond  = regexp.MustCompile(`127\.0\.0\.2:\d+`)
)

// wireNormalize keeps the first line and every header line of msg, in
// order, masked as stockMask does plus nonces, opaques, the Server and
// User-Agent values (product names differ) and contact expiries within
// two seconds of a round value (the clock moves between two runs).
func wireNormalize(msg string, ports map[int]string) string {
	if msg == "" {
		return "(nothing)"
	}
	msg = strings.ReplaceAll(msg, "\r\n", "\n")
	head, body, _ := strings.Cut(msg, "\n\n")
	head = wireNonce.ReplaceAllString(head, `nonce="N"`)
	head = wireOpaque.ReplaceAllString(head, `opaque="O"`)
	head = wireSign.ReplaceAllString(head, "$1: (signature)")
	head = wireExpires.ReplaceAllStringFunc(head, func(m string) string {
		n, _ := strconv.Atoi(m[len("expires="):])
		if r := (n + 2) / 10 * 10; n >= r-2 && n <= r {
			n = r
		}
		return "expires=" + strconv.Itoa(n)
	})
	head = wireRport.ReplaceAllStringFunc(head, func(m string) string {
		p, _ := strconv.Atoi(m[len("rport="):])
		if n, ok := ports[p]; ok {
			return "rport=" + n
		}
		return "rport=PORT"
	})
	head = wireSecond.ReplaceAllString(head, "127.0.0.2:SECOND")
	out := stockMask(head, ports)
	if body != "" {
		out += "\n\n" + body
	}
	return out
}

// wireRun sends steps to the server on port, each from a fresh client,
// and returns the normalised replies by step name.
func wireRun(t *testing.T, port int, steps []wireStep) map[string]string {
	t.Helper()
	got := map[string]string{}
	for _, s := range steps {
		c := newUDPClient(t)
		ports := map[int]string{port: "PROXY", c.Port(): "CLIENT"}
		msg := strings.ReplaceAll(s.msg, "CALLID", "wire-"+strings.ReplaceAll(s.name, " ", "-"))
		msg = strings.ReplaceAll(msg, "LPORT", strconv.Itoa(c.Port()))
		c.Send(port, strings.ReplaceAll(msg, "PORT", strconv.Itoa(port)))
		var rs []string
		for {
			r := c.Recv(3 * time.Second)
			if r == "" {
				break
			}
			rs = append(rs, wireNormalize(r, ports))
			if s.replies > 0 && len(rs) == s.replies || s.replies == 0 && !strings.HasPrefix(r, "SIP/2.0 1") {
				break
			}
		}
		if len(rs) == 0 {
			rs = append(rs, "(nothing)")
		}
		got[s.name] = strings.Join(rs, "\n----\n")
	}
	return got
}

var wireLogLine = regexp.MustCompile(`\] ([A-Z]+:(?:[a-z_]+: )?WIRE [^\r\n]*)`)

// wireLogLines returns the script's "WIRE" log lines without time and
// pid, but those matching skip, sorted (workers log concurrently).
func wireLogLines(logs string, skip *regexp.Regexp) string {
	var out []string
	for _, m := range wireLogLine.FindAllStringSubmatch(logs, -1) {
		if !skip.MatchString(m[1]) {
			out = append(out, m[1])
		}
	}
	slices.Sort(out)
	return strings.Join(out, "\n")
}

// wireKnown is a documented difference: applied to gosips' replies of a
// step it must give OpenSIPS' exactly.
type wireKnown struct {
	why string
	fix func(string) string
}

// wireCompare reports every step whose replies differ, beyond the known
// differences.
func wireCompare(t *testing.T, g, o map[string]string, known map[string]wireKnown) {
	t.Helper()
	for k, ov := range o {
		switch kn, ok := known[k]; {
		case g[k] == ov:
			if testing.Verbose() {
				t.Logf("%s:\n%s", k, ov)
			}
		case ok && kn.fix(g[k]) == ov:
			t.Logf("%s: known difference: %s", k, kn.why)
		default:
			t.Errorf("%s differs:\ngosips:\n%s\nopensips:\n%s", k, g[k], ov)
		}
	}
}

// wireOracleRun starts real OpenSIPS with cfg and returns its port and
// its logs.
func wireOracleRun(t *testing.T, bin, cfg string) (int, *syncBuffer) {
	t.Helper()
	logs := &syncBuffer{}
	return natOracleStartLogs(t, bin, cfg, logs), logs
}

// wireRepliesCfg answers locally: sl and tm replies with
// append_to_reply, auth challenges, registrar, maxfwd, sanity-style
// errors of the core parser.
const wireRepliesCfg = `
log_level = 3
stderror_enabled = yes
socket = udp:127.0.0.1:PORT
loadmodule "proto_udp.so"
loadmodule "sl.so"
loadmodule "tm.so"
loadmodule "rr.so"
loadmodule "maxfwd.so"
loadmodule "sipmsgops.so"
loadmodule "signaling.so"
loadmodule "usrloc.so"
loadmodule "registrar.so"
loadmodule "auth.so"
modparam("auth", "username_spec", "$var(user)")
modparam("auth", "password_spec", "$var(pass)")
modparam("registrar", "min_expires", 60)
modparam("registrar", "max_expires", 7200)

route {
	if (!mf_process_maxfwd_header(10)) {
		sl_send_reply(483, "Too Many Hops");
		exit;
	}
	xlog("L_NOTICE", "WIRE $rm $rU\n");
	if ($rm == "REGISTER") {
		if ($rd == "auth.example.org") {
			$var(user) = "alice";
			$var(pass) = "secret";
			if (!pv_www_authorize("auth.example.org")) {
				xlog("L_NOTICE", "WIRE auth $retcode\n");
				www_challenge("auth.example.org", "auth");
				exit;
			}
		}
		if (!save("location"))
			xlog("L_NOTICE", "WIRE save failed\n");
		exit;
	}
	if ($rm == "OPTIONS" && $rU == NULL) {
		sl_send_reply(200, "OK");
		exit;
	}
	switch ($rU) {
	case "proxychal":
		proxy_challenge("", "auth,auth-int", "MD5,SHA-256");
		exit;
	case "redirect":
		append_to_reply("Contact: <sip:elsewhere@127.0.0.1>\r\nX-Why: moved\r\n");
		sl_send_reply(302, "Moved Temporarily");
		exit;
	case "treply":
		t_newtran();
		append_to_reply("X-Why: busy\r\n");
		t_reply(110, "Custom Early");
		t_reply(180, "Ringing");
		t_reply(183, "Session Progress");
		t_reply(486, "Busy Here");
		exit;
	case "sendreply":
		send_reply(403, "Not Today");
		exit;
	}
	if (!lookup("location")) {
		sl_send_reply(404, "Not Found");
		exit;
	}
	sl_send_reply(480, "Temporarily Unavailable");
}
`

// wireRequest builds a request of method to ruri with the usual headers
// and extra header lines.
func wireRequest(method, ruri string, extra ...string) string {
	h := fmt.Sprintf("%s %s SIP/2.0\nVia: SIP/2.0/UDP 127.0.0.1:LPORT;branch=z9hG4bK-CALLID;rport\n"+
		"Max-Forwards: 70\nFrom: <sip:caller@127.0.0.1>;tag=ft-CALLID\nTo: <%s>\nCall-ID: CALLID\nCSeq: 1 %s\n",
		method, ruri, ruri, method)
	for _, e := range extra {
		h += e + "\n"
	}
	return h + "Content-Length: 0\n\n"
}

// TestWireRepliesOracle compares the replies both engines send for the
// same requests: OPTIONS and 404 by sl, 483 from maxfwd, 302 with
// append_to_reply, t_reply of provisional and final replies (Record-Route
// copied for 180-299 only), send_reply, WWW-/Proxy-Authenticate
// challenges (a foreign nonce too), registrar 200s with the contact list,
// 423 and unregistering with "*", and the core parser's answer to
// malformed requests.
func TestWireRepliesOracle(t *testing.T) {
	bin := testenv.Oracle(t)
	alice := func(ct, exp string, extra ...string) string {
		hs := []string{}
		if ct != "" {
			hs = append(hs, "Contact: "+ct)
		}
		if exp != "" {
			hs = append(hs, "Expires: "+exp)
		}
		reg := wireRequest("REGISTER", "sip:127.0.0.1:PORT", append(hs, extra...)...)
		return strings.Replace(reg, "To: <sip:127.0.0.1:PORT>", "To: <sip:alice@127.0.0.1>", 1)
	}
	rr := "Record-Route: <sip:upstream.example.org;lr>"
	steps := []wireStep{
		{name: "options", msg: wireRequest("OPTIONS", "sip:127.0.0.1:PORT")},
		{name: "not found", msg: wireRequest("INVITE", "sip:nobody@127.0.0.1:PORT", rr)},
		{name: "too many hops", msg: strings.Replace(wireRequest("INVITE", "sip:bob@127.0.0.1:PORT", rr), "Max-Forwards: 70", "Max-Forwards: 0", 1)},
		{name: "redirect", msg: wireRequest("INVITE", "sip:redirect@127.0.0.1:PORT", rr)},
		{name: "t_reply", msg: wireRequest("INVITE", "sip:treply@127.0.0.1:PORT", rr)},
		{name: "send_reply", msg: wireRequest("MESSAGE", "sip:sendreply@127.0.0.1:PORT", rr)},
		{name: "proxy challenge", msg: wireRequest("INVITE", "sip:proxychal@127.0.0.1:PORT")},
		{name: "register", msg: alice("<sip:alice@127.0.0.1:5999>;expires=3600", "")},
		{name: "register second", msg: alice("<sip:alice@127.0.0.1:5998>", "1800")},
		{name: "register too brief", msg: alice("<sip:alice@127.0.0.1:5997>", "30")},
		{name: "register too long", msg: alice("<sip:alice@127.0.0.1:5996>;q=0.5", "90000")},
		{name: "register query", msg: alice("", "")},
		{name: "register star bad", msg: alice("*", "60")},
		{name: "register star", msg: alice("*", "0")},
		{name: "register query empty", msg: alice("", "")},
		{name: "www challenge", msg: strings.ReplaceAll(alice("<sip:alice@127.0.0.1:5995>", ""), "127.0.0.1:PORT", "auth.example.org")},
		{name: "www foreign nonce", msg: strings.ReplaceAll(alice("<sip:alice@127.0.0.1:5995>", "",
			`Authorization: Digest username="alice", realm="auth.example.org", nonce="6578616d706c652d6e6f6e6365", uri="sip:auth.example.org", response="00000000000000000000000000000000", algorithm=MD5`),
			"127.0.0.1:PORT", "auth.example.org")},
		{name: "bad cseq", msg: strings.Replace(wireRequest("INVITE", "sip:bob@127.0.0.1:PORT"), "CSeq: 1 INVITE", "CSeq: one INVITE", 1)},
		{name: "cseq method mismatch", msg: strings.Replace(wireRequest("INVITE", "sip:bob@127.0.0.1:PORT"), "CSeq: 1 INVITE", "CSeq: 1 BYE", 1)},
		{name: "no from tag", msg: strings.Replace(wireRequest("INVITE", "sip:bob@127.0.0.1:PORT"), ";tag=ft-CALLID", "", 1)},
		{name: "bad ruri", msg: wireRequest("INVITE", "sip:bob@127.0.0.1:PORT;;;@@")},
	}
	srv := startServer(t, wireRepliesCfg)
	g := wireRun(t, srv.Port, steps)
	oport, ologs := wireOracleRun(t, bin, wireRepliesCfg)
	o := wireRun(t, oport, steps)
	// xlog lines: the same text after the same level prefix (but for the
	// known differences: the malformed requests gosips refuses before the
	// script, $rU of a malformed R-URI, the foreign nonce's code).
	skip := regexp.MustCompile(`WIRE (INVITE (bob|<null>)|auth -[23])$`)
	var gl, ol string
	eventually(3*time.Second, func() bool { // workers log after replying
		gl, ol = wireLogLines(srv.Logs(), skip), wireLogLines(ologs.String(), skip)
		return gl == ol
	})
	if gl != ol {
		t.Errorf("xlog lines differ:\ngosips:\n%s\nopensips:\n%s", gl, ol)
	}
	reply404 := func(s string) string {
		return strings.Replace(s, "SIP/2.0 400 Bad Request", "SIP/2.0 404 Not Found", 1)
	}
	wireCompare(t, g, o, map[string]wireKnown{
		// modules/auth/README.md, "Digest checks are stricter".
		"www foreign nonce": {"a nonce gosips did not issue is a wrong password (-2), not stale",
			func(s string) string { return strings.Replace(s, `qop="auth"`, `qop="auth", stale=true`, 1) }},
		// modules/auth/README.md: OpenSIPS swaps the two orders.
		"proxy challenge": {`qop="auth,auth-int" is written as configured`,
			func(s string) string { return strings.ReplaceAll(s, `qop="auth,auth-int"`, `qop="auth-int,auth"`) }},
		// modules/core/README.md: a malformed CSeq is refused before the script.
		"bad cseq":             {"a CSeq number that is not a number is a 400", reply404},
		"cseq method mismatch": {"a CSeq method that is not the request's is a 400", reply404},
	})
}

// wireRelayCfg relays: to registered contacts (one or two), with the From
// rewritten by uac_replace_from, and to a port nobody listens on.
const wireRelayCfg = `
log_level = 3
stderror_enabled = yes
socket = udp:127.0.0.1:PORT
socket = udp:127.0.0.2:SECONDPORT
loadmodule "proto_udp.so"
loadmodule "sl.so"
loadmodule "tm.so"
loadmodule "rr.so"
loadmodule "maxfwd.so"
loadmodule "usrloc.so"
loadmodule "sipmsgops.so"
loadmodule "signaling.so"
loadmodule "registrar.so"
loadmodule "uac.so"
modparam("tm", "fr_timeout", 2)

route {
	if (!mf_process_maxfwd_header(10)) {
		sl_send_reply(483, "Too Many Hops");
		exit;
	}
	if (is_method("REGISTER")) {
		save("location");
		exit;
	}
	if (is_method("CANCEL")) {
		if (t_check_trans())
			t_relay();
		exit;
	}
	if (has_totag()) {
		if (loose_route())
			t_relay();
		else if (!t_check_trans())
			sl_send_reply(404, "Not here");
		exit;
	}
	if ($rU == "hdrs") {
		# Script headers around our Via, and a double Record-Route (the
		# request leaves from the other socket).
		insert_hf("X-Top: 1\r\n");
		record_route();
		append_hf("X-End: 2\r\n");
		insert_hf("X-Top2: 2\r\n");
		force_send_socket("udp:127.0.0.2:SECONDPORT");
		$rU = "bob";
	} else if ($rU == "preset") {
		record_route_preset("127.0.0.1:PORT;p=1");
		insert_hf("X-Top: 1\r\n");
		$rU = "bob";
	} else if ($rU == "preset2") {
		record_route_preset("127.0.0.1:PORT;p=1", "127.0.0.2:SECONDPORT;p=2");
		$rU = "bob";
	} else {
		record_route();
	}
	if ($rU == "anon") {
		uac_replace_from("Anonymous", "sip:anonymous@anonymous.invalid");
		$rU = "bob";
	}
	if ($rU == "dead") {
		$du = "sip:127.0.0.1:DEADPORT";
		t_relay();
		exit;
	}
	if (!lookup("location")) {
		sl_send_reply(404, "Not Found");
		exit;
	}
	t_relay();
}
`

// wireUAS is a callee on a UDP socket that answers by hand.
type wireUAS struct {
	*udpClient
	proxy int
}

// recv returns the next request of method (other messages are skipped).
func (u *wireUAS) recv(method string) string {
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		m := u.Recv(time.Until(deadline))
		if strings.HasPrefix(m, method+" ") {
			return m
		}
	}
	return ""
}

// reply answers req with code, adding toTag when To has none.
func (u *wireUAS) reply(req string, code int, reason, toTag string) {
	req = strings.ReplaceAll(req, "\r\n", "\n")
	head, _, _ := strings.Cut(req, "\n\n")
	var b strings.Builder
	fmt.Fprintf(&b, "SIP/2.0 %d %s\n", code, reason)
	for _, l := range strings.Split(head, "\n")[1:] {
		name, _, _ := strings.Cut(l, ":")
		switch strings.ToLower(strings.TrimSpace(name)) {
		case "via", "from", "call-id", "cseq", "record-route":
			b.WriteString(l + "\n")
		case "to":
			if toTag != "" && !strings.Contains(l, "tag=") {
				l += ";tag=" + toTag
			}
			b.WriteString(l + "\n")
		}
	}
	b.WriteString("Contact: <sip:callee@127.0.0.1:LPORT>\nContent-Length: 0\n\n")
	u.Send(u.proxy, b.String())
}

// wireRelayRun plays the relay scenario against the server on port and
// returns what each party received, normalised.
func wireRelayRun(t *testing.T, port int) map[string]string {
	t.Helper()
	got := map[string]string{}
	b1, b2 := &wireUAS{newUDPClient(t), port}, &wireUAS{newUDPClient(t), port}
	caller := newUDPClient(t)
	ports := map[int]string{port: "PROXY", b1.Port(): "B1", b2.Port(): "B2", caller.Port(): "CALLER"}
	norm := func(m string) string { return wireNormalize(m, ports) }
	for i, r := range []struct {
		aor string
		ua  *wireUAS
	}{{"bob", b1}, {"fork", b1}, {"fork", b2}} {
		msg := wireRequest("REGISTER", "sip:127.0.0.1:PORT", fmt.Sprintf("Contact: <sip:%s@127.0.0.1:LPORT>", r.aor))
		msg = strings.Replace(msg, "To: <sip:127.0.0.1:PORT>", "To: <sip:"+r.aor+"@127.0.0.1>", 1)
		msg = strings.ReplaceAll(msg, "CALLID", fmt.Sprintf("wire-reg-%d", i))
		msg = strings.ReplaceAll(msg, "LPORT", strconv.Itoa(r.ua.Port()))
		r.ua.Send(port, strings.ReplaceAll(msg, "PORT", strconv.Itoa(port)))
		if rep := r.ua.RecvFinal(3 * time.Second); statusCode(rep) != "200" {
			t.Fatalf("REGISTER %s: %q", r.aor, rep)
		}
	}
	send := func(msg, callID string) {
		msg = strings.ReplaceAll(msg, "CALLID", callID)
		msg = strings.ReplaceAll(msg, "LPORT", strconv.Itoa(caller.Port()))
		caller.Send(port, strings.ReplaceAll(msg, "PORT", strconv.Itoa(port)))
	}
	// final waits for the caller's final reply of callID and acknowledges
	// it (hop by hop) so that it is not retransmitted.
	final := func(callID, ruri string) string {
		deadline := time.Now().Add(6 * time.Second)
		for time.Now().Before(deadline) {
			m := caller.Recv(time.Until(deadline))
			if m == "" || header(m, "Call-ID") != callID || strings.HasPrefix(m, "SIP/2.0 1") || !strings.HasSuffix(header(m, "CSeq"), "INVITE") {
				continue
			}
			ack := wireRequest("ACK", ruri)
			ack = strings.Replace(ack, "To: <"+ruri+">", "To: "+header(m, "To"), 1)
			send(ack, callID)
			return m
		}
		return ""
	}
	// Rewritten From, negative answer: the callee's INVITE and ACK, the
	// caller's 486 (From restored).
	inv := wireRequest("INVITE", "sip:anon@127.0.0.1:PORT", "Contact: <sip:caller@127.0.0.1:LPORT>")
	send(inv, "wire-anon")
	req := b1.recv("INVITE")
	got["anon: callee INVITE"] = norm(req)
	b1.reply(req, 486, "Busy Here", "b1tag")
	got["anon: callee ACK"] = norm(b1.recv("ACK"))
	got["anon: caller final"] = norm(final("wire-anon", "sip:anon@127.0.0.1:PORT"))

	// Headers the script adds, our Via, single and double Record-Route.
	for _, u := range []string{"hdrs", "preset", "preset2"} {
		send(wireRequest("INVITE", "sip:"+u+"@127.0.0.1:PORT"), "wire-"+u)
		req = b1.recv("INVITE")
		got[u+": callee INVITE"] = norm(req)
		b1.reply(req, 486, "Busy Here", "b1tag")
		got[u+": callee ACK"] = norm(b1.recv("ACK"))
		got[u+": caller final"] = norm(final("wire-"+u, "sip:"+u+"@127.0.0.1:PORT"))
	}

	// Max-Forwards 1 is relayed as 0.
	send(strings.Replace(wireRequest("INVITE", "sip:bob@127.0.0.1:PORT"), "Max-Forwards: 70", "Max-Forwards: 1", 1), "wire-mf1")
	req = b1.recv("INVITE")
	got["mf1: callee INVITE"] = norm(req)
	b1.reply(req, 603, "Decline", "b1tag")
	b1.recv("ACK")
	got["mf1: caller final"] = norm(final("wire-mf1", "sip:bob@127.0.0.1:PORT"))

	// Forked call cancelled by the caller after both ring.
	inv = wireRequest("INVITE", "sip:fork@127.0.0.1:PORT", "Contact: <sip:caller@127.0.0.1:LPORT>")
	send(inv, "wire-fork")
	r1, r2 := b1.recv("INVITE"), b2.recv("INVITE")
	got["fork: b1 INVITE"], got["fork: b2 INVITE"] = norm(r1), norm(r2)
	b1.reply(r1, 180, "Ringing", "b1tag")
	b2.reply(r2, 180, "Ringing", "b2tag")
	var rings []string
	for len(rings) < 2 {
		m := caller.Recv(3 * time.Second)
		if m == "" {
			break
		}
		if statusCode(m) == "180" {
			rings = append(rings, norm(m))
		}
	}
	slices.Sort(rings)
	got["fork: caller 180s"] = strings.Join(rings, "\n----\n")
	send(wireRequest("CANCEL", "sip:fork@127.0.0.1:PORT"), "wire-fork")
	for deadline := time.Now().Add(3 * time.Second); time.Now().Before(deadline); {
		if m := caller.Recv(time.Until(deadline)); strings.HasSuffix(header(m, "CSeq"), "CANCEL") || m == "" {
			got["fork: caller CANCEL reply"] = norm(m)
			break
		}
	}
	for _, u := range []struct {
		name string
		ua   *wireUAS
		inv  string
		tag  string
	}{{"b1", b1, r1, "b1tag"}, {"b2", b2, r2, "b2tag"}} {
		c := u.ua.recv("CANCEL")
		got["fork: "+u.name+" CANCEL"] = norm(c)
		u.ua.reply(c, 200, "OK", u.tag)
		u.ua.reply(u.inv, 487, "Request Terminated", u.tag)
		got["fork: "+u.name+" ACK"] = norm(u.ua.recv("ACK"))
	}
	got["fork: caller final"] = norm(final("wire-fork", "sip:fork@127.0.0.1:PORT"))

	// Nobody listens: 408 after fr_timeout.
	send(wireRequest("INVITE", "sip:dead@127.0.0.1:PORT"), "wire-dead")
	got["dead: caller final"] = norm(final("wire-dead", "sip:dead@127.0.0.1:PORT"))
	return got
}

// TestWireRelayOracle compares what callees and callers receive from both
// engines relaying: uac_replace_from's From towards the callee and back
// in the reply, tm's ACK for a negative reply, Max-Forwards, a forked
// INVITE cancelled after both branches rang (CANCELs, ACKs of the 487s,
// the caller's 487) and the 408 of a branch nobody answers.
func TestWireRelayOracle(t *testing.T) {
	bin := testenv.Oracle(t)
	cfg := func() string {
		c := strings.ReplaceAll(wireRelayCfg, "DEADPORT", strconv.Itoa(freePort(t)))
		return strings.ReplaceAll(c, "SECONDPORT", strconv.Itoa(freePort(t)))
	}
	srv := startServer(t, cfg())
	g := wireRelayRun(t, srv.Port)
	oport, _ := wireOracleRun(t, bin, cfg())
	o := wireRelayRun(t, oport)
	wireCompare(t, g, o, nil)
}
