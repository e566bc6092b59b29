package e2e

import (
	"encoding/json"
	"net"
	"strconv"
	"strings"
	"testing"
	"time"
)

// uasesscCfg is uasessCfg with a second socket (SOCKTWO) and short tm
// timers, so an unanswered client INVITE times out within a second.
func uasesscCfg(sock2 int) string {
	return strings.Replace(strings.Replace(uasessCfg,
		"socket = udp:127.0.0.1:PORT\n", "socket = udp:127.0.0.1:PORT\nsocket = udp:127.0.0.1:"+strconv.Itoa(sock2)+"\n", 1),
		`modparam("b2b_entities", "db_mode", 0)`, `modparam("b2b_entities", "db_mode", 0)
modparam("tm", "fr_timeout", 1)
modparam("tm", "fr_inv_timeout", 2)`, 1)
}

// TestUASessionClientProxySocket: MI ua_session_client_start with proxy
// and socket sends the INVITE (R-URI unchanged) to the proxy given, from
// the socket given; the session is answered and ended over MI. A client
// session whose INVITE is never answered gets a locally made 408, which
// E_UA_SESSION reports with its status (and no headers); the session is
// removed.
func TestUASessionClientProxySocket(t *testing.T) {
	gosipsBin(t)
	sink := newEviSink(t)
	sock2 := freePort(t)
	_, miPort := b2bGosips().start(t, sink.cfg(uasesscCfg(sock2)))

	t.Run("proxy", func(t *testing.T) {
		proxyPort, proxyWait := startSippUAS(t, "b2bc_uas_wait.xml")
		ruriPort := freePort(t)
		ruri := "sip:bob@127.0.0.1:" + strconv.Itoa(ruriPort)
		raw, err := miCall(t, miPort, "ua_session_client_start", map[string]any{
			"ruri": ruri, "to": "sip:bob@127.0.0.1", "from": "sip:alice@ua.example",
			"proxy": "sip:127.0.0.1:" + strconv.Itoa(proxyPort), "socket": "udp:127.0.0.1:" + strconv.Itoa(sock2),
			"flags": "rb", "body": uasessSDP})
		var key string
		if err != nil || json.Unmarshal(raw, &key) != nil || key == "" {
			t.Fatalf("ua_session_client_start: %s %v", raw, err)
		}
		if !eventually(5*time.Second, func() bool {
			raw, _ = miCall(t, miPort, "ua_session_list", map[string]any{"key": key})
			return strings.Contains(uasessList(raw), "state=5")
		}) {
			t.Fatalf("the session was not answered: %s", raw)
		}
		if _, err := miCall(t, miPort, "ua_session_terminate", map[string]any{"key": key}); err != nil {
			t.Fatalf("ua_session_terminate: %v", err)
		}
		r := proxyWait()
		if r.Exit != 0 {
			t.Fatalf("proxy exit %d\n%s\n%s", r.Exit, r.Output, r.Messages)
		}
		inv := received(r.Messages, "INVITE")
		if len(inv) != 1 || !strings.HasPrefix(inv[0], "INVITE "+ruri+" SIP/2.0") {
			t.Fatalf("the proxy should get the INVITE with the R-URI %s: %q", ruri, inv)
		}
		via := "Via: SIP/2.0/UDP 127.0.0.1:" + strconv.Itoa(sock2) + ";"
		for _, m := range append(inv, received(r.Messages, "BYE")...) {
			if !strings.Contains(m, via) {
				t.Errorf("not sent from the socket given (%s):\n%s", via, m)
			}
		}
	})

	t.Run("timeout", func(t *testing.T) {
		// A callee that takes the INVITE and never answers.
		pc, err := net.ListenPacket("udp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		defer pc.Close()
		go func() {
			buf := make([]byte, 65535)
			for {
				if _, _, err := pc.ReadFrom(buf); err != nil {
					return
				}
			}
		}()
		before := len(sink.wait(0))
		ruri := "sip:silent@" + pc.LocalAddr().String()
		raw, err := miCall(t, miPort, "ua_session_client_start", map[string]any{
			"ruri": ruri, "to": "sip:silent@127.0.0.1", "from": "sip:alice@ua.example", "flags": "rb", "body": uasessSDP})
		if err != nil {
			t.Fatalf("ua_session_client_start: %s %v", raw, err)
		}
		var ev string
		if !eventually(8*time.Second, func() bool {
			for _, e := range sink.wait(0)[before:] {
				if s := uasessEvent(t, e); strings.Contains(s, "status=408") {
					ev = s
					return true
				}
			}
			return false
		}) {
			t.Fatalf("no E_UA_SESSION with status 408: %q", sink.wait(0)[before:])
		}
		for _, w := range []string{"entity_type=UAC", "method=INVITE", "headers=null"} {
			if !strings.Contains(ev, w) {
				t.Errorf("408 event lacks %s: %s", w, ev)
			}
		}
		if !eventually(3*time.Second, func() bool {
			raw, _ = miCall(t, miPort, "ua_session_list", nil)
			return string(raw) == "[]"
		}) {
			t.Errorf("session left: %s", raw)
		}
	})
}
