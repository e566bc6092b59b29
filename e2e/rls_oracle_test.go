package e2e

import (
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"gosips/internal/testenv"
)

// rlsDiffCfg is rlsCfg without MI, with pua's table and one UDP worker
// (OpenSIPS' pua may otherwise take a resource's NOTIFY before the 2xx
// of its SUBSCRIBE and refuse it), for both engines.
var rlsDiffCfg = "udp_workers = 1\n" + strings.NewReplacer(`loadmodule "httpd.so"`+"\n", "", `loadmodule "mi_http.so"`+"\n", "",
	`modparam("httpd", "port", HTTPPORT)`+"\n", `modparam("pua", "db_url", "DBURL")`+"\n").Replace(rlsCfg)

var (
	rlsBoundary = regexp.MustCompile(`boundary="([^"]+)"`)
	rlsCID      = regexp.MustCompile(`[0-9]{9,}\.sip:([a-z]+)@127\.0\.0\.1\.[0-9]+`)
	rlsExpires  = regexp.MustCompile(`expires=[0-9]+`)
	rlsPort     = regexp.MustCompile(`127\.0\.0\.1:[0-9]+`)
)

// rlsNormalize keeps the status line, the list headers and the body of
// a message, with the boundary, the Content-IDs (time and random
// number), the remaining expiry and ports replaced by placeholders.
func rlsNormalize(msg string) string {
	if !strings.HasPrefix(msg, "NOTIFY ") {
		msg = msg[strings.Index(msg, "SIP/2.0 "):]
	}
	msg = strings.TrimSuffix(msg, "\n")
	first, _, _ := strings.Cut(msg, "\r\n")
	out := []string{rlsPort.ReplaceAllString(first, "127.0.0.1:P")}
	for _, h := range []string{"CSeq", "Expires", "Contact", "Event", "Subscription-State", "Require", "Content-Type"} {
		if v := header(msg, h); v != "" {
			out = append(out, h+": "+v)
		}
	}
	_, body, _ := strings.Cut(msg, "\r\n\r\n")
	if m := rlsBoundary.FindStringSubmatch(msg); m != nil {
		body = strings.ReplaceAll(body, m[1], "BOUNDARY")
	}
	body = strings.ReplaceAll(body, `<tuple xmlns="urn:ietf:params:xml:ns:pidf" `, "<tuple ")
	out = append(out, strings.ReplaceAll(body, "\r\n", "\\r\\n"))
	s := strings.Join(out, " | ")
	s = rlsBoundary.ReplaceAllString(s, `boundary="BOUNDARY"`)
	s = rlsCID.ReplaceAllString(s, "CID-$1")
	s = rlsExpires.ReplaceAllString(s, "expires=N")
	return rlsPort.ReplaceAllString(s, "127.0.0.1:P")
}

// rlsDiffRun subscribes to the list on port, lets bob publish once the
// resources answered and returns the watcher's messages: the 200s and
// the first and last NOTIFYs (the partial ones in between depend on
// when the waitn_time timer ticks).
func rlsDiffRun(t *testing.T, port int, url string) []string {
	t.Helper()
	w := startSippPeer(t, "rls_watcher.xml", 0, 1, 60*time.Second, "127.0.0.1:"+strconv.Itoa(port),
		"-s", "friends", "-set", "ev", "presence")
	if !eventually(10*time.Second, func() bool { return len(queryRows(t, url, "rls_presentity", "id")) == 2 }) {
		t.Errorf("the resources did not both answer")
	}
	time.Sleep(1500 * time.Millisecond)
	if res := runSipp(t, "pres_publish.xml", port, "-s", "bob"); res.Exit != 0 {
		t.Fatalf("publisher failed (exit %d):\n%s\n%s", res.Exit, res.Output, res.Messages)
	}
	res := w.wait(40 * time.Second)
	if res.Exit != 0 {
		t.Fatalf("watcher failed (exit %d):\n%s\n%s", res.Exit, res.Output, res.Messages)
	}
	var oks []string
	for _, part := range strings.Split(res.Messages, "-----------------------------------------------") {
		if _, msg, found := strings.Cut(part, "message received"); found && strings.Contains(msg, "SIP/2.0 200 OK") {
			oks = append(oks, rlsNormalize(msg))
		}
	}
	n := received(res.Messages, "NOTIFY")
	if len(n) < 2 {
		t.Fatalf("%d NOTIFYs:\n%s", len(n), res.Messages)
	}
	return append(oks, rlsNormalize(n[0]), rlsNormalize(n[len(n)-1]))
}

