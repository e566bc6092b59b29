package mi

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"regexp"
	"strconv"
	"strings"
)

// arrayParams are the commands whose trailing arguments opensips-cli packs
// into one array parameter: command → (position, parameter name).
var arrayParams = map[string]struct {
	pos  int
	name string
}{
	"get_statistics":       {0, "statistics"},
	"list_statistics":      {0, "statistics"},
	"reset_statistics":     {0, "statistics"},
	"statistics:get":       {0, "statistics"},
	"statistics:list":      {0, "statistics"},
	"statistics:reset":     {0, "statistics"},
	"fs_subscribe":         {1, "events"},
	"fs_unsubscribe":       {1, "events"},
	"b2b_trigger_scenario": {1, "scenario_params"},
	"dlg_push_var":         {2, "DID"},
	"trace_start":          {0, "filter"},
	"raise_event":          {1, "params"},
}

var namedArg = regexp.MustCompile(`^[a-zA-Z.\-_]+=`)

// CLIParams builds a request's params from command-line words as
// opensips-cli does: when every word is name=value they are named (an
// object), otherwise positional (an array). Values stay strings; the array
// parameters of a few commands (get_statistics...) collect the remaining
// words. It returns nil when there are no words.
func CLIParams(cmd string, args []string) any {
	if len(args) == 0 {
		return nil
	}
	arr, isArr := arrayParams[cmd]
	named := true
	for _, a := range args {
		if !namedArg.MatchString(a) {
			named = false
			break
		}
	}
	if named {
		m := make(map[string]any, len(args))
		for _, a := range args {
			k, v, _ := strings.Cut(a, "=")
			if isArr && k == arr.name {
				m[k] = strings.Fields(v)
			} else {
				m[k] = v
			}
		}
		return m
	}
	out := make([]any, 0, len(args))
	if !isArr {
		for _, a := range args {
			out = append(out, a)
		}
		return out
	}
	for i, a := range args {
		if i == arr.pos {
			rest := make([]any, 0, len(args)-i)
			for _, r := range args[i:] {
				rest = append(rest, r)
			}
			return append(out, rest)
		}
		out = append(out, a)
	}
	return out
}

// NewRequest encodes a JSON-RPC 2.0 request; params may be nil.
func NewRequest(method string, params any, id string) ([]byte, error) {
	req := Object{{"jsonrpc", "2.0"}, {"method", method}}
	if params != nil {
		req.Add("params", params)
	}
	req.Add("id", id)
	return marshal(req)
}

func newID() string { return strconv.Itoa(rand.IntN(32768)) }

// ParseReply returns the result of a JSON-RPC response, or its error as an
// *Error.
func ParseReply(b []byte) (json.RawMessage, error) {
	var r struct {
		Result json.RawMessage `json:"result"`
		Error  *Error          `json:"error"`
	}
	if err := json.Unmarshal(b, &r); err != nil {
		return nil, fmt.Errorf("could not decode reply %q: %w", truncate(b), err)
	}
	if r.Error != nil {
		return nil, r.Error
	}
	if r.Result == nil {
		return nil, &Error{Code: -32603, Message: "Internal error"}
	}
	return r.Result, nil
}

func truncate(b []byte) string {
	if len(b) > 200 {
		return string(b[:200]) + "..."
	}
	return string(b)
}

// CallHTTP POSTs a request to an mi_http URL (http://127.0.0.1:8888/mi) and
// returns the result. A nil client is http.DefaultClient.
func CallHTTP(ctx context.Context, c *http.Client, url, method string, params any) (json.RawMessage, error) {
	if c == nil {
		c = http.DefaultClient
	}
	body, err := NewRequest(method, params, newID())
	if err != nil {
		return nil, fmt.Errorf("encode request: %w", err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return nil, fmt.Errorf("mi request: %w", err)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := c.Do(req)
	if err != nil {
		return nil, fmt.Errorf("mi request: %w", err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 64<<20))
	if err != nil {
		return nil, fmt.Errorf("read mi reply: %w", err)
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("mi request: %s: %s", resp.Status, strings.TrimSpace(truncate(b)))
	}
	return ParseReply(b)
}
