package e2e

import (
	"strings"
	"testing"
	"time"

	"gosips/internal/testenv"
)

// optionsCfg answers OPTIONS to the server with options_reply(); the
// other requests show what options_reply() refuses.
const optionsCfg = `
socket=udp:127.0.0.1:PORT
loadmodule "proto_udp.so"
loadmodule "sl.so"
loadmodule "signaling.so"
loadmodule "sipmsgops.so"
loadmodule "options.so"
modparam("options", "accept", "application/sdp")
modparam("options", "accept_language", "de")
modparam("options", "support", "100rel")
route {
	if ($hdr(X-Force) != NULL) {
		# called anyway: options_reply() returns false, the script goes on
		if (!options_reply())
			send_reply(488, "Refused");
		exit;
	}
	if (is_method("OPTIONS") && $rU == NULL) {
		options_reply();
		send_reply(500, "Not reached");
	}
	send_reply(404, "Not Here");
}
`

// optionsExchange sends the test requests and returns the replies.
func optionsExchange(t *testing.T, port int) []string {
	t.Helper()
	c := newUDPClient(t)
	req := func(method, ruri, extra string) string {
		c.Send(port, method+" "+ruri+" SIP/2.0\nVia: SIP/2.0/UDP 127.0.0.1:LPORT;branch=z9hG4bKopt"+method+"\n"+
			"From: <sip:a@127.0.0.1>;tag=f1\nTo: <sip:b@127.0.0.1>\nCall-ID: opt-"+method+"\nCSeq: 3 "+method+"\n"+
			extra+"Max-Forwards: 70\nContent-Length: 0\n\n")
		return c.Recv(3 * time.Second)
	}
	return []string{
		req("OPTIONS", "sip:127.0.0.1", ""),
		req("OPTIONS", "sip:alice@127.0.0.1", ""),
		req("OPTIONS", "sip:alice@127.0.0.1", "X-Force: 1\n"),
		req("MESSAGE", "sip:127.0.0.1", "X-Force: 1\n"),
	}
}

// optionsNormalize keeps the status line and the headers options_reply()
// decides on.
func optionsNormalize(msg string) string {
	if msg == "" {
		return "(nothing)"
	}
	first, _, _ := strings.Cut(msg, "\r\n")
	out := []string{first}
	for _, h := range []string{"Accept", "Accept-Encoding", "Accept-Language", "Supported", "CSeq", "Content-Length"} {
		for _, v := range headers(msg, h) {
			out = append(out, h+": "+v)
		}
	}
	return strings.Join(out, " | ")
}

func TestOptionsReply(t *testing.T) {
	needSipp(t)
	srv := startServer(t, optionsCfg)
	if res := runSipp(t, "options_uac.xml", srv.Port); res.Exit != 0 {
		t.Fatalf("sipp exit %d:\n%s\n%s", res.Exit, res.Output, res.Messages)
	}
	got := optionsExchange(t, srv.Port)
	want := []string{
		"SIP/2.0 200 OK | Accept: application/sdp | Accept-Language: de | Supported: 100rel | CSeq: 3 OPTIONS | Content-Length: 0",
		"SIP/2.0 404 Not Here | CSeq: 3 OPTIONS | Content-Length: 0",
		"SIP/2.0 488 Refused | CSeq: 3 OPTIONS | Content-Length: 0",
		"SIP/2.0 488 Refused | CSeq: 3 MESSAGE | Content-Length: 0",
	}
	for i := range want {
		if g := optionsNormalize(got[i]); g != want[i] {
			t.Errorf("reply %d:\n got  %s\n want %s\nfull:\n%s", i, g, want[i], got[i])
		}
	}
}

// TestOptionsDefaultsOracle compares options_reply()'s 200 OK with its
// default parameters and the refusals against real OpenSIPS
// (OPENSIPS_BIN), header order included.
func TestOptionsDefaultsOracle(t *testing.T) {
	bin := testenv.Oracle(t)
	cfg := strings.NewReplacer(`modparam("options", "accept", "application/sdp")`+"\n", "",
		`modparam("options", "accept_language", "de")`+"\n", "",
		`modparam("options", "support", "100rel")`+"\n", "").Replace(optionsCfg)
	norm := func(ms []string) string {
		var out []string
		for _, m := range ms {
			out = append(out, optionsNormalize(m)+" | headers: "+strings.Join(stockHeaderNames(strings.ReplaceAll(m, "\r\n", "\n")), ","))
		}
		return strings.Join(out, "\n")
	}
	g := norm(optionsExchange(t, startServer(t, cfg).Port))
	o := norm(optionsExchange(t, natOracleStart(t, bin, strings.Replace(cfg, "socket=udp:127.0.0.1:PORT", "socket=udp:127.0.0.1:PORT\nlog_level=2", 1))))
	if g != o {
		t.Errorf("replies differ:\ngosips:\n%s\nopensips:\n%s", g, o)
	}
}
