package mi

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"

	"gosips/api"
)

// echo returns the parameters it got, so tests see the recipe mapping.
func echo(_ context.Context, p api.MIParams) (any, error) { return map[string]any(p), nil }

type contact struct {
	Contact   string `json:"Contact"`
	ContactID string `json:"ContactID"`
	Expires   any    `json:"Expires"`
	Q         string `json:"Q"`
	UserAgent string `json:"User-agent,omitempty"`
}

func fakeCommands() []api.MICommand {
	return []api.MICommand{
		{Name: "ul_show_contact", Aliases: []string{"usrloc:show_contact"},
			Recipes: [][]string{{"table_name", "aor"}},
			Handler: func(_ context.Context, p api.MIParams) (any, error) {
				aor, err := Str(p, "aor")
				if err != nil {
					return nil, err
				}
				if aor == "nobody" {
					return nil, &api.MIError{Code: 404, Msg: "AOR not found"}
				}
				return Object{{"AOR", aor}, {"Contacts", []contact{{
					Contact: "<sip:" + aor + "@127.0.0.1>", ContactID: "932456229098241134", Expires: 54}}}}, nil
			}},
		{Name: "ul_dump", Aliases: []string{"usrloc:dump"},
			Recipes: [][]string{{}, {"brief"}}, Handler: echo},
		{Name: "t_uac_dlg", Aliases: []string{"tm:uac_dlg"}, NamedOnly: true,
			Recipes: [][]string{{"method", "ruri"}, {"method", "ruri", "headers"}}, Handler: echo},
		{Name: "two_pairs", Recipes: [][]string{{"a", "b"}, {"c", "d"}}, Handler: echo},
		{Name: "opt", Recipes: [][]string{{"x"}, {"x", "y"}}, Handler: echo},
		{Name: "noimpl", Recipes: [][]string{{}}},
		{Name: "boom", Handler: func(context.Context, api.MIParams) (any, error) { panic("bad") }},
		{Name: "dbfail", Handler: func(context.Context, api.MIParams) (any, error) {
			return nil, errors.New("db down")
		}},
		{Name: "wrapped", Handler: func(context.Context, api.MIParams) (any, error) {
			return nil, fmt.Errorf("lookup: %w", &api.MIError{Code: 400, Msg: "Domain missing in AOR"})
		}},
		{Name: "unencodable", Handler: func(context.Context, api.MIParams) (any, error) {
			return make(chan int), nil
		}},
		{Name: "first", Aliases: []string{"mod_a:dup"}, Handler: echo},
		{Name: "second", Aliases: []string{"mod_b:dup"}, Handler: echo},
	}
}

