package e2e

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"gosips/internal/testenv"
)

// stockOracleCfg adapts OpenSIPS' stock etc/opensips.cfg to a test run:
// its own port (PORT), its own FIFO, the oracle's module path, and logs on
// stderr instead of syslog. Nothing else of the script changes.
func stockOracleCfg(t *testing.T, mpath string) string {
	t.Helper()
	src, err := os.ReadFile(stockConfig(t, "3.6__etc__opensips.cfg"))
	if err != nil {
		t.Fatal(err)
	}
	cfg := string(src)
	for _, r := range [][2]string{
		{"socket=udp:127.0.0.1:5060", "socket=udp:127.0.0.1:PORT"},
		{`mpath="/usr/local/lib/opensips/modules/"`, fmt.Sprintf("mpath=%q", mpath)},
		{"stderror_enabled=no", "stderror_enabled=yes"},
		{"syslog_enabled=yes", "syslog_enabled=no"},
		{"/run/opensips/opensips_fifo", filepath.Join(t.TempDir(), "opensips_fifo")},
	} {
		if !strings.Contains(cfg, r[0]) {
			t.Fatalf("stock config has no %q any more", r[0])
		}
		cfg = strings.ReplaceAll(cfg, r[0], r[1])
	}
	return cfg
}

// stockRun is what the peers of one engine saw: the normalised messages,
// in a fixed order, and the fields of the acc lines.
type stockRun struct {
	msgs map[string]string
	acc  []map[string]string
}

var (
	stockBranch = regexp.MustCompile(`branch=[^;>\s,]+`)
	stockTag    = regexp.MustCompile(`tag=[^;>\s,]+`)
	stockHost   = regexp.MustCompile(`127\.0\.0\.1:(\d+)`)
)

// stockMask replaces what legitimately differs between two runs: branch
// and tag values, and ports (named when known).
func stockMask(s string, ports map[int]string) string {
	s = stockBranch.ReplaceAllString(s, "branch=X")
	s = stockTag.ReplaceAllString(s, "tag=X")
	return stockHost.ReplaceAllStringFunc(s, func(m string) string {
		p, _ := strconv.Atoi(m[len("127.0.0.1:"):])
		if n, ok := ports[p]; ok {
			return "127.0.0.1:" + n
		}
		return "127.0.0.1:PORT"
	})
}

// stockNormalize keeps the first line and the headers a routing script
// decides on, masked.
func stockNormalize(msg string, ports map[int]string, hdrs ...string) string {
	if msg == "" {
		return "(nothing)"
	}
	msg = strings.ReplaceAll(msg, "\r\n", "\n")
	first, _, _ := strings.Cut(msg, "\n")
	out := []string{strings.TrimSpace(first), "headers: " + strings.Join(stockHeaderNames(msg), ",")}
	for _, h := range hdrs {
		vs := headers(msg, h)
		if h == "Via" {
			out = append(out, fmt.Sprintf("Via count: %d", len(vs)))
		}
		for _, v := range vs {
			out = append(out, h+": "+v)
		}
	}
	return stockMask(strings.Join(out, "\n"), ports)
}

// stockHeaderNames lists the header names of msg in order.
func stockHeaderNames(msg string) []string {
	head, _, _ := strings.Cut(msg, "\n\n")
	var out []string
	for _, l := range strings.Split(head, "\n")[1:] {
		name, _, ok := strings.Cut(l, ":")
		name = strings.TrimSpace(name)
		if !ok {
			continue
		}
		out = append(out, name)
	}
	return out
}

// stockSent returns the sent messages of a sipp log that start with
// prefix.
func stockSent(log, prefix string) []string {
	var out []string
	for _, part := range strings.Split(log, "-----------------------------------------------") {
		_, msg, ok := strings.Cut(part, "message sent")
		if !ok {
			continue
		}
		if i := strings.Index(msg, "\n\n"); i >= 0 {
			msg = strings.TrimLeft(msg[i:], "\r\n")
		}
		if strings.HasPrefix(msg, prefix) {
			out = append(out, msg)
		}
	}
	return out
}

