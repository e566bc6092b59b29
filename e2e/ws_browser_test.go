package e2e

import (
	"bufio"
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"gosips/internal/testenv"
)

// wsBrowserDir is where the browser test's npm packages live
// (e2e/browser: package.json and package-lock.json are committed; `npm ci`
// there installs them and bundles JsSIP into dist/jssip.js).
const wsBrowserDir = "browser"

// wsBrowserNeeds returns node's path and the Chromium binary, or ends the
// test through testenv (a failure in strict mode).
func wsBrowserNeeds(t *testing.T) (node, chromium string) {
	t.Helper()
	node = testenv.Tool(t, "node", "nodejs")
	chromium = os.Getenv("CHROMIUM")
	if chromium == "" {
		chromium = testenv.Tool(t, "chromium", "chromium")
	}
	for _, f := range []string{"node_modules/playwright-core/package.json", "dist/jssip.js"} {
		if _, err := os.Stat(filepath.Join(wsBrowserDir, f)); err != nil {
			testenv.Missing(t, "e2e/browser npm packages", "run `npm ci` in e2e/browser ("+f+" is missing)")
		}
	}
	return node, chromium
}

// wsLogDir is a directory kept after the test for its screenshots:
// $GOSIPS_E2E_LOGDIR/<test> (default: under the system temp dir).
func wsLogDir(t *testing.T) string {
	t.Helper()
	base := os.Getenv("GOSIPS_E2E_LOGDIR")
	if base == "" {
		base = filepath.Join(os.TempDir(), "gosips-e2e-logs")
	}
	dir := filepath.Join(base, t.Name())
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

// A real browser phone: JsSIP in headless Chromium, on a page served by
// the test, registers to gosips over WSS (certificate from a tls_mgm
// server domain), receives a call from a UDP sipp caller (UDP → gosips →
// WSS) and answers it with Chromium's fake microphone; sipp sees the
// 200 OK, then hangs up. Screenshots of the page go to the log dir.
func TestWSBrowserPhone(t *testing.T) {
	needSipp(t)
	node, chromium := wsBrowserNeeds(t)
	wssPort := freePort(t)
	cfg, _ := wssCfg(t, wssPort) // the browser ignores certificate errors
	srv := startServer(t, cfg)

	// The page and the JsSIP bundle, on plain http: 127.0.0.1 is a
	// secure context for getUserMedia.
	mux := http.NewServeMux()
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		http.ServeFile(w, r, filepath.Join(wsBrowserDir, "phone.html"))
	})
	mux.HandleFunc("/jssip.js", func(w http.ResponseWriter, r *http.Request) {
		http.ServeFile(w, r, filepath.Join(wsBrowserDir, "dist", "jssip.js"))
	})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	web := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	go web.Serve(ln)
	t.Cleanup(func() { web.Close() })
	pageURL := fmt.Sprintf("http://%s/?user=alice&ws=wss://127.0.0.1:%d", ln.Addr(), wssPort)

	logDir := wsLogDir(t)
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, node, "run.js", pageURL, logDir, "60000")
	cmd.Dir = wsBrowserDir
	cmd.Env = append(os.Environ(), "CHROMIUM="+chromium)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = cmd.Stdout
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	var (
		mu     sync.Mutex
		output strings.Builder
		states = make(chan string, 16)
	)
	go func() {
		defer close(states)
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			line := sc.Text()
			mu.Lock()
			output.WriteString(line + "\n")
			mu.Unlock()
			if s, ok := strings.CutPrefix(line, "STATE "); ok {
				states <- s
			}
		}
	}()
	browserLog := func() string {
		mu.Lock()
		defer mu.Unlock()
		return output.String()
	}
	wait := func(want string, d time.Duration) {
		t.Helper()
		deadline := time.After(d)
		for {
			select {
			case s, ok := <-states:
				if !ok {
					t.Fatalf("browser exited before %q:\n%s\n%s", want, browserLog(), srv.Logs())
				}
				if s == want {
					return
				}
				if s == "failed" {
					t.Fatalf("phone failed before %q:\n%s\n%s", want, browserLog(), srv.Logs())
				}
			case <-deadline:
				t.Fatalf("phone not %q after %v:\n%s\n%s", want, d, browserLog(), srv.Logs())
			}
		}
	}
	wait("registered", 30*time.Second)

	res := runSipp(t, "ws_browser_uac.xml", srv.Port, "-s", "alice")
	if res.Exit != 0 {
		t.Fatalf("sipp exit %d:\n%s\nbrowser:\n%s\ngosips:\n%s", res.Exit, res.Output, browserLog(), srv.Logs())
	}
	if !strings.Contains(res.Messages, "SIP/2.0 200 OK") || !strings.Contains(res.Messages, "a=fingerprint") {
		t.Errorf("sipp saw no 200 OK with an SDP answer:\n%s", res.Messages)
	}
	wait("ended", 20*time.Second)
	if err := cmd.Wait(); err != nil {
		t.Errorf("browser driver: %v\n%s", err, browserLog())
	}
	for _, f := range []string{"in-call.png", "final.png"} {
		if st, err := os.Stat(filepath.Join(logDir, f)); err != nil || st.Size() == 0 {
			t.Errorf("screenshot %s missing: %v", f, err)
		}
	}
	t.Logf("screenshots in %s", logDir)
}