func newTestDispatcher(t *testing.T) *Dispatcher {
	t.Helper()
	d, err := NewDispatcher(nil, fakeCommands()...)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func TestHandle(t *testing.T) {
	d := newTestDispatcher(t)
	const (
		notFound      = `{"jsonrpc":"2.0","error":{"code":-32601,"message":"Method not found"},"id":1}`
		invalidReq    = `{"jsonrpc":"2.0","error":{"code":-32600,"message":"Invalid Request"},"id":null}`
		parseErr      = `{"jsonrpc":"2.0","error":{"code":-32700,"message":"Parse error"},"id":null}`
		tooFewOrMany  = `{"jsonrpc":"2.0","error":{"code":-32602,"message":"Invalid params","data":"Too few or too many parameters"},"id":1}`
		namesNoMatch  = `{"jsonrpc":"2.0","error":{"code":-32602,"message":"Invalid params","data":"Named parameters do not match"},"id":1}`
		ambiguousCall = `{"jsonrpc":"2.0","error":{"code":-32602,"message":"Invalid params","data":"Ambiguous call, use named parameters instead"},"id":1}`
		namedOnly     = `{"jsonrpc":"2.0","error":{"code":-32602,"message":"Invalid params","data":"Command only supports named parameters"},"id":1}`
		contactOK     = `{"jsonrpc":"2.0","result":{"AOR":"bob","Contacts":[{"Contact":"<sip:bob@127.0.0.1>","ContactID":"932456229098241134","Expires":54,"Q":""}]},"id":1}`
	)
	tests := []struct {
		name string
		req  string
		want string // "" = no response
	}{
		{"positional", `{"jsonrpc":"2.0","method":"ul_show_contact","params":["location","bob"],"id":1}`, contactOK},
		{"named", `{"jsonrpc":"2.0","method":"ul_show_contact","params":{"aor":"bob","table_name":"location"},"id":1}`, contactOK},
		{"4.x alias", `{"jsonrpc":"2.0","method":"usrloc:show_contact","params":["location","bob"],"id":1}`, contactOK},
		{"4.x short name", `{"jsonrpc":"2.0","method":"show_contact","params":["location","bob"],"id":1}`, contactOK},
		{"string id", `{"jsonrpc":"2.0","method":"ul_dump","id":"abc"}`, `{"jsonrpc":"2.0","result":{},"id":"abc"}`},
		{"null id", `{"jsonrpc":"2.0","method":"ul_dump","id":null}`, `{"jsonrpc":"2.0","result":{},"id":null}`},
		{"no params recipe", `{"jsonrpc":"2.0","method":"ul_dump","id":1}`, `{"jsonrpc":"2.0","result":{},"id":1}`},
		{"empty array is no params", `{"jsonrpc":"2.0","method":"ul_dump","params":[],"id":1}`, `{"jsonrpc":"2.0","result":{},"id":1}`},
		{"empty object is no params", `{"jsonrpc":"2.0","method":"ul_dump","params":{},"id":1}`, `{"jsonrpc":"2.0","result":{},"id":1}`},
		{"optional param positional", `{"jsonrpc":"2.0","method":"ul_dump","params":["1"],"id":1}`, `{"jsonrpc":"2.0","result":{"brief":"1"},"id":1}`},
		{"number kept", `{"jsonrpc":"2.0","method":"ul_dump","params":{"brief":1},"id":1}`, `{"jsonrpc":"2.0","result":{"brief":1},"id":1}`},
		{"count picks recipe", `{"jsonrpc":"2.0","method":"opt","params":["1","2"],"id":1}`, `{"jsonrpc":"2.0","result":{"x":"1","y":"2"},"id":1}`},
		{"handler 404", `{"jsonrpc":"2.0","method":"ul_show_contact","params":["location","nobody"],"id":4}`,
			`{"jsonrpc":"2.0","error":{"code":404,"message":"AOR not found"},"id":4}`},
		{"wrapped MIError", `{"jsonrpc":"2.0","method":"wrapped","id":1}`,
			`{"jsonrpc":"2.0","error":{"code":400,"message":"Domain missing in AOR"},"id":1}`},
		{"plain error is 500", `{"jsonrpc":"2.0","method":"dbfail","id":1}`,
			`{"jsonrpc":"2.0","error":{"code":500,"message":"db down"},"id":1}`},
		{"nil handler", `{"jsonrpc":"2.0","method":"noimpl","id":1}`,
			`{"jsonrpc":"2.0","error":{"code":500,"message":"command not implemented"},"id":1}`},
		{"panic", `{"jsonrpc":"2.0","method":"boom","id":1}`,
			`{"jsonrpc":"2.0","error":{"code":500,"message":"Internal error"},"id":1}`},
		{"unencodable result", `{"jsonrpc":"2.0","method":"unencodable","id":1}`,
			`{"jsonrpc":"2.0","error":{"code":-32000,"message":"Server error","data":"failed to encode result: json: unsupported type: chan int"},"id":1}`},
		{"unknown method", `{"jsonrpc":"2.0","method":"nope","id":1}`, notFound},
		{"unknown module prefix", `{"jsonrpc":"2.0","method":"other:show_contact","id":1}`, notFound},
		{"ambiguous short name", `{"jsonrpc":"2.0","method":"dup","id":1}`,
			`{"jsonrpc":"2.0","error":{"code":-32001,"message":"Method ambiguous","data":"supported names: first, second"},"id":1}`},
		{"too many positional", `{"jsonrpc":"2.0","method":"ul_show_contact","params":["a","b","c"],"id":1}`, tooFewOrMany},
		{"too few positional", `{"jsonrpc":"2.0","method":"ul_show_contact","params":["a"],"id":1}`, tooFewOrMany},
		{"missing params", `{"jsonrpc":"2.0","method":"ul_show_contact","id":1}`, tooFewOrMany},
		{"params to no-param command", `{"jsonrpc":"2.0","method":"boom","params":["x"],"id":1}`, tooFewOrMany},
		{"named wrong count", `{"jsonrpc":"2.0","method":"ul_show_contact","params":{"aor":"x"},"id":1}`, tooFewOrMany},
		{"named wrong names", `{"jsonrpc":"2.0","method":"ul_show_contact","params":{"aor":"x","table":"y"},"id":1}`, namesNoMatch},
		{"positional ambiguous", `{"jsonrpc":"2.0","method":"two_pairs","params":["1","2"],"id":1}`, ambiguousCall},
		{"named resolves ambiguity", `{"jsonrpc":"2.0","method":"two_pairs","params":{"c":"1","d":"2"},"id":1}`,
			`{"jsonrpc":"2.0","result":{"c":"1","d":"2"},"id":1}`},
		{"named only", `{"jsonrpc":"2.0","method":"t_uac_dlg","params":["INVITE","sip:a@b"],"id":1}`, namedOnly},
		{"named only, named", `{"jsonrpc":"2.0","method":"t_uac_dlg","params":{"method":"INVITE","ruri":"sip:a@b"},"id":1}`,
			`{"jsonrpc":"2.0","result":{"method":"INVITE","ruri":"sip:a@b"},"id":1}`},
		{"notification", `{"jsonrpc":"2.0","method":"ul_dump"}`, ""},
		{"notification error", `{"jsonrpc":"2.0","method":"nope"}`, ""},
		{"notification bad params", `{"jsonrpc":"2.0","method":"ul_show_contact","params":["x"]}`, ""},
		{"bad JSON", `{"jsonrpc":"2.0","method":`, parseErr},
		{"empty body", ``, parseErr},
		{"not an object", `"ul_dump"`, invalidReq},
		{"wrong version", `{"jsonrpc":"1.0","method":"ul_dump","id":1}`,
			`{"jsonrpc":"2.0","error":{"code":-32600,"message":"Invalid Request"},"id":1}`},
		{"no version", `{"method":"ul_dump","id":1}`,
			`{"jsonrpc":"2.0","error":{"code":-32600,"message":"Invalid Request"},"id":1}`},
		{"invalid without id answered", `{"jsonrpc":"2.0","method":5}`, invalidReq},
		{"method not a string", `{"jsonrpc":"2.0","method":["x"],"id":1}`,
			`{"jsonrpc":"2.0","error":{"code":-32600,"message":"Invalid Request"},"id":1}`},
		{"params scalar", `{"jsonrpc":"2.0","method":"ul_dump","params":"x","id":1}`,
			`{"jsonrpc":"2.0","error":{"code":-32600,"message":"Invalid Request"},"id":1}`},
		{"params null", `{"jsonrpc":"2.0","method":"ul_dump","params":null,"id":1}`,
			`{"jsonrpc":"2.0","error":{"code":-32600,"message":"Invalid Request"},"id":1}`},
		{"id object", `{"jsonrpc":"2.0","method":"ul_dump","id":{}}`, invalidReq},
		{"batch", `[{"jsonrpc":"2.0","method":"ul_dump","id":1},{"jsonrpc":"2.0","method":"ul_dump"},{"jsonrpc":"2.0","method":"nope","id":2}]`,
			`[{"jsonrpc":"2.0","result":{},"id":1},{"jsonrpc":"2.0","error":{"code":-32601,"message":"Method not found"},"id":2}]`},
		{"batch of notifications", `[{"jsonrpc":"2.0","method":"ul_dump"}]`, ""},
		{"empty batch", `[]`, invalidReq},
		{"bad batch", `[{"jsonrpc"`, parseErr},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := string(d.Handle(context.Background(), []byte(tt.req)))
			if got != tt.want {
				t.Errorf("Handle(%s)\n got %s\nwant %s", tt.req, got, tt.want)
			}
		})
	}
}

