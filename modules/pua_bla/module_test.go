package puabla

import (
	"slices"
	"testing"

	"gosips/api"
)

// The export table is OpenSIPS 3.6's (modules/pua_bla/pua_bla.c).
func TestExports(t *testing.T) {
	m := &Module{}
	var params []string
	for _, p := range m.Params() {
		params = append(params, p.Name)
	}
	if want := []string{"server_address", "default_domain", "header_name", "outbound_proxy", "presence_server"}; !slices.Equal(params, want) {
		t.Errorf("params %v, want %v", params, want)
	}
	var funcs []string
	for _, f := range m.Funcs() {
		if f.Call == nil || f.Routes != api.RequestRoute || len(f.Args) != 0 {
			t.Errorf("function %s: %+v", f.Name, f)
		}
		funcs = append(funcs, f.Name)
	}
	if !slices.Equal(funcs, []string{"bla_set_flag", "bla_handle_notify"}) {
		t.Errorf("functions %v", funcs)
	}
	if err := m.Validate(nil); err == nil {
		t.Error("server_address and header_name are compulsory")
	}
}

func TestSubStateExpires(t *testing.T) {
	for v, want := range map[string]int{"active;expires=60": 60, "pending": 3600, "terminated;reason=timeout": 0, "active": 3600} {
		if got, ok := subStateExpires(v); !ok || got != want {
			t.Errorf("%q: %d %v, want %d", v, got, ok, want)
		}
	}
	if _, ok := subStateExpires("bogus"); ok {
		t.Error("bogus state accepted")
	}
}

func TestValidBody(t *testing.T) {
	ok := []string{`<dialog-info xmlns="urn:ietf:params:xml:ns:dialog-info"/>`,
		`<dialog-info><dialog id="1"><state>early</state></dialog></dialog-info>`}
	bad := []string{`<presence/>`, `<dialog-info><foo/></dialog-info>`, `<dialog-info>`}
	for _, b := range ok {
		if err := validBody([]byte(b)); err != nil {
			t.Errorf("%s: %v", b, err)
		}
	}
	for _, b := range bad {
		if validBody([]byte(b)) == nil {
			t.Errorf("%s accepted", b)
		}
	}
}