// TestRLSListSubscriptionOracle runs the same list subscription against
// real OpenSIPS (OPENSIPS_BIN, with rls.so) and gosips: the replies to
// the list SUBSCRIBEs, the full-state NOTIFY and the terminating one
// (with every resource's last state as RLMI and parts) must match.
func TestRLSListSubscriptionOracle(t *testing.T) {
	bin := testenv.Oracle(t)
	needSipp(t)
	gurl, ourl := rlsDB(t), rlsDB(t)
	g := rlsDiffRun(t, startServer(t, strings.ReplaceAll(rlsDiffCfg, "DBURL", gurl)).Port, gurl)
	o := rlsDiffRun(t, natOracleStart(t, bin, strings.ReplaceAll(rlsDiffCfg, "DBURL", ourl)), ourl)
	t.Logf("gosips:\n%s", strings.Join(g, "\n"))
	if len(g) != len(o) {
		t.Fatalf("gosips got %d messages, opensips %d:\n%s\n---\n%s", len(g), len(o), strings.Join(g, "\n"), strings.Join(o, "\n"))
	}
	for i := range g {
		if g[i] != o[i] {
			t.Errorf("message %d differs:\n gosips:   %s\n opensips: %s", i, g[i], o[i])
		}
	}
}

var (
	rlsNotifyCSeq = regexp.MustCompile(`CSeq: [0-9]+ NOTIFY`)
	rlsVersion    = regexp.MustCompile(`version="[0-9]+"`)
)

// rlsRefreshRun runs rls_refresh.xml on port and returns the replies to
// the SUBSCRIBEs, the first NOTIFY after each refresh and the last one
// (the expiry), normalized; past the stale SUBSCRIBE the NOTIFY CSeq and
// RLMI version depend on how many partial NOTIFYs the waitn_time timer
// sent before, and are replaced by N.
func rlsRefreshRun(t *testing.T, port int) []string {
	t.Helper()
	w := startSippPeer(t, "rls_refresh.xml", 0, 1, 60*time.Second, "127.0.0.1:"+strconv.Itoa(port),
		"-s", "friends", "-set", "ev", "presence")
	res := w.wait(50 * time.Second)
	if res.Exit != 0 {
		t.Fatalf("watcher failed (exit %d):\n%s\n%s", res.Exit, res.Output, res.Messages)
	}
	var out []string
	var last string
	afterReply, stale := false, false
	norm := func(m string) string {
		m = rlsNormalize(m)
		if stale {
			m = rlsVersion.ReplaceAllString(rlsNotifyCSeq.ReplaceAllString(m, "CSeq: N NOTIFY"), `version="N"`)
		}
		return m
	}
	for _, m := range rlsReceived(res.Messages) {
		switch {
		case strings.HasPrefix(m, "SIP/2.0 "):
			out = append(out, norm(m))
			afterReply = strings.HasPrefix(m, "SIP/2.0 200 ")
			stale = stale || !afterReply
		case strings.HasPrefix(m, "NOTIFY "):
			if afterReply {
				out = append(out, norm(m))
			}
			afterReply = false
			last = m
		}
	}
	t.Logf("%d NOTIFYs", len(received(res.Messages, "NOTIFY")))
	return append(out, norm(last))
}

// TestRLSRefreshOracle runs rls_refresh.xml against real OpenSIPS
// (OPENSIPS_BIN, with rls.so) and gosips: the replies to the refreshes
// and to the stale CSeq, the full-state NOTIFYs after each refresh and
// the NOTIFY ending the expired subscription must match.
func TestRLSRefreshOracle(t *testing.T) {
	bin := testenv.Oracle(t)
	needSipp(t)
	gurl, ourl := rlsDB(t), rlsDB(t)
	g := rlsRefreshRun(t, startServer(t, strings.ReplaceAll(rlsDiffCfg, "DBURL", gurl)).Port)
	o := rlsRefreshRun(t, natOracleStart(t, bin, strings.ReplaceAll(rlsDiffCfg, "DBURL", ourl)))
	t.Logf("gosips:\n%s", strings.Join(g, "\n"))
	if len(g) != len(o) {
		t.Fatalf("gosips got %d messages, opensips %d:\n%s\n---\n%s", len(g), len(o), strings.Join(g, "\n"), strings.Join(o, "\n"))
	}
	for i := range g {
		if g[i] != o[i] {
			t.Errorf("message %d differs:\n gosips:   %s\n opensips: %s", i, g[i], o[i])
		}
	}
}
