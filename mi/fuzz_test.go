package mi

import (
	"context"
	"encoding/json"
	"testing"
)

// FuzzHandle: any JSON-RPC body gets a valid JSON answer (or none, for
// notifications) and never panics the dispatcher.
func FuzzHandle(f *testing.F) {
	for _, s := range []string{
		`{"jsonrpc":"2.0","method":"ul_show_contact","params":{"table_name":"location","aor":"alice"},"id":1}`,
		`{"jsonrpc":"2.0","method":"ul_show_contact","params":["location","nobody"],"id":"x"}`,
		`[{"jsonrpc":"2.0","method":"usrloc:show_contact","params":["a","b"],"id":1},{"jsonrpc":"2.0","method":"nope"}]`,
		`{"jsonrpc":"2.0","method":"ul_show_contact","params":{"aor":1e400},"id":null}`,
		`{"jsonrpc":"2.0","method":"ul_show_contact"}`, `[]`, `[1,2]`, `{"method":5}`, `{`, `"x"`, `null`,
		`{"jsonrpc":"2.0","method":"ul_show_contact","params":{"table_name":{"a":[]},"aor":"\u0000"},"id":[1]}`,
	} {
		f.Add([]byte(s))
	}
	d, err := NewDispatcher(nil, fakeCommands()...)
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		out := d.Handle(context.Background(), body)
		if out != nil && !json.Valid(out) {
			t.Fatalf("answer is not JSON: %q", out)
		}
	})
}
