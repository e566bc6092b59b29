package e2e

import (
	"encoding/base64"
	"fmt"
	"strconv"
	"strings"
	"testing"

	"gosips/internal/testenv"
)

const thCfg = `
socket = udp:127.0.0.1:PORT
log_level = 3
loadmodule "proto_udp.so"
loadmodule "signaling.so"
loadmodule "sl.so"
loadmodule "tm.so"
loadmodule "rr.so"
loadmodule "sipmsgops.so"
loadmodule "dialog.so"
loadmodule "topology_hiding.so"
route {
	if (has_totag()) {
		if (topology_hiding_match()) {
			t_relay();
			exit;
		}
		if (is_method("ACK") && t_check_trans()) {
			t_relay();
			exit;
		}
		send_reply(404, "Not here");
		exit;
	}
	if (is_method("INVITE")) {
		create_dialog();
		topology_hiding();
	}
	$du = "sip:127.0.0.1:UASPORT";
	t_relay();
}
`

// TestTopologyHiding: the caller sits behind a pretend proxy (a second
// Via and a Record-Route in its INVITE), the callee behind another
// (Record-Route in its replies). Neither side sees the other's Vias,
// Record-Routes or Contact, and the BYE of either side reaches the other.
func TestTopologyHiding(t *testing.T) {
	for _, tc := range []struct {
		name, uac, uas string
	}{
		{"caller hangs up", "th_uac_bye.xml", "th_uas_wait.xml"},
		{"callee hangs up", "th_uac_wait.xml", "th_uas_bye.xml"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			uasPort, uasWait := startSippUAS(t, tc.uas, "-d", "300")
			srv := startServer(t, strings.ReplaceAll(thCfg, "UASPORT", strconv.Itoa(uasPort)))
			caller := runSipp(t, tc.uac, srv.Port, "-s", "bob", "-d", "300")
			callee := uasWait()
			if caller.Exit != 0 || callee.Exit != 0 {
				t.Fatalf("caller exit %d, callee exit %d\n--- caller:\n%s\n%s\n--- callee:\n%s\n%s",
					caller.Exit, callee.Exit, caller.Output, caller.Messages, callee.Output, callee.Messages)
			}
			proxy := "127.0.0.1:" + strconv.Itoa(srv.Port)
			// What the callee received: only our Via, no Record-Route,
			// our Contact; nothing of the caller's addresses.
			for _, method := range []string{"INVITE", "ACK", "BYE"} {
				for _, m := range received(callee.Messages, method) {
					checkHidden(t, "callee got "+method, m, proxy, "downstream=yes", "10.99.0.", "upstream=yes", "alice-private", "127.0.0.1:"+strconv.Itoa(callerPort(caller.Messages)))
				}
			}
			// What the caller received from the callee's side.
			for _, m := range received(caller.Messages, "SIP/2.0 200") {
				if !strings.HasSuffix(header(m, "CSeq"), "INVITE") {
					continue
				}
				if len(headers(m, "Record-Route")) != 0 {
					t.Errorf("the caller sees the callee's Record-Route:\n%s", m)
				}
				if ct := header(m, "Contact"); strings.Contains(ct, "bob-private") || !strings.Contains(ct, proxy) {
					t.Errorf("the caller sees Contact %q, want ours", ct)
				}
				if n := len(headers(m, "Via")); n != 2 {
					t.Errorf("the 200 OK has %d Vias, want the caller's 2 restored:\n%s", n, m)
				}
			}
			if bye := received(caller.Messages, "BYE"); len(bye) > 0 {
				checkHidden(t, "caller got BYE", bye[0], proxy, "upstream=yes", "downstream=yes", "bob-private", "127.0.0.1:"+strconv.Itoa(uasPort))
			}
			if len(received(callee.Messages, "INVITE")) != 1 {
				t.Errorf("the callee got no INVITE")
			}
		})
	}
}

