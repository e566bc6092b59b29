package textops

import (
	"strings"
	"testing"

	"gosips/api"
	"gosips/pv"
)

func TestSubstFixup(t *testing.T) {
	tests := []struct {
		expr    string
		global  bool
		wantErr string
	}{
		{expr: `/^(.*)@old\.net/\1@new.net/`},
		{expr: `/a/b/g`, global: true},
		{expr: `|x|y|ig`, global: true},
		{expr: `/a/b/q`, wantErr: "bad subst expression"},
		{expr: `/a`, wantErr: "bad subst expression"},
		{expr: `/(/x/`, wantErr: "bad subst expression"},
	}
	for _, tc := range tests {
		for _, f := range New().Funcs() {
			if !strings.HasPrefix(f.Name, "subst") {
				continue
			}
			if !f.Args[0].NoExpand {
				t.Fatalf("%s: expression must not be PV-expanded", f.Name)
			}
			a := &api.FixArg{Const: true, Str: tc.expr}
			err := f.Args[0].Fixup(&api.FixupCtx{}, a)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Errorf("%s(%q): error = %v, want %q", f.Name, tc.expr, err, tc.wantErr)
				}
				continue
			}
			se, ok := a.Fixed.(*pv.Subst)
			if err != nil || !ok || se.Global != tc.global {
				t.Errorf("%s(%q): %v, Fixed=%#v", f.Name, tc.expr, err, a.Fixed)
			}
		}
	}
}

func TestRoutes(t *testing.T) {
	rofbl := api.RequestRoute | api.OnReplyRoute | api.FailureRoute | api.BranchRoute | api.LocalRoute
	for _, f := range New().Funcs() {
		want := rofbl
		if f.Name == "subst_uri" || f.Name == "subst_user" {
			want = rofbl &^ api.LocalRoute
		}
		if f.Routes != want {
			t.Errorf("%s routes = %v, want %v", f.Name, f.Routes, want)
		}
	}
}