// stockAccLine matches an acc log line; the first group is what precedes
// "ACC: " after the pid (the level, and a module part OpenSIPS has not).
var stockAccLine = regexp.MustCompile(`\] ([A-Z]+:(?:[a-z_]+: )?)ACC: ([a-z ]+): ([^\r\n]+)`)

// stockAcc returns the fields of the acc lines in logs, with the values
// that differ between runs (tags, Call-ID, times) reduced to whether
// they are as expected.
func stockAcc(logs string, wire map[string]bool) []map[string]string {
	var out []map[string]string
	now := time.Now().Unix()
	for _, m := range stockAccLine.FindAllStringSubmatch(logs, -1) {
		f := map[string]string{"level": m[1], "event": m[2]}
		for kv := range strings.SplitSeq(m[3], ";") {
			k, v, _ := strings.Cut(kv, "=")
			switch {
			case (k == "call_id" || k == "from_tag" || k == "to_tag") && wire[v]:
				v = "(as on the wire)"
			case k == "timestamp" || k == "setuptime":
				if n, err := strconv.ParseInt(v, 10, 64); err == nil && n > now-60 && n <= now+1 {
					v = "(now)"
				}
			}
			f[k] = v
		}
		out = append(out, f)
	}
	return out
}

// stockExchange runs the stock scenario against a server on port: alice
// and bob register, alice calls bob, the call is answered and hung up by
// alice. logs returns what the server logged.
func stockExchange(t *testing.T, port int, logs func() string) stockRun {
	t.Helper()
	run := stockRun{msgs: map[string]string{}}
	bob := startSippPeer(t, "uas_call.xml", 0, 1, 20*time.Second)
	carol := startSippPeer(t, "uas_busy.xml", 0, 1, 20*time.Second)
	alicePort := freePort(t)
	ports := map[int]string{port: "PROXY", bob.Port: "BOB", carol.Port: "CAROL", alicePort: "ALICE_CT"}
	for _, u := range []struct {
		user string
		ct   int
	}{{"alice", alicePort}, {"bob", bob.Port}, {"carol", carol.Port}} {
		r := runSipp(t, "register.xml", port, "-s", u.user, "-set", "ctport", strconv.Itoa(u.ct))
		if r.Exit != 0 {
			t.Fatalf("REGISTER %s: exit %d\n%s\n%s", u.user, r.Exit, r.Output, r.Messages)
		}
		ok := receivedReply(t, r.Messages, "200", "REGISTER")
		run.msgs["REGISTER "+u.user+" 200"] = stockNormalize(ok, ports, "Contact", "Expires", "Via", "To", "CSeq")
	}
	call := runSipp(t, "acc_uac_call.xml", port, "-s", "bob", "-set", "caller", "alice", "-d", "300")
	if call.Exit != 0 {
		t.Fatalf("call alice->bob: exit %d\n%s\n%s", call.Exit, call.Output, call.Messages)
	}
	callee := bob.wait(10 * time.Second)
	if callee.Exit != 0 {
		t.Fatalf("bob: exit %d\n%s\n%s", callee.Exit, callee.Output, callee.Messages)
	}
	ports[stockCallerPort(call.Messages)] = "ALICE"
	hdrs := []string{"Via", "Route", "Record-Route", "Max-Forwards", "Contact", "From", "To", "CSeq", "P-hint"}
	for _, m := range []string{"INVITE", "ACK", "BYE"} {
		got := received(callee.Messages, m)
		if len(got) != 1 {
			t.Errorf("bob got %d %s", len(got), m)
			continue
		}
		run.msgs["bob got "+m] = stockNormalize(got[0], ports, hdrs...)
	}
	for _, code := range []string{"180", "200"} {
		for _, m := range received(call.Messages, "SIP/2.0 "+code) {
			run.msgs["alice got "+code+" "+header(m, "CSeq")] = stockNormalize(m, ports, hdrs...)
		}
	}
	inv := sentInvite(t, call.Messages)
	ok := receivedReply(t, call.Messages, "200", "INVITE")
	wire := map[string]bool{header(inv, "Call-ID"): true, tagOf(header(inv, "From")): true, tagOf(header(ok, "To")): true}

	// carol is busy: a missed call.
	busy := runSipp(t, "acc_uac_busy.xml", port, "-s", "carol")
	callee = carol.wait(10 * time.Second)
	if busy.Exit != 0 || callee.Exit != 0 {
		t.Fatalf("call to carol: exit %d\n%s\n%s\ncarol: exit %d\n%s", busy.Exit, busy.Output, busy.Messages, callee.Exit, callee.Output)
	}
	ports[stockCallerPort(busy.Messages)] = "CALLER"
	for _, m := range []string{"INVITE", "ACK"} {
		if got := received(callee.Messages, m); len(got) == 1 {
			run.msgs["carol got "+m] = stockNormalize(got[0], ports, hdrs...)
		} else {
			t.Errorf("carol got %d %s", len(got), m)
		}
	}
	b486 := receivedReply(t, busy.Messages, "486", "INVITE")
	run.msgs["caller got 486"] = stockNormalize(b486, ports, hdrs...)
	binv := sentInvite(t, busy.Messages)
	wire[header(binv, "Call-ID")], wire[tagOf(header(binv, "From"))], wire[tagOf(header(b486, "To"))] = true, true, true

	eventually(3*time.Second, func() bool { return strings.Count(logs(), "ACC: ") >= 3 })
	time.Sleep(300 * time.Millisecond) // a late, unexpected line
	run.acc = stockAcc(logs(), wire)
	return run
}