// checkHidden asserts that a request relayed by the proxy carries only
// the proxy's Via, no Record-Route, Route headers only of the receiver's
// own path (marked by own), a Contact of the proxy, and none of the
// hidden strings outside those Route headers.
func checkHidden(t *testing.T, what, m, proxy, own string, hidden ...string) {
	t.Helper()
	if v := headers(m, "Via"); len(v) != 1 || !strings.Contains(v[0], proxy) {
		t.Errorf("%s: Vias %q, want only ours", what, v)
	}
	if rr := headers(m, "Record-Route"); len(rr) != 0 {
		t.Errorf("%s: Record-Route %q", what, rr)
	}
	for _, r := range headers(m, "Route") {
		if !strings.Contains(r, own) {
			t.Errorf("%s: Route %q is not of the receiver's path", what, r)
		}
		m = strings.ReplaceAll(m, r, "")
	}
	if ct := header(m, "Contact"); ct != "" && !strings.Contains(ct, proxy) {
		t.Errorf("%s: Contact %q is not ours", what, ct)
	}
	for _, h := range hidden {
		if strings.Contains(m, h) {
			t.Errorf("%s: the message shows %q:\n%s", what, h, m)
		}
	}
}

// callerPort returns the port the caller sent its INVITE from.
func callerPort(log string) int {
	for _, part := range strings.Split(log, "-----------------------------------------------") {
		_, msg, ok := strings.Cut(part, "message sent")
		if !ok {
			continue
		}
		for _, l := range strings.Split(msg, "\n") {
			l = strings.TrimSpace(l)
			if strings.HasPrefix(l, "Via: SIP/2.0/UDP 127.0.0.1:") {
				p, _, _ := strings.Cut(strings.TrimPrefix(l, "Via: SIP/2.0/UDP 127.0.0.1:"), ";")
				n, _ := strconv.Atoi(p)
				return n
			}
		}
	}
	return -1
}

// thnCfg hides calls without the dialog module: what the proxy needs to
// route sequential requests travels in the Contact it advertises.
const thnCfg = `
socket = udp:127.0.0.1:PORT
log_level = 3
loadmodule "proto_udp.so"
loadmodule "signaling.so"
loadmodule "sl.so"
loadmodule "tm.so"
loadmodule "rr.so"
loadmodule "sipmsgops.so"
loadmodule "topology_hiding.so"
route {
	if (has_totag()) {
		if (topology_hiding_match()) {
			t_relay();
			exit;
		}
		if (is_method("ACK") && t_check_trans()) {
			t_relay();
			exit;
		}
		send_reply(404, "Not here");
		exit;
	}
	if (is_method("INVITE"))
		topology_hiding("FLAGS");
	$du = "sip:127.0.0.1:UASPORT";
	t_relay();
}
`

// TestTopologyHidingNoDialog: as TestTopologyHiding, without a dialog:
// BYE from either side and a re-INVITE from the callee route through the
// thinfo Contact parameter; the caller's side keeps its Record-Route.
func TestTopologyHidingNoDialog(t *testing.T) {
	for _, tc := range []struct {
		name, uac, uas, flags string
	}{
		{"caller hangs up", "thn_uac_bye.xml", "th_uas_wait.xml", ""},
		{"callee hangs up", "thn_uac_wait.xml", "th_uas_bye.xml", "U"},
		{"callee re-INVITEs", "thn_uac_reinvited.xml", "th_uas_reinvite.xml", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			uasPort, uasWait := startSippUAS(t, tc.uas, "-d", "300")
			cfg := strings.NewReplacer("UASPORT", strconv.Itoa(uasPort), "FLAGS", tc.flags).Replace(thnCfg)
			srv := startServer(t, cfg)
			caller := runSipp(t, tc.uac, srv.Port, "-s", "bob", "-d", "300")
			callee := uasWait()
			if caller.Exit != 0 || callee.Exit != 0 {
				t.Fatalf("caller exit %d, callee exit %d\n--- caller:\n%s\n%s\n--- callee:\n%s\n%s",
					caller.Exit, callee.Exit, caller.Output, caller.Messages, callee.Output, callee.Messages)
			}
			proxy := "127.0.0.1:" + strconv.Itoa(srv.Port)
			callerAddr := "127.0.0.1:" + strconv.Itoa(callerPort(caller.Messages))
			// With U the Contact usernames pass, by design.
			callerHidden := []string{"10.99.0.", "upstream=yes", callerAddr}
			calleeHidden := []string{"downstream=yes", "127.0.0.1:" + strconv.Itoa(uasPort)}
			if tc.flags != "U" {
				callerHidden = append(callerHidden, "alice-private")
				calleeHidden = append(calleeHidden, "bob-private")
			}
			for _, m := range received(callee.Messages, "SIP/2.0") {
				// A reply to the callee's re-INVITE: the caller answered.
				checkThinfo(t, "callee got reply", m, proxy)
				if rr := headers(m, "Record-Route"); len(rr) != 0 {
					t.Errorf("callee got reply with Record-Route %q", rr)
				}
				for _, h := range callerHidden {
					if strings.Contains(m, h) {
						t.Errorf("callee got reply showing %q:\n%s", h, m)
					}
				}
			}
			for _, method := range []string{"INVITE", "ACK", "BYE"} {
				for _, m := range received(callee.Messages, method) {
					checkThinfo(t, "callee got "+method, m, proxy)
					checkHidden(t, "callee got "+method, m, proxy, "downstream=yes", callerHidden...)
				}
			}
			inv := received(callee.Messages, "INVITE")
			if len(inv) == 0 {
				t.Fatal("the callee got no INVITE")
			}
			if tc.flags == "U" && !strings.Contains(header(inv[0], "Contact"), "alice-private@") {
				t.Errorf("U: the callee sees Contact %q, want the caller's username", header(inv[0], "Contact"))
			}
			for _, m := range received(caller.Messages, "SIP/2.0 200") {
				if !strings.HasSuffix(header(m, "CSeq"), "INVITE") {
					continue
				}
				// The caller's side gets its own Record-Route back, nothing
				// of the callee's.
				if rr := headers(m, "Record-Route"); len(rr) != 1 || !strings.Contains(rr[0], "upstream=yes") {
					t.Errorf("the caller sees Record-Route %q, want only its own", rr)
				}
				checkThinfo(t, "caller got 200", m, proxy)
				for _, h := range calleeHidden {
					if strings.Contains(header(m, "Contact"), h) {
						t.Errorf("the caller sees Contact %q", header(m, "Contact"))
					}
				}
				if n := len(headers(m, "Via")); n != 2 {
					t.Errorf("the 200 OK has %d Vias, want the caller's 2 restored:\n%s", n, m)
				}
			}
			for _, method := range []string{"BYE", "INVITE", "ACK"} {
				for _, m := range received(caller.Messages, method) {
					checkThinfo(t, "caller got "+method, m, proxy)
					checkHidden(t, "caller got "+method, m, proxy, "upstream=yes", calleeHidden...)
				}
			}
		})
	}
}

