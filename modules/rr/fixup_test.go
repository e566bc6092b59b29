package rr

import (
	"strings"
	"testing"

	"gosips/api"
)

func TestDirectionFixup(t *testing.T) {
	tests := []struct {
		fromtag int
		dir     string
		want    Direction
		wantErr string
	}{
		{1, "downstream", Downstream, ""},
		{1, "UPSTREAM", Upstream, ""},
		{1, "upstrem", 0, `did you mean "upstream"?`},
		{1, "sideways", 0, "unknown direction"},
		{0, "upstream", 0, "append_fromtag"},
	}
	for _, tc := range tests {
		r := New()
		r.AppendFromtag = tc.fromtag
		var spec api.Arg
		for _, f := range r.Funcs() {
			if f.Name == "is_direction" {
				spec = f.Args[0]
			}
		}
		a := &api.FixArg{Const: true, Str: tc.dir}
		err := spec.Fixup(&api.FixupCtx{}, a)
		if tc.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Errorf("%s: error = %v, want %q", tc.dir, err, tc.wantErr)
			}
			continue
		}
		if err != nil || a.Fixed != tc.want {
			t.Errorf("%s: %v, Fixed=%v", tc.dir, err, a.Fixed)
		}
	}
}

func TestTables(t *testing.T) {
	r := New()
	want := map[string]api.RouteType{
		"loose_route":         api.RequestRoute,
		"record_route":        api.RequestRoute | api.BranchRoute | api.FailureRoute,
		"record_route_preset": api.RequestRoute | api.BranchRoute | api.FailureRoute,
		"add_rr_param":        api.RequestRoute | api.BranchRoute | api.FailureRoute,
		"check_route_param":   api.RequestRoute,
		"is_direction":        api.RequestRoute,
	}
	for _, f := range r.Funcs() {
		if want[f.Name] != f.Routes {
			t.Errorf("%s routes = %v, want %v", f.Name, f.Routes, want[f.Name])
		}
		delete(want, f.Name)
	}
	if len(want) > 0 {
		t.Errorf("missing functions: %v", want)
	}
	for _, p := range r.Params() {
		if p.Name == "enable_full_lr" && p.Legacy == "" {
			t.Error("enable_full_lr must be legacy")
		}
	}
}
