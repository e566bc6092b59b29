package e2e

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"gosips/internal/testenv"
)

// accFields parses the "key=value;..." part of an acc log line after its
// "ACC: <event>: " text.
func accFields(t *testing.T, line, event string) map[string]string {
	t.Helper()
	_, rest, ok := strings.Cut(line, "ACC: "+event+": ")
	if !ok {
		t.Fatalf("not an %q acc line: %q", event, line)
	}
	f := map[string]string{}
	for kv := range strings.SplitSeq(strings.TrimRight(rest, "\r\n"), ";") {
		k, v, _ := strings.Cut(kv, "=")
		f[k] = v
	}
	return f
}

// tagOf returns the tag parameter of a From/To header value.
func tagOf(h string) string {
	_, tag, _ := strings.Cut(h, ";tag=")
	tag, _, _ = strings.Cut(tag, ";")
	return strings.TrimSpace(tag)
}

// stockConfig returns the path of an OpenSIPS stock config in the corpus.
func stockConfig(t *testing.T, name string) string {
	t.Helper()
	p := filepath.Join(testenv.Corpus(t), "modern", name)
	if _, err := os.Stat(p); err != nil {
		t.Fatal(err)
	}
	return p
}

// TestStockConfigAccounting runs OpenSIPS' own etc/opensips.cfg (3.6 and
// HEAD) unchanged: three users register, alice calls bob (answered, then
// BYE) and carol (486 Busy Here), and the syslog gets the accounting
// lines the config asks for: the answered INVITE and BYE transactions
// and the missed call, in OpenSIPS' format.
func TestStockConfigAccounting(t *testing.T) {
	for _, name := range []string{"3.6__etc__opensips.cfg", "head__etc__opensips.cfg"} {
		t.Run(name, func(t *testing.T) {
			cfg := stockConfig(t, name)
			ns := newNetns(t)
			sys := newSyslogLines(t)
			const port = 5070
			startNSServer(t, ns, cfg, port, sys, "/run/opensips")

			bob := nsSipp(t, ns, "uas_call.xml", 0, 6001)
			carol := nsSipp(t, ns, "uas_busy.xml", 0, 6002)
			for i, u := range []struct {
				user string
				ct   int
			}{{"alice", 6003}, {"bob", 6001}, {"carol", 6002}} {
				r := nsSipp(t, ns, "i5_register.xml", port, 6100+i, "-s", u.user, "-set", "ctport", strconv.Itoa(u.ct))()
				if r.Exit != 0 {
					t.Fatalf("REGISTER %s: exit %d\n%s", u.user, r.Exit, r.Output)
				}
			}

			call := nsSipp(t, ns, "acc_uac_call.xml", port, 6201, "-s", "bob", "-set", "caller", "alice", "-d", "300")()
			if call.Exit != 0 {
				t.Fatalf("call alice->bob: exit %d\n%s\n%s", call.Exit, call.Output, call.Messages)
			}
			if r := bob(); r.Exit != 0 {
				t.Fatalf("bob: exit %d\n%s", r.Exit, r.Output)
			}
			busy := nsSipp(t, ns, "uac_invite_expect.xml", port, 6202, "-s", "carol")()
			if r := carol(); busy.Exit != 0 || r.Exit != 0 || !strings.Contains(busy.Messages, "SIP/2.0 486") {
				t.Fatalf("call to carol: exit %d\n%s\n%s\ncarol: exit %d\n%s\n%s", busy.Exit, busy.Output, busy.Messages, r.Exit, r.Output, r.Messages)
			}

			inv := sentInvite(t, call.Messages)
			ok := receivedReply(t, call.Messages, "200", "INVITE")
			callID, aliceTag, bobTag := header(inv, "Call-ID"), tagOf(header(inv, "From")), tagOf(header(ok, "To"))

			answered := sys.waitFor("ACC: transaction answered: ", 2, 5*time.Second)
			if len(answered) != 2 {
				t.Fatalf("want 2 \"transaction answered\" lines (INVITE, BYE), got %q", answered)
			}
			now := time.Now().Unix()
			for i, method := range []string{"INVITE", "BYE"} {
				f := accFields(t, answered[i], "transaction answered")
				want := map[string]string{"method": method, "from_tag": aliceTag, "to_tag": bobTag, "call_id": callID,
					"code": "200", "reason": "OK", "created": "0"}
				for k, v := range want {
					if f[k] != v {
						t.Errorf("%s line: %s=%q, want %q (line %q)", method, k, f[k], v, answered[i])
					}
				}
				// Without CDRs OpenSIPS counts setuptime from created=0.
				for _, k := range []string{"timestamp", "setuptime"} {
					if n, err := strconv.ParseInt(f[k], 10, 64); err != nil || n < now-30 || n > now+1 {
						t.Errorf("%s line: %s=%q is not the current time", method, k, f[k])
					}
				}
				if !strings.HasPrefix(strings.SplitN(answered[i], "ACC: ", 2)[1], "transaction answered: timestamp=") {
					t.Errorf("field order: %q", answered[i])
				}
			}

			missed := sys.waitFor("ACC: call missed: ", 1, 5*time.Second)
			if len(missed) != 1 {
				t.Fatalf("want 1 \"call missed\" line, got %q", missed)
			}
			binv := sentInvite(t, busy.Messages)
			b486 := receivedReply(t, busy.Messages, "486", "INVITE")
			f := accFields(t, missed[0], "call missed")
			want := map[string]string{"method": "INVITE", "from_tag": tagOf(header(binv, "From")), "to_tag": tagOf(header(b486, "To")),
				"call_id": header(binv, "Call-ID"), "code": "486", "reason": "Busy Here"}
			for k, v := range want {
				if f[k] != v {
					t.Errorf("missed line: %s=%q, want %q (line %q)", k, f[k], v, missed[0])
				}
			}
			if n := len(sys.matching("ACC: ")); n != 3 {
				t.Errorf("%d acc lines, want 3:\n%s", n, sys.all())
			}
		})
	}
}

// sentInvite returns the first INVITE in a sipp message log.
func sentInvite(t *testing.T, log string) string {
	t.Helper()
	for _, part := range strings.Split(log, "-----------------------------------------------") {
		_, msg, ok := strings.Cut(part, "message sent")
		if !ok {
			continue
		}
		if i := strings.Index(msg, "\n\n"); i >= 0 {
			msg = strings.TrimLeft(msg[i:], "\r\n")
		}
		if strings.HasPrefix(msg, "INVITE ") {
			return msg
		}
	}
	t.Fatalf("no INVITE sent in:\n%s", log)
	return ""
}

// receivedReply returns the first reply with that code to method in a
// sipp message log.
func receivedReply(t *testing.T, log, code, method string) string {
	t.Helper()
	for _, m := range received(log, "SIP/2.0") {
		if strings.HasPrefix(m, "SIP/2.0 "+code+" ") && strings.HasSuffix(header(m, "CSeq"), method) {
			return m
		}
	}
	t.Fatalf("no %s reply to %s in:\n%s", code, method, log)
	return ""
}