// checkThinfo asserts that a message's Contact, if any, is the proxy's
// with the encoded thinfo parameter.
func checkThinfo(t *testing.T, what, m, proxy string) {
	t.Helper()
	if ct := header(m, "Contact"); ct != "" && (!strings.Contains(ct, proxy) || !strings.Contains(ct, ";thinfo=")) {
		t.Errorf("%s: Contact %q, want ours with thinfo", what, ct)
	}
}

// thReceivedAll returns every message of a sipp message log.
func thReceivedAll(log string) []string {
	var out []string
	for _, part := range strings.Split(log, "-----------------------------------------------") {
		_, msg, ok := strings.Cut(part, "message received")
		if !ok {
			continue
		}
		if i := strings.Index(msg, "\n\n"); i >= 0 {
			msg = strings.TrimLeft(msg[i:], "\r\n")
		}
		out = append(out, msg)
	}
	return out
}

// TestTopologyHidingCallID: with the C flag the callee only ever sees the
// encoded Call-ID ($TH_callee_callid), the caller only its own, in both
// directions and across a re-INVITE from the callee and BYEs from either
// side.
func TestTopologyHidingCallID(t *testing.T) {
	cfg := strings.Replace(thCfg, "topology_hiding();", `topology_hiding("C");
		append_hf("X-TH-Callee-Callid: $TH_callee_callid\r\n");`, 1)
	for _, tc := range []struct {
		name, uac, uas string
	}{
		{"caller hangs up", "th_uac_bye.xml", "th_uas_wait.xml"},
		{"callee hangs up", "th_uac_wait.xml", "th_uas_bye.xml"},
		{"callee re-INVITEs", "thn_uac_reinvited.xml", "th_uas_reinvite.xml"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			uasPort, uasWait := startSippUAS(t, tc.uas, "-d", "300")
			srv := startServer(t, strings.ReplaceAll(cfg, "UASPORT", strconv.Itoa(uasPort)))
			caller := runSipp(t, tc.uac, srv.Port, "-s", "bob", "-d", "300")
			callee := uasWait()
			if caller.Exit != 0 || callee.Exit != 0 {
				t.Fatalf("caller exit %d, callee exit %d\n--- caller:\n%s\n%s\n--- callee:\n%s\n%s",
					caller.Exit, callee.Exit, caller.Output, caller.Messages, callee.Output, callee.Messages)
			}
			inv := received(callee.Messages, "INVITE")
			if len(inv) == 0 {
				t.Fatal("the callee got no INVITE")
			}
			hidden := header(inv[0], "Call-ID")
			if !strings.HasPrefix(hidden, "DLGCH_") || header(inv[0], "X-TH-Callee-Callid") != hidden {
				t.Errorf("the callee got Call-ID %q, $TH_callee_callid %q", hidden, header(inv[0], "X-TH-Callee-Callid"))
			}
			var callID string
			for _, m := range received(caller.Messages, "SIP/2.0") {
				callID = header(m, "Call-ID")
				break
			}
			if callID == "" || callID == hidden {
				t.Fatalf("caller Call-ID %q", callID)
			}
			for _, m := range thReceivedAll(callee.Messages) {
				if got := header(m, "Call-ID"); got != hidden || strings.Contains(m, callID) {
					t.Errorf("the callee got Call-ID %q (want %q), or the caller's %q:\n%s", got, hidden, callID, m)
				}
			}
			for _, m := range thReceivedAll(caller.Messages) {
				if got := header(m, "Call-ID"); got != callID {
					t.Errorf("the caller got Call-ID %q, want its own %q:\n%s", got, callID, m)
				}
			}
		})
	}
}

