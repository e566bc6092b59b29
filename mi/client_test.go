package mi

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

func TestCLIParams(t *testing.T) {
	tests := []struct {
		cmd  string
		args []string
		want string // JSON; "null" for none
	}{
		{"ul_dump", nil, `null`},
		{"ul_show_contact", []string{"location", "alice@example.com"}, `["location","alice@example.com"]`},
		{"ul_dump", []string{"brief=1"}, `{"brief":"1"}`},
		{"ul_show_contact", []string{"table_name=location", "aor=a=b"}, `{"aor":"a=b","table_name":"location"}`},
		{"ul_show_contact", []string{"table_name=location", "bob"}, `["table_name=location","bob"]`},
		{"dlg_list", []string{"10"}, `["10"]`},
		{"get_statistics", []string{"rcv_requests", "core:"}, `[["rcv_requests","core:"]]`},
		{"get_statistics", []string{"statistics=rcv_requests core:"}, `{"statistics":["rcv_requests","core:"]}`},
		{"raise_event", []string{"E_X", "a", "b"}, `["E_X",["a","b"]]`},
		{"raise_event", []string{"E_X"}, `["E_X"]`},
	}
	for _, tt := range tests {
		t.Run(tt.cmd+" "+strings.Join(tt.args, " "), func(t *testing.T) {
			b, err := json.Marshal(CLIParams(tt.cmd, tt.args))
			if err != nil {
				t.Fatal(err)
			}
			if string(b) != tt.want {
				t.Errorf("got %s, want %s", b, tt.want)
			}
		})
	}
}

func TestNewRequest(t *testing.T) {
	b, err := NewRequest("ul_dump", nil, "7")
	if err != nil || string(b) != `{"jsonrpc":"2.0","method":"ul_dump","id":"7"}` {
		t.Errorf("got %s, %v", b, err)
	}
	b, err = NewRequest("x", []any{"<a>"}, "1")
	if err != nil || string(b) != `{"jsonrpc":"2.0","method":"x","params":["<a>"],"id":"1"}` {
		t.Errorf("got %s, %v", b, err)
	}
}

func TestCallHTTP(t *testing.T) {
	srv := httptest.NewServer(HTTPHandler("mi", newTestDispatcher(t)))
	defer srv.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()

	res, err := CallHTTP(ctx, srv.Client(), srv.URL+"/mi", "ul_show_contact", CLIParams("ul_show_contact", []string{"location", "bob"}))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(string(res), `{"AOR":"bob","Contacts":[{"Contact":"<sip:bob@127.0.0.1>"`) {
		t.Errorf("result %s", res)
	}

	_, err = CallHTTP(ctx, srv.Client(), srv.URL+"/mi", "ul_show_contact", []any{"x"})
	var me *Error
	if !errors.As(err, &me) || me.Code != CodeInvalidParams || me.Data != DetailCount {
		t.Errorf("err = %v, want Invalid params (Too few or too many parameters)", err)
	}

	_, err = CallHTTP(ctx, srv.Client(), srv.URL+"/other", "ul_dump", nil)
	if err == nil || !strings.Contains(err.Error(), "400") {
		t.Errorf("wrong root: err = %v", err)
	}
}

func TestParseReply(t *testing.T) {
	tests := []struct {
		in, want, wantErr string
	}{
		{`{"jsonrpc":"2.0","result":"OK","id":1}`, `"OK"`, ""},
		{`{"jsonrpc":"2.0","error":{"code":404,"message":"AOR not found"},"id":1}`, "", "404: AOR not found"},
		{`{"jsonrpc":"2.0","error":{"code":-32602,"message":"Invalid params","data":"Bad PID"},"id":1}`, "", "-32602: Invalid params (Bad PID)"},
		{`{"jsonrpc":"2.0","id":1}`, "", "-32603: Internal error"},
		{`not json`, "", "could not decode reply"},
	}
	for _, tt := range tests {
		res, err := ParseReply([]byte(tt.in))
		if tt.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("ParseReply(%s) err = %v, want %q", tt.in, err, tt.wantErr)
			}
			continue
		}
		if err != nil || string(res) != tt.want {
			t.Errorf("ParseReply(%s) = %s, %v", tt.in, res, err)
		}
	}
}

// The client sends what a stock mi_http expects: a POST with a JSON body.
func TestCallHTTPWire(t *testing.T) {
	var got *http.Request
	var body []byte
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got = r
		body, _ = io.ReadAll(r.Body)
		_, _ = io.WriteString(w, `{"jsonrpc":"2.0","result":"OK","id":"1"}`)
	}))
	defer srv.Close()
	if _, err := CallHTTP(context.Background(), srv.Client(), srv.URL+"/mi", "reg_reload", nil); err != nil {
		t.Fatal(err)
	}
	if got.Method != http.MethodPost || got.URL.Path != "/mi" || got.Header.Get("Content-Type") != "application/json" {
		t.Errorf("request %s %s %q", got.Method, got.URL.Path, got.Header.Get("Content-Type"))
	}
	var req map[string]any
	if err := json.Unmarshal(body, &req); err != nil || req["jsonrpc"] != "2.0" || req["method"] != "reg_reload" || req["id"] == nil {
		t.Errorf("body %s (%v)", body, err)
	}
}
