package auth

import (
	"strings"
	"testing"

	"gosips/api"
	"gosips/internal/digest"
)

func TestQopFixup(t *testing.T) {
	tests := []struct {
		in      string
		want    Qop
		legacy  string
		wantErr string
	}{
		{in: "auth", want: QopAuth},
		{in: "auth-int", want: QopAuthInt},
		{in: "auth,auth-int", want: QopAuthAuthInt},
		{in: "auth-int, auth", want: QopAuthIntAuth},
		{in: "0", want: QopNone, legacy: "omit the qop argument"},
		{in: "1", want: QopAuth, legacy: `"auth"`},
		{in: "auht", wantErr: `bad qop "auht"`},
		{in: "auth,digest", wantErr: `bad qop "digest"`},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			var legacy []string
			fc := &api.FixupCtx{Legacy: func(msg, hint string) { legacy = append(legacy, hint) }}
			a := &api.FixArg{Const: true, Str: tt.in}
			err := QopFixup(fc, a)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if a.Fixed != tt.want {
				t.Errorf("qop = %v, want %v", a.Fixed, tt.want)
			}
			if tt.legacy == "" && len(legacy) != 0 || tt.legacy != "" && (len(legacy) != 1 || legacy[0] != tt.legacy) {
				t.Errorf("legacy = %q, want %q", legacy, tt.legacy)
			}
		})
	}
}

func TestAlgorithmsFixup(t *testing.T) {
	tests := []struct {
		in      string
		want    []Algorithm
		wantErr string
	}{
		{in: "MD5", want: []Algorithm{MD5}},
		{in: "MD5,SHA-256", want: []Algorithm{MD5, SHA256}},
		{in: "md5-sess, sha-512-256-sess", want: []Algorithm{MD5Sess, SHA512_256Sess}},
		{in: "SHA-256-sess,SHA-512-256", want: []Algorithm{SHA256Sess, SHA512_256}},
		{in: "SHA256", wantErr: `unsupported algorithm "SHA256" (did you mean "SHA-256"?)`},
		{in: "AKAv1-MD5", wantErr: "needs auth_aka"},
		{in: "MD5,", wantErr: `unsupported algorithm ""`},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			a := &api.FixArg{Const: true, Str: tt.in}
			err := digest.AlgorithmsFixup(&api.FixupCtx{}, a)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			got := a.Fixed.(Algorithms).List()
			if len(got) != len(tt.want) {
				t.Fatalf("algorithms = %v, want %v", got, tt.want)
			}
			for i := range got {
				if got[i] != tt.want[i] {
					t.Errorf("algorithms = %v, want %v", got, tt.want)
				}
			}
		})
	}
}

func TestFuncTable(t *testing.T) {
	want := map[string]api.RouteType{
		"www_challenge": api.RequestRoute, "proxy_challenge": api.RequestRoute,
		"pv_www_authorize": api.RequestRoute, "pv_proxy_authorize": api.RequestRoute,
		"consume_credentials": api.RequestRoute, "is_rpid_user_e164": api.RequestRoute,
		"append_rpid_hf": api.RequestRoute | api.BranchRoute | api.FailureRoute,
	}
	fs := New().Funcs()
	if len(fs) != len(want) {
		t.Errorf("%d funcs, want %d", len(fs), len(want))
	}
	for _, f := range fs {
		if r, ok := want[f.Name]; !ok || r != f.Routes {
			t.Errorf("%s routes = %v, want %v", f.Name, f.Routes, r)
		}
		if f.Name == "www_challenge" && (len(f.Args) != 3 || !f.Args[1].Optional || f.Args[0].Optional) {
			t.Errorf("www_challenge args = %+v", f.Args)
		}
	}
}

func TestValidate(t *testing.T) {
	m := New()
	m.UsernameSpec = "$var(u)"
	if err := m.Validate(&api.ValidateCtx{}); err == nil {
		t.Error("username_spec without password_spec accepted")
	}
	m.PasswordSpec = "$var(p)"
	if err := m.Validate(&api.ValidateCtx{}); err != nil {
		t.Error(err)
	}
}