// thOracleEncode is OpenSIPS' Call-ID and thinfo encoding (XOR with the
// password, base64 with '+', '.' and '-' padding), written here from its
// description so that both engines are checked against it.
func thOracleEncode(plain []byte, pw string) string {
	b := append([]byte(nil), plain...)
	for i := range b {
		b[i] ^= pw[i%len(pw)]
	}
	return base64.NewEncoding("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+.").WithPadding('-').EncodeToString(b)
}

// thOracleInfo decodes a thinfo value into its four fields (route set,
// Contact, flags, socket).
func thOracleInfo(t *testing.T, v string) []string {
	t.Helper()
	b, err := base64.NewEncoding("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+.").WithPadding('-').DecodeString(v)
	if err != nil {
		t.Fatalf("thinfo %q: %v", v, err)
	}
	const pw = "ToPoCtPaSS"
	for i := range b {
		b[i] ^= pw[i%len(pw)]
	}
	var out []string
	for range 4 {
		if len(b) < 2 {
			t.Fatalf("thinfo %q: short", v)
		}
		n := int(b[0]) | int(b[1])<<8
		if n > len(b)-2 {
			t.Fatalf("thinfo %q: bad length %d", v, n)
		}
		out, b = append(out, string(b[2:2+n])), b[2+n:]
	}
	return out
}

// thOracleRun runs one call of scenarios uac/uas through the engine
// start launches with cfg (UASPORT replaced).
func thOracleRun(t *testing.T, start func(string) int, cfg, uac, uas string) (caller, callee sippResult, port int) {
	t.Helper()
	uasPort, uasWait := startSippUAS(t, uas, "-d", "300")
	port = start(strings.ReplaceAll(cfg, "UASPORT", strconv.Itoa(uasPort)))
	caller = runSipp(t, uac, port, "-s", "bob", "-d", "300")
	callee = uasWait()
	if caller.Exit != 0 || callee.Exit != 0 {
		t.Fatalf("caller exit %d, callee exit %d\n--- caller:\n%s\n%s\n--- callee:\n%s\n%s",
			caller.Exit, callee.Exit, caller.Output, caller.Messages, callee.Output, callee.Messages)
	}
	return caller, callee, port
}

