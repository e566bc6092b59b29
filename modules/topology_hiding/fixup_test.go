package topology_hiding

import (
	"strings"
	"testing"

	"gosips/api"
)

// The export table of OpenSIPS 3.6 topology_hiding.c.
func TestExports(t *testing.T) {
	m := New()
	var fn []string
	for _, f := range m.Funcs() {
		fn = append(fn, f.Name)
	}
	if got := strings.Join(fn, " "); got != "topology_hiding topology_hiding_match" {
		t.Errorf("functions: %s", got)
	}
	var ps []string
	for _, p := range m.Params() {
		ps = append(ps, p.Name)
	}
	want := "force_dialog th_passed_contact_uri_params th_passed_contact_params th_callid_passwd th_callid_prefix " +
		"th_contact_encode_passwd th_contact_encode_param th_contact_encode_scheme th_contact_caller_username_var th_contact_callee_username_var"
	if got := strings.Join(ps, " "); got != want {
		t.Errorf("params:\n got %s\nwant %s", got, want)
	}
}

func TestFlagsFixup(t *testing.T) {
	tests := []struct {
		in   string
		want Flags
		err  string
	}{
		{in: "", want: Flags{}},
		{in: "U", want: Flags{KeepUser: true}},
		{in: "UDaA", want: Flags{KeepUser: true, DIDUser: true, KeepCaller: true, KeepCallee: true}},
		{in: "UC", want: Flags{KeepUser: true, HideCallID: true}},
		{in: "X", err: "unknown flag"},
	}
	for _, tc := range tests {
		a := &api.FixArg{Const: true, Str: tc.in}
		err := flagsFixup(nil, a)
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("%q: error %v, want %q", tc.in, err, tc.err)
			}
			continue
		}
		if err != nil || a.Fixed.(Flags) != tc.want {
			t.Errorf("%q: %v %+v", tc.in, err, a.Fixed)
		}
	}
	if err := modeFixup(nil, &api.FixArg{Str: "3"}); err == nil {
		t.Error("dlg_match_mode 3 accepted")
	}
}

func TestSchemeParam(t *testing.T) {
	for _, p := range New().Params() {
		if p.Name == "th_contact_encode_scheme" {
			if err := p.Set(api.ParamValue{Str: "base16"}); err == nil {
				t.Error("base16 accepted")
			}
			if err := p.Set(api.ParamValue{Str: "base32"}); err != nil {
				t.Error(err)
			}
		}
	}
}
