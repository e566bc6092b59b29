package dialog

import (
	"strings"
	"testing"

	"gosips/api"
)

// The export table against OpenSIPS 3.6 dialog.c: names and route types.
func TestFuncTable(t *testing.T) {
	rfob := api.RequestRoute | api.FailureRoute | api.OnReplyRoute | api.BranchRoute
	want := map[string]api.RouteType{
		"create_dialog": api.RequestRoute, "match_dialog": api.RequestRoute,
		"validate_dialog": api.RequestRoute, "fix_route_dialog": api.RequestRoute,
		"get_dialog_info": api.AllRoutes, "get_dialog_vals": api.AllRoutes,
		"get_dialogs_by_val": api.AllRoutes, "get_dialogs_by_profile": api.AllRoutes,
		"load_dialog_ctx": api.AllRoutes, "unload_dialog_ctx": api.AllRoutes,
		"set_dlg_profile": rfob, "unset_dlg_profile": rfob, "is_in_profile": rfob,
		"get_profile_size": api.AllRoutes,
		"set_dlg_flag":     rfob | api.LocalRoute, "test_and_set_dlg_flag": rfob | api.LocalRoute,
		"reset_dlg_flag": rfob | api.LocalRoute, "is_dlg_flag_set": rfob | api.LocalRoute,
		"store_dlg_value": rfob | api.LocalRoute, "fetch_dlg_value": rfob | api.LocalRoute,
		"set_dlg_sharing_tag": api.RequestRoute,
		"dlg_on_timeout":      rfob, "dlg_on_answer": rfob, "dlg_on_hangup": rfob,
		"dlg_send_sequential": api.AllRoutes, "dlg_inc_cseq": rfob | api.LocalRoute,
	}
	m := New()
	for _, f := range m.Funcs() {
		r, ok := want[f.Name]
		if !ok {
			t.Errorf("%s is not an OpenSIPS dialog function", f.Name)
			continue
		}
		if r != f.Routes {
			t.Errorf("%s routes = %v, want %v", f.Name, f.Routes, r)
		}
		delete(want, f.Name)
	}
	for n := range want {
		t.Errorf("%s missing", n)
	}
}

func fixup(t *testing.T, m *Module, fn string, arg int, s string) (any, error) {
	t.Helper()
	for _, f := range m.Funcs() {
		if f.Name == fn {
			a := &api.FixArg{Const: true, Given: true, Str: s}
			err := f.Args[arg].Fixup(&api.FixupCtx{Route: func(api.RouteType, string) bool { return s == "known" }}, a)
			return a.Fixed, err
		}
	}
	t.Fatalf("no function %s", fn)
	return nil, nil
}

func TestFixups(t *testing.T) {
	m := New()
	if err := m.addProfileDefs("caller; callee", true); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		fn      string
		arg     int
		in      string
		want    any
		wantErr string
	}{
		{"create_dialog", 0, "B", uint32(flagByeOnTimeout), ""},
		{"create_dialog", 0, "BPp", uint32(flagByeOnTimeout | flagPingCaller | flagPingCallee), ""},
		{"create_dialog", 0, "PR", uint32(flagReinvPingCaller), ""},
		{"create_dialog", 0, "E", uint32(1 << 15), ""},
		{"create_dialog", 0, "bye-on-timeout, Options-Ping-Callee", uint32(flagByeOnTimeout | flagPingCallee), ""},
		{"create_dialog", 0, "bye-on-timeout,auto-prack", nil, "not implemented"},
		{"create_dialog", 0, "bye-on-timeot", nil, "unknown create_dialog flag"},
		{"create_dialog", 0, "X", nil, "unknown create_dialog flag"},
		{"match_dialog", 0, "did_only", matchDIDOnly, ""},
		{"match_dialog", 0, "DID_NONE", matchDIDNone, ""},
		{"match_dialog", 0, "sometimes", nil, "unknown match mode"},
		{"set_dlg_profile", 0, "caller", nil, ""},
		{"set_dlg_profile", 0, "nobody", nil, "not defined"},
		{"dlg_on_timeout", 0, "known", nil, ""},
		{"dlg_on_timeout", 0, "unknown", nil, "not defined"},
		{"set_dlg_flag", 0, "3", uint32(1 << 3), ""},
		{"set_dlg_flag", 0, "40", nil, "out of range"},
		{"dlg_send_sequential", 1, "callee", api.DlgCallee, ""},
		{"dlg_send_sequential", 1, "nobody", nil, "unknown leg"},
		{"load_dialog_ctx", 1, "did", "did", ""},
	}
	for _, tc := range tests {
		got, err := fixup(t, m, tc.fn, tc.arg, tc.in)
		if tc.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Errorf("%s(%q): error %v, want %q", tc.fn, tc.in, err, tc.wantErr)
			}
			continue
		}
		if err != nil || (tc.want != nil && got != tc.want) {
			t.Errorf("%s(%q) = %v, %v; want %v", tc.fn, tc.in, got, err, tc.want)
		}
	}
	// Named flags get distinct bits.
	a, _ := m.flagBit("A")
	b, _ := m.flagBit("B")
	if a == b || a == 0 || b == 0 {
		t.Errorf("named flags A=%x B=%x", a, b)
	}
}

func TestParams(t *testing.T) {
	m := New()
	set := func(name string, v api.ParamValue) error {
		for _, p := range m.Params() {
			if p.Name == name {
				return p.Set(v)
			}
		}
		t.Fatalf("no param %s", name)
		return nil
	}
	if err := set("db_mode", api.ParamValue{IsInt: true, Int: 4}); err == nil {
		t.Error("db_mode 4 accepted")
	}
	if err := set("dlg_match_mode", api.ParamValue{IsInt: true, Int: 3}); err == nil {
		t.Error("dlg_match_mode 3 accepted")
	}
	if err := set("profiles_with_value", api.ParamValue{Str: "x/s"}); err == nil {
		t.Error("shared profile accepted")
	}
	if err := set("cachedb_url", api.ParamValue{Str: "redis://x"}); err == nil {
		t.Error("cachedb_url accepted")
	}
	if err := set("profiles_no_value", api.ParamValue{Str: "a;b"}); err != nil || len(m.profileDefs) != 2 {
		t.Errorf("profiles_no_value: %v %v", err, m.profileDefs)
	}
}