func TestRegisterErrors(t *testing.T) {
	tests := []struct {
		name string
		cmds []api.MICommand
		want string
	}{
		{"duplicate", []api.MICommand{{Name: "a"}, {Name: "a"}}, `mi command "a" already registered`},
		{"no name", []api.MICommand{{}}, "without a name"},
		{"param twice", []api.MICommand{{Name: "a", Recipes: [][]string{{"x", "x"}}}}, `parameter "x" twice`},
		{"same recipe twice", []api.MICommand{{Name: "a", Recipes: [][]string{{"x", "y"}, {"y", "x"}}}}, "given twice"},
		{"empty param", []api.MICommand{{Name: "a", Recipes: [][]string{{""}}}}, "empty parameter name"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := NewDispatcher(nil, tt.cmds...)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want %q", err, tt.want)
			}
		})
	}
	d := newTestDispatcher(t)
	if err := d.Register(api.MICommand{Name: "new"}, api.MICommand{Name: "ul_dump"}); err == nil {
		t.Fatal("registering an existing name: no error")
	}
	if _, ok := d.Lookup("new"); ok {
		t.Error("a failed Register added part of its commands")
	}
}

func TestLookup(t *testing.T) {
	d := newTestDispatcher(t)
	for name, want := range map[string]string{
		"ul_dump": "ul_dump", "usrloc:dump": "ul_dump", "dump": "ul_dump",
		"tm:uac_dlg": "t_uac_dlg", "uac_dlg": "t_uac_dlg",
		"dup": "", "mod_a:dup": "first", "nope": "",
	} {
		c, ok := d.Lookup(name)
		if ok != (want != "") || c.Name != want {
			t.Errorf("Lookup(%q) = %q, %v; want %q", name, c.Name, ok, want)
		}
	}
}