// stockCallerPort returns the port sipp sent the INVITE from.
func stockCallerPort(log string) int {
	for _, m := range stockSent(log, "INVITE ") {
		if v := stockHost.FindStringSubmatch(header(m, "Via")); v != nil {
			p, _ := strconv.Atoi(v[1])
			return p
		}
	}
	return 0
}

// TestStockConfigOracle runs OpenSIPS' stock etc/opensips.cfg (3.6) on
// gosips and on real OpenSIPS with the same sipp scenarios: alice and bob
// register, alice calls bob, bob answers, alice hangs up. What the users
// receive (REGISTER 200s; the INVITE, ACK and BYE bob gets; the 180/200s
// alice gets) and the acc log lines must be the same on both, up to
// branches, tags and ports.
func TestStockConfigOracle(t *testing.T) {
	bin := testenv.Oracle(t)
	mpath := filepath.Join(filepath.Dir(filepath.Dir(bin)), "lib64", "opensips", "modules") + "/"

	srv := startServer(t, stockOracleCfg(t, mpath))
	g := stockExchange(t, srv.Port, srv.Logs)

	ologs := &syncBuffer{}
	oport := natOracleStartLogs(t, bin, stockOracleCfg(t, mpath), ologs)
	o := stockExchange(t, oport, ologs.String)

	keys := map[string]bool{}
	for k := range g.msgs {
		keys[k] = true
	}
	for k := range o.msgs {
		keys[k] = true
	}
	for k := range keys {
		if g.msgs[k] != o.msgs[k] {
			t.Errorf("%s differs:\ngosips:\n%s\nopensips:\n%s", k, g.msgs[k], o.msgs[k])
		}
	}
	if fmt.Sprint(g.acc) != fmt.Sprint(o.acc) {
		t.Errorf("acc lines differ:\ngosips:   %v\nopensips: %v", g.acc, o.acc)
	}
	if testing.Verbose() {
		for k, v := range o.msgs {
			t.Logf("%s:\n%s", k, v)
		}
		t.Logf("acc: %v", o.acc)
	}
	if len(o.acc) != 3 {
		t.Errorf("OpenSIPS logged %d acc lines, want 3 (INVITE, BYE, missed): %v", len(o.acc), o.acc)
	}
}
