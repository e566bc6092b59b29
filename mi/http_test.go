package mi

import (
	"context"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"
)

func startHTTP(t *testing.T, opts ...Option) string {
	t.Helper()
	s := NewHTTPServer("127.0.0.1:0", "mi", newTestDispatcher(t), opts...)
	ctx, cancel := context.WithCancel(context.Background())
	if err := s.Start(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		sctx, scancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer scancel()
		if err := s.Shutdown(sctx); err != nil {
			t.Errorf("shutdown: %v", err)
		}
		cancel()
	})
	return "http://" + s.Addr().String()
}

func TestHTTPServer(t *testing.T) {
	base := startHTTP(t)
	client := &http.Client{Timeout: 5 * time.Second}
	tests := []struct {
		name, method, path, ctype, body string
		wantCode                        int
		wantBody                        string
		wantCType                       string
	}{
		{"call", "POST", "/mi", "application/json",
			`{"jsonrpc":"2.0","method":"ul_dump","params":{"brief":"1"},"id":1}`,
			200, `{"jsonrpc":"2.0","result":{"brief":"1"},"id":1}`, "application/json"},
		{"charset and subpath", "POST", "/mi/extra", "application/json; charset=utf-8",
			`{"jsonrpc":"2.0","method":"ul_dump","id":"x"}`,
			200, `{"jsonrpc":"2.0","result":{},"id":"x"}`, "application/json"},
		{"rpc error is 200", "POST", "/mi", "application/json",
			`{"jsonrpc":"2.0","method":"nope","id":1}`,
			200, `{"jsonrpc":"2.0","error":{"code":-32601,"message":"Method not found"},"id":1}`, "application/json"},
		{"parse error", "POST", "/mi", "application/json", `{`,
			200, `{"jsonrpc":"2.0","error":{"code":-32700,"message":"Parse error"},"id":null}`, "application/json"},
		{"notification", "POST", "/mi", "application/json", `{"jsonrpc":"2.0","method":"ul_dump"}`, 202, "", ""},
		{"empty body", "POST", "/mi", "application/json", "", 400, "", ""},
		{"GET", "GET", "/mi", "", "", 405, "", ""},
		{"PUT", "PUT", "/mi", "", "", 406, pageBadMethod, "text/html"},
		{"other root", "POST", "/json", "application/json", `{}`, 400, pageBadURL, "text/html"},
		{"root prefix only", "POST", "/mix", "application/json", `{}`, 400, pageBadURL, "text/html"},
		{"bad content type", "POST", "/mi", "text/plain", `{}`, 415, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, err := http.NewRequest(tt.method, base+tt.path, strings.NewReader(tt.body))
			if err != nil {
				t.Fatal(err)
			}
			if tt.ctype != "" {
				req.Header.Set("Content-Type", tt.ctype)
			}
			resp, err := client.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			b, _ := io.ReadAll(resp.Body)
			if resp.StatusCode != tt.wantCode {
				t.Errorf("status %d, want %d (body %q)", resp.StatusCode, tt.wantCode, b)
			}
			if tt.wantBody != "" && string(b) != tt.wantBody {
				t.Errorf("body %s, want %s", b, tt.wantBody)
			}
			if tt.wantCType != "" && resp.Header.Get("Content-Type") != tt.wantCType {
				t.Errorf("Content-Type %q, want %q", resp.Header.Get("Content-Type"), tt.wantCType)
			}
		})
	}
}

func TestHTTPPretty(t *testing.T) {
	base := startHTTP(t, WithPretty(true))
	resp, err := http.Post(base+"/mi", "application/json",
		strings.NewReader(`{"jsonrpc":"2.0","method":"ul_dump","id":1}`))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	want := "{\n\t\"jsonrpc\": \"2.0\",\n\t\"result\": {},\n\t\"id\": 1\n}"
	if string(b) != want {
		t.Errorf("got %q, want %q", b, want)
	}
}

func TestHTTPStartErrors(t *testing.T) {
	d := newTestDispatcher(t)
	s := NewHTTPServer("127.0.0.1:0", "", d)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	if err := s.Start(ctx); err != nil {
		t.Fatal(err)
	}
	if err := s.Start(ctx); err == nil {
		t.Error("second Start: no error")
	}
	// Another server on the same port must fail to bind.
	busy := NewHTTPServer(s.Addr().String(), "mi", d)
	if err := busy.Start(ctx); err == nil || !strings.Contains(err.Error(), "listen on") {
		t.Errorf("bind on a busy port: err = %v", err)
	}
	// Cancelling the start context stops the server.
	cancel()
	deadline := time.Now().Add(5 * time.Second)
	for {
		_, err := http.Post("http://"+s.Addr().String()+"/mi", "application/json", strings.NewReader("{}"))
		if err != nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("server still answering after its context was cancelled")
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestHTTPCrossSite: a browser page must not be able to run MI commands
// (a no-cors form POST, DNS rebinding): no or another Content-Type is
// 415, a Host that is not the bound address or a foreign Origin 403.
func TestHTTPCrossSite(t *testing.T) {
	base := startHTTP(t)
	hostport := strings.TrimPrefix(base, "http://")
	_, port, _ := strings.Cut(hostport, ":")
	const body = `{"jsonrpc":"2.0","method":"ul_dump","id":1}`
	tests := []struct {
		name string
		hdr  map[string]string
		host string
		want int
	}{
		{"plain call", map[string]string{"Content-Type": "application/json"}, "", 200},
		{"no content type", nil, "", 415},
		{"form post", map[string]string{"Content-Type": "application/x-www-form-urlencoded"}, "", 415},
		{"text/plain (no-cors)", map[string]string{"Content-Type": "text/plain"}, "", 415},
		{"rebound host name", map[string]string{"Content-Type": "application/json"}, "attacker.example:" + port, 403},
		{"host without port", map[string]string{"Content-Type": "application/json"}, "127.0.0.1", 403},
		{"localhost", map[string]string{"Content-Type": "application/json"}, "localhost:" + port, 200},
		{"cross-site origin", map[string]string{"Content-Type": "application/json", "Origin": "http://attacker.example"}, "", 403},
		{"null origin", map[string]string{"Content-Type": "application/json", "Origin": "null"}, "", 403},
		{"same origin", map[string]string{"Content-Type": "application/json", "Origin": base}, "", 200},
		{"sec-fetch cross-site", map[string]string{"Content-Type": "application/json", "Sec-Fetch-Site": "cross-site"}, "", 403},
	}
	client := &http.Client{Timeout: 5 * time.Second}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, _ := http.NewRequest("POST", base+"/mi", strings.NewReader(body))
			for k, v := range tt.hdr {
				req.Header.Set(k, v)
			}
			if tt.host != "" {
				req.Host = tt.host
			}
			resp, err := client.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != tt.want {
				t.Errorf("status %d, want %d", resp.StatusCode, tt.want)
			}
		})
	}
}