func TestObjectOrderAndEscaping(t *testing.T) {
	o := NewObject("z", 1, "a", "<sip:a@b>&")
	o.Add("m", Object{{"k", nil}})
	b, err := marshal(o)
	if err != nil {
		t.Fatal(err)
	}
	if want := `{"z":1,"a":"<sip:a@b>&","m":{"k":null}}`; string(b) != want {
		t.Errorf("got %s, want %s", b, want)
	}
	if v, ok := o.Get("a"); !ok || v != "<sip:a@b>&" {
		t.Errorf("Get(a) = %v, %v", v, ok)
	}
}

func TestConcurrentHandle(t *testing.T) {
	d := newTestDispatcher(t)
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range 200 {
				if j == 100 {
					_ = d.Register(api.MICommand{Name: fmt.Sprintf("late%d", i), Handler: echo})
				}
				got := string(d.Handle(context.Background(), []byte(`{"jsonrpc":"2.0","method":"ul_dump","params":["1"],"id":7}`)))
				if got != `{"jsonrpc":"2.0","result":{"brief":"1"},"id":7}` {
					t.Errorf("got %s", got)
					return
				}
			}
		}()
	}
	wg.Wait()
	if n := len(d.Names()); n != len(fakeCommands())+8 {
		t.Errorf("Names: %d commands", n)
	}
}

func TestParams(t *testing.T) {
	p := api.MIParams{"s": "12", "n": jsonNumber("7"), "f": "x", "arr": []any{"a", jsonNumber("2")}, "bad": []any{true}}
	if v, err := Int(p, "s"); err != nil || v != 12 {
		t.Errorf("Int(s) = %v, %v", v, err)
	}
	if v, err := Int(p, "n"); err != nil || v != 7 {
		t.Errorf("Int(n) = %v, %v", v, err)
	}
	if v, err := Str(p, "n"); err != nil || v != "7" {
		t.Errorf("Str(n) = %v, %v", v, err)
	}
	if _, err := Int(p, "f"); err == nil || err.Error() != "-32602: Invalid params (Bad type for parameter 'f')" {
		t.Errorf("Int(f) err = %v", err)
	}
	if v, err := Strings(p, "arr"); err != nil || strings.Join(v, ",") != "a,2" {
		t.Errorf("Strings(arr) = %v, %v", v, err)
	}
	if _, err := Strings(p, "bad"); err == nil || !strings.Contains(err.Error(), "Bad type for array item in parameter 'bad'") {
		t.Errorf("Strings(bad) err = %v", err)
	}
	if _, err := Str(p, "missing"); err == nil || !strings.Contains(err.Error(), "-32000") {
		t.Errorf("Str(missing) err = %v", err)
	}
}

func jsonNumber(s string) any { return json.Number(s) }

func TestNewObjectPanics(t *testing.T) {
	for _, kv := range [][]any{{"a"}, {1, 2}} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("NewObject(%v) did not panic", kv)
				}
			}()
			NewObject(kv...)
		}()
	}
}
