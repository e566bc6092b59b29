package e2e

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// lspClient drives "gosips lsp" over its standard input and output.
type lspClient struct {
	t      *testing.T
	in     io.WriteCloser
	msgs   chan map[string]any
	nextID int
}

func startLSP(t *testing.T) (*lspClient, *exec.Cmd) {
	cmd := exec.Command(gosipsBin(t), "lsp")
	in, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	c := &lspClient{t: t, in: in, msgs: make(chan map[string]any, 64)}
	go func() {
		defer close(c.msgs)
		r := bufio.NewReader(out)
		for {
			n := -1
			for {
				line, err := r.ReadString('\n')
				if err != nil {
					return
				}
				line = strings.TrimSpace(line)
				if line == "" {
					break
				}
				if v, ok := strings.CutPrefix(line, "Content-Length:"); ok {
					n, _ = strconv.Atoi(strings.TrimSpace(v))
				}
			}
			if n < 0 {
				return
			}
			body := make([]byte, n)
			if _, err := io.ReadFull(r, body); err != nil {
				return
			}
			var m map[string]any
			if json.Unmarshal(body, &m) == nil {
				c.msgs <- m
			}
		}
	}()
	t.Cleanup(func() {
		in.Close()
		done := make(chan struct{})
		go func() { cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			cmd.Process.Kill()
			<-done
		}
	})
	return c, cmd
}

func (c *lspClient) send(m map[string]any) {
	c.t.Helper()
	m["jsonrpc"] = "2.0"
	b, _ := json.Marshal(m)
	if _, err := fmt.Fprintf(c.in, "Content-Length: %d\r\n\r\n%s", len(b), b); err != nil {
		c.t.Fatal(err)
	}
}

func (c *lspClient) notify(method string, params any) {
	c.send(map[string]any{"method": method, "params": params})
}

// call sends a request and returns its result (failing on an error).
func (c *lspClient) call(method string, params any) any {
	c.t.Helper()
	c.nextID++
	id := c.nextID
	c.send(map[string]any{"id": id, "method": method, "params": params})
	for {
		m := c.wait(func(m map[string]any) bool { return m["id"] != nil })
		if fmt.Sprint(m["id"]) != strconv.Itoa(id) {
			continue
		}
		if e := m["error"]; e != nil {
			c.t.Fatalf("%s: error %v", method, e)
		}
		return m["result"]
	}
}

// wait returns the next message that match accepts, skipping others.
func (c *lspClient) wait(match func(map[string]any) bool) map[string]any {
	c.t.Helper()
	timeout := time.After(10 * time.Second)
	for {
		select {
		case m, ok := <-c.msgs:
			if !ok {
				c.t.Fatal("gosips lsp closed its output")
			}
			if match(m) {
				return m
			}
		case <-timeout:
			c.t.Fatal("no answer from gosips lsp")
		}
	}
}

func (c *lspClient) diagnostics(uri string) []any {
	c.t.Helper()
	m := c.wait(func(m map[string]any) bool {
		if m["method"] != "textDocument/publishDiagnostics" {
			return false
		}
		return m["params"].(map[string]any)["uri"] == uri
	})
	d, _ := m["params"].(map[string]any)["diagnostics"].([]any)
	return d
}

// lspPos finds the 0-based line and column of the n-th (1-based)
// occurrence of needle in text, plus offset inside the needle.
func lspPos(t *testing.T, text, needle string, n, plus int) map[string]any {
	t.Helper()
	off := -1
	for i := 0; i < n; i++ {
		j := strings.Index(text[off+1:], needle)
		if j < 0 {
			t.Fatalf("%q not found %d times", needle, n)
		}
		off += 1 + j
	}
	off += plus
	line := strings.Count(text[:off], "\n")
	col := off - (strings.LastIndex(text[:off], "\n") + 1)
	return map[string]any{"line": line, "character": col}
}

func lspDoc(uri string, pos map[string]any) map[string]any {
	return map[string]any{"textDocument": map[string]any{"uri": uri}, "position": pos}
}