// TestTopologyHidingOracle runs the C flag and hiding without a dialog
// through real OpenSIPS (OPENSIPS_BIN) and gosips: both complete the same
// calls, send the callee the same encoded Call-ID, and put the same
// fields in thinfo.
func TestTopologyHidingOracle(t *testing.T) {
	bin := testenv.Oracle(t)
	engines := []struct {
		name  string
		start func(string) int
	}{
		{"gosips", func(cfg string) int { return startServer(t, cfg).Port }},
		{"opensips", func(cfg string) int { return natOracleStart(t, bin, cfg) }},
	}
	cfgC := strings.Replace(thCfg, "topology_hiding();", `topology_hiding("C");`, 1)
	for _, e := range engines {
		t.Run(e.name+"/C", func(t *testing.T) {
			caller, callee, _ := thOracleRun(t, e.start, cfgC, "thn_uac_reinvited.xml", "th_uas_reinvite.xml")
			inv := received(callee.Messages, "INVITE")
			var callID string
			for _, m := range received(caller.Messages, "SIP/2.0") {
				callID = header(m, "Call-ID")
				break
			}
			want := "DLGCH_" + thOracleEncode([]byte(callID), "OpenSIPS")
			if len(inv) == 0 || header(inv[0], "Call-ID") != want {
				t.Errorf("the callee got Call-ID %q, want %q", header(inv[0], "Call-ID"), want)
			}
		})
		t.Run(e.name+"/no dialog", func(t *testing.T) {
			cfg := strings.ReplaceAll(thnCfg, "FLAGS", "U")
			caller, callee, port := thOracleRun(t, e.start, cfg, "thn_uac_bye.xml", "th_uas_wait.xml")
			inv := received(callee.Messages, "INVITE")
			ct := header(inv[0], "Contact")
			_, v, _ := strings.Cut(ct, ";thinfo=")
			v, _, _ = strings.Cut(v, ">")
			f := thOracleInfo(t, v)
			cport := callerPort(caller.Messages)
			wantCt := fmt.Sprintf("sip:alice-private@127.0.0.1:%d;transport=UDP", cport)
			wantRR := fmt.Sprintf("<sip:127.0.0.1:%d;lr;upstream=yes>", cport)
			if f[0] != wantRR || f[1] != wantCt || f[2] != "4" || f[3] != fmt.Sprintf("udp:127.0.0.1:%d", port) {
				t.Errorf("thinfo to the callee = %q, want [%s %s 4 udp:127.0.0.1:%d]", f, wantRR, wantCt, port)
			}
			if !strings.HasPrefix(ct, "<sip:alice-private@127.0.0.1:") {
				t.Errorf("Contact to the callee %q", ct)
			}
			ok := receivedReply(t, caller.Messages, "200", "INVITE")
			if rr := headers(ok, "Record-Route"); len(rr) != 1 || !strings.Contains(rr[0], "upstream=yes") {
				t.Errorf("the caller sees Record-Route %q", rr)
			}
			_, v, _ = strings.Cut(header(ok, "Contact"), ";thinfo=")
			v, _, _ = strings.Cut(v, ">")
			f = thOracleInfo(t, v)
			if !strings.Contains(f[0], "downstream=yes") || !strings.HasPrefix(f[1], "sip:bob-private@") || f[2] != "4" {
				t.Errorf("thinfo to the caller = %q", f)
			}
		})
	}
}

// TestTopologyHidingCallIDTimeoutBye: the BYEs the dialog module sends
// on a lifetime timeout carry the encoded Call-ID to the callee and the
// real one to the caller.
func TestTopologyHidingCallIDTimeoutBye(t *testing.T) {
	cfg := strings.Replace(thCfg, "create_dialog();\n\t\ttopology_hiding();",
		"create_dialog(\"B\");\n\t\t$DLG_timeout = 1;\n\t\ttopology_hiding(\"C\");", 1)
	if cfg == thCfg {
		t.Fatal("config not rewritten")
	}
	uasPort, uasWait := startSippUAS(t, "th_uas_wait.xml")
	srv := startServer(t, strings.ReplaceAll(cfg, "UASPORT", strconv.Itoa(uasPort)))
	caller := runSipp(t, "th_uac_wait.xml", srv.Port, "-s", "bob")
	callee := uasWait()
	if caller.Exit != 0 || callee.Exit != 0 {
		t.Fatalf("caller exit %d, callee exit %d\n--- caller:\n%s\n%s\n--- callee:\n%s\n%s",
			caller.Exit, callee.Exit, caller.Output, caller.Messages, callee.Output, callee.Messages)
	}
	inv, bye := received(callee.Messages, "INVITE"), received(callee.Messages, "BYE")
	if len(inv) == 0 || len(bye) == 0 || header(bye[0], "Call-ID") != header(inv[0], "Call-ID") || !strings.HasPrefix(header(bye[0], "Call-ID"), "DLGCH_") {
		t.Errorf("the callee's BYE does not carry its encoded Call-ID:\n%q\n%q", inv, bye)
	}
	cbye := received(caller.Messages, "BYE")
	if len(cbye) == 0 || strings.HasPrefix(header(cbye[0], "Call-ID"), "DLGCH_") {
		t.Errorf("the caller's BYE: %q", cbye)
	}
}