// TestLSPScripted drives gosips lsp like an editor: initialize, open the
// example config with an unknown function in it (diagnostic at its
// line:col), hover on t_relay, complete after modparam("tm", ", jump to
// the definition of route(relay), list references and symbols, format,
// fix the error (diagnostics clear), shut down.
func TestLSPScripted(t *testing.T) {
	src, err := os.ReadFile("../examples/opensips.cfg")
	if err != nil {
		t.Fatal(err)
	}
	good := string(src)
	bad := strings.Replace(good, "\tif (!t_relay()) {", "\tt_relax();\n\tif (!t_relay()) {", 1)
	dir := t.TempDir()
	path := filepath.Join(dir, "opensips.cfg")
	os.WriteFile(path, []byte(bad), 0o644)
	uri := "file://" + path

	c, cmd := startLSP(t)
	init := c.call("initialize", map[string]any{"processId": os.Getpid(), "rootUri": "file://" + dir, "capabilities": map[string]any{}})
	caps := init.(map[string]any)["capabilities"].(map[string]any)
	for _, k := range []string{"hoverProvider", "completionProvider", "definitionProvider", "referencesProvider",
		"documentSymbolProvider", "documentFormattingProvider"} {
		if caps[k] == nil || caps[k] == false {
			t.Errorf("initialize: capability %s missing: %v", k, caps)
		}
	}
	c.notify("initialized", map[string]any{})

	c.notify("textDocument/didOpen", map[string]any{"textDocument": map[string]any{
		"uri": uri, "languageId": "opensips", "version": 1, "text": bad}})
	diags := c.diagnostics(uri)
	want := lspPos(t, bad, "t_relax", 1, 0)
	found := false
	for _, d := range diags {
		d := d.(map[string]any)
		start := d["range"].(map[string]any)["start"].(map[string]any)
		msg := d["message"].(string)
		if strings.Contains(msg, "t_relax") {
			found = true
			if start["line"] != float64(want["line"].(int)) || start["character"] != float64(want["character"].(int)) {
				t.Errorf("diagnostic %q at %v, want %v", msg, start, want)
			}
			if d["severity"] != float64(1) {
				t.Errorf("diagnostic %q severity %v, want 1 (error)", msg, d["severity"])
			}
		}
	}
	if !found {
		t.Fatalf("no diagnostic for t_relax: %v", diags)
	}

	hover := c.call("textDocument/hover", lspDoc(uri, lspPos(t, bad, "t_relay()", 1, 2)))
	hv, _ := hover.(map[string]any)
	if hv == nil || !strings.Contains(fmt.Sprint(hv["contents"]), "t_relay(") || !strings.Contains(fmt.Sprint(hv["contents"]), "module **tm**") {
		t.Errorf("hover on t_relay: %v", hover)
	}

	comp := c.call("textDocument/completion", lspDoc(uri, lspPos(t, bad, `modparam("tm", "`, 1, len(`modparam("tm", "`))))
	labels := map[string]bool{}
	for _, it := range comp.(map[string]any)["items"].([]any) {
		labels[it.(map[string]any)["label"].(string)] = true
	}
	for _, p := range []string{"fr_timeout", "fr_inv_timeout", "restart_fr_on_each_reply", "onreply_avp_mode"} {
		if !labels[p] {
			t.Errorf("completion after modparam(\"tm\", \" lacks %s (got %d items)", p, len(labels))
		}
	}
	if labels["max_contacts"] {
		t.Errorf("completion offers a registrar parameter for tm")
	}

	def := c.call("textDocument/definition", lspDoc(uri, lspPos(t, bad, "route(relay)", 1, len("route(r"))))
	dm, _ := def.(map[string]any)
	wantDef := lspPos(t, bad, "route[relay]", 1, len("route["))
	if dm == nil || dm["uri"] != uri || fmt.Sprint(dm["range"].(map[string]any)["start"]) != fmt.Sprint(map[string]any{"character": float64(wantDef["character"].(int)), "line": float64(wantDef["line"].(int))}) {
		t.Errorf("definition of route(relay): %v, want %v", def, wantDef)
	}

	refs := c.call("textDocument/references", map[string]any{"textDocument": map[string]any{"uri": uri},
		"position": lspPos(t, bad, "route[relay]", 1, len("route[")), "context": map[string]any{"includeDeclaration": true}})
	if n := len(refs.([]any)); n != strings.Count(bad, "route(relay)")+1 {
		t.Errorf("references of relay: %d, want %d", n, strings.Count(bad, "route(relay)")+1)
	}

	syms := c.call("textDocument/documentSymbol", map[string]any{"textDocument": map[string]any{"uri": uri}})
	var names []string
	for _, s := range syms.([]any) {
		names = append(names, s.(map[string]any)["name"].(string))
	}
	if strings.Join(names, ",") != "route,route[relay],branch_route[per_branch],onreply_route[handle_reply],failure_route[missed_call]" {
		t.Errorf("document symbols: %v", names)
	}

	edits := c.call("textDocument/formatting", map[string]any{"textDocument": map[string]any{"uri": uri},
		"options": map[string]any{"tabSize": 8, "insertSpaces": false}})
	if e, ok := edits.([]any); !ok || len(e) != 0 {
		t.Errorf("formatting an already formatted file: %v", edits)
	}

	c.notify("textDocument/didChange", map[string]any{"textDocument": map[string]any{"uri": uri, "version": 2},
		"contentChanges": []any{map[string]any{"text": good}}})
	if d := c.diagnostics(uri); len(d) != 0 {
		t.Errorf("diagnostics after the fix: %v", d)
	}

	c.call("shutdown", nil)
	c.notify("exit", nil)
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Errorf("gosips lsp did not exit after exit")
	}
}
